//! `aws_internet_gateway`: the gateway and its attachment to at most one VPC (`vpc_id`).
//!
//! Attaching retries while a VPC created a moment ago is not visible yet; detaching retries
//! while mapped public addresses remain in the VPC. Reads are batched (see [`describe_igws`]).

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{InternetGateway, ResourceType};
use std::collections::BTreeMap;

/// Internet gateways by id: ceil(N/1000) DescribeInternetGateways calls.
async fn describe_igws(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<InternetGateway>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move {
            all_items!(ec2
                .describe_internet_gateways()
                .set_internet_gateway_ids(Some(page)))
        },
        |page| async move {
            all_items!(ec2
                .describe_internet_gateways()
                .filters(filter("internet-gateway-id", page)))
        },
    )
    .await
}

fn igw_attrs(p: &AwsProvider, m: &mut Obj, g: &InternetGateway) {
    let id = g.internet_gateway_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    m.insert("owner_id".into(), vs(g.owner_id()));
    m.insert(
        "arn".into(),
        Value::from(p.arn(
            g.owner_id().unwrap_or_default(),
            &format!("internet-gateway/{id}"),
        )),
    );
    let vpc = g
        .attachments()
        .iter()
        .find(|a| {
            a.state()
                .is_none_or(|s| !matches!(s.as_str(), "detached" | "detaching"))
        })
        .and_then(|a| a.vpc_id());
    m.insert("vpc_id".into(), vs(vpc));
}

async fn attach_igw(
    p: &AwsProvider,
    id: &str,
    vpc: &str,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    // A VPC created a moment ago may not be visible to AttachInternetGateway yet.
    retry_codes(
        timeout.min(PROPAGATION),
        &["InvalidInternetGatewayID.NotFound"],
        || async {
            p.ec2()
                .attach_internet_gateway()
                .internet_gateway_id(id)
                .vpc_id(vpc)
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await
}

async fn detach_igw(
    p: &AwsProvider,
    id: &str,
    vpc: &str,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    // DependencyViolation while mapped public addresses remain in the VPC.
    let r = retry_codes(timeout, &["DependencyViolation"], || async {
        p.ec2()
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map(drop)
            .map_err(sdk)
    })
    .await;
    ignore_codes(ignore_not_found(r), &["Gateway.NotAttached"])
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let out = p
        .ec2()
        .create_internet_gateway()
        .set_tag_specifications(tag_spec(ResourceType::InternetGateway, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let g = out
        .internet_gateway()
        .ok_or_else(|| ProviderError::Other("CreateInternetGateway returned nothing".into()))?;
    let id = g.internet_gateway_id().unwrap_or_default().to_string();
    let mut m = start(c);
    igw_attrs(p, &mut m, g);
    if let Some(vpc) = get_str(c, "vpc_id") {
        attach_igw(p, &id, &vpc, req.timeout).await?;
        m.insert("vpc_id".into(), Value::from(vpc));
    }
    let all = if g.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(g.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_internet_gateway", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    let old = get_str(req.prior, "vpc_id");
    let new = get_str(c, "vpc_id");
    if changed(req, "vpc_id") && old != new {
        if let Some(old) = &old {
            detach_igw(p, id, old, req.timeout).await?;
        }
        if let Some(new) = &new {
            attach_igw(p, id, new, req.timeout).await?;
        }
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let g = the_one(describe_igws(p, &[id.to_string()]).await?, || {
        format!("internet gateway {id}")
    })?;
    let mut m = update_base(c, req.prior);
    igw_attrs(p, &mut m, &g);
    set_tags_created(&mut m, c, &tags_of(g.tags()));
    Ok(finish_resource("aws_internet_gateway", m))
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    // The attachment as it is now (the prior value may be stale).
    let found = describe_igws(p, &[id.to_string()]).await?;
    let Some(g) = found.first() else {
        return Ok(());
    };
    for a in g.attachments() {
        if let Some(vpc) = a.vpc_id() {
            detach_igw(p, id, vpc, req.timeout).await?;
        }
    }
    let r = retry_codes(req.timeout, &["DependencyViolation"], || async {
        p.ec2()
            .delete_internet_gateway()
            .internet_gateway_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk)
    })
    .await;
    ignore_not_found(r)
}

/// Cost: see [`describe_igws`].
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_igws(p, &prior_ids(priors)).await?;
    Ok(read_found(
        &found,
        priors,
        |g| g.internet_gateway_id(),
        |prior, g| read_value(p, Some(prior), g),
    ))
}

/// The value [`read`] gives `g` over its prior value (see [`read_base`] for `None`).
pub(crate) fn read_value(p: &AwsProvider, prior: Option<&Value>, g: &InternetGateway) -> Value {
    let tags = tags_of(g.tags());
    let base = read_base(prior, &tags);
    let mut m = start(&base);
    igw_attrs(p, &mut m, g);
    set_tags_read(&mut m, &base, &tags);
    finish_resource("aws_internet_gateway", m)
}
