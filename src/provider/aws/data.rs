//! Data sources: `aws_availability_zones`, `aws_ami`, `aws_vpc`, `aws_subnets`.

use super::common::*;
use super::provider::AwsProvider;
use crate::eval::Value;
use crate::provider::ProviderError;
use aws_sdk_ec2::types::{Image, VpcAttributeName};
use std::collections::BTreeSet;

pub(crate) async fn read(p: &AwsProvider, t: &str, config: &Value) -> Result<Value, ProviderError> {
    match t {
        "aws_availability_zones" => availability_zones(p, config).await,
        "aws_ami" => ami(p, config).await,
        "aws_vpc" => vpc(p, config).await,
        "aws_subnets" => subnets(p, config).await,
        _ => Err(ProviderError::Unsupported {
            type_name: t.to_string(),
            operation: "read data source",
        }),
    }
}

fn no_match(t: &str) -> ProviderError {
    ProviderError::Other(format!(
        "{t}: no matching object found; try different search criteria"
    ))
}

// ----------------------------------------------------------------------------------------------
// aws_availability_zones: one DescribeAvailabilityZones call.

async fn availability_zones(p: &AwsProvider, c: &Value) -> Result<Value, ProviderError> {
    let mut filters = config_filters(c);
    if let Some(s) = get_str(c, "state") {
        filters.push(filter("state", [s]));
    }
    let out = p
        .ec2()
        .describe_availability_zones()
        .set_all_availability_zones(get_bool(c, "all_availability_zones"))
        .set_filters((!filters.is_empty()).then_some(filters))
        .send()
        .await
        .map_err(sdk)?;
    let exclude_names: BTreeSet<String> = get_strs(c, "exclude_names").into_iter().collect();
    let exclude_ids: BTreeSet<String> = get_strs(c, "exclude_zone_ids").into_iter().collect();
    let mut zones: Vec<_> = out
        .availability_zones()
        .iter()
        .filter(|z| !z.zone_name().is_some_and(|n| exclude_names.contains(n)))
        .filter(|z| !z.zone_id().is_some_and(|n| exclude_ids.contains(n)))
        .collect();
    zones.sort_by_key(|z| z.zone_name().unwrap_or_default().to_string());
    let mut m = start(c);
    m.insert("id".into(), Value::from(p.region()));
    m.insert(
        "names".into(),
        vlist(zones.iter().filter_map(|z| z.zone_name())),
    );
    m.insert(
        "zone_ids".into(),
        vlist(zones.iter().filter_map(|z| z.zone_id())),
    );
    m.insert(
        "group_names".into(),
        vset(zones.iter().filter_map(|z| z.group_name())),
    );
    Ok(finish_data("aws_availability_zones", m))
}

// ----------------------------------------------------------------------------------------------
// aws_ami: one DescribeImages call per page of results.

async fn ami(p: &AwsProvider, c: &Value) -> Result<Value, ProviderError> {
    let owners = get_strs(c, "owners");
    let users = get_strs(c, "executable_users");
    let filters = config_filters(c);
    let images = all_items!(p
        .ec2()
        .describe_images()
        .set_owners((!owners.is_empty()).then_some(owners))
        .set_executable_users((!users.is_empty()).then_some(users))
        .set_filters((!filters.is_empty()).then_some(filters))
        .set_include_deprecated(get_bool(c, "include_deprecated")))?;
    let images: Vec<Image> = match get_nonempty(c, "name_regex") {
        Some(re) => {
            let re = regex::Regex::new(&re)
                .map_err(|e| ProviderError::Other(format!("aws_ami: name_regex: {e}")))?;
            images
                .into_iter()
                .filter(|i| i.name().is_some_and(|n| re.is_match(n)))
                .collect()
        }
        None => images,
    };
    let image = match images.len() {
        0 => return Err(no_match("aws_ami")),
        1 => images.into_iter().next(),
        _ if get_bool(c, "most_recent") == Some(true) => {
            images.into_iter().max_by(|a, b| a.creation_date().unwrap_or_default().cmp(b.creation_date().unwrap_or_default()))
        }
        _ => {
            return Err(ProviderError::Other(
                "aws_ami: your query returned more than one result; use more specific search criteria or set most_recent = true"
                    .into(),
            ))
        }
    }
    .ok_or_else(|| no_match("aws_ami"))?;
    let mut m = start(c);
    image_attrs(p, &mut m, &image);
    Ok(finish_data("aws_ami", m))
}

