//! `terrace workspace list|show|new|select|delete`: one state per workspace, with Terraform's
//! rules. The selection is recorded in `.terrace/environment` (see [`Workspace`]) and
//! overridden by `TF_WORKSPACE`.
//!
//! Invariants:
//! - `default` always exists and is never deleted; the current workspace is never deleted;
//! - a workspace whose state tracks managed resources is only deleted with `force`;
//! - creating and deleting a state happen under that state's lock (unless turned off), so
//!   they never race a run working on the same workspace.
//!
//! The state store is reached through [`list_workspaces`], [`workspace_exists`],
//! [`create_workspace_state`] and [`delete_workspace_state`]; the rules around them do not
//! depend on where states live. Local states are listed and removed here (with their
//! journals and backups); other backends through [`Backend::workspaces`] and
//! [`Backend::delete_workspace`].

use super::state::{open_state, StateCommandError};
use super::workspace::{Workspace, ENVIRONMENT_FILE, WORKSPACE_ENV_VAR};
use crate::diag::Diagnostic;
use crate::state::{
    check_workspace_name, Backend, LocalBackend, State, StateError, DEFAULT_WORKSPACE,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Locking for the commands that create or delete a workspace's state.
#[derive(Debug, Clone, Copy)]
pub struct WorkspaceLock {
    /// Take the state lock (`-lock=false` turns it off).
    pub lock: bool,
    /// How long to wait for it (`-lock-timeout`).
    pub timeout: Duration,
}

impl Default for WorkspaceLock {
    fn default() -> Self {
        WorkspaceLock {
            lock: true,
            timeout: Duration::ZERO,
        }
    }
}

/// Why a workspace command failed.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// The backend could not be opened, or reading or writing a state failed.
    #[error(transparent)]
    Store(#[from] StateCommandError),
    #[error("workspace {name:?} already exists")]
    Exists { name: String },
    #[error("workspace {name:?} doesn't exist")]
    Missing { name: String },
    #[error("the default workspace cannot be deleted")]
    DeleteDefault,
    #[error("workspace {name:?} is the current workspace")]
    DeleteCurrent { name: String, overridden: bool },
    #[error("workspace {name:?} still tracks {} resource instance(s)", addresses.len())]
    NotEmpty {
        name: String,
        addresses: Vec<String>,
    },
    /// `TF_WORKSPACE` selects `current`; `new` of another name and `select` are refused.
    #[error("the workspace is overridden by {WORKSPACE_ENV_VAR}={current:?}")]
    Overridden { current: String, selecting: bool },
    #[error("cannot record the selected workspace in {}: {source}", path.display())]
    Record {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<StateError> for WorkspaceError {
    fn from(e: StateError) -> Self {
        WorkspaceError::Store(e.into())
    }
}

impl WorkspaceError {
    /// The error as a diagnostic; `None` for [`WorkspaceError::Store`], whose diagnostics
    /// (with their sources) are in the wrapped error.
    pub fn to_diagnostic(&self) -> Option<Diagnostic> {
        let d = match self {
            WorkspaceError::Store(_) => return None,
            WorkspaceError::Exists { name } => Diagnostic::error("Workspace already exists")
                .detail(format!("Workspace {name:?} already exists."))
                .hint(format!("select it with: terrace workspace select {name}")),
            WorkspaceError::Missing { name } => Diagnostic::error("Workspace doesn't exist")
                .detail(format!("Workspace {name:?} doesn't exist."))
                .hint(format!(
                    "create it with terrace workspace new {name}, or select it with -or-create; terrace workspace list shows the existing ones"
                )),
            WorkspaceError::DeleteDefault => Diagnostic::error("Cannot delete the default workspace")
                .detail("The default workspace always exists and cannot be deleted."),
            WorkspaceError::DeleteCurrent { name, overridden } => {
                let hint = if *overridden {
                    format!("{WORKSPACE_ENV_VAR} selects it: set {WORKSPACE_ENV_VAR} to another workspace or unset it")
                } else {
                    "switch to another workspace first, e.g. terrace workspace select default".into()
                };
                Diagnostic::error("Cannot delete the current workspace")
                    .detail(format!("Workspace {name:?} is your active workspace. You cannot delete the currently active workspace."))
                    .hint(hint)
            }
            WorkspaceError::NotEmpty { name, addresses } => {
                let list: String = addresses.iter().map(|a| format!("\n  - {a}")).collect();
                Diagnostic::error("Workspace is not empty")
                    .detail(format!(
                        "Workspace {name:?} is currently tracking the following resource instances:{list}\n\nDeleting this workspace would make Terrace lose track of these objects, which would then have to be deleted by hand outside Terrace."
                    ))
                    .hint(format!(
                        "destroy them first (TF_WORKSPACE={name} terrace destroy), or pass -force to delete the workspace anyway and forget them"
                    ))
            }
            WorkspaceError::Overridden { current, selecting } => {
                let detail = if *selecting {
                    format!("The selected workspace is currently overridden by the {WORKSPACE_ENV_VAR} environment variable ({current:?}). To select another workspace, change {WORKSPACE_ENV_VAR} or unset it.")
                } else {
                    format!("The workspace is currently overridden by the {WORKSPACE_ENV_VAR} environment variable ({current:?}). You cannot create another workspace while it is set: unset it, or set it to the name of the workspace to create.")
                };
                Diagnostic::error("Workspace overridden by TF_WORKSPACE").detail(detail)
            }
            WorkspaceError::Record { .. } => {
                Diagnostic::error("Cannot record the selected workspace").detail(self.to_string())
            }
        };
        Some(d)
    }
}

/// Every workspace, with the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceList {
    /// `default` first, then the others by name.
    pub workspaces: Vec<String>,
    /// The selected workspace (it may not exist yet when `TF_WORKSPACE` names a new one).
    pub current: String,
}

/// What `select` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selected {
    /// The workspace was already the current one.
    Already,
    /// Switched to an existing workspace.
    Switched,
    /// Created (`-or-create`) and switched to it.
    Created,
}

/// The state store of workspace `name` of the configuration in `ws.dir`.
fn backend_for(ws: &Workspace, name: &str) -> Result<Backend, WorkspaceError> {
    let other = Workspace {
        dir: ws.dir.clone(),
        name: name.to_string(),
        env: Vec::new(),
    };
    Ok(open_state(&other)?)
}

/// A workspace name that cannot clash with a real one's file name (it is valid, so the
/// backend lays out its path like any other's).
const PROBE: &str = "__terrace_workspace_probe__";

/// The names of the workspaces whose state exists: `default` first, then the others by
/// name. A local state with only a journal (an interrupted first apply) counts.
pub fn list_workspaces(ws: &Workspace) -> Result<Vec<String>, WorkspaceError> {
    let store = backend_for(ws, PROBE)?;
    let Some(probe) = store.as_local() else {
        return Ok(store.workspaces()?);
    };
    let mut names = BTreeSet::new();
    let file = probe
        .path()
        .file_name()
        .map(|f| f.to_string_lossy().into_owned());
    if let Some((prefix, suffix)) = file.as_deref().and_then(|f| f.split_once(PROBE)) {
        let dir = parent_dir(probe.path());
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => Some(e),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(StateError::io(&dir, e).into()),
        };
        for entry in entries.into_iter().flatten().filter_map(Result::ok) {
            let Ok(file) = entry.file_name().into_string() else {
                continue;
            };
            let base = file.strip_suffix(".journal").unwrap_or(&file);
            let name = base
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(suffix));
            if let Some(name) = name.filter(|n| check_workspace_name(n).is_ok()) {
                names.insert(name.to_string());
            }
        }
    }
    names.remove(DEFAULT_WORKSPACE);
    Ok(std::iter::once(DEFAULT_WORKSPACE.to_string())
        .chain(names)
        .collect())
}

fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether workspace `name` exists: `default` always does; another when its state (or a
/// local journal of it) exists.
pub fn workspace_exists(ws: &Workspace, name: &str) -> Result<bool, WorkspaceError> {
    if name == DEFAULT_WORKSPACE {
        return Ok(true);
    }
    let b = backend_for(ws, name)?;
    match b.as_local() {
        Some(l) => Ok(l.path().exists() || l.journal_path().exists()),
        None => Ok(list_workspaces(ws)?.iter().any(|w| w == name)),
    }
}

/// Creates workspace `name` with an empty state; [`WorkspaceError::Exists`] when it exists.
pub fn create_workspace_state(
    ws: &Workspace,
    name: &str,
    l: WorkspaceLock,
) -> Result<(), WorkspaceError> {
    check_workspace_name(name)?;
    let b = backend_for(ws, name)?;
    let _guard = if l.lock {
        Some(b.lock("workspace new", l.timeout)?)
    } else {
        None
    };
    if workspace_exists(ws, name)? {
        return Err(WorkspaceError::Exists { name: name.into() });
    }
    b.write(&mut State::new())?;
    Ok(())
}

/// Deletes workspace `name`'s state, its journal and its backups; returns the managed
/// resource instances it tracked (non-empty only with `force`, else
/// [`WorkspaceError::NotEmpty`]). Does not check whether `name` is current or `default`.
pub fn delete_workspace_state(
    ws: &Workspace,
    name: &str,
    force: bool,
    l: WorkspaceLock,
) -> Result<Vec<String>, WorkspaceError> {
    check_workspace_name(name)?;
    if !workspace_exists(ws, name)? {
        return Err(WorkspaceError::Missing { name: name.into() });
    }
    let b = backend_for(ws, name)?;
    let guard = if l.lock {
        Some(b.lock("workspace delete", l.timeout)?)
    } else {
        None
    };
    // Loading folds a journal left by an interrupted run, so its objects count too.
    let state = b.load()?;
    let addresses: Vec<String> = state
        .iter()
        .flat_map(|s| &s.resources)
        .filter(|r| r.is_managed())
        .map(|r| r.address.to_string())
        .collect();
    if !addresses.is_empty() && !force {
        return Err(WorkspaceError::NotEmpty {
            name: name.into(),
            addresses,
        });
    }
    match b.as_local() {
        Some(l) => remove_local_state(l)?,
        None => b.delete_workspace(name)?,
    }
    drop(guard);
    Ok(addresses)
}

/// Removes a local state file with its journal and numbered backups (they hold the same
/// secrets), the file itself last.
fn remove_local_state(b: &LocalBackend) -> Result<(), StateError> {
    let mut files: Vec<PathBuf> = b.backups()?.into_iter().map(|(_, p)| p).collect();
    files.push(b.journal_path());
    files.push(b.path().to_path_buf());
    for f in files {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StateError::io(&f, e)),
        }
    }
    Ok(())
}

