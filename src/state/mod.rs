//! Saved state: what Terrace created, with its cloud ids and attributes.
//!
//! Invariants:
//! - `resources` is sorted by address and holds each address at most once;
//! - `serial` increases by one on every write of a state with the same `lineage`;
//! - attribute values are stored in clear (like Terraform), and `sensitive_attributes` lists
//!   the paths whose values must be masked in every output.

mod backend;
mod backend_record;
mod display;
mod edit;
mod error;
mod journal;
mod local;
mod lock;
mod s3;
mod s3_journal;
mod s3_lock;
mod store;
mod time;
mod value_json;

pub use backend::{
    backend_spec, open_backend, root_backend, s3_setting_names, select_backend, select_from,
    BackendSpec, LOCAL_ATTRIBUTES,
};
pub use backend_record::{
    config_hash, parse_backend_config, record_path, BackendRecord, Settings as BackendSettings,
};
pub use display::{
    render_output_value, render_resource, render_value, SENSITIVE_ATTRIBUTE, SENSITIVE_OUTPUT,
};
pub use edit::{move_objects, remove_matching, select_objects, AddrPattern};
pub use error::StateError;
pub use journal::{
    read_journal, Journal, JournalContent, JournalEntry, JournalHeader, JOURNAL_VERSION,
};
pub use local::{check_workspace_name, parse_state, LocalBackend, BACKUPS_KEPT, DEFAULT_WORKSPACE};
pub use lock::{ci_job_url, LocalLockGuard, LockInfo};
pub use s3::{S3Backend, S3Settings};
pub use s3_lock::S3LockGuard;
pub use store::{Backend, LockGuard};
pub use time::{now_rfc3339, rfc3339_utc};
pub use value_json::{paths_to_value_marks, value_to_state_json};

use crate::addr::{Mode, ResourceInstanceAddr};
use crate::eval::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The state format version this build reads and writes.
pub const STATE_VERSION: u32 = 1;

/// The whole state of one workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub terrace_version: String,
    /// Random id fixed when the state is first created; never changes afterwards.
    pub lineage: String,
    /// Incremented on every write.
    pub serial: u64,
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// History records written by the migration stage.
    #[serde(default)]
    pub migrations: Vec<MigrationRecord>,
}

/// One resource instance in state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    #[serde(with = "addr_string")]
    pub address: ResourceInstanceAddr,
    /// `managed` or `data`.
    pub mode: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// The cloud's id for the object (e.g. `vpc-0abc`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// Attribute values as JSON (an object).
    pub attributes: serde_json::Value,
    /// Paths of sensitive values inside `attributes`, e.g. `[["password"]]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<Vec<String>>,
    /// Addresses this instance depended on when it was last applied (for delete order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// The object may be only partly created; the next plan replaces it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tainted: bool,
}

impl ResourceState {
    /// The attributes as a value, with sensitive paths marked.
    pub fn value(&self) -> Value {
        paths_to_value_marks(
            Value::from_json(&self.attributes),
            &self.sensitive_attributes,
        )
    }

    pub fn is_managed(&self) -> bool {
        self.address.resource.mode == Mode::Managed
    }
}

/// A root module output as last applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

/// One migration history record, mirrored from the database's `terrace_schema_history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationRecord {
    /// Address of the migration block, e.g. `module.database.migration.schema`.
    pub migration: String,
    /// Version for versioned migrations; `None` for repeatable ones.
    #[serde(default)]
    pub version: Option<String>,
    pub description: String,
    /// `versioned`, `undo` or `repeatable`.
    pub kind: String,
    pub checksum: String,
    pub applied_at: String,
    pub applied_by: String,
    #[serde(default)]
    pub git_commit: Option<String>,
    pub execution_ms: u64,
    pub success: bool,
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new() -> State {
        State {
            version: STATE_VERSION,
            terrace_version: env!("CARGO_PKG_VERSION").to_string(),
            lineage: new_lineage(),
            serial: 0,
            resources: Vec::new(),
            outputs: BTreeMap::new(),
            migrations: Vec::new(),
        }
    }

    /// The resource at `addr`.
    pub fn get(&self, addr: &ResourceInstanceAddr) -> Option<&ResourceState> {
        self.resources
            .binary_search_by(|r| r.address.cmp(addr))
            .ok()
            .map(|i| &self.resources[i])
    }

    /// Inserts or replaces the resource with the same address, keeping the order.
    pub fn upsert(&mut self, r: ResourceState) {
        match self
            .resources
            .binary_search_by(|x| x.address.cmp(&r.address))
        {
            Ok(i) => self.resources[i] = r,
            Err(i) => self.resources.insert(i, r),
        }
    }

    /// Removes the resource at `addr`, returning it.
    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<ResourceState> {
        let i = self
            .resources
            .binary_search_by(|r| r.address.cmp(addr))
            .ok()?;
        Some(self.resources.remove(i))
    }

    /// Restores the sort order (after deserialising a hand-edited file).
    pub fn normalize(&mut self) {
        self.resources.sort_by(|a, b| a.address.cmp(&b.address));
        self.resources.dedup_by(|a, b| a.address == b.address);
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

/// A random UUID-shaped id (version 4 layout).
pub fn new_lineage() -> String {
    let mut b = [0u8; 16];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .is_ok();
    if !ok {
        // Fall back to time and pid; uniqueness, not secrecy, is what matters here.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mix = t ^ (u128::from(std::process::id()) << 64);
        b = mix.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

mod addr_string {
    use crate::addr::ResourceInstanceAddr;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(a: &ResourceInstanceAddr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ResourceInstanceAddr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
