//! The apply engine: executes exactly a plan, walking its changes as a DAG on tokio.
//!
//! Invariants:
//! - a node starts as soon as everything it depends on has finished (no level barriers);
//! - `parallelism` bounds concurrent mutating provider calls; waits hold no slot
//!   (`crate::provider::slot`);
//! - an object tagged with this state's lineage but missing from it (an interrupted create)
//!   is adopted, never created twice (`adopt`);
//! - every finished node is recorded in the state journal before its dependents start, so a
//!   run killed at any instant leaves every completed create in state;
//! - a failed node fails only the nodes that depend on it; independent branches complete.

mod adopt;
mod engine;
mod events;
mod order;
mod stage;

pub use engine::{apply_plan, ApplyContext, ApplyOutcome, ApplySettings, NodeResult, Resolver};
pub use events::{ApplyEvent, EventSink, NullSink};
pub use stage::{MigrationStage, StageResult, StageStatus};
