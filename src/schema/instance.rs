//! EC2 compute: `aws_instance`, `aws_key_pair`.
//!
//! Source: terraform-provider-aws `internal/service/ec2/ec2_instance.go`,
//! `ec2_key_pair.go`.

use super::builder::{
    arn, boolean, list_of_strings, map_of_strings, number, set_of_strings, string,
};
use super::validator::{base64_encoded, ipv4_address, ipv6_addresses, not_blank};
use super::{AttrSchema as A, BlockSchema, ResourceSchema, Validator as V};
use crate::eval::Value;

pub(super) fn schemas() -> Vec<ResourceSchema> {
    vec![instance(), key_pair()]
}

const VOLUME_TYPES: &[&str] = &["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"];
const ENABLED_DISABLED: &[&str] = &["enabled", "disabled"];

/// Each element of `secondary_private_ips` is an IPv4 address.
fn ipv4_addresses(v: &Value) -> Result<(), String> {
    for (i, item) in v.as_list().unwrap_or_default().iter().enumerate() {
        if item.is_known() && !item.is_null() {
            ipv4_address(item).map_err(|e| format!("element {i}: {e}"))?;
        }
    }
    Ok(())
}

fn root_block_device() -> BlockSchema {
    // "For the root volume, you can only modify the following: volume size, volume type, and
    // the Delete on Termination flag" (plus IOPS and throughput).
    BlockSchema::list(
        "root_block_device",
        vec![
            A::optional("delete_on_termination", boolean()).default(true),
            A::computed("device_name", string()),
            A::optional_computed("encrypted", boolean()).force_new(),
            A::optional_computed("iops", number()),
            A::optional_computed("kms_key_id", string()).force_new(),
            A::optional("tags", map_of_strings()),
            A::optional_computed("throughput", number()),
            A::computed("volume_id", string()),
            A::optional_computed("volume_size", number()),
            A::optional_computed("volume_type", string()).validate(V::OneOf(VOLUME_TYPES)),
        ],
    )
    .max_items(1)
}

fn ebs_block_device() -> BlockSchema {
    BlockSchema::set(
        "ebs_block_device",
        vec![
            A::optional("delete_on_termination", boolean())
                .force_new()
                .default(true),
            A::required("device_name", string()).force_new(),
            A::optional_computed("encrypted", boolean()).force_new(),
            A::optional_computed("iops", number()).force_new(),
            A::optional_computed("kms_key_id", string()).force_new(),
            A::optional_computed("snapshot_id", string()).force_new(),
            A::optional("tags", map_of_strings()),
            A::optional_computed("throughput", number()).force_new(),
            A::computed("volume_id", string()),
            A::optional_computed("volume_size", number()).force_new(),
            A::optional_computed("volume_type", string())
                .force_new()
                .validate(V::OneOf(VOLUME_TYPES)),
        ],
    )
}

fn ephemeral_block_device() -> BlockSchema {
    BlockSchema::set(
        "ephemeral_block_device",
        vec![
            A::required("device_name", string()),
            A::optional("no_device", boolean()),
            A::optional("virtual_name", string()),
        ],
    )
    .force_new()
}

fn metadata_options() -> BlockSchema {
    BlockSchema::list(
        "metadata_options",
        vec![
            A::optional_computed("http_endpoint", string()).validate(V::OneOf(ENABLED_DISABLED)),
            A::optional_computed("http_protocol_ipv6", string())
                .validate(V::OneOf(ENABLED_DISABLED)),
            A::optional_computed("http_put_response_hop_limit", number())
                .validate(V::IntRange(1, 64)),
            A::optional_computed("http_tokens", string())
                .validate(V::OneOf(&["optional", "required"])),
            A::optional_computed("instance_metadata_tags", string())
                .validate(V::OneOf(ENABLED_DISABLED)),
        ],
    )
    .max_items(1)
}

fn credit_specification() -> BlockSchema {
    BlockSchema::list(
        "credit_specification",
        vec![A::optional("cpu_credits", string()).validate(V::OneOf(&["standard", "unlimited"]))],
    )
    .max_items(1)
}

fn cpu_options() -> BlockSchema {
    BlockSchema::list(
        "cpu_options",
        vec![
            A::optional_computed("amd_sev_snp", string())
                .force_new()
                .validate(V::OneOf(ENABLED_DISABLED)),
            A::optional_computed("core_count", number()).force_new(),
            A::optional_computed("threads_per_core", number()).force_new(),
        ],
    )
    .max_items(1)
}

