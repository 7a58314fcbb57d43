//! The apply engine: executes exactly a plan, walking its changes as a DAG on tokio.
//!
//! Invariants:
//! - a node starts as soon as everything it depends on has finished (no level barriers);
//! - `parallelism` bounds concurrent provider calls;
//! - every finished node is recorded in the state journal before its dependents start, so a
//!   run killed at any instant leaves every completed create in state;
//! - a failed node fails only the nodes that depend on it; independent branches complete.

mod engine;
mod events;

pub use engine::{apply_plan, ApplyContext, ApplyOutcome, ApplySettings, NodeResult, Resolver};
pub use events::{ApplyEvent, EventSink, NullSink};
