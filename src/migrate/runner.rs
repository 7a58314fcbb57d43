//! The migration commands against a database: status, history, up, down and repair.
//!
//! Every command uses one connection. `up`, `down` and `repair` hold the migration lock from
//! before they read the history until they finish, so concurrent runs see each other's rows
//! and never run a migration twice; they refuse to run while the history disagrees with the
//! files (see [`Problem`]).

use super::audit::Audit;
use super::error::{MigrateError, Problem, RunError};
use super::history::{self, HistoryRow};
use super::progress::{MigrateEvent, Progress};
use super::run::{self, Prepared};
use super::target::{Conn, Target};
use super::validate::{self, Status};
use super::{MigrationFile, MigrationKind, VersionKey};
use std::time::Duration;

/// The default [`RunOptions::lock_timeout`].
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// How `up`, `down` and `repair` run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Apply pending versions lower than the latest applied one instead of refusing.
    pub allow_out_of_order: bool,
    /// How long to wait for another run's lock.
    pub lock_timeout: Duration,
    /// Who runs it, recorded in each history row.
    pub audit: Audit,
}

impl RunOptions {
    /// In-order only, the default lock timeout.
    pub fn new(audit: Audit) -> RunOptions {
        RunOptions {
            allow_out_of_order: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            audit,
        }
    }
}

/// The outcome of `up` or `down`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The rows this run wrote, in order (empty when there was nothing to do).
    pub ran: Vec<HistoryRow>,
    /// The whole history afterwards, for mirroring into state.
    pub history: Vec<HistoryRow>,
}

/// The outcome of `repair`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepairReport {
    /// Rows of failed migrations, deleted: those versions are pending again.
    pub removed: Vec<HistoryRow>,
    /// Applied versions whose file changed, with the checksum now recorded (the file's).
    pub realigned: Vec<HistoryRow>,
    /// What repair cannot fix (e.g. a missing file), still blocking `up`.
    pub remaining: Vec<Problem>,
    /// The whole history afterwards.
    pub history: Vec<HistoryRow>,
}

/// Compares the database's history with `files` without changing anything (no lock, the
/// history table is not created).
pub async fn status(
    target: &Target,
    files: &[MigrationFile],
    allow_out_of_order: bool,
) -> Result<Status, MigrateError> {
    let mut conn = target.connect().await?;
    let rows = history::read(&mut conn, target).await;
    conn.close().await;
    Ok(validate::assess(&rows?, files, allow_out_of_order))
}

/// The whole history, oldest first; empty when the table does not exist.
pub async fn history(target: &Target) -> Result<Vec<HistoryRow>, MigrateError> {
    let mut conn = target.connect().await?;
    let rows = history::read(&mut conn, target).await;
    conn.close().await;
    rows
}