fn capacity_reservation_specification() -> BlockSchema {
    BlockSchema::list(
        "capacity_reservation_specification",
        vec![
            A::optional("capacity_reservation_preference", string()).validate(V::OneOf(&[
                "open",
                "none",
                "capacity-reservations-only",
            ])),
        ],
    )
    .max_items(1)
    .blocks(vec![BlockSchema::list(
        "capacity_reservation_target",
        vec![
            A::optional("capacity_reservation_id", string())
                .conflicts(&["capacity_reservation_resource_group_arn"]),
            A::optional("capacity_reservation_resource_group_arn", string())
                .conflicts(&["capacity_reservation_id"]),
        ],
    )
    .max_items(1)])
}

/// Spot or capacity-block purchasing of the instance.
fn instance_market_options() -> BlockSchema {
    BlockSchema::list(
        "instance_market_options",
        vec![A::optional_computed("market_type", string())
            .force_new()
            .validate(V::OneOf(&["spot", "capacity-block"]))],
    )
    .max_items(1)
    .force_new()
    .blocks(vec![BlockSchema::list(
        "spot_options",
        vec![
            A::optional_computed("instance_interruption_behavior", string())
                .force_new()
                .validate(V::OneOf(&["hibernate", "stop", "terminate"])),
            A::optional_computed("max_price", string()).force_new(),
            A::optional_computed("spot_instance_type", string())
                .force_new()
                .validate(V::OneOf(&["one-time", "persistent"])),
            A::optional_computed("valid_until", string()).force_new(),
        ],
    )
    .max_items(1)])
}

fn launch_template() -> BlockSchema {
    BlockSchema::list(
        "launch_template",
        vec![
            A::optional_computed("id", string())
                .force_new()
                .conflicts(&["name"]),
            A::optional_computed("name", string())
                .force_new()
                .conflicts(&["id"]),
            A::optional("version", string())
                .default("$Default")
                .validate(V::StringLen(1, 255)),
        ],
    )
    .max_items(1)
    .force_new()
}

fn network_interface() -> BlockSchema {
    BlockSchema::set(
        "network_interface",
        vec![
            A::optional("delete_on_termination", boolean())
                .force_new()
                .default(false),
            A::required("device_index", number()).force_new(),
            A::optional("network_card_index", number())
                .force_new()
                .default(0_i64),
            A::required("network_interface_id", string()).force_new(),
        ],
    )
}

