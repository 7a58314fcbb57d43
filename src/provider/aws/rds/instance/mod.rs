//! `aws_db_instance` (id = identifier): lookups, waits, delete and read here;
//! [`create`](create()) and [`update`](update()) in their own modules, the attributes in
//! [`attrs`].
//!
//! Waits end at `available` (or `storage-optimization`) with no requested modification
//! pending, and fail at once in a state that needs intervention ([`FAILED_STATES`]); they
//! are batched with every other instance waiter of the command. An instance renamed by an
//! update answers to either identifier until the rename is applied. Deleting refuses when
//! `deletion_protection` is on, and when neither a final snapshot nor skipping it is set up
//! (unless the instance is already `deleting`: then only the wait is left).

mod attrs;
mod create;
mod update;

pub(super) use create::create;
pub(super) use update::update;

use super::common::*;
use super::INSTANCE_IDS_PER_CALL;
use crate::eval::Value;
use crate::provider::aws::common::{
    finish_resource, get_bool, get_nonempty, poll, prior_ids, read_base, retry_codes, set_tags_read,
};
use crate::provider::aws::AwsClients;
use crate::provider::{DeleteRequest, ProviderError};
use attrs::instance_obj;
use aws_sdk_rds::types::{DbInstance, Filter};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The type name, for values and messages.
const INSTANCE: &str = "aws_db_instance";

/// Instance states from which `available` is not reached without intervention.
const FAILED_STATES: &[&str] = &[
    "failed",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "insufficient-capacity",
    "restore-error",
    "storage-full",
];

/// The instance `id`, or `None` when it does not exist.
async fn describe_instance(c: &AwsClients, id: &str) -> Result<Option<DbInstance>, ProviderError> {
    let out = c
        .rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(err);
    Ok(found(out)?.and_then(|o| o.db_instances().first().cloned()))
}

/// The instance `id` for a waiter: one DescribeDBInstances call (`db-instance-id` filter,
/// 100 per page) for every instance being waited on at that moment.
async fn instance_for_wait(c: &AwsClients, id: &str) -> Result<Option<DbInstance>, ProviderError> {
    let rds = c.rds.clone();
    let fetch: crate::provider::aws::coalescer::Fetch<DbInstance> =
        std::sync::Arc::new(move |ids: Vec<String>| {
            let rds = rds.clone();
            Box::pin(async move {
                let mut out = std::collections::HashMap::new();
                for page in ids.chunks(100) {
                    let filter = Filter::builder()
                        .name("db-instance-id")
                        .set_values(Some(page.to_vec()))
                        .build();
                    let dbs = rds
                        .describe_db_instances()
                        .filters(filter)
                        .into_paginator()
                        .items()
                        .send()
                        .collect::<Result<Vec<_>, _>>()
                        .await
                        .map_err(err)?;
                    for db in dbs {
                        if let Some(id) = db.db_instance_identifier() {
                            out.insert(id.to_string(), db.clone());
                        }
                    }
                }
                Ok(out)
            })
        });
    c.waits.db_instances.get(id, fetch).await
}

/// Whether a state is one an operation's wait ends at.
fn settled(status: &str) -> bool {
    matches!(status, "available" | "storage-optimization")
}

/// Polls until the instance is `available` (or `storage-optimization`), `pending` says no
/// requested modification is still waiting, or it reaches a failed state.
async fn wait_available(
    c: &AwsClients,
    ids: &[&str],
    timeout: Duration,
    pending: &(dyn Fn(&DbInstance) -> bool + Sync),
) -> Result<DbInstance, ProviderError> {
    let what = format!("{INSTANCE} {} to become available", ids[0]);
    poll(timeout, &what, || async {
        for id in ids {
            // Missing right after a create or rename: not visible yet.
            let Some(db) = instance_for_wait(c, id).await? else {
                continue;
            };
            let status = db.db_instance_status().unwrap_or_default();
            if FAILED_STATES.contains(&status) {
                return Err(ProviderError::Other(format!(
                    "{INSTANCE} {id} is in state {status:?}; it needs attention in the RDS \
                     console or API"
                )));
            }
            if settled(status) && !pending(&db) {
                return Ok(Some(db));
            }
            return Ok(None);
        }
        Ok(None)
    })
    .await
}

