//! RDS resources: `aws_db_subnet_group`, `aws_db_parameter_group` and `aws_db_instance`.
//!
//! Free functions over [`AwsClients`] that the provider dispatches to by type name. Ids are
//! names (subnet and parameter groups) and identifiers (instances). Reads are batched:
//! `DescribeDBInstances` takes up to [`INSTANCE_IDS_PER_CALL`] identifiers in one
//! `db-instance-id` filter; subnet and parameter groups, which the API cannot filter, are
//! described by name for a single object and listed in pages otherwise. Their tags (and a
//! parameter group's parameters) need one call per object, made concurrently.

use super::common::{
    finish_resource, get_blocks, get_bool, get_i32, get_nonempty, get_str, get_strs, poll,
    prior_ids, prior_tags, retry_codes, sdk, set_tags_created, set_tags_read, start, unique_name,
    vb, vn, vs, vs_nonempty, vset, Obj, Tags,
};
use super::AwsClients;
use crate::eval::Value;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_rds::primitives::DateTimeFormat;
use aws_sdk_rds::types::{
    ApplyMethod, CloudwatchLogsExportConfiguration, DatabaseInsightsMode, DbInstance,
    DbParameterGroup, DbSubnetGroup, Filter, Parameter, ReplicaMode, Tag,
};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

/// The RDS resource types implemented here.
pub const RDS_TYPES: &[&str] = &[
    "aws_db_instance",
    "aws_db_parameter_group",
    "aws_db_subnet_group",
];

/// Identifiers per `DescribeDBInstances` call (values of one `db-instance-id` filter).
pub const INSTANCE_IDS_PER_CALL: usize = 100;

/// `MaxRecords` of the describe calls (the API's maximum).
const PAGE_SIZE: i32 = 100;

/// Parameters per `ModifyDBParameterGroup` / `ResetDBParameterGroup` call (the API's limit).
const PARAMETERS_PER_CALL: usize = 20;

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

// ----------------------------------------------------------------------------------------------
// Dispatch.

/// Creates an RDS object; returns its full value.
pub async fn create(c: &AwsClients, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    match req.addr.resource.type_name.as_str() {
        "aws_db_subnet_group" => create_subnet_group(c, req).await,
        "aws_db_parameter_group" => create_parameter_group(c, req).await,
        "aws_db_instance" => create_instance(c, req).await,
        t => Err(unsupported(t, "create")),
    }
}

/// Changes an RDS object in place; returns its new value.
pub async fn update(c: &AwsClients, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    match req.addr.resource.type_name.as_str() {
        "aws_db_subnet_group" => update_subnet_group(c, req).await,
        "aws_db_parameter_group" => update_parameter_group(c, req).await,
        "aws_db_instance" => update_instance(c, req).await,
        t => Err(unsupported(t, "update")),
    }
}

/// Deletes an RDS object; an object that is already gone is deleted.
pub async fn delete(c: &AwsClients, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    match req.type_name {
        "aws_db_subnet_group" => delete_subnet_group(c, req).await,
        "aws_db_parameter_group" => delete_parameter_group(c, req).await,
        "aws_db_instance" => delete_instance(c, req).await,
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
        "aws_db_subnet_group" => read_subnet_groups(c, priors).await,
        "aws_db_parameter_group" => read_parameter_groups(c, priors).await,
        "aws_db_instance" => read_instances(c, priors).await,
        t => Err(unsupported(t, "read")),
    }
}

fn unsupported(type_name: &str, operation: &'static str) -> ProviderError {
    ProviderError::Unsupported {
        type_name: type_name.to_string(),
        operation,
    }
}

// ----------------------------------------------------------------------------------------------
// Errors, tags, names, concurrency.

