//! VPC networking: `aws_vpc`, `aws_subnet`, `aws_internet_gateway`, `aws_route_table`,
//! `aws_route`, `aws_route_table_association`, `aws_eip`, `aws_nat_gateway`.
//!
//! Reads are batched: one Describe call per page of ids (see each `read_*` for the cost).

use super::common::*;
use super::provider::AwsProvider;
use crate::eval::Value;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{
    Address, AttributeBooleanValue, ConnectivityType, DomainType, HostnameType, InternetGateway,
    NatGateway, ResourceType, Route, RouteTable, Subnet, Tenancy, Vpc, VpcTenancy,
};
use std::collections::{BTreeMap, BTreeSet};

/// How long an object created a moment ago may stay invisible to other calls (eventual
/// consistency): `NotFound` for it is retried this long at most.
const PROPAGATION: std::time::Duration = std::time::Duration::from_secs(120);

/// Collects all items of a paginated Describe call.
macro_rules! all_items {
    ($req:expr) => {
        $req.into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk)
    };
}

fn attr_bool(b: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(b).build()
}

/// The planned value for an update with unknowns taken from the prior value.
pub(crate) fn update_base(config: &Value, prior: &Value) -> Obj {
    let mut m = start(config);
    if let Some(p) = prior.as_map() {
        for (k, v) in m.iter_mut() {
            if !v.is_known() {
                if let Some(pv) = p.get(k) {
                    *v = pv.clone();
                }
            }
        }
    }
    m
}

/// Whether `name` differs between the prior value and the configuration.
pub(crate) fn changed(req: &UpdateRequest<'_>, name: &str) -> bool {
    req.changed.iter().any(|c| c == name)
}

// ----------------------------------------------------------------------------------------------
// Dispatch.

pub(crate) async fn create(
    p: &AwsProvider,
    t: &str,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    match t {
        "aws_vpc" => create_vpc(p, req).await,
        "aws_subnet" => create_subnet(p, req).await,
        "aws_internet_gateway" => create_igw(p, req).await,
        "aws_route_table" => create_route_table(p, req).await,
        "aws_route" => create_route(p, req).await,
        "aws_route_table_association" => create_rta(p, req).await,
        "aws_eip" => create_eip(p, req).await,
        "aws_nat_gateway" => create_nat(p, req).await,
        _ => Err(ProviderError::Unsupported {
            type_name: t.to_string(),
            operation: "create",
        }),
    }
}

pub(crate) async fn update(
    p: &AwsProvider,
    t: &str,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    match t {
        "aws_vpc" => update_vpc(p, req).await,
        "aws_subnet" => update_subnet(p, req).await,
        "aws_internet_gateway" => update_igw(p, req).await,
        "aws_route_table" => update_route_table(p, req).await,
        "aws_route" => update_route(p, req).await,
        "aws_route_table_association" => update_rta(p, req).await,
        "aws_eip" => update_eip(p, req).await,
        "aws_nat_gateway" => update_nat(p, req).await,
        _ => Err(ProviderError::Unsupported {
            type_name: t.to_string(),
            operation: "update",
        }),
    }
}

pub(crate) async fn delete(
    p: &AwsProvider,
    t: &str,
    req: &DeleteRequest<'_>,
) -> Result<(), ProviderError> {
    let ec2 = p.ec2();
    let id = req.id;
    match t {
        "aws_vpc" => ignore_not_found(
            ec2.delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map(drop)
                .map_err(sdk),
        ),
        "aws_subnet" => {
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
        "aws_internet_gateway" => delete_igw(p, req).await,
        "aws_route_table" => {
            let r = retry_codes(req.timeout, &["DependencyViolation"], || async {
                ec2.delete_route_table()
                    .route_table_id(id)
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk)
            })
            .await;
            ignore_not_found(r)
        }
        "aws_route" => {
            let spec = RouteSpec::from_resource(req.prior);
            let rtb = get_str(req.prior, "route_table_id")
                .unwrap_or_else(|| id.split('_').next().unwrap_or_default().to_string());
            let r = ec2
                .delete_route()
                .route_table_id(rtb)
                .set_destination_cidr_block(spec.cidr)
                .set_destination_ipv6_cidr_block(spec.ipv6)
                .set_destination_prefix_list_id(spec.prefix_list)
                .send()
                .await
                .map(drop)
                .map_err(sdk);
            ignore_not_found(r)
        }
        "aws_route_table_association" => ignore_not_found(
            ec2.disassociate_route_table()
                .association_id(id)
                .send()
                .await
                .map(drop)
                .map_err(sdk),
        ),
        "aws_eip" => delete_eip(p, req).await,
        "aws_nat_gateway" => delete_nat(p, req).await,
        _ => Err(ProviderError::Unsupported {
            type_name: t.to_string(),
            operation: "delete",
        }),
    }
}

pub(crate) async fn read(
    p: &AwsProvider,
    t: &str,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    match t {
        "aws_vpc" => read_vpcs(p, priors).await,
        "aws_subnet" => read_subnets(p, priors).await,
        "aws_internet_gateway" => read_igws(p, priors).await,
        "aws_route_table" => read_route_tables(p, priors).await,
        "aws_route" => read_routes(p, priors).await,
        "aws_route_table_association" => read_rtas(p, priors).await,
        "aws_eip" => read_eips(p, priors).await,
        "aws_nat_gateway" => read_nats(p, priors).await,
        _ => Err(ProviderError::Unsupported {
            type_name: t.to_string(),
            operation: "read",
        }),
    }
}

// ----------------------------------------------------------------------------------------------
// aws_vpc

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

async fn create_vpc(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
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

async fn update_vpc(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
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
    let vpc = describe_vpcs(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("VPC {id}"),
        })?;
    let mut m = update_base(c, req.prior);
    vpc_attrs(p, &mut m, &vpc);
    set_tags_created(&mut m, c, &tags_of(vpc.tags()));
    Ok(finish_resource("aws_vpc", m))
}

