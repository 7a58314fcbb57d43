//! The S3 backend: the state as one S3 object, written only conditionally on the version
//! this process read, with a `<key>.tflock` lock object beside it (see [`super::s3_lock`]).
//!
//! Invariants:
//! - every write of the state object carries `If-Match: <ETag read>` (or `If-None-Match: *`
//!   when there was no object), so a write never replaces a version this process has not
//!   read; a refused write is [`StateError::RemoteChanged`] naming both serials;
//! - a write that would not change the content (apart from the serial) sends nothing;
//! - the serial grows by one per write that changes the content;
//! - the SDK runs on a runtime owned by the backend, so every method is synchronous and may
//!   be called from any thread, inside another tokio runtime or not.

use super::error::StateError;
use super::local::{check_workspace_name, parse_state, DEFAULT_WORKSPACE};
use super::{State, STATE_VERSION};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Settings of the `s3` backend Terrace acts on. Settings that only tune validation or
/// retries (`skip_*`, `max_retries`, `retry_mode`) are accepted and ignored; every other
/// Terraform setting is refused with [`StateError::UnsupportedBackend`] rather than ignored.
const HONOURED: &[&str] = &[
    "access_key",
    "bucket",
    "encrypt",
    "endpoint",
    "endpoints",
    "force_path_style",
    "key",
    "kms_key_id",
    "max_retries",
    "profile",
    "region",
    "retry_mode",
    "secret_key",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
    "skip_s3_checksum",
    "token",
    "use_lockfile",
    "use_path_style",
    "workspace_key_prefix",
];

/// The typed settings of one S3 backend (after `-backend-config` overrides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    pub key: String,
    pub region: Option<String>,
    /// Non-default workspaces live at `<prefix>/<workspace>/<key>`; default `env:`.
    pub workspace_key_prefix: String,
    pub use_lockfile: bool,
    pub use_path_style: bool,
    pub endpoint: Option<String>,
    pub encrypt: bool,
    pub kms_key_id: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub max_retries: Option<u32>,
}

