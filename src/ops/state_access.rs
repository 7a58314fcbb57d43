//! Reading the state for a command, through the configured backend.

use super::workspace::Workspace;
use crate::config::Config;
use crate::diag::Diagnostics;
use crate::state::{select_backend, LockGuard, State};
use std::time::Duration;

/// Reads the current state (None when there is none yet). With `lock`, the state lock is
/// taken (waiting up to `timeout`) and returned; it is released when the guard drops.
pub fn read_state(
    ws: &Workspace,
    cfg: &Config,
    lock: bool,
    timeout: Duration,
    op: &str,
) -> Result<(Option<State>, Option<LockGuard>), Diagnostics> {
    let mut diags = Diagnostics::new();
    let Ok(backend) = select_backend(&cfg.root.module, &ws.dir, &ws.name, &mut diags) else {
        return Err(diags);
    };
    let guard = if lock {
        match backend.lock(op, timeout) {
            Ok(g) => Some(g),
            Err(e) => return Err(e.to_diagnostic().into()),
        }
    } else {
        None
    };
    match backend.load() {
        Ok(s) => Ok((s, guard)),
        Err(e) => Err(e.to_diagnostic().into()),
    }
}

/// The current state of the workspace in the current directory's configuration, without
/// locking (a read-only snapshot).
pub fn current_state(ws: &Workspace) -> Result<Option<State>, Diagnostics> {
    let mut diags = Diagnostics::new();
    let cfg = crate::config::load(&ws.dir, &mut diags);
    read_state(ws, &cfg, false, Duration::ZERO, "show").map(|(s, _)| s)
}