fn no_pending(_: &DbInstance) -> bool {
    false
}

/// A non-empty list as `Some`.
fn nonempty(v: Vec<String>) -> Option<Vec<String>> {
    (!v.is_empty()).then_some(v)
}

pub(super) async fn delete(c: &AwsClients, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let start_at = Instant::now();
    let prior = req.prior;
    let Some(db) = describe_instance(c, req.id).await? else {
        return Ok(());
    };
    // An earlier, interrupted delete: only the wait is left.
    let already_deleting = db.db_instance_status() == Some("deleting");
    if db.deletion_protection() == Some(true) {
        return Err(ProviderError::Api {
            code: "DeletionProtectionEnabled".to_string(),
            message: format!(
                "{}: cannot delete {INSTANCE} {:?} because deletion_protection is enabled; set \
                 deletion_protection = false and apply, then delete it",
                req.addr, req.id
            ),
        });
    }
    let skip = get_bool(prior, "skip_final_snapshot").unwrap_or(false);
    let final_snapshot = get_nonempty(prior, "final_snapshot_identifier");
    if !skip && final_snapshot.is_none() && !already_deleting {
        return Err(ProviderError::Api {
            code: "FinalSnapshotIdentifierRequired".to_string(),
            message: format!(
                "{}: cannot delete {INSTANCE} {:?} without a final snapshot: set \
                 final_snapshot_identifier, or skip_final_snapshot = true, and apply first",
                req.addr, req.id
            ),
        });
    }
    let delete_backups = get_bool(prior, "delete_automated_backups").unwrap_or(true);
    let deleted = if already_deleting {
        Ok(())
    } else {
        retry_codes(
            req.timeout,
            &["InvalidDBInstanceState", "InvalidDBInstanceStateFault"],
            || {
                let final_snapshot = final_snapshot.clone();
                async move {
                    c.rds
                        .delete_db_instance()
                        .db_instance_identifier(req.id)
                        .skip_final_snapshot(skip)
                        .set_final_db_snapshot_identifier(if skip { None } else { final_snapshot })
                        .delete_automated_backups(delete_backups)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(err)
                }
            },
        )
        .await
    };
    if found(deleted)?.is_none() {
        return Ok(());
    }
    let what = format!("{INSTANCE} {} to be deleted", req.id);
    poll(remaining(start_at, req.timeout), &what, || async {
        Ok(instance_for_wait(c, req.id).await?.is_none().then_some(()))
    })
    .await
}

pub(super) async fn read(
    c: &AwsClients,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let ids = prior_ids(priors);
    let mut found_by_id: BTreeMap<String, DbInstance> = BTreeMap::new();
    for page in ids.chunks(INSTANCE_IDS_PER_CALL) {
        let filter = Filter::builder()
            .name("db-instance-id")
            .set_values(Some(page.to_vec()))
            .build();
        let mut marker: Option<String> = None;
        loop {
            let out = c
                .rds
                .describe_db_instances()
                .filters(filter.clone())
                .max_records(PAGE_SIZE)
                .set_marker(marker)
                .send()
                .await
                .map_err(err);
            // Some endpoints answer a filter that matches nothing with DBInstanceNotFound.
            let Some(out) = found(out)? else {
                break;
            };
            for db in out.db_instances() {
                if let Some(id) = db.db_instance_identifier() {
                    found_by_id.insert(id.to_lowercase(), db.clone());
                }
            }
            match out.marker().filter(|m| !m.is_empty()) {
                Some(m) => marker = Some(m.to_string()),
                None => break,
            }
        }
    }
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(db) = found_by_id.get(&id.to_lowercase()) else {
            continue;
        };
        out.insert(id.clone(), read_value(Some(prior), db));
    }
    Ok(out)
}

/// The value [`read`] gives `db` over its prior value (see [`read_base`] for `None`).
pub(crate) fn read_value(prior: Option<&Value>, db: &DbInstance) -> Value {
    let tags = tags_of(db.tag_list());
    let base = read_base(prior, &tags);
    let mut m = instance_obj(db, &base);
    set_tags_read(&mut m, &base, &tags);
    finish_resource(INSTANCE, m)
}
