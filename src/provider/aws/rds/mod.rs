//! RDS resources: `aws_db_subnet_group`, `aws_db_parameter_group` and `aws_db_instance`,
//! one module per type, and the dispatch from a type name to its module; `snapshot` takes an
//! instance's manual snapshots (a migration block's `snapshot_before`).
//!
//! Free functions over [`AwsClients`] that the provider dispatches to by type name. Ids are
//! names (subnet and parameter groups) and identifiers (instances). Reads are batched:
//! `DescribeDBInstances` takes up to [`INSTANCE_IDS_PER_CALL`] identifiers in one
//! `db-instance-id` filter; subnet and parameter groups, which the API cannot filter, are
//! described by name for a single object and listed in pages otherwise. Their tags (and a
//! parameter group's parameters) need one call per object, made concurrently. Error mapping,
//! tags and the read helpers shared by the types are in `common`.

mod common;
pub(crate) mod instance;
mod parameter_group;
mod snapshot;
mod subnet_group;

pub(crate) use common::{err, tags_of};

use super::provider::unsupported;
use super::AwsClients;
use crate::eval::Value;
use crate::provider::{
    CreateRequest, DeleteRequest, ProviderError, SnapshotRequest, UpdateRequest,
};
use std::collections::BTreeMap;

/// The RDS resource types implemented here.
pub const RDS_TYPES: &[&str] = &[
    "aws_db_instance",
    "aws_db_parameter_group",
    "aws_db_subnet_group",
];

/// Identifiers per `DescribeDBInstances` call (values of one `db-instance-id` filter).
pub const INSTANCE_IDS_PER_CALL: usize = 100;

/// Creates an RDS object; returns its full value.
pub async fn create(c: &AwsClients, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    match req.addr.resource.type_name.as_str() {
        "aws_db_subnet_group" => subnet_group::create(c, req).await,
        "aws_db_parameter_group" => parameter_group::create(c, req).await,
        "aws_db_instance" => instance::create(c, req).await,
        t => Err(unsupported(t, "create")),
    }
}

/// Changes an RDS object in place; returns its new value.
pub async fn update(c: &AwsClients, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    match req.addr.resource.type_name.as_str() {
        "aws_db_subnet_group" => subnet_group::update(c, req).await,
        "aws_db_parameter_group" => parameter_group::update(c, req).await,
        "aws_db_instance" => instance::update(c, req).await,
        t => Err(unsupported(t, "update")),
    }
}

/// Deletes an RDS object; an object that is already gone is deleted.
pub async fn delete(c: &AwsClients, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    match req.type_name {
        "aws_db_subnet_group" => subnet_group::delete(c, req).await,
        "aws_db_parameter_group" => parameter_group::delete(c, req).await,
        "aws_db_instance" => instance::delete(c, req).await,
        t => Err(unsupported(t, "delete")),
    }
}

/// Reads objects of one type by id, batched; ids missing from the result are gone. `priors`
/// supply what the API never returns (`password`, `skip_final_snapshot`, ...).
pub async fn read(
    c: &AwsClients,
    type_name: &str,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    if priors.is_empty() {
        return Ok(BTreeMap::new());
    }
    match type_name {
        "aws_db_subnet_group" => subnet_group::read(c, priors).await,
        "aws_db_parameter_group" => parameter_group::read(c, priors).await,
        "aws_db_instance" => instance::read(c, priors).await,
        t => Err(unsupported(t, "read")),
    }
}

/// Snapshots an RDS database object and waits until the snapshot is available; returns the
/// snapshot identifier.
pub async fn snapshot(c: &AwsClients, req: &SnapshotRequest<'_>) -> Result<String, ProviderError> {
    match req.type_name {
        "aws_db_instance" => snapshot::create(c, req).await,
        t => Err(unsupported(t, "snapshot")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The provider runs these futures on any worker: they must be `Send`.
    #[allow(dead_code)]
    fn futures_are_send(
        c: &AwsClients,
        cr: &CreateRequest<'_>,
        ur: &UpdateRequest<'_>,
        dr: &DeleteRequest<'_>,
        sr: &SnapshotRequest<'_>,
        priors: &[(String, Value)],
    ) {
        fn is_send<T: Send>(_: T) {}
        is_send(create(c, cr));
        is_send(update(c, ur));
        is_send(delete(c, dr));
        is_send(read(c, "aws_db_instance", priors));
        is_send(snapshot(c, sr));
    }
}
