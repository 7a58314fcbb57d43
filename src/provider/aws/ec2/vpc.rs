//! `aws_vpc`: the VPC, its DNS and address-usage attributes, its IPv6 block, and the ids of
//! the default route table, security group and network ACL EC2 creates with it.
//!
//! Reads are batched (see [`describe_vpcs`] for the cost); the DNS attributes and the default
//! ids are not re-read: they are kept from the prior value.

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{ResourceType, Tenancy, Vpc, VpcTenancy};
use std::collections::BTreeMap;

/// VPCs by id: ceil(N/1000) DescribeVpcs calls (plus ceil(page/200) filtered calls for a page
/// holding an id that is gone).
pub(crate) async fn describe_vpcs(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<Vpc>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move { all_items!(ec2.describe_vpcs().set_vpc_ids(Some(page))) },
        |page| async move { all_items!(ec2.describe_vpcs().filters(filter("vpc-id", page))) },
    )
    .await
}

/// The attributes DescribeVpcs returns.
fn vpc_attrs(p: &AwsProvider, m: &mut Obj, v: &Vpc) {
    let id = v.vpc_id().unwrap_or_default();
    let owner = v.owner_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(p.arn(owner, &format!("vpc/{id}"))),
    );
    m.insert("cidr_block".into(), vs(v.cidr_block()));
    m.insert("dhcp_options_id".into(), vs(v.dhcp_options_id()));
    m.insert("owner_id".into(), vs(v.owner_id()));
    if let Some(t) = v.instance_tenancy() {
        m.insert("instance_tenancy".into(), Value::from(t.as_str()));
    }
    let ipv6 = v.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
    });
    m.insert(
        "ipv6_association_id".into(),
        vs(ipv6.and_then(|a| a.association_id())),
    );
    m.insert(
        "ipv6_cidr_block".into(),
        vs(ipv6.and_then(|a| a.ipv6_cidr_block())),
    );
    m.insert(
        "ipv6_cidr_block_network_border_group".into(),
        vs(ipv6.and_then(|a| a.network_border_group())),
    );
    if m.get("assign_generated_ipv6_cidr_block")
        .is_none_or(|x| !x.is_known())
    {
        m.insert(
            "assign_generated_ipv6_cidr_block".into(),
            Value::Bool(ipv6.and_then(|a| a.ipv6_pool()) == Some("Amazon")),
        );
    }
}

/// The default route table, security group and network ACL of a new VPC (3 calls).
async fn vpc_defaults(p: &AwsProvider, m: &mut Obj, id: &str) -> Result<(), ProviderError> {
    let ec2 = p.ec2();
    let rts = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", [id]))
        .filters(filter("association.main", ["true"]))
        .send()
        .await
        .map_err(sdk)?;
    let main = rts.route_tables().first().and_then(|r| r.route_table_id());
    m.insert("main_route_table_id".into(), vs(main));
    m.insert("default_route_table_id".into(), vs(main));
    let sgs = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", [id]))
        .filters(filter("group-name", ["default"]))
        .send()
        .await
        .map_err(sdk)?;
    m.insert(
        "default_security_group_id".into(),
        vs(sgs.security_groups().first().and_then(|g| g.group_id())),
    );
    let acls = ec2
        .describe_network_acls()
        .filters(filter("vpc-id", [id]))
        .filters(filter("default", ["true"]))
        .send()
        .await
        .map_err(sdk)?;
    m.insert(
        "default_network_acl_id".into(),
        vs(acls.network_acls().first().and_then(|a| a.network_acl_id())),
    );
    Ok(())
}

