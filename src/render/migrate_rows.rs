//! The lines of `terrace migrate status`: every migration of a block with its state,
//! combining what the database applied with the files.

use crate::migrate::{MigrationKind, Problem, Status, VersionKey};
use serde::Serialize;

/// Where one migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowState {
    /// Applied, and the file still has the content that ran.
    Applied,
    /// Not applied yet: `up` runs it.
    Pending,
    /// A run failed half way (MySQL/MariaDB): `up` refuses until `repair`.
    Failed,
    /// A repeatable whose file changed since its last run: `up` runs it again.
    Outdated,
    /// Applied, but the file changed since (a checksum mismatch): `up` refuses.
    Changed,
    /// Applied, but the file is gone: `up` refuses.
    Missing,
    /// Pending, but lower than the latest applied version: `up` refuses unless the block
    /// sets `allow_out_of_order = true`.
    OutOfOrder,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Pending => "pending",
            RowState::Failed => "failed",
            RowState::Outdated => "outdated",
            RowState::Changed => "changed",
            RowState::Missing => "missing",
            RowState::OutOfOrder => "out-of-order",
        }
    }
}

/// One migration as `migrate status` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// `None` for repeatables.
    pub version: Option<String>,
    pub description: String,
    pub kind: MigrationKind,
    pub state: RowState,
    /// When and by whom it ran (applied, failed and outdated rows).
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
}

fn key(v: Option<&str>) -> Option<VersionKey> {
    v.and_then(VersionKey::parse)
}