/// Maps an RDS SDK error by its code: the shared mapping, plus the RDS codes of missing
/// objects that do not end in `NotFound` (`DBSubnetGroupNotFoundFault`) and RDS throttling.
fn err<E, R>(e: SdkError<E, R>) -> ProviderError
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
fn found<T>(r: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ProviderError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether an `Api` error has one of `codes`.
fn has_code(e: &ProviderError, codes: &[&str]) -> bool {
    matches!(e, ProviderError::Api { code, .. } if codes.contains(&code.as_str()))
}

fn rds_tags(t: &Tags) -> Vec<Tag> {
    t.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn tags_of(t: &[Tag]) -> Tags {
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
fn owned(actual: &Tags, wanted: &Tags) -> bool {
    OWNERSHIP_TAGS
        .iter()
        .all(|k| wanted.get(*k).is_some() && actual.get(*k) == wanted.get(*k))
}

async fn list_tags(c: &aws_sdk_rds::Client, arn: &str) -> Result<Tags, ProviderError> {
    let out = c
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(err)?;
    Ok(tags_of(out.tag_list()))
}

/// Brings the tags of `arn` from `old` to `new` (no call when nothing changed).
async fn sync_tags(
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
fn new_name(config: &Value, name: &str, prefix: &str, token: &str) -> String {
    get_nonempty(config, name).unwrap_or_else(|| {
        let p = get_nonempty(config, prefix).unwrap_or_else(|| "terraform-".to_string());
        unique_name(&p, token)
    })
}

/// Time left of `timeout` since `start`.
fn remaining(start: Instant, timeout: Duration) -> Duration {
    timeout.saturating_sub(start.elapsed())
}

/// Runs `f` over `items` with at most [`READ_CONCURRENCY`] in flight; results in no
/// particular order; the first error wins.
async fn concurrent<I, R, F, Fut>(items: Vec<I>, f: F) -> Result<Vec<R>, ProviderError>
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
async fn by_name_or_listing<T, One, FOne, All, FAll>(
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

// ----------------------------------------------------------------------------------------------
// aws_db_subnet_group

const SUBNET_GROUP: &str = "aws_db_subnet_group";

fn subnet_group_description(config: &Value) -> String {
    get_nonempty(config, "description").unwrap_or_else(|| "Managed by Terraform".to_string())
}

/// The group's attributes from the API over `base` (configuration or prior value); tags are
/// set by the caller.
fn subnet_group_obj(g: &DbSubnetGroup, base: &Value) -> Obj {
    let mut m = start(base);
    let name = g.db_subnet_group_name().unwrap_or_default();
    m.insert("id".into(), Value::from(name));
    m.insert("name".into(), Value::from(name));
    m.insert("arn".into(), vs(g.db_subnet_group_arn()));
    m.insert("description".into(), vs(g.db_subnet_group_description()));
    m.insert(
        "subnet_ids".into(),
        vset(g.subnets().iter().filter_map(|s| s.subnet_identifier())),
    );
    m.insert("vpc_id".into(), vs(g.vpc_id()));
    m.insert(
        "supported_network_types".into(),
        vset(g.supported_network_types()),
    );
    m
}

async fn describe_subnet_group(c: &AwsClients, name: &str) -> Result<DbSubnetGroup, ProviderError> {
    let out = c
        .rds
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await
        .map_err(err)?;
    out.db_subnet_groups()
        .first()
        .cloned()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("DB subnet group {name}"),
        })
}

async fn create_subnet_group(
    c: &AwsClients,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let name = new_name(cfg, "name", "name_prefix", req.client_token);
    let description = subnet_group_description(cfg);
    let subnets = get_strs(cfg, "subnet_ids");
    let created = c
        .rds
        .create_db_subnet_group()
        .db_subnet_group_name(&name)
        .db_subnet_group_description(&description)
        .set_subnet_ids(Some(subnets.clone()))
        .set_tags(Some(rds_tags(req.tags)))
        .send()
        .await
        .map_err(err);
    let group = match created {
        Ok(out) => match out.db_subnet_group {
            Some(g) => g,
            None => describe_subnet_group(c, &name).await?,
        },
        Err(e) if has_code(&e, &["DBSubnetGroupAlreadyExists"]) => {
            // Adopt what an interrupted attempt at this create left behind.
            let g = describe_subnet_group(c, &name).await?;
            let arn = g.db_subnet_group_arn().unwrap_or_default().to_string();
            let tags = list_tags(&c.rds, &arn).await?;
            if !owned(&tags, req.tags) {
                return Err(e);
            }
            sync_tags(&c.rds, &arn, &tags, req.tags).await?;
            c.rds
                .modify_db_subnet_group()
                .db_subnet_group_name(&name)
                .db_subnet_group_description(&description)
                .set_subnet_ids(Some(subnets))
                .send()
                .await
                .map_err(err)?
                .db_subnet_group
                .unwrap_or(g)
        }
        Err(e) => return Err(e),
    };
    let mut m = subnet_group_obj(&group, cfg);
    set_tags_created(&mut m, cfg, req.tags);
    Ok(finish_resource(SUBNET_GROUP, m))
}

async fn update_subnet_group(
    c: &AwsClients,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let changed = |k: &str| req.changed.iter().any(|x| x == k);
    let mut group = None;
    if changed("description") || changed("subnet_ids") {
        let out = c
            .rds
            .modify_db_subnet_group()
            .db_subnet_group_name(req.id)
            .db_subnet_group_description(subnet_group_description(cfg))
            .set_subnet_ids(Some(get_strs(cfg, "subnet_ids")))
            .send()
            .await
            .map_err(err)?;
        group = out.db_subnet_group;
    }
    let group = match group {
        Some(g) => g,
        None => describe_subnet_group(c, req.id).await?,
    };
    let arn = group.db_subnet_group_arn().unwrap_or_default().to_string();
    sync_tags(&c.rds, &arn, &prior_tags(req.prior), req.tags).await?;
    let mut m = subnet_group_obj(&group, cfg);
    set_tags_created(&mut m, cfg, req.tags);
    Ok(finish_resource(SUBNET_GROUP, m))
}

async fn delete_subnet_group(c: &AwsClients, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    // A group still used by an instance that is being deleted answers
    // InvalidDBSubnetGroupStateFault until the instance is gone.
    let r = retry_codes(
        req.timeout,
        &[
            "InvalidDBSubnetGroupStateFault",
            "InvalidDBSubnetGroupState",
        ],
        || async {
            c.rds
                .delete_db_subnet_group()
                .db_subnet_group_name(req.id)
                .send()
                .await
                .map(|_| ())
                .map_err(err)
        },
    )
    .await;
    found(r).map(|_| ())
}

async fn read_subnet_groups(
    c: &AwsClients,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let names = prior_ids(priors);
    let groups = by_name_or_listing(
        &names,
        DbSubnetGroup::db_subnet_group_name,
        |name| async move { describe_subnet_group(c, &name).await.map(|g| vec![g]) },
        |marker| async move {
            let out = c
                .rds
                .describe_db_subnet_groups()
                .max_records(PAGE_SIZE)
                .set_marker(marker)
                .send()
                .await
                .map_err(err)?;
            Ok((
                out.db_subnet_groups().to_vec(),
                out.marker().map(str::to_string),
            ))
        },
    )
    .await?;
    let rds = c.rds.clone();
    let tagged = concurrent(groups.into_iter().collect(), |(name, g)| {
        let rds = rds.clone();
        async move {
            let arn = g.db_subnet_group_arn().unwrap_or_default().to_string();
            let tags = found(list_tags(&rds, &arn).await)?;
            Ok((name, g, tags))
        }
    })
    .await?;
    let prior_of: BTreeMap<&String, &Value> = priors.iter().map(|(id, v)| (id, v)).collect();
    let mut out = BTreeMap::new();
    for (name, g, tags) in tagged {
        // A group deleted between the listing and the tags call is gone.
        let (Some(tags), Some(prior)) = (tags, prior_of.get(&name)) else {
            continue;
        };
        let mut m = subnet_group_obj(&g, prior);
        set_tags_read(&mut m, prior, &tags);
        out.insert(name, finish_resource(SUBNET_GROUP, m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_db_parameter_group

const PARAMETER_GROUP: &str = "aws_db_parameter_group";

/// One `parameter` block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Param {
    name: String,
    value: String,
    apply_method: String,
}

/// The `parameter` blocks of a configuration or prior value.
fn params_of(v: &Value) -> Vec<Param> {
    get_blocks(v, "parameter")
        .into_iter()
        .filter_map(|b| {
            Some(Param {
                name: get_str(b, "name")?,
                value: get_str(b, "value")?,
                apply_method: get_nonempty(b, "apply_method")
                    .unwrap_or_else(|| "immediate".to_string()),
            })
        })
        .collect()
}

fn param_value(p: &Param) -> Value {
    Value::map([
        ("apply_method", Value::from(p.apply_method.as_str())),
        ("name", Value::from(p.name.as_str())),
        ("value", Value::from(p.value.as_str())),
    ])
}

fn sdk_param(p: &Param) -> Parameter {
    Parameter::builder()
        .parameter_name(&p.name)
        .parameter_value(&p.value)
        .apply_method(ApplyMethod::from(p.apply_method.as_str()))
        .build()
}

/// The user-set parameters of a group, as `parameter` blocks. `apply_method` is an
/// instruction, not state: it is kept from `base` for a parameter of the same name.
fn params_from_api(api: &[Parameter], base: &Value) -> Vec<Param> {
    let configured: BTreeMap<String, String> = params_of(base)
        .into_iter()
        .map(|p| (p.name.to_lowercase(), p.apply_method))
        .collect();
    api.iter()
        .filter_map(|p| {
            let name = p.parameter_name()?.to_string();
            let apply_method = configured
                .get(&name.to_lowercase())
                .cloned()
                .or_else(|| p.apply_method().map(|a| a.as_str().to_string()))
                .unwrap_or_else(|| "immediate".to_string());
            Some(Param {
                value: p.parameter_value().unwrap_or_default().to_string(),
                name,
                apply_method,
            })
        })
        .collect()
}

fn parameter_group_obj(g: &DbParameterGroup, params: &[Parameter], base: &Value) -> Obj {
    let mut m = start(base);
    let name = g.db_parameter_group_name().unwrap_or_default();
    m.insert("id".into(), Value::from(name));
    m.insert("name".into(), Value::from(name));
    m.insert("arn".into(), vs(g.db_parameter_group_arn()));
    m.insert("family".into(), vs(g.db_parameter_group_family()));
    m.insert("description".into(), vs(g.description()));
    let params = params_from_api(params, base);
    m.insert(
        "parameter".into(),
        Value::set(params.iter().map(param_value).collect()),
    );
    m
}

async fn describe_parameter_group(
    c: &aws_sdk_rds::Client,
    name: &str,
) -> Result<DbParameterGroup, ProviderError> {
    let out = c
        .describe_db_parameter_groups()
        .db_parameter_group_name(name)
        .send()
        .await
        .map_err(err)?;
    out.db_parameter_groups()
        .first()
        .cloned()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("DB parameter group {name}"),
        })
}

/// The parameters a user set on a group (`Source=user`), all pages.
async fn user_parameters(
    c: &aws_sdk_rds::Client,
    name: &str,
) -> Result<Vec<Parameter>, ProviderError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .describe_db_parameters()
            .db_parameter_group_name(name)
            .source("user")
            .max_records(PAGE_SIZE)
            .set_marker(marker)
            .send()
            .await
            .map_err(err)?;
        out.extend(page.parameters().iter().cloned());
        match page.marker().filter(|m| !m.is_empty()) {
            Some(m) => marker = Some(m.to_string()),
            None => return Ok(out),
        }
    }
}

/// Sets `params` on the group, [`PARAMETERS_PER_CALL`] at a time.
async fn modify_parameters(
    c: &aws_sdk_rds::Client,
    name: &str,
    params: &[Param],
) -> Result<(), ProviderError> {
    for chunk in params.chunks(PARAMETERS_PER_CALL) {
        c.modify_db_parameter_group()
            .db_parameter_group_name(name)
            .set_parameters(Some(chunk.iter().map(sdk_param).collect()))
            .send()
            .await
            .map_err(err)?;
    }
    Ok(())
}

async fn create_parameter_group(
    c: &AwsClients,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let name = new_name(cfg, "name", "name_prefix", req.client_token);
    let family = get_str(cfg, "family").unwrap_or_default();
    let description =
        get_nonempty(cfg, "description").unwrap_or_else(|| "Managed by Terraform".to_string());
    let created = c
        .rds
        .create_db_parameter_group()
        .db_parameter_group_name(&name)
        .db_parameter_group_family(&family)
        .description(&description)
        .set_tags(Some(rds_tags(req.tags)))
        .send()
        .await
        .map_err(err);
    let group = match created {
        Ok(out) => match out.db_parameter_group {
            Some(g) => g,
            None => describe_parameter_group(&c.rds, &name).await?,
        },
        Err(e) if has_code(&e, &["DBParameterGroupAlreadyExists"]) => {
            let g = describe_parameter_group(&c.rds, &name).await?;
            let arn = g.db_parameter_group_arn().unwrap_or_default().to_string();
            let tags = list_tags(&c.rds, &arn).await?;
            if !owned(&tags, req.tags) || g.db_parameter_group_family() != Some(family.as_str()) {
                return Err(e);
            }
            sync_tags(&c.rds, &arn, &tags, req.tags).await?;
            g
        }
        Err(e) => return Err(e),
    };
    modify_parameters(&c.rds, &name, &params_of(cfg)).await?;
    let params = user_parameters(&c.rds, &name).await?;
    let mut m = parameter_group_obj(&group, &params, cfg);
    set_tags_created(&mut m, cfg, req.tags);
    Ok(finish_resource(PARAMETER_GROUP, m))
}

async fn update_parameter_group(
    c: &AwsClients,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let name = req.id;
    if req.changed.iter().any(|k| k == "parameter") {
        let old = params_of(req.prior);
        let new = params_of(cfg);
        let new_names: BTreeSet<String> = new.iter().map(|p| p.name.to_lowercase()).collect();
        // Parameters no longer configured go back to the engine default.
        let removed: Vec<&Param> = old
            .iter()
            .filter(|p| !new_names.contains(&p.name.to_lowercase()))
            .collect();
        for chunk in removed.chunks(PARAMETERS_PER_CALL) {
            let params = chunk
                .iter()
                .map(|p| {
                    Parameter::builder()
                        .parameter_name(&p.name)
                        .apply_method(ApplyMethod::from(p.apply_method.as_str()))
                        .build()
                })
                .collect();
            c.rds
                .reset_db_parameter_group()
                .db_parameter_group_name(name)
                .set_parameters(Some(params))
                .send()
                .await
                .map_err(err)?;
        }
        let set: Vec<Param> = new.into_iter().filter(|p| !old.contains(p)).collect();
        modify_parameters(&c.rds, name, &set).await?;
    }
    let group = describe_parameter_group(&c.rds, name).await?;
    let arn = group
        .db_parameter_group_arn()
        .unwrap_or_default()
        .to_string();
    sync_tags(&c.rds, &arn, &prior_tags(req.prior), req.tags).await?;
    let params = user_parameters(&c.rds, name).await?;
    let mut m = parameter_group_obj(&group, &params, cfg);
    set_tags_created(&mut m, cfg, req.tags);
    Ok(finish_resource(PARAMETER_GROUP, m))
}

async fn delete_parameter_group(
    c: &AwsClients,
    req: &DeleteRequest<'_>,
) -> Result<(), ProviderError> {
    if get_bool(req.prior, "skip_destroy") == Some(true) {
        // Terraform's skip_destroy: forget the group, keep it in the account.
        return Ok(());
    }
    // A group still used by an instance that is being deleted answers
    // InvalidDBParameterGroupState until the instance is gone.
    let r = retry_codes(req.timeout, &["InvalidDBParameterGroupState"], || async {
        c.rds
            .delete_db_parameter_group()
            .db_parameter_group_name(req.id)
            .send()
            .await
            .map(|_| ())
            .map_err(err)
    })
    .await;
    found(r).map(|_| ())
}

async fn read_parameter_groups(
    c: &AwsClients,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let names = prior_ids(priors);
    let groups = by_name_or_listing(
        &names,
        DbParameterGroup::db_parameter_group_name,
        |name| async move {
            describe_parameter_group(&c.rds, &name)
                .await
                .map(|g| vec![g])
        },
        |marker| async move {
            let out = c
                .rds
                .describe_db_parameter_groups()
                .max_records(PAGE_SIZE)
                .set_marker(marker)
                .send()
                .await
                .map_err(err)?;
            Ok((
                out.db_parameter_groups().to_vec(),
                out.marker().map(str::to_string),
            ))
        },
    )
    .await?;
    let rds = c.rds.clone();
    let detailed = concurrent(groups.into_iter().collect(), |(name, g)| {
        let rds = rds.clone();
        async move {
            let arn = g.db_parameter_group_arn().unwrap_or_default().to_string();
            let group_name = g.db_parameter_group_name().unwrap_or_default().to_string();
            let params = found(user_parameters(&rds, &group_name).await)?;
            let tags = match params {
                Some(_) => found(list_tags(&rds, &arn).await)?,
                None => None,
            };
            Ok((name, g, params, tags))
        }
    })
    .await?;
    let prior_of: BTreeMap<&String, &Value> = priors.iter().map(|(id, v)| (id, v)).collect();
    let mut out = BTreeMap::new();
    for (name, g, params, tags) in detailed {
        let (Some(params), Some(tags), Some(prior)) = (params, tags, prior_of.get(&name)) else {
            continue;
        };
        let mut m = parameter_group_obj(&g, &params, prior);
        set_tags_read(&mut m, prior, &tags);
        out.insert(name, finish_resource(PARAMETER_GROUP, m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_db_instance

const INSTANCE: &str = "aws_db_instance";

/// Attributes the API never returns: kept from the configuration or prior value.
const INSTANCE_KEPT: &[&str] = &[
    "allow_major_version_upgrade",
    "apply_immediately",
    "blue_green_update",
    "delete_automated_backups",
    "final_snapshot_identifier",
    "identifier_prefix",
    "password",
    // `password_wo` is write-only: never kept. Its version is what plans compare.
    "password_wo_version",
    "restore_to_point_in_time",
    "s3_import",
    "skip_final_snapshot",
    "snapshot_identifier",
    "upgrade_storage_config",
];

/// The instance's attributes from the API over `base` (configuration or prior value); tags
/// are set by the caller.
fn instance_obj(db: &DbInstance, base: &Value) -> Obj {
    let mut m = Obj::new();
    for k in INSTANCE_KEPT {
        if let Some(v) = base.get_attr(k) {
            m.insert((*k).to_string(), v.clone());
        }
    }
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    let id = db.db_instance_identifier().unwrap_or_default();
    put("id", Value::from(id));
    put("identifier", Value::from(id));
    put("arn", vs(db.db_instance_arn()));
    put("resource_id", vs(db.dbi_resource_id()));
    put("status", vs(db.db_instance_status()));
    put("instance_class", vs(db.db_instance_class()));
    put(
        "engine",
        db.engine()
            .map_or(Value::Null, |e| Value::from(e.to_lowercase().as_str())),
    );
    let actual_version = db.engine_version();
    put("engine_version_actual", vs(actual_version));
    // A configured `16` matches an actual `16.3`: keep what was configured.
    let version = match (get_str(base, "engine_version"), actual_version) {
        (Some(want), Some(have)) if have == want || have.starts_with(&format!("{want}.")) => {
            Value::from(want.as_str())
        }
        (_, have) => vs(have),
    };
    put("engine_version", version);
    put("username", vs(db.master_username()));
    put("db_name", vs(db.db_name()));
    put("allocated_storage", vn(db.allocated_storage()));
    put("max_allocated_storage", vn(db.max_allocated_storage()));
    put("storage_type", vs(db.storage_type()));
    put("iops", vn(db.iops()));
    put("storage_throughput", vn(db.storage_throughput()));
    put("storage_encrypted", vb(db.storage_encrypted()));
    put("kms_key_id", vs(db.kms_key_id()));
    put("availability_zone", vs(db.availability_zone()));
    put("multi_az", vb(db.multi_az()));
    put("publicly_accessible", vb(db.publicly_accessible()));
    put("backup_retention_period", vn(db.backup_retention_period()));
    put("backup_window", vs(db.preferred_backup_window()));
    put("backup_target", vs(db.backup_target()));
    put("maintenance_window", vs(db.preferred_maintenance_window()));
    put(
        "auto_minor_version_upgrade",
        vb(db.auto_minor_version_upgrade()),
    );
    put("copy_tags_to_snapshot", vb(db.copy_tags_to_snapshot()));
    put("deletion_protection", vb(db.deletion_protection()));
    put("license_model", vs(db.license_model()));
    put("character_set_name", vs(db.character_set_name()));
    put(
        "nchar_character_set_name",
        vs(db.nchar_character_set_name()),
    );
    put("timezone", vs(db.timezone()));
    put("ca_cert_identifier", vs(db.ca_certificate_identifier()));
    put("network_type", vs(db.network_type()));
    put("monitoring_interval", vn(db.monitoring_interval()));
    put("monitoring_role_arn", vs(db.monitoring_role_arn()));
    put(
        "iam_database_authentication_enabled",
        vb(db.iam_database_authentication_enabled()),
    );
    put(
        "performance_insights_enabled",
        vb(db.performance_insights_enabled()),
    );
    put(
        "performance_insights_kms_key_id",
        vs(db.performance_insights_kms_key_id()),
    );
    put(
        "performance_insights_retention_period",
        vn(db.performance_insights_retention_period()),
    );
    put(
        "enabled_cloudwatch_logs_exports",
        vset(db.enabled_cloudwatch_logs_exports()),
    );
    put(
        "custom_iam_instance_profile",
        vs(db.custom_iam_instance_profile()),
    );
    put(
        "customer_owned_ip_enabled",
        vb(db.customer_owned_ip_enabled()),
    );
    put(
        "replica_mode",
        vs(db.replica_mode().map(ReplicaMode::as_str)),
    );
    put(
        "replicas",
        Value::List(
            db.read_replica_db_instance_identifiers()
                .iter()
                .map(|s| Value::from(s.as_str()))
                .collect(),
        ),
    );
    // A source given as an ARN stays as written.
    let source = db.read_replica_source_db_instance_identifier();
    let source = match (get_str(base, "replicate_source_db"), source) {
        (Some(want), Some(have)) if want.ends_with(&format!(":{have}")) => {
            Value::from(want.as_str())
        }
        (_, have) => vs(have),
    };
    put("replicate_source_db", source);
    put(
        "db_subnet_group_name",
        vs(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
    );
    put(
        "parameter_group_name",
        vs(db
            .db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name())),
    );
    put(
        "option_group_name",
        vs(db
            .option_group_memberships()
            .first()
            .and_then(|g| g.option_group_name())),
    );
    put(
        "vpc_security_group_ids",
        vset(
            db.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id()),
        ),
    );
    let domain = db.domain_memberships().first();
    put("domain", vs(domain.and_then(|d| d.domain())));
    put(
        "domain_iam_role_name",
        vs(domain.and_then(|d| d.iam_role_name())),
    );
    put("domain_fqdn", vs(domain.and_then(|d| d.fqdn())));
    put("domain_ou", vs(domain.and_then(|d| d.ou())));
    put(
        "domain_auth_secret_arn",
        vs(domain.and_then(|d| d.auth_secret_arn())),
    );
    put(
        "domain_dns_ips",
        match domain.map(|d| d.dns_ips()).filter(|ips| !ips.is_empty()) {
            Some(ips) => Value::List(ips.iter().map(|ip| Value::from(ip.as_str())).collect()),
            None => Value::Null,
        },
    );
    put(
        "database_insights_mode",
        vs(db
            .database_insights_mode()
            .map(DatabaseInsightsMode::as_str)),
    );
    put("dedicated_log_volume", vb(db.dedicated_log_volume()));
    put(
        "engine_lifecycle_support",
        vs(db.engine_lifecycle_support()),
    );
    put(
        "latest_restorable_time",
        vs(db
            .latest_restorable_time()
            .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
            .as_deref()),
    );
    // Endpoint.
    let ep = db.endpoint();
    let address = ep.and_then(|e| e.address());
    let port = ep
        .and_then(|e| e.port())
        .or(db.db_instance_port().filter(|p| *p > 0));
    put("address", vs_nonempty(address));
    put("port", vn(port));
    put("hosted_zone_id", vs(ep.and_then(|e| e.hosted_zone_id())));
    put(
        "endpoint",
        match (address, port) {
            (Some(a), Some(p)) if !a.is_empty() => Value::from(format!("{a}:{p}").as_str()),
            _ => Value::Null,
        },
    );
    put(
        "listener_endpoint",
        Value::List(
            db.listener_endpoint()
                .map(|e| {
                    Value::map([
                        ("address", vs(e.address())),
                        ("hosted_zone_id", vs(e.hosted_zone_id())),
                        ("port", vn(e.port())),
                    ])
                })
                .into_iter()
                .collect(),
        ),
    );
    // Managed master password.
    match db.master_user_secret() {
        Some(s) => {
            put("manage_master_user_password", Value::Bool(true));
            put("master_user_secret_kms_key_id", vs(s.kms_key_id()));
            put(
                "master_user_secret",
                Value::List(vec![Value::map([
                    ("kms_key_id", vs(s.kms_key_id())),
                    ("secret_arn", vs(s.secret_arn())),
                    ("secret_status", vs(s.secret_status())),
                ])]),
            );
        }
        None => {
            let keep = get_bool(base, "manage_master_user_password").filter(|b| !*b);
            put("manage_master_user_password", vb(keep));
            put("master_user_secret_kms_key_id", Value::Null);
            put("master_user_secret", Value::List(Vec::new()));
        }
    }
    m
}

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
    let fetch: super::coalescer::Fetch<DbInstance> =
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

async fn create_instance(c: &AwsClients, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let start_at = Instant::now();
    for (k, how) in [
        ("replicate_source_db", "read replicas"),
        ("snapshot_identifier", "restores from snapshots"),
    ] {
        if get_nonempty(cfg, k).is_some() {
            return Err(ProviderError::Other(format!(
                "{}: {INSTANCE} with {k} ({how}) is not supported yet",
                req.addr
            )));
        }
    }
    for (k, how) in [
        ("restore_to_point_in_time", "point-in-time restores"),
        ("s3_import", "imports from S3"),
    ] {
        if !get_blocks(cfg, k).is_empty() {
            return Err(ProviderError::Other(format!(
                "{}: {INSTANCE} with a {k} block ({how}) is not supported yet",
                req.addr
            )));
        }
    }
    let id = new_name(cfg, "identifier", "identifier_prefix", req.client_token);
    let s = |k: &str| get_nonempty(cfg, k);
    let n = |k: &str| get_i32(cfg, k);
    let created = c
        .rds
        .create_db_instance()
        .db_instance_identifier(&id)
        .set_db_instance_class(s("instance_class"))
        .set_engine(s("engine"))
        .set_engine_version(s("engine_version"))
        .set_allocated_storage(n("allocated_storage"))
        .set_max_allocated_storage(n("max_allocated_storage").filter(|x| *x > 0))
        .set_storage_type(s("storage_type"))
        .set_iops(n("iops"))
        .set_storage_throughput(n("storage_throughput"))
        .set_storage_encrypted(get_bool(cfg, "storage_encrypted"))
        .set_kms_key_id(s("kms_key_id"))
        .set_master_username(s("username"))
        .set_master_user_password(s("password").or_else(|| s("password_wo")))
        .set_manage_master_user_password(get_bool(cfg, "manage_master_user_password"))
        .set_master_user_secret_kms_key_id(s("master_user_secret_kms_key_id"))
        .set_db_name(s("db_name"))
        .set_port(n("port"))
        .set_db_subnet_group_name(s("db_subnet_group_name"))
        .set_db_parameter_group_name(s("parameter_group_name"))
        .set_option_group_name(s("option_group_name"))
        .set_vpc_security_group_ids(nonempty(get_strs(cfg, "vpc_security_group_ids")))
        .set_availability_zone(s("availability_zone"))
        .set_multi_az(get_bool(cfg, "multi_az"))
        .set_publicly_accessible(get_bool(cfg, "publicly_accessible"))
        .set_backup_retention_period(n("backup_retention_period"))
        .set_preferred_backup_window(s("backup_window"))
        .set_backup_target(s("backup_target"))
        .set_preferred_maintenance_window(s("maintenance_window"))
        .set_auto_minor_version_upgrade(get_bool(cfg, "auto_minor_version_upgrade"))
        .set_copy_tags_to_snapshot(get_bool(cfg, "copy_tags_to_snapshot"))
        .set_deletion_protection(get_bool(cfg, "deletion_protection"))
        .set_license_model(s("license_model"))
        .set_character_set_name(s("character_set_name"))
        .set_nchar_character_set_name(s("nchar_character_set_name"))
        .set_timezone(s("timezone"))
        .set_ca_certificate_identifier(s("ca_cert_identifier"))
        .set_network_type(s("network_type"))
        .set_monitoring_interval(n("monitoring_interval"))
        .set_monitoring_role_arn(s("monitoring_role_arn"))
        .set_enable_iam_database_authentication(get_bool(
            cfg,
            "iam_database_authentication_enabled",
        ))
        .set_enable_performance_insights(get_bool(cfg, "performance_insights_enabled"))
        .set_performance_insights_kms_key_id(s("performance_insights_kms_key_id"))
        .set_performance_insights_retention_period(n("performance_insights_retention_period"))
        .set_enable_cloudwatch_logs_exports(nonempty(get_strs(
            cfg,
            "enabled_cloudwatch_logs_exports",
        )))
        .set_custom_iam_instance_profile(s("custom_iam_instance_profile"))
        .set_enable_customer_owned_ip(get_bool(cfg, "customer_owned_ip_enabled"))
        .set_domain(s("domain"))
        .set_domain_iam_role_name(s("domain_iam_role_name"))
        .set_domain_fqdn(s("domain_fqdn"))
        .set_domain_ou(s("domain_ou"))
        .set_domain_auth_secret_arn(s("domain_auth_secret_arn"))
        .set_domain_dns_ips(nonempty(get_strs(cfg, "domain_dns_ips")))
        .set_database_insights_mode(
            s("database_insights_mode").map(|m| DatabaseInsightsMode::from(m.as_str())),
        )
        .set_dedicated_log_volume(get_bool(cfg, "dedicated_log_volume"))
        .set_engine_lifecycle_support(s("engine_lifecycle_support"))
        .set_tags(Some(rds_tags(req.tags)))
        .send()
        .await
        .map_err(err);
    match created {
        Ok(_) => {}
        Err(e)
            if has_code(
                &e,
                &["DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"],
            ) =>
        {
            // Adopt the instance an interrupted attempt at this create started.
            let existing = describe_instance(c, &id).await?;
            if !existing.is_some_and(|db| owned(&tags_of(db.tag_list()), req.tags)) {
                return Err(e);
            }
        }
        Err(e) => return Err(e),
    }
    let db = wait_available(
        c,
        &[id.as_str()],
        remaining(start_at, req.timeout),
        &no_pending,
    )
    .await?;
    let mut m = instance_obj(&db, cfg);
    set_tags_created(&mut m, cfg, &tags_of(db.tag_list()));
    Ok(finish_resource(INSTANCE, m))
}

/// Whether a modification of one of `changed` is still pending on the instance.
fn modification_pending(db: &DbInstance, changed: &[String]) -> bool {
    let Some(p) = db.pending_modified_values() else {
        return false;
    };
    changed.iter().any(|k| match k.as_str() {
        "instance_class" => p.db_instance_class().is_some(),
        "allocated_storage" => p.allocated_storage().is_some(),
        "storage_type" => p.storage_type().is_some(),
        "iops" => p.iops().is_some(),
        "storage_throughput" => p.storage_throughput().is_some(),
        "multi_az" => p.multi_az().is_some(),
        "port" => p.port().is_some(),
        "identifier" => p.db_instance_identifier().is_some(),
        "engine_version" => p.engine_version().is_some(),
        "backup_retention_period" => p.backup_retention_period().is_some(),
        "password" | "password_wo_version" => p.master_user_password().is_some(),
        "ca_cert_identifier" => p.ca_certificate_identifier().is_some(),
        "db_subnet_group_name" => p.db_subnet_group_name().is_some(),
        "license_model" => p.license_model().is_some(),
        "iam_database_authentication_enabled" => p.iam_database_authentication_enabled().is_some(),
        _ => false,
    })
}

async fn update_instance(c: &AwsClients, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let start_at = Instant::now();
    let changed = |k: &str| req.changed.iter().any(|x| x == k);
    let apply_now = get_bool(cfg, "apply_immediately").unwrap_or(false);

    // Tags first: the ARN changes with a rename.
    let arn = match get_nonempty(req.prior, "arn") {
        Some(a) => a,
        None => describe_instance(c, req.id)
            .await?
            .and_then(|db| db.db_instance_arn().map(str::to_string))
            .ok_or_else(|| ProviderError::NotFound {
                what: format!("{INSTANCE} {}", req.id),
            })?,
    };
    sync_tags(&c.rds, &arn, &prior_tags(req.prior), req.tags).await?;

    let s = |k: &str| get_nonempty(cfg, k);
    let n = |k: &str| get_i32(cfg, k);
    let b = |k: &str| get_bool(cfg, k).unwrap_or(false);
    let mut m = c
        .rds
        .modify_db_instance()
        .db_instance_identifier(req.id)
        .apply_immediately(apply_now);
    let mut any = false;
    macro_rules! when {
        ($attr:literal, $value:expr, $setter:ident) => {
            if changed($attr) {
                if let Some(v) = $value {
                    m = m.$setter(v);
                    any = true;
                }
            }
        };
    }
    when!("instance_class", s("instance_class"), db_instance_class);
    when!(
        "allocated_storage",
        n("allocated_storage"),
        allocated_storage
    );
    when!(
        "max_allocated_storage",
        Some(n("max_allocated_storage").unwrap_or(0)),
        max_allocated_storage
    );
    if changed("storage_type") || changed("iops") || changed("storage_throughput") {
        // io1/io2/gp3 changes need the related storage settings in the same request.
        if let Some(t) = s("storage_type") {
            m = m.storage_type(t);
        }
        if let Some(i) = n("iops") {
            m = m.iops(i);
        }
        if let Some(t) = n("storage_throughput") {
            m = m.storage_throughput(t);
        }
        any = true;
    }
    if changed("engine_version") {
        if let Some(v) = s("engine_version") {
            m = m
                .engine_version(v)
                .allow_major_version_upgrade(b("allow_major_version_upgrade"));
            any = true;
        }
    }
    when!("password", s("password"), master_user_password);
    // A write-only password is sent when its version changes.
    when!(
        "password_wo_version",
        s("password_wo"),
        master_user_password
    );
    when!(
        "manage_master_user_password",
        Some(b("manage_master_user_password")),
        manage_master_user_password
    );
    when!(
        "master_user_secret_kms_key_id",
        s("master_user_secret_kms_key_id"),
        master_user_secret_kms_key_id
    );
    when!("identifier", s("identifier"), new_db_instance_identifier);
    when!("port", n("port"), db_port_number);
    when!(
        "db_subnet_group_name",
        s("db_subnet_group_name"),
        db_subnet_group_name
    );
    when!(
        "parameter_group_name",
        s("parameter_group_name"),
        db_parameter_group_name
    );
    when!(
        "option_group_name",
        s("option_group_name"),
        option_group_name
    );
    if changed("vpc_security_group_ids") {
        m = m.set_vpc_security_group_ids(Some(get_strs(cfg, "vpc_security_group_ids")));
        any = true;
    }
    when!("multi_az", Some(b("multi_az")), multi_az);
    when!(
        "publicly_accessible",
        Some(b("publicly_accessible")),
        publicly_accessible
    );
    when!(
        "backup_retention_period",
        n("backup_retention_period"),
        backup_retention_period
    );
    when!("backup_window", s("backup_window"), preferred_backup_window);
    when!(
        "maintenance_window",
        s("maintenance_window"),
        preferred_maintenance_window
    );
    when!(
        "auto_minor_version_upgrade",
        get_bool(cfg, "auto_minor_version_upgrade"),
        auto_minor_version_upgrade
    );
    when!(
        "copy_tags_to_snapshot",
        Some(b("copy_tags_to_snapshot")),
        copy_tags_to_snapshot
    );
    when!(
        "deletion_protection",
        Some(b("deletion_protection")),
        deletion_protection
    );
    when!(
        "iam_database_authentication_enabled",
        Some(b("iam_database_authentication_enabled")),
        enable_iam_database_authentication
    );
    when!("license_model", s("license_model"), license_model);
    when!(
        "ca_cert_identifier",
        s("ca_cert_identifier"),
        ca_certificate_identifier
    );
    when!("network_type", s("network_type"), network_type);
    when!(
        "monitoring_interval",
        Some(n("monitoring_interval").unwrap_or(0)),
        monitoring_interval
    );
    when!(
        "monitoring_role_arn",
        s("monitoring_role_arn"),
        monitoring_role_arn
    );
    when!(
        "performance_insights_enabled",
        Some(b("performance_insights_enabled")),
        enable_performance_insights
    );
    when!(
        "performance_insights_kms_key_id",
        s("performance_insights_kms_key_id"),
        performance_insights_kms_key_id
    );
    when!(
        "performance_insights_retention_period",
        n("performance_insights_retention_period"),
        performance_insights_retention_period
    );
    when!(
        "replica_mode",
        s("replica_mode").map(|x| ReplicaMode::from(x.as_str())),
        replica_mode
    );
    when!("domain", s("domain"), domain);
    if changed("domain") && s("domain").is_none() {
        m = m.disable_domain(true);
        any = true;
    }
    when!("domain_fqdn", s("domain_fqdn"), domain_fqdn);
    when!("domain_ou", s("domain_ou"), domain_ou);
    when!(
        "domain_auth_secret_arn",
        s("domain_auth_secret_arn"),
        domain_auth_secret_arn
    );
    if changed("domain_dns_ips") {
        m = m.set_domain_dns_ips(nonempty(get_strs(cfg, "domain_dns_ips")));
        any = true;
    }
    when!(
        "database_insights_mode",
        s("database_insights_mode").map(|x| DatabaseInsightsMode::from(x.as_str())),
        database_insights_mode
    );
    when!(
        "dedicated_log_volume",
        Some(b("dedicated_log_volume")),
        dedicated_log_volume
    );
    when!(
        "engine_lifecycle_support",
        s("engine_lifecycle_support"),
        engine_lifecycle_support
    );
    when!(
        "domain_iam_role_name",
        s("domain_iam_role_name"),
        domain_iam_role_name
    );
    when!(
        "customer_owned_ip_enabled",
        Some(b("customer_owned_ip_enabled")),
        enable_customer_owned_ip
    );
    if changed("enabled_cloudwatch_logs_exports") {
        let old: BTreeSet<String> = get_strs(req.prior, "enabled_cloudwatch_logs_exports")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(cfg, "enabled_cloudwatch_logs_exports")
            .into_iter()
            .collect();
        m = m.cloudwatch_logs_export_configuration(
            CloudwatchLogsExportConfiguration::builder()
                .set_enable_log_types(Some(new.difference(&old).cloned().collect()))
                .set_disable_log_types(Some(old.difference(&new).cloned().collect()))
                .build(),
        );
        any = true;
    }
    let renamed_to = s("identifier").filter(|i| changed("identifier") && i != req.id);
    if any {
        m.send().await.map_err(err)?;
    }
    // After a rename the instance answers to its new identifier (at once, or once the
    // pending rename is applied): look under both, the new one first.
    let mut ids: Vec<&str> = Vec::new();
    if let Some(r) = &renamed_to {
        ids.push(r.as_str());
    }
    ids.push(req.id);
    let pending = |db: &DbInstance| apply_now && modification_pending(db, req.changed);
    let db = wait_available(c, &ids, remaining(start_at, req.timeout), &pending).await?;
    let mut v = instance_obj(&db, cfg);
    set_tags_created(&mut v, cfg, &tags_of(db.tag_list()));
    Ok(finish_resource(INSTANCE, v))
}

async fn delete_instance(c: &AwsClients, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
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

async fn read_instances(
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
        let mut m = instance_obj(db, prior);
        set_tags_read(&mut m, prior, &tags_of(db.tag_list()));
        out.insert(id.clone(), finish_resource(INSTANCE, m));
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
    fn parameters_keep_the_configured_apply_method() {
        let base = Value::map([(
            "parameter",
            Value::set(vec![Value::map([
                ("name", Value::from("max_connections")),
                ("value", Value::from("100")),
                ("apply_method", Value::from("pending-reboot")),
            ])]),
        )]);
        let api = vec![
            Parameter::builder()
                .parameter_name("max_connections")
                .parameter_value("200")
                .apply_method(ApplyMethod::Immediate)
                .build(),
            Parameter::builder()
                .parameter_name("log_min_duration_statement")
                .parameter_value("5")
                .build(),
        ];
        let got = params_from_api(&api, &base);
        assert_eq!(got[0].apply_method, "pending-reboot");
        assert_eq!(got[0].value, "200");
        assert_eq!(got[1].apply_method, "immediate");
    }

    /// The provider runs these futures on any worker: they must be `Send`.
    #[allow(dead_code)]
    fn futures_are_send(
        c: &AwsClients,
        cr: &CreateRequest<'_>,
        ur: &UpdateRequest<'_>,
        dr: &DeleteRequest<'_>,
        priors: &[(String, Value)],
    ) {
        fn is_send<T: Send>(_: T) {}
        is_send(create(c, cr));
        is_send(update(c, ur));
        is_send(delete(c, dr));
        is_send(read(c, "aws_db_instance", priors));
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
