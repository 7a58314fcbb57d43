//! Manual snapshots of an `aws_db_instance` (CreateDBSnapshot), taken before a migration
//! block's pending migrations run (`snapshot_before`).
//!
//! The snapshot is usable once its status is `available`; the wait fails at once when it
//! turns `failed` (or disappears after having been seen). An instance that is busy (backing
//! up, modifying) refuses a snapshot with `InvalidDBInstanceState`: the request is retried
//! until the time limit.
//!
//! The requested identifier is used when free; when a snapshot already has it (a second run
//! within the same second), a numbered suffix (`-2`, `-3`, ...) makes it unique, so a run
//! never mistakes an older snapshot for its own. A create that still finds its identifier
//! taken (the SDK retried a request whose first reply was lost) accepts the existing snapshot
//! only when it is of the same instance and carries the same tags; otherwise it fails.

use super::common::*;
use crate::provider::aws::common::{poll, retry_codes, Tags};
use crate::provider::aws::AwsClients;
use crate::provider::{ProviderError, SnapshotRequest};
use aws_sdk_rds::types::DbSnapshot;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Codes of an instance that cannot be snapshotted right now but will be.
const BUSY_CODES: &[&str] = &["InvalidDBInstanceState", "InvalidDBInstanceStateFault"];

/// Codes of a snapshot identifier that is taken.
const EXISTS_CODES: &[&str] = &["DBSnapshotAlreadyExists", "DBSnapshotAlreadyExistsFault"];

/// Snapshot states from which `available` is not reached.
const FAILED_STATES: &[&str] = &["failed", "deleting", "deleted"];

/// The longest snapshot identifier.
const MAX_ID_LEN: usize = 255;

/// How many numbered suffixes to try for a taken identifier.
const MAX_SUFFIX: usize = 20;

/// Snapshots `req.id` as `req.snapshot_id` (suffixed when taken) and waits until the snapshot
/// is available; returns the snapshot identifier.
pub(super) async fn create(
    c: &AwsClients,
    req: &SnapshotRequest<'_>,
) -> Result<String, ProviderError> {
    let start = Instant::now();
    let snapshot_id = free_identifier(c, req.snapshot_id).await?;
    let req = &SnapshotRequest {
        snapshot_id: &snapshot_id,
        ..req.clone()
    };
    let created = retry_codes(req.timeout, BUSY_CODES, || async {
        c.rds
            .create_db_snapshot()
            .db_instance_identifier(req.id)
            .db_snapshot_identifier(req.snapshot_id)
            .set_tags(Some(rds_tags(req.tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(err)
    })
    .await;
    match created {
        Ok(()) => {}
        Err(e) if has_code(&e, EXISTS_CODES) => adopt(c, req, e).await?,
        Err(e) => return Err(e),
    }
    let what = format!("DB snapshot {} to become available", req.snapshot_id);
    let seen = AtomicBool::new(false);
    poll(remaining(start, req.timeout), &what, || {
        let seen = &seen;
        async move {
            // Missing right after the create: not visible yet.
            let Some(s) = describe(c, req.snapshot_id).await? else {
                if seen.load(Ordering::Relaxed) {
                    return Err(ProviderError::Other(format!(
                        "DB snapshot {} of {} disappeared before it became available",
                        req.snapshot_id, req.id
                    )));
                }
                return Ok(None);
            };
            seen.store(true, Ordering::Relaxed);
            let status = s.status().unwrap_or_default();
            if FAILED_STATES.contains(&status) {
                return Err(ProviderError::Other(format!(
                    "DB snapshot {} of {} is {status:?}",
                    req.snapshot_id, req.id
                )));
            }
            Ok((status == "available").then(|| {
                s.db_snapshot_identifier()
                    .unwrap_or(req.snapshot_id)
                    .to_string()
            }))
        }
    })
    .await
}

/// `base`, or `base` with the first numbered suffix no snapshot has.
async fn free_identifier(c: &AwsClients, base: &str) -> Result<String, ProviderError> {
    for n in 1..=MAX_SUFFIX {
        let candidate = suffixed(base, n);
        if describe(c, &candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Err(ProviderError::Api {
        code: "DBSnapshotAlreadyExists".to_string(),
        message: format!("DB snapshot {base} and its numbered variants up to -{MAX_SUFFIX} exist"),
    })
}

/// `base` for `n` = 1, else `base-n`, shortened to stay within [`MAX_ID_LEN`] (no hyphen
/// before the suffix doubled).
fn suffixed(base: &str, n: usize) -> String {
    if n == 1 {
        return base.to_string();
    }
    let suffix = format!("-{n}");
    let mut head = base.to_string();
    head.truncate(MAX_ID_LEN.saturating_sub(suffix.len()));
    format!("{}{suffix}", head.trim_end_matches('-'))
}

/// The snapshot `id`, or `None` when it does not exist.
async fn describe(c: &AwsClients, id: &str) -> Result<Option<DbSnapshot>, ProviderError> {
    let out = c
        .rds
        .describe_db_snapshots()
        .db_snapshot_identifier(id)
        .send()
        .await
        .map_err(err);
    Ok(found(out)?.and_then(|o| o.db_snapshots().first().cloned()))
}

/// Accepts an existing snapshot named `req.snapshot_id` as this request's own when it is of
/// the same instance and carries the requested tags; else fails with `exists`.
async fn adopt(
    c: &AwsClients,
    req: &SnapshotRequest<'_>,
    exists: ProviderError,
) -> Result<(), ProviderError> {
    let Some(s) = describe(c, req.snapshot_id).await? else {
        return Err(exists);
    };
    let same_instance = s
        .db_instance_identifier()
        .is_some_and(|i| i.eq_ignore_ascii_case(req.id));
    let tags: Tags = match s.db_snapshot_arn() {
        Some(arn) if s.tag_list().is_empty() => list_tags(&c.rds, arn).await?,
        _ => tags_of(s.tag_list()),
    };
    let same_tags = req.tags.iter().all(|(k, v)| tags.get(k) == Some(v));
    if same_instance && same_tags {
        Ok(())
    } else {
        Err(exists)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_stay_valid() {
        assert_eq!(
            suffixed("db-terrace-s-20250101000000", 1),
            "db-terrace-s-20250101000000"
        );
        assert_eq!(
            suffixed("db-terrace-s-20250101000000", 2),
            "db-terrace-s-20250101000000-2"
        );
        let long = format!("a{}", "-b".repeat(127));
        assert_eq!(long.len(), MAX_ID_LEN);
        let s = suffixed(&long, 12);
        assert!(s.len() <= MAX_ID_LEN, "{}", s.len());
        assert!(s.ends_with("b-12") && !s.contains("--"), "{s}");
    }
}
