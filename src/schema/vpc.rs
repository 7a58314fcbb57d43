//! VPC networking: `aws_vpc`, `aws_subnet`, `aws_internet_gateway`, `aws_eip`,
//! `aws_nat_gateway`, `aws_route_table`, `aws_route`, `aws_route_table_association`.
//!
//! Source: terraform-provider-aws `internal/service/ec2/vpc_.go`, `vpc_subnet.go`,
//! `vpc_internet_gateway.go`, `ec2_eip.go`, `vpc_nat_gateway.go`, `vpc_route_table.go`,
//! `vpc_route.go`, `vpc_route_table_association.go`.

use super::builder::{arn, boolean, number, set_of_strings, string};
use super::validator::{ipv4_address, ipv4_prefix_len, ipv6_prefix_len};
use super::{AttrSchema as A, BlockSchema, ResourceSchema, Validator as V};
use crate::eval::Value;

pub(super) fn schemas() -> Vec<ResourceSchema> {
    vec![
        vpc(),
        subnet(),
        internet_gateway(),
        eip(),
        nat_gateway(),
        route_table(),
        route(),
        route_table_association(),
    ]
}

/// `IsCIDRNetwork(16, 28)`: a VPC's IPv4 block is a /16 to /28.
fn vpc_ipv4_prefix(v: &Value) -> Result<(), String> {
    match ipv4_prefix_len(v) {
        Some(p) if !(16..=28).contains(&p) => Err(format!(
            "a VPC IPv4 CIDR block must have a prefix length from /16 to /28; got /{p}"
        )),
        _ => Ok(()),
    }
}

/// `IsCIDRNetwork(56, 56)`: a VPC's IPv6 block is a /56.
fn vpc_ipv6_prefix(v: &Value) -> Result<(), String> {
    match ipv6_prefix_len(v) {
        Some(p) if p != 56 => Err(format!(
            "a VPC IPv6 CIDR block must have a prefix length of /56; got /{p}"
        )),
        _ => Ok(()),
    }
}

/// A subnet's IPv6 netmask length: one of 44, 48, 52, 56, 60, 64.
fn subnet_ipv6_netmask(v: &Value) -> Result<(), String> {
    match v.as_f64() {
        Some(n) if ![44.0, 48.0, 52.0, 56.0, 60.0, 64.0].contains(&n) => Err(format!(
            "expected one of 44, 48, 52, 56, 60, 64; got {}",
            crate::eval::format_number(n)
        )),
        _ => Ok(()),
    }
}

fn vpc() -> ResourceSchema {
    ResourceSchema::managed("aws_vpc")
        .attrs(vec![
            arn(),
            A::optional("assign_generated_ipv6_cidr_block", boolean())
                .conflicts(&["ipv6_ipam_pool_id"]),
            A::optional_computed("cidr_block", string())
                .force_new()
                .validate(V::CidrV4)
                .validate(V::Custom(vpc_ipv4_prefix))
                .conflicts(&["ipv4_netmask_length"]),
            A::computed("default_network_acl_id", string()),
            A::computed("default_route_table_id", string()),
            A::computed("default_security_group_id", string()),
            A::computed("dhcp_options_id", string()),
            A::optional_computed("enable_dns_hostnames", boolean()),
            A::optional("enable_dns_support", boolean()).default(true),
            A::optional_computed("enable_network_address_usage_metrics", boolean()),
            A::optional("instance_tenancy", string())
                .default("default")
                .validate(V::OneOf(&["default", "dedicated"])),
            A::optional("ipv4_ipam_pool_id", string()).force_new(),
            A::optional("ipv4_netmask_length", number())
                .force_new()
                .validate(V::IntRange(16, 28))
                .conflicts(&["cidr_block"]),
            A::computed("ipv6_association_id", string()),
            A::optional_computed("ipv6_cidr_block", string())
                .validate(V::CidrV6)
                .validate(V::Custom(vpc_ipv6_prefix))
                .conflicts(&["ipv6_netmask_length", "assign_generated_ipv6_cidr_block"]),
            A::optional_computed("ipv6_cidr_block_network_border_group", string()),
            A::optional("ipv6_ipam_pool_id", string())
                .conflicts(&["assign_generated_ipv6_cidr_block"]),
            A::optional("ipv6_netmask_length", number())
                .validate(V::IntRange(56, 56))
                .conflicts(&["ipv6_cidr_block"]),
            A::computed("main_route_table_id", string()),
            A::computed("owner_id", string()),
        ])
        .tagged()
        .build()
}

