//! Output of `terrace migrate`: status and history tables, the history as JSON, and progress
//! lines.

use super::migrate_rows::{RowState, StatusRow};
use super::Style;
use crate::migrate::{HistoryRow, MigrateEvent, MigrationKind};
use serde_json::{json, Value as Json};

/// Columns padded to their widest cell, two spaces apart; `paint` colours a cell after
/// padding (so escape codes do not count towards the width). Trailing spaces are trimmed.
fn table(
    header: &[&str],
    rows: &[Vec<String>],
    paint: impl Fn(usize, usize, &str) -> String,
) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let s = cells.join("  ");
        format!("{}\n", s.trim_end())
    };
    let mut out = line(
        header
            .iter()
            .zip(&widths)
            .map(|(h, w)| format!("{h:<w$}"))
            .collect(),
    );
    for (ri, r) in rows.iter().enumerate() {
        out.push_str(&line(
            r.iter()
                .zip(&widths)
                .enumerate()
                .map(|(ci, (c, w))| paint(ri, ci, &format!("{c:<w$}")))
                .collect(),
        ));
    }
    out
}

fn version(v: Option<&str>) -> String {
    v.unwrap_or("-").to_string()
}

fn paint_state(style: Style, state: RowState, cell: &str) -> String {
    match state {
        RowState::Applied => style.green(cell),
        RowState::Pending | RowState::Outdated => style.yellow(cell),
        RowState::Failed | RowState::Changed | RowState::Missing | RowState::OutOfOrder => {
            style.red(cell)
        }
    }
}

/// `migrate status`: VERSION, DESCRIPTION, KIND, STATE, APPLIED AT, APPLIED BY; `-` where a
/// cell has no value.
pub fn status_table(rows: &[StatusRow], style: Style) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                version(r.version.as_deref()),
                r.description.clone(),
                r.kind.as_str().to_string(),
                r.state.as_str().to_string(),
                r.applied_at.clone().unwrap_or_else(|| "-".into()),
                r.applied_by.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(
        &[
            "VERSION",
            "DESCRIPTION",
            "KIND",
            "STATE",
            "APPLIED AT",
            "APPLIED BY",
        ],
        &cells,
        |ri, ci, cell| {
            if ci == 3 {
                paint_state(style, rows[ri].state, cell)
            } else {
                cell.to_string()
            }
        },
    )
}

/// `migrate history`: one line per history row, oldest first.
pub fn history_table(rows: &[HistoryRow], style: Style) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                version(r.version.as_deref()),
                r.description.clone(),
                r.kind.as_str().to_string(),
                if r.success { "success" } else { "failed" }.to_string(),
                r.applied_at.clone(),
                r.applied_by.clone(),
                r.git_commit
                    .as_deref()
                    .map_or_else(|| "-".to_string(), |c| c.chars().take(12).collect()),
                format!("{}ms", r.execution_ms),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "VERSION",
            "DESCRIPTION",
            "KIND",
            "RESULT",
            "APPLIED AT",
            "APPLIED BY",
            "COMMIT",
            "TIME",
        ],
        &cells,
        |ri, ci, cell| match ci {
            4 if rows[ri].success => style.green(cell),
            4 => style.red(cell),
            _ => cell.to_string(),
        },
    )
}

/// `migrate history -json`: every row of every block, each an object with the block's
/// address (`migration`) and the row's fields: `id`, `version` (null for repeatables),
/// `description`, `kind`, `checksum`, `applied_at`, `applied_by`, `git_commit` (or null),
/// `execution_ms`, `success`.
pub fn history_json<'a>(blocks: impl IntoIterator<Item = (&'a str, &'a [HistoryRow])>) -> Json {
    let mut out = Vec::new();
    for (addr, rows) in blocks {
        for r in rows {
            out.push(json!({
                "migration": addr,
                "id": r.id,
                "version": r.version,
                "description": r.description,
                "kind": r.kind,
                "checksum": r.checksum,
                "applied_at": r.applied_at,
                "applied_by": r.applied_by,
                "git_commit": r.git_commit,
                "execution_ms": r.execution_ms,
                "success": r.success,
            }));
        }
    }
    Json::Array(out)
}

