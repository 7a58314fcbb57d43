//! The local backend: the state as a JSON file, with a journal, numbered backups and a lock
//! file beside it (see `state/README.md` at the repository root for the format).
//!
//! Invariants:
//! - the state file is only ever replaced by `rename` of a complete, fsynced temporary file in
//!   the same directory, so readers see the old or the new content, never a mix;
//! - a file that cannot be parsed is never overwritten: every write first reads and parses
//!   the file it replaces;
//! - the serial grows by one per write that changes the content; a write that would not
//!   change it leaves the file alone.

use super::error::StateError;
use super::journal::{read_journal, remove_journal, Journal};
use super::lock::{self, LocalLockGuard, LockInfo};
use super::{State, STATE_VERSION};
use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How many numbered backups (`<state>.backup.<serial>`) are kept, newest first.
pub const BACKUPS_KEPT: usize = 5;

/// The workspace used when none is selected.
pub const DEFAULT_WORKSPACE: &str = "default";

/// A state file on the local file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalBackend {
    path: PathBuf,
}

/// Checks a workspace name can be part of a file name.
pub fn check_workspace_name(name: &str) -> Result<(), StateError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 90
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(StateError::InvalidWorkspace {
            name: name.to_string(),
        })
    }
}

impl LocalBackend {
    /// A backend for the state file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        LocalBackend { path: path.into() }
    }

    /// The state of `workspace` for the configuration in `dir`:
    /// `dir/state/<workspace>.tfstate.json` by default; with a configured `path` P (relative
    /// to `dir`), P itself for the default workspace and P with `.<workspace>` inserted before
    /// its extension for the others (`prod.tfstate` → `prod.staging.tfstate`).
    pub fn for_workspace(
        dir: &Path,
        workspace: &str,
        configured: Option<&Path>,
    ) -> Result<LocalBackend, StateError> {
        check_workspace_name(workspace)?;
        let path = match configured {
            None => dir.join("state").join(format!("{workspace}.tfstate.json")),
            Some(p) if workspace == DEFAULT_WORKSPACE => dir.join(p),
            Some(p) => {
                let p = dir.join(p);
                let name = match (p.file_stem(), p.extension()) {
                    (Some(stem), Some(ext)) => format!(
                        "{}.{workspace}.{}",
                        stem.to_string_lossy(),
                        ext.to_string_lossy()
                    ),
                    _ => format!(
                        "{}.{workspace}",
                        p.file_name().unwrap_or_default().to_string_lossy()
                    ),
                };
                p.with_file_name(name)
            }
        };
        Ok(LocalBackend { path })
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    /// `<state>.journal`.
    pub fn journal_path(&self) -> PathBuf {
        self.sibling(".journal")
    }

    /// `<state>.lock`.
    pub fn lock_path(&self) -> PathBuf {
        self.sibling(".lock")
    }

    /// `<state>.backup.<serial>`: the state as it was at `serial`.
    pub fn backup_path(&self, serial: u64) -> PathBuf {
        self.sibling(&format!(".backup.{serial}"))
    }

    /// The backups that exist, oldest (lowest serial) first.
    pub fn backups(&self) -> Result<Vec<(u64, PathBuf)>, StateError> {
        let dir = parent_dir(&self.path);
        let prefix = format!(
            "{}.backup.",
            self.path.file_name().unwrap_or_default().to_string_lossy()
        );
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StateError::io(&dir, e)),
        };
        let mut out: Vec<(u64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let serial = name.strip_prefix(&prefix)?.parse().ok()?;
                Some((serial, self.path.with_file_name(name)))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Reads and parses the state file alone, without looking at a journal.
    pub fn read_file(&self) -> Result<Option<State>, StateError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io(&self.path, e)),
        };
        parse_state(&self.path, &bytes).map(Some)
    }

    /// Loads the state; `Ok(None)` when there is none yet.
    ///
    /// A journal left by a run that did not finish is folded in. When no other process holds
    /// the lock (or this one does), the folded state is written (serial + 1) and the journal
    /// removed; while another process holds it (a run in progress), the fold happens in
    /// memory only.
    pub fn load(&self) -> Result<Option<State>, StateError> {
        if !self.journal_path().exists() {
            return self.read_file();
        }
        if lock::held_by_this_process(&self.lock_path()) {
            return self.load_folding(true);
        }
        match self.lock("recover journal", Duration::ZERO) {
            Ok(guard) => {
                let r = self.load_folding(true);
                drop(guard);
                r
            }
            Err(_) => self.load_folding(false),
        }
    }

    /// The state as [`load`](Self::load) sees it (an interrupted apply's journal folded in),
    /// without writing anything or taking the lock: a consistent snapshot even while an apply
    /// holds the lock. For read-only commands (`drift`).
    pub fn load_snapshot(&self) -> Result<Option<State>, StateError> {
        if !self.journal_path().exists() {
            return self.read_file();
        }
        self.load_folding(false)
    }

    /// [`load`](Self::load), or a new empty state when there is none.
    pub fn load_or_new(&self) -> Result<State, StateError> {
        Ok(self.load()?.unwrap_or_default())
    }

    fn load_folding(&self, persist: bool) -> Result<Option<State>, StateError> {
        let jp = self.journal_path();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let base = self.read_file()?;
            let Some(journal) = read_journal(&jp)? else {
                return Ok(base);
            };
            let Some(header) = journal.header else {
                // Created but empty: nothing was ever committed to it.
                if persist {
                    remove_journal(&jp)?;
                }
                return Ok(base);
            };
            let mut state = match base {
                Some(b) => {
                    if b.lineage != header.lineage {
                        return Err(StateError::Corrupt {
                            path: jp,
                            reason: format!(
                                "the journal extends lineage {} but {} has lineage {}",
                                header.lineage,
                                self.path.display(),
                                b.lineage
                            ),
                        });
                    }
                    if b.serial > header.serial {
                        // Already folded into the state; only its removal was lost.
                        if persist {
                            remove_journal(&jp)?;
                        }
                        return Ok(Some(b));
                    }
                    if b.serial < header.serial {
                        if !persist && attempt < 5 {
                            // A run in progress replaced both between our two reads.
                            std::thread::sleep(Duration::from_millis(20));
                            continue;
                        }
                        return Err(StateError::Corrupt {
                            path: jp,
                            reason: format!(
                                "the journal extends serial {} but {} has serial {}",
                                header.serial,
                                self.path.display(),
                                b.serial
                            ),
                        });
                    }
                    b
                }
                None => State {
                    lineage: header.lineage.clone(),
                    serial: header.serial,
                    ..State::new()
                },
            };
            for e in &journal.entries {
                e.apply(&mut state);
            }
            if persist {
                self.write_unchecked(&mut state)?;
                remove_journal(&jp)?;
            }
            return Ok(Some(state));
        }
    }

    /// Writes `state` atomically when its content differs from the file's, setting
    /// `state.serial` to the serial written (or found). Refuses while a journal is open, when
    /// the file cannot be parsed, belongs to another lineage, or has a newer serial.
    pub fn write(&self, state: &mut State) -> Result<(), StateError> {
        let jp = self.journal_path();
        if jp.exists() {
            return Err(StateError::JournalActive { path: jp });
        }
        self.write_unchecked(state)
    }

    /// [`write`](Self::write) without the journal check (for folding a journal).
    pub(crate) fn write_unchecked(&self, state: &mut State) -> Result<(), StateError> {
        let on_disk = self.read_file()?;
        if let Some(d) = &on_disk {
            if d.lineage != state.lineage {
                return Err(StateError::LineageMismatch {
                    path: self.path.clone(),
                    ours: state.lineage.clone(),
                    on_disk: d.lineage.clone(),
                });
            }
            if d.serial > state.serial {
                return Err(StateError::Stale {
                    path: self.path.clone(),
                    ours: state.serial,
                    on_disk: d.serial,
                });
            }
            if same_content(d, state) {
                state.serial = d.serial;
                return Ok(());
            }
        }
        let mut next = state.clone();
        next.normalize();
        next.version = STATE_VERSION;
        next.terrace_version = env!("CARGO_PKG_VERSION").to_string();
        next.serial = state.serial + 1;
        let mut bytes = serde_json::to_vec_pretty(&next).map_err(|e| StateError::Corrupt {
            path: self.path.clone(),
            reason: format!("cannot encode state: {e}"),
        })?;
        bytes.push(b'\n');

        let dir = parent_dir(&self.path);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| StateError::io(&dir, e))?;
        let tmp = write_temp(&self.path, &bytes)?;
        if let Some(d) = &on_disk {
            if let Err(e) = self.keep_backup(d.serial) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        }
        if let Err(e) = std::fs::rename(&tmp, &self.path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(StateError::io(&self.path, e));
        }
        fsync_dir(&self.path)?;
        self.prune_backups()?;
        *state = next;
        Ok(())
    }

    /// Links the current file as `<state>.backup.<serial>` (copying when links fail).
    fn keep_backup(&self, serial: u64) -> Result<(), StateError> {
        let b = self.backup_path(serial);
        match std::fs::remove_file(&b) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StateError::io(&b, e)),
        }
        if std::fs::hard_link(&self.path, &b).is_err() {
            std::fs::copy(&self.path, &b).map_err(|e| StateError::io(&b, e))?;
        }
        // State holds secrets: backups are private whatever mode the original had.
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StateError::io(&b, e))
    }

    fn prune_backups(&self) -> Result<(), StateError> {
        let all = self.backups()?;
        let extra = all.len().saturating_sub(BACKUPS_KEPT);
        for (_, p) in &all[..extra] {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StateError::io(p, e)),
            }
        }
        Ok(())
    }

    /// Opens a journal for incremental writes on top of `state`, first writing `state` when
    /// the file does not hold exactly it (which also creates the file). Fails when a journal
    /// already exists (load the state first: `load` folds it).
    pub fn journal(&self, state: &mut State) -> Result<Journal, StateError> {
        let jp = self.journal_path();
        if jp.exists() {
            return Err(StateError::JournalActive { path: jp });
        }
        // Without a file, this always writes: the journal's base must be on disk.
        self.write_unchecked(state)?;
        Journal::create(self, state)
    }

    /// Takes the state lock for `operation`, waiting up to `timeout`.
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<LocalLockGuard, StateError> {
        let dir = parent_dir(&self.path);
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| StateError::io(&dir, e))?;
        lock::acquire(&self.path, &self.lock_path(), operation, timeout)
    }

    /// The current lock holder's description, if any (it may be stale: left by a killed run).
    pub fn lock_info(&self) -> Option<LockInfo> {
        lock::read_info(&self.lock_path())
    }

    /// Removes the lock with `id` when no live process holds it; see [`LockInfo`].
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        lock::force_unlock(&self.path, &self.lock_path(), id)
    }
}

