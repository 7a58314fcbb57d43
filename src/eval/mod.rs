//! Expression evaluation: values with unknown and sensitive marks, type constraints,
//! built-in functions, the evaluator over `hcl-edit` expression trees, and the evaluation
//! of a whole configuration into resource instances and graph nodes.

mod body;
mod expr;
pub mod functions;
pub mod inputs;
mod ops;
pub mod refs;
mod template;
mod typeexpr;
mod types;
mod value;
mod walk;

pub use expr::{get_attr, index, iter_pairs, EmptyScope, Evaluator, Scope};
pub use ops::equal;
pub use refs::{RefRoot, Reference};
pub use template::render_template;
pub use typeexpr::parse_type;
pub use types::{ConvertError, ObjectAttr, Type};
pub use value::{format_number, Value};
pub use walk::{
    evaluate, evaluate_imports, evaluate_instance, evaluate_providers, Dep, EvalMode, EvalOptions,
    Evaluated, Expansion, ImportValue, InstancePlanner, InstanceValue, MigrationValue, NodeInfo,
};
