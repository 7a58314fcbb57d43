//! Pending migrations per migration block.
//!
//! When the database will be created (or replaced), every migration file is pending. When
//! it exists, pending files are those the recorded history (the state's `migrations`
//! section, mirrored from the database's history table) has not applied; the migration stage
//! checks the database itself before running anything.

use super::{Action, MigrationChange, PendingMigration, Plan};
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::{MigrationValue, Value};
use crate::migrate::{discover, MigrationKind};
use crate::state::State;

pub fn plan_migrations(
    plan: &Plan,
    migrations: &[MigrationValue],
    state: &State,
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
                    Diagnostic::error("Invalid migration directory").detail(format!("{addr}: {e}")),
                );
                continue;
            }
        };
        let db_action = m
            .database
            .as_ref()
            .and_then(|d| plan.changes.iter().find(|c| &c.addr == d))
            .map(|c| c.action);
        if plan.destroy || db_action == Some(Action::Delete) {
            continue;
        }
        let exists_in_state = m.database.as_ref().is_some_and(|d| state.get(d).is_some());
        let creating = match db_action {
            Some(a) => matches!(
                a,
                Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete
            ),
            None => !exists_in_state,
        };
        let history: Vec<_> = state
            .migrations
            .iter()
            .filter(|r| r.migration == addr && r.success)
            .collect();
        let mut pending = Vec::new();
        for f in files.iter().filter(|f| f.kind != MigrationKind::Undo) {
            let applied = match f.kind {
                MigrationKind::Versioned => history
                    .iter()
                    .any(|r| r.kind == "versioned" && r.version == f.version),
                MigrationKind::Repeatable => history
                    .iter()
                    .rev()
                    .find(|r| r.kind == "repeatable" && r.description == f.description)
                    .is_some_and(|r| r.checksum == f.checksum),
                MigrationKind::Undo => true,
            };
            if creating || !applied {
                pending.push(PendingMigration {
                    kind: f.kind,
                    version: f.version.clone(),
                    description: f.description.clone(),
                    file: f.path.display().to_string(),
                    checksum: f.checksum.clone(),
                });
            }
        }
        let basis = if creating {
            "the database will be created, so every migration is pending".to_string()
        } else {
            "from the migration history recorded in state; the migration stage confirms against the database before running".to_string()
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
