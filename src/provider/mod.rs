//! Providers create, read, update and delete cloud objects. The apply engine and refresh
//! talk to the [`Provider`] trait; `aws` implements it with the official AWS SDK.
//!
//! Values crossing this boundary are resource objects shaped by the type's schema
//! (`crate::schema`): every attribute present, computed ones filled in by the provider.

pub mod aws;
pub mod slot;

use crate::addr::ResourceInstanceAddr;
use crate::eval::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// Why a provider call failed. Callers match on the kind: `NotFound` during refresh means the
/// object is gone; `Throttled` has already been retried by the SDK's retry policy.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("{what} does not exist")]
    NotFound { what: String },
    #[error("{code}: {message}")]
    Api { code: String, message: String },
    #[error("request throttled by AWS after retries: {message}")]
    Throttled { message: String },
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout { what: String, after: Duration },
    #[error("Terrace cannot {operation} {type_name} objects yet")]
    Unsupported {
        type_name: String,
        operation: &'static str,
    },
    #[error("{0}")]
    Other(String),
}

/// What to create.
#[derive(Debug, Clone)]
pub struct CreateRequest<'a> {
    pub addr: &'a ResourceInstanceAddr,
    /// The planned value: configured attributes known; computed ones unknown.
    pub config: &'a Value,
    /// Tags every taggable object gets: provider default tags, the resource's tags and the
    /// ownership tags (`terrace:address`, `terrace:lineage`).
    pub tags: &'a BTreeMap<String, String>,
    /// An idempotency token for calls that accept one (derived from lineage, address and
    /// generation, so a retried create never makes a duplicate).
    pub client_token: &'a str,
    pub timeout: Duration,
}

/// What to change in place.
#[derive(Debug, Clone)]
pub struct UpdateRequest<'a> {
    pub addr: &'a ResourceInstanceAddr,
    pub id: &'a str,
    pub prior: &'a Value,
    pub config: &'a Value,
    /// Top-level attributes that differ between `prior` and `config`.
    pub changed: &'a [String],
    pub tags: &'a BTreeMap<String, String>,
    pub timeout: Duration,
}

/// What to delete.
#[derive(Debug, Clone)]
pub struct DeleteRequest<'a> {
    pub addr: &'a ResourceInstanceAddr,
    pub type_name: &'a str,
    pub id: &'a str,
    pub prior: &'a Value,
    pub timeout: Duration,
}

/// What to snapshot: a database object (`aws_db_instance`), before changes a backup should
/// precede (a migration block's `snapshot_before`).
#[derive(Debug, Clone)]
pub struct SnapshotRequest<'a> {
    /// The resource type of the object, e.g. `aws_db_instance`.
    pub type_name: &'a str,
    /// The object's id (an instance's identifier).
    pub id: &'a str,
    /// The identifier of the new snapshot (valid for the service).
    pub snapshot_id: &'a str,
    /// Tags the snapshot gets.
    pub tags: &'a BTreeMap<String, String>,
    /// How long to wait for the snapshot to be usable.
    pub timeout: Duration,
}

/// A cloud provider. Futures are `Send` so the apply engine can run them on any worker.
pub trait Provider: Send + Sync {
    /// Creates the object; returns its full value (including `id`).
    fn create(
        &self,
        req: CreateRequest<'_>,
    ) -> impl Future<Output = Result<Value, ProviderError>> + Send;

    /// Changes the object in place; returns its new value.
    fn update(
        &self,
        req: UpdateRequest<'_>,
    ) -> impl Future<Output = Result<Value, ProviderError>> + Send;

