//! `terrace init`: validate the configuration and its backend, check the backend can be
//! reached, record the backend (with `-backend-config` overrides) in `.terrace/backend.json`,
//! and, when the backend changed, copy the states across with `-migrate-state`.
//!
//! Invariants: the record is written only after every check (and a requested migration)
//! succeeded, so a failed `init` leaves the previous setup in force; a migration never
//! overwrites a destination state of another lineage, or a newer one, without `force_copy`.

use super::workspace::Workspace;
use crate::config;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::state::{
    self, backend_spec, open_backend, parse_backend_config, root_backend, Backend, BackendRecord,
    BackendSettings, StateError,
};
use std::time::Duration;

/// What `init` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// `-backend-config` arguments in order (`KEY=VALUE` or a file); later ones win.
    pub backend_config: Vec<String>,
    pub migrate_state: bool,
    pub force_copy: bool,
    pub reconfigure: bool,
    pub lock_timeout: Duration,
}

/// One workspace's state copied by `-migrate-state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    pub workspace: String,
    pub from: String,
    pub to: String,
    pub serial: u64,
    pub resources: usize,
}

/// What `init` did.
#[derive(Debug)]
pub struct InitReport {
    /// `local` or `s3`.
    pub kind: String,
    /// Where the current workspace's state lives.
    pub location: String,
    /// The backend differs from the one recorded before (or none was).
    pub changed: bool,
    pub migrated: Vec<Migrated>,
    pub warnings: Vec<String>,
}

/// Why `init` failed.
#[derive(Debug)]
pub enum InitError {
    Config {
        diags: Diagnostics,
        sources: SourceMap,
    },
    State(StateError),
    /// The backend changed and the previous one holds state: the user must choose.
    MigrationChoice {
        from: String,
        workspaces: Vec<String>,
    },
    /// A migration needs confirmation and this run cannot ask.
    NeedsConfirmation {
        from: String,
        to: String,
    },
}

impl From<StateError> for InitError {
    fn from(e: StateError) -> Self {
        InitError::State(e)
    }
}

/// Asks a yes/no question; `None` when this run cannot ask.
pub type Confirm<'a> = &'a mut dyn FnMut(&str) -> Option<bool>;

/// Runs `init` for `ws`. `confirm` is asked before a migration unless `force_copy`.
pub fn init(
    ws: &Workspace,
    opts: &InitOptions,
    confirm: Confirm<'_>,
) -> Result<InitReport, InitError> {
    let mut diags = Diagnostics::new();
    let cfg = config::load(&ws.dir, &mut diags);
    let block = root_backend(&cfg.root.module, &mut diags);
    let spec = backend_spec(block, &mut diags);
    if diags.has_errors() || spec.is_err() {
        if !diags.has_errors() {
            if let Err(e) = &spec {
                diags.push(e.to_diagnostic());
            }
        }
        diags.sort_dedup();
        return Err(InitError::Config {
            diags,
            sources: cfg.sources,
        });
    }
    let spec = spec.map_err(InitError::State)?;
    let mut settings = spec.settings.clone();
    for arg in &opts.backend_config {
        settings.extend(parse_backend_config(arg, &ws.dir)?);
    }
    check_overrides(&spec.kind, &settings)?;
    let new = open_backend(&spec.kind, &settings, &ws.dir, &ws.name)?;
    let mut warnings = Vec::new();
    if let Backend::S3(b) = &new {
        b.check_access()?;
        if !b.settings().use_lockfile {
            warnings.push("use_lockfile is not set: runs on this state take no lock (writes stay conditional on the version read, so none is lost, but concurrent runs fail instead of waiting); set use_lockfile = true".to_string());
        }
    }
    let record = BackendRecord {
        version: 1,
        kind: spec.kind.clone(),
        config_hash: spec.hash.clone(),
        settings: settings.clone(),
    };
    let previous = if opts.reconfigure {
        None
    } else {
        match BackendRecord::read(&ws.dir)? {
            Some(r) => Some((
                r.kind.clone(),
                r.settings.clone(),
                r.kind != record.kind || r.settings != record.settings,
            )),
            // Never initialized: the state so far is the default local one.
            None => Some((
                "local".to_string(),
                BackendSettings::new(),
                spec.kind != "local" || !settings.is_empty(),
            )),
        }
    };
    let mut migrated = Vec::new();
    let changed = previous.as_ref().is_none_or(|(_, _, changed)| *changed);
    if let Some((kind, old_settings, true)) = &previous {
        let old = open_backend(kind, old_settings, &ws.dir, &ws.name)?;
        let mut with_state = Vec::new();
        for name in old.workspaces()? {
            let b = open_backend(kind, old_settings, &ws.dir, &name)?;
            if let Some(s) = b.load_snapshot()? {
                with_state.push((name, b, s));
            }
        }
        if !with_state.is_empty() {
            if !opts.migrate_state {
                return Err(InitError::MigrationChoice {
                    from: old.path().display().to_string(),
                    workspaces: with_state.into_iter().map(|(n, _, _)| n).collect(),
                });
            }
            let question = format!(
                "Copy the state of {} workspace(s) ({}) from the {kind} backend ({}) to the {} backend ({})?",
                with_state.len(),
                with_state.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>().join(", "),
                old.path().display(),
                spec.kind,
                new.path().display()
            );
            if !opts.force_copy {
                match confirm(&question) {
                    Some(true) => {}
                    Some(false) => {
                        return Err(InitError::State(StateError::BackendChanged {
                            reason: "migration cancelled".into(),
                        }))
                    }
                    None => {
                        return Err(InitError::NeedsConfirmation {
                            from: old.path().display().to_string(),
                            to: new.path().display().to_string(),
                        })
                    }
                }
            }
            for (name, from, st) in with_state {
                let to = open_backend(&spec.kind, &settings, &ws.dir, &name)?;
                migrated.push(copy_state(&name, &from, &to, &st, opts)?);
            }
        }
    }
    record.write(&ws.dir)?;
    Ok(InitReport {
        kind: spec.kind,
        location: new.path().display().to_string(),
        changed,
        migrated,
        warnings,
    })
}