/// Every workspace and the current one.
pub fn workspace_list(ws: &Workspace) -> Result<WorkspaceList, WorkspaceError> {
    Ok(WorkspaceList {
        workspaces: list_workspaces(ws)?,
        current: ws.name.clone(),
    })
}

/// `workspace new NAME`: creates it with an empty state and selects it. Refused while
/// `TF_WORKSPACE` names another workspace.
pub fn workspace_new(ws: &Workspace, name: &str, l: WorkspaceLock) -> Result<(), WorkspaceError> {
    check_workspace_name(name)?;
    if let Some(current) = ws.env_override().filter(|c| *c != name) {
        return Err(WorkspaceError::Overridden {
            current: current.into(),
            selecting: false,
        });
    }
    create_workspace_state(ws, name, l)?;
    record_selection(ws, name)
}

/// `workspace select [-or-create] NAME`. Refused while `TF_WORKSPACE` is set.
pub fn workspace_select(
    ws: &Workspace,
    name: &str,
    or_create: bool,
    l: WorkspaceLock,
) -> Result<Selected, WorkspaceError> {
    check_workspace_name(name)?;
    if let Some(current) = ws.env_override() {
        return Err(WorkspaceError::Overridden {
            current: current.into(),
            selecting: true,
        });
    }
    let created = if workspace_exists(ws, name)? {
        false
    } else if or_create {
        create_workspace_state(ws, name, l)?;
        true
    } else {
        return Err(WorkspaceError::Missing { name: name.into() });
    };
    if !created && name == ws.name {
        return Ok(Selected::Already);
    }
    record_selection(ws, name)?;
    Ok(if created {
        Selected::Created
    } else {
        Selected::Switched
    })
}

/// `workspace delete [-force] NAME`: refuses `default`, the current workspace, and (without
/// `force`) a workspace that still tracks resources; returns the resources forgotten.
pub fn workspace_delete(
    ws: &Workspace,
    name: &str,
    force: bool,
    l: WorkspaceLock,
) -> Result<Vec<String>, WorkspaceError> {
    check_workspace_name(name)?;
    if name == DEFAULT_WORKSPACE {
        return Err(WorkspaceError::DeleteDefault);
    }
    if name == ws.name {
        return Err(WorkspaceError::DeleteCurrent {
            name: name.into(),
            overridden: ws.env_override().is_some(),
        });
    }
    delete_workspace_state(ws, name, force, l)
}

/// Records `name` as the selected workspace in `.terrace/environment` (replaced atomically,
/// so a concurrent reader never sees a partial name).
pub fn record_selection(ws: &Workspace, name: &str) -> Result<(), WorkspaceError> {
    let path = ws.environment_file();
    let record = |source| WorkspaceError::Record {
        path: ws.dir.join(ENVIRONMENT_FILE),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(record)?;
    }
    crate::render::write_atomically(&path, name.as_bytes()).map_err(record)
}

#[cfg(test)]
#[path = "workspace_cmd_tests.rs"]
mod tests;
