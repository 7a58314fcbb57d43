//! Progress of an apply, reported through a hook; the engine never prints.

use crate::addr::ResourceInstanceAddr;
use crate::plan::Action;
use std::time::Duration;

/// One thing that happened during apply.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyEvent {
    /// A change started.
    Start {
        addr: ResourceInstanceAddr,
        action: Action,
    },
    /// A change in flight reports where it is: e.g. waiting for an instance to reach
    /// `running`. `status` is short, human-readable text from the provider's waiter.
    Progress {
        addr: ResourceInstanceAddr,
        action: Action,
        status: String,
        elapsed: Duration,
    },
    /// A change finished; `id` is the object's cloud id (none after a delete).
    Complete {
        addr: ResourceInstanceAddr,
        action: Action,
        id: Option<String>,
        elapsed: Duration,
    },
    /// A change failed; its dependents will be skipped.
    Errored {
        addr: ResourceInstanceAddr,
        action: Action,
        error: String,
        elapsed: Duration,
    },
    /// A change was not attempted because something it depends on (a resource or a
    /// migration block, by address) failed.
    Skipped {
        addr: ResourceInstanceAddr,
        because: String,
    },
    /// A migration block's stage started: `pending` migrations are planned.
    MigrationStart { addr: String, pending: usize },
    /// A migration stage reports progress (the file it runs, waiting for the lock, ...).
    MigrationProgress {
        addr: String,
        status: String,
        elapsed: Duration,
    },
    /// A migration stage finished; `applied` migrations ran.
    MigrationComplete {
        addr: String,
        applied: usize,
        elapsed: Duration,
    },
    /// A migration stage failed; the database resource is untouched, dependents are skipped.
    MigrationErrored {
        addr: String,
        error: String,
        elapsed: Duration,
    },
    /// The run was interrupted (Ctrl-C): no new change starts; those in flight finish and
    /// are recorded.
    Interrupted,
}

/// Receives apply events (a terminal view, JSON lines, tests).
pub trait EventSink: Send + Sync {
    fn event(&self, e: ApplyEvent);
}

/// Discards events.
pub struct NullSink;

impl EventSink for NullSink {
    fn event(&self, _e: ApplyEvent) {}
}
