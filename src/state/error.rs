//! Errors of the state store, with kinds callers can match on.

use super::lock::LockInfo;
use super::STATE_VERSION;
use crate::diag::Diagnostic;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong reading, writing or locking state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file (state or journal) could not be parsed; it is left untouched.
    #[error("{} is corrupt: {reason}", .path.display())]
    Corrupt { path: PathBuf, reason: String },

    /// The state file was written by a newer (or unknown) format version.
    #[error(
        "{} has state format version {found}, but this build of Terrace reads only version {}",
        .path.display(),
        STATE_VERSION
    )]
    UnsupportedVersion { path: PathBuf, found: String },

    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Another process holds the state lock; `waited` is how long this one waited.
    #[error(
        "the state {} is locked by another process (waited {})\n{holder}",
        .path.display(),
        fmt_duration(*.waited)
    )]
    Locked {
        path: PathBuf,
        holder: Box<LockInfo>,
        waited: Duration,
    },

    /// The lock is held but its holder did not say who it is.
    #[error(
        "timed out after {} waiting for the lock on {} (the holder left no lock information in {})",
        fmt_duration(*.waited),
        .path.display(),
        .lock_path.display()
    )]
    LockTimeout {
        path: PathBuf,
        lock_path: PathBuf,
        waited: Duration,
    },

    /// `force-unlock` with no lock information to unlock.
    #[error("the state {} is not locked: {} holds no lock information", .path.display(), .lock_path.display())]
    NotLocked { path: PathBuf, lock_path: PathBuf },

    /// `force-unlock` with an id that is not the current lock's.
    #[error("lock id {given:?} does not match the current lock of {}\n{holder}", .path.display())]
    LockIdMismatch {
        path: PathBuf,
        given: String,
        holder: Box<LockInfo>,
    },

    /// `force-unlock` refused: a live process holds the OS lock, which cannot be broken; it is
    /// released when that process exits.
    #[error(
        "refusing to unlock {}: process {} on {} still holds the lock (operation {:?}); an OS lock cannot be broken, it is released when that process exits\n{holder}",
        .path.display(),
        .holder.pid,
        .holder.host,
        .holder.operation
    )]
    LockHeld {
        path: PathBuf,
        holder: Box<LockInfo>,
    },

    /// A backend type this build cannot use.
    #[error("backend {kind:?} is not supported: {reason}")]
    UnsupportedBackend { kind: String, reason: String },

    /// The backend block has errors, reported as diagnostics.
    #[error("the backend {kind:?} configuration is invalid")]
    InvalidBackendConfig { kind: String },

    /// A workspace name that cannot be part of a file name.
    #[error("invalid workspace name {name:?}: use letters, digits, '-', '_' and '.', not starting with '.'")]
    InvalidWorkspace { name: String },

    /// A state command named an address with no object in state.
    #[error("no object in state matches {address:?}")]
    NotFound { address: String },

    /// `state mv` refused to overwrite an existing object.
    #[error("cannot move to {address}: an object with that address is already in state")]
    AlreadyExists { address: String },

    #[error("invalid address {address:?}: {reason}")]
    InvalidAddress { address: String, reason: String },

    #[error("cannot move {from} to {to}: {reason}")]
    InvalidMove {
        from: String,
        to: String,
        reason: String,
    },

    /// A state command needs a state file and there is none.
    #[error("no state file was found at {}: state commands need a state; run apply first", .path.display())]
    NoState { path: PathBuf },

    /// Someone else wrote a newer state since this one was loaded.
    #[error(
        "{} has serial {on_disk}, newer than the serial {ours} of the state being written; it was written by another run since this one loaded it",
        .path.display()
    )]
    Stale {
        path: PathBuf,
        ours: u64,
        on_disk: u64,
    },

    /// The state being written belongs to a different lineage than the file.
    #[error(
        "{} belongs to lineage {on_disk}, but the state being written has lineage {ours}; refusing to overwrite an unrelated state",
        .path.display()
    )]
    LineageMismatch {
        path: PathBuf,
        ours: String,
        on_disk: String,
    },

    /// The remote state object changed since this run read it: the conditional write was
    /// refused and nothing was overwritten.
    #[error(
        "{location} was written by another run since this one read it (this run read serial {}, the object now has serial {}); nothing was overwritten",
        fmt_serial(*.read_serial),
        fmt_serial(*.current_serial)
    )]
    RemoteChanged {
        location: String,
        read_serial: Option<u64>,
        current_serial: Option<u64>,
    },

    /// A request to the remote backend failed.
    #[error("{operation} on {location} failed: {reason}")]
    Remote {
        location: String,
        operation: String,
        reason: String,
    },

    /// A backend setting (from the block or `-backend-config`) is missing or invalid.
    #[error("invalid backend setting {setting:?}: {reason}")]
    InvalidBackendSetting { setting: String, reason: String },

    /// The configuration uses a backend `init` has not set up in this directory.
    #[error("the {kind:?} backend is not initialized in this directory: run terrace init")]
    BackendInitRequired { kind: String },

    /// The backend block differs from the one recorded by the last `init`.
    #[error(
        "Backend configuration changed ({reason}): run terrace init -migrate-state or -reconfigure"
    )]
    BackendChanged { reason: String },

    /// A whole-state write while a journal is open would make the journal look folded.
    #[error("{} exists: finish the open journal before writing the whole state", .path.display())]
    JournalActive { path: PathBuf },
}

