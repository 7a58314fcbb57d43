//! The state lock: an OS-level advisory lock (`flock`) on `<state>.lock`, which also holds
//! the holder's description as JSON.
//!
//! Invariants:
//! - a process holds the lock exactly while it holds the OS lock on the file that is at the
//!   lock path; a waiter that locks a file which was meanwhile unlinked retries;
//! - the lock dies with its process (the kernel releases it), so a killed run never leaves a
//!   lock that blocks others; only its (stale) description remains, which the next holder
//!   overwrites and `force_unlock` removes.

use super::error::StateError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a waiting `lock` retries.
const POLL: Duration = Duration::from_millis(50);

/// Who holds a lock, as written into the lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Random id, given to `force-unlock`.
    #[serde(rename = "ID")]
    pub id: String,
    /// The state file the lock protects.
    #[serde(rename = "Path")]
    pub path: String,
    /// The command that took it, e.g. `apply` or `state rm`.
    #[serde(rename = "Operation")]
    pub operation: String,
    /// `$USER`, or the numeric uid.
    #[serde(rename = "Who")]
    pub who: String,
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "Pid")]
    pub pid: u32,
    /// Terrace version of the holder.
    #[serde(rename = "Version")]
    pub version: String,
    /// RFC 3339 UTC time the lock was taken.
    #[serde(rename = "Created")]
    pub created: String,
    /// The CI job that took the lock, when known (`CI_JOB_URL`, `BUILD_URL`, or GitHub
    /// Actions' run URL).
    #[serde(rename = "Info", default, skip_serializing_if = "Option::is_none")]
    pub ci_job: Option<String>,
}

impl LockInfo {
    /// A description of the current process taking the lock for `operation`.
    pub fn current(state_path: &Path, operation: &str) -> LockInfo {
        LockInfo {
            id: super::new_lineage(),
            path: state_path.display().to_string(),
            operation: operation.to_string(),
            who: current_user(),
            host: hostname(),
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: super::time::now_rfc3339(),
            ci_job: ci_job_url(),
        }
    }
}

/// The URL of the CI job this process runs in: GitLab's `CI_JOB_URL`, Jenkins' `BUILD_URL`,
/// or GitHub Actions' `GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID`.
pub fn ci_job_url() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    var("CI_JOB_URL").or_else(|| var("BUILD_URL")).or_else(|| {
        Some(format!(
            "{}/{}/actions/runs/{}",
            var("GITHUB_SERVER_URL")?,
            var("GITHUB_REPOSITORY")?,
            var("GITHUB_RUN_ID")?
        ))
    })
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Lock Info:")?;
        writeln!(f, "  ID:        {}", self.id)?;
        writeln!(f, "  Path:      {}", self.path)?;
        writeln!(f, "  Operation: {}", self.operation)?;
        writeln!(f, "  Who:       {}@{}", self.who, self.host)?;
        writeln!(f, "  Pid:       {}", self.pid)?;
        writeln!(f, "  Version:   {}", self.version)?;
        write!(f, "  Created:   {}", self.created)?;
        if let Some(j) = &self.ci_job {
            write!(f, "\n  CI job:    {j}")?;
        }
        Ok(())
    }
}

