//! Comparing the history with the migration files: what is applied, what is pending, and
//! what disagrees. Pure functions, no database.

use super::error::Problem;
use super::history::HistoryRow;
use super::{MigrationFile, MigrationKind, VersionKey};
use std::collections::{BTreeMap, HashMap};

/// The history read as a current state (rows replayed in `id` order).
pub(crate) struct Applied<'h> {
    /// Applied versions: the latest successful `versioned` row of each version not followed
    /// by a successful `undo` row.
    pub versions: BTreeMap<VersionKey, &'h HistoryRow>,
    /// The latest successful row of each repeatable, by description.
    pub repeatables: HashMap<&'h str, &'h HistoryRow>,
    /// Rows of failed migrations (MySQL), which block runs until repaired.
    pub failed: Vec<&'h HistoryRow>,
}

pub(crate) fn applied(rows: &[HistoryRow]) -> Applied<'_> {
    let mut a = Applied {
        versions: BTreeMap::new(),
        repeatables: HashMap::new(),
        failed: Vec::new(),
    };
    let mut ordered: Vec<&HistoryRow> = rows.iter().collect();
    ordered.sort_by_key(|r| r.id);
    for r in ordered {
        if !r.success {
            a.failed.push(r);
            continue;
        }
        let key = r.version.as_deref().and_then(VersionKey::parse);
        match (r.kind, key) {
            (MigrationKind::Versioned, Some(k)) => {
                a.versions.insert(k, r);
            }
            (MigrationKind::Undo, Some(k)) => {
                a.versions.remove(&k);
            }
            (MigrationKind::Repeatable, _) => {
                a.repeatables.insert(r.description.as_str(), r);
            }
            // Rows without a version are rejected when the history is read.
            (MigrationKind::Versioned | MigrationKind::Undo, None) => {}
        }
    }
    a
}

/// The database compared with the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Applied versioned migrations in version order, then the current run of each
    /// repeatable by description.
    pub applied: Vec<HistoryRow>,
    /// What `up` would run without `to`: versioned files not applied, in version order, then
    /// repeatables that are new or changed, by description.
    pub pending: Vec<MigrationFile>,
    /// Disagreements; `up` refuses to run while there are any.
    pub problems: Vec<Problem>,
}