fn subnet() -> ResourceSchema {
    ResourceSchema::managed("aws_subnet")
        .attrs(vec![
            arn(),
            A::optional("assign_ipv6_address_on_creation", boolean()).default(false),
            A::optional_computed("availability_zone", string())
                .force_new()
                .conflicts(&["availability_zone_id"]),
            A::optional_computed("availability_zone_id", string())
                .force_new()
                .conflicts(&["availability_zone"]),
            A::optional_computed("cidr_block", string())
                .force_new()
                .validate(V::CidrV4),
            A::optional("customer_owned_ipv4_pool", string()),
            A::optional("enable_dns64", boolean()).default(false),
            A::optional("enable_lni_at_device_index", number()),
            A::optional("enable_resource_name_dns_aaaa_record_on_launch", boolean()).default(false),
            A::optional("enable_resource_name_dns_a_record_on_launch", boolean()).default(false),
            A::optional("ipv4_ipam_pool_id", string())
                .force_new()
                .conflicts(&["customer_owned_ipv4_pool"]),
            A::optional("ipv4_netmask_length", number())
                .force_new()
                .validate(V::IntRange(16, 28))
                .conflicts(&["cidr_block", "customer_owned_ipv4_pool"]),
            A::optional_computed("ipv6_cidr_block", string()).validate(V::CidrV6),
            A::computed("ipv6_cidr_block_association_id", string()),
            A::optional("ipv6_ipam_pool_id", string()).force_new(),
            A::optional("ipv6_native", boolean())
                .force_new()
                .default(false),
            A::optional("ipv6_netmask_length", number())
                .force_new()
                .validate(V::Custom(subnet_ipv6_netmask))
                .conflicts(&["ipv6_cidr_block"]),
            A::optional("map_customer_owned_ip_on_launch", boolean()),
            A::optional("map_public_ip_on_launch", boolean()).default(false),
            A::optional("outpost_arn", string()).force_new(),
            A::computed("owner_id", string()),
            A::optional_computed("private_dns_hostname_type_on_launch", string())
                .validate(V::OneOf(&["ip-name", "resource-name"])),
            A::required("vpc_id", string()).force_new(),
        ])
        .tagged()
        .timeouts(&["create", "delete"])
        .build()
}

fn internet_gateway() -> ResourceSchema {
    ResourceSchema::managed("aws_internet_gateway")
        .attrs(vec![
            arn(),
            A::computed("owner_id", string()),
            A::optional_computed("vpc_id", string()),
        ])
        .tagged()
        .timeouts(&["create", "update", "delete"])
        .build()
}

fn eip() -> ResourceSchema {
    ResourceSchema::managed("aws_eip")
        .attrs(vec![
            A::optional("address", string()).force_new(),
            A::computed("allocation_id", string()),
            arn(),
            A::optional("associate_with_private_ip", string()),
            A::computed("association_id", string()),
            A::computed("carrier_ip", string()),
            A::computed("customer_owned_ip", string()),
            A::optional("customer_owned_ipv4_pool", string()),
            A::optional_computed("domain", string())
                .force_new()
                .validate(V::OneOf(&["vpc", "standard"]))
                .conflicts(&["vpc"]),
            A::optional_computed("instance", string()),
            A::optional_computed("ipam_pool_id", string()).force_new(),
            A::optional_computed("network_border_group", string()).force_new(),
            A::optional_computed("network_interface", string()),
            A::computed("private_dns", string()),
            A::computed("private_ip", string()),
            A::computed("ptr_record", string()),
            A::computed("public_dns", string()),
            A::computed("public_ip", string()),
            A::optional_computed("public_ipv4_pool", string()).force_new(),
            // Deprecated in provider v5 (removed in v6); still common in existing code.
            A::optional_computed("vpc", boolean())
                .force_new()
                .conflicts(&["domain"]),
        ])
        .tagged()
        .deprecated("vpc", "use domain attribute instead")
        .timeouts(&["read", "update", "delete"])
        .build()
}

