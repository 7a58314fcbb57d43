//! Helpers shared by the EC2 resource families: error mapping, reading configuration values,
//! building schema-shaped result values, tags, filters, batching and polling.

use crate::eval::Value;
use crate::provider::ProviderError;
use crate::schema::{BodySchema, Nesting};
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

/// A result object under construction: attribute name to value.
pub(crate) type Obj = BTreeMap<String, Value>;

/// Tags as a plain map.
pub(crate) type Tags = BTreeMap<String, String>;

/// How many ids one Describe call takes when ids are passed as `...Ids` (the EC2 limit).
pub(crate) const IDS_PER_CALL: usize = 1000;

/// How many values one filter takes (`FilterLimitExceeded` above 200).
pub(crate) const FILTER_VALUES_PER_CALL: usize = 200;

// ----------------------------------------------------------------------------------------------
// Errors.

/// Maps an error code and message to the provider's error kinds. Codes ending in `NotFound`
/// (`InvalidVpcID.NotFound`, `NatGatewayNotFound`, ...) mean the object is gone.
pub(crate) fn classify(
    code: Option<&str>,
    message: Option<&str>,
    fallback: String,
) -> ProviderError {
    let message = message.map_or(fallback, str::to_string);
    match code {
        Some(c) if c.ends_with(".NotFound") || c.ends_with("NotFound") => ProviderError::NotFound {
            what: format!("{c}: {message}"),
        },
        Some("RequestLimitExceeded" | "Throttling" | "ThrottlingException") => {
            ProviderError::Throttled { message }
        }
        Some(c) => ProviderError::Api {
            code: c.to_string(),
            message,
        },
        None => ProviderError::Other(message),
    }
}

/// Maps an SDK error by its error code (never by message text).
pub(crate) fn sdk<E, R>(e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let fallback = DisplayErrorContext(&e).to_string();
    if matches!(e, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)) {
        return ProviderError::Other(dispatch_message(&fallback));
    }
    classify(e.code(), e.message(), fallback)
}

/// A readable sentence for a request that never reached AWS (no credentials, no
/// connection): the error chain without the debug dump the SDK appends.
fn dispatch_message(chain: &str) -> String {
    let short = chain.split(" (").next().unwrap_or(chain).trim();
    if chain.contains("loading credentials")
        || chain.contains("no credentials")
        || chain.contains("credentials provider")
    {
        format!("no AWS credentials were found ({short}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with AWS_PROFILE or the provider block's profile, or run where an instance or task role is available.")
    } else {
        format!("the request did not reach AWS: {short}. Check the network, the region and any endpoint override (AWS_ENDPOINT_URL or endpoints {{}}).")
    }
}

/// The error code of an `Api` error, or of a `NotFound` error made by [`classify`] (whose
/// description starts with the code).
pub(crate) fn code_of(e: &ProviderError) -> Option<&str> {
    match e {
        ProviderError::Api { code, .. } => Some(code),
        ProviderError::NotFound { what } => what
            .split_once(": ")
            .map(|(c, _)| c)
            .filter(|c| !c.contains(' ')),
        _ => None,
    }
}

/// Turns `NotFound` into success (deleting what is gone succeeds).
pub(crate) fn ignore_not_found(r: Result<(), ProviderError>) -> Result<(), ProviderError> {
    match r {
        Err(ProviderError::NotFound { .. }) => Ok(()),
        r => r,
    }
}

/// Turns `Api` errors with one of `codes` into success.
pub(crate) fn ignore_codes(
    r: Result<(), ProviderError>,
    codes: &[&str],
) -> Result<(), ProviderError> {
    match r {
        Err(e) if code_of(&e).is_some_and(|c| codes.contains(&c)) => Ok(()),
        r => r,
    }
}

// ----------------------------------------------------------------------------------------------
// Waiting.

/// Backoff between polls: 0.5 s growing to 10 s.
fn next_delay(d: Duration) -> Duration {
    (d.mul_f64(1.5)).min(Duration::from_secs(10))
}