/// Everything but the serial and the writer's version.
pub(crate) fn same_content(a: &State, b: &State) -> bool {
    a.version == b.version
        && a.lineage == b.lineage
        && a.resources == b.resources
        && a.outputs == b.outputs
        && a.migrations == b.migrations
}

/// Parses a state file, checking its version first.
pub fn parse_state(path: &Path, bytes: &[u8]) -> Result<State, StateError> {
    let corrupt = |reason: String| StateError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| corrupt(format!("not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Err(corrupt("the file is empty".to_string()));
    }
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| corrupt(format!("invalid JSON: {e}")))?;
    let Some(obj) = v.as_object() else {
        return Err(corrupt("expected a JSON object".to_string()));
    };
    match obj.get("version") {
        None => return Err(corrupt("missing the \"version\" field".to_string())),
        Some(n) if n.as_u64() == Some(u64::from(STATE_VERSION)) => {}
        Some(other) => {
            return Err(StateError::UnsupportedVersion {
                path: path.to_path_buf(),
                found: other.to_string(),
            })
        }
    }
    let mut state: State = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    let mut seen = std::collections::BTreeSet::new();
    for r in &state.resources {
        if !seen.insert(&r.address) {
            return Err(corrupt(format!(
                "resource {} appears more than once",
                r.address
            )));
        }
    }
    state.normalize();
    Ok(state)
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Makes a rename or removal in `path`'s directory durable.
pub(crate) fn fsync_dir(path: &Path) -> Result<(), StateError> {
    let dir = parent_dir(path);
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StateError::io(&dir, e))
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to a new temporary file (mode 0600) beside `target` and fsyncs it.
fn write_temp(target: &Path, bytes: &[u8]) -> Result<PathBuf, StateError> {
    let tmp = target.with_file_name(format!(
        ".{}.tmp-{}-{}",
        target.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let r = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
    if let Err(e) = r {
        let _ = std::fs::remove_file(&tmp);
        return Err(StateError::io(&tmp, e));
    }
    Ok(tmp)
}

/// Atomically creates `path` with `bytes` (temporary file, fsync, rename, directory fsync).
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let tmp = write_temp(path, bytes)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(StateError::io(path, e));
    }
    fsync_dir(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{JournalEntry, OutputState, ResourceState};

    fn res(addr: &str, id: &str) -> ResourceState {
        let address: crate::addr::ResourceInstanceAddr = addr.parse().unwrap();
        ResourceState {
            mode: "managed".into(),
            type_name: address.resource.type_name.clone(),
            address,
            provider_id: Some(id.into()),
            attributes: serde_json::json!({ "id": id }),
            sensitive_attributes: vec![],
            dependencies: vec![],
            create_before_destroy: false,
            tainted: false,
        }
    }

    #[test]
    fn workspace_paths() {
        let d = Path::new("cfg");
        let p = |ws: &str, c: Option<&str>| {
            LocalBackend::for_workspace(d, ws, c.map(Path::new))
                .unwrap()
                .path()
                .to_path_buf()
        };
        assert_eq!(
            p("default", None),
            Path::new("cfg/state/default.tfstate.json")
        );
        assert_eq!(p("prod", None), Path::new("cfg/state/prod.tfstate.json"));
        assert_eq!(
            p("default", Some("x/t.tfstate")),
            Path::new("cfg/x/t.tfstate")
        );
        assert_eq!(
            p("prod", Some("x/t.tfstate")),
            Path::new("cfg/x/t.prod.tfstate")
        );
        assert_eq!(p("prod", Some("tstate")), Path::new("cfg/tstate.prod"));
        assert_eq!(
            p("prod", Some("/abs/s.json")),
            Path::new("/abs/s.prod.json")
        );
        for bad in ["", "../x", "a/b", ".hidden", "sp ace"] {
            assert!(matches!(
                LocalBackend::for_workspace(d, bad, None),
                Err(StateError::InvalidWorkspace { .. })
            ));
        }
        let b = LocalBackend::new("s/d.json");
        assert_eq!(b.journal_path(), Path::new("s/d.json.journal"));
        assert_eq!(b.lock_path(), Path::new("s/d.json.lock"));
        assert_eq!(b.backup_path(7), Path::new("s/d.json.backup.7"));
    }

    #[test]
    fn write_is_atomic_private_and_skips_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("state/default.tfstate.json"));
        assert_eq!(b.load().unwrap(), None);
        let mut s = State::new();
        s.upsert(res("aws_vpc.main", "vpc-1"));
        b.write(&mut s).unwrap();
        assert_eq!(s.serial, 1);
        let mode = std::fs::metadata(b.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(b.load().unwrap().unwrap(), s);
        b.write(&mut s).unwrap();
        assert_eq!(s.serial, 1, "unchanged content keeps the serial");
        assert!(b.backups().unwrap().is_empty());
        s.upsert(res("aws_vpc.other", "vpc-2"));
        b.write(&mut s).unwrap();
        assert_eq!(s.serial, 2);
        assert_eq!(b.backups().unwrap(), vec![(1, b.backup_path(1))]);
        let names: Vec<String> = std::fs::read_dir(b.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
    }

    #[test]
    fn stale_and_foreign_writes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("s.json"));
        let mut s = State::new();
        b.write(&mut s).unwrap();
        let mut old = s.clone();
        s.upsert(res("aws_vpc.a", "vpc-1"));
        b.write(&mut s).unwrap();
        old.upsert(res("aws_vpc.b", "vpc-2"));
        assert!(matches!(b.write(&mut old), Err(StateError::Stale { .. })));
        let mut other = State::new();
        other.upsert(res("aws_vpc.c", "vpc-3"));
        other.serial = 10;
        assert!(matches!(
            b.write(&mut other),
            Err(StateError::LineageMismatch { .. })
        ));
    }

    #[test]
    fn journal_folds_on_finish_and_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("s.json"));
        let mut s = State::new();
        let mut j = b.journal(&mut s).unwrap();
        assert_eq!(s.serial, 1);
        assert!(b.path().exists());
        assert!(matches!(
            b.write(&mut s),
            Err(StateError::JournalActive { .. })
        ));
        j.append(&JournalEntry::Upsert {
            resource: res("aws_vpc.a", "vpc-1"),
        })
        .unwrap();
        j.append(&JournalEntry::SetOutputs {
            outputs: [(
                "id".to_string(),
                OutputState {
                    value: "vpc-1".into(),
                    sensitive: false,
                },
            )]
            .into(),
        })
        .unwrap();
        assert_eq!(j.len(), 2);
        j.finish(&mut s).unwrap();
        assert_eq!(s.serial, 2);
        assert!(!b.journal_path().exists());
        assert_eq!(b.load().unwrap().unwrap(), s);

        // A run that never finishes: the next load folds and persists.
        let mut j = b.journal(&mut s).unwrap();
        j.append(&JournalEntry::Remove {
            address: "aws_vpc.a".parse().unwrap(),
        })
        .unwrap();
        j.append(&JournalEntry::Upsert {
            resource: res("aws_vpc.b", "vpc-2"),
        })
        .unwrap();
        std::mem::forget(j);
        let loaded = b.load().unwrap().unwrap();
        assert_eq!(loaded.serial, 3);
        assert_eq!(loaded.resources.len(), 1);
        assert_eq!(loaded.resources[0].address.to_string(), "aws_vpc.b");
        assert!(!b.journal_path().exists());
        assert_eq!(b.read_file().unwrap().unwrap(), loaded);
    }

    #[test]
    fn journal_already_folded_is_discarded_not_refolded() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("s.json"));
        let mut s = State::new();
        let mut j = b.journal(&mut s).unwrap();
        let rec = crate::state::MigrationRecord {
            migration: "migration.m".into(),
            version: Some("1".into()),
            description: "init".into(),
            kind: "versioned".into(),
            checksum: "c".into(),
            applied_at: "2025-01-01T00:00:00Z".into(),
            applied_by: "me".into(),
            git_commit: None,
            execution_ms: 1,
            success: true,
        };
        j.append(&JournalEntry::AddMigration { record: rec })
            .unwrap();
        let text = std::fs::read(b.journal_path()).unwrap();
        j.finish(&mut s).unwrap();
        // Crash between writing the folded state and removing the journal.
        std::fs::write(b.journal_path(), text).unwrap();
        let loaded = b.load().unwrap().unwrap();
        assert_eq!(loaded.migrations.len(), 1);
        assert_eq!(loaded, s);
        assert!(!b.journal_path().exists());
    }

    #[test]
    fn loading_while_another_holder_has_the_lock_folds_in_memory_only() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("s.json"));
        let mut s = State::new();
        let mut j = b.journal(&mut s).unwrap();
        j.append(&JournalEntry::Upsert {
            resource: res("aws_vpc.a", "vpc-1"),
        })
        .unwrap();
        // Simulate another process: an OS lock taken through a separate file description,
        // without registering it as held by this process.
        let f = std::fs::File::create(b.lock_path()).unwrap();
        f.try_lock().unwrap();
        let loaded = b.load().unwrap().unwrap();
        assert_eq!(loaded.resources.len(), 1);
        assert!(b.journal_path().exists(), "not folded on disk");
        assert_eq!(b.read_file().unwrap().unwrap().resources.len(), 0);
        drop(f);
        j.finish(&mut s).unwrap();
        assert_eq!(b.load().unwrap().unwrap(), s);
    }
}