fn nat_gateway() -> ResourceSchema {
    ResourceSchema::managed("aws_nat_gateway")
        .attrs(vec![
            A::optional("allocation_id", string()).force_new(),
            A::computed("association_id", string()),
            A::optional("connectivity_type", string())
                .force_new()
                .default("public")
                .validate(V::OneOf(&["private", "public"])),
            A::computed("network_interface_id", string()),
            A::optional_computed("private_ip", string())
                .force_new()
                .validate(V::Custom(ipv4_address)),
            A::computed("public_ip", string()),
            A::optional("secondary_allocation_ids", set_of_strings()),
            A::optional_computed("secondary_private_ip_address_count", number())
                .force_new()
                .conflicts(&["secondary_private_ip_addresses"]),
            A::optional_computed("secondary_private_ip_addresses", set_of_strings())
                .conflicts(&["secondary_private_ip_address_count"]),
            A::required("subnet_id", string()).force_new(),
        ])
        .tagged()
        .timeouts(&["create", "update", "delete"])
        .build()
}

/// The inline `route` blocks of `aws_route_table` (an attribute-as-blocks set in the
/// provider): one destination and one target each.
fn route_block() -> BlockSchema {
    let target = |name: &'static str| A::optional(name, string());
    BlockSchema::set(
        "route",
        vec![
            // Destinations.
            A::optional("cidr_block", string()).validate(V::CidrV4),
            A::optional("ipv6_cidr_block", string()).validate(V::CidrV6),
            target("destination_prefix_list_id"),
            // Targets.
            target("carrier_gateway_id"),
            target("core_network_arn"),
            target("egress_only_gateway_id"),
            target("gateway_id"),
            target("local_gateway_id"),
            target("nat_gateway_id"),
            target("network_interface_id"),
            target("transit_gateway_id"),
            target("vpc_endpoint_id"),
            target("vpc_peering_connection_id"),
        ],
    )
}

fn route_table() -> ResourceSchema {
    ResourceSchema::managed("aws_route_table")
        .attrs(vec![
            arn(),
            A::computed("owner_id", string()),
            A::optional_computed("propagating_vgws", set_of_strings()),
            A::required("vpc_id", string()).force_new(),
        ])
        .blocks(vec![route_block().computed_when_absent()])
        .tagged()
        .timeouts(&["create", "update", "delete"])
        .build()
}

fn route() -> ResourceSchema {
    ResourceSchema::managed("aws_route")
        .attrs(vec![
            A::required("route_table_id", string()).force_new(),
            // Destinations (exactly one).
            A::optional("destination_cidr_block", string())
                .force_new()
                .validate(V::CidrV4),
            A::optional("destination_ipv6_cidr_block", string())
                .force_new()
                .validate(V::CidrV6),
            A::optional("destination_prefix_list_id", string()).force_new(),
            // Targets (exactly one).
            A::optional("carrier_gateway_id", string()).conflicts(&["destination_ipv6_cidr_block"]),
            A::optional("core_network_arn", string()),
            A::optional("egress_only_gateway_id", string()).conflicts(&["destination_cidr_block"]),
            A::optional("gateway_id", string()),
            A::optional("local_gateway_id", string()),
            A::optional("nat_gateway_id", string()),
            A::optional_computed("network_interface_id", string()),
            A::optional("transit_gateway_id", string()),
            A::optional("vpc_endpoint_id", string()).conflicts(&["destination_prefix_list_id"]),
            A::optional("vpc_peering_connection_id", string()),
            // Computed.
            A::computed("instance_id", string()),
            A::computed("instance_owner_id", string()),
            A::computed("origin", string()),
            A::computed("state", string()),
        ])
        .exactly_one_of(&[
            "destination_cidr_block",
            "destination_ipv6_cidr_block",
            "destination_prefix_list_id",
        ])
        .exactly_one_of(&[
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
        ])
        .timeouts(&["create", "update", "delete"])
        .build()
}

fn route_table_association() -> ResourceSchema {
    ResourceSchema::managed("aws_route_table_association")
        .attrs(vec![
            A::optional("gateway_id", string())
                .force_new()
                .conflicts(&["subnet_id"]),
            A::required("route_table_id", string()),
            A::optional("subnet_id", string())
                .force_new()
                .conflicts(&["gateway_id"]),
        ])
        .exactly_one_of(&["gateway_id", "subnet_id"])
        .timeouts(&["create", "update", "delete"])
        .build()
}

#[cfg(test)]
mod tests {
    use super::super::{resource, Nesting, Presence};
    use super::*;

    fn check(t: &str, attr: &str, v: Value) -> Result<(), String> {
        let a = resource(t).unwrap().attr(attr).unwrap();
        a.validators.iter().try_for_each(|val| val.check(&v))
    }