fn instance() -> ResourceSchema {
    ResourceSchema::managed("aws_instance")
        .attrs(vec![
            A::optional_computed("ami", string()).force_new(),
            arn(),
            A::optional_computed("associate_public_ip_address", boolean()).force_new(),
            A::optional_computed("availability_zone", string()).force_new(),
            // Deprecated in provider v5 in favour of `cpu_options` (removed in v6).
            A::optional_computed("cpu_core_count", number()).force_new(),
            A::optional_computed("cpu_threads_per_core", number()).force_new(),
            A::optional_computed("disable_api_stop", boolean()),
            A::optional_computed("disable_api_termination", boolean()),
            A::optional_computed("ebs_optimized", boolean()).force_new(),
            A::optional_computed("enable_primary_ipv6", boolean()).force_new(),
            A::optional("force_destroy", boolean()).default(false),
            A::optional("get_password_data", boolean()).default(false),
            A::optional("hibernation", boolean()).force_new(),
            A::optional_computed("host_id", string()).force_new(),
            A::optional_computed("host_resource_group_arn", string())
                .conflicts(&["placement_group"]),
            A::optional_computed("iam_instance_profile", string()),
            A::optional_computed("instance_initiated_shutdown_behavior", string())
                .validate(V::OneOf(&["stop", "terminate"])),
            A::computed("instance_lifecycle", string()),
            A::computed("instance_state", string()),
            A::optional_computed("instance_type", string()),
            A::optional_computed("ipv6_address_count", number())
                .force_new()
                .conflicts(&["ipv6_addresses"]),
            A::optional_computed("ipv6_addresses", list_of_strings())
                .force_new()
                .validate(V::Custom(ipv6_addresses))
                .conflicts(&["ipv6_address_count"]),
            A::optional_computed("key_name", string()).force_new(),
            A::optional_computed("monitoring", boolean()),
            A::computed("outpost_arn", string()),
            A::computed("password_data", string()),
            A::optional_computed("placement_group", string())
                .force_new()
                .conflicts(&["host_resource_group_arn", "placement_group_id"]),
            A::optional_computed("placement_group_id", string())
                .force_new()
                .conflicts(&["host_resource_group_arn", "placement_group"]),
            A::optional_computed("placement_partition_number", number()).force_new(),
            A::computed("primary_network_interface_id", string()),
            A::computed("private_dns", string()),
            A::optional_computed("private_ip", string())
                .force_new()
                .validate(V::Custom(ipv4_address)),
            A::computed("public_dns", string()),
            A::computed("public_ip", string()),
            A::optional_computed("secondary_private_ips", set_of_strings())
                .validate(V::Custom(ipv4_addresses)),
            A::optional_computed("security_groups", set_of_strings()).force_new(),
            A::optional("source_dest_check", boolean()).default(true),
            A::computed("spot_instance_request_id", string()),
            A::optional_computed("subnet_id", string()).force_new(),
            A::optional_computed("tenancy", string())
                .force_new()
                .validate(V::OneOf(&["default", "dedicated", "host"])),
            // Replaced on change only when `user_data_replace_on_change` is true.
            A::optional_computed("user_data", string())
                .validate(V::StringLen(0, 16384))
                .conflicts(&["user_data_base64"]),
            A::optional_computed("user_data_base64", string())
                .validate(V::Custom(base64_encoded))
                .conflicts(&["user_data"]),
            A::optional("user_data_replace_on_change", boolean()).default(false),
            A::optional("volume_tags", map_of_strings()),
            A::optional_computed("vpc_security_group_ids", set_of_strings()),
        ])
        .blocks(vec![
            capacity_reservation_specification(),
            cpu_options(),
            credit_specification(),
            ebs_block_device(),
            BlockSchema::list(
                "enclave_options",
                vec![A::optional_computed("enabled", boolean()).force_new()],
            )
            .max_items(1),
            ephemeral_block_device(),
            instance_market_options(),
            launch_template(),
            BlockSchema::list(
                "maintenance_options",
                vec![A::optional_computed("auto_recovery", string())
                    .validate(V::OneOf(&["default", "disabled"]))],
            )
            .max_items(1),
            metadata_options(),
            network_interface(),
            BlockSchema::list(
                "private_dns_name_options",
                vec![
                    A::optional_computed("enable_resource_name_dns_aaaa_record", boolean()),
                    A::optional_computed("enable_resource_name_dns_a_record", boolean()),
                    A::optional_computed("hostname_type", string())
                        .validate(V::OneOf(&["ip-name", "resource-name"])),
                ],
            )
            .max_items(1)
            .force_new(),
            BlockSchema::list(
                "primary_network_interface",
                vec![
                    A::computed("delete_on_termination", boolean()),
                    A::required("network_interface_id", string()).force_new(),
                ],
            )
            .max_items(1)
            .force_new(),
            root_block_device(),
        ])
        .tagged()
        .deprecated("cpu_core_count", "use cpu_options instead")
        .deprecated("cpu_threads_per_core", "use cpu_options instead")
        .timeouts(&["create", "update", "delete"])
        .build()
}

fn key_pair() -> ResourceSchema {
    ResourceSchema::managed("aws_key_pair")
        .attrs(vec![
            arn(),
            A::computed("fingerprint", string()),
            A::optional_computed("key_name", string())
                .force_new()
                .validate(V::StringLen(0, 255))
                .conflicts(&["key_name_prefix"]),
            A::optional_computed("key_name_prefix", string())
                .force_new()
                .validate(V::StringLen(0, 255 - 26))
                .conflicts(&["key_name"]),
            A::computed("key_pair_id", string()),
            A::computed("key_type", string()),
            A::required("public_key", string())
                .force_new()
                .validate(V::Custom(not_blank)),
        ])
        .tagged()
        .build()
}

#[cfg(test)]
mod tests {
    use super::super::{resource, Nesting, Presence};
    use super::*;

    fn check(a: &A, v: Value) -> Result<(), String> {
        a.validators.iter().try_for_each(|val| val.check(&v))
    }