impl StateError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StateError {
        StateError::Io {
            path: path.into(),
            source,
        }
    }

    /// A one-line summary for diagnostics, in Terraform's wording where it has one.
    pub fn summary(&self) -> &'static str {
        match self {
            StateError::Corrupt { .. } | StateError::UnsupportedVersion { .. } => {
                "Failed to load state"
            }
            StateError::Io { .. } => "State file I/O error",
            StateError::Locked { .. } | StateError::LockTimeout { .. } => {
                "Error acquiring the state lock"
            }
            StateError::NotLocked { .. }
            | StateError::LockIdMismatch { .. }
            | StateError::LockHeld { .. } => "Failed to unlock state",
            StateError::UnsupportedBackend { .. } => "Unsupported backend",
            StateError::RemoteChanged { .. } => "Failed to write state",
            StateError::Remote { .. } => "Remote state error",
            StateError::InvalidBackendSetting { .. } => "Invalid backend configuration",
            StateError::BackendInitRequired { .. } => "Backend initialization required",
            StateError::BackendChanged { .. } => "Backend configuration changed",
            StateError::InvalidBackendConfig { .. } => "Invalid backend configuration",
            StateError::InvalidWorkspace { .. } => "Invalid workspace name",
            StateError::NotFound { .. } => "No matching objects found",
            StateError::AlreadyExists { .. } | StateError::InvalidMove { .. } => {
                "Invalid state move request"
            }
            StateError::InvalidAddress { .. } => "Invalid address",
            StateError::NoState { .. } => "No state file was found",
            StateError::Stale { .. }
            | StateError::LineageMismatch { .. }
            | StateError::JournalActive { .. } => "Failed to write state",
        }
    }

    /// The error as a diagnostic without a source location.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(self.summary()).detail(sentence(&self.to_string()));
        match self {
            StateError::Locked { .. } | StateError::LockTimeout { .. } => {
                d = d.hint(
                    "wait for the other run to finish, or pass -lock-timeout=DURATION to wait for it; the lock is released when its process exits",
                );
            }
            StateError::Corrupt { .. } | StateError::UnsupportedVersion { .. } => {
                d = d.hint("the file was left untouched; restore it from a backup (.backup.N) beside it, or fix it by hand");
            }
            _ => {}
        }
        d
    }
}

/// Capitalizes a message for a diagnostic detail, unless it starts with a path.
fn sentence(s: &str) -> String {
    let first = s.split_whitespace().next().unwrap_or("");
    if first.contains(['/', '.']) {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn fmt_serial(s: Option<u64>) -> String {
    s.map_or_else(|| "none (no object)".to_string(), |s| s.to_string())
}

/// `1.5s`, `30s`, `2m0s`.
pub(crate) fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 60_000 {
        if ms.is_multiple_of(1000) {
            format!("{}s", ms / 1000)
        } else {
            format!("{:.1}s", d.as_secs_f64())
        }
    } else {
        format!("{}m{}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(fmt_duration(Duration::from_secs(0)), "0s");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(fmt_duration(Duration::from_secs(90)), "1m30s");
    }

    #[test]
    fn errors_name_the_file_and_problem() {
        let e = StateError::Corrupt {
            path: "state/default.tfstate.json".into(),
            reason: "expected value at line 1 column 1".into(),
        };
        assert_eq!(
            e.to_string(),
            "state/default.tfstate.json is corrupt: expected value at line 1 column 1"
        );
        let d = e.to_diagnostic();
        assert_eq!(d.summary, "Failed to load state");
        assert!(d.detail.unwrap().starts_with("state/default"));
        let e = StateError::UnsupportedVersion {
            path: "s.json".into(),
            found: "7".into(),
        };
        assert!(e.to_string().contains("version 7"), "{e}");
        let d = StateError::NotFound {
            address: "aws_vpc.a".into(),
        }
        .to_diagnostic();
        assert_eq!(
            d.detail.unwrap(),
            "No object in state matches \"aws_vpc.a\""
        );
    }
}
