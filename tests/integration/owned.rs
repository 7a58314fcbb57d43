//! What exists in moto for one state: every object tagged with the state's lineage, and the
//! check that the state holds each of them, under its address, exactly once.

use crate::support::moto_url;
use std::collections::BTreeMap;

/// Every live object in the region tagged with `lineage`: (kind, id, `terrace:address`),
/// read directly through the SDK.
pub fn owned_objects(lineage: &str, region: &str) -> Vec<(String, String, String)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let settings = terrace::provider::aws::AwsSettings {
            region: Some(region.into()),
            access_key: Some("testing".into()),
            secret_key: Some("testing".into()),
            endpoint_ec2: Some(moto_url()),
            endpoint_rds: Some(moto_url()),
            ..Default::default()
        };
        let ec2 = terrace::provider::aws::AwsClients::new(&settings).await.ec2;
        let f = aws_sdk_ec2::types::Filter::builder()
            .name("tag:terrace:lineage")
            .values(lineage)
            .build();
        // The filter narrows the calls; the tags are checked again here because moto ignores
        // tag filters on some calls (DescribeNatGateways).
        let addr = |tags: &[aws_sdk_ec2::types::Tag]| -> Option<String> {
            let tag = |k: &str| {
                tags.iter()
                    .find(|t| t.key() == Some(k))
                    .and_then(|t| t.value())
            };
            (tag("terrace:lineage") == Some(lineage)).then(|| {
                tag("terrace:address")
                    .unwrap_or("(no address tag)")
                    .to_string()
            })
        };
        let mut out = Vec::new();
        let mut push = |kind: &str, id: Option<&str>, a: Option<String>| {
            if let Some(a) = a {
                out.push((kind.to_string(), id.unwrap_or_default().to_string(), a));
            }
        };
        let r = ec2.describe_vpcs().filters(f.clone()).send().await.unwrap();
        for x in r.vpcs() {
            push("vpc", x.vpc_id(), addr(x.tags()));
        }
        let r = ec2
            .describe_subnets()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        for x in r.subnets() {
            push("subnet", x.subnet_id(), addr(x.tags()));
        }
        let r = ec2
            .describe_internet_gateways()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        for x in r.internet_gateways() {
            push("igw", x.internet_gateway_id(), addr(x.tags()));
        }
        let r = ec2
            .describe_route_tables()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        for x in r.route_tables() {
            push("rtb", x.route_table_id(), addr(x.tags()));
        }
        let r = ec2
            .describe_security_groups()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        for x in r.security_groups() {
            push("sg", x.group_id(), addr(x.tags()));
        }
        let r = ec2
            .describe_addresses()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        for x in r.addresses() {
            push("eip", x.allocation_id(), addr(x.tags()));
        }
        let r = ec2
            .describe_nat_gateways()
            .filter(f.clone())
            .send()
            .await
            .unwrap();
        for x in r.nat_gateways() {
            if !matches!(x.state().map(|s| s.as_str()), Some("deleted" | "deleting")) {
                push("nat", x.nat_gateway_id(), addr(x.tags()));
            }
        }
        let r = ec2
            .describe_instances()
            .filters(f.clone())
            .send()
            .await
            .unwrap();
        for x in r.reservations().iter().flat_map(|r| r.instances()) {
            let state = x.state().and_then(|s| s.name()).map(|n| n.as_str());
            if !matches!(state, Some("terminated" | "shutting-down")) {
                push("instance", x.instance_id(), addr(x.tags()));
            }
        }
        let r = ec2.describe_key_pairs().filters(f).send().await.unwrap();
        for x in r.key_pairs() {
            push("key_pair", x.key_name(), addr(x.tags()));
        }
        out
    })
}

/// Checks that a state (its JSON text) and the cloud agree: each object tagged with its
/// lineage (at least `at_least` of them) is in state under the
/// address it is tagged with, and no address has two objects.
pub fn check_exact(state_text: &str, region: &str, at_least: usize, what: &str) -> String {
    let state: terrace::state::State = serde_json::from_str(state_text).unwrap();
    let in_state: BTreeMap<String, String> = state
        .resources
        .iter()
        .filter_map(|r| Some((r.address.to_string(), r.provider_id.clone()?)))
        .collect();
    let objects = owned_objects(&state.lineage, region);
    assert!(
        objects.len() >= at_least,
        "{what}: expected the stack's objects, found {objects:?}"
    );
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (kind, id, a) in &objects {
        if let Some(other) = seen.insert(a, id) {
            panic!("{what}: duplicate {kind} for {a}: {other} and {id}");
        }
        assert_eq!(
            in_state.get(a).map(String::as_str),
            Some(id.as_str()),
            "{what}: {kind} {id} tagged {a} is not what state holds for {a}"
        );
    }
    state.lineage
}
