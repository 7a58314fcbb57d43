//! Progress of a run, reported to the caller as it happens (the library prints nothing).

use super::MigrationFile;
use std::time::Duration;

/// Something that happened during `up`, `down` or `repair`.
#[derive(Debug)]
pub enum MigrateEvent<'a> {
    /// Another run holds the migration lock; this one waits (at most `lock_timeout`).
    WaitingForLock { holder: Option<&'a str> },
    /// The lock is held, after waiting `waited`.
    LockAcquired { waited: Duration },
    /// A migration (or undo) file starts.
    Started { file: &'a MigrationFile },
    /// It finished and is recorded.
    Finished {
        file: &'a MigrationFile,
        execution_ms: u64,
    },
    /// It failed; the run stops with an error.
    Failed { file: &'a MigrationFile },
}

/// Receives [`MigrateEvent`]s; any `Fn(&MigrateEvent)` closure is one. Called on the task
/// that runs the migrations, so it should return quickly.
pub trait Progress: Send + Sync {
    fn event(&self, event: &MigrateEvent<'_>);
}

impl<F: Fn(&MigrateEvent<'_>) + Send + Sync> Progress for F {
    fn event(&self, event: &MigrateEvent<'_>) {
        self(event)
    }
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _: &MigrateEvent<'_>) {}
}