    #[test]
    fn instance_arguments() {
        let i = resource("aws_instance").unwrap();
        for name in [
            "ami",
            "instance_type",
            "subnet_id",
            "vpc_security_group_ids",
            "security_groups",
            "key_name",
            "associate_public_ip_address",
            "private_ip",
            "user_data",
            "user_data_base64",
            "user_data_replace_on_change",
            "iam_instance_profile",
            "monitoring",
            "ebs_optimized",
            "disable_api_termination",
            "source_dest_check",
            "availability_zone",
            "tenancy",
        ] {
            assert!(
                i.attr(name)
                    .unwrap_or_else(|| panic!("{name}"))
                    .is_settable(),
                "{name}"
            );
        }
        for name in [
            "id",
            "arn",
            "public_ip",
            "private_dns",
            "public_dns",
            "instance_state",
            "primary_network_interface_id",
        ] {
            assert_eq!(i.attr(name).unwrap().presence, Presence::Computed, "{name}");
        }
        for name in [
            "ami",
            "subnet_id",
            "key_name",
            "availability_zone",
            "private_ip",
        ] {
            assert!(i.attr(name).unwrap().force_new, "{name}");
        }
        for name in [
            "instance_type",
            "vpc_security_group_ids",
            "user_data",
            "monitoring",
        ] {
            assert!(!i.attr(name).unwrap().force_new, "{name}");
        }
        assert_eq!(
            i.attr("source_dest_check").unwrap().default,
            Some(Value::Bool(true))
        );
    }

    #[test]
    fn instance_blocks() {
        let i = resource("aws_instance").unwrap();
        let root = i.block("root_block_device").unwrap();
        assert_eq!((root.nesting, root.max_items), (Nesting::List, Some(1)));
        assert!(root.body.attr("encrypted").unwrap().force_new);
        assert!(!root.body.attr("volume_size").unwrap().force_new);
        let ebs = i.block("ebs_block_device").unwrap();
        assert_eq!(ebs.nesting, Nesting::Set);
        assert!(ebs.body.attr("device_name").unwrap().is_required());
        let md = i.block("metadata_options").unwrap();
        assert_eq!(md.max_items, Some(1));
        let hop = md.body.attr("http_put_response_hop_limit").unwrap();
        assert!(check(hop, Value::Number(2.0)).is_ok());
        assert!(check(hop, Value::Number(65.0)).is_err());
        assert!(check(md.body.attr("http_tokens").unwrap(), "required".into()).is_ok());
        assert!(check(md.body.attr("http_tokens").unwrap(), "always".into()).is_err());
        let cs = i.block("credit_specification").unwrap();
        assert!(check(cs.body.attr("cpu_credits").unwrap(), "unlimited".into()).is_ok());
        assert!(check(cs.body.attr("cpu_credits").unwrap(), "burst".into()).is_err());
        let crs = i.block("capacity_reservation_specification").unwrap();
        assert!(crs.body.block("capacity_reservation_target").is_some());
    }

    #[test]
    fn instance_validators() {
        let i = resource("aws_instance").unwrap();
        assert!(check(i.attr("tenancy").unwrap(), "host".into()).is_ok());
        assert!(check(i.attr("tenancy").unwrap(), "shared".into()).is_err());
        assert!(check(i.attr("private_ip").unwrap(), "10.0.1.10".into()).is_ok());
        assert!(check(i.attr("private_ip").unwrap(), "10.0.1".into()).is_err());
        assert!(check(
            i.attr("user_data_base64").unwrap(),
            "IyEvYmluL3NoCg==".into()
        )
        .is_ok());
        assert!(check(i.attr("user_data_base64").unwrap(), "#!/bin/sh".into()).is_err());
        let long = "x".repeat(16385);
        assert!(check(i.attr("user_data").unwrap(), long.as_str().into()).is_err());
        let ips = Value::set(vec!["10.0.0.5".into(), "10.0.0.300".into()]);
        assert!(check(i.attr("secondary_private_ips").unwrap(), ips).is_err());
    }

    #[test]
    fn key_pair() {
        let k = resource("aws_key_pair").unwrap();
        assert!(k.taggable);
        let pk = k.attr("public_key").unwrap();
        assert!(pk.is_required() && pk.force_new);
        assert!(check(pk, "ssh-ed25519 AAAAC3Nza user@host".into()).is_ok());
        assert_eq!(check(pk, "".into()).unwrap_err(), "must not be empty");
        assert!(check(k.attr("key_name").unwrap(), "x".repeat(256).as_str().into()).is_err());
        assert_eq!(
            k.attr("key_name").unwrap().presence,
            Presence::OptionalComputed
        );
    }
}
