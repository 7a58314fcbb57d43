//! Migration files: `V<version>__<description>.sql` (versioned, run once, in version order),
//! `U<version>__<description>.sql` (undo of that version), `R__<description>.sql`
//! (repeatable, re-run when its checksum changes).

use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// What a migration file does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MigrationKind {
    Versioned,
    Undo,
    Repeatable,
}

impl MigrationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationKind::Versioned => "versioned",
            MigrationKind::Undo => "undo",
            MigrationKind::Repeatable => "repeatable",
        }
    }

    /// The kind named by [`MigrationKind::as_str`].
    pub fn parse(s: &str) -> Option<MigrationKind> {
        match s {
            "versioned" => Some(MigrationKind::Versioned),
            "undo" => Some(MigrationKind::Undo),
            "repeatable" => Some(MigrationKind::Repeatable),
            _ => None,
        }
    }
}

/// One migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub kind: MigrationKind,
    /// Version text as written (`1`, `1.2`, `2_1` is read as `2.1`); `None` for repeatables.
    pub version: Option<String>,
    pub description: String,
    pub path: PathBuf,
    /// sha256 of the normalised content, hex.
    pub checksum: String,
}

impl MigrationFile {
    /// The file name, e.g. `V2__add_users.sql`.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    /// The ordering key of the version; `None` for repeatables.
    pub fn version_key(&self) -> Option<VersionKey> {
        self.version.as_deref().and_then(VersionKey::parse)
    }
}

/// Parses `1`, `1.2`, `1_2` into numeric components for ordering.
pub fn parse_version(v: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = v.split(['.', '_']).map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// A version as numbers with trailing zeros removed, so `1`, `1.0` and `1_0` are the same
/// version, and the derived ordering compares numerically component by component
/// (`1.2 < 1.10 < 2`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionKey(Vec<u64>);

impl VersionKey {
    /// `None` unless `v` is dot- or underscore-separated numbers.
    pub fn parse(v: &str) -> Option<VersionKey> {
        let mut parts = parse_version(v)?;
        while parts.last() == Some(&0) {
            parts.pop();
        }
        Some(VersionKey(parts))
    }
}

/// sha256 of the content with a UTF-8 BOM removed and line endings normalised to `\n`, so a
/// checkout on another OS does not count as a change.
pub fn checksum(content: &[u8]) -> String {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    let mut norm = Vec::with_capacity(content.len());
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'\r' => {
                norm.push(b'\n');
                if content.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            c => norm.push(c),
        }
        i += 1;
    }
    let digest = Sha256::digest(&norm);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lists the migration files of `dir`: versioned in version order, then repeatables by
/// description; undo files are included with their versions. Other `.sql` files and names
/// that do not follow the convention are errors (a typo must not silently skip a migration).
pub fn discover(dir: &Path) -> Result<Vec<MigrationFile>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read migration directory {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for e in entries.filter_map(Result::ok) {
        let path = e.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if !name.ends_with(".sql") || !path.is_file() {
            continue;
        }
        let stem = &name[..name.len() - 4];
        let parsed = if let Some(desc) = stem.strip_prefix("R__") {
            Some((MigrationKind::Repeatable, None, desc))
        } else {
            let kind = match stem.chars().next() {
                Some('V') => Some(MigrationKind::Versioned),
                Some('U') => Some(MigrationKind::Undo),
                _ => None,
            };
            kind.and_then(|k| {
                let (v, d) = stem[1..].split_once("__")?;
                parse_version(v)?;
                Some((k, Some(v.replace('_', ".")), d))
            })
        };
        let Some((kind, version, desc)) = parsed else {
            errors.push(format!("{name}: not a migration file name; use V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql"));
            continue;
        };
        let content =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        out.push(MigrationFile {
            kind,
            version,
            description: desc.replace('_', " "),
            path,
            checksum: checksum(&content),
        });
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    // Duplicate versions are ambiguous.
    let mut seen = std::collections::HashMap::new();
    for f in &out {
        if let (Some(v), MigrationKind::Versioned | MigrationKind::Undo) = (&f.version, f.kind) {
            if let Some(prev) = seen.insert((f.kind, VersionKey::parse(v)), f.path.clone()) {
                return Err(format!(
                    "{} and {} have the same version {v}",
                    prev.display(),
                    f.path.display()
                ));
            }
        }
    }
    out.sort_by(|a, b| match (&a.version, &b.version) {
        (Some(x), Some(y)) => VersionKey::parse(x)
            .cmp(&VersionKey::parse(y))
            .then(a.kind.cmp(&b.kind)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.description.cmp(&b.description),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_in_version_order() {
        let d = tempfile::tempdir().unwrap();
        for (n, c) in [
            ("V10__late.sql", "x"),
            ("V2__b.sql", "y"),
            ("V1_1__a.sql", "z"),
            ("U2__b.sql", "u"),
            ("R__views.sql", "v"),
            ("notes.txt", ""),
        ] {
            std::fs::write(d.path().join(n), c).unwrap();
        }
        let files = discover(d.path()).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "V1_1__a.sql",
                "V2__b.sql",
                "U2__b.sql",
                "V10__late.sql",
                "R__views.sql"
            ]
        );
        assert_eq!(files[0].version.as_deref(), Some("1.1"));
        std::fs::write(d.path().join("v3_typo.sql"), "").unwrap();
        assert!(discover(d.path()).unwrap_err().contains("v3_typo.sql"));
    }

    #[test]
    fn versions_compare_numerically_and_ignore_trailing_zeros() {
        let k = |v| VersionKey::parse(v).unwrap();
        assert_eq!(k("1"), k("1.0"));
        assert_eq!(k("1_0_0"), k("1"));
        assert!(k("1.2") < k("1.10"));
        assert!(k("1.10") < k("2"));
        assert!(k("1.0.1") < k("1.1"));
        assert_eq!(VersionKey::parse("1.a"), None);
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("V1__a.sql"), "").unwrap();
        std::fs::write(d.path().join("V1_0__b.sql"), "").unwrap();
        assert!(discover(d.path()).unwrap_err().contains("same version"));
    }

    #[test]
    fn checksum_ignores_line_endings_and_bom() {
        assert_eq!(checksum(b"a\r\nb\r\n"), checksum(b"a\nb\n"));
        assert_eq!(checksum(b"\xEF\xBB\xBFa\n"), checksum(b"a\n"));
        assert_ne!(checksum(b"a\n"), checksum(b"b\n"));
    }
}
