//! What can go wrong when migrating, with the file, version or statement it concerns.

use super::history::HistoryRow;
use std::path::PathBuf;
use std::time::Duration;

/// A disagreement between the history table and the migration files. Any of these stops a
/// run before it executes anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// An applied versioned migration's file no longer has the content that ran.
    #[error("{}: migration {version} was changed after it was applied (checksum {}… in the history, {}… now); restore the file, or accept its new content with `terrace migrate repair`", file.display(), short(applied), short(current))]
    ChecksumMismatch {
        file: PathBuf,
        version: String,
        applied: String,
        current: String,
    },
    /// An applied version has no file any more.
    #[error("{expected}: migration {version} ({description}) was applied, but its file is missing from the migration directory; restore it")]
    MissingFile {
        version: String,
        description: String,
        /// The file name the convention expects, e.g. `V3__add_index.sql`.
        expected: String,
    },
    /// A pending version lower than the latest applied one.
    #[error("{}: version {version} is lower than the latest applied version {latest}; set allow_out_of_order = true to apply it anyway", file.display())]
    OutOfOrder {
        file: PathBuf,
        version: String,
        latest: String,
    },
    /// The history records a failed migration (MySQL/MariaDB, which cannot roll DDL back):
    /// the database may be half migrated.
    #[error("{name} failed (started {applied_at} by {applied_by}); statements before the failing one stayed applied: fix the database by hand, then run `terrace migrate repair`")]
    NeedsRepair {
        /// The file name, e.g. `V3__add_index.sql`.
        name: String,
        version: Option<String>,
        applied_at: String,
        applied_by: String,
    },
}

/// Why a migration command failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot connect to {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot connect to {target}: no answer within {}", secs(*timeout))]
    ConnectTimeout { target: String, timeout: Duration },
    /// A query of the runner's own (history table, lock) failed.
    #[error("{target}: {context}: {source}")]
    Database {
        target: String,
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("another migration run holds the lock {lock}{}; gave up after {} (lock_timeout)", holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default(), secs(*waited))]
    LockTimeout {
        lock: String,
        waited: Duration,
        /// Who holds it, when the server tells.
        holder: Option<String>,
    },
    #[error("{}", list(.0))]
    Validation(Vec<Problem>),
    #[error("cannot read {}: {source}", file.display())]
    ReadFile {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file cannot be split into statements (an unterminated quote or comment).
    #[error("{}:{line}: {message}", file.display())]
    Split {
        file: PathBuf,
        line: usize,
        message: String,
    },
    /// A statement of a migration failed.
    #[error("{}:{line}: {message}{}\n  in the statement at line {statement_line}: {statement}\n  {}", file.display(), code.as_deref().map(|c| format!(" (SQLSTATE {c})")).unwrap_or_default(), failed_hint(*rolled_back))]
    Failed {
        file: PathBuf,
        /// Where the statement starts in the file (1-based).
        statement_line: usize,
        /// Where the error is, when the server points inside the statement; else
        /// `statement_line`.
        line: usize,
        /// The statement's beginning, on one line.
        statement: String,
        /// The server's message.
        message: String,
        code: Option<String>,
        /// PostgreSQL: the migration's transaction was rolled back and nothing recorded.
        /// MySQL: earlier statements stayed applied and the history marks it failed.
        rolled_back: bool,
    },
    /// `--to` names a version that no file or history row has.
    #[error("there is no migration version {version}")]
    UnknownVersion { version: String },
    /// A version to undo has no `U` file.
    #[error("{expected}: migration {version} cannot be undone: the undo file is missing")]
    MissingUndo { version: String, expected: String },
    #[error("terrace_schema_history row {id}: {message}")]
    HistoryCorrupt { id: i64, message: String },
}

/// A failure of `up` or `down` after the run started: the error, and the history rows the
/// run wrote before it (successful migrations, and on MySQL the row marking the failed one),
/// so the caller can still mirror them into state.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct RunError {
    #[source]
    pub error: MigrateError,
    pub ran: Vec<HistoryRow>,
}

impl From<MigrateError> for RunError {
    fn from(error: MigrateError) -> RunError {
        RunError {
            error,
            ran: Vec::new(),
        }
    }
}

fn list(problems: &[Problem]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems with the migration history:", many.len());
            for p in many {
                s.push_str("\n  - ");
                s.push_str(&p.to_string());
            }
            s
        }
    }
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}

fn failed_hint(rolled_back: bool) -> &'static str {
    if rolled_back {
        "The migration was rolled back and nothing was recorded; fix it and run again."
    } else {
        "MySQL/MariaDB cannot roll back DDL: the statements before this one stayed applied, and the history marks the migration failed. Fix the database by hand, then run `terrace migrate repair`."
    }
}

/// `1.5s`, `300ms`, `5m`.
pub(crate) fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
