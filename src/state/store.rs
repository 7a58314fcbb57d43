//! [`Backend`]: the state store of one workspace, local or S3, with the operations commands
//! use (load, write, journal, lock, force-unlock, workspaces).

use super::error::StateError;
use super::journal::Journal;
use super::local::{check_workspace_name, LocalBackend, DEFAULT_WORKSPACE};
use super::lock::{LocalLockGuard, LockInfo};
use super::s3::S3Backend;
use super::s3_lock::S3LockGuard;
use super::State;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The state store of one workspace.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A file; `dir` and `configured` (the `local` backend's `path`) locate the other
    /// workspaces' files.
    Local {
        backend: LocalBackend,
        dir: PathBuf,
        configured: Option<PathBuf>,
    },
    S3(S3Backend),
}

/// A held state lock; released when dropped.
#[derive(Debug)]
pub enum LockGuard {
    Local(LocalLockGuard),
    S3(S3LockGuard),
}

impl LockGuard {
    pub fn info(&self) -> &LockInfo {
        match self {
            LockGuard::Local(g) => g.info(),
            LockGuard::S3(g) => g.info(),
        }
    }

    /// Releases the lock now (the same as dropping the guard).
    pub fn release(self) {}
}

impl Backend {
    /// The local backend of `workspace` in `dir` (see [`LocalBackend::for_workspace`]).
    pub fn local(
        dir: &Path,
        workspace: &str,
        configured: Option<&Path>,
    ) -> Result<Backend, StateError> {
        Ok(Backend::Local {
            backend: LocalBackend::for_workspace(dir, workspace, configured)?,
            dir: dir.to_path_buf(),
            configured: configured.map(Path::to_path_buf),
        })
    }

    /// `"local"` or `"s3"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Backend::Local { .. } => "local",
            Backend::S3(_) => "s3",
        }
    }

    /// The state file, or `s3://bucket/key`.
    pub fn path(&self) -> &Path {
        match self {
            Backend::Local { backend, .. } => backend.path(),
            Backend::S3(b) => b.path(),
        }
    }

    pub fn as_local(&self) -> Option<&LocalBackend> {
        match self {
            Backend::Local { backend, .. } => Some(backend),
            Backend::S3(_) => None,
        }
    }

    pub fn as_s3(&self) -> Option<&S3Backend> {
        match self {
            Backend::Local { .. } => None,
            Backend::S3(b) => Some(b),
        }
    }

    /// Loads the state; `Ok(None)` when there is none yet. See [`LocalBackend::load`] and
    /// [`S3Backend::load`] (which remembers the version read for the next write).
    pub fn load(&self) -> Result<Option<State>, StateError> {
        match self {
            Backend::Local { backend, .. } => backend.load(),
            Backend::S3(b) => b.load(),
        }
    }

    /// The state without writing or locking anything (for read-only commands).
    pub fn load_snapshot(&self) -> Result<Option<State>, StateError> {
        match self {
            Backend::Local { backend, .. } => backend.load_snapshot(),
            Backend::S3(b) => b.load_snapshot(),
        }
    }

    pub fn load_or_new(&self) -> Result<State, StateError> {
        Ok(self.load()?.unwrap_or_default())
    }

    /// Writes `state` when its content changed, setting `state.serial` to the serial written.
    pub fn write(&self, state: &mut State) -> Result<(), StateError> {
        match self {
            Backend::Local { backend, .. } => backend.write(state),
            Backend::S3(b) => b.write(state),
        }
    }

    /// Opens a journal on top of `state` (first writing `state`, when it is not stored yet).
    pub fn journal(&self, state: &mut State) -> Result<Journal, StateError> {
        match self {
            Backend::Local { backend, .. } => backend.journal(state),
            Backend::S3(b) => {
                b.write(state)?;
                Ok(Journal::remote(b, state))
            }
        }
    }

    /// Takes the state lock for `operation`, waiting up to `timeout`.
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError> {
        match self {
            Backend::Local { backend, .. } => {
                backend.lock(operation, timeout).map(LockGuard::Local)
            }
            Backend::S3(b) => b.lock(operation, timeout).map(LockGuard::S3),
        }
    }

    /// The current lock holder's description, if any.
    pub fn lock_info(&self) -> Option<LockInfo> {
        match self {
            Backend::Local { backend, .. } => backend.lock_info(),
            Backend::S3(b) => b.lock_info(),
        }
    }

    /// Removes the lock with `id`; see `terrace force-unlock`.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        match self {
            Backend::Local { backend, .. } => backend.force_unlock(id),
            Backend::S3(b) => b.force_unlock(id),
        }
    }

    /// Writes `state` as it is (lineage and serial kept) over the stored state, which must
    /// have been loaded first: for `init -migrate-state`.
    pub fn replace(&self, state: &State) -> Result<(), StateError> {
        match self {
            Backend::Local { backend, .. } => {
                if let Some(old) = backend.read_file()? {
                    // Keep what is replaced as a numbered backup, out of the way.
                    let to = backend.backup_path(old.serial);
                    std::fs::rename(backend.path(), &to)
                        .map_err(|e| StateError::io(backend.path(), e))?;
                }
                let mut s = state.clone();
                s.serial = state.serial.saturating_sub(1);
                backend.write(&mut s)
            }
            Backend::S3(b) => b.replace(state),
        }
    }

    /// The workspaces that have a state, `default` first (always listed).
    pub fn workspaces(&self) -> Result<Vec<String>, StateError> {
        match self {
            Backend::S3(b) => b.workspaces(),
            Backend::Local {
                dir, configured, ..
            } => {
                let mut names = vec![DEFAULT_WORKSPACE.to_string()];
                let (folder, prefix, suffix) = match configured {
                    None => (
                        dir.join("state"),
                        String::new(),
                        ".tfstate.json".to_string(),
                    ),
                    Some(p) => {
                        let p = dir.join(p);
                        let stem = p.file_stem().unwrap_or_default().to_string_lossy();
                        let suffix = p
                            .extension()
                            .map(|e| format!(".{}", e.to_string_lossy()))
                            .unwrap_or_default();
                        let folder = super::local::parent_dir(&p);
                        (folder, format!("{stem}."), suffix)
                    }
                };
                let entries = match std::fs::read_dir(&folder) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
                    Err(e) => return Err(StateError::io(&folder, e)),
                };
                let mut found: Vec<String> = entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter_map(|n| {
                        let ws = n.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
                        (check_workspace_name(ws).is_ok() && ws != DEFAULT_WORKSPACE)
                            .then(|| ws.to_string())
                    })
                    .collect();
                found.sort();
                names.extend(found);
                Ok(names)
            }
        }
    }

    /// Deletes the state of workspace `name` (never `default`).
    pub fn delete_workspace(&self, name: &str) -> Result<(), StateError> {
        match self {
            Backend::S3(b) => b.delete_workspace(name),
            Backend::Local {
                dir, configured, ..
            } => {
                if name == DEFAULT_WORKSPACE {
                    return Err(StateError::InvalidWorkspace {
                        name: name.to_string(),
                    });
                }
                let b = LocalBackend::for_workspace(dir, name, configured.as_deref())?;
                if b.journal_path().exists() {
                    return Err(StateError::JournalActive {
                        path: b.journal_path(),
                    });
                }
                match std::fs::remove_file(b.path()) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(StateError::io(b.path(), e)),
                }
            }
        }
    }
}