/// Compares `rows` (the whole history) with `files` (as discovered).
pub fn assess(rows: &[HistoryRow], files: &[MigrationFile], allow_out_of_order: bool) -> Status {
    let a = applied(rows);
    let mut problems = Vec::new();
    for r in &a.failed {
        problems.push(Problem::NeedsRepair {
            name: r.file_name(),
            version: r.version.clone(),
            applied_at: r.applied_at.clone(),
            applied_by: r.applied_by.clone(),
        });
    }
    let versioned: HashMap<VersionKey, &MigrationFile> = files
        .iter()
        .filter(|f| f.kind == MigrationKind::Versioned)
        .filter_map(|f| Some((f.version_key()?, f)))
        .collect();
    for (key, row) in &a.versions {
        match versioned.get(key) {
            None => problems.push(Problem::MissingFile {
                version: row.version.clone().unwrap_or_default(),
                description: row.description.clone(),
                expected: row.file_name(),
            }),
            Some(f) if f.checksum != row.checksum => problems.push(Problem::ChecksumMismatch {
                file: f.path.clone(),
                version: f.version.clone().unwrap_or_default(),
                applied: row.checksum.clone(),
                current: f.checksum.clone(),
            }),
            Some(_) => {}
        }
    }
    let latest = a.versions.last_key_value();
    let mut pending_versions: Vec<(VersionKey, &MigrationFile)> = versioned
        .iter()
        .filter(|(k, _)| !a.versions.contains_key(*k))
        .map(|(k, f)| (k.clone(), *f))
        .collect();
    pending_versions.sort_by(|x, y| x.0.cmp(&y.0));
    if let (Some((latest_key, latest_row)), false) = (latest, allow_out_of_order) {
        for (k, f) in &pending_versions {
            if k < latest_key {
                problems.push(Problem::OutOfOrder {
                    file: f.path.clone(),
                    version: f.version.clone().unwrap_or_default(),
                    latest: latest_row.version.clone().unwrap_or_default(),
                });
            }
        }
    }
    let mut pending: Vec<MigrationFile> = pending_versions
        .into_iter()
        .map(|(_, f)| f.clone())
        .collect();
    let mut repeatables: Vec<&MigrationFile> = files
        .iter()
        .filter(|f| f.kind == MigrationKind::Repeatable)
        .filter(|f| {
            a.repeatables
                .get(f.description.as_str())
                .is_none_or(|r| r.checksum != f.checksum)
        })
        .collect();
    repeatables.sort_by(|x, y| x.description.cmp(&y.description));
    pending.extend(repeatables.into_iter().cloned());
    let mut applied_rows: Vec<HistoryRow> = a.versions.values().map(|r| (*r).clone()).collect();
    let mut reps: Vec<&HistoryRow> = a.repeatables.values().copied().collect();
    reps.sort_by(|x, y| x.description.cmp(&y.description));
    applied_rows.extend(reps.into_iter().cloned());
    Status {
        applied: applied_rows,
        pending,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(
        kind: MigrationKind,
        version: Option<&str>,
        desc: &str,
        checksum: &str,
    ) -> MigrationFile {
        MigrationFile {
            kind,
            version: version.map(str::to_string),
            description: desc.into(),
            path: PathBuf::from(format!(
                "m/{}{}__{desc}.sql",
                match kind {
                    MigrationKind::Versioned => "V",
                    MigrationKind::Undo => "U",
                    MigrationKind::Repeatable => "R",
                },
                version.unwrap_or("")
            )),
            checksum: checksum.into(),
        }
    }

    fn row(
        id: i64,
        kind: MigrationKind,
        version: Option<&str>,
        desc: &str,
        checksum: &str,
        success: bool,
    ) -> HistoryRow {
        HistoryRow {
            id,
            version: version.map(str::to_string),
            description: desc.into(),
            kind,
            checksum: checksum.into(),
            applied_at: "2026-01-01T00:00:00.000000Z".into(),
            applied_by: "ci".into(),
            git_commit: None,
            execution_ms: 1,
            success,
        }
    }

    use MigrationKind::{Repeatable as R, Undo as U, Versioned as V};

    #[test]
    fn pending_follows_version_order_then_changed_repeatables() {
        let files = vec![
            file(V, Some("1"), "a", "c1"),
            file(V, Some("2"), "b", "c2"),
            file(V, Some("10"), "c", "c10"),
            file(U, Some("2"), "b", "u2"),
            file(R, None, "views", "rv2"),
            file(R, None, "grants", "rg"),
        ];
        let rows = vec![
            row(1, V, Some("1"), "a", "c1", true),
            row(2, R, None, "views", "rv1", true),
            row(3, R, None, "grants", "rg", true),
        ];
        let s = assess(&rows, &files, false);
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        let names: Vec<String> = s.pending.iter().map(MigrationFile::file_name).collect();
        assert_eq!(names, ["V2__b.sql", "V10__c.sql", "R__views.sql"]);
        assert_eq!(s.applied.len(), 3);
    }

    #[test]
    fn undo_rows_make_a_version_pending_again() {
        let files = vec![file(V, Some("1"), "a", "c1"), file(V, Some("2"), "b", "c2")];
        let rows = vec![
            row(1, V, Some("1"), "a", "c1", true),
            row(2, V, Some("2"), "b", "c2", true),
            row(3, U, Some("2.0"), "b", "u2", true),
        ];
        let s = assess(&rows, &files, false);
        assert_eq!(s.pending.len(), 1);
        assert_eq!(s.pending[0].version.as_deref(), Some("2"));
        assert!(s.problems.is_empty());
    }

    #[test]
    fn problems_name_the_files() {
        let files = vec![
            file(V, Some("1"), "a", "changed"),
            file(V, Some("2"), "between", "c2"),
            file(V, Some("4"), "d", "c4"),
        ];
        let rows = vec![
            row(1, V, Some("1"), "a", "c1", true),
            row(2, V, Some("3"), "gone", "c3", true),
            row(3, V, Some("4"), "d", "c4", false),
        ];
        let s = assess(&rows, &files, false);
        let text: Vec<String> = s.problems.iter().map(ToString::to_string).collect();
        assert_eq!(s.problems.len(), 4, "{text:#?}");
        assert!(text[0].starts_with("V4__d.sql failed"), "{}", text[0]);
        assert!(
            text[1].starts_with("m/V1__a.sql: migration 1 was changed"),
            "{}",
            text[1]
        );
        assert!(
            text[2].starts_with("V3__gone.sql: migration 3 (gone) was applied"),
            "{}",
            text[2]
        );
        assert!(
            text[3].starts_with(
                "m/V2__between.sql: version 2 is lower than the latest applied version 3"
            ),
            "{}",
            text[3]
        );
        let allowed = assess(&rows, &files, true);
        assert_eq!(allowed.problems.len(), 3);
        assert_eq!(
            allowed.pending.len(),
            2,
            "V2 and V4 (failed, so not applied)"
        );
    }
}
