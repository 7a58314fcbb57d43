//! Output for people and machines: diagnostics with source snippets, graphs, and styling.

mod diagnostic;
mod graph;
mod style;

pub use diagnostic::{diagnostics_json, render_diagnostic, render_diagnostics};
pub use graph::{graph_dot, graph_json};
pub use style::Style;