fn current_user() -> String {
    if let Some(u) = std::env::var("USER").ok().filter(|u| !u.is_empty()) {
        return u;
    }
    std::fs::metadata("/proc/self").map_or_else(|_| "unknown".to_string(), |m| m.uid().to_string())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Lock files held by this process, so `load` knows it may persist a recovered journal.
static HELD: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// A stable key for a lock path, the same however the path was spelled.
fn held_key(lock_path: &Path) -> PathBuf {
    let dir = match lock_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    dir.join(lock_path.file_name().unwrap_or_default())
}

/// True when this process holds the lock at `lock_path`.
pub(crate) fn held_by_this_process(lock_path: &Path) -> bool {
    let key = held_key(lock_path);
    HELD.lock().map(|h| h.contains(&key)).unwrap_or(false)
}

/// A held state lock; released (and its description removed) on drop.
#[derive(Debug)]
pub struct LocalLockGuard {
    file: Option<File>,
    lock_path: PathBuf,
    key: PathBuf,
    info: LockInfo,
}

impl LocalLockGuard {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// Releases the lock now (the same as dropping the guard).
    pub fn release(self) {}
}

impl Drop for LocalLockGuard {
    fn drop(&mut self) {
        // Unlink first, then unlock: a waiter that then locks the unlinked file sees that the
        // path no longer refers to it and retries with a fresh file.
        let _ = std::fs::remove_file(&self.lock_path);
        if let Ok(mut h) = HELD.lock() {
            h.remove(&self.key);
        }
        if let Some(f) = self.file.take() {
            let _ = f.unlock();
        }
    }
}

fn open_lock_file(lock_path: &Path) -> Result<File, StateError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(lock_path)
        .map_err(|e| StateError::io(lock_path, e))
}

