//! The migration stage: versioned SQL migrations that run once their database is available.
//!
//! [`discover`] lists a directory's migration files; the runner ([`status`], [`up`],
//! [`down`], [`history`], [`repair`]) runs them against a [`Target`] (PostgreSQL or
//! MySQL/MariaDB through sqlx), recording every run in the database's
//! `terrace_schema_history` table under an advisory lock. Nothing here prints: progress goes
//! to a [`Progress`] hook, and the history rows come back for mirroring into state
//! ([`HistoryRow::to_record`]).

mod audit;
mod discover;
mod error;
mod history;
mod lock;
mod progress;
mod run;
mod runner;
mod split;
mod target;
mod validate;

pub use audit::{applied_by, git_commit, Audit};
pub use discover::{checksum, discover, parse_version, MigrationFile, MigrationKind, VersionKey};
pub use error::{MigrateError, Problem, RunError};
pub use history::{HistoryRow, HISTORY_TABLE};
pub use lock::lock_name;
pub use progress::{MigrateEvent, NoProgress, Progress};
pub use runner::{
    down, history, repair, status, up, RepairReport, RunOptions, RunReport, DEFAULT_LOCK_TIMEOUT,
};
pub use split::{split, Dialect, SplitError, Statement};
pub use target::{Engine, Target, TlsMode, DEFAULT_CONNECT_TIMEOUT};
pub use validate::{assess, Status};
