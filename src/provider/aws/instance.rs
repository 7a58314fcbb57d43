//! EC2 compute: `aws_key_pair` and `aws_instance`.
//!
//! Blocks terraform-provider-aws treats as optional and computed (`root_block_device`,
//! `metadata_options`, `cpu_options`, ...) are reported only when configured, filled with
//! what the API returns, so an unconfigured block never shows as a difference.

use super::coalescer::Fetch;
use super::common::*;
use super::provider::AwsProvider;
use super::vpc::{changed, update_base};
use crate::eval::Value;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{
    AmdSevSnpSpecification, AttributeBooleanValue, AttributeValue, BlockDeviceMapping,
    CapacityReservationPreference, CapacityReservationSpecification, CapacityReservationTarget,
    CpuOptionsRequest, CreditSpecificationRequest, EbsBlockDevice,
    EbsInstanceBlockDeviceSpecification, EnclaveOptionsRequest, HibernationOptionsRequest,
    HostnameType, HttpTokensState, IamInstanceProfileSpecification, Instance,
    InstanceAttributeName, InstanceAutoRecoveryState, InstanceBlockDeviceMappingSpecification,
    InstanceCreditSpecificationRequest, InstanceIpv6Address, InstanceMaintenanceOptionsRequest,
    InstanceMetadataEndpointState, InstanceMetadataOptionsRequest, InstanceMetadataProtocolState,
    InstanceMetadataTagsState, InstanceNetworkInterfaceSpecification, InstanceType, KeyPairInfo,
    LaunchTemplateSpecification, Placement, PrivateDnsNameOptionsRequest,
    PrivateIpAddressSpecification, ResourceType, RunInstancesMonitoringEnabled, ShutdownBehavior,
    Tenancy, Volume, VolumeType,
};
use base64::Engine;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

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

pub(crate) async fn create(
    p: &AwsProvider,
    t: &str,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    match t {
        "aws_key_pair" => create_key_pair(p, req).await,
        _ => create_instance(p, req).await,
    }
}

pub(crate) async fn update(
    p: &AwsProvider,
    t: &str,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    match t {
        "aws_key_pair" => update_key_pair(p, req).await,
        _ => update_instance(p, req).await,
    }
}

pub(crate) async fn delete(
    p: &AwsProvider,
    t: &str,
    req: &DeleteRequest<'_>,
) -> Result<(), ProviderError> {
    match t {
        "aws_key_pair" => {
            let r = p
                .ec2()
                .delete_key_pair()
                .key_name(req.id)
                .send()
                .await
                .map(drop)
                .map_err(sdk);
            ignore_not_found(r)
        }
        _ => delete_instance(p, req).await,
    }
}

pub(crate) async fn read(
    p: &AwsProvider,
    t: &str,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    match t {
        "aws_key_pair" => read_key_pairs(p, priors).await,
        _ => read_instances(p, priors).await,
    }
}

// ----------------------------------------------------------------------------------------------
// aws_key_pair (id = key name)

/// Key pairs by name: ceil(N/1000) DescribeKeyPairs calls.
async fn describe_key_pairs(
    p: &AwsProvider,
    names: &[String],
) -> Result<Vec<KeyPairInfo>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        names,
        IDS_PER_CALL,
        |page| async move {
            Ok(ec2
                .describe_key_pairs()
                .set_key_names(Some(page))
                .send()
                .await
                .map_err(sdk)?
                .key_pairs()
                .to_vec())
        },
        |page| async move {
            Ok(ec2
                .describe_key_pairs()
                .filters(filter("key-name", page))
                .send()
                .await
                .map_err(sdk)?
                .key_pairs()
                .to_vec())
        },
    )
    .await
}

fn key_type_of(public_key: &str) -> &'static str {
    if public_key.trim_start().starts_with("ssh-ed25519") {
        "ed25519"
    } else {
        "rsa"
    }
}

fn key_pair_attrs(m: &mut Obj, k: &KeyPairInfo) {
    m.insert("id".into(), vs(k.key_name()));
    m.insert("key_name".into(), vs(k.key_name()));
    m.insert("key_pair_id".into(), vs(k.key_pair_id()));
    m.insert("fingerprint".into(), vs(k.key_fingerprint()));
    if let Some(t) = k.key_type() {
        m.insert("key_type".into(), Value::from(t.as_str()));
    }
}