/// A progress line of `up`, `down` or `repair`.
pub fn migrate_event(addr: &str, e: &MigrateEvent<'_>, style: Style) -> String {
    match e {
        MigrateEvent::WaitingForLock { holder } => format!(
            "{addr}: waiting for the migration lock{}…\n",
            holder
                .map(|h| format!(" (held by {h})"))
                .unwrap_or_default()
        ),
        MigrateEvent::LockAcquired { waited } if waited.as_millis() >= 1000 => {
            format!(
                "{addr}: got the migration lock after {:.1}s\n",
                waited.as_secs_f64()
            )
        }
        MigrateEvent::LockAcquired { .. } => String::new(),
        MigrateEvent::Started { file } => format!(
            "{addr}: {} {}…\n",
            if file.kind == MigrationKind::Undo {
                "undoing"
            } else {
                "applying"
            },
            file.file_name()
        ),
        MigrateEvent::Finished { file, execution_ms } => format!(
            "{addr}: {} {} {}\n",
            file.file_name(),
            style.green(if file.kind == MigrationKind::Undo {
                "undone"
            } else {
                "applied"
            }),
            style.dim(&format!("({execution_ms}ms)"))
        ),
        MigrateEvent::Failed { file } => {
            format!("{addr}: {} {}\n", file.file_name(), style.red("failed"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, version: Option<&str>, kind: MigrationKind, success: bool) -> HistoryRow {
        HistoryRow {
            id,
            version: version.map(str::to_string),
            description: "create users".into(),
            kind,
            checksum: "ab".repeat(32),
            applied_at: "2025-01-01T12:00:00.000000Z".into(),
            applied_by: "alice".into(),
            git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            execution_ms: 7,
            success,
        }
    }

    #[test]
    fn tables_align_and_mark_empty_cells() {
        let rows = vec![
            StatusRow {
                version: Some("1".into()),
                description: "create users".into(),
                kind: MigrationKind::Versioned,
                state: RowState::Applied,
                applied_at: Some("2025-01-01T12:00:00.000000Z".into()),
                applied_by: Some("alice".into()),
            },
            StatusRow {
                version: None,
                description: "views".into(),
                kind: MigrationKind::Repeatable,
                state: RowState::Pending,
                applied_at: None,
                applied_by: None,
            },
        ];
        assert_eq!(
            status_table(&rows, Style::plain()),
            "VERSION  DESCRIPTION   KIND        STATE    APPLIED AT                   APPLIED BY\n\
             1        create users  versioned   applied  2025-01-01T12:00:00.000000Z  alice\n\
             -        views         repeatable  pending  -                            -\n"
        );
        let h = history_table(
            &[row(1, Some("1"), MigrationKind::Versioned, false)],
            Style::plain(),
        );
        assert!(
            h.lines()
                .nth(1)
                .unwrap()
                .ends_with("failed  2025-01-01T12:00:00.000000Z  alice       0123456789ab  7ms"),
            "{h}"
        );
    }

    #[test]
    fn history_json_names_the_block() {
        let rows = [
            row(1, Some("1"), MigrationKind::Versioned, true),
            row(2, None, MigrationKind::Repeatable, true),
        ];
        let j = history_json([("migration.app", &rows[..])]);
        assert_eq!(j.as_array().unwrap().len(), 2);
        assert_eq!(j[0]["migration"], "migration.app");
        assert_eq!(j[0]["kind"], "versioned");
        assert_eq!(j[1]["version"], Json::Null);
        assert_eq!(j[1]["execution_ms"], 7);
        assert_eq!(j[0]["git_commit"].as_str().unwrap().len(), 40);
    }
}