/// True when `f` is the file currently at `path`.
fn is_current(f: &File, path: &Path) -> bool {
    match (f.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Takes the OS lock on `lock_path` without waiting; `Ok(None)` when another open file
/// description holds it.
fn try_lock_once(lock_path: &Path) -> Result<Option<File>, StateError> {
    loop {
        let f = open_lock_file(lock_path)?;
        match f.try_lock() {
            Ok(()) => {
                if is_current(&f, lock_path) {
                    return Ok(Some(f));
                }
                // The holder released and unlinked it between our open and lock: retry.
            }
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(StateError::io(lock_path, e)),
        }
    }
}

/// Reads the holder's description; `None` when the file is missing, empty or being written.
pub(crate) fn read_info(lock_path: &Path) -> Option<LockInfo> {
    let mut s = String::new();
    File::open(lock_path).ok()?.read_to_string(&mut s).ok()?;
    serde_json::from_str(&s).ok()
}

/// Like [`read_info`], retrying briefly while the holder may still be writing it.
fn read_info_patiently(lock_path: &Path) -> Option<LockInfo> {
    for _ in 0..10 {
        if let Some(i) = read_info(lock_path) {
            return Some(i);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Takes the lock for `operation`, polling until `timeout` has passed.
pub(crate) fn acquire(
    state_path: &Path,
    lock_path: &Path,
    operation: &str,
    timeout: Duration,
) -> Result<LocalLockGuard, StateError> {
    let start = Instant::now();
    loop {
        if let Some(mut f) = try_lock_once(lock_path)? {
            let info = LockInfo::current(state_path, operation);
            let text = serde_json::to_string_pretty(&info).unwrap_or_default() + "\n";
            f.set_len(0)
                .and_then(|()| f.write_all(text.as_bytes()))
                .and_then(|()| f.sync_data())
                .map_err(|e| StateError::io(lock_path, e))?;
            let key = held_key(lock_path);
            if let Ok(mut h) = HELD.lock() {
                h.insert(key.clone());
            }
            return Ok(LocalLockGuard {
                file: Some(f),
                lock_path: lock_path.to_path_buf(),
                key,
                info,
            });
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(match read_info_patiently(lock_path) {
                Some(holder) => StateError::Locked {
                    path: state_path.to_path_buf(),
                    holder: Box::new(holder),
                    waited,
                },
                None => StateError::LockTimeout {
                    path: state_path.to_path_buf(),
                    lock_path: lock_path.to_path_buf(),
                    waited,
                },
            });
        }
        std::thread::sleep(POLL.min(timeout - waited));
    }
}

/// Removes the lock description with id `id`, when no live process holds the OS lock.
pub(crate) fn force_unlock(
    state_path: &Path,
    lock_path: &Path,
    id: &str,
) -> Result<LockInfo, StateError> {
    let not_locked = || StateError::NotLocked {
        path: state_path.to_path_buf(),
        lock_path: lock_path.to_path_buf(),
    };
    if !lock_path.exists() {
        return Err(not_locked());
    }
    let holder = read_info_patiently(lock_path).ok_or_else(not_locked)?;
    if holder.id != id {
        return Err(StateError::LockIdMismatch {
            path: state_path.to_path_buf(),
            given: id.to_string(),
            holder: Box::new(holder),
        });
    }
    match try_lock_once(lock_path)? {
        None => Err(StateError::LockHeld {
            path: state_path.to_path_buf(),
            holder: Box::new(holder),
        }),
        Some(f) => {
            // We hold the OS lock: check the description is still the one we matched.
            let now = read_info(lock_path);
            if now.as_ref().map(|i| i.id.as_str()) != Some(id) {
                return match now {
                    Some(h) => Err(StateError::LockIdMismatch {
                        path: state_path.to_path_buf(),
                        given: id.to_string(),
                        holder: Box::new(h),
                    }),
                    None => Err(not_locked()),
                };
            }
            std::fs::remove_file(lock_path).map_err(|e| StateError::io(lock_path, e))?;
            drop(f);
            Ok(holder)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_info_is_complete_and_displayable() {
        let i = LockInfo::current(Path::new("state/default.tfstate.json"), "apply");
        assert_eq!(i.pid, std::process::id());
        assert!(!i.who.is_empty() && !i.host.is_empty());
        assert!(
            i.created.ends_with('Z') && i.created.len() == 20,
            "{}",
            i.created
        );
        let shown = i.to_string();
        assert!(shown.contains("Operation: apply"), "{shown}");
        let json = serde_json::to_value(&i).unwrap();
        assert_eq!(json["Pid"], std::process::id());
    }

    #[test]
    fn in_process_contention_and_release() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("s.json");
        let lp = dir.path().join("s.json.lock");
        let g = acquire(&state, &lp, "apply", Duration::ZERO).unwrap();
        assert!(held_by_this_process(&lp));
        assert_eq!(read_info(&lp).unwrap(), *g.info());
        // flock conflicts between open file descriptions, even in one process.
        let t = Instant::now();
        match acquire(&state, &lp, "plan", Duration::from_millis(200)) {
            Err(StateError::Locked { holder, waited, .. }) => {
                assert_eq!(holder.operation, "apply");
                assert!(waited >= Duration::from_millis(200));
            }
            other => panic!("{other:?}"),
        }
        assert!(t.elapsed() >= Duration::from_millis(200));
        match force_unlock(&state, &lp, &g.info().id) {
            Err(StateError::LockHeld { holder, .. }) => {
                assert_eq!(holder.pid, std::process::id())
            }
            other => panic!("{other:?}"),
        }
        drop(g);
        assert!(!lp.exists());
        assert!(!held_by_this_process(&lp));
        let g2 = acquire(&state, &lp, "plan", Duration::ZERO).unwrap();
        assert_eq!(g2.info().operation, "plan");
    }

    #[test]
    fn force_unlock_removes_a_stale_description() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("s.json");
        let lp = dir.path().join("s.json.lock");
        assert!(matches!(
            force_unlock(&state, &lp, "x"),
            Err(StateError::NotLocked { .. })
        ));
        let stale = LockInfo::current(&state, "apply");
        std::fs::write(&lp, serde_json::to_string(&stale).unwrap()).unwrap();
        assert!(matches!(
            force_unlock(&state, &lp, "wrong"),
            Err(StateError::LockIdMismatch { .. })
        ));
        assert_eq!(force_unlock(&state, &lp, &stale.id).unwrap(), stale);
        assert!(!lp.exists());
    }

    #[test]
    fn waiter_gets_the_lock_when_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("s.json");
        let lp = dir.path().join("s.json.lock");
        let g = acquire(&state, &lp, "apply", Duration::ZERO).unwrap();
        let (s2, l2) = (state.clone(), lp.clone());
        let waiter = std::thread::spawn(move || acquire(&s2, &l2, "plan", Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(150));
        drop(g);
        let g2 = waiter.join().unwrap().unwrap();
        assert_eq!(read_info(&lp).unwrap().id, g2.info().id);
    }
}