fn str_setting(m: &BTreeMap<String, Value>, k: &str) -> Option<String> {
    m.get(k)
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn bool_setting(m: &BTreeMap<String, Value>, k: &str) -> bool {
    m.get(k).and_then(Value::as_bool).unwrap_or(false)
}

impl S3Settings {
    /// Reads the settings from their JSON form (see `backend_record`), refusing settings
    /// Terrace does not implement and missing required ones.
    pub fn from_map(m: &BTreeMap<String, Value>) -> Result<S3Settings, StateError> {
        let unsupported = |reason: String| StateError::UnsupportedBackend {
            kind: "s3".into(),
            reason,
        };
        if let Some(k) = m.keys().find(|k| !HONOURED.contains(&k.as_str())) {
            return Err(unsupported(format!(
                "Terrace does not implement the s3 backend setting {k:?} (locking uses use_lockfile = true; credentials come from profile, access_key/secret_key or the environment)"
            )));
        }
        let required = |k: &str| {
            str_setting(m, k).ok_or_else(|| StateError::InvalidBackendSetting {
                setting: k.to_string(),
                reason: format!(
                    "the s3 backend needs {k:?}: set it in the backend block or pass -backend-config={k}=VALUE to terrace init"
                ),
            })
        };
        let key = required("key")?;
        if key.starts_with('/') || key.ends_with('/') {
            return Err(StateError::InvalidBackendSetting {
                setting: "key".into(),
                reason: "the key must not start or end with \"/\"".into(),
            });
        }
        let endpoint = m
            .get("endpoints")
            .and_then(|e| e.get("s3"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| str_setting(m, "endpoint"))
            .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
            .filter(|s| !s.is_empty());
        Ok(S3Settings {
            bucket: required("bucket")?,
            key,
            region: str_setting(m, "region"),
            workspace_key_prefix: m
                .get("workspace_key_prefix")
                .and_then(Value::as_str)
                .unwrap_or("env:")
                .to_string(),
            use_lockfile: bool_setting(m, "use_lockfile"),
            use_path_style: bool_setting(m, "use_path_style")
                || bool_setting(m, "force_path_style"),
            endpoint,
            encrypt: bool_setting(m, "encrypt"),
            kms_key_id: str_setting(m, "kms_key_id"),
            profile: str_setting(m, "profile"),
            access_key: str_setting(m, "access_key"),
            secret_key: str_setting(m, "secret_key"),
            token: str_setting(m, "token"),
            max_retries: m
                .get("max_retries")
                .and_then(Value::as_u64)
                .map(|n| n.min(100) as u32),
        })
    }

    /// The object key of `workspace`'s state.
    pub fn state_key(&self, workspace: &str) -> String {
        if workspace == DEFAULT_WORKSPACE {
            self.key.clone()
        } else {
            format!("{}/{workspace}/{}", self.workspace_key_prefix, self.key)
        }
    }
}

/// A tokio runtime shut down without blocking when dropped, so the backend may be dropped
/// inside another runtime.
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// What this process last saw of the state object.
#[derive(Debug, Clone, Default)]
pub(crate) enum Seen {
    /// Not read yet.
    #[default]
    Unread,
    /// Read: there was no object.
    Absent,
    /// Read or written: the object had this ETag and content.
    Present { etag: String, state: Box<State> },
}

/// Requests and bytes sent to S3 by one backend (retries not counted).
#[derive(Debug, Default)]
pub struct S3Traffic {
    pub requests: AtomicU64,
    pub bytes_written: AtomicU64,
    pub bytes_read: AtomicU64,
}

/// The state of one workspace in an S3 bucket. Clones share the client, the runtime, what
/// was last seen of the object and the traffic counters.
#[derive(Clone)]
pub struct S3Backend {
    pub(crate) settings: Arc<S3Settings>,
    pub(crate) client: aws_sdk_s3::Client,
    runtime: Arc<OwnedRuntime>,
    pub(crate) state_key: String,
    /// `s3://bucket/key`, for messages.
    pub(crate) location: PathBuf,
    seen: Arc<Mutex<Seen>>,
    pub(crate) traffic: Arc<S3Traffic>,
    /// Set while this process holds the state lock (or locking is off): only then does a
    /// load fold a left-over journal into the stored state.
    pub(crate) holds_lock: Arc<AtomicBool>,
}

impl std::fmt::Debug for S3Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Backend")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// An S3 error's code (`NoSuchKey`, `PreconditionFailed`), or `HTTP <status>` when the
/// response had no code (HEAD requests), or empty when there was no response.
pub(crate) fn error_code<E: ProvideErrorMetadata>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> String {
    if let Some(c) = e.code() {
        return c.to_string();
    }
    e.raw_response()
        .map(|r| format!("HTTP {}", r.status().as_u16()))
        .unwrap_or_default()
}

/// A readable message for an SDK error.
pub(crate) fn error_text<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> String {
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => error_chain(e),
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

impl S3Backend {
    /// A backend for `workspace` with `settings`; builds the SDK client (no request is sent).
    pub fn open(settings: S3Settings, workspace: &str) -> Result<S3Backend, StateError> {
        check_workspace_name(workspace)?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| StateError::io("s3 backend runtime", e))?;
        let runtime = Arc::new(OwnedRuntime(Some(rt)));
        let s = settings.clone();
        let client = run_on(&runtime, async move { build_client(&s).await })?;
        let state_key = settings.state_key(workspace);
        Ok(S3Backend {
            location: PathBuf::from(format!("s3://{}/{state_key}", settings.bucket)),
            settings: Arc::new(settings),
            client,
            runtime,
            state_key,
            seen: Arc::new(Mutex::new(Seen::Unread)),
            traffic: Arc::new(S3Traffic::default()),
            holds_lock: Arc::new(AtomicBool::new(false)),
        })
    }

    /// `s3://bucket/key` of the state object.
    pub fn path(&self) -> &Path {
        &self.location
    }

    pub fn settings(&self) -> &S3Settings {
        &self.settings
    }

    /// Requests sent and bytes written and read so far by this backend and its clones.
    pub fn traffic(&self) -> (u64, u64, u64) {
        (
            self.traffic.requests.load(Ordering::Relaxed),
            self.traffic.bytes_written.load(Ordering::Relaxed),
            self.traffic.bytes_read.load(Ordering::Relaxed),
        )
    }

    /// Runs `fut` on the backend's runtime and waits for it.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, StateError> {
        self.traffic.requests.fetch_add(1, Ordering::Relaxed);
        run_on(&self.runtime, fut)
    }

    pub(crate) fn remote_error(&self, operation: &str, reason: String) -> StateError {
        StateError::Remote {
            location: self.location.display().to_string(),
            operation: operation.to_string(),
            reason,
        }
    }

    /// Checks the bucket exists and the credentials may list the state's prefix.
    pub fn check_access(&self) -> Result<(), StateError> {
        let (c, bucket) = (self.client.clone(), self.settings.bucket.clone());
        let r = self.run(async move { c.head_bucket().bucket(bucket).send().await })?;
        if let Err(e) = r {
            let status = e.raw_response().map(|r| r.status().as_u16());
            let reason = match status {
                Some(404) => format!(
                    "the bucket {:?} does not exist (or is in another account); create it first, e.g. aws s3 mb s3://{}",
                    self.settings.bucket, self.settings.bucket
                ),
                Some(403) => format!(
                    "access to the bucket {:?} is denied: the credentials need s3:ListBucket on it and s3:GetObject, s3:PutObject and s3:DeleteObject on its keys",
                    self.settings.bucket
                ),
                _ => error_text(&e),
            };
            return Err(self.remote_error("HeadBucket", reason));
        }
        let (c, bucket, prefix) = (
            self.client.clone(),
            self.settings.bucket.clone(),
            self.state_key.clone(),
        );
        let r = self.run(async move {
            c.list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .max_keys(1)
                .send()
                .await
        })?;
        r.map(|_| ())
            .map_err(|e| self.remote_error("ListObjectsV2", error_text(&e)))
    }

    /// Reads an object: `Ok(None)` when it does not exist, else its ETag and bytes.
    pub(crate) fn get(&self, key: &str) -> Result<Option<(String, Vec<u8>)>, StateError> {
        let (c, bucket, key) = (
            self.client.clone(),
            self.settings.bucket.clone(),
            key.to_string(),
        );
        let r = self.run(async move {
            match c.get_object().bucket(bucket).key(key).send().await {
                Ok(out) => {
                    let etag = out.e_tag().unwrap_or_default().to_string();
                    match out.body.collect().await {
                        Ok(b) => Ok(Some((etag, b.into_bytes().to_vec()))),
                        Err(e) => Err(format!("reading the object failed: {e}")),
                    }
                }
                Err(e) if error_code(&e) == "NoSuchKey" => Ok(None),
                Err(e) => Err(error_text(&e)),
            }
        })?;
        let got = r.map_err(|reason| self.remote_error("GetObject", reason))?;
        if let Some((_, b)) = &got {
            self.traffic
                .bytes_read
                .fetch_add(b.len() as u64, Ordering::Relaxed);
        }
        Ok(got)
    }

    /// Reads and parses the state object without remembering its version.
    fn fetch(&self) -> Result<Option<(String, State)>, StateError> {
        match self.get(&self.state_key)? {
            None => Ok(None),
            Some((etag, bytes)) => Ok(Some((etag, parse_state(&self.location, &bytes)?))),
        }
    }

    /// Loads the state (`Ok(None)` when there is none) and remembers its version: the next
    /// [`write`](Self::write) succeeds only if nobody wrote the object in between. A journal
    /// left by an interrupted apply is folded in; while this process holds the lock, the
    /// folded state is written and the journal deleted.
    pub fn load(&self) -> Result<Option<State>, StateError> {
        let persist = self.holds_lock.load(Ordering::SeqCst);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let got = self.fetch()?;
            let seen = match &got {
                None => Seen::Absent,
                Some((etag, s)) => Seen::Present {
                    etag: etag.clone(),
                    state: Box::new(s.clone()),
                },
            };
            *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = seen;
            match self.with_journal(got.map(|(_, s)| s), persist, attempt)? {
                Some(r) => return Ok(r),
                None => continue,
            }
        }
    }

    /// The current state, a left-over journal folded in, without writing anything or
    /// remembering its version (for read-only commands).
    pub fn load_snapshot(&self) -> Result<Option<State>, StateError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let base = self.fetch()?.map(|(_, s)| s);
            if let Some(r) = self.with_journal(base, false, attempt)? {
                return Ok(r);
            }
        }
    }

    /// `base` with the journal segments beside it folded in; `None` to read again (a run in
    /// progress wrote a newer state between the two reads). With `persist`, the folded
    /// state is written and the segments deleted.
    fn with_journal(
        &self,
        base: Option<State>,
        persist: bool,
        attempt: u32,
    ) -> Result<Option<Option<State>>, StateError> {
        let listed = self.list_segments()?;
        if listed.is_empty() {
            return Ok(Some(base));
        }
        let serial = base.as_ref().map(|s| s.serial);
        let segments = match Self::classify(listed, serial) {
            Ok(s) => s,
            Err(_) if !persist && attempt < 5 => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                return Ok(None);
            }
            Err(newer) => {
                return Err(StateError::Corrupt {
                    path: PathBuf::from(format!(
                        "s3://{}/{}",
                        self.settings.bucket,
                        self.journal_prefix()
                    )),
                    reason: format!(
                        "the journal extends serial {newer} but {} has serial {}",
                        self.location.display(),
                        serial.map_or("none".to_string(), |s| s.to_string())
                    ),
                })
            }
        };
        let mut folded = self.fold_segments(base, &segments.current)?;
        if persist {
            let mut done: Vec<String> = segments.stale.iter().map(|k| k.key.clone()).collect();
            if let (Some(s), false) = (folded.as_mut(), segments.current.is_empty()) {
                self.write(s)?;
                tracing::info!(
                    entries = segments.current.len(),
                    serial = s.serial,
                    "folded an interrupted apply's S3 journal into the state"
                );
                done.extend(segments.current.iter().map(|k| k.key.clone()));
            }
            if let Err(e) = self.delete_keys(&done) {
                tracing::warn!("could not delete folded journal segments: {e}");
            }
        }
        Ok(Some(folded))
    }

    /// Writes `state` when its content differs from the version last read, conditionally on
    /// that version, and sets `state.serial` to the serial written (or found). Refuses a
    /// state of another lineage or older than the version read.
    pub fn write(&self, state: &mut State) -> Result<(), StateError> {
        let seen = {
            let s = self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
            s
        };
        let seen = match seen {
            Seen::Unread => {
                self.load()?;
                self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
            }
            s => s,
        };
        let (etag, read_serial) = match &seen {
            Seen::Present { etag, state: d } => {
                if d.lineage != state.lineage {
                    return Err(StateError::LineageMismatch {
                        path: self.location.clone(),
                        ours: state.lineage.clone(),
                        on_disk: d.lineage.clone(),
                    });
                }
                if d.serial > state.serial {
                    return Err(StateError::Stale {
                        path: self.location.clone(),
                        ours: state.serial,
                        on_disk: d.serial,
                    });
                }
                if super::local::same_content(d, state) {
                    state.serial = d.serial;
                    return Ok(());
                }
                (Some(etag.clone()), Some(d.serial))
            }
            _ => (None, None),
        };
        let mut next = state.clone();
        next.normalize();
        next.version = STATE_VERSION;
        next.terrace_version = env!("CARGO_PKG_VERSION").to_string();
        next.serial = state.serial + 1;
        let new_etag = self.put_state(&next, etag.as_deref(), read_serial)?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Seen::Present {
            etag: new_etag,
            state: Box::new(next.clone()),
        };
        *state = next;
        Ok(())
    }

    /// Writes `state` as it is (lineage and serial kept) over whatever version was last
    /// read: for `init -migrate-state`.
    pub fn replace(&self, state: &State) -> Result<(), StateError> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let (etag, read_serial) = match &seen {
            Seen::Present { etag, state } => (Some(etag.clone()), Some(state.serial)),
            Seen::Absent => (None, None),
            Seen::Unread => {
                self.load()?;
                return self.replace(state);
            }
        };
        let new_etag = self.put_state(state, etag.as_deref(), read_serial)?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Seen::Present {
            etag: new_etag,
            state: Box::new(state.clone()),
        };
        Ok(())
    }

    /// PutObject of the state, conditional on `etag` (`None`: on there being no object).
    /// Returns the new ETag.
    fn put_state(
        &self,
        next: &State,
        etag: Option<&str>,
        read_serial: Option<u64>,
    ) -> Result<String, StateError> {
        let mut bytes = serde_json::to_vec_pretty(next).map_err(|e| StateError::Corrupt {
            path: self.location.clone(),
            reason: format!("cannot encode state: {e}"),
        })?;
        bytes.push(b'\n');
        self.traffic
            .bytes_written
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let mut req = self
            .client
            .put_object()
            .bucket(&self.settings.bucket)
            .key(&self.state_key)
            .content_type("application/json")
            .body(ByteStream::from(bytes));
        req = match etag {
            Some(t) => req.if_match(t),
            None => req.if_none_match("*"),
        };
        req = self.encrypted(req);
        let r = self.run(async move {
            match req.send().await {
                Ok(out) => Ok(out.e_tag().unwrap_or_default().to_string()),
                Err(e) => Err((error_code(&e), error_text(&e))),
            }
        })?;
        match r {
            Ok(t) => Ok(t),
            Err((code, _))
                if code == "PreconditionFailed" || code == "ConditionalRequestConflict" =>
            {
                let current = self.fetch().ok().flatten().map(|(_, s)| s.serial);
                Err(StateError::RemoteChanged {
                    location: self.location.display().to_string(),
                    read_serial,
                    current_serial: current,
                })
            }
            Err((_, text)) => Err(self.remote_error("PutObject", text)),
        }
    }

    /// `req` with server-side encryption when `encrypt = true` (SSE-KMS with `kms_key_id`,
    /// else AES256).
    pub(crate) fn encrypted(&self, req: PutObjectFluentBuilder) -> PutObjectFluentBuilder {
        if !self.settings.encrypt {
            return req;
        }
        match &self.settings.kms_key_id {
            Some(k) => req
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(k),
            None => req.server_side_encryption(ServerSideEncryption::Aes256),
        }
    }

    /// Deletes an object (no error when it is already gone).
    pub(crate) fn delete(&self, key: &str) -> Result<(), StateError> {
        let (c, bucket, key) = (
            self.client.clone(),
            self.settings.bucket.clone(),
            key.to_string(),
        );
        let r = self.run(async move { c.delete_object().bucket(bucket).key(key).send().await })?;
        r.map(|_| ())
            .map_err(|e| self.remote_error("DeleteObject", error_text(&e)))
    }

    /// Every key under `prefix` (all pages of ListObjectsV2).
    pub(crate) fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StateError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (c, bucket, p, t) = (
                self.client.clone(),
                self.settings.bucket.clone(),
                prefix.to_string(),
                token.clone(),
            );
            let r = self.run(async move {
                c.list_objects_v2()
                    .bucket(bucket)
                    .prefix(p)
                    .set_continuation_token(t)
                    .send()
                    .await
            })?;
            let out = r.map_err(|e| self.remote_error("ListObjectsV2", error_text(&e)))?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => return Ok(keys),
            }
        }
    }

    /// The workspaces with a state object: `default` always, then every `<prefix>/<ws>/<key>`.
    pub fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let prefix = format!("{}/", self.settings.workspace_key_prefix);
        let keys = self.list_keys(&prefix)?;
        let suffix = format!("/{}", self.settings.key);
        let mut names = vec![DEFAULT_WORKSPACE.to_string()];
        for k in keys {
            if let Some(ws) = k
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(&suffix))
            {
                if !ws.contains('/') && ws != DEFAULT_WORKSPACE {
                    names.push(ws.to_string());
                }
            }
        }
        names[1..].sort();
        names.dedup();
        Ok(names)
    }

    /// Deletes the state object of workspace `name` (not `default`).
    pub fn delete_workspace(&self, name: &str) -> Result<(), StateError> {
        check_workspace_name(name)?;
        if name == DEFAULT_WORKSPACE {
            return Err(StateError::InvalidWorkspace {
                name: name.to_string(),
            });
        }
        let journal = format!("{}.journal/", self.settings.state_key(name));
        if !self.list_keys(&journal)?.is_empty() {
            return Err(StateError::JournalActive {
                path: PathBuf::from(format!("s3://{}/{journal}", self.settings.bucket)),
            });
        }
        self.delete(&self.settings.state_key(name))
    }
}

/// Runs `fut` on `rt` and waits for it from any thread (also inside another runtime).
fn run_on<T: Send + 'static>(
    rt: &OwnedRuntime,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, StateError> {
    let Some(rt) = rt.0.as_ref() else {
        return Err(StateError::io(
            "s3 backend runtime",
            std::io::Error::other("the runtime is shut down"),
        ));
    };
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().map_err(|_| {
        StateError::io(
            "s3 backend runtime",
            std::io::Error::other("the S3 request task ended without an answer"),
        )
    })
}

async fn build_client(s: &S3Settings) -> aws_sdk_s3::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(r) = &s.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    if let (Some(a), Some(k)) = (&s.access_key, &s.secret_key) {
        loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
            a,
            k,
            s.token.clone(),
            None,
            "terrace-s3-backend",
        ));
    }
    let sdk = loader.load().await;
    let mut b = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(s.use_path_style);
    if let Some(e) = &s.endpoint {
        b = b.endpoint_url(e);
    }
    if let Some(n) = s.max_retries {
        b = b.retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(n + 1));
    }
    aws_sdk_s3::Client::from_conf(b.build())
}
