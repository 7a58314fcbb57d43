//! Expression evaluation: values with unknown and sensitive marks, type constraints,
//! built-in functions, and the evaluator over `hcl-edit` expression trees.

pub mod functions;
mod types;
mod value;

pub use types::{ConvertError, ObjectAttr, Type};
pub use value::{format_number, Value};
