//! [`RouteSpec`]: one route (a destination and a target), shared by the `route` blocks of
//! `aws_route_table` and by `aws_route`, and the CreateRoute call both make.
//!
//! A route is keyed within its table by its destination ([`RouteSpec::destination`]); the
//! routes EC2 makes itself (the local route, propagated routes) are not managed
//! ([`managed_route`]).

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::ProviderError;
use aws_sdk_ec2::types::Route;

/// One route: a destination and a target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RouteSpec {
    pub(super) cidr: Option<String>,
    pub(super) ipv6: Option<String>,
    pub(super) prefix_list: Option<String>,
    pub(super) carrier_gateway_id: Option<String>,
    pub(super) core_network_arn: Option<String>,
    pub(super) egress_only_gateway_id: Option<String>,
    pub(super) gateway_id: Option<String>,
    pub(super) local_gateway_id: Option<String>,
    pub(super) nat_gateway_id: Option<String>,
    pub(super) network_interface_id: Option<String>,
    pub(super) transit_gateway_id: Option<String>,
    pub(super) vpc_endpoint_id: Option<String>,
    pub(super) vpc_peering_connection_id: Option<String>,
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
pub(super) use route_call;

pub(super) const ROUTE_TARGETS: &[&str] = &[
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
    pub(super) fn from_block(v: &Value) -> RouteSpec {
        RouteSpec {
            cidr: get_nonempty(v, "cidr_block"),
            ipv6: get_nonempty(v, "ipv6_cidr_block"),
            prefix_list: get_nonempty(v, "destination_prefix_list_id"),
            ..RouteSpec::default()
        }
        .with_targets(v)
    }

    /// From an `aws_route` value.
    pub(super) fn from_resource(v: &Value) -> RouteSpec {
        RouteSpec {
            cidr: get_nonempty(v, "destination_cidr_block"),
            ipv6: get_nonempty(v, "destination_ipv6_cidr_block"),
            prefix_list: get_nonempty(v, "destination_prefix_list_id"),
            ..RouteSpec::default()
        }
        .with_targets(v)
    }

    pub(super) fn from_api(r: &Route) -> RouteSpec {
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
    pub(super) fn destination(&self) -> String {
        self.cidr
            .clone()
            .or_else(|| self.ipv6.clone())
            .or_else(|| self.prefix_list.clone())
            .unwrap_or_default()
    }

    pub(super) fn targets(&self) -> [(&'static str, &Option<String>); 10] {
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
    pub(super) fn same_target(&self, actual: &RouteSpec) -> bool {
        self.targets()
            .iter()
            .zip(actual.targets().iter())
            .all(|((_, want), (name, got))| {
                want.is_none() && (*name == "network_interface_id" || got.is_none())
                    || *want == *got
            })
    }

    pub(super) fn to_block(&self) -> Value {
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
pub(super) fn managed_route(r: &Route) -> bool {
    let origin = r.origin().map(|o| o.as_str());
    !matches!(
        origin,
        Some("CreateRouteTable" | "EnableVgwRoutePropagation")
    ) && r.gateway_id() != Some("local")
}

/// CreateRoute for `s` in table `rtb`, retried while a target created a moment ago is not
/// visible yet.
pub(super) async fn create_route_call(
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
}
