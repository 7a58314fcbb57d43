//! `terrace migrate status|up|down|history|repair`: the configuration's migration blocks run
//! against their databases outside of apply.
//!
//! The configuration is evaluated against the stored state (no refresh, no cloud calls;
//! variables without a value stay unknown): each block's connection is its arguments over
//! its database instance's attributes in state (see [`migration_target`]). `status` and
//! `history` only read. `up`, `down` and `repair` hold the state lock for the whole command
//! (unless `lock` is off) and mirror each block's resulting history into the state's
//! `migrations` section, replacing that block's records, even when the run failed half way.

use super::migrate_context::{Context, Mirror};
use super::migration_stage::snapshot_if_pending;
use super::migration_target::{
    password_env_var, MigrationSetup, MigrationTargetError, PasswordSource,
};
use super::workspace::Workspace;
use crate::diag::{Diagnostics, SourceMap};
use crate::eval::inputs::VarArg;
use crate::eval::{MigrationValue, Value};
use crate::migrate::{
    self, HistoryRow, MigrateError, MigrateEvent, MigrationFile, MigrationKind, RepairReport,
    Status,
};
use crate::state::StateError;
use std::path::Path;
use std::time::Duration;

/// Options shared by the migrate commands.
#[derive(Debug, Clone, Default)]
pub struct MigrateCmdOptions {
    /// `-var` and `-var-file`, in command-line order.
    pub vars: Vec<VarArg>,
    /// Hold the state lock while running (`up`, `down`, `repair`; `-lock=false` skips it).
    pub lock: bool,
    /// How long to wait for the state lock.
    pub lock_timeout: Duration,
}

/// Receives the progress of `up`, `down` and `repair` with the block's address.
pub type MigrateProgress<'a> = dyn Fn(&str, &MigrateEvent<'_>) + Send + Sync + 'a;

