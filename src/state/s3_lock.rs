//! The S3 state lock: the object `<state key>.tflock`, created with `If-None-Match: *` and
//! holding the holder's [`LockInfo`] as JSON (Terraform's `use_lockfile`).
//!
//! Invariants:
//! - a process holds the lock exactly while the lock object it created exists; creation is
//!   atomic on the S3 side, so at most one of several racing creators succeeds;
//! - release deletes the object only while it still holds this holder's id (a lock removed
//!   by `force-unlock` and taken by someone else is left alone);
//! - unlike the local OS lock, a lock object survives a killed run: it stays until
//!   `force-unlock ID` removes it.

use super::error::StateError;
use super::lock::LockInfo;
use super::s3::{error_code, error_text, S3Backend};
use aws_sdk_s3::primitives::ByteStream;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How often a waiting `lock` retries.
const POLL: Duration = Duration::from_millis(250);

/// A held S3 lock; released on drop. Without `use_lockfile` it holds nothing.
#[derive(Debug)]
pub struct S3LockGuard {
    backend: Option<S3Backend>,
    info: LockInfo,
}

impl S3LockGuard {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// Releases the lock now, reporting a failure to remove the lock object.
    pub fn release(mut self) -> Result<(), StateError> {
        match self.backend.take() {
            Some(b) => release(&b, &self.info.id),
            None => Ok(()),
        }
    }
}

impl Drop for S3LockGuard {
    fn drop(&mut self) {
        if let Some(b) = self.backend.take() {
            if let Err(e) = release(&b, &self.info.id) {
                tracing::warn!("could not release the state lock: {e}");
                eprintln!(
                    "Warning: the state lock {} could not be released ({e}); remove it with terrace force-unlock {}",
                    b.lock_key(),
                    self.info.id
                );
            }
        }
    }
}

impl S3Backend {
    /// `<state key>.tflock`.
    pub fn lock_key(&self) -> String {
        format!("{}.tflock", self.state_key)
    }

    fn lock_location(&self) -> PathBuf {
        PathBuf::from(format!("{}.tflock", self.location.display()))
    }

    /// Takes the lock for `operation`, polling until `timeout` has passed. Without
    /// `use_lockfile`, returns a guard that holds nothing (Terraform's behaviour).
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<S3LockGuard, StateError> {
        let info = LockInfo::current(&self.location, operation);
        if !self.settings.use_lockfile {
            // No locking configured: this run is taken to be the only writer.
            self.holds_lock.store(true, Ordering::SeqCst);
            return Ok(S3LockGuard {
                backend: None,
                info,
            });
        }
        let body = serde_json::to_vec_pretty(&info).unwrap_or_default();
        let start = Instant::now();
        loop {
            let req = self
                .client
                .put_object()
                .bucket(&self.settings.bucket)
                .key(self.lock_key())
                .content_type("application/json")
                .if_none_match("*")
                .body(ByteStream::from(body.clone()));
            let r = self.run(async move {
                match req.send().await {
                    Ok(_) => Ok(()),
                    Err(e) => Err((error_code(&e), error_text(&e))),
                }
            })?;
            match r {
                Ok(()) => {
                    self.holds_lock.store(true, Ordering::SeqCst);
                    return Ok(S3LockGuard {
                        backend: Some(self.clone()),
                        info,
                    });
                }
                Err((code, _))
                    if code == "PreconditionFailed" || code == "ConditionalRequestConflict" => {}
                Err((_, text)) => return Err(self.remote_error("PutObject (lock)", text)),
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Err(match self.lock_info() {
                    Some(holder) => StateError::Locked {
                        path: self.location.clone(),
                        holder: Box::new(holder),
                        waited,
                    },
                    None => StateError::LockTimeout {
                        path: self.location.clone(),
                        lock_path: self.lock_location(),
                        waited,
                    },
                });
            }
            std::thread::sleep(POLL.min(timeout - waited));
        }
    }

    /// The current holder's description, if any (it may be stale: left by a killed run).
    pub fn lock_info(&self) -> Option<LockInfo> {
        let (_, bytes) = self.get(&self.lock_key()).ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    /// Removes the lock with `id`, returning its description.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let not_locked = || StateError::NotLocked {
            path: self.location.clone(),
            lock_path: self.lock_location(),
        };
        let Some((_, bytes)) = self.get(&self.lock_key())? else {
            return Err(not_locked());
        };
        let holder: LockInfo = serde_json::from_slice(&bytes).map_err(|_| not_locked())?;
        if holder.id != id {
            return Err(StateError::LockIdMismatch {
                path: self.location.clone(),
                given: id.to_string(),
                holder: Box::new(holder),
            });
        }
        self.delete(&self.lock_key())?;
        Ok(holder)
    }
}

/// Deletes the lock object when it still holds `id`.
fn release(b: &S3Backend, id: &str) -> Result<(), StateError> {
    b.holds_lock.store(false, Ordering::SeqCst);
    let Some((_, bytes)) = b.get(&b.lock_key())? else {
        return Ok(());
    };
    let still_ours = serde_json::from_slice::<LockInfo>(&bytes).is_ok_and(|i| i.id == id);
    if still_ours {
        b.delete(&b.lock_key())?;
    }
    Ok(())
}