/// Calls `check` until it returns `Some`, sleeping with backoff between calls; fails with
/// `Timeout` once `timeout` has passed. The first check happens at once.
pub(crate) async fn poll<T, F, Fut>(
    timeout: Duration,
    what: &str,
    mut check: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let start = Instant::now();
    let mut delay = Duration::from_millis(500);
    // Polls are reads: the wait does not hold the call's parallelism slot.
    crate::provider::slot::waiting(&format!("waiting for {what}"), async {
        loop {
            if let Some(v) = check().await? {
                return Ok(v);
            }
            let elapsed = start.elapsed();
            if elapsed >= timeout {
                return Err(ProviderError::Timeout {
                    what: what.to_string(),
                    after: timeout,
                });
            }
            tokio::time::sleep(aligned(delay).min(timeout - elapsed)).await;
            delay = next_delay(delay);
        }
    })
    .await
}

/// `delay`, stretched so the sleep ends on a multiple of `delay` since the process started:
/// waiters polling at the same rate wake together, so their batched Describe calls coalesce.
fn aligned(delay: Duration) -> Duration {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    let step = delay.as_nanos().max(1);
    let since = epoch.elapsed().as_nanos();
    let next = (since / step + 1) * step;
    Duration::from_nanos(u64::try_from(next - since).unwrap_or(u64::MAX))
}