    #[test]
    fn vpc_cidr_and_tenancy() {
        assert_eq!(check("aws_vpc", "cidr_block", "10.0.0.0/16".into()), Ok(()));
        assert_eq!(
            check("aws_vpc", "cidr_block", "10.0.0.1/16".into()).unwrap_err(),
            "10.0.0.1/16 is not a valid CIDR block: the address is not the network address \
             (did you mean 10.0.0.0/16?)"
        );
        assert_eq!(
            check("aws_vpc", "cidr_block", "10.0.0.0/8".into()).unwrap_err(),
            "a VPC IPv4 CIDR block must have a prefix length from /16 to /28; got /8"
        );
        assert!(check("aws_vpc", "cidr_block", "10.0.0/16".into()).is_err());
        assert!(check("aws_vpc", "ipv6_cidr_block", "2600:1f14::/56".into()).is_ok());
        assert!(check("aws_vpc", "ipv6_cidr_block", "2600:1f14::/48".into()).is_err());
        assert!(check("aws_vpc", "instance_tenancy", "dedicated".into()).is_ok());
        assert_eq!(
            check("aws_vpc", "instance_tenancy", "host".into()).unwrap_err(),
            "expected one of \"default\", \"dedicated\"; got \"host\""
        );
        assert!(check("aws_vpc", "ipv4_netmask_length", Value::Number(29.0)).is_err());
    }

    #[test]
    fn subnet_fields() {
        let s = resource("aws_subnet").unwrap();
        let cidr = s.attr("cidr_block").unwrap();
        assert!(cidr.force_new);
        assert_eq!(cidr.presence, Presence::OptionalComputed);
        assert_eq!(s.attr("vpc_id").unwrap().presence, Presence::Required);
        assert!(check("aws_subnet", "cidr_block", "10.0.1.0/24".into()).is_ok());
        assert!(check("aws_subnet", "cidr_block", "10.0.1.1/24".into()).is_err());
        assert!(check("aws_subnet", "ipv6_netmask_length", Value::Number(64.0)).is_ok());
        assert!(check("aws_subnet", "ipv6_netmask_length", Value::Number(62.0)).is_err());
        assert_eq!(
            s.attr("map_public_ip_on_launch").unwrap().default,
            Some(Value::Bool(false))
        );
    }

    #[test]
    fn route_table_routes() {
        let rt = resource("aws_route_table").unwrap();
        let route = rt.block("route").unwrap();
        assert_eq!(route.nesting, Nesting::Set);
        for name in [
            "cidr_block",
            "ipv6_cidr_block",
            "gateway_id",
            "nat_gateway_id",
            "network_interface_id",
            "vpc_endpoint_id",
            "transit_gateway_id",
            "vpc_peering_connection_id",
            "egress_only_gateway_id",
            "destination_prefix_list_id",
            "carrier_gateway_id",
            "core_network_arn",
            "local_gateway_id",
        ] {
            let a = route
                .body
                .attr(name)
                .unwrap_or_else(|| panic!("route.{name}"));
            assert_eq!(a.presence, Presence::Optional, "{name}");
        }
        let cidr = route.body.attr("cidr_block").unwrap();
        assert!(cidr
            .validators
            .iter()
            .any(|v| v.check(&"10.0.0.1/8".into()).is_err()));
        assert!(rt.requires_replace(&["vpc_id"]));
        assert!(!rt.requires_replace(&["route", "gateway_id"]));
    }

    #[test]
    fn route_and_nat() {
        assert!(check("aws_route", "destination_cidr_block", "0.0.0.0/0".into()).is_ok());
        assert!(check("aws_route", "destination_cidr_block", "0.0.0.1/0".into()).is_err());
        assert!(check("aws_route", "destination_ipv6_cidr_block", "::/0".into()).is_ok());
        assert!(check("aws_nat_gateway", "private_ip", "10.0.0.5".into()).is_ok());
        assert!(check("aws_nat_gateway", "private_ip", "10.0.0.500".into()).is_err());
        assert!(check("aws_nat_gateway", "connectivity_type", "private".into()).is_ok());
        assert!(check("aws_nat_gateway", "connectivity_type", "both".into()).is_err());
        assert!(check("aws_eip", "domain", "vpc".into()).is_ok());
        assert!(
            resource("aws_nat_gateway")
                .unwrap()
                .attr("subnet_id")
                .unwrap()
                .force_new
        );
    }
}
