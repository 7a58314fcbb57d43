//! `aws_db_subnet_group` (id = name). A create that finds the name taken adopts the group
//! when it carries this create's ownership tags (an interrupted earlier attempt). Deleting
//! retries while an instance being deleted still uses the group.

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::common::{
    finish_resource, get_nonempty, get_strs, prior_ids, prior_tags, retry_codes, set_tags_created,
    set_tags_read, start, vs, vset, Obj,
};
use crate::provider::aws::AwsClients;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_rds::types::DbSubnetGroup;
use std::collections::BTreeMap;

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

pub(super) async fn create(
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

pub(super) async fn update(
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

pub(super) async fn delete(c: &AwsClients, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
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

pub(super) async fn read(
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