    /// Deletes the object. Deleting an object that is already gone succeeds.
    fn delete(
        &self,
        req: DeleteRequest<'_>,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// Reads objects of one type by id, batched: one Describe call per page of ids.
    /// Ids missing from the result are gone. `priors` supplies values for attributes the
    /// batched read does not return (kept as they were).
    fn read(
        &self,
        type_name: &str,
        priors: &[(String, Value)],
    ) -> impl Future<Output = Result<BTreeMap<String, Value>, ProviderError>> + Send;

    /// Objects of `type_name` tagged `terrace:lineage = lineage`, as (the `terrace:address`
    /// tag, id) pairs, leaving out objects that are being deleted or are gone. This is how an
    /// apply finds what an interrupted create left behind. Batched: one call per page. Types
    /// whose objects carry no tags find none (their creates adopt an identical existing
    /// object instead).
    fn find_owned(
        &self,
        type_name: &str,
        lineage: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, ProviderError>> + Send {
        let _ = (type_name, lineage);
        async { Ok(Vec::new()) }
    }

    /// Before an object left by an interrupted create is adopted (read, then updated to the
    /// configuration), does what `create` does that neither a read shows nor an update
    /// redoes: e.g. a new security group's rules are exactly the configured ones (the
    /// default allow-all egress revoked), although reads and updates leave rules that no
    /// block declares to separate rule resources.
    fn prepare_adoption(
        &self,
        req: CreateRequest<'_>,
        id: &str,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send {
        let _ = (req, id);
        async { Ok(()) }
    }

    /// Takes a snapshot of a database object and waits until it is usable; returns the
    /// snapshot's identifier. Types without snapshots (the default) answer `Unsupported`.
    fn snapshot_database(
        &self,
        req: SnapshotRequest<'_>,
    ) -> impl Future<Output = Result<String, ProviderError>> + Send {
        let e = ProviderError::Unsupported {
            type_name: req.type_name.to_string(),
            operation: "snapshot",
        };
        async move { Err(e) }
    }

    /// Every object of the supported types inside the VPCs `scope` names, managed or not:
    /// instances (not terminated), security groups (not the VPC's `default` group), subnets,
    /// route tables (not the VPC's main table), internet gateways attached to them, NAT
    /// gateways (not deleted), and DB instances in the named DB subnet groups. Batched: one
    /// paginated List/Describe per type, filtered by VPC server-side where the API allows.
    /// Each object's `value` has the shape `read` gives it. Read-only.
    fn inventory(
        &self,
        scope: InventoryScope<'_>,
    ) -> impl Future<Output = Result<Vec<CloudObject>, ProviderError>> + Send {
        let _ = scope;
        async { Ok(Vec::new()) }
    }

    /// API requests made through this provider so far, by operation name (e.g.
    /// `DescribeInstances`), retries included.
    fn api_calls(&self) -> BTreeMap<String, u64> {
        BTreeMap::new()
    }

    /// Reads a data source.
    fn read_data(
        &self,
        type_name: &str,
        config: &Value,
    ) -> impl Future<Output = Result<Value, ProviderError>> + Send;
}

/// Where [`Provider::inventory`] looks.
#[derive(Debug, Clone, Copy)]
pub struct InventoryScope<'a> {
    pub vpc_ids: &'a [String],
    /// DB subnet group names: DB instances in them are inside the scope.
    pub db_subnet_groups: &'a [String],
}

/// An object found by listing the cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudObject {
    /// The Terraform resource type, e.g. `aws_instance`.
    pub type_name: String,
    pub id: String,
    pub vpc_id: Option<String>,
    /// The object's tags as the cloud has them (ownership tags included).
    pub tags: BTreeMap<String, String>,
    /// Shaped like `Provider::read`'s values for the type (ownership tags stripped).
    pub value: Value,
}

/// Tag keys Terrace puts on every object it creates, to recognise its own objects.
pub const OWNERSHIP_TAG_PREFIX: &str = "terrace:";

/// Removes the ownership tags from `tags` and `tags_all`: they are Terrace's bookkeeping, not
/// configuration, and must not show up as differences.
pub fn strip_ownership_tags(v: Value) -> Value {
    let Value::Map(mut m) = v else { return v };
    for key in ["tags", "tags_all"] {
        if let Some(Value::Map(tags)) = m.get_mut(key) {
            tags.retain(|k, _| !k.starts_with(OWNERSHIP_TAG_PREFIX));
        }
    }
    Value::Map(m)
}
