//! `aws_subnet`: the subnet and the launch-time attributes ModifySubnetAttribute sets (one
//! call per attribute that differs from what a new subnet has).
//!
//! Reads are batched (see [`describe_subnets`] for the cost); every attribute comes from the
//! API.

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{HostnameType, ResourceType, Subnet};
use std::collections::BTreeMap;

/// Subnets by id: ceil(N/1000) DescribeSubnets calls.
pub(crate) async fn describe_subnets(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<Subnet>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move { all_items!(ec2.describe_subnets().set_subnet_ids(Some(page))) },
        |page| async move { all_items!(ec2.describe_subnets().filters(filter("subnet-id", page))) },
    )
    .await
}

fn set_bool(m: &mut Obj, k: &str, b: Option<bool>) {
    if let Some(b) = b {
        m.insert(k.into(), Value::Bool(b));
    }
}

fn subnet_attrs(p: &AwsProvider, m: &mut Obj, s: &Subnet) {
    let id = s.subnet_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    let arn = s.subnet_arn().map_or_else(
        || p.arn(s.owner_id().unwrap_or_default(), &format!("subnet/{id}")),
        str::to_string,
    );
    m.insert("arn".into(), Value::from(arn));
    m.insert("availability_zone".into(), vs(s.availability_zone()));
    m.insert("availability_zone_id".into(), vs(s.availability_zone_id()));
    m.insert("cidr_block".into(), vs(s.cidr_block()));
    m.insert("vpc_id".into(), vs(s.vpc_id()));
    m.insert("owner_id".into(), vs(s.owner_id()));
    set_bool(m, "map_public_ip_on_launch", s.map_public_ip_on_launch());
    set_bool(
        m,
        "assign_ipv6_address_on_creation",
        s.assign_ipv6_address_on_creation(),
    );
    set_bool(m, "enable_dns64", s.enable_dns64());
    set_bool(m, "ipv6_native", s.ipv6_native());
    set_bool(
        m,
        "map_customer_owned_ip_on_launch",
        s.map_customer_owned_ip_on_launch(),
    );
    if s.outpost_arn().is_some() {
        m.insert("outpost_arn".into(), vs(s.outpost_arn()));
    }
    if s.customer_owned_ipv4_pool().is_some() {
        m.insert(
            "customer_owned_ipv4_pool".into(),
            vs(s.customer_owned_ipv4_pool()),
        );
    }
    if let Some(n) = s.enable_lni_at_device_index().filter(|n| *n != 0) {
        m.insert("enable_lni_at_device_index".into(), vn(Some(n)));
    }
    if let Some(o) = s.private_dns_name_options_on_launch() {
        if let Some(h) = o.hostname_type() {
            m.insert(
                "private_dns_hostname_type_on_launch".into(),
                Value::from(h.as_str()),
            );
        }
        set_bool(
            m,
            "enable_resource_name_dns_a_record_on_launch",
            o.enable_resource_name_dns_a_record(),
        );
        set_bool(
            m,
            "enable_resource_name_dns_aaaa_record_on_launch",
            o.enable_resource_name_dns_aaaa_record(),
        );
    }
    let ipv6 = s.ipv6_cidr_block_association_set().iter().find(|a| {
        a.ipv6_cidr_block_state()
            .and_then(|s| s.state())
            .is_some_and(|s| matches!(s.as_str(), "associated" | "associating"))
    });
    m.insert(
        "ipv6_cidr_block".into(),
        vs(ipv6.and_then(|a| a.ipv6_cidr_block())),
    );
    m.insert(
        "ipv6_cidr_block_association_id".into(),
        vs(ipv6.and_then(|a| a.association_id())),
    );
    if !m
        .get("private_dns_hostname_type_on_launch")
        .is_some_and(Value::is_known)
    {
        m.insert(
            "private_dns_hostname_type_on_launch".into(),
            Value::from("ip-name"),
        );
    }
}

/// Applies the subnet attributes ModifySubnetAttribute sets (one call per attribute).
/// `all` sets every attribute that differs from the API default; otherwise only `names`.
async fn modify_subnet(
    p: &AwsProvider,
    id: &str,
    c: &Value,
    names: &[&str],
) -> Result<(), ProviderError> {
    let ec2 = p.ec2();
    for name in names {
        let r = ec2.modify_subnet_attribute().subnet_id(id);
        let r = match *name {
            "map_public_ip_on_launch" => {
                r.map_public_ip_on_launch(attr_bool(get_bool(c, name).unwrap_or(false)))
            }
            "assign_ipv6_address_on_creation" => {
                r.assign_ipv6_address_on_creation(attr_bool(get_bool(c, name).unwrap_or(false)))
            }
            "enable_dns64" => r.enable_dns64(attr_bool(get_bool(c, name).unwrap_or(false))),
            "enable_resource_name_dns_a_record_on_launch" => r
                .enable_resource_name_dns_a_record_on_launch(attr_bool(
                    get_bool(c, name).unwrap_or(false),
                )),
            "enable_resource_name_dns_aaaa_record_on_launch" => r
                .enable_resource_name_dns_aaaa_record_on_launch(attr_bool(
                    get_bool(c, name).unwrap_or(false),
                )),
            "private_dns_hostname_type_on_launch" => match get_str(c, name) {
                Some(h) => r.private_dns_hostname_type_on_launch(HostnameType::from(h.as_str())),
                None => continue,
            },
            "map_customer_owned_ip_on_launch" => r
                .map_customer_owned_ip_on_launch(attr_bool(get_bool(c, name).unwrap_or(false)))
                .set_customer_owned_ipv4_pool(get_str(c, "customer_owned_ipv4_pool")),
            "enable_lni_at_device_index" => match get_i32(c, name) {
                Some(n) => r.enable_lni_at_device_index(n),
                None => r.disable_lni_at_device_index(attr_bool(true)),
            },
            _ => continue,
        };
        r.send().await.map_err(sdk)?;
    }
    Ok(())
}

