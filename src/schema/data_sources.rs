//! Data sources: `aws_availability_zones`, `aws_ami`, `aws_vpc`, `aws_subnets`.
//!
//! Source: terraform-provider-aws `internal/service/ec2/ec2_availability_zones_data_source.go`,
//! `ec2_ami_data_source.go`, `vpc_data_source.go`, `vpc_subnets_data_source.go`,
//! `common_schema_data_source.go` (the `filter` block).

use super::builder::{
    arn, boolean, data_tags, filter_block, list_of_strings, map_of_strings, set_of_strings, string,
};
use super::validator::non_empty_strings;
use super::{AttrSchema as A, ResourceSchema, Validator as V};
use crate::eval::Type;

pub(super) fn schemas() -> Vec<ResourceSchema> {
    vec![availability_zones(), ami(), vpc(), subnets()]
}

fn availability_zones() -> ResourceSchema {
    ResourceSchema::data("aws_availability_zones")
        .attrs(vec![
            A::optional("all_availability_zones", boolean()),
            A::optional("exclude_names", set_of_strings()),
            A::optional("exclude_zone_ids", set_of_strings()),
            A::computed("group_names", set_of_strings()),
            A::computed("names", list_of_strings()),
            A::optional("state", string()).validate(V::OneOf(&[
                "available",
                "information",
                "impaired",
                "unavailable",
                "constrained",
            ])),
            A::computed("zone_ids", list_of_strings()),
        ])
        .blocks(vec![filter_block()])
        .timeouts(&["read"])
        .build()
}

fn ami() -> ResourceSchema {
    let computed = |name: &'static str| A::computed(name, string());
    ResourceSchema::data("aws_ami")
        .attrs(vec![
            A::optional("allow_unsafe_filter", boolean()),
            computed("architecture"),
            arn(),
            A::computed(
                "block_device_mappings",
                Type::set(Type::object(&[
                    ("device_name", string()),
                    ("ebs", map_of_strings()),
                    ("no_device", string()),
                    ("virtual_name", string()),
                ])),
            ),
            computed("boot_mode"),
            computed("creation_date"),
            computed("deprecation_time"),
            computed("description"),
            A::computed("ena_support", boolean()),
            A::optional("executable_users", list_of_strings()),
            computed("hypervisor"),
            computed("image_id"),
            computed("image_location"),
            computed("image_owner_alias"),
            computed("image_type"),
            computed("imds_support"),
            A::optional("include_deprecated", boolean()).default(false),
            computed("kernel_id"),
            computed("last_launched_time"),
            A::optional("most_recent", boolean()).default(false),
            computed("name"),
            A::optional("name_regex", string()),
            computed("owner_id"),
            A::optional("owners", list_of_strings()).validate(V::Custom(non_empty_strings)),
            computed("platform"),
            computed("platform_details"),
            A::computed(
                "product_codes",
                Type::set(Type::object(&[
                    ("product_code_id", string()),
                    ("product_code_type", string()),
                ])),
            ),
            A::computed("public", boolean()),
            computed("ramdisk_id"),
            computed("root_device_name"),
            computed("root_device_type"),
            computed("root_snapshot_id"),
            computed("sriov_net_support"),
            computed("state"),
            A::computed("state_reason", map_of_strings()),
            data_tags(),
            computed("tpm_support"),
            A::optional("uefi_data", string()),
            computed("usage_operation"),
            computed("virtualization_type"),
        ])
        .blocks(vec![filter_block()])
        .timeouts(&["read"])
        .build()
}

fn vpc() -> ResourceSchema {
    ResourceSchema::data("aws_vpc")
        .attrs(vec![
            arn(),
            A::optional_computed("cidr_block", string()),
            A::computed(
                "cidr_block_associations",
                Type::list(Type::object(&[
                    ("association_id", string()),
                    ("cidr_block", string()),
                    ("state", string()),
                ])),
            ),
            A::optional_computed("default", boolean()),
            A::optional_computed("dhcp_options_id", string()),
            A::computed("enable_dns_hostnames", boolean()),
            A::computed("enable_dns_support", boolean()),
            A::computed("enable_network_address_usage_metrics", boolean()),
            A::optional_computed("id", string()),
            A::computed("instance_tenancy", string()),
            A::computed("ipv6_association_id", string()),
            A::computed("ipv6_cidr_block", string()),
            A::computed("main_route_table_id", string()),
            A::computed("owner_id", string()),
            A::optional_computed("state", string()),
            data_tags(),
        ])
        .blocks(vec![filter_block()])
        .timeouts(&["read"])
        .build()
}

fn subnets() -> ResourceSchema {
    ResourceSchema::data("aws_subnets")
        .attrs(vec![A::computed("ids", list_of_strings()), data_tags()])
        .blocks(vec![filter_block()])
        .timeouts(&["read"])
        .build()
}

#[cfg(test)]
mod tests {
    use super::super::{data_source, Nesting, Presence};
    use crate::eval::{Type, Value};

    #[test]
    fn filter_blocks() {
        for t in [
            "aws_availability_zones",
            "aws_ami",
            "aws_vpc",
            "aws_subnets",
        ] {
            let f = data_source(t).unwrap().block("filter").unwrap();
            assert_eq!(f.nesting, Nesting::Set, "{t}");
            assert_eq!(f.body.attr("name").unwrap().ty, Type::String);
            assert_eq!(f.body.attr("values").unwrap().ty, Type::set(Type::String));
        }
    }

    #[test]
    fn availability_zones() {
        let az = data_source("aws_availability_zones").unwrap();
        assert_eq!(az.attr("names").unwrap().presence, Presence::Computed);
        assert_eq!(az.attr("names").unwrap().ty, Type::list(Type::String));
        assert_eq!(az.attr("zone_ids").unwrap().presence, Presence::Computed);
        let state = az.attr("state").unwrap();
        assert!(state.validators[0].check(&"available".into()).is_ok());
        assert!(state.validators[0].check(&"up".into()).is_err());
    }

    #[test]
    fn ami() {
        let ami = data_source("aws_ami").unwrap();
        for name in ["most_recent", "owners", "name_regex", "executable_users"] {
            assert!(ami.attr(name).unwrap().is_settable(), "{name}");
        }
        for name in [
            "arn",
            "architecture",
            "image_id",
            "name",
            "root_device_name",
        ] {
            assert_eq!(
                ami.attr(name).unwrap().presence,
                Presence::Computed,
                "{name}"
            );
        }
        let owners = ami.attr("owners").unwrap();
        assert!(owners.validators[0]
            .check(&Value::List(vec!["amazon".into()]))
            .is_ok());
        assert!(owners.validators[0].check(&Value::List(vec![])).is_err());
    }

    #[test]
    fn vpc_and_subnets() {
        let vpc = data_source("aws_vpc").unwrap();
        assert_eq!(vpc.attr("id").unwrap().presence, Presence::OptionalComputed);
        assert_eq!(
            vpc.attr("default").unwrap().presence,
            Presence::OptionalComputed
        );
        assert_eq!(
            vpc.attr("tags").unwrap().presence,
            Presence::OptionalComputed
        );
        assert_eq!(
            vpc.attr("main_route_table_id").unwrap().presence,
            Presence::Computed
        );
        let subnets = data_source("aws_subnets").unwrap();
        assert_eq!(subnets.attr("ids").unwrap().presence, Presence::Computed);
        assert_eq!(subnets.attr("ids").unwrap().ty, Type::list(Type::String));
        assert!(subnets.attr("tags").unwrap().is_settable());
    }
}
