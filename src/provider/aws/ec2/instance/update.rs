//! Changing an `aws_instance` in place: attribute by attribute, with a stop and start around
//! the changes that need a stopped instance (type, user data). A changed settable argument
//! outside [`INSTANCE_UPDATABLE`] is refused before any call.

use super::super::common::*;
use super::attrs::{instance_attrs, wants_volumes};
use super::{
    describe_instances, describe_volumes, iam_profile, metadata_options, one, opt_bool,
    user_data_bytes, wait_state,
};
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, AttributeValue, EbsInstanceBlockDeviceSpecification,
    InstanceAttributeName, InstanceAutoRecoveryState, InstanceBlockDeviceMappingSpecification,
    InstanceCreditSpecificationRequest, VolumeType,
};
use base64::Engine;
use std::collections::BTreeSet;

/// Attributes [`update`] changes in place; anything else changed is refused.
const INSTANCE_UPDATABLE: &[&str] = &[
    "instance_type",
    "user_data",
    "user_data_base64",
    "user_data_replace_on_change",
    "vpc_security_group_ids",
    "source_dest_check",
    "disable_api_termination",
    "disable_api_stop",
    "instance_initiated_shutdown_behavior",
    "monitoring",
    "metadata_options",
    "root_block_device",
    "credit_specification",
    "maintenance_options",
    "secondary_private_ips",
    "iam_instance_profile",
    "get_password_data",
    "tags",
    "tags_all",
    "volume_tags",
    "timeouts",
];

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id, prior) = (req.config, req.id, req.prior);
    let ec2 = p.ec2();
    // Settable arguments this function cannot change (computed attributes the plan marks
    // unknown are not changes to make).
    let schema = crate::schema::resource("aws_instance");
    let settable = |n: &str| {
        schema.is_some_and(|s| s.attr(n).is_some_and(|a| a.is_settable()) || s.block(n).is_some())
    };
    if let Some(other) = req
        .changed
        .iter()
        .find(|n| settable(n) && !INSTANCE_UPDATABLE.contains(&n.as_str()))
    {
        return Err(ProviderError::Other(format!(
            "Terrace cannot change {other} of an aws_instance in place yet"
        )));
    }
    let bool_attr = |b: bool| AttributeBooleanValue::builder().value(b).build();
    for name in [
        "source_dest_check",
        "disable_api_termination",
        "disable_api_stop",
    ] {
        if let (true, Some(b)) = (changed(req, name), opt_bool(c, name)) {
            let r = ec2.modify_instance_attribute().instance_id(id);
            let r = match name {
                "source_dest_check" => r.source_dest_check(bool_attr(b)),
                "disable_api_termination" => r.disable_api_termination(bool_attr(b)),
                _ => r.disable_api_stop(bool_attr(b)),
            };
            r.send().await.map_err(sdk)?;
        }
    }
    if let (true, Some(s)) = (
        changed(req, "instance_initiated_shutdown_behavior"),
        get_str(c, "instance_initiated_shutdown_behavior"),
    ) {
        ec2.modify_instance_attribute()
            .instance_id(id)
            .instance_initiated_shutdown_behavior(AttributeValue::builder().value(s).build())
            .send()
            .await
            .map_err(sdk)?;
    }
    if changed(req, "vpc_security_group_ids") {
        let groups = get_strs(c, "vpc_security_group_ids");
        if !groups.is_empty() {
            ec2.modify_instance_attribute()
                .instance_id(id)
                .set_groups(Some(groups))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "monitoring") {
        if opt_bool(c, "monitoring") == Some(true) {
            ec2.monitor_instances()
                .instance_ids(id)
                .send()
                .await
                .map_err(sdk)?;
        } else {
            ec2.unmonitor_instances()
                .instance_ids(id)
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "metadata_options") {
        if let Some(b) = one(c, "metadata_options") {
            let o = metadata_options(b);
            ec2.modify_instance_metadata_options()
                .instance_id(id)
                .set_http_endpoint(o.http_endpoint().cloned())
                .set_http_protocol_ipv6(o.http_protocol_ipv6().cloned())
                .set_http_put_response_hop_limit(o.http_put_response_hop_limit())
                .set_http_tokens(o.http_tokens().cloned())
                .set_instance_metadata_tags(o.instance_metadata_tags().cloned())
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "maintenance_options") {
        if let Some(a) = one(c, "maintenance_options").and_then(|b| get_str(b, "auto_recovery")) {
            ec2.modify_instance_maintenance_options()
                .instance_id(id)
                .auto_recovery(InstanceAutoRecoveryState::from(a.as_str()))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "credit_specification") {
        if let Some(cpu) = one(c, "credit_specification").and_then(|b| get_str(b, "cpu_credits")) {
            ec2.modify_instance_credit_specification()
                .instance_credit_specifications(
                    InstanceCreditSpecificationRequest::builder()
                        .instance_id(id)
                        .cpu_credits(cpu)
                        .build(),
                )
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "secondary_private_ips") {
        let eni = get_str(prior, "primary_network_interface_id").unwrap_or_default();
        let old: BTreeSet<String> = get_strs(prior, "secondary_private_ips")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(c, "secondary_private_ips").into_iter().collect();
        let remove: Vec<String> = old.difference(&new).cloned().collect();
        if !remove.is_empty() {
            ec2.unassign_private_ip_addresses()
                .network_interface_id(&eni)
                .set_private_ip_addresses(Some(remove))
                .send()
                .await
                .map_err(sdk)?;
        }
        let add: Vec<String> = new.difference(&old).cloned().collect();
        if !add.is_empty() {
            ec2.assign_private_ip_addresses()
                .network_interface_id(&eni)
                .set_private_ip_addresses(Some(add))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "iam_instance_profile") {
        update_iam_profile(p, id, get_nonempty(c, "iam_instance_profile")).await?;
    }
    if changed(req, "root_block_device") {
        update_root_volume(p, id, prior, c).await?;
    }
    // Changes that need the instance stopped.
    let type_change = changed(req, "instance_type")
        && get_str(c, "instance_type") != get_str(prior, "instance_type");
    let user_data_change = changed(req, "user_data") || changed(req, "user_data_base64");
    if type_change || user_data_change {
        let running = get_str(prior, "instance_state").is_none_or(|s| s == "running");
        if running {
            ec2.stop_instances()
                .instance_ids(id)
                .send()
                .await
                .map_err(sdk)?;
            wait_state(p, id, "stopped", req.timeout).await?;
        }
        if type_change {
            let t = get_str(c, "instance_type").unwrap_or_default();
            ec2.modify_instance_attribute()
                .instance_id(id)
                .instance_type(AttributeValue::builder().value(t).build())
                .send()
                .await
                .map_err(sdk)?;
        }
        if user_data_change {
            // The `Attribute=userData` form with base64 text: EC2 and moto agree on it (moto
            // reads the `UserData` blob form as already-encoded text).
            let encoded = base64::engine::general_purpose::STANDARD.encode(user_data_bytes(c));
            ec2.modify_instance_attribute()
                .instance_id(id)
                .attribute(InstanceAttributeName::UserData)
                .value(encoded)
                .send()
                .await
                .map_err(sdk)?;
        }
        if running {
            ec2.start_instances()
                .instance_ids(id)
                .send()
                .await
                .map_err(sdk)?;
            wait_state(p, id, "running", req.timeout).await?;
        }
    }
    sync_tags(ec2, id, &prior_tags(prior), req.tags).await?;
    if changed(req, "volume_tags") {
        let old = get_tags(prior, "volume_tags");
        let new = get_tags(c, "volume_tags");
        let vols = describe_volumes(p, &[id.to_string()]).await?;
        for v in vols.iter().filter_map(|v| v.volume_id()) {
            sync_tags(ec2, v, &old, &new).await?;
        }
    }
    let (inst, owner) = describe_instances(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("instance {id}"),
        })?;
    let mut m = update_base(c, prior);
    let volumes = if wants_volumes(c) {
        describe_volumes(p, &[id.to_string()]).await?
    } else {
        Vec::new()
    };
    instance_attrs(p, &mut m, &inst, &owner, &volumes);
    set_tags_created(&mut m, c, &tags_of(inst.tags()));
    Ok(finish_resource("aws_instance", m))
}

async fn update_iam_profile(
    p: &AwsProvider,
    id: &str,
    new: Option<String>,
) -> Result<(), ProviderError> {
    let ec2 = p.ec2();
    let out = ec2
        .describe_iam_instance_profile_associations()
        .filters(filter("instance-id", [id]))
        .filters(filter("state", ["associating", "associated"]))
        .send()
        .await
        .map_err(sdk)?;
    let current = out
        .iam_instance_profile_associations()
        .first()
        .and_then(|a| a.association_id())
        .map(str::to_string);
    match (current, new) {
        (Some(a), Some(n)) => {
            ec2.replace_iam_instance_profile_association()
                .association_id(a)
                .iam_instance_profile(iam_profile(n))
                .send()
                .await
                .map_err(sdk)?;
        }
        (Some(a), None) => {
            ec2.disassociate_iam_instance_profile()
                .association_id(a)
                .send()
                .await
                .map_err(sdk)?;
        }
        (None, Some(n)) => {
            ec2.associate_iam_instance_profile()
                .instance_id(id)
                .iam_instance_profile(iam_profile(n))
                .send()
                .await
                .map_err(sdk)?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// Root volume changes: size, type, IOPS and throughput (ModifyVolume), delete on termination
/// (ModifyInstanceAttribute), tags.
async fn update_root_volume(
    p: &AwsProvider,
    id: &str,
    prior: &Value,
    c: &Value,
) -> Result<(), ProviderError> {
    let ec2 = p.ec2();
    let (Some(old), Some(new)) = (one(prior, "root_block_device"), one(c, "root_block_device"))
    else {
        return Ok(());
    };
    let Some(vol) = get_str(old, "volume_id") else {
        return Ok(());
    };
    let differs = |k: &str| get(new, k).is_some() && get(new, k) != get(old, k);
    if differs("volume_size") || differs("volume_type") || differs("iops") || differs("throughput")
    {
        ec2.modify_volume()
            .volume_id(&vol)
            .set_size(get_i32(new, "volume_size").filter(|_| differs("volume_size")))
            .set_volume_type(
                get_str(new, "volume_type")
                    .filter(|_| differs("volume_type"))
                    .map(|t| VolumeType::from(t.as_str())),
            )
            .set_iops(get_i32(new, "iops").filter(|n| *n > 0 && differs("iops")))
            .set_throughput(get_i32(new, "throughput").filter(|n| *n > 0 && differs("throughput")))
            .send()
            .await
            .map_err(sdk)?;
    }
    if differs("delete_on_termination") {
        let device = get_str(old, "device_name").unwrap_or_default();
        ec2.modify_instance_attribute()
            .instance_id(id)
            .block_device_mappings(
                InstanceBlockDeviceMappingSpecification::builder()
                    .device_name(device)
                    .ebs(
                        EbsInstanceBlockDeviceSpecification::builder()
                            .volume_id(&vol)
                            .set_delete_on_termination(get_bool(new, "delete_on_termination"))
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .map_err(sdk)?;
    }
    sync_tags(ec2, &vol, &get_tags(old, "tags"), &get_tags(new, "tags")).await
}