fn image_attrs(p: &AwsProvider, m: &mut Obj, i: &Image) {
    let id = i.image_id().unwrap_or_default();
    let s = |k: &str, v: Option<&str>, m: &mut Obj| {
        m.insert(k.to_string(), vs(v));
    };
    m.insert("id".into(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(format!(
            "arn:{}:ec2:{}::image/{id}",
            partition(p.region()),
            p.region()
        )),
    );
    s("image_id", Some(id), m);
    s("architecture", i.architecture().map(|x| x.as_str()), m);
    s("boot_mode", i.boot_mode().map(|x| x.as_str()), m);
    s("creation_date", i.creation_date(), m);
    s("deprecation_time", i.deprecation_time(), m);
    s("description", i.description(), m);
    m.insert("ena_support".into(), vb(i.ena_support()));
    s("hypervisor", i.hypervisor().map(|x| x.as_str()), m);
    s("image_location", i.image_location(), m);
    s("image_owner_alias", i.image_owner_alias(), m);
    s("image_type", i.image_type().map(|x| x.as_str()), m);
    s("imds_support", i.imds_support().map(|x| x.as_str()), m);
    s("kernel_id", i.kernel_id(), m);
    s("last_launched_time", i.last_launched_time(), m);
    s("name", i.name(), m);
    s("owner_id", i.owner_id(), m);
    s("platform", i.platform().map(|x| x.as_str()), m);
    s("platform_details", i.platform_details(), m);
    m.insert("public".into(), vb(i.public()));
    s("ramdisk_id", i.ramdisk_id(), m);
    s("root_device_name", i.root_device_name(), m);
    s(
        "root_device_type",
        i.root_device_type().map(|x| x.as_str()),
        m,
    );
    s("sriov_net_support", i.sriov_net_support(), m);
    s("state", i.state().map(|x| x.as_str()), m);
    s("tpm_support", i.tpm_support().map(|x| x.as_str()), m);
    s("usage_operation", i.usage_operation(), m);
    s(
        "virtualization_type",
        i.virtualization_type().map(|x| x.as_str()),
        m,
    );
    let root_snapshot = i
        .block_device_mappings()
        .iter()
        .find(|b| b.device_name().is_some() && b.device_name() == i.root_device_name())
        .and_then(|b| b.ebs())
        .and_then(|e| e.snapshot_id());
    s("root_snapshot_id", root_snapshot, m);
    let mappings: Vec<Value> = i
        .block_device_mappings()
        .iter()
        .map(|b| {
            let mut ebs = Obj::new();
            if let Some(e) = b.ebs() {
                let mut put = |k: &str, v: Option<String>| {
                    if let Some(v) = v {
                        ebs.insert(k.to_string(), Value::from(v));
                    }
                };
                put(
                    "delete_on_termination",
                    e.delete_on_termination().map(|x| x.to_string()),
                );
                put("encrypted", e.encrypted().map(|x| x.to_string()));
                put("iops", e.iops().map(|x| x.to_string()));
                put("snapshot_id", e.snapshot_id().map(str::to_string));
                put("throughput", e.throughput().map(|x| x.to_string()));
                put("volume_size", e.volume_size().map(|x| x.to_string()));
                put(
                    "volume_type",
                    e.volume_type().map(|x| x.as_str().to_string()),
                );
            }
            Value::map([
                ("device_name", vs(b.device_name())),
                ("ebs", Value::Map(ebs)),
                ("no_device", vs(b.no_device())),
                ("virtual_name", vs(b.virtual_name())),
            ])
        })
        .collect();
    m.insert("block_device_mappings".into(), Value::set(mappings));
    let codes: Vec<Value> = i
        .product_codes()
        .iter()
        .map(|c| {
            Value::map([
                ("product_code_id", vs(c.product_code_id())),
                (
                    "product_code_type",
                    vs(c.product_code_type().map(|t| t.as_str())),
                ),
            ])
        })
        .collect();
    m.insert("product_codes".into(), Value::set(codes));
    let reason = i.state_reason();
    m.insert(
        "state_reason".into(),
        Value::map([
            (
                "code",
                Value::from(reason.and_then(|r| r.code()).unwrap_or("UNSET")),
            ),
            (
                "message",
                Value::from(reason.and_then(|r| r.message()).unwrap_or("UNSET")),
            ),
        ]),
    );
    m.insert("tags".into(), vtags(&tags_of(i.tags())));
}

// ----------------------------------------------------------------------------------------------
// aws_vpc: one DescribeVpcs call, three DescribeVpcAttribute calls and one DescribeRouteTables.

async fn vpc(p: &AwsProvider, c: &Value) -> Result<Value, ProviderError> {
    let ec2 = p.ec2();
    let mut filters = config_filters(c);
    for (arg, name) in [
        ("id", "vpc-id"),
        ("cidr_block", "cidr"),
        ("dhcp_options_id", "dhcp-options-id"),
        ("state", "state"),
    ] {
        if let Some(v) = get_nonempty(c, arg) {
            filters.push(filter(name, [v]));
        }
    }
    if let Some(d) = get_bool(c, "default") {
        filters.push(filter("is-default", [d.to_string()]));
    }
    let vpcs = all_items!(ec2
        .describe_vpcs()
        .set_filters((!filters.is_empty()).then_some(filters)))?;
    let v = match vpcs.as_slice() {
        [] => return Err(no_match("aws_vpc")),
        [v] => v,
        _ => return Err(ProviderError::Other("aws_vpc: multiple VPCs matched; use additional constraints to reduce matches to a single VPC".into())),
    };
    let id = v.vpc_id().unwrap_or_default();
    let mut m = start(c);
    m.insert("id".into(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(p.arn(v.owner_id().unwrap_or_default(), &format!("vpc/{id}"))),
    );
    m.insert("cidr_block".into(), vs(v.cidr_block()));
    m.insert(
        "default".into(),
        Value::Bool(v.is_default().unwrap_or(false)),
    );
    m.insert("dhcp_options_id".into(), vs(v.dhcp_options_id()));
    m.insert(
        "instance_tenancy".into(),
        vs(v.instance_tenancy().map(|t| t.as_str())),
    );
    m.insert("owner_id".into(), vs(v.owner_id()));
    m.insert("state".into(), vs(v.state().map(|s| s.as_str())));
    m.insert("tags".into(), vtags(&tags_of(v.tags())));
    let assocs: Vec<Value> = v
        .cidr_block_association_set()
        .iter()
        .map(|a| {
            Value::map([
                ("association_id", vs(a.association_id())),
                ("cidr_block", vs(a.cidr_block())),
                (
                    "state",
                    vs(a.cidr_block_state()
                        .and_then(|s| s.state())
                        .map(|s| s.as_str())),
                ),
            ])
        })
        .collect();
    m.insert("cidr_block_associations".into(), Value::List(assocs));
    let ipv6 = v.ipv6_cidr_block_association_set().first();
    m.insert(
        "ipv6_association_id".into(),
        vs(ipv6.and_then(|a| a.association_id())),
    );
    m.insert(
        "ipv6_cidr_block".into(),
        vs(ipv6.and_then(|a| a.ipv6_cidr_block())),
    );
    for (name, attr) in [
        ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
        ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
        (
            "enable_network_address_usage_metrics",
            VpcAttributeName::EnableNetworkAddressUsageMetrics,
        ),
    ] {
        let out = ec2
            .describe_vpc_attribute()
            .vpc_id(id)
            .attribute(attr)
            .send()
            .await
            .map_err(sdk)?;
        let b = match name {
            "enable_dns_hostnames" => out.enable_dns_hostnames(),
            "enable_dns_support" => out.enable_dns_support(),
            _ => out.enable_network_address_usage_metrics(),
        };
        m.insert(
            name.into(),
            Value::Bool(b.and_then(|b| b.value()).unwrap_or(false)),
        );
    }
    let rts = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", [id]))
        .filters(filter("association.main", ["true"]))
        .send()
        .await
        .map_err(sdk)?;
    m.insert(
        "main_route_table_id".into(),
        vs(rts.route_tables().first().and_then(|r| r.route_table_id())),
    );
    Ok(finish_data("aws_vpc", m))
}

// ----------------------------------------------------------------------------------------------
// aws_subnets: one DescribeSubnets call per page of results.

async fn subnets(p: &AwsProvider, c: &Value) -> Result<Value, ProviderError> {
    let filters = config_filters(c);
    let found = all_items!(p
        .ec2()
        .describe_subnets()
        .set_filters((!filters.is_empty()).then_some(filters)))?;
    let mut m = start(c);
    m.insert("id".into(), Value::from(p.region()));
    m.insert(
        "ids".into(),
        vlist(found.iter().filter_map(|s| s.subnet_id())),
    );
    Ok(finish_data("aws_subnets", m))
}
