//! The migration stage of `apply`: runs a migration block's pending migrations against its
//! database once the engine has applied everything the block references.
//!
//! The block is evaluated against the state of that moment (so `aws_db_instance.*.address`
//! and friends are known), its connection is worked out by [`migration_target`], and the
//! runner (`crate::migrate::up`) applies the pending files under the database's migration
//! lock. Every history row the run wrote comes back for the state's `migrations` section,
//! also when a migration failed part-way. A failure never touches the database resource.

use super::migration_target::migration_target;
use crate::apply::{MigrationStage, StageResult, StageStatus};
use crate::eval::Evaluated;
use crate::migrate::{self, Audit, MigrateEvent};
use crate::state::State;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Evaluates the configuration against a state.
pub(super) type Evaluate = Arc<dyn Fn(&State) -> Result<Evaluated, String> + Send + Sync>;

/// The stage over the workspace's configuration.
pub(super) struct ConfigStage {
    pub(super) evaluate: Evaluate,
    pub(super) env: Vec<(String, String)>,
    pub(super) audit: Audit,
}

/// A status line for a runner event.
fn describe(e: &MigrateEvent<'_>) -> String {
    match e {
        MigrateEvent::WaitingForLock { holder: Some(h) } => {
            format!("waiting for the migration lock held by {h}")
        }
        MigrateEvent::WaitingForLock { holder: None } => "waiting for the migration lock".into(),
        MigrateEvent::LockAcquired { waited } => {
            format!("lock acquired after {}s", waited.as_secs())
        }
        MigrateEvent::Started { file } => format!("running {}", file.file_name()),
        MigrateEvent::Finished { file, execution_ms } => {
            format!("{} done in {execution_ms} ms", file.file_name())
        }
        MigrateEvent::Failed { file } => format!("{} failed", file.file_name()),
    }
}

impl ConfigStage {
    async fn run_block(&self, addr: &str, state: State, status: StageStatus) -> StageResult {
        let fail = |e: String| StageResult {
            records: Vec::new(),
            history: None,
            error: Some(e),
        };
        let evaluated = match (self.evaluate)(&state) {
            Ok(e) => e,
            Err(e) => return fail(e),
        };
        let Some(m) = evaluated
            .migrations
            .iter()
            .find(|m| m.addr.to_string() == addr)
        else {
            return fail(format!("{addr} is no longer in the configuration"));
        };
        let db = m
            .database
            .as_ref()
            .and_then(|d| state.get(d))
            .map(|r| r.value());
        let env = |k: &str| {
            self.env
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let setup = match migration_target(&m.value, db.as_ref(), addr, &env) {
            Ok(s) => s,
            Err(e) => return fail(e.to_string()),
        };
        let files = match migrate::discover(&setup.source) {
            Ok(f) => f,
            Err(e) => return fail(format!("{addr}: {e}")),
        };
        let opts = setup.run_options(self.audit.clone());
        let progress = move |e: &MigrateEvent<'_>| status(&describe(e));
        match migrate::up(&setup.target, &files, None, &opts, &progress).await {
            Ok(report) => StageResult {
                records: report.ran.iter().map(|r| r.to_record(addr)).collect(),
                history: Some(report.history.iter().map(|r| r.to_record(addr)).collect()),
                error: None,
            },
            Err(e) => StageResult {
                records: e.ran.iter().map(|r| r.to_record(addr)).collect(),
                history: None,
                error: Some(format!("{}: {}", setup.target.describe(), e.error)),
            },
        }
    }
}

impl MigrationStage for ConfigStage {
    fn run<'a>(
        &'a self,
        addr: &'a str,
        state: State,
        status: StageStatus,
    ) -> Pin<Box<dyn Future<Output = StageResult> + Send + 'a>> {
        Box::pin(self.run_block(addr, state, status))
    }
}