/// Checks `-backend-config` names against the backend's settings.
fn check_overrides(kind: &str, settings: &BackendSettings) -> Result<(), StateError> {
    let known: Vec<&str> = match kind {
        "s3" => state::s3_setting_names().collect(),
        _ => state::LOCAL_ATTRIBUTES.to_vec(),
    };
    match settings.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(StateError::InvalidBackendSetting {
            setting: k.clone(),
            reason: format!(
                "the {kind} backend has no such setting{}",
                crate::diag::did_you_mean(k, known.iter().copied())
                    .map(|s| format!("; did you mean {s:?}?"))
                    .unwrap_or_default()
            ),
        }),
        None => Ok(()),
    }
}

/// Copies `st` (the state of workspace `name` in `from`) to `to` under `to`'s lock.
fn copy_state(
    name: &str,
    from: &Backend,
    to: &Backend,
    st: &state::State,
    opts: &InitOptions,
) -> Result<Migrated, StateError> {
    let _lock = to.lock("init -migrate-state", opts.lock_timeout)?;
    if let Some(existing) = to.load()? {
        let same = existing.lineage == st.lineage && existing.serial <= st.serial;
        if !same && !existing.resources.is_empty() && !opts.force_copy {
            return Err(StateError::BackendChanged {
                reason: format!(
                    "{} already holds a state (lineage {}, serial {}) that is not an older version of the one being copied (lineage {}, serial {}); pass -force-copy to overwrite it",
                    to.path().display(),
                    existing.lineage,
                    existing.serial,
                    st.lineage,
                    st.serial
                ),
            });
        }
    }
    to.replace(st)?;
    // The copied local state is moved out of the way (kept as a numbered backup), so
    // the directory does not hold a second, stale copy.
    if let Some(local) = from.as_local() {
        if to.as_s3().is_some() && local.path().exists() {
            let b = local.backup_path(st.serial);
            std::fs::rename(local.path(), &b).map_err(|e| StateError::io(local.path(), e))?;
        }
    }
    Ok(Migrated {
        workspace: name.to_string(),
        from: from.path().display().to_string(),
        to: to.path().display().to_string(),
        serial: st.serial,
        resources: st.resources.len(),
    })
}

/// The diagnostic for an [`InitError`] that is not a configuration error.
pub fn init_error_diagnostic(e: &InitError) -> Option<Diagnostic> {
    Some(match e {
        InitError::Config { .. } => return None,
        InitError::State(e) => e.to_diagnostic(),
        InitError::MigrationChoice { from, workspaces } => Diagnostic::error("Backend configuration changed")
            .detail(format!(
                "The previous backend ({from}) holds the state of workspace(s) {}. Run terrace init -migrate-state to copy it to the new backend, or terrace init -reconfigure to leave it behind and start from the new backend's state.",
                workspaces.join(", ")
            )),
        InitError::NeedsConfirmation { from, to } => Diagnostic::error("Migration needs confirmation")
            .detail(format!(
                "Copying the state from {from} to {to} needs confirmation, and this run cannot ask (no terminal on standard input, or CI). Pass -force-copy to confirm in advance."
            )),
    })
}
