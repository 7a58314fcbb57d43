//! An `aws_instance`'s attributes from DescribeInstances (and DescribeVolumes for the volume
//! blocks). Option and volume blocks are filled only when the base value has them.

use super::super::common::*;
use super::state_of;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use aws_sdk_ec2::types::{Instance, Volume};

/// Whether the value has volume blocks whose attributes come from DescribeVolumes.
pub(super) fn wants_volumes(v: &Value) -> bool {
    !get_blocks(v, "root_block_device").is_empty() || !get_blocks(v, "ebs_block_device").is_empty()
}

/// A volume block (root or EBS) filled from the instance's mapping and the volume.
fn volume_block(base: &Value, device: &str, i: &Instance, volumes: &[Volume]) -> Value {
    let mut m = start(base);
    m.insert("device_name".into(), Value::from(device));
    let mapping = i
        .block_device_mappings()
        .iter()
        .find(|b| b.device_name() == Some(device))
        .and_then(|b| b.ebs());
    if let Some(e) = mapping {
        m.insert("volume_id".into(), vs(e.volume_id()));
        if let Some(d) = e.delete_on_termination() {
            m.insert("delete_on_termination".into(), Value::Bool(d));
        }
    }
    let vol = mapping
        .and_then(|e| e.volume_id())
        .and_then(|id| volumes.iter().find(|v| v.volume_id() == Some(id)));
    if let Some(v) = vol {
        m.insert("encrypted".into(), vb(v.encrypted()));
        m.insert("iops".into(), vn(v.iops()));
        m.insert("kms_key_id".into(), vs(v.kms_key_id()));
        m.insert("throughput".into(), vn(v.throughput()));
        m.insert("volume_size".into(), vn(v.size()));
        m.insert(
            "volume_type".into(),
            vs(v.volume_type().map(|t| t.as_str())),
        );
        if m.contains_key("snapshot_id") {
            m.insert("snapshot_id".into(), vs_nonempty(v.snapshot_id()));
        }
    }
    Value::Map(m)
}

