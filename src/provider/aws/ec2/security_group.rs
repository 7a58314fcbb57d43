//! `aws_security_group`: the group and its inline `ingress` / `egress` blocks.
//!
//! A direction whose configuration (or prior value) has no blocks is not managed by the group:
//! its rules may come from rule resources, and it reads as empty. A new group's default
//! allow-all egress rule stays only when an `egress` block declares it. Reads are batched
//! (see [`describe_groups`]); the rules come with the groups.

use super::common::*;
use super::rules::{apply_rules, blocks_for, config_atoms, permission_atoms, RuleSet};
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{ResourceType, SecurityGroup};
use std::collections::BTreeMap;

/// Security groups by id: ceil(N/1000) DescribeSecurityGroups calls; the rules come with them.
async fn describe_groups(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<SecurityGroup>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move { all_items!(ec2.describe_security_groups().set_group_ids(Some(page))) },
        |page| async move {
            all_items!(ec2
                .describe_security_groups()
                .filters(filter("group-id", page)))
        },
    )
    .await
}

fn group_attrs(p: &AwsProvider, m: &mut Obj, g: &SecurityGroup) {
    let id = g.group_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    let arn = g.security_group_arn().map_or_else(
        || {
            p.arn(
                g.owner_id().unwrap_or_default(),
                &format!("security-group/{id}"),
            )
        },
        str::to_string,
    );
    m.insert("arn".into(), Value::from(arn));
    m.insert("owner_id".into(), vs(g.owner_id()));
    m.insert("vpc_id".into(), vs(g.vpc_id()));
    m.insert("name".into(), vs(g.group_name()));
    if g.description().is_some() {
        m.insert("description".into(), vs(g.description()));
    }
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let name = get_str(c, "name").unwrap_or_else(|| {
        let prefix = get_str(c, "name_prefix").unwrap_or_else(|| "terraform-".to_string());
        unique_name(&prefix, req.client_token)
    });
    let out = p
        .ec2()
        .create_security_group()
        .group_name(&name)
        .description(
            get_str(c, "description").unwrap_or_else(|| "Managed by Terraform".to_string()),
        )
        .set_vpc_id(get_str(c, "vpc_id"))
        .set_tag_specifications(tag_spec(ResourceType::SecurityGroup, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let id = out.group_id().unwrap_or_default().to_string();
    let g = poll(req.timeout, &format!("security group {id}"), || async {
        Ok(describe_groups(p, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next())
    })
    .await?;
    // A new group allows all egress; that rule stays only when an egress block declares it.
    apply_rules(
        p,
        &id,
        false,
        &permission_atoms(g.ip_permissions()),
        &config_atoms(c, "ingress", &id),
    )
    .await?;
    apply_rules(
        p,
        &id,
        true,
        &permission_atoms(g.ip_permissions_egress()),
        &config_atoms(c, "egress", &id),
    )
    .await?;
    let mut m = start(c);
    group_attrs(p, &mut m, &g);
    if get(c, "name_prefix").is_none() {
        m.insert("name_prefix".into(), Value::Null);
    }
    let all = if g.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(g.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_security_group", m))
}

/// Gives a group an interrupted create left behind the rules [`create`] would have left:
/// exactly the configured ones.
pub(crate) async fn prepare_adoption(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
    id: &str,
) -> Result<(), ProviderError> {
    let Some(g) = describe_groups(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let c = req.config;
    apply_rules(
        p,
        id,
        false,
        &permission_atoms(g.ip_permissions()),
        &config_atoms(c, "ingress", id),
    )
    .await?;
    apply_rules(
        p,
        id,
        true,
        &permission_atoms(g.ip_permissions_egress()),
        &config_atoms(c, "egress", id),
    )
    .await
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    for (name, egress) in [("ingress", false), ("egress", true)] {
        if changed(req, name) {
            apply_rules(
                p,
                id,
                egress,
                &config_atoms(req.prior, name, id),
                &config_atoms(c, name, id),
            )
            .await?;
        }
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let g = the_one(describe_groups(p, &[id.to_string()]).await?, || {
        format!("security group {id}")
    })?;
    let mut m = update_base(c, req.prior);
    group_attrs(p, &mut m, &g);
    set_tags_created(&mut m, c, &tags_of(g.tags()));
    Ok(finish_resource("aws_security_group", m))
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let ec2 = p.ec2();
    if get_bool(req.prior, "revoke_rules_on_delete") == Some(true) {
        if let Some(g) = describe_groups(p, &[id.to_string()])
            .await?
            .into_iter()
            .next()
        {
            apply_rules(
                p,
                id,
                false,
                &permission_atoms(g.ip_permissions()),
                &RuleSet::new(),
            )
            .await?;
            apply_rules(
                p,
                id,
                true,
                &permission_atoms(g.ip_permissions_egress()),
                &RuleSet::new(),
            )
            .await?;
        }
    }
    // Instances and ENIs being deleted still hold the group for a while.
    let r = retry_codes(
        req.timeout,
        &["DependencyViolation", "InvalidGroup.InUse"],
        || async {
            ec2.delete_security_group()
                .group_id(id)
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await;
    ignore_not_found(r)
}

/// Cost: see [`describe_groups`]. A direction whose prior value has no blocks is not managed
/// by the group (rules may come from rule resources) and reads as empty.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_groups(p, &prior_ids(priors)).await?;
    Ok(read_found(
        &found,
        priors,
        |g| g.group_id(),
        |prior, g| read_value(p, Some(prior), g),
    ))
}

/// The value [`read`] gives `g` over its prior value: a direction whose prior value has no
/// blocks reads as empty. A group no state knows (`None`, see [`read_base`]) manages both
/// directions: every rule it has is reported, grouped into blocks.
pub(crate) fn read_value(p: &AwsProvider, prior: Option<&Value>, g: &SecurityGroup) -> Value {
    let id = g.group_id().unwrap_or_default();
    let tags = tags_of(g.tags());
    let base = read_base(prior, &tags);
    let mut m = start(&base);
    group_attrs(p, &mut m, g);
    for (name, perms) in [
        ("ingress", g.ip_permissions()),
        ("egress", g.ip_permissions_egress()),
    ] {
        let prior_blocks = get_blocks(&base, name);
        let blocks = if prior.is_some() && prior_blocks.is_empty() {
            Vec::new()
        } else {
            blocks_for(&permission_atoms(perms), &prior_blocks, id)
        };
        m.insert(name.into(), Value::set(blocks));
    }
    set_tags_read(&mut m, &base, &tags);
    finish_resource("aws_security_group", m)
}