/// Why a migrate command, or one block of it, failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateCmdError {
    /// The configuration or its state backend could not be loaded; `diags` (pointing into
    /// `sources`) say why.
    #[error("the configuration is invalid")]
    Config {
        diags: Diagnostics,
        sources: SourceMap,
    },
    /// No migration block matches, or several do.
    #[error("{0}")]
    Select(String),
    #[error(transparent)]
    Target(#[from] MigrationTargetError),
    /// The migration directory cannot be read, or holds misnamed files.
    #[error("{block}: {message}")]
    Source { block: String, message: String },
    /// The runner failed; `ran` holds the history rows written before it stopped.
    #[error("{block}: {error}")]
    Migrate {
        block: String,
        #[source]
        error: Box<MigrateError>,
        ran: Vec<HistoryRow>,
        /// Where the password came from, when the server refused it.
        hint: Option<String>,
    },
    /// The `snapshot_before` snapshot could not be taken, so no migration ran.
    #[error("{0}")]
    Snapshot(String),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// One block's outcome.
#[derive(Debug)]
pub struct BlockOutcome<T> {
    /// The block's address, e.g. `module.database.migration.schema`.
    pub addr: String,
    pub result: Result<T, MigrateCmdError>,
}

/// A command's outcome over the selected blocks, in address order.
#[derive(Debug)]
pub struct MigrateReport<T> {
    pub blocks: Vec<BlockOutcome<T>>,
    /// Warnings (from the configuration, and about the run).
    pub diags: Diagnostics,
    pub sources: SourceMap,
    /// Writing the mirrored history into state failed (`up`, `down`, `repair`); the
    /// database has the history regardless.
    pub state_error: Option<StateError>,
}

impl<T> MigrateReport<T> {
    /// Whether every block succeeded and the state was written.
    pub fn ok(&self) -> bool {
        self.state_error.is_none() && self.blocks.iter().all(|b| b.result.is_ok())
    }
}

/// `status` of one block.
#[derive(Debug, Clone)]
pub struct BlockStatus {
    /// The database (`postgres://user@host:port/db`); `None` when it does not exist yet,
    /// in which case every migration is pending.
    pub target: Option<String>,
    pub status: Status,
}

/// `history` of one block.
#[derive(Debug, Clone)]
pub struct BlockHistory {
    /// `None` when the database does not exist yet (and the history is empty).
    pub target: Option<String>,
    pub rows: Vec<HistoryRow>,
}

/// `up` or `down` of one block.
#[derive(Debug, Clone)]
pub struct BlockRun {
    pub target: String,
    /// The rows this run wrote, in order (empty when there was nothing to do).
    pub ran: Vec<HistoryRow>,
    /// The `snapshot_before` snapshot taken before it ran, by identifier.
    pub snapshot: Option<String>,
}

/// `repair` of one block.
#[derive(Debug, Clone)]
pub struct BlockRepair {
    pub target: String,
    pub report: RepairReport,
}

/// `terrace migrate status [NAME]`: what each block's database applied and what is pending.
pub fn migrate_status(
    ws: &Workspace,
    opts: &MigrateCmdOptions,
    name: Option<&str>,
) -> Result<MigrateReport<BlockStatus>, MigrateCmdError> {
    let cx = Context::open(ws, opts, name, None)?;
    let blocks = cx.each(|b| {
        if cx.not_created(b) {
            let files = cx.files(b, Path::new(source_of(b)))?;
            let pending: Vec<MigrationFile> = files
                .into_iter()
                .filter(|f| f.kind != MigrationKind::Undo)
                .collect();
            let status = Status {
                applied: Vec::new(),
                pending,
                problems: Vec::new(),
            };
            return Ok(BlockStatus {
                target: None,
                status,
            });
        }
        let (setup, files) = cx.setup(b)?;
        let status = cx
            .block_on(migrate::status(
                &setup.target,
                &files,
                setup.allow_out_of_order,
            ))
            .map_err(|error| run_error(b, &setup, error, Vec::new()))?;
        Ok(BlockStatus {
            target: Some(setup.target.describe()),
            status,
        })
    });
    Ok(cx.finish(blocks))
}

/// `terrace migrate history [NAME]`: each block's history table, oldest first.
pub fn migrate_history(
    ws: &Workspace,
    opts: &MigrateCmdOptions,
    name: Option<&str>,
) -> Result<MigrateReport<BlockHistory>, MigrateCmdError> {
    let cx = Context::open(ws, opts, name, None)?;
    let blocks = cx.each(|b| {
        if cx.not_created(b) {
            return Ok(BlockHistory {
                target: None,
                rows: Vec::new(),
            });
        }
        let setup = cx.target(b)?;
        let rows = cx
            .block_on(migrate::history(&setup.target))
            .map_err(|error| run_error(b, &setup, error, Vec::new()))?;
        Ok(BlockHistory {
            target: Some(setup.target.describe()),
            rows,
        })
    });
    Ok(cx.finish(blocks))
}

/// `terrace migrate up [NAME] [--to V]`: applies pending migrations (up to and including
/// version `to`). `to` needs a single selected block.
pub fn migrate_up(
    ws: &Workspace,
    opts: &MigrateCmdOptions,
    name: Option<&str>,
    to: Option<&str>,
    progress: &MigrateProgress<'_>,
) -> Result<MigrateReport<BlockRun>, MigrateCmdError> {
    let mut cx = Context::open(ws, opts, name, Some("migrate up"))?;
    if to.is_some() && cx.blocks.len() > 1 {
        return Err(MigrateCmdError::Select(format!(
            "--to needs one migration block, and the configuration has {}: name one ({})",
            cx.blocks.len(),
            cx.addrs().join(", ")
        )));
    }
    let mut mirror = Vec::new();
    let blocks = cx.each(|b| {
        let (setup, files) = cx.setup(b)?;
        let run_opts = setup.run_options(cx.audit.clone());
        let addr = b.addr.to_string();
        // As in apply's migration stage: a snapshot of the instance first, when anything is
        // pending; no migration runs without it.
        let snapshot = if setup.snapshot_before {
            let taker = cx.snapshotter().map_err(MigrateCmdError::Snapshot)?;
            cx.block_on(snapshot_if_pending(
                b,
                cx.state(),
                &setup,
                &files,
                &taker,
                &|_: &str| {},
            ))
            .map_err(MigrateCmdError::Snapshot)?
        } else {
            None
        };
        let p = |e: &MigrateEvent<'_>| progress(&addr, e);
        let result = cx.block_on(migrate::up(&setup.target, &files, to, &run_opts, &p));
        cx.after_run(b, &setup, result, &mut mirror)
            .map(|r| BlockRun { snapshot, ..r })
    });
    let state_error = cx.mirror(mirror);
    Ok(MigrateReport {
        state_error,
        ..cx.finish(blocks)
    })
}

/// `terrace migrate down NAME --to V`: undoes applied versions newest first, down to and
/// including `to`.
pub fn migrate_down(
    ws: &Workspace,
    opts: &MigrateCmdOptions,
    name: &str,
    to: &str,
    progress: &MigrateProgress<'_>,
) -> Result<MigrateReport<BlockRun>, MigrateCmdError> {
    let mut cx = Context::open(ws, opts, Some(name), Some("migrate down"))?;
    let mut mirror = Vec::new();
    let blocks = cx.each(|b| {
        let (setup, files) = cx.setup(b)?;
        let run_opts = setup.run_options(cx.audit.clone());
        let addr = b.addr.to_string();
        let p = |e: &MigrateEvent<'_>| progress(&addr, e);
        let result = cx.block_on(migrate::down(&setup.target, &files, to, &run_opts, &p));
        cx.after_run(b, &setup, result, &mut mirror)
    });
    let state_error = cx.mirror(mirror);
    Ok(MigrateReport {
        state_error,
        ..cx.finish(blocks)
    })
}

/// `terrace migrate repair NAME`: removes failed rows and accepts changed files' checksums.
pub fn migrate_repair(
    ws: &Workspace,
    opts: &MigrateCmdOptions,
    name: &str,
    progress: &MigrateProgress<'_>,
) -> Result<MigrateReport<BlockRepair>, MigrateCmdError> {
    let mut cx = Context::open(ws, opts, Some(name), Some("migrate repair"))?;
    let mut mirror = Vec::new();
    let blocks = cx.each(|b| {
        let (setup, files) = cx.setup(b)?;
        let run_opts = setup.run_options(cx.audit.clone());
        let addr = b.addr.to_string();
        let p = |e: &MigrateEvent<'_>| progress(&addr, e);
        let report = cx
            .block_on(migrate::repair(&setup.target, &files, &run_opts, &p))
            .map_err(|error| run_error(b, &setup, error, Vec::new()))?;
        mirror.push((b.addr.to_string(), Mirror::Replace(report.history.clone())));
        Ok(BlockRepair {
            target: setup.target.describe(),
            report,
        })
    });
    let state_error = cx.mirror(mirror);
    Ok(MigrateReport {
        state_error,
        ..cx.finish(blocks)
    })
}

pub(super) fn run_error(
    b: &MigrationValue,
    setup: &MigrationSetup,
    error: MigrateError,
    ran: Vec<HistoryRow>,
) -> MigrateCmdError {
    let block = b.addr.to_string();
    let hint = auth_refused(&error).then(|| match &setup.password_source {
        PasswordSource::None => format!(
            "no password was given: set password in the block (e.g. password = var.db_password), or the environment variable {} (or {})",
            password_env_var(&block),
            match setup.target.engine {
                migrate::Engine::Postgres => "PGPASSWORD",
                migrate::Engine::Mysql => "MYSQL_PWD",
            }
        ),
        PasswordSource::Block => "the password came from the block's password argument".to_string(),
        PasswordSource::Env(v) => format!("the password came from the environment variable {v}"),
        PasswordSource::Instance => "the password came from the database instance's password in state (its master password)".to_string(),
    });
    MigrateCmdError::Migrate {
        block,
        error: Box::new(error),
        ran,
        hint,
    }
}

/// The server refused the credentials (SQLSTATE class 28, both engines).
fn auth_refused(error: &MigrateError) -> bool {
    match error {
        MigrateError::Connect { source, .. } => source
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c.starts_with("28")),
        _ => false,
    }
}

fn source_of(b: &MigrationValue) -> &str {
    b.value
        .get_attr("source")
        .and_then(Value::as_str)
        .unwrap_or("")
}
