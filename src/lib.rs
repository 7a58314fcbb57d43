//! Terrace: a declarative infrastructure provisioner for AWS in the Terraform style.
//!
//! Stages, each its own module, pass data types downward: `config` loads files, `eval`
//! evaluates expressions, `graph` orders the resource instances, `render` shows results,
//! `ops` runs one command each, `cli` turns arguments into options.

pub mod addr;
pub mod apply;
pub mod cli;
pub mod config;
pub mod diag;
pub mod drift;
pub mod eval;
pub mod graph;
pub mod migrate;
pub mod ops;
pub mod plan;
pub mod provider;
pub mod render;
pub mod schema;
pub mod state;