/// The attributes DescribeInstances (and DescribeVolumes for volume blocks) return.
pub(super) fn instance_attrs(
    p: &AwsProvider,
    m: &mut Obj,
    i: &Instance,
    owner: &str,
    volumes: &[Volume],
) {
    let id = i.instance_id().unwrap_or_default();
    let region = p.region();
    m.insert("id".into(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(p.arn(owner, &format!("instance/{id}"))),
    );
    m.insert("ami".into(), vs(i.image_id()));
    m.insert(
        "instance_type".into(),
        vs(i.instance_type().map(|t| t.as_str())),
    );
    m.insert("instance_state".into(), Value::from(state_of(i)));
    m.insert(
        "instance_lifecycle".into(),
        vs(i.instance_lifecycle().map(|l| l.as_str())),
    );
    m.insert(
        "spot_instance_request_id".into(),
        vs(i.spot_instance_request_id()),
    );
    m.insert("outpost_arn".into(), vs(i.outpost_arn()));
    m.insert("key_name".into(), vs_nonempty(i.key_name()));
    m.insert("subnet_id".into(), vs_nonempty(i.subnet_id()));
    m.insert("private_ip".into(), vs_nonempty(i.private_ip_address()));
    m.insert("public_ip".into(), vs_nonempty(i.public_ip_address()));
    let private_dns = i
        .private_dns_name()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| {
            i.private_ip_address()
                .filter(|s| !s.is_empty())
                .map(|ip| private_dns_name(region, ip))
        });
    m.insert("private_dns".into(), vs(private_dns.as_deref()));
    m.insert("public_dns".into(), vs_nonempty(i.public_dns_name()));
    if let Some(pl) = i.placement() {
        m.insert("availability_zone".into(), vs(pl.availability_zone()));
        m.insert(
            "tenancy".into(),
            vs(pl.tenancy().map(|t| t.as_str()).or(Some("default"))),
        );
        m.insert("placement_group".into(), vs_nonempty(pl.group_name()));
        m.insert(
            "placement_partition_number".into(),
            vn(Some(pl.partition_number().unwrap_or(0))),
        );
        m.insert("host_id".into(), vs_nonempty(pl.host_id()));
        m.insert(
            "host_resource_group_arn".into(),
            vs_nonempty(pl.host_resource_group_arn()),
        );
    }
    if let Some(b) = i.source_dest_check() {
        m.insert("source_dest_check".into(), Value::Bool(b));
    }
    m.insert(
        "ebs_optimized".into(),
        Value::Bool(i.ebs_optimized().unwrap_or(false)),
    );
    let monitoring = i
        .monitoring()
        .and_then(|x| x.state())
        .is_some_and(|s| matches!(s.as_str(), "enabled" | "pending"));
    m.insert("monitoring".into(), Value::Bool(monitoring));
    let profile = i
        .iam_instance_profile()
        .and_then(|x| x.arn())
        .map(|arn| arn.rsplit('/').next().unwrap_or(arn).to_string());
    m.insert("iam_instance_profile".into(), vs(profile.as_deref()));
    let groups: Vec<&str> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    m.insert("vpc_security_group_ids".into(), vset(groups));
    let names_configured = m
        .get("security_groups")
        .and_then(Value::as_list)
        .is_some_and(|l| !l.is_empty());
    let names: Vec<&str> = if names_configured {
        i.security_groups()
            .iter()
            .filter_map(|g| g.group_name())
            .collect()
    } else {
        Vec::new()
    };
    m.insert("security_groups".into(), vset(names));
    // The primary interface.
    let primary = i
        .network_interfaces()
        .iter()
        .find(|n| n.attachment().and_then(|a| a.device_index()) == Some(0))
        .or_else(|| i.network_interfaces().first());
    m.insert(
        "primary_network_interface_id".into(),
        vs(primary.and_then(|n| n.network_interface_id())),
    );
    let secondary: Vec<&str> = primary
        .map(|n| {
            n.private_ip_addresses()
                .iter()
                .filter(|a| a.primary() != Some(true))
                .filter_map(|a| a.private_ip_address())
                .collect()
        })
        .unwrap_or_default();
    m.insert("secondary_private_ips".into(), vset(secondary));
    let ipv6: Vec<&str> = primary
        .map(|n| {
            n.ipv6_addresses()
                .iter()
                .filter_map(|a| a.ipv6_address())
                .collect()
        })
        .unwrap_or_default();
    m.insert(
        "ipv6_address_count".into(),
        Value::Number(ipv6.len() as f64),
    );
    m.insert("ipv6_addresses".into(), vlist(ipv6));
    if !m
        .get("associate_public_ip_address")
        .is_some_and(|v| v.is_known() && !v.is_null())
    {
        m.insert(
            "associate_public_ip_address".into(),
            Value::Bool(i.public_ip_address().is_some_and(|s| !s.is_empty())),
        );
    }
    m.insert(
        "password_data".into(),
        m.get("password_data")
            .cloned()
            .filter(|v| v.is_known())
            .unwrap_or(Value::Null),
    );
    // Configured option blocks, filled with what the API returns.
    if let (Some(Value::List(items)), Some(o)) = (
        m.get("metadata_options").map(Value::peel),
        i.metadata_options(),
    ) {
        if let Some(b) = items.first() {
            let mut bm = start(b);
            bm.insert(
                "http_endpoint".into(),
                vs(o.http_endpoint().map(|x| x.as_str())),
            );
            bm.insert(
                "http_protocol_ipv6".into(),
                vs(o.http_protocol_ipv6().map(|x| x.as_str())),
            );
            bm.insert(
                "http_put_response_hop_limit".into(),
                vn(o.http_put_response_hop_limit()),
            );
            bm.insert(
                "http_tokens".into(),
                vs(o.http_tokens().map(|x| x.as_str())),
            );
            bm.insert(
                "instance_metadata_tags".into(),
                vs(o.instance_metadata_tags().map(|x| x.as_str())),
            );
            m.insert("metadata_options".into(), Value::List(vec![Value::Map(bm)]));
        }
    }
    if let (Some(Value::List(items)), Some(o)) =
        (m.get("cpu_options").map(Value::peel), i.cpu_options())
    {
        if let Some(b) = items.first() {
            let mut bm = start(b);
            bm.insert("core_count".into(), vn(o.core_count()));
            bm.insert("threads_per_core".into(), vn(o.threads_per_core()));
            if let Some(a) = o.amd_sev_snp() {
                bm.insert("amd_sev_snp".into(), Value::from(a.as_str()));
            }
            m.insert("cpu_options".into(), Value::List(vec![Value::Map(bm)]));
        }
    }
    if let (Some(Value::List(items)), Some(o)) = (
        m.get("enclave_options").map(Value::peel),
        i.enclave_options(),
    ) {
        if let Some(b) = items.first() {
            let mut bm = start(b);
            bm.insert("enabled".into(), vb(o.enabled()));
            m.insert("enclave_options".into(), Value::List(vec![Value::Map(bm)]));
        }
    }
    if let (Some(Value::List(items)), Some(o)) = (
        m.get("maintenance_options").map(Value::peel),
        i.maintenance_options(),
    ) {
        if let Some(b) = items.first() {
            let mut bm = start(b);
            bm.insert(
                "auto_recovery".into(),
                vs(o.auto_recovery().map(|x| x.as_str())),
            );
            m.insert(
                "maintenance_options".into(),
                Value::List(vec![Value::Map(bm)]),
            );
        }
    }
    if let (Some(Value::List(items)), Some(o)) = (
        m.get("private_dns_name_options").map(Value::peel),
        i.private_dns_name_options(),
    ) {
        if let Some(b) = items.first() {
            let mut bm = start(b);
            bm.insert(
                "hostname_type".into(),
                vs(o.hostname_type().map(|x| x.as_str())),
            );
            bm.insert(
                "enable_resource_name_dns_a_record".into(),
                vb(o.enable_resource_name_dns_a_record()),
            );
            bm.insert(
                "enable_resource_name_dns_aaaa_record".into(),
                vb(o.enable_resource_name_dns_aaaa_record()),
            );
            m.insert(
                "private_dns_name_options".into(),
                Value::List(vec![Value::Map(bm)]),
            );
        }
    }
    // Volume blocks.
    if let Some(Value::List(items)) = m.get("root_block_device").map(Value::peel) {
        if let (Some(b), Some(root)) = (items.first(), i.root_device_name()) {
            let blk = volume_block(b, root, i, volumes);
            m.insert("root_block_device".into(), Value::List(vec![blk]));
        }
    }
    if let Some(items) = m
        .get("ebs_block_device")
        .and_then(Value::as_list)
        .map(<[Value]>::to_vec)
    {
        let blocks: Vec<Value> = items
            .iter()
            .filter_map(|b| {
                let device = get_str(b, "device_name")?;
                Some(volume_block(b, &device, i, volumes))
            })
            .collect();
        m.insert("ebs_block_device".into(), Value::set(blocks));
    }
}
