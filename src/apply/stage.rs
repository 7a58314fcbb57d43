//! The migration stage as the engine sees it: a step that runs a migration block's pending
//! migrations once everything the block references is applied. What a run does (connect,
//! lock, execute, record the history) lives behind [`MigrationStage`], implemented by the
//! operations layer over `crate::migrate`.

use crate::state::{MigrationRecord, State};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How a migration step ended: the history rows it wrote (also when it failed part-way, so
/// that state mirrors every migration that did run) and the error that stopped it.
#[derive(Debug, Default)]
pub struct StageResult {
    pub records: Vec<MigrationRecord>,
    /// The block's whole history in the database after the run, when it could be read:
    /// state mirrors it instead of only appending `records` (so rows a killed run wrote to
    /// the database but not to state come back).
    pub history: Option<Vec<MigrationRecord>>,
    pub error: Option<String>,
}

/// Receives a running step's status lines ("V2__add_orders.sql").
pub type StageStatus = Arc<dyn Fn(&str) + Send + Sync>;

/// Runs migration blocks. `state` is the state with every dependency of the block applied.
pub trait MigrationStage: Send + Sync {
    fn run<'a>(
        &'a self,
        addr: &'a str,
        state: State,
        status: StageStatus,
    ) -> Pin<Box<dyn Future<Output = StageResult> + Send + 'a>>;
}