/// Runs `op` until it succeeds or fails with an error other than the `Api` codes in `retry`,
/// with backoff, up to `timeout` (then the last error is returned).
pub(crate) async fn retry_codes<T, F, Fut>(
    timeout: Duration,
    retry: &[&str],
    mut op: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let start = Instant::now();
    let mut delay = Duration::from_millis(500);
    loop {
        match op().await {
            Err(e) if code_of(&e).is_some_and(|c| retry.contains(&c)) => {
                let elapsed = start.elapsed();
                if elapsed >= timeout {
                    return Err(e);
                }
                let status = format!("retrying after {e}");
                crate::provider::slot::waiting(
                    &status,
                    tokio::time::sleep(delay.min(timeout - elapsed)),
                )
                .await;
                delay = next_delay(delay);
            }
            r => return r,
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Reading configuration values.

/// The known, non-null value of attribute `k` (marks removed).
pub(crate) fn get<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    v.get_attr(k)
        .map(Value::peel)
        .filter(|x| x.is_known() && !x.is_null())
}

pub(crate) fn get_str(v: &Value, k: &str) -> Option<String> {
    get(v, k).and_then(Value::as_str).map(str::to_string)
}

/// A non-empty string attribute.
pub(crate) fn get_nonempty(v: &Value, k: &str) -> Option<String> {
    get_str(v, k).filter(|s| !s.is_empty())
}

pub(crate) fn get_bool(v: &Value, k: &str) -> Option<bool> {
    get(v, k).and_then(Value::as_bool)
}

pub(crate) fn get_i32(v: &Value, k: &str) -> Option<i32> {
    get(v, k).and_then(num_i32)
}

/// A number (or a numeric string) as i32.
pub(crate) fn num_i32(v: &Value) -> Option<i32> {
    match v.peel() {
        Value::Number(n) => Some(*n as i32),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The strings of a list or set attribute (unknown and null elements skipped).
pub(crate) fn get_strs(v: &Value, k: &str) -> Vec<String> {
    get(v, k)
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// The objects of a nested block (list, set or single).
pub(crate) fn get_blocks<'a>(v: &'a Value, k: &str) -> Vec<&'a Value> {
    match get(v, k) {
        Some(Value::List(items) | Value::Set(items)) => {
            items.iter().filter(|x| x.as_map().is_some()).collect()
        }
        Some(x @ Value::Map(_)) => vec![x],
        _ => Vec::new(),
    }
}

/// A map of strings attribute.
pub(crate) fn get_tags(v: &Value, k: &str) -> Tags {
    get(v, k)
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

// ----------------------------------------------------------------------------------------------
// Building values.

pub(crate) fn vs(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

/// A string value; empty strings become null.
pub(crate) fn vs_nonempty(s: Option<&str>) -> Value {
    s.filter(|x| !x.is_empty()).map_or(Value::Null, Value::from)
}

pub(crate) fn vb(b: Option<bool>) -> Value {
    b.map_or(Value::Null, Value::Bool)
}

pub(crate) fn vn(n: Option<i32>) -> Value {
    n.map_or(Value::Null, |n| Value::Number(f64::from(n)))
}

pub(crate) fn vlist<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(items.into_iter().map(|s| Value::from(s.as_ref())).collect())
}

pub(crate) fn vset<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::set(items.into_iter().map(|s| Value::from(s.as_ref())).collect())
}

pub(crate) fn vtags(t: &Tags) -> Value {
    Value::Map(
        t.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect(),
    )
}

/// Replaces every `Unknown` (at any depth) by null.
pub(crate) fn known(v: Value) -> Value {
    match v {
        Value::Unknown => Value::Null,
        Value::List(items) => Value::List(items.into_iter().map(known).collect()),
        Value::Set(items) => Value::set(items.into_iter().map(known).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, known(v))).collect()),
        Value::Sensitive(inner) => known(*inner).sensitive(),
        v => v,
    }
}

/// The attributes of `base` (configuration or prior value) as a starting object.
pub(crate) fn start(base: &Value) -> Obj {
    base.as_map().cloned().unwrap_or_default()
}

/// Finishes a result value: every attribute and block of `body` present (null for unset
/// attributes, empty lists or sets for absent blocks), values converted to the schema's types,
/// no unknowns, nothing outside the schema.
pub(crate) fn finish(body: &BodySchema, mut m: Obj) -> Value {
    let mut out = Obj::new();
    for a in &body.attrs {
        let v = known(m.remove(a.name).unwrap_or(Value::Null));
        let v = a.ty.convert(v.clone()).unwrap_or(v);
        out.insert(a.name.to_string(), v);
    }
    for b in &body.blocks {
        let items: Vec<Value> = match m.remove(b.name).map(Value::unmark).map(|x| x.0) {
            Some(Value::List(items) | Value::Set(items)) => items,
            Some(x @ Value::Map(_)) => vec![x],
            _ => Vec::new(),
        };
        let items: Vec<Value> = items
            .into_iter()
            .filter_map(|x| match x.unmark().0 {
                Value::Map(im) => Some(finish(&b.body, im)),
                _ => None,
            })
            .collect();
        let v = match b.nesting {
            Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
            Nesting::List => Value::List(items),
            Nesting::Set => Value::set(items),
        };
        out.insert(b.name.to_string(), v);
    }
    Value::Map(out)
}

/// Finishes a managed resource's value by its schema.
pub(crate) fn finish_resource(type_name: &str, m: Obj) -> Value {
    match crate::schema::resource(type_name) {
        Some(s) => finish(&s.body, m),
        None => Value::Map(m),
    }
}

/// Finishes a data source's value by its schema.
pub(crate) fn finish_data(type_name: &str, m: Obj) -> Value {
    match crate::schema::data_source(type_name) {
        Some(s) => finish(&s.body, m),
        None => Value::Map(m),
    }
}

// ----------------------------------------------------------------------------------------------
// Tags.

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

pub(crate) fn sdk_tags(t: &Tags) -> Vec<Tag> {
    t.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A `TagSpecification` for creation, or none when there are no tags.
pub(crate) fn tag_spec(rt: ResourceType, t: &Tags) -> Option<TagSpecification> {
    (!t.is_empty()).then(|| {
        TagSpecification::builder()
            .resource_type(rt)
            .set_tags(Some(sdk_tags(t)))
            .build()
    })
}

/// Sets `tags` and `tags_all` on a created or updated object: `tags` as configured,
/// `tags_all` all tags on the object.
pub(crate) fn set_tags_created(m: &mut Obj, config: &Value, all: &Tags) {
    let user = config
        .get_attr("tags")
        .cloned()
        .map(known)
        .unwrap_or(Value::Null);
    m.insert("tags".into(), user);
    m.insert("tags_all".into(), vtags(all));
}

/// Sets `tags` and `tags_all` on a read object: `tags` keeps the keys the prior value
/// configured, with the values now on the object (a key removed in the cloud disappears).
pub(crate) fn set_tags_read(m: &mut Obj, prior: &Value, actual: &Tags) {
    let user = match prior.get_attr("tags").map(Value::peel) {
        Some(Value::Map(p)) => Value::Map(
            p.keys()
                .filter_map(|k| actual.get(k).map(|v| (k.clone(), Value::from(v.as_str()))))
                .collect(),
        ),
        _ => Value::Null,
    };
    m.insert("tags".into(), user);
    m.insert("tags_all".into(), vtags(actual));
}

/// The value a read starts from: the object's prior value, or for an object no state knows
/// (`None`, e.g. found by an inventory) a value whose `tags` are all of the object's tags, so
/// [`set_tags_read`] reports every tag as configured, as an import would.
pub(crate) fn read_base<'a>(prior: Option<&'a Value>, actual: &Tags) -> Cow<'a, Value> {
    match prior {
        Some(v) => Cow::Borrowed(v),
        None => Cow::Owned(Value::map([("tags", vtags(actual))])),
    }
}