/// The lines for `status`: versioned migrations in version order, then repeatables by
/// description. Each migration appears once: a failed version's pending file shows as
/// failed, a changed repeatable as outdated.
pub fn status_rows(status: &Status) -> Vec<StatusRow> {
    let mut rows = Vec::new();
    let mut failed: Vec<&Problem> = status
        .problems
        .iter()
        .filter(|p| matches!(p, Problem::NeedsRepair { .. }))
        .collect();
    for r in &status.applied {
        let k = key(r.version.as_deref());
        let state = if r.kind == MigrationKind::Repeatable {
            let changed = status
                .pending
                .iter()
                .any(|f| f.kind == MigrationKind::Repeatable && f.description == r.description);
            if changed {
                RowState::Outdated
            } else {
                RowState::Applied
            }
        } else if status.problems.iter().any(
            |p| matches!(p, Problem::ChecksumMismatch { version, .. } if key(Some(version)) == k),
        ) {
            RowState::Changed
        } else if status
            .problems
            .iter()
            .any(|p| matches!(p, Problem::MissingFile { version, .. } if key(Some(version)) == k))
        {
            RowState::Missing
        } else {
            RowState::Applied
        };
        rows.push(StatusRow {
            version: r.version.clone(),
            description: r.description.clone(),
            kind: r.kind,
            state,
            applied_at: Some(r.applied_at.clone()),
            applied_by: Some(r.applied_by.clone()),
        });
    }
    for f in &status.pending {
        if f.kind == MigrationKind::Repeatable
            && status
                .applied
                .iter()
                .any(|r| r.kind == MigrationKind::Repeatable && r.description == f.description)
        {
            continue; // listed as outdated
        }
        let k = f.version_key();
        let failure = failed.iter().position(|p| match p {
            Problem::NeedsRepair { name, version, .. } => match f.kind {
                MigrationKind::Repeatable => {
                    parse_name(name) == (MigrationKind::Repeatable, f.description.clone())
                }
                _ => name.starts_with('V') && k.is_some() && key(version.as_deref()) == k,
            },
            _ => false,
        });
        let (state, applied_at, applied_by) = match failure.map(|i| failed.remove(i)) {
            Some(Problem::NeedsRepair {
                applied_at,
                applied_by,
                ..
            }) => (
                RowState::Failed,
                Some(applied_at.clone()),
                Some(applied_by.clone()),
            ),
            _ if status
                .problems
                .iter()
                .any(|p| matches!(p, Problem::OutOfOrder { file, .. } if *file == f.path)) =>
            {
                (RowState::OutOfOrder, None, None)
            }
            _ => (RowState::Pending, None, None),
        };
        rows.push(StatusRow {
            version: f.version.clone(),
            description: f.description.clone(),
            kind: f.kind,
            state,
            applied_at,
            applied_by,
        });
    }
    // Failures without a pending file (a failed undo, a failed repeatable, a gone file).
    for p in failed {
        if let Problem::NeedsRepair {
            name,
            version,
            applied_at,
            applied_by,
        } = p
        {
            let (kind, description) = parse_name(name);
            rows.push(StatusRow {
                version: version.clone(),
                description,
                kind,
                state: RowState::Failed,
                applied_at: Some(applied_at.clone()),
                applied_by: Some(applied_by.clone()),
            });
        }
    }
    rows.sort_by(|a, b| {
        let (ka, kb) = (key(a.version.as_deref()), key(b.version.as_deref()));
        match (ka, kb) {
            (Some(x), Some(y)) => x.cmp(&y).then(a.kind.cmp(&b.kind)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.description.cmp(&b.description),
        }
    });
    rows
}

/// The kind and description in a file name such as `V3__add_index.sql`.
fn parse_name(name: &str) -> (MigrationKind, String) {
    let stem = name.strip_suffix(".sql").unwrap_or(name);
    let (kind, rest) = if let Some(r) = stem.strip_prefix("R__") {
        (MigrationKind::Repeatable, r)
    } else if let Some(r) = stem.strip_prefix('U') {
        (
            MigrationKind::Undo,
            r.split_once("__").map_or(r, |(_, d)| d),
        )
    } else {
        let r = stem.strip_prefix('V').unwrap_or(stem);
        (
            MigrationKind::Versioned,
            r.split_once("__").map_or(r, |(_, d)| d),
        )
    };
    (kind, rest.replace('_', " "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::{HistoryRow, MigrationFile};
    use std::path::PathBuf;

    fn applied(id: i64, version: Option<&str>, desc: &str, kind: MigrationKind) -> HistoryRow {
        HistoryRow {
            id,
            version: version.map(str::to_string),
            description: desc.into(),
            kind,
            checksum: "c".into(),
            applied_at: format!("2025-01-0{id}T00:00:00.000000Z"),
            applied_by: "alice".into(),
            git_commit: None,
            execution_ms: 1,
            success: true,
        }
    }

    fn file(version: Option<&str>, desc: &str, kind: MigrationKind) -> MigrationFile {
        let name = match (kind, version) {
            (MigrationKind::Repeatable, _) => format!("R__{desc}.sql"),
            (_, v) => format!("V{}__{desc}.sql", v.unwrap_or_default()),
        };
        MigrationFile {
            kind,
            version: version.map(str::to_string),
            description: desc.into(),
            path: PathBuf::from("m").join(name),
            checksum: "c".into(),
        }
    }

    fn summary(rows: &[StatusRow]) -> Vec<(Option<&str>, &str, &str)> {
        rows.iter()
            .map(|r| {
                (
                    r.version.as_deref(),
                    r.description.as_str(),
                    r.state.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn every_migration_once_in_order() {
        use MigrationKind::{Repeatable as R, Versioned as V};
        let status = Status {
            applied: vec![
                applied(1, Some("1"), "init", V),
                applied(2, Some("2"), "users", V),
                applied(3, Some("10"), "late", V),
                applied(4, None, "views", R),
                applied(5, None, "grants", R),
            ],
            pending: vec![
                file(Some("3"), "orders", V),
                file(Some("11"), "next", V),
                file(Some("12"), "after", V),
                file(None, "views", R),
                file(None, "reports", R),
            ],
            problems: vec![
                Problem::ChecksumMismatch {
                    file: PathBuf::from("m/V2__users.sql"),
                    version: "2".into(),
                    applied: "a".into(),
                    current: "b".into(),
                },
                Problem::MissingFile {
                    version: "10".into(),
                    description: "late".into(),
                    expected: "V10__late.sql".into(),
                },
                Problem::OutOfOrder {
                    file: PathBuf::from("m/V3__orders.sql"),
                    version: "3".into(),
                    latest: "10".into(),
                },
                Problem::NeedsRepair {
                    name: "V11__next.sql".into(),
                    version: Some("11".into()),
                    applied_at: "2025-02-01T00:00:00.000000Z".into(),
                    applied_by: "bob".into(),
                },
                Problem::NeedsRepair {
                    name: "U12__after_undo.sql".into(),
                    version: Some("12".into()),
                    applied_at: "t".into(),
                    applied_by: "carol".into(),
                },
                Problem::NeedsRepair {
                    name: "R__reports.sql".into(),
                    version: None,
                    applied_at: "t".into(),
                    applied_by: "dave".into(),
                },
            ],
        };
        let rows = status_rows(&status);
        assert_eq!(
            summary(&rows),
            [
                (Some("1"), "init", "applied"),
                (Some("2"), "users", "changed"),
                (Some("3"), "orders", "out-of-order"),
                (Some("10"), "late", "missing"),
                (Some("11"), "next", "failed"),
                (Some("12"), "after", "pending"),
                (Some("12"), "after undo", "failed"),
                (None, "grants", "applied"),
                (None, "reports", "failed"),
                (None, "views", "outdated"),
            ]
        );
        let failed = rows.iter().find(|r| r.description == "next").unwrap();
        assert_eq!(failed.applied_by.as_deref(), Some("bob"));
        assert_eq!(rows[6].kind, MigrationKind::Undo);
        assert_eq!(rows[9].applied_by.as_deref(), Some("alice"));
    }
}
