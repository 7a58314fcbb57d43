//! Launching an `aws_instance`: one RunInstances call with everything configured (network
//! interfaces, block devices, option blocks, instance and volume tags), a wait for `running`,
//! then the root volume's own tags.

use super::super::common::*;
use super::attrs::{instance_attrs, wants_volumes};
use super::{
    describe_volumes, iam_profile, metadata_options, one, opt_bool, user_data_b64, wait_state,
};
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, ProviderError};
use aws_sdk_ec2::types::{
    AmdSevSnpSpecification, BlockDeviceMapping, CapacityReservationPreference,
    CapacityReservationSpecification, CapacityReservationTarget, CpuOptionsRequest,
    CreditSpecificationRequest, EbsBlockDevice, EnclaveOptionsRequest, HibernationOptionsRequest,
    HostnameType, Instance, InstanceAutoRecoveryState, InstanceIpv6Address,
    InstanceMaintenanceOptionsRequest, InstanceNetworkInterfaceSpecification, InstanceType,
    LaunchTemplateSpecification, Placement, PrivateDnsNameOptionsRequest,
    PrivateIpAddressSpecification, ResourceType, RunInstancesMonitoringEnabled, ShutdownBehavior,
    Tenancy, VolumeType,
};

fn ebs_from(b: &Value) -> EbsBlockDevice {
    EbsBlockDevice::builder()
        .set_delete_on_termination(opt_bool(b, "delete_on_termination"))
        .set_encrypted(opt_bool(b, "encrypted"))
        .set_iops(get_i32(b, "iops").filter(|n| *n > 0))
        .set_kms_key_id(get_nonempty(b, "kms_key_id"))
        .set_snapshot_id(get_nonempty(b, "snapshot_id"))
        .set_throughput(get_i32(b, "throughput").filter(|n| *n > 0))
        .set_volume_size(get_i32(b, "volume_size").filter(|n| *n > 0))
        .set_volume_type(get_nonempty(b, "volume_type").map(|t| VolumeType::from(t.as_str())))
        .build()
}

/// The root device name of an AMI (for `root_block_device`).
async fn root_device_name(p: &AwsProvider, ami: &str) -> Result<String, ProviderError> {
    let out = p
        .ec2()
        .describe_images()
        .image_ids(ami)
        .send()
        .await
        .map_err(sdk)?;
    out.images()
        .first()
        .and_then(|i| i.root_device_name())
        .map(str::to_string)
        .ok_or_else(|| {
            ProviderError::Other(format!(
                "cannot find the root device of AMI {ami} (needed for root_block_device)"
            ))
        })
}