/// Brings the tags of `id` from `old` to `new` with CreateTags / DeleteTags (no call when
/// nothing changed).
pub(crate) async fn sync_tags(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    old: &Tags,
    new: &Tags,
) -> Result<(), ProviderError> {
    let set: Tags = new
        .iter()
        .filter(|(k, v)| old.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let removed: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
    if !removed.is_empty() {
        ec2.delete_tags()
            .resources(id)
            .set_tags(Some(
                removed
                    .iter()
                    .map(|k| Tag::builder().key(k.as_str()).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(sdk)?;
    }
    if !set.is_empty() {
        ec2.create_tags()
            .resources(id)
            .set_tags(Some(sdk_tags(&set)))
            .send()
            .await
            .map_err(sdk)?;
    }
    Ok(())
}

/// The tags recorded on the prior value (`tags_all`).
pub(crate) fn prior_tags(prior: &Value) -> Tags {
    get_tags(prior, "tags_all")
}

// ----------------------------------------------------------------------------------------------
// Filters, batching, ARNs.

/// Collects every item of a paginated List/Describe request (all pages, one call each),
/// mapping an error with [`sdk`] or with the given function (`all_items!(req, err)`).
macro_rules! all_items {
    ($req:expr) => {
        $crate::provider::aws::common::all_items!($req, $crate::provider::aws::common::sdk)
    };
    ($req:expr, $err:expr) => {
        $req.into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err($err)
    };
}
pub(crate) use all_items;

pub(crate) fn filter<S: AsRef<str>>(name: &str, values: impl IntoIterator<Item = S>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(
            values.into_iter().map(|s| s.as_ref().to_string()).collect(),
        ))
        .build()
}

/// `filter { name, values }` blocks of a data source, plus `tags` as `tag:KEY` filters.
pub(crate) fn config_filters(config: &Value) -> Vec<Filter> {
    let mut out: Vec<Filter> = get_blocks(config, "filter")
        .into_iter()
        .filter_map(|b| Some(filter(&get_str(b, "name")?, get_strs(b, "values"))))
        .collect();
    for (k, v) in get_tags(config, "tags") {
        out.push(filter(&format!("tag:{k}"), [v]));
    }
    out
}

/// Describes objects by id, batched: pages of `id_page` ids through `by_ids` (one call per
/// page); a page that fails with `NotFound` (one of its ids is gone) is described again
/// through `by_filter` in pages of [`FILTER_VALUES_PER_CALL`], which omits missing ids.
pub(crate) async fn batched<T, A, FA, B, FB>(
    ids: &[String],
    id_page: usize,
    by_ids: A,
    by_filter: B,
) -> Result<Vec<T>, ProviderError>
where
    A: Fn(Vec<String>) -> FA,
    FA: Future<Output = Result<Vec<T>, ProviderError>>,
    B: Fn(Vec<String>) -> FB,
    FB: Future<Output = Result<Vec<T>, ProviderError>>,
{
    let mut out = Vec::new();
    for page in ids.chunks(id_page.max(1)) {
        match by_ids(page.to_vec()).await {
            Ok(found) => out.extend(found),
            Err(ProviderError::NotFound { .. }) => {
                for part in page.chunks(FILTER_VALUES_PER_CALL) {
                    out.extend(by_filter(part.to_vec()).await?);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Describes objects by a filter on many values, in pages of [`FILTER_VALUES_PER_CALL`].
pub(crate) async fn by_filter_pages<T, B, FB>(
    values: &[String],
    by_filter: B,
) -> Result<Vec<T>, ProviderError>
where
    B: Fn(Vec<String>) -> FB,
    FB: Future<Output = Result<Vec<T>, ProviderError>>,
{
    let mut out = Vec::new();
    for part in values.chunks(FILTER_VALUES_PER_CALL) {
        out.extend(by_filter(part.to_vec()).await?);
    }
    Ok(out)
}

/// The distinct values of `items`, in first-seen order.
pub(crate) fn distinct(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|s| seen.insert(s.clone()))
        .collect()
}

/// The ids of `priors`, distinct.
pub(crate) fn prior_ids(priors: &[(String, Value)]) -> Vec<String> {
    distinct(priors.iter().map(|(id, _)| id.clone()))
}

/// The read value of every prior whose object is in `found` (matched on `id_of`), by id.
/// A prior whose object is missing is left out: it is gone.
pub(crate) fn read_found<'a, T>(
    found: &'a [T],
    priors: &[(String, Value)],
    id_of: impl Fn(&'a T) -> Option<&'a str>,
    mut value: impl FnMut(&Value, &'a T) -> Value,
) -> BTreeMap<String, Value> {
    let by_id: BTreeMap<&str, &T> = found.iter().filter_map(|x| Some((id_of(x)?, x))).collect();
    priors
        .iter()
        .filter_map(|(id, prior)| Some((id.clone(), value(prior, by_id.get(id.as_str())?))))
        .collect()
}

/// The one object a Describe by id answered, or `NotFound` naming `what`.
pub(crate) fn the_one<T>(found: Vec<T>, what: impl FnOnce() -> String) -> Result<T, ProviderError> {
    found
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound { what: what() })
}

/// `arn:aws:ec2:..` DNS names EC2 gives an address: `ec2-1-2-3-4.compute-1.amazonaws.com`
/// (us-east-1) or `ec2-1-2-3-4.<region>.compute.amazonaws.com`.
pub(crate) fn public_dns_name(region: &str, ip: &str) -> String {
    let dashed = ip.replace('.', "-");
    if region == "us-east-1" {
        format!("ec2-{dashed}.compute-1.amazonaws.com")
    } else {
        format!("ec2-{dashed}.{region}.compute.amazonaws.com")
    }
}

/// `ip-10-0-0-1.ec2.internal` (us-east-1) or `ip-10-0-0-1.<region>.compute.internal`.
pub(crate) fn private_dns_name(region: &str, ip: &str) -> String {
    let dashed = ip.replace('.', "-");
    if region == "us-east-1" {
        format!("ip-{dashed}.ec2.internal")
    } else {
        format!("ip-{dashed}.{region}.compute.internal")
    }
}

/// The partition of a region (`aws`, `aws-cn`, `aws-us-gov`, ...).
pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// `arn:<partition>:ec2:<region>:<account>:<resource>`.
pub(crate) fn ec2_arn(region: &str, account: &str, resource: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{account}:{resource}",
        partition(region)
    )
}

/// An idempotency token EC2 accepts (at most 64 ASCII characters): the request's token, or
/// its SHA-256 when it is longer or not ASCII.
pub(crate) fn client_token(token: &str) -> String {
    if token.len() <= 64 && token.is_ascii() {
        return token.to_string();
    }
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A unique resource name: `prefix` followed by 26 characters derived from `token` (so a
/// retried create with the same token asks for the same name).
pub(crate) fn unique_name(prefix: &str, token: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{}", &hex[..26])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Value;

    #[test]
    fn error_codes_classify() {
        assert!(matches!(
            classify(Some("InvalidVpcID.NotFound"), None, "x".into()),
            ProviderError::NotFound { .. }
        ));
        assert!(matches!(
            classify(Some("NatGatewayNotFound"), None, "x".into()),
            ProviderError::NotFound { .. }
        ));
        assert!(matches!(
            classify(Some("RequestLimitExceeded"), None, "x".into()),
            ProviderError::Throttled { .. }
        ));
        match classify(
            Some("DependencyViolation"),
            Some("has dependents"),
            "x".into(),
        ) {
            ProviderError::Api { code, message } => {
                assert_eq!(code, "DependencyViolation");
                assert_eq!(message, "has dependents");
            }
            e => panic!("{e:?}"),
        }
        assert!(matches!(classify(None, None, "io".into()), ProviderError::Other(m) if m == "io"));
        let nf = classify(
            Some("InvalidNatGatewayID.NotFound"),
            Some("no such gateway: x"),
            "x".into(),
        );
        assert_eq!(code_of(&nf), Some("InvalidNatGatewayID.NotFound"));
        assert_eq!(
            code_of(&ProviderError::NotFound {
                what: "VPC vpc-1".into()
            }),
            None
        );
    }

    #[test]
    fn finish_fills_the_schema() {
        let m = Obj::from([
            ("cidr_block".to_string(), Value::from("10.0.0.0/16")),
            ("bogus".to_string(), Value::Null),
            ("owner_id".to_string(), Value::Unknown),
        ]);
        let v = finish_resource("aws_vpc", m);
        let s = crate::schema::resource("aws_vpc").unwrap();
        let map = v.as_map().unwrap();
        assert_eq!(map.len(), s.body.attrs.len() + s.body.blocks.len());
        assert_eq!(map["owner_id"], Value::Null);
        assert!(!map.contains_key("bogus"));
        let sg = finish_resource("aws_security_group", Obj::new());
        assert_eq!(sg.get_attr("ingress"), Some(&Value::Set(vec![])));
        let n = finish_resource(
            "aws_subnet",
            Obj::from([("enable_lni_at_device_index".to_string(), Value::from("1"))]),
        );
        assert_eq!(
            n.get_attr("enable_lni_at_device_index"),
            Some(&Value::Number(1.0))
        );
    }

    #[test]
    fn read_tags_keep_configured_keys() {
        let prior = Value::map([(
            "tags",
            Value::map([("Name", Value::from("a")), ("Gone", Value::from("x"))]),
        )]);
        let actual = Tags::from([
            ("Name".to_string(), "b".to_string()),
            ("terrace:address".to_string(), "aws_vpc.a".to_string()),
        ]);
        let mut m = Obj::new();
        set_tags_read(&mut m, &prior, &actual);
        assert_eq!(m["tags"], Value::map([("Name", Value::from("b"))]));
        assert_eq!(m["tags_all"].as_map().unwrap().len(), 2);

        // An object no state knows reads with all its tags as configured.
        let base = read_base(None, &actual);
        let mut m = Obj::new();
        set_tags_read(&mut m, &base, &actual);
        assert_eq!(m["tags"], vtags(&actual));
        assert_eq!(m["tags_all"], vtags(&actual));
        assert_eq!(*read_base(Some(&prior), &actual), prior);
    }

    #[test]
    fn names_and_arns() {
        let a = unique_name("web-", "tok");
        assert_eq!(a.len(), 4 + 26);
        assert_eq!(a, unique_name("web-", "tok"));
        assert_eq!(client_token("tok"), "tok");
        assert_eq!(client_token(&"x".repeat(65)).len(), 64);
        assert_ne!(a, unique_name("web-", "tok2"));
        assert_eq!(
            ec2_arn("cn-north-1", "1", "vpc/vpc-1"),
            "arn:aws-cn:ec2:cn-north-1:1:vpc/vpc-1"
        );
        let priors = vec![
            ("a".to_string(), Value::Null),
            ("b".to_string(), Value::Null),
            ("a".to_string(), Value::Null),
        ];
        assert_eq!(prior_ids(&priors), vec!["a".to_string(), "b".to_string()]);
        assert_eq!(
            public_dns_name("us-east-1", "1.2.3.4"),
            "ec2-1-2-3-4.compute-1.amazonaws.com"
        );
        assert_eq!(
            private_dns_name("eu-west-1", "10.0.0.5"),
            "ip-10-0-0-5.eu-west-1.compute.internal"
        );
    }

    #[tokio::test]
    async fn poll_times_out_and_retry_gives_up() {
        let mut n = 0;
        let r: Result<(), _> = poll(Duration::from_millis(50), "nothing", || {
            n += 1;
            async { Ok(None) }
        })
        .await;
        assert!(matches!(r, Err(ProviderError::Timeout { .. })), "{r:?}");
        assert!(n >= 2);
        let mut n = 0;
        let r = poll(Duration::from_secs(5), "third", || {
            n += 1;
            let done = n == 3;
            async move { Ok(done.then_some(n)) }
        })
        .await;
        assert_eq!(r.unwrap(), 3);
        let busy = || async {
            Err::<(), _>(ProviderError::Api {
                code: "DependencyViolation".into(),
                message: "in use".into(),
            })
        };
        let r = retry_codes(Duration::from_millis(50), &["DependencyViolation"], busy).await;
        assert_eq!(code_of(&r.unwrap_err()), Some("DependencyViolation"));
        let other = || async { Err::<(), _>(ProviderError::Other("x".into())) };
        assert!(
            retry_codes(Duration::from_secs(60), &["DependencyViolation"], other)
                .await
                .is_err()
        );
    }
}