/// Applies the pending versioned migrations up to and including `to` (all when `None`) in
/// version order, then, when no versioned migration is left pending, the new or changed
/// repeatables. Creates the history table if missing. Stops at the first failure.
pub async fn up(
    target: &Target,
    files: &[MigrationFile],
    to: Option<&str>,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunReport, RunError> {
    let to = match to {
        Some(v) => Some(known_version(files, &[], v)?),
        None => None,
    };
    let mut conn = locked(target, opts, progress).await?;
    let mut ran = Vec::new();
    let result = up_locked(&mut conn, target, files, to, opts, progress, &mut ran).await;
    finish(conn, target).await;
    match result {
        Ok(history) => Ok(RunReport { ran, history }),
        Err(error) => Err(RunError { error, ran }),
    }
}

async fn up_locked(
    conn: &mut Conn,
    target: &Target,
    files: &[MigrationFile],
    to: Option<VersionKey>,
    opts: &RunOptions,
    progress: &dyn Progress,
    ran: &mut Vec<HistoryRow>,
) -> Result<Vec<HistoryRow>, MigrateError> {
    history::ensure(conn, target).await?;
    let rows = history::read(conn, target).await?;
    let status = validate::assess(&rows, files, opts.allow_out_of_order);
    if !status.problems.is_empty() {
        return Err(MigrateError::Validation(status.problems));
    }
    let versioned: Vec<&MigrationFile> = status
        .pending
        .iter()
        .filter(|f| f.kind == MigrationKind::Versioned)
        .collect();
    let mut selected: Vec<&MigrationFile> = versioned
        .iter()
        .copied()
        .filter(|f| {
            to.as_ref()
                .is_none_or(|t| f.version_key().as_ref() <= Some(t))
        })
        .collect();
    if selected.len() == versioned.len() {
        selected.extend(
            status
                .pending
                .iter()
                .filter(|f| f.kind == MigrationKind::Repeatable),
        );
    }
    let prepared = selected
        .into_iter()
        .map(|f| run::prepare(f, target.engine))
        .collect::<Result<Vec<_>, _>>()?;
    run_all(conn, target, &prepared, &opts.audit, progress, ran).await?;
    history::read(conn, target).await
}

/// Undoes every applied version from the newest down to and including `to` (like
/// `sequelize db:migrate:undo:all --to`), newest first, each with its `U` file; checks that
/// every one has an undo file before running any.
pub async fn down(
    target: &Target,
    files: &[MigrationFile],
    to: &str,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RunReport, RunError> {
    let mut conn = locked(target, opts, progress).await?;
    let mut ran = Vec::new();
    let result = down_locked(&mut conn, target, files, to, opts, progress, &mut ran).await;
    finish(conn, target).await;
    match result {
        Ok(history) => Ok(RunReport { ran, history }),
        Err(error) => Err(RunError { error, ran }),
    }
}

async fn down_locked(
    conn: &mut Conn,
    target: &Target,
    files: &[MigrationFile],
    to: &str,
    opts: &RunOptions,
    progress: &dyn Progress,
    ran: &mut Vec<HistoryRow>,
) -> Result<Vec<HistoryRow>, MigrateError> {
    let rows = history::read(conn, target).await?;
    let to = known_version(files, &rows, to)?;
    let problems: Vec<Problem> = validate::assess(&rows, files, true).problems;
    if !problems.is_empty() {
        return Err(MigrateError::Validation(problems));
    }
    let applied = validate::applied(&rows);
    let mut prepared: Vec<Prepared<'_>> = Vec::new();
    for (key, row) in applied.versions.range(to..).rev() {
        let undo = files
            .iter()
            .find(|f| f.kind == MigrationKind::Undo && f.version_key().as_ref() == Some(key))
            .ok_or_else(|| MigrateError::MissingUndo {
                version: row.version.clone().unwrap_or_default(),
                expected: format!(
                    "U{}__{}.sql",
                    row.version.as_deref().unwrap_or_default(),
                    row.description.replace(' ', "_")
                ),
            })?;
        prepared.push(run::prepare(undo, target.engine)?);
    }
    run_all(conn, target, &prepared, &opts.audit, progress, ran).await?;
    history::read(conn, target).await
}

/// Deletes the rows of failed migrations (their versions become pending again: fix the
/// database by hand first) and records the current checksum of applied versions whose file
/// changed, like Flyway's repair. Missing files stay problems. Does nothing when the history
/// table does not exist.
pub async fn repair(
    target: &Target,
    files: &[MigrationFile],
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<RepairReport, MigrateError> {
    let mut conn = locked(target, opts, progress).await?;
    let result = repair_locked(&mut conn, target, files, opts).await;
    finish(conn, target).await;
    result
}

async fn repair_locked(
    conn: &mut Conn,
    target: &Target,
    files: &[MigrationFile],
    opts: &RunOptions,
) -> Result<RepairReport, MigrateError> {
    let rows = history::read(conn, target).await?;
    let applied = validate::applied(&rows);
    let mut removed = Vec::new();
    for r in &applied.failed {
        history::delete(conn, target, r.id).await?;
        removed.push((*r).clone());
    }
    let mut realigned = Vec::new();
    for (key, row) in &applied.versions {
        let file = files
            .iter()
            .find(|f| f.kind == MigrationKind::Versioned && f.version_key().as_ref() == Some(key));
        if let Some(f) = file.filter(|f| f.checksum != row.checksum) {
            history::set_checksum(conn, target, row.id, &f.checksum).await?;
            realigned.push(HistoryRow {
                checksum: f.checksum.clone(),
                ..(*row).clone()
            });
        }
    }
    let history = history::read(conn, target).await?;
    let remaining = validate::assess(&history, files, opts.allow_out_of_order).problems;
    Ok(RepairReport {
        removed,
        realigned,
        remaining,
        history,
    })
}

/// Connects and takes the lock.
async fn locked(
    target: &Target,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<Conn, MigrateError> {
    let mut conn = target.connect().await?;
    match super::lock::acquire(&mut conn, target, opts.lock_timeout, progress).await {
        Ok(()) => Ok(conn),
        Err(e) => {
            conn.close().await;
            Err(e)
        }
    }
}

/// Releases the lock and closes the connection.
async fn finish(mut conn: Conn, target: &Target) {
    super::lock::release(&mut conn, target).await;
    conn.close().await;
}

/// Runs `prepared` in order, pushing each written row to `ran`; stops at the first failure.
async fn run_all(
    conn: &mut Conn,
    target: &Target,
    prepared: &[Prepared<'_>],
    audit: &Audit,
    progress: &dyn Progress,
    ran: &mut Vec<HistoryRow>,
) -> Result<(), MigrateError> {
    for p in prepared {
        progress.event(&MigrateEvent::Started { file: p.file });
        match run::execute(conn, target, p, audit).await {
            Ok(row) => {
                progress.event(&MigrateEvent::Finished {
                    file: p.file,
                    execution_ms: row.execution_ms,
                });
                ran.push(row);
            }
            Err(failure) => {
                progress.event(&MigrateEvent::Failed { file: p.file });
                ran.extend(failure.row);
                return Err(failure.error);
            }
        }
    }
    Ok(())
}

/// `v` as a version that a versioned file or history row has.
fn known_version(
    files: &[MigrationFile],
    rows: &[HistoryRow],
    v: &str,
) -> Result<VersionKey, MigrateError> {
    let unknown = || MigrateError::UnknownVersion {
        version: v.to_string(),
    };
    let key = VersionKey::parse(v).ok_or_else(unknown)?;
    let in_files = files
        .iter()
        .any(|f| f.kind == MigrationKind::Versioned && f.version_key().as_ref() == Some(&key));
    let in_rows = rows
        .iter()
        .any(|r| r.version.as_deref().and_then(VersionKey::parse).as_ref() == Some(&key));
    if in_files || in_rows {
        Ok(key)
    } else {
        Err(unknown())
    }
}

/// The commands' futures can be spawned on a multi-threaded runtime: a compile-time check.
#[cfg(test)]
#[allow(dead_code)]
fn futures_are_spawnable(t: Target, f: Vec<MigrationFile>, o: RunOptions) {
    fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
    spawnable(async move {
        let p = super::NoProgress;
        let _ = status(&t, &f, false).await;
        let _ = history(&t).await;
        let _ = up(&t, &f, None, &o, &p).await;
        let _ = down(&t, &f, "1", &o, &p).await;
        let _ = repair(&t, &f, &o, &p).await;
    });
}