const SUBNET_MODIFIABLE: &[&str] = &[
    "map_public_ip_on_launch",
    "assign_ipv6_address_on_creation",
    "enable_dns64",
    "enable_resource_name_dns_a_record_on_launch",
    "enable_resource_name_dns_aaaa_record_on_launch",
    "private_dns_hostname_type_on_launch",
    "map_customer_owned_ip_on_launch",
    "enable_lni_at_device_index",
];

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let out = p
        .ec2()
        .create_subnet()
        .set_vpc_id(get_str(c, "vpc_id"))
        .set_cidr_block(get_str(c, "cidr_block"))
        .set_availability_zone(get_str(c, "availability_zone"))
        .set_availability_zone_id(get_str(c, "availability_zone_id"))
        .set_ipv6_cidr_block(get_str(c, "ipv6_cidr_block"))
        .set_ipv6_native(get_bool(c, "ipv6_native").filter(|b| *b))
        .set_outpost_arn(get_str(c, "outpost_arn"))
        .set_ipv4_ipam_pool_id(get_str(c, "ipv4_ipam_pool_id"))
        .set_ipv4_netmask_length(get_i32(c, "ipv4_netmask_length"))
        .set_ipv6_ipam_pool_id(get_str(c, "ipv6_ipam_pool_id"))
        .set_ipv6_netmask_length(get_i32(c, "ipv6_netmask_length"))
        .set_tag_specifications(tag_spec(ResourceType::Subnet, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let subnet = out
        .subnet()
        .ok_or_else(|| ProviderError::Other("CreateSubnet returned no subnet".into()))?;
    let id = subnet.subnet_id().unwrap_or_default().to_string();
    // Only the attributes that differ from what a new subnet has.
    let mut names: Vec<&str> = Vec::new();
    for name in [
        "map_public_ip_on_launch",
        "assign_ipv6_address_on_creation",
        "enable_dns64",
        "enable_resource_name_dns_a_record_on_launch",
        "enable_resource_name_dns_aaaa_record_on_launch",
        "map_customer_owned_ip_on_launch",
    ] {
        if get_bool(c, name) == Some(true) {
            names.push(name);
        }
    }
    if get_str(c, "private_dns_hostname_type_on_launch").is_some_and(|h| h != "ip-name") {
        names.push("private_dns_hostname_type_on_launch");
    }
    if get_i32(c, "enable_lni_at_device_index").is_some() {
        names.push("enable_lni_at_device_index");
    }
    let subnet = if names.is_empty() && subnet.state().is_some_and(|s| s.as_str() == "available") {
        subnet.clone()
    } else {
        modify_subnet(p, &id, c, &names).await?;
        poll(
            req.timeout,
            &format!("subnet {id} to become available"),
            || async {
                let found = describe_subnets(p, std::slice::from_ref(&id)).await?;
                Ok(found
                    .into_iter()
                    .find(|s| s.state().is_none_or(|s| s.as_str() == "available")))
            },
        )
        .await?
    };
    let mut m = start(c);
    subnet_attrs(p, &mut m, &subnet);
    let all = if subnet.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(subnet.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_subnet", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    let mut names: Vec<&str> = SUBNET_MODIFIABLE
        .iter()
        .copied()
        .filter(|n| changed(req, n))
        .collect();
    if changed(req, "customer_owned_ipv4_pool")
        && !names.contains(&"map_customer_owned_ip_on_launch")
    {
        names.push("map_customer_owned_ip_on_launch");
    }
    modify_subnet(p, id, c, &names).await?;
    if changed(req, "ipv6_cidr_block") {
        if let Some(assoc) = get_str(req.prior, "ipv6_cidr_block_association_id") {
            p.ec2()
                .disassociate_subnet_cidr_block()
                .association_id(assoc)
                .send()
                .await
                .map_err(sdk)?;
        }
        if let Some(block) = get_str(c, "ipv6_cidr_block") {
            p.ec2()
                .associate_subnet_cidr_block()
                .subnet_id(id)
                .ipv6_cidr_block(block)
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let s = the_one(describe_subnets(p, &[id.to_string()]).await?, || {
        format!("subnet {id}")
    })?;
    let mut m = update_base(c, req.prior);
    subnet_attrs(p, &mut m, &s);
    set_tags_created(&mut m, c, &tags_of(s.tags()));
    Ok(finish_resource("aws_subnet", m))
}

/// Cost: see [`describe_subnets`]; every attribute comes from the call.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_subnets(p, &prior_ids(priors)).await?;
    Ok(read_found(
        &found,
        priors,
        |s| s.subnet_id(),
        |prior, s| read_value(p, Some(prior), s),
    ))
}

/// The value [`read`] gives `s` over its prior value (see [`read_base`] for `None`).
pub(crate) fn read_value(p: &AwsProvider, prior: Option<&Value>, s: &Subnet) -> Value {
    let tags = tags_of(s.tags());
    let base = read_base(prior, &tags);
    let mut m = start(&base);
    subnet_attrs(p, &mut m, s);
    set_tags_read(&mut m, &base, &tags);
    finish_resource("aws_subnet", m)
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let (ec2, id) = (p.ec2(), req.id);
    // ENIs of deleted instances and load balancers linger for a while.
    let r = retry_codes(req.timeout, &["DependencyViolation"], || async {
        ec2.delete_subnet()
            .subnet_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk)
    })
    .await;
    ignore_not_found(r)
}