/// Cost: see [`describe_vpcs`]. DNS attributes and default ids are kept from the prior value.
async fn read_vpcs(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_vpcs(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &Vpc> = found
        .iter()
        .filter_map(|v| Some((v.vpc_id()?, v)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(v) = by_id.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        vpc_attrs(p, &mut m, v);
        set_tags_read(&mut m, prior, &tags_of(v.tags()));
        out.insert(id.clone(), finish_resource("aws_vpc", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_subnet

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

async fn create_subnet(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
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

async fn update_subnet(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
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
    let s = describe_subnets(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("subnet {id}"),
        })?;
    let mut m = update_base(c, req.prior);
    subnet_attrs(p, &mut m, &s);
    set_tags_created(&mut m, c, &tags_of(s.tags()));
    Ok(finish_resource("aws_subnet", m))
}

/// Cost: see [`describe_subnets`]; every attribute comes from the call.
async fn read_subnets(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_subnets(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &Subnet> = found
        .iter()
        .filter_map(|s| Some((s.subnet_id()?, s)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(s) = by_id.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        subnet_attrs(p, &mut m, s);
        set_tags_read(&mut m, prior, &tags_of(s.tags()));
        out.insert(id.clone(), finish_resource("aws_subnet", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_internet_gateway

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

async fn create_igw(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
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

async fn update_igw(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
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
    let g = describe_igws(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("internet gateway {id}"),
        })?;
    let mut m = update_base(c, req.prior);
    igw_attrs(p, &mut m, &g);
    set_tags_created(&mut m, c, &tags_of(g.tags()));
    Ok(finish_resource("aws_internet_gateway", m))
}

async fn delete_igw(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
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
async fn read_igws(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_igws(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &InternetGateway> = found
        .iter()
        .filter_map(|g| Some((g.internet_gateway_id()?, g)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(g) = by_id.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        igw_attrs(p, &mut m, g);
        set_tags_read(&mut m, prior, &tags_of(g.tags()));
        out.insert(id.clone(), finish_resource("aws_internet_gateway", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// Routes (shared by aws_route_table's `route` blocks and aws_route).

/// One route: a destination and a target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RouteSpec {
    cidr: Option<String>,
    ipv6: Option<String>,
    prefix_list: Option<String>,
    carrier_gateway_id: Option<String>,
    core_network_arn: Option<String>,
    egress_only_gateway_id: Option<String>,
    gateway_id: Option<String>,
    local_gateway_id: Option<String>,
    nat_gateway_id: Option<String>,
    network_interface_id: Option<String>,
    transit_gateway_id: Option<String>,
    vpc_endpoint_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
}

/// Sets a route's destination and target on a CreateRoute / ReplaceRoute builder.
macro_rules! route_call {
    ($b:expr, $s:expr) => {{
        let s: &RouteSpec = $s;
        $b.set_destination_cidr_block(s.cidr.clone())
            .set_destination_ipv6_cidr_block(s.ipv6.clone())
            .set_destination_prefix_list_id(s.prefix_list.clone())
            .set_carrier_gateway_id(s.carrier_gateway_id.clone())
            .set_core_network_arn(s.core_network_arn.clone())
            .set_egress_only_internet_gateway_id(s.egress_only_gateway_id.clone())
            .set_gateway_id(s.gateway_id.clone())
            .set_local_gateway_id(s.local_gateway_id.clone())
            .set_nat_gateway_id(s.nat_gateway_id.clone())
            .set_network_interface_id(s.network_interface_id.clone())
            .set_transit_gateway_id(s.transit_gateway_id.clone())
            .set_vpc_endpoint_id(s.vpc_endpoint_id.clone())
            .set_vpc_peering_connection_id(s.vpc_peering_connection_id.clone())
    }};
}

const ROUTE_TARGETS: &[&str] = &[
    "carrier_gateway_id",
    "core_network_arn",
    "egress_only_gateway_id",
    "gateway_id",
    "local_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_endpoint_id",
    "vpc_peering_connection_id",
];

impl RouteSpec {
    fn with_targets(mut self, v: &Value) -> RouteSpec {
        let g = |k: &str| get_nonempty(v, k);
        self.carrier_gateway_id = g("carrier_gateway_id");
        self.core_network_arn = g("core_network_arn");
        self.egress_only_gateway_id = g("egress_only_gateway_id");
        self.gateway_id = g("gateway_id");
        self.local_gateway_id = g("local_gateway_id");
        self.nat_gateway_id = g("nat_gateway_id");
        self.network_interface_id = g("network_interface_id");
        self.transit_gateway_id = g("transit_gateway_id");
        self.vpc_endpoint_id = g("vpc_endpoint_id");
        self.vpc_peering_connection_id = g("vpc_peering_connection_id");
        self
    }

    /// From a `route` block of `aws_route_table`.
    fn from_block(v: &Value) -> RouteSpec {
        RouteSpec {
            cidr: get_nonempty(v, "cidr_block"),
            ipv6: get_nonempty(v, "ipv6_cidr_block"),
            prefix_list: get_nonempty(v, "destination_prefix_list_id"),
            ..RouteSpec::default()
        }
        .with_targets(v)
    }

    /// From an `aws_route` value.
    fn from_resource(v: &Value) -> RouteSpec {
        RouteSpec {
            cidr: get_nonempty(v, "destination_cidr_block"),
            ipv6: get_nonempty(v, "destination_ipv6_cidr_block"),
            prefix_list: get_nonempty(v, "destination_prefix_list_id"),
            ..RouteSpec::default()
        }
        .with_targets(v)
    }

    fn from_api(r: &Route) -> RouteSpec {
        let s = |x: Option<&str>| x.filter(|x| !x.is_empty()).map(str::to_string);
        let gateway = s(r.gateway_id());
        let (gateway_id, vpc_endpoint_id) = match gateway {
            Some(g) if g.starts_with("vpce-") => (None, Some(g)),
            g => (g, None),
        };
        RouteSpec {
            cidr: s(r.destination_cidr_block()),
            ipv6: s(r.destination_ipv6_cidr_block()),
            prefix_list: s(r.destination_prefix_list_id()),
            carrier_gateway_id: s(r.carrier_gateway_id()),
            core_network_arn: s(r.core_network_arn()),
            egress_only_gateway_id: s(r.egress_only_internet_gateway_id()),
            gateway_id,
            local_gateway_id: s(r.local_gateway_id()),
            nat_gateway_id: s(r.nat_gateway_id()),
            network_interface_id: s(r.network_interface_id()),
            transit_gateway_id: s(r.transit_gateway_id()),
            vpc_endpoint_id,
            vpc_peering_connection_id: s(r.vpc_peering_connection_id()),
        }
    }

    /// The destination, as the key of a route within its table.
    fn destination(&self) -> String {
        self.cidr
            .clone()
            .or_else(|| self.ipv6.clone())
            .or_else(|| self.prefix_list.clone())
            .unwrap_or_default()
    }

    fn targets(&self) -> [(&'static str, &Option<String>); 10] {
        [
            ("carrier_gateway_id", &self.carrier_gateway_id),
            ("core_network_arn", &self.core_network_arn),
            ("egress_only_gateway_id", &self.egress_only_gateway_id),
            ("gateway_id", &self.gateway_id),
            ("local_gateway_id", &self.local_gateway_id),
            ("nat_gateway_id", &self.nat_gateway_id),
            ("network_interface_id", &self.network_interface_id),
            ("transit_gateway_id", &self.transit_gateway_id),
            ("vpc_endpoint_id", &self.vpc_endpoint_id),
            ("vpc_peering_connection_id", &self.vpc_peering_connection_id),
        ]
    }

    /// Whether `actual` (read from the API) has the target this configured route asks for.
    /// An instance route reads back with its network interface as well.
    fn same_target(&self, actual: &RouteSpec) -> bool {
        self.targets()
            .iter()
            .zip(actual.targets().iter())
            .all(|((_, want), (name, got))| {
                want.is_none() && (*name == "network_interface_id" || got.is_none())
                    || *want == *got
            })
    }

    fn to_block(&self) -> Value {
        let mut m = Obj::new();
        m.insert("cidr_block".into(), vs(self.cidr.as_deref()));
        m.insert("ipv6_cidr_block".into(), vs(self.ipv6.as_deref()));
        m.insert(
            "destination_prefix_list_id".into(),
            vs(self.prefix_list.as_deref()),
        );
        for (k, v) in self.targets() {
            m.insert(k.into(), vs(v.as_deref()));
        }
        Value::Map(m)
    }
}

/// Whether a route of a table is one the user manages (not the local route or a propagated one).
fn managed_route(r: &Route) -> bool {
    let origin = r.origin().map(|o| o.as_str());
    !matches!(
        origin,
        Some("CreateRouteTable" | "EnableVgwRoutePropagation")
    ) && r.gateway_id() != Some("local")
}

/// Route tables by id: ceil(N/1000) DescribeRouteTables calls.
async fn describe_route_tables(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<RouteTable>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move { all_items!(ec2.describe_route_tables().set_route_table_ids(Some(page))) },
        |page| async move { all_items!(ec2.describe_route_tables().filters(filter("route-table-id", page))) },
    )
    .await
}

// ----------------------------------------------------------------------------------------------
// aws_route_table

fn route_table_attrs(p: &AwsProvider, m: &mut Obj, t: &RouteTable) {
    let id = t.route_table_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    m.insert("owner_id".into(), vs(t.owner_id()));
    m.insert(
        "arn".into(),
        Value::from(p.arn(
            t.owner_id().unwrap_or_default(),
            &format!("route-table/{id}"),
        )),
    );
    m.insert("vpc_id".into(), vs(t.vpc_id()));
    m.insert(
        "propagating_vgws".into(),
        vset(t.propagating_vgws().iter().filter_map(|g| g.gateway_id())),
    );
    let routes: Vec<Value> = t
        .routes()
        .iter()
        .filter(|r| managed_route(r))
        .map(|r| RouteSpec::from_api(r).to_block())
        .collect();
    m.insert("route".into(), Value::set(routes));
}

/// Configured routes keyed by destination.
fn route_blocks(v: &Value) -> BTreeMap<String, RouteSpec> {
    get_blocks(v, "route")
        .into_iter()
        .map(RouteSpec::from_block)
        .map(|s| (s.destination(), s))
        .collect()
}

async fn create_route_call(
    p: &AwsProvider,
    rtb: &str,
    s: &RouteSpec,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    // A target created a moment ago (NAT gateway, peering) may not be visible yet.
    retry_codes(
        timeout.min(PROPAGATION),
        &[
            "InvalidNatGatewayID.NotFound",
            "InvalidTransitGatewayID.NotFound",
        ],
        || async {
            route_call!(p.ec2().create_route().route_table_id(rtb), s)
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await
}

async fn delete_route_call(p: &AwsProvider, rtb: &str, s: &RouteSpec) -> Result<(), ProviderError> {
    let r = p
        .ec2()
        .delete_route()
        .route_table_id(rtb)
        .set_destination_cidr_block(s.cidr.clone())
        .set_destination_ipv6_cidr_block(s.ipv6.clone())
        .set_destination_prefix_list_id(s.prefix_list.clone())
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    ignore_not_found(r)
}

async fn create_route_table(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let out = p
        .ec2()
        .create_route_table()
        .set_vpc_id(get_str(c, "vpc_id"))
        .set_tag_specifications(tag_spec(ResourceType::RouteTable, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let t = out
        .route_table()
        .ok_or_else(|| ProviderError::Other("CreateRouteTable returned nothing".into()))?;
    let id = t.route_table_id().unwrap_or_default().to_string();
    for vgw in get_strs(c, "propagating_vgws") {
        p.ec2()
            .enable_vgw_route_propagation()
            .route_table_id(&id)
            .gateway_id(vgw)
            .send()
            .await
            .map_err(sdk)?;
    }
    let routes = route_blocks(c);
    for s in routes.values() {
        create_route_call(p, &id, s, req.timeout).await?;
    }
    let t = if routes.is_empty() && get_strs(c, "propagating_vgws").is_empty() {
        t.clone()
    } else {
        describe_route_tables(p, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next()
            .unwrap_or_else(|| t.clone())
    };
    let mut m = start(c);
    route_table_attrs(p, &mut m, &t);
    let all = if t.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(t.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_route_table", m))
}

async fn update_route_table(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    let ec2 = p.ec2();
    if changed(req, "propagating_vgws") && get(c, "propagating_vgws").is_some() {
        let old: BTreeSet<String> = get_strs(req.prior, "propagating_vgws")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(c, "propagating_vgws").into_iter().collect();
        for g in old.difference(&new) {
            ec2.disable_vgw_route_propagation()
                .route_table_id(id)
                .gateway_id(g)
                .send()
                .await
                .map_err(sdk)?;
        }
        for g in new.difference(&old) {
            ec2.enable_vgw_route_propagation()
                .route_table_id(id)
                .gateway_id(g)
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "route") {
        let old = route_blocks(req.prior);
        let new = route_blocks(c);
        for (dest, s) in &old {
            if !new.contains_key(dest) {
                delete_route_call(p, id, s).await?;
            }
        }
        for (dest, s) in &new {
            match old.get(dest) {
                None => create_route_call(p, id, s, req.timeout).await?,
                Some(o) if o != s => {
                    route_call!(ec2.replace_route().route_table_id(id), s)
                        .send()
                        .await
                        .map_err(sdk)?;
                }
                Some(_) => {}
            }
        }
    }
    sync_tags(ec2, id, &prior_tags(req.prior), req.tags).await?;
    let t = describe_route_tables(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("route table {id}"),
        })?;
    let mut m = update_base(c, req.prior);
    route_table_attrs(p, &mut m, &t);
    set_tags_created(&mut m, c, &tags_of(t.tags()));
    Ok(finish_resource("aws_route_table", m))
}

/// Cost: see [`describe_route_tables`]; routes and propagations come from the call.
async fn read_route_tables(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_route_tables(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &RouteTable> = found
        .iter()
        .filter_map(|t| Some((t.route_table_id()?, t)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(t) = by_id.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        route_table_attrs(p, &mut m, t);
        // A configured route with an instance target reads back with its interface: keep the
        // configured spelling when the route is the same.
        let configured = route_blocks(prior);
        if let Some(Value::Set(items)) = m.get("route") {
            let items = items
                .iter()
                .map(|b| {
                    let actual = RouteSpec::from_block(b);
                    match configured.get(&actual.destination()) {
                        Some(want) if want.same_target(&actual) => want.to_block(),
                        _ => b.clone(),
                    }
                })
                .collect();
            m.insert("route".into(), Value::set(items));
        }
        set_tags_read(&mut m, prior, &tags_of(t.tags()));
        out.insert(id.clone(), finish_resource("aws_route_table", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_route (id `<route_table_id>_<destination>`)

fn route_attrs(m: &mut Obj, rtb: &str, r: &Route, want: &RouteSpec) {
    let actual = RouteSpec::from_api(r);
    m.insert(
        "id".into(),
        Value::from(format!("{rtb}_{}", actual.destination())),
    );
    m.insert("route_table_id".into(), Value::from(rtb));
    m.insert("destination_cidr_block".into(), vs(actual.cidr.as_deref()));
    m.insert(
        "destination_ipv6_cidr_block".into(),
        vs(actual.ipv6.as_deref()),
    );
    m.insert(
        "destination_prefix_list_id".into(),
        vs(actual.prefix_list.as_deref()),
    );
    let shown = if want.same_target(&actual) {
        RouteSpec {
            network_interface_id: actual.network_interface_id.clone(),
            ..want.clone()
        }
    } else {
        actual.clone()
    };
    for (k, v) in shown.targets() {
        m.insert(k.into(), vs(v.as_deref()));
    }
    m.insert("instance_id".into(), vs(r.instance_id()));
    m.insert("instance_owner_id".into(), vs(r.instance_owner_id()));
    m.insert("origin".into(), vs(r.origin().map(|o| o.as_str())));
    m.insert("state".into(), vs(r.state().map(|s| s.as_str())));
}

fn find_route<'a>(t: &'a RouteTable, dest: &str) -> Option<&'a Route> {
    t.routes()
        .iter()
        .find(|r| RouteSpec::from_api(r).destination() == dest)
}

async fn create_route(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let rtb = get_str(c, "route_table_id").unwrap_or_default();
    let spec = RouteSpec::from_resource(c);
    create_route_call(p, &rtb, &spec, req.timeout).await?;
    let dest = spec.destination();
    let r = poll(req.timeout, &format!("route {dest} in {rtb}"), || async {
        let tables = describe_route_tables(p, std::slice::from_ref(&rtb)).await?;
        Ok(tables.iter().find_map(|t| find_route(t, &dest).cloned()))
    })
    .await?;
    let mut m = start(c);
    route_attrs(&mut m, &rtb, &r, &spec);
    Ok(finish_resource("aws_route", m))
}

async fn update_route(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let rtb = get_str(c, "route_table_id").unwrap_or_default();
    let spec = RouteSpec::from_resource(c);
    if ROUTE_TARGETS.iter().any(|t| changed(req, t)) {
        route_call!(p.ec2().replace_route().route_table_id(&rtb), &spec)
            .send()
            .await
            .map_err(sdk)?;
    }
    let dest = spec.destination();
    let tables = describe_route_tables(p, std::slice::from_ref(&rtb)).await?;
    let r = tables
        .iter()
        .find_map(|t| find_route(t, &dest))
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("route {dest} in {rtb}"),
        })?;
    let mut m = update_base(c, req.prior);
    route_attrs(&mut m, &rtb, r, &spec);
    Ok(finish_resource("aws_route", m))
}

/// Cost: one DescribeRouteTables call per 1000 distinct route tables.
async fn read_routes(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let rtb_of = |id: &str, prior: &Value| {
        get_str(prior, "route_table_id")
            .unwrap_or_else(|| id.split('_').next().unwrap_or_default().to_string())
    };
    let tables = distinct(priors.iter().map(|(id, prior)| rtb_of(id, prior)));
    let found = describe_route_tables(p, &tables).await?;
    let by_id: BTreeMap<&str, &RouteTable> = found
        .iter()
        .filter_map(|t| Some((t.route_table_id()?, t)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let rtb = rtb_of(id, prior);
        let spec = RouteSpec::from_resource(prior);
        let dest = if spec.destination().is_empty() {
            id.split_once('_')
                .map(|x| x.1.to_string())
                .unwrap_or_default()
        } else {
            spec.destination()
        };
        let Some(r) = by_id.get(rtb.as_str()).and_then(|t| find_route(t, &dest)) else {
            continue;
        };
        let mut m = start(prior);
        route_attrs(&mut m, &rtb, r, &spec);
        out.insert(id.clone(), finish_resource("aws_route", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_route_table_association

/// Route tables holding the given association ids: ceil(N/200) DescribeRouteTables calls
/// (filter `association.route-table-association-id`).
async fn describe_rtas(p: &AwsProvider, ids: &[String]) -> Result<Vec<RouteTable>, ProviderError> {
    let ec2 = p.ec2();
    by_filter_pages(ids, |page| async move {
        all_items!(ec2
            .describe_route_tables()
            .filters(filter("association.route-table-association-id", page)))
    })
    .await
}

fn rta_obj(base: &Value, rtb: &str, a: &aws_sdk_ec2::types::RouteTableAssociation) -> Value {
    let mut m = start(base);
    m.insert("id".into(), vs(a.route_table_association_id()));
    m.insert("route_table_id".into(), Value::from(rtb));
    m.insert("subnet_id".into(), vs(a.subnet_id()));
    m.insert("gateway_id".into(), vs(a.gateway_id()));
    finish_resource("aws_route_table_association", m)
}

fn find_rta<'a>(
    tables: &'a [RouteTable],
    id: &str,
) -> Option<(&'a str, &'a aws_sdk_ec2::types::RouteTableAssociation)> {
    tables.iter().find_map(|t| {
        let a = t.associations().iter().find(|a| {
            a.route_table_association_id() == Some(id)
                && a.association_state()
                    .and_then(|s| s.state())
                    .is_none_or(|s| !matches!(s.as_str(), "disassociated" | "disassociating"))
        })?;
        Some((t.route_table_id().unwrap_or_default(), a))
    })
}

async fn wait_rta(
    p: &AwsProvider,
    id: &str,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    poll(
        timeout,
        &format!("route table association {id}"),
        || async {
            let tables = describe_rtas(p, &[id.to_string()]).await?;
            let state = find_rta(&tables, id).map(|(_, a)| {
                a.association_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str().to_string())
            });
            match state {
                Some(Some(s)) if s == "failed" => Err(ProviderError::Api {
                    code: "AssociationFailed".into(),
                    message: format!("route table association {id} failed"),
                }),
                Some(Some(s)) if s == "associating" => Ok(None),
                Some(_) => Ok(Some(())),
                None => Ok(None),
            }
        },
    )
    .await
}

async fn create_rta(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let rtb = get_str(c, "route_table_id").unwrap_or_default();
    let out = p
        .ec2()
        .associate_route_table()
        .route_table_id(&rtb)
        .set_subnet_id(get_str(c, "subnet_id"))
        .set_gateway_id(get_str(c, "gateway_id"))
        .send()
        .await
        .map_err(sdk)?;
    let id = out.association_id().unwrap_or_default().to_string();
    if out
        .association_state()
        .and_then(|s| s.state())
        .is_some_and(|s| s.as_str() != "associated")
    {
        wait_rta(p, &id, req.timeout).await?;
    }
    let mut m = start(c);
    m.insert("id".into(), Value::from(id));
    Ok(finish_resource("aws_route_table_association", m))
}

async fn update_rta(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let mut m = update_base(c, req.prior);
    if changed(req, "route_table_id") {
        let rtb = get_str(c, "route_table_id").unwrap_or_default();
        let out = p
            .ec2()
            .replace_route_table_association()
            .association_id(req.id)
            .route_table_id(rtb)
            .send()
            .await
            .map_err(sdk)?;
        let id = out.new_association_id().unwrap_or_default().to_string();
        if out
            .association_state()
            .and_then(|s| s.state())
            .is_some_and(|s| s.as_str() != "associated")
        {
            wait_rta(p, &id, req.timeout).await?;
        }
        m.insert("id".into(), Value::from(id));
    }
    Ok(finish_resource("aws_route_table_association", m))
}

/// Cost: see [`describe_rtas`].
async fn read_rtas(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let tables = describe_rtas(p, &prior_ids(priors)).await?;
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        if let Some((rtb, a)) = find_rta(&tables, id) {
            out.insert(id.clone(), rta_obj(prior, rtb, a));
        }
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_eip (id = allocation id)

/// Addresses by allocation id: ceil(N/1000) DescribeAddresses calls.
async fn describe_eips(p: &AwsProvider, ids: &[String]) -> Result<Vec<Address>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move {
            let out = ec2
                .describe_addresses()
                .set_allocation_ids(Some(page))
                .send()
                .await
                .map_err(sdk)?;
            Ok(out.addresses().to_vec())
        },
        |page| async move {
            let out = ec2
                .describe_addresses()
                .filters(filter("allocation-id", page))
                .send()
                .await
                .map_err(sdk)?;
            Ok(out.addresses().to_vec())
        },
    )
    .await
}

fn eip_attrs(p: &AwsProvider, account: &str, m: &mut Obj, a: &Address) {
    let id = a.allocation_id().unwrap_or_default();
    let region = p.region();
    m.insert("id".into(), Value::from(id));
    m.insert("allocation_id".into(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(p.arn(account, &format!("elastic-ip/{id}"))),
    );
    m.insert("association_id".into(), vs_nonempty(a.association_id()));
    m.insert("domain".into(), vs(a.domain().map(|d| d.as_str())));
    m.insert("instance".into(), vs_nonempty(a.instance_id()));
    m.insert(
        "network_interface".into(),
        vs_nonempty(a.network_interface_id()),
    );
    m.insert("private_ip".into(), vs_nonempty(a.private_ip_address()));
    m.insert("public_ip".into(), vs(a.public_ip()));
    m.insert("public_ipv4_pool".into(), vs(a.public_ipv4_pool()));
    m.insert("network_border_group".into(), vs(a.network_border_group()));
    m.insert("customer_owned_ip".into(), vs(a.customer_owned_ip()));
    m.insert("carrier_ip".into(), vs(a.carrier_ip()));
    if a.customer_owned_ipv4_pool().is_some() {
        m.insert(
            "customer_owned_ipv4_pool".into(),
            vs(a.customer_owned_ipv4_pool()),
        );
    }
    m.insert(
        "public_dns".into(),
        vs(a.public_ip()
            .map(|ip| public_dns_name(region, ip))
            .as_deref()),
    );
    m.insert(
        "private_dns".into(),
        vs(a.private_ip_address()
            .filter(|ip| !ip.is_empty())
            .map(|ip| private_dns_name(region, ip))
            .as_deref()),
    );
    if !m.get("ipam_pool_id").is_some_and(Value::is_known) {
        m.insert("ipam_pool_id".into(), Value::Null);
    }
}

async fn associate_eip(
    p: &AwsProvider,
    id: &str,
    c: &Value,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    let instance = get_nonempty(c, "instance");
    let eni = get_nonempty(c, "network_interface");
    if instance.is_none() && eni.is_none() {
        return Ok(());
    }
    // An instance launched a moment ago may still be pending.
    retry_codes(
        timeout.min(PROPAGATION),
        &["InvalidInstanceID", "InvalidInstanceID.NotFound"],
        || async {
            p.ec2()
                .associate_address()
                .allocation_id(id)
                .set_instance_id(instance.clone())
                .set_network_interface_id(eni.clone())
                .set_private_ip_address(get_nonempty(c, "associate_with_private_ip"))
                .allow_reassociation(true)
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await
}

async fn create_eip(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let domain = get_str(c, "domain").unwrap_or_else(|| "vpc".to_string());
    let out = p
        .ec2()
        .allocate_address()
        .domain(DomainType::from(domain.as_str()))
        .set_address(get_str(c, "address"))
        .set_public_ipv4_pool(get_str(c, "public_ipv4_pool"))
        .set_customer_owned_ipv4_pool(get_str(c, "customer_owned_ipv4_pool"))
        .set_network_border_group(get_str(c, "network_border_group"))
        .set_ipam_pool_id(get_str(c, "ipam_pool_id"))
        .set_tag_specifications(tag_spec(ResourceType::ElasticIp, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let id = out.allocation_id().unwrap_or_default().to_string();
    associate_eip(p, &id, c, req.timeout).await?;
    let a = poll(req.timeout, &format!("EIP {id}"), || async {
        Ok(describe_eips(p, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next())
    })
    .await?;
    let account = p.account_id().await?;
    let mut m = start(c);
    eip_attrs(p, &account, &mut m, &a);
    m.insert("domain".into(), Value::from(domain));
    let all = if a.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(a.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_eip", m))
}

async fn update_eip(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    if ["instance", "network_interface", "associate_with_private_ip"]
        .iter()
        .any(|n| changed(req, n))
    {
        if let Some(assoc) = get_nonempty(req.prior, "association_id") {
            let r = p
                .ec2()
                .disassociate_address()
                .association_id(assoc)
                .send()
                .await
                .map(drop)
                .map_err(sdk);
            ignore_not_found(r)?;
        }
        associate_eip(p, id, c, req.timeout).await?;
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let a = describe_eips(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("EIP {id}"),
        })?;
    let account = p.account_id().await?;
    let mut m = update_base(c, req.prior);
    eip_attrs(p, &account, &mut m, &a);
    set_tags_created(&mut m, c, &tags_of(a.tags()));
    Ok(finish_resource("aws_eip", m))
}

async fn delete_eip(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let Some(a) = describe_eips(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    if let Some(assoc) = a.association_id().filter(|s| !s.is_empty()) {
        let r = p
            .ec2()
            .disassociate_address()
            .association_id(assoc)
            .send()
            .await
            .map(drop)
            .map_err(sdk);
        ignore_not_found(r)?;
    }
    let r = retry_codes(
        req.timeout,
        &["AuthFailure", "InvalidIPAddress.InUse"],
        || async {
            p.ec2()
                .release_address()
                .allocation_id(id)
                .set_network_border_group(a.network_border_group().map(str::to_string))
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await;
    ignore_not_found(r)
}

/// Cost: see [`describe_eips`]; the ARN needs the account id (one DescribeSecurityGroups call
/// per provider, cached) only when a prior value lacks it.
async fn read_eips(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_eips(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &Address> = found
        .iter()
        .filter_map(|a| Some((a.allocation_id()?, a)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(a) = by_id.get(id.as_str()) else {
            continue;
        };
        let account =
            match get_str(prior, "arn").and_then(|arn| arn.split(':').nth(4).map(str::to_string)) {
                Some(acc) => acc,
                None => p.account_id().await?,
            };
        let mut m = start(prior);
        eip_attrs(p, &account, &mut m, a);
        set_tags_read(&mut m, prior, &tags_of(a.tags()));
        out.insert(id.clone(), finish_resource("aws_eip", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_nat_gateway

/// NAT gateways by id: ceil(N/200) DescribeNatGateways calls (filter `nat-gateway-id`, so a
/// missing id does not fail the page). Deleted gateways are left out.
async fn describe_nats(p: &AwsProvider, ids: &[String]) -> Result<Vec<NatGateway>, ProviderError> {
    let ec2 = p.ec2();
    let all = by_filter_pages(ids, |page| async move {
        all_items!(ec2
            .describe_nat_gateways()
            .filter(filter("nat-gateway-id", page)))
    })
    .await?;
    Ok(all
        .into_iter()
        .filter(|g| g.state().is_none_or(|s| s.as_str() != "deleted"))
        .collect())
}

fn nat_attrs(m: &mut Obj, g: &NatGateway) {
    m.insert("id".into(), vs(g.nat_gateway_id()));
    m.insert("subnet_id".into(), vs(g.subnet_id()));
    if let Some(t) = g.connectivity_type() {
        m.insert("connectivity_type".into(), Value::from(t.as_str()));
    }
    let addrs = g.nat_gateway_addresses();
    let primary = addrs
        .iter()
        .position(|a| a.is_primary() == Some(true))
        .or(if addrs.is_empty() { None } else { Some(0) });
    if let Some(a) = primary.map(|i| &addrs[i]) {
        if a.allocation_id().is_some() {
            m.insert("allocation_id".into(), vs(a.allocation_id()));
        }
        m.insert("association_id".into(), vs(a.association_id()));
        m.insert("network_interface_id".into(), vs(a.network_interface_id()));
        m.insert("private_ip".into(), vs(a.private_ip()));
        m.insert("public_ip".into(), vs(a.public_ip()));
    }
    let secondary: Vec<_> = addrs
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != primary)
        .map(|(_, a)| a)
        .filter(|a| {
            a.status()
                .is_none_or(|s| !matches!(s.as_str(), "disassociating" | "unassigning" | "failed"))
        })
        .collect();
    let public = g.connectivity_type().is_none_or(|t| t.as_str() == "public");
    let configured = m
        .get("secondary_allocation_ids")
        .is_some_and(|v| !v.is_null());
    if public && (configured || secondary.iter().any(|a| a.allocation_id().is_some())) {
        m.insert(
            "secondary_allocation_ids".into(),
            vset(secondary.iter().filter_map(|a| a.allocation_id())),
        );
    }
    let private: Vec<&str> = secondary.iter().filter_map(|a| a.private_ip()).collect();
    m.insert(
        "secondary_private_ip_address_count".into(),
        Value::Number(private.len() as f64),
    );
    m.insert("secondary_private_ip_addresses".into(), vset(private));
}

async fn create_nat(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let secondary_ips = get_strs(c, "secondary_private_ip_addresses");
    let secondary_allocs = get_strs(c, "secondary_allocation_ids");
    let out = p
        .ec2()
        .create_nat_gateway()
        .set_subnet_id(get_str(c, "subnet_id"))
        .set_allocation_id(get_str(c, "allocation_id"))
        .set_connectivity_type(
            get_str(c, "connectivity_type").map(|t| ConnectivityType::from(t.as_str())),
        )
        .set_private_ip_address(get_str(c, "private_ip"))
        .set_secondary_allocation_ids((!secondary_allocs.is_empty()).then_some(secondary_allocs))
        .set_secondary_private_ip_addresses((!secondary_ips.is_empty()).then_some(secondary_ips))
        .set_secondary_private_ip_address_count(
            get_i32(c, "secondary_private_ip_address_count").filter(|n| *n > 0),
        )
        .client_token(client_token(req.client_token))
        .set_tag_specifications(tag_spec(ResourceType::Natgateway, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let id = out
        .nat_gateway()
        .and_then(|g| g.nat_gateway_id())
        .unwrap_or_default()
        .to_string();
    let g = wait_nat_available(p, &id, req.timeout).await?;
    let mut m = start(c);
    nat_attrs(&mut m, &g);
    let all = if g.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(g.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_nat_gateway", m))
}

/// The NAT gateway `id` for a waiter: one DescribeNatGateways call per page of every
/// gateway being waited on at that moment (a `deleted` gateway counts as missing).
async fn nat_for_wait(p: &AwsProvider, id: &str) -> Result<Option<NatGateway>, ProviderError> {
    let ec2 = p.ec2().clone();
    let fetch: super::coalescer::Fetch<NatGateway> =
        std::sync::Arc::new(move |ids: Vec<String>| {
            let ec2 = ec2.clone();
            Box::pin(async move {
                let mut out = std::collections::HashMap::new();
                for page in ids.chunks(FILTER_VALUES_PER_CALL) {
                    let gs = all_items!(ec2
                        .describe_nat_gateways()
                        .filter(filter("nat-gateway-id", page)))?;
                    for g in gs {
                        if g.state().is_none_or(|s| s.as_str() != "deleted") {
                            if let Some(id) = g.nat_gateway_id() {
                                out.insert(id.to_string(), g.clone());
                            }
                        }
                    }
                }
                Ok(out)
            })
        });
    p.clients().waits.nat_gateways.get(id, fetch).await
}

/// Polls DescribeNatGateways until the gateway is `available`; `failed` is an error. Polls
/// are batched with every other NAT gateway waiter.
async fn wait_nat_available(
    p: &AwsProvider,
    id: &str,
    timeout: std::time::Duration,
) -> Result<NatGateway, ProviderError> {
    poll(
        timeout,
        &format!("NAT gateway {id} to become available"),
        || async {
            let Some(g) = nat_for_wait(p, id).await? else {
                return Ok(None);
            };
            match g.state().map(|s| s.as_str()) {
                Some("available") => Ok(Some(g)),
                Some("failed") => Err(ProviderError::Api {
                    code: g.failure_code().unwrap_or("NatGatewayFailed").to_string(),
                    message: g
                        .failure_message()
                        .unwrap_or("the NAT gateway failed")
                        .to_string(),
                }),
                Some("deleting") => Err(ProviderError::Other(format!(
                    "NAT gateway {id} is being deleted"
                ))),
                _ => Ok(None),
            }
        },
    )
    .await
}

async fn update_nat(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    let ec2 = p.ec2();
    if changed(req, "secondary_allocation_ids") {
        let old: BTreeSet<String> = get_strs(req.prior, "secondary_allocation_ids")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(c, "secondary_allocation_ids")
            .into_iter()
            .collect();
        let add: Vec<String> = new.difference(&old).cloned().collect();
        if !add.is_empty() {
            ec2.associate_nat_gateway_address()
                .nat_gateway_id(id)
                .set_allocation_ids(Some(add))
                .send()
                .await
                .map_err(sdk)?;
        }
        let remove: Vec<String> = old.difference(&new).cloned().collect();
        if !remove.is_empty() {
            // Disassociation is by association id.
            let g = describe_nats(p, &[id.to_string()]).await?;
            let assocs: Vec<String> = g
                .iter()
                .flat_map(|g| g.nat_gateway_addresses())
                .filter(|a| {
                    a.allocation_id()
                        .is_some_and(|x| remove.iter().any(|r| r == x))
                })
                .filter_map(|a| a.association_id().map(str::to_string))
                .collect();
            ec2.disassociate_nat_gateway_address()
                .nat_gateway_id(id)
                .set_association_ids(Some(assocs))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "secondary_private_ip_addresses") {
        let old: BTreeSet<String> = get_strs(req.prior, "secondary_private_ip_addresses")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(c, "secondary_private_ip_addresses")
            .into_iter()
            .collect();
        let add: Vec<String> = new.difference(&old).cloned().collect();
        if !add.is_empty() {
            ec2.assign_private_nat_gateway_address()
                .nat_gateway_id(id)
                .set_private_ip_addresses(Some(add))
                .send()
                .await
                .map_err(sdk)?;
        }
        let remove: Vec<String> = old.difference(&new).cloned().collect();
        if !remove.is_empty() {
            ec2.unassign_private_nat_gateway_address()
                .nat_gateway_id(id)
                .set_private_ip_addresses(Some(remove))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    sync_tags(ec2, id, &prior_tags(req.prior), req.tags).await?;
    let g = describe_nats(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("NAT gateway {id}"),
        })?;
    let mut m = update_base(c, req.prior);
    nat_attrs(&mut m, &g);
    set_tags_created(&mut m, c, &tags_of(g.tags()));
    Ok(finish_resource("aws_nat_gateway", m))
}

async fn delete_nat(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let r = p
        .ec2()
        .delete_nat_gateway()
        .nat_gateway_id(id)
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    ignore_not_found(r)?;
    poll(
        req.timeout,
        &format!("NAT gateway {id} to be deleted"),
        || async { Ok(nat_for_wait(p, id).await?.is_none().then_some(())) },
    )
    .await
}

/// Cost: see [`describe_nats`].
async fn read_nats(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_nats(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &NatGateway> = found
        .iter()
        .filter_map(|g| Some((g.nat_gateway_id()?, g)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(g) = by_id.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        nat_attrs(&mut m, g);
        set_tags_read(&mut m, prior, &tags_of(g.tags()));
        out.insert(id.clone(), finish_resource("aws_nat_gateway", m));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_specs() {
        let block = Value::map([
            ("cidr_block", Value::from("0.0.0.0/0")),
            ("gateway_id", Value::from("igw-1")),
            ("nat_gateway_id", Value::Null),
        ]);
        let s = RouteSpec::from_block(&block);
        assert_eq!(s.destination(), "0.0.0.0/0");
        assert_eq!(s.gateway_id.as_deref(), Some("igw-1"));
        let b = s.to_block();
        assert_eq!(b.get_attr("gateway_id"), Some(&Value::from("igw-1")));
        assert_eq!(b.get_attr("nat_gateway_id"), Some(&Value::Null));
        let api = Route::builder()
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id("igw-1")
            .build();
        assert_eq!(RouteSpec::from_api(&api), s);
        assert!(s.same_target(&RouteSpec::from_api(&api)));
        let local = Route::builder()
            .destination_cidr_block("10.0.0.0/16")
            .gateway_id("local")
            .build();
        assert!(!managed_route(&local));
        let r = Value::map([
            ("destination_ipv6_cidr_block", Value::from("::/0")),
            ("egress_only_gateway_id", Value::from("eigw-1")),
        ]);
        assert_eq!(RouteSpec::from_resource(&r).destination(), "::/0");
    }

    #[test]
    fn update_base_fills_unknowns_from_prior() {
        let c = Value::map([("a", Value::Unknown), ("b", Value::from("new"))]);
        let p = Value::map([("a", Value::from("old")), ("b", Value::from("old"))]);
        let m = update_base(&c, &p);
        assert_eq!(m["a"], Value::from("old"));
        assert_eq!(m["b"], Value::from("new"));
    }
}