async fn modify_vpc_bool(
    p: &AwsProvider,
    id: &str,
    name: &str,
    b: bool,
) -> Result<(), ProviderError> {
    let r = p.ec2().modify_vpc_attribute().vpc_id(id);
    let r = match name {
        "enable_dns_hostnames" => r.enable_dns_hostnames(attr_bool(b)),
        "enable_dns_support" => r.enable_dns_support(attr_bool(b)),
        _ => r.enable_network_address_usage_metrics(attr_bool(b)),
    };
    r.send().await.map(drop).map_err(sdk)
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let out = p
        .ec2()
        .create_vpc()
        .set_cidr_block(get_str(c, "cidr_block"))
        .set_instance_tenancy(get_str(c, "instance_tenancy").map(|t| Tenancy::from(t.as_str())))
        .set_amazon_provided_ipv6_cidr_block(
            get_bool(c, "assign_generated_ipv6_cidr_block").filter(|b| *b),
        )
        .set_ipv4_ipam_pool_id(get_str(c, "ipv4_ipam_pool_id"))
        .set_ipv4_netmask_length(get_i32(c, "ipv4_netmask_length"))
        .set_ipv6_ipam_pool_id(get_str(c, "ipv6_ipam_pool_id"))
        .set_ipv6_netmask_length(get_i32(c, "ipv6_netmask_length"))
        .set_ipv6_cidr_block(get_str(c, "ipv6_ipam_pool_id").and(get_str(c, "ipv6_cidr_block")))
        .set_ipv6_cidr_block_network_border_group(get_str(
            c,
            "ipv6_cidr_block_network_border_group",
        ))
        .set_tag_specifications(tag_spec(ResourceType::Vpc, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let mut vpc = out
        .vpc()
        .cloned()
        .ok_or_else(|| ProviderError::Other("CreateVpc returned no VPC".into()))?;
    let id = vpc.vpc_id().unwrap_or_default().to_string();
    if vpc.state().is_some_and(|s| s.as_str() != "available") {
        vpc = poll(
            req.timeout,
            &format!("VPC {id} to become available"),
            || async {
                let found = describe_vpcs(p, std::slice::from_ref(&id)).await?;
                Ok(found
                    .into_iter()
                    .find(|v| v.state().is_some_and(|s| s.as_str() == "available")))
            },
        )
        .await?;
    }
    let mut m = start(c);
    let dns_hostnames = get_bool(c, "enable_dns_hostnames").unwrap_or(false);
    let dns_support = get_bool(c, "enable_dns_support").unwrap_or(true);
    let metrics = get_bool(c, "enable_network_address_usage_metrics").unwrap_or(false);
    if dns_hostnames {
        modify_vpc_bool(p, &id, "enable_dns_hostnames", true).await?;
    }
    if !dns_support {
        modify_vpc_bool(p, &id, "enable_dns_support", false).await?;
    }
    if metrics {
        modify_vpc_bool(p, &id, "enable_network_address_usage_metrics", true).await?;
    }
    m.insert("enable_dns_hostnames".into(), Value::Bool(dns_hostnames));
    m.insert("enable_dns_support".into(), Value::Bool(dns_support));
    m.insert(
        "enable_network_address_usage_metrics".into(),
        Value::Bool(metrics),
    );
    vpc_attrs(p, &mut m, &vpc);
    vpc_defaults(p, &mut m, &id).await?;
    let all = if vpc.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(vpc.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_vpc", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    for name in [
        "enable_dns_hostnames",
        "enable_dns_support",
        "enable_network_address_usage_metrics",
    ] {
        if let (true, Some(b)) = (changed(req, name), get_bool(c, name)) {
            modify_vpc_bool(p, id, name, b).await?;
        }
    }
    if changed(req, "instance_tenancy") {
        // Only dedicated -> default is possible in place.
        p.ec2()
            .modify_vpc_tenancy()
            .vpc_id(id)
            .instance_tenancy(VpcTenancy::Default)
            .send()
            .await
            .map_err(sdk)?;
    }
    if changed(req, "assign_generated_ipv6_cidr_block") {
        if get_bool(c, "assign_generated_ipv6_cidr_block") == Some(true) {
            p.ec2()
                .associate_vpc_cidr_block()
                .vpc_id(id)
                .amazon_provided_ipv6_cidr_block(true)
                .send()
                .await
                .map_err(sdk)?;
        } else if let Some(assoc) = get_str(req.prior, "ipv6_association_id") {
            p.ec2()
                .disassociate_vpc_cidr_block()
                .association_id(assoc)
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let vpc = the_one(describe_vpcs(p, &[id.to_string()]).await?, || {
        format!("VPC {id}")
    })?;
    let mut m = update_base(c, req.prior);
    vpc_attrs(p, &mut m, &vpc);
    set_tags_created(&mut m, c, &tags_of(vpc.tags()));
    Ok(finish_resource("aws_vpc", m))
}

/// Cost: see [`describe_vpcs`]. DNS attributes and default ids are kept from the prior value.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_vpcs(p, &prior_ids(priors)).await?;
    Ok(read_found(
        &found,
        priors,
        |v| v.vpc_id(),
        |prior, v| {
            let mut m = start(prior);
            vpc_attrs(p, &mut m, v);
            set_tags_read(&mut m, prior, &tags_of(v.tags()));
            finish_resource("aws_vpc", m)
        },
    ))
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    ignore_not_found(
        p.ec2()
            .delete_vpc()
            .vpc_id(req.id)
            .send()
            .await
            .map(drop)
            .map_err(sdk),
    )
}
