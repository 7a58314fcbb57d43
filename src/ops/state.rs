//! `terrace state list|show|rm|mv` and `terrace force-unlock`: open the workspace's state
//! store, read or edit the state under its lock, and return what happened.

use super::workspace::Workspace;
use crate::config;
use crate::diag::{Diagnostics, SourceMap};
use crate::state::{
    self, AddrPattern, Backend, LockGuard, LockInfo, ResourceState, State, StateError,
};
use std::time::Duration;

/// Locking options shared by the commands that write state.
#[derive(Debug, Clone)]
pub struct StateOptions {
    /// Take the state lock (`-lock=false` turns it off).
    pub lock: bool,
    /// How long to wait for the lock (`-lock-timeout`).
    pub lock_timeout: Duration,
    /// Report what would change without writing (`-dry-run`).
    pub dry_run: bool,
}

impl Default for StateOptions {
    fn default() -> Self {
        StateOptions {
            lock: true,
            lock_timeout: Duration::ZERO,
            dry_run: false,
        }
    }
}

/// Why a state command failed.
#[derive(Debug, thiserror::Error)]
pub enum StateCommandError {
    /// The backend configuration is invalid or unsupported; `diags` (pointing into
    /// `sources`) says why.
    #[error("the state backend could not be opened")]
    Backend {
        diags: Diagnostics,
        sources: SourceMap,
    },
    #[error(transparent)]
    State(#[from] StateError),
}

impl StateCommandError {
    /// The state error, when that is what it is.
    pub fn state_error(&self) -> Option<&StateError> {
        match self {
            StateCommandError::State(e) => Some(e),
            StateCommandError::Backend { .. } => None,
        }
    }
}

/// Configuration problems that stop a state command: those that may hide the backend block
/// (unreadable or unparsable root module files). Other configuration errors do not matter
/// to commands that only read and edit state.
const BLOCKING_SUMMARIES: &[&str] = &[
    "Invalid HCL syntax",
    "Invalid file encoding",
    "Cannot read configuration file",
    "Cannot read configuration directory",
    "Wrong number of labels on backend block",
    "Duplicate backend configuration",
];

/// Opens the state store of the workspace: reads the root module's backend block (only
/// problems that affect it are reported) and selects the backend.
pub fn open_state(ws: &Workspace) -> Result<Backend, StateCommandError> {
    let mut all = Diagnostics::new();
    let cfg = config::load(&ws.dir, &mut all);
    let root_files = &cfg.root.module.files;
    let mut diags: Diagnostics = all
        .into_iter()
        .filter(|d| {
            d.is_error()
                && BLOCKING_SUMMARIES.contains(&d.summary.as_str())
                && d.span.as_ref().is_none_or(|s| root_files.contains(&s.file))
        })
        .collect::<Vec<_>>()
        .into();
    let selected = state::select_backend(&cfg.root.module, &ws.dir, &ws.name, &mut diags);
    match selected {
        Ok(b) if !diags.has_errors() => Ok(b),
        _ => {
            diags.sort_dedup();
            Err(StateCommandError::Backend {
                diags,
                sources: cfg.sources,
            })
        }
    }
}

fn require(store: &Backend, state: Option<State>) -> Result<State, StateError> {
    state.ok_or_else(|| StateError::NoState {
        path: store.path().to_path_buf(),
    })
}

/// The addresses of the objects selected by `filters` (every object when empty), in state
/// order; with `id`, only objects with that cloud id.
pub fn state_list(
    ws: &Workspace,
    filters: &[String],
    id: Option<&str>,
) -> Result<Vec<String>, StateCommandError> {
    let store = open_state(ws)?;
    let patterns = filters
        .iter()
        .map(|f| AddrPattern::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let st = require(&store, store.load()?)?;
    Ok(state::select_objects(&st, &patterns, id)
        .into_iter()
        .map(|r| r.address.to_string())
        .collect())
}

/// The object at the resource instance `address`.
pub fn state_show(ws: &Workspace, address: &str) -> Result<ResourceState, StateCommandError> {
    let store = open_state(ws)?;
    let addr =
        address.parse().map_err(
            |e: crate::addr::AddrParseError| StateError::InvalidAddress {
                address: address.to_string(),
                reason: e.reason,
            },
        )?;
    let st = require(&store, store.load()?)?;
    st.get(&addr).cloned().ok_or_else(|| {
        StateError::NotFound {
            address: address.to_string(),
        }
        .into()
    })
}

fn lock_for(
    store: &Backend,
    operation: &str,
    opts: &StateOptions,
) -> Result<Option<LockGuard>, StateError> {
    if opts.lock {
        store.lock(operation, opts.lock_timeout).map(Some)
    } else {
        Ok(None)
    }
}

/// Removes every object selected by `addresses` (instances, resources or modules) under the
/// lock, and writes the state. Nothing is removed when one address selects nothing.
pub fn state_rm(
    ws: &Workspace,
    addresses: &[String],
    opts: &StateOptions,
) -> Result<Vec<String>, StateCommandError> {
    let store = open_state(ws)?;
    for a in addresses {
        AddrPattern::parse(a)?;
    }
    let _guard = lock_for(&store, "state rm", opts)?;
    let mut st = require(&store, store.load()?)?;
    let removed = state::remove_matching(&mut st, addresses)?;
    if !opts.dry_run {
        store.write(&mut st)?;
    }
    Ok(removed.iter().map(ToString::to_string).collect())
}

/// Moves objects from `from` to `to` (see [`state::move_objects`]) under the lock, and
/// writes the state. Returns the (old, new) address of every moved object.
pub fn state_mv(
    ws: &Workspace,
    from: &str,
    to: &str,
    opts: &StateOptions,
) -> Result<Vec<(String, String)>, StateCommandError> {
    let store = open_state(ws)?;
    let _guard = lock_for(&store, "state mv", opts)?;
    let mut st = require(&store, store.load()?)?;
    let moved = state::move_objects(&mut st, from, to)?;
    if !opts.dry_run {
        store.write(&mut st)?;
    }
    Ok(moved
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect())
}

/// Removes the lock with `id` when no live process holds it; returns the removed lock's
/// description.
pub fn force_unlock(ws: &Workspace, id: &str) -> Result<LockInfo, StateCommandError> {
    let store = open_state(ws)?;
    Ok(store.force_unlock(id)?)
}
