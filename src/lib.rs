//! Terrace: a declarative infrastructure provisioner for AWS in the Terraform style.
//!
//! Stages, each its own module, pass data types downward: `config` loads files, `eval`
//! evaluates expressions, `graph` orders the resource instances, `render` shows results,
//! `ops` runs one command each, `cli` turns arguments into options.

pub mod diag;
pub mod eval;
pub mod schema;
