//! What the RDS resource modules share: error mapping (RDS codes of missing objects and
//! throttling), tags (RDS has its own tag type and tags by ARN), ownership by tags, names of
//! new objects, and the read helpers (bounded concurrency, by-name-or-listing lookups).

use crate::eval::Value;
use crate::provider::aws::common::{get_nonempty, sdk, unique_name, Tags};
use crate::provider::ProviderError;
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_rds::types::Tag;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// `MaxRecords` of the describe calls (the API's maximum).
pub(super) const PAGE_SIZE: i32 = 100;

/// Per-object calls (tags, parameters) in flight at once during a read.
const READ_CONCURRENCY: usize = 8;

/// The ownership tags the apply engine puts on every object it creates.
const OWNERSHIP_TAGS: &[&str] = &["terrace:address", "terrace:lineage"];

/// Error codes meaning the object does not exist.
const NOT_FOUND_CODES: &[&str] = &[
    "DBInstanceNotFound",
    "DBInstanceNotFoundFault",
    "DBSubnetGroupNotFoundFault",
    "DBSubnetGroupNotFound",
    "DBParameterGroupNotFound",
    "DBParameterGroupNotFoundFault",
    "DBSnapshotNotFound",
    "DBSnapshotNotFoundFault",
];

/// Error codes of throttling beyond the ones the shared mapping knows.
const THROTTLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
];

/// Maps an RDS SDK error by its code: the shared mapping, plus the RDS codes of missing
/// objects that do not end in `NotFound` (`DBSubnetGroupNotFoundFault`) and RDS throttling.
pub(crate) fn err<E, R>(e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    rds_kind(sdk(e))
}

fn rds_kind(e: ProviderError) -> ProviderError {
    match e {
        ProviderError::Api { code, message } if NOT_FOUND_CODES.contains(&code.as_str()) => {
            ProviderError::NotFound {
                what: format!("{code}: {message}"),
            }
        }
        ProviderError::Api { code, message } if THROTTLE_CODES.contains(&code.as_str()) => {
            ProviderError::Throttled { message }
        }
        e => e,
    }
}

/// `Ok(None)` for a missing object.
pub(super) fn found<T>(r: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ProviderError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether an `Api` error has one of `codes`.
pub(super) fn has_code(e: &ProviderError, codes: &[&str]) -> bool {
    matches!(e, ProviderError::Api { code, .. } if codes.contains(&code.as_str()))
}

pub(super) fn rds_tags(t: &Tags) -> Vec<Tag> {
    t.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub(crate) fn tags_of(t: &[Tag]) -> Tags {
    t.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Whether an existing object carries the ownership tags of the object being created (an
/// earlier, interrupted attempt at the same create).
pub(super) fn owned(actual: &Tags, wanted: &Tags) -> bool {
    OWNERSHIP_TAGS
        .iter()
        .all(|k| wanted.get(*k).is_some() && actual.get(*k) == wanted.get(*k))
}

pub(super) async fn list_tags(c: &aws_sdk_rds::Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = c
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(err)?;
    Ok(tags_of(out.tag_list()))
}

/// Brings the tags of `arn` from `old` to `new` (no call when nothing changed).
pub(super) async fn sync_tags(
    c: &aws_sdk_rds::Client,
    arn: &str,
    old: &Tags,
    new: &Tags,
) -> Result<(), ProviderError> {
    let removed: Vec<String> = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set: Tags = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !removed.is_empty() {
        c.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(err)?;
    }
    if !set.is_empty() {
        c.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(rds_tags(&set)))
            .send()
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// The name of a new object: `name`, else `name_prefix` (or `terraform-`) followed by a
/// suffix derived from the client token, so a retried create asks for the same name.
pub(super) fn new_name(config: &Value, name: &str, prefix: &str, token: &str) -> String {
    get_nonempty(config, name).unwrap_or_else(|| {
        let p = get_nonempty(config, prefix).unwrap_or_else(|| "terraform-".to_string());
        unique_name(&p, token)
    })
}

/// Time left of `timeout` since `start`.
pub(super) fn remaining(start: Instant, timeout: Duration) -> Duration {
    timeout.saturating_sub(start.elapsed())
}

/// Runs `f` over `items` with at most [`READ_CONCURRENCY`] in flight; results in no
/// particular order; the first error wins.
pub(super) async fn concurrent<I, R, F, Fut>(items: Vec<I>, f: F) -> Result<Vec<R>, ProviderError>
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<R, ProviderError>> + Send + 'static,
    R: Send + 'static,
{
    fn joined<R>(
        r: Result<Result<R, ProviderError>, tokio::task::JoinError>,
    ) -> Result<R, ProviderError> {
        r.map_err(|e| ProviderError::Other(format!("read task failed: {e}")))?
    }
    let mut set = tokio::task::JoinSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if set.len() >= READ_CONCURRENCY {
            if let Some(r) = set.join_next().await {
                out.push(joined(r)?);
            }
        }
        set.spawn(f(item));
    }
    while let Some(r) = set.join_next().await {
        out.push(joined(r)?);
    }
    Ok(out)
}

/// Looks objects up by name: one by-name call for a single name (missing means gone), else
/// the whole list in pages, kept to `names`. Keys are the names as given.
pub(super) async fn by_name_or_listing<T, One, FOne, All, FAll>(
    names: &[String],
    name_of: fn(&T) -> Option<&str>,
    one: One,
    all: All,
) -> Result<BTreeMap<String, T>, ProviderError>
where
    One: Fn(String) -> FOne,
    FOne: Future<Output = Result<Vec<T>, ProviderError>>,
    All: Fn(Option<String>) -> FAll,
    FAll: Future<Output = Result<(Vec<T>, Option<String>), ProviderError>>,
{
    let wanted: BTreeMap<String, &String> = names.iter().map(|n| (n.to_lowercase(), n)).collect();
    let mut items = Vec::new();
    if let [name] = names {
        items = found(one(name.clone()).await)?.unwrap_or_default();
    } else {
        let mut marker = None;
        loop {
            let (page, next) = all(marker).await?;
            items.extend(page);
            match next.filter(|m| !m.is_empty()) {
                Some(m) => marker = Some(m),
                None => break,
            }
        }
    }
    let mut out = BTreeMap::new();
    for item in items {
        let key = name_of(&item).map(str::to_lowercase);
        if let Some(n) = key.and_then(|k| wanted.get(&k)) {
            out.insert((*n).clone(), item);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rds_error_codes() {
        let api = |c: &str| ProviderError::Api {
            code: c.to_string(),
            message: "m".to_string(),
        };
        for c in [
            "DBInstanceNotFound",
            "DBSubnetGroupNotFoundFault",
            "DBParameterGroupNotFound",
        ] {
            assert!(
                matches!(rds_kind(api(c)), ProviderError::NotFound { .. }),
                "{c}"
            );
        }
        assert!(matches!(
            rds_kind(api("Throttling")),
            ProviderError::Throttled { .. }
        ));
        assert!(matches!(
            rds_kind(api("InvalidParameterCombination")),
            ProviderError::Api { .. }
        ));
    }

    #[test]
    fn ownership() {
        let want = Tags::from([
            (
                "terrace:address".to_string(),
                "aws_db_instance.a".to_string(),
            ),
            ("terrace:lineage".to_string(), "l".to_string()),
        ]);
        assert!(owned(&want, &want));
        let mut other = want.clone();
        other.insert("terrace:lineage".into(), "x".into());
        assert!(!owned(&other, &want));
        assert!(!owned(&Tags::new(), &Tags::new()));
    }
}
