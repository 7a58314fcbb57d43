//! Pending migrations per migration block.
//!
//! When the database will be created (or replaced), every migration file is pending. When
//! it exists, the block's history decides: read from the database's history table through a
//! [`HistoryReader`] when one is given and the database answers, otherwise the state's
//! `migrations` section (mirrored from that table by every run), with a warning when the
//! database could not be reached. Either way the history is compared with the files the way
//! the runner does ([`crate::migrate::assess`]): a changed, missing or out-of-order file is
//! an error naming the file, so plan fails before apply would.

use super::{Action, MigrationChange, PendingMigration, Plan};
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::{MigrationValue, Value};
use crate::migrate::{assess, discover, HistoryRow, MigrationKind};
use crate::state::State;

/// A block's history as read from its database.
pub enum History {
    /// The history table's rows (empty when the table does not exist yet); `target`
    /// describes the database (`postgres://user@host:port/db`, no password).
    Read {
        target: String,
        rows: Vec<HistoryRow>,
    },
    /// The database exists but did not answer, or its connection cannot be worked out.
    Unreachable { error: String },
}

/// Reads a migration block's history from its database.
pub trait HistoryReader {
    /// `db` is the state value of the block's database instance, when it has one.
    fn history(&self, block: &MigrationValue, db: Option<&Value>) -> History;
}

pub fn plan_migrations(
    plan: &Plan,
    migrations: &[MigrationValue],
    state: &State,
    reader: Option<&dyn HistoryReader>,
    diags: &mut Diagnostics,
) -> Vec<MigrationChange> {
    let mut out = Vec::new();
    for m in migrations {
        let addr = m.addr.to_string();
        let Some(source) = m.value.get_attr("source").and_then(Value::as_str) else {
            continue;
        };
        let files = match discover(std::path::Path::new(source)) {
            Ok(f) => f,
            Err(e) => {
                diags.push(
                    Diagnostic::error("Invalid migration directory")
                        .detail(format!("{addr}: {e}"))
                        .at_opt(m.span.as_ref()),
                );
                continue;
            }
        };
        let db_change = m
            .database
            .as_ref()
            .and_then(|d| plan.changes.iter().find(|c| &c.addr == d));
        let db_action = db_change.map(|c| c.action);
        if plan.destroy || db_action == Some(Action::Delete) {
            continue;
        }
        // The database's attributes as they are now (the planner has taken them out of
        // `state`; the change keeps them as `before`).
        let db = db_change.and_then(|c| c.before.as_ref());
        let creating = match db_action {
            Some(a) => matches!(
                a,
                Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete
            ),
            None => m.database.as_ref().is_some_and(|d| state.get(d).is_none()),
        };
        let (pending, basis) = if creating {
            let pending = files
                .iter()
                .filter(|f| f.kind != MigrationKind::Undo)
                .map(PendingMigration::from)
                .collect();
            let basis = "the database will be created, so every migration is pending";
            (pending, basis.to_string())
        } else {
            let recorded = || -> Vec<HistoryRow> {
                state
                    .migrations
                    .iter()
                    .filter(|r| r.migration == addr)
                    .zip(1..)
                    .filter_map(|(r, id)| HistoryRow::from_record(r, id))
                    .collect()
            };
            let from_state = "from the migration history recorded in state; the migration stage confirms against the database before running";
            let (rows, basis) = match reader.map(|r| r.history(m, db)) {
                Some(History::Read { target, rows }) => {
                    (rows, format!("from the history table of {target}"))
                }
                Some(History::Unreachable { error }) => {
                    diags.push(
                        Diagnostic::warning("Cannot read the migration history")
                            .detail(format!(
                                "{addr}: {error}. The pending migrations below come from the history recorded in state; apply checks the database itself before running any."
                            ))
                            .at_opt(m.span.as_ref()),
                    );
                    (recorded(), from_state.to_string())
                }
                None => (recorded(), from_state.to_string()),
            };
            let allow_out_of_order = m
                .value
                .get_attr("allow_out_of_order")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let status = assess(&rows, &files, allow_out_of_order);
            for p in &status.problems {
                diags.push(
                    Diagnostic::error("Migrations disagree with the history")
                        .detail(format!("{addr}: {p}"))
                        .at_opt(m.span.as_ref()),
                );
            }
            let pending = status.pending.iter().map(PendingMigration::from).collect();
            (pending, basis)
        };
        out.push(MigrationChange {
            addr,
            database: m.database.as_ref().map(ToString::to_string),
            source: source.to_string(),
            pending,
            basis,
        });
    }
    out
}

impl From<&crate::migrate::MigrationFile> for PendingMigration {
    fn from(f: &crate::migrate::MigrationFile) -> Self {
        PendingMigration {
            kind: f.kind,
            version: f.version.clone(),
            description: f.description.clone(),
            file: f.path.display().to_string(),
            checksum: f.checksum.clone(),
        }
    }
}
