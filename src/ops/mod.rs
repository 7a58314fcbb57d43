//! One function per command. Functions take a [`Workspace`] and options, and return data;
//! they never print.

mod graph;
mod validate;
mod workspace;

pub use graph::{graph, GraphOptions, GraphReport};
pub use validate::{validate, ValidateOptions, ValidateReport};
pub use workspace::{load, LoadOptions, Loaded, Workspace};