/// Tags for the instance's volumes: the request's tags other than the resource's own `tags`
/// (provider default tags and ownership tags), plus `volume_tags`.
fn volume_tags(c: &Value, tags: &Tags) -> Tags {
    let own = get_tags(c, "tags");
    let mut out: Tags = tags
        .iter()
        .filter(|(k, v)| own.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.extend(get_tags(c, "volume_tags"));
    out
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let ec2 = p.ec2();
    let ami = get_str(c, "ami");
    let mut run = ec2
        .run_instances()
        .min_count(1)
        .max_count(1)
        .client_token(client_token(req.client_token))
        .set_image_id(ami.clone())
        .set_instance_type(get_str(c, "instance_type").map(|t| InstanceType::from(t.as_str())))
        .set_key_name(get_nonempty(c, "key_name"))
        .set_user_data(user_data_b64(c))
        .set_ebs_optimized(opt_bool(c, "ebs_optimized"))
        .set_disable_api_termination(opt_bool(c, "disable_api_termination"))
        .set_disable_api_stop(opt_bool(c, "disable_api_stop"))
        .set_instance_initiated_shutdown_behavior(
            get_str(c, "instance_initiated_shutdown_behavior")
                .map(|s| ShutdownBehavior::from(s.as_str())),
        )
        .set_iam_instance_profile(get_nonempty(c, "iam_instance_profile").map(iam_profile));
    if let Some(m) = opt_bool(c, "monitoring") {
        run = run.monitoring(RunInstancesMonitoringEnabled::builder().enabled(m).build());
    }
    // Placement.
    let placement = Placement::builder()
        .set_availability_zone(get_nonempty(c, "availability_zone"))
        .set_tenancy(get_nonempty(c, "tenancy").map(|t| Tenancy::from(t.as_str())))
        .set_group_name(get_nonempty(c, "placement_group"))
        .set_partition_number(get_i32(c, "placement_partition_number").filter(|n| *n > 0))
        .set_host_id(get_nonempty(c, "host_id"))
        .set_host_resource_group_arn(get_nonempty(c, "host_resource_group_arn"))
        .build();
    if placement != Placement::builder().build() {
        run = run.placement(placement);
    }
    // Networking: an explicit primary interface when needed, else the top-level arguments.
    let sg_ids = get_strs(c, "vpc_security_group_ids");
    let nics = get_blocks(c, "network_interface");
    let secondary = get_strs(c, "secondary_private_ips");
    let ipv6_addrs = get_strs(c, "ipv6_addresses");
    if !nics.is_empty() {
        for n in nics {
            run = run.network_interfaces(
                InstanceNetworkInterfaceSpecification::builder()
                    .set_network_interface_id(get_str(n, "network_interface_id"))
                    .set_device_index(get_i32(n, "device_index"))
                    .set_network_card_index(get_i32(n, "network_card_index"))
                    .set_delete_on_termination(opt_bool(n, "delete_on_termination"))
                    .build(),
            );
        }
    } else if opt_bool(c, "associate_public_ip_address").is_some() || !secondary.is_empty() {
        let mut ips = Vec::new();
        if let Some(ip) = get_nonempty(c, "private_ip") {
            ips.push(
                PrivateIpAddressSpecification::builder()
                    .private_ip_address(ip)
                    .primary(true)
                    .build(),
            );
        }
        for ip in &secondary {
            ips.push(
                PrivateIpAddressSpecification::builder()
                    .private_ip_address(ip)
                    .primary(false)
                    .build(),
            );
        }
        let nic = InstanceNetworkInterfaceSpecification::builder()
            .device_index(0)
            .delete_on_termination(true)
            .set_associate_public_ip_address(opt_bool(c, "associate_public_ip_address"))
            .set_subnet_id(get_nonempty(c, "subnet_id"))
            .set_groups((!sg_ids.is_empty()).then(|| sg_ids.clone()))
            .set_private_ip_addresses((!ips.is_empty()).then_some(ips))
            .set_ipv6_address_count(get_i32(c, "ipv6_address_count").filter(|n| *n > 0))
            .set_ipv6_addresses((!ipv6_addrs.is_empty()).then(|| {
                ipv6_addrs
                    .iter()
                    .map(|a| InstanceIpv6Address::builder().ipv6_address(a).build())
                    .collect()
            }))
            .build();
        run = run.network_interfaces(nic);
    } else {
        run = run
            .set_subnet_id(get_nonempty(c, "subnet_id"))
            .set_private_ip_address(get_nonempty(c, "private_ip"))
            .set_security_group_ids((!sg_ids.is_empty()).then_some(sg_ids.clone()))
            .set_ipv6_address_count(get_i32(c, "ipv6_address_count").filter(|n| *n > 0))
            .set_ipv6_addresses((!ipv6_addrs.is_empty()).then(|| {
                ipv6_addrs
                    .iter()
                    .map(|a| InstanceIpv6Address::builder().ipv6_address(a).build())
                    .collect()
            }));
    }
    let names = get_strs(c, "security_groups");
    if !names.is_empty() {
        run = run.set_security_groups(Some(names));
    }
    // Block devices.
    let mut mappings = Vec::new();
    if let Some(root) = one(c, "root_block_device") {
        let ami = ami.clone().unwrap_or_default();
        let device = root_device_name(p, &ami).await?;
        mappings.push(
            BlockDeviceMapping::builder()
                .device_name(device)
                .ebs(ebs_from(root))
                .build(),
        );
    }
    for b in get_blocks(c, "ebs_block_device") {
        mappings.push(
            BlockDeviceMapping::builder()
                .set_device_name(get_str(b, "device_name"))
                .ebs(ebs_from(b))
                .build(),
        );
    }
    for b in get_blocks(c, "ephemeral_block_device") {
        let mut m = BlockDeviceMapping::builder().set_device_name(get_str(b, "device_name"));
        if opt_bool(b, "no_device") == Some(true) {
            m = m.no_device("");
        } else {
            m = m.set_virtual_name(get_str(b, "virtual_name"));
        }
        mappings.push(m.build());
    }
    if !mappings.is_empty() {
        run = run.set_block_device_mappings(Some(mappings));
    }
    // Option blocks.
    if let Some(b) = one(c, "metadata_options") {
        run = run.metadata_options(metadata_options(b));
    }
    if let Some(cpu) = one(c, "credit_specification").and_then(|b| get_str(b, "cpu_credits")) {
        run = run.credit_specification(
            CreditSpecificationRequest::builder()
                .cpu_credits(cpu)
                .build(),
        );
    }
    if let Some(b) = one(c, "cpu_options") {
        run = run.cpu_options(
            CpuOptionsRequest::builder()
                .set_core_count(get_i32(b, "core_count"))
                .set_threads_per_core(get_i32(b, "threads_per_core"))
                .set_amd_sev_snp(
                    get_str(b, "amd_sev_snp").map(|s| AmdSevSnpSpecification::from(s.as_str())),
                )
                .build(),
        );
    }
    if let Some(h) = opt_bool(c, "hibernation") {
        run = run.hibernation_options(HibernationOptionsRequest::builder().configured(h).build());
    }
    if let Some(e) = one(c, "enclave_options").and_then(|b| opt_bool(b, "enabled")) {
        run = run.enclave_options(EnclaveOptionsRequest::builder().enabled(e).build());
    }
    if let Some(a) = one(c, "maintenance_options").and_then(|b| get_str(b, "auto_recovery")) {
        run = run.maintenance_options(
            InstanceMaintenanceOptionsRequest::builder()
                .auto_recovery(InstanceAutoRecoveryState::from(a.as_str()))
                .build(),
        );
    }
    if let Some(b) = one(c, "private_dns_name_options") {
        run = run.private_dns_name_options(
            PrivateDnsNameOptionsRequest::builder()
                .set_hostname_type(
                    get_str(b, "hostname_type").map(|s| HostnameType::from(s.as_str())),
                )
                .set_enable_resource_name_dns_a_record(opt_bool(
                    b,
                    "enable_resource_name_dns_a_record",
                ))
                .set_enable_resource_name_dns_aaaa_record(opt_bool(
                    b,
                    "enable_resource_name_dns_aaaa_record",
                ))
                .build(),
        );
    }
    if let Some(b) = one(c, "capacity_reservation_specification") {
        let target = one(b, "capacity_reservation_target").map(|t| {
            CapacityReservationTarget::builder()
                .set_capacity_reservation_id(get_str(t, "capacity_reservation_id"))
                .set_capacity_reservation_resource_group_arn(get_str(
                    t,
                    "capacity_reservation_resource_group_arn",
                ))
                .build()
        });
        run = run.capacity_reservation_specification(
            CapacityReservationSpecification::builder()
                .set_capacity_reservation_preference(
                    get_str(b, "capacity_reservation_preference")
                        .map(|s| CapacityReservationPreference::from(s.as_str())),
                )
                .set_capacity_reservation_target(target)
                .build(),
        );
    }
    if let Some(b) = one(c, "launch_template") {
        run = run.launch_template(
            LaunchTemplateSpecification::builder()
                .set_launch_template_id(get_nonempty(b, "id"))
                .set_launch_template_name(get_nonempty(b, "name"))
                .set_version(get_nonempty(b, "version"))
                .build(),
        );
    }
    let mut specs = Vec::new();
    specs.extend(tag_spec(ResourceType::Instance, req.tags));
    specs.extend(tag_spec(ResourceType::Volume, &volume_tags(c, req.tags)));
    if !specs.is_empty() {
        run = run.set_tag_specifications(Some(specs));
    }
    let out = run.send().await.map_err(sdk)?;
    let id = out
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .ok_or_else(|| ProviderError::Other("RunInstances returned no instance".into()))?
        .to_string();
    let (inst, owner) = wait_state(p, &id, "running", req.timeout).await?;
    // Root volume tags (root_block_device.tags) are set after launch.
    let root_tags = one(c, "root_block_device")
        .map(|b| get_tags(b, "tags"))
        .unwrap_or_default();
    if !root_tags.is_empty() {
        if let Some(vol) = root_volume_id(&inst) {
            ec2.create_tags()
                .resources(vol)
                .set_tags(Some(sdk_tags(&root_tags)))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    let volumes = if wants_volumes(c) {
        describe_volumes(p, std::slice::from_ref(&id)).await?
    } else {
        Vec::new()
    };
    let mut m = start(c);
    m.insert(
        "disable_api_termination".into(),
        Value::Bool(opt_bool(c, "disable_api_termination").unwrap_or(false)),
    );
    m.insert(
        "disable_api_stop".into(),
        Value::Bool(opt_bool(c, "disable_api_stop").unwrap_or(false)),
    );
    m.insert(
        "instance_initiated_shutdown_behavior".into(),
        Value::from(
            get_str(c, "instance_initiated_shutdown_behavior").unwrap_or_else(|| "stop".into()),
        ),
    );
    instance_attrs(p, &mut m, &inst, &owner, &volumes);
    let all = if inst.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(inst.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_instance", m))
}

fn root_volume_id(i: &Instance) -> Option<String> {
    let root = i.root_device_name()?;
    i.block_device_mappings()
        .iter()
        .find(|b| b.device_name() == Some(root))
        .and_then(|b| b.ebs())
        .and_then(|e| e.volume_id())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_tags_leave_out_the_resource_tags() {
        let c = Value::map([
            ("tags", Value::map([("Name", Value::from("web"))])),
            ("volume_tags", Value::map([("v", Value::from("1"))])),
        ]);
        let tags = Tags::from([
            ("Name".to_string(), "web".to_string()),
            (
                "terrace:address".to_string(),
                "aws_instance.web".to_string(),
            ),
        ]);
        let v = volume_tags(&c, &tags);
        assert_eq!(v.len(), 2);
        assert!(v.contains_key("terrace:address") && v.contains_key("v"));
    }
}