async fn create_key_pair(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let name = get_str(c, "key_name").unwrap_or_else(|| {
        let prefix = get_str(c, "key_name_prefix").unwrap_or_else(|| "terraform-".to_string());
        unique_name(&prefix, req.client_token)
    });
    let public_key = get_str(c, "public_key").unwrap_or_default();
    let out = p
        .ec2()
        .import_key_pair()
        .key_name(&name)
        .public_key_material(Blob::new(public_key.as_bytes()))
        .set_tag_specifications(tag_spec(ResourceType::KeyPair, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let account = p.account_id().await?;
    let mut m = start(c);
    m.insert("id".into(), Value::from(name.as_str()));
    m.insert("key_name".into(), Value::from(name.as_str()));
    m.insert("key_pair_id".into(), vs(out.key_pair_id()));
    m.insert("fingerprint".into(), vs(out.key_fingerprint()));
    m.insert("key_type".into(), Value::from(key_type_of(&public_key)));
    m.insert(
        "arn".into(),
        Value::from(p.arn(&account, &format!("key-pair/{name}"))),
    );
    if get(c, "key_name_prefix").is_none() {
        m.insert("key_name_prefix".into(), Value::Null);
    }
    let all = if out.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(out.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_key_pair", m))
}

async fn update_key_pair(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let key_id = get_str(req.prior, "key_pair_id").unwrap_or_else(|| req.id.to_string());
    sync_tags(p.ec2(), &key_id, &prior_tags(req.prior), req.tags).await?;
    let mut m = update_base(c, req.prior);
    set_tags_created(&mut m, c, req.tags);
    Ok(finish_resource("aws_key_pair", m))
}

/// Cost: see [`describe_key_pairs`]; the public key and ARN are kept from the prior value.
async fn read_key_pairs(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_key_pairs(p, &prior_ids(priors)).await?;
    let by_name: BTreeMap<&str, &KeyPairInfo> = found
        .iter()
        .filter_map(|k| Some((k.key_name()?, k)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(k) = by_name.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        key_pair_attrs(&mut m, k);
        set_tags_read(&mut m, prior, &tags_of(k.tags()));
        out.insert(id.clone(), finish_resource("aws_key_pair", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// aws_instance

/// Instances by id: ceil(N/1000) DescribeInstances calls. Terminated instances are left
/// out. Returns each instance with its reservation's owner.
async fn describe_instances(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<(Instance, String)>, ProviderError> {
    let ec2 = p.ec2();
    let flatten = |rs: Vec<aws_sdk_ec2::types::Reservation>| -> Vec<(Instance, String)> {
        rs.iter()
            .flat_map(|r| {
                r.instances()
                    .iter()
                    .map(move |i| (i.clone(), r.owner_id().unwrap_or_default().to_string()))
            })
            .collect()
    };
    let all = batched(
        ids,
        IDS_PER_CALL,
        |page| async move {
            Ok(flatten(all_items!(ec2
                .describe_instances()
                .set_instance_ids(Some(page)))?))
        },
        |page| async move {
            Ok(flatten(all_items!(ec2
                .describe_instances()
                .filters(filter("instance-id", page)))?))
        },
    )
    .await?;
    Ok(all
        .into_iter()
        .filter(|(i, _)| state_of(i) != "terminated")
        .collect())
}

/// The volumes attached to the given instances: one DescribeVolumes call per 200 instances.
async fn describe_volumes(
    p: &AwsProvider,
    instance_ids: &[String],
) -> Result<Vec<Volume>, ProviderError> {
    let ec2 = p.ec2();
    by_filter_pages(instance_ids, |page| async move {
        all_items!(ec2
            .describe_volumes()
            .filters(filter("attachment.instance-id", page)))
    })
    .await
}

fn state_of(i: &Instance) -> String {
    i.state()
        .and_then(|s| s.name())
        .map(|n| n.as_str().to_string())
        .unwrap_or_default()
}

/// Instances by id for waiters, through the command's [`Coalescer`]: one DescribeInstances
/// call (by `instance-id` filter, which tolerates ids not visible yet) per page of every
/// instance being waited on at that moment. Terminated instances are included.
///
/// [`Coalescer`]: super::coalescer::Coalescer
async fn describe_for_wait(
    p: &AwsProvider,
    id: &str,
) -> Result<Option<(Instance, String)>, ProviderError> {
    let ec2 = p.ec2().clone();
    let fetch: Fetch<(Instance, String)> = Arc::new(move |ids: Vec<String>| {
        let ec2 = ec2.clone();
        Box::pin(async move {
            let mut out = HashMap::new();
            for page in ids.chunks(FILTER_VALUES_PER_CALL) {
                let rs = all_items!(ec2
                    .describe_instances()
                    .filters(filter("instance-id", page)))?;
                for r in &rs {
                    let owner = r.owner_id().unwrap_or_default().to_string();
                    for i in r.instances() {
                        if let Some(id) = i.instance_id() {
                            out.insert(id.to_string(), (i.clone(), owner.clone()));
                        }
                    }
                }
            }
            Ok(out)
        })
    });
    p.clients().waits.instances.get(id, fetch).await
}

/// Waits until the instance reaches `target` (`running`, `stopped`); a terminated instance
/// is an error. Polls are batched with every other instance waiter.
async fn wait_state(
    p: &AwsProvider,
    id: &str,
    target: &str,
    timeout: Duration,
) -> Result<(Instance, String), ProviderError> {
    poll(
        timeout,
        &format!("instance {id} to be {target}"),
        || async {
            // Missing right after RunInstances: eventual consistency.
            let Some((i, owner)) = describe_for_wait(p, id).await? else {
                return Ok(None);
            };
            let state = state_of(&i);
            if state == target {
                return Ok(Some((i, owner)));
            }
            if matches!(state.as_str(), "terminated" | "shutting-down") {
                let reason = i
                    .state_reason()
                    .and_then(|r| r.message())
                    .unwrap_or("no reason given");
                return Err(ProviderError::Api {
                    code: i
                        .state_reason()
                        .and_then(|r| r.code())
                        .unwrap_or("InstanceTerminated")
                        .to_string(),
                    message: format!(
                        "instance {id} is {state} while waiting for {target}: {reason}"
                    ),
                });
            }
            Ok(None)
        },
    )
    .await
}

fn opt_bool(v: &Value, k: &str) -> Option<bool> {
    get_bool(v, k)
}

/// The single object of a list-of-one block.
fn one<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    get_blocks(v, k).into_iter().next()
}

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

fn user_data_b64(c: &Value) -> Option<String> {
    if let Some(u) = get_str(c, "user_data") {
        return Some(base64::engine::general_purpose::STANDARD.encode(u.as_bytes()));
    }
    get_str(c, "user_data_base64")
}

fn user_data_bytes(c: &Value) -> Vec<u8> {
    if let Some(u) = get_str(c, "user_data") {
        return u.into_bytes();
    }
    get_str(c, "user_data_base64")
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .unwrap_or_default()
}

fn metadata_options(b: &Value) -> InstanceMetadataOptionsRequest {
    InstanceMetadataOptionsRequest::builder()
        .set_http_endpoint(
            get_str(b, "http_endpoint").map(|s| InstanceMetadataEndpointState::from(s.as_str())),
        )
        .set_http_protocol_ipv6(
            get_str(b, "http_protocol_ipv6")
                .map(|s| InstanceMetadataProtocolState::from(s.as_str())),
        )
        .set_http_put_response_hop_limit(get_i32(b, "http_put_response_hop_limit"))
        .set_http_tokens(get_str(b, "http_tokens").map(|s| HttpTokensState::from(s.as_str())))
        .set_instance_metadata_tags(
            get_str(b, "instance_metadata_tags")
                .map(|s| InstanceMetadataTagsState::from(s.as_str())),
        )
        .build()
}

fn iam_profile(name_or_arn: String) -> IamInstanceProfileSpecification {
    if name_or_arn.starts_with("arn:") {
        IamInstanceProfileSpecification::builder()
            .arn(name_or_arn)
            .build()
    } else {
        IamInstanceProfileSpecification::builder()
            .name(name_or_arn)
            .build()
    }
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

async fn create_instance(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
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

/// Whether the value has volume blocks whose attributes come from DescribeVolumes.
fn wants_volumes(v: &Value) -> bool {
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
fn instance_attrs(p: &AwsProvider, m: &mut Obj, i: &Instance, owner: &str, volumes: &[Volume]) {
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

/// Attributes `update_instance` changes in place; anything else changed is refused.
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

async fn update_instance(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
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

async fn delete_instance(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let ec2 = p.ec2();
    let r = ec2
        .terminate_instances()
        .instance_ids(id)
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    match r {
        Err(ProviderError::NotFound { .. }) => return Ok(()),
        r => r?,
    }
    // Until it is `terminated`, the instance still holds its interfaces (and so its
    // security groups and subnet).
    poll(
        req.timeout,
        &format!("instance {id} to terminate"),
        || async {
            Ok(describe_for_wait(p, id)
                .await?
                .is_none_or(|(i, _)| state_of(&i) == "terminated")
                .then_some(()))
        },
    )
    .await
}

/// Cost: see [`describe_instances`], plus [`describe_volumes`] for the instances whose prior
/// value has `root_block_device` or `ebs_block_device` blocks. User data, API termination
/// and stop protection and the shutdown behaviour are kept from the prior value.
async fn read_instances(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_instances(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &(Instance, String)> = found
        .iter()
        .filter_map(|x| Some((x.0.instance_id()?, x)))
        .collect();
    let with_volumes: Vec<String> = distinct(
        priors
            .iter()
            .filter(|(id, v)| by_id.contains_key(id.as_str()) && wants_volumes(v))
            .map(|(id, _)| id.clone()),
    );
    let volumes = if with_volumes.is_empty() {
        Vec::new()
    } else {
        describe_volumes(p, &with_volumes).await?
    };
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some((i, owner)) = by_id.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        instance_attrs(p, &mut m, i, owner, &volumes);
        set_tags_read(&mut m, prior, &tags_of(i.tags()));
        out.insert(id.clone(), finish_resource("aws_instance", m));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types_and_user_data() {
        assert_eq!(key_type_of("ssh-ed25519 AAAA x"), "ed25519");
        assert_eq!(key_type_of("ssh-rsa AAAA x"), "rsa");
        let c = Value::map([
            ("user_data", Value::from("#!/bin/sh\n")),
            ("user_data_base64", Value::Null),
        ]);
        assert_eq!(user_data_b64(&c).as_deref(), Some("IyEvYmluL3NoCg=="));
        assert_eq!(user_data_bytes(&c), b"#!/bin/sh\n");
        let c = Value::map([
            ("user_data", Value::Null),
            ("user_data_base64", Value::from("IyEvYmluL3NoCg==")),
        ]);
        assert_eq!(user_data_bytes(&c), b"#!/bin/sh\n");
    }

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
