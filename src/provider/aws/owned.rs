//! Finding the objects Terrace created for one state lineage, by their ownership tags: one
//! paginated Describe call per type, filtered on `tag:terrace:lineage`.
//!
//! Objects on their way out (terminated or shutting-down instances, deleted or deleting NAT
//! gateways) are left out: they are gone for every purpose of the caller.

use super::common::{all_items, filter, sdk};
use super::provider::AwsProvider;
use crate::provider::ProviderError;
use aws_sdk_ec2::types::Tag;

/// The lineage tag key, and the tag that names the address.
const LINEAGE: &str = "terrace:lineage";
const ADDRESS: &str = "terrace:address";

/// The address tag of an object whose lineage tag is `lineage`. The tag is checked here too,
/// not only in the request's filter: an endpoint that ignores a filter (moto does for NAT
/// gateways) must not make another state's object look like ours.
fn address(tags: &[Tag], lineage: &str) -> Option<String> {
    let tag = |k: &str| {
        tags.iter()
            .find(|t| t.key() == Some(k))
            .and_then(|t| t.value())
    };
    (tag(LINEAGE) == Some(lineage))
        .then(|| tag(ADDRESS).map(str::to_string))
        .flatten()
}

/// `(address tag, id)` of every live object of `type_name` tagged with `lineage`. Types
/// whose objects carry no tags (routes, associations, legacy rules) and RDS types (adopted
/// by identifier on create) find none.
pub(crate) async fn find_owned(
    p: &AwsProvider,
    type_name: &str,
    lineage: &str,
) -> Result<Vec<(String, String)>, ProviderError> {
    let ec2 = p.ec2();
    let f = || filter(&format!("tag:{LINEAGE}"), [lineage]);
    let pairs = |items: Vec<(Option<String>, Option<&str>)>| -> Vec<(String, String)> {
        items
            .into_iter()
            .filter_map(|(a, id)| Some((a?, id?.to_string())))
            .collect()
    };
    Ok(match type_name {
        "aws_vpc" => {
            let items = all_items!(ec2.describe_vpcs().filters(f()))?;
            pairs(
                items
                    .iter()
                    .map(|x| (address(x.tags(), lineage), x.vpc_id()))
                    .collect(),
            )
        }
        "aws_subnet" => {
            let items = all_items!(ec2.describe_subnets().filters(f()))?;
            pairs(
                items
                    .iter()
                    .map(|x| (address(x.tags(), lineage), x.subnet_id()))
                    .collect(),
            )
        }
        "aws_internet_gateway" => {
            let items = all_items!(ec2.describe_internet_gateways().filters(f()))?;
            pairs(
                items
                    .iter()
                    .map(|x| (address(x.tags(), lineage), x.internet_gateway_id()))
                    .collect(),
            )
        }
        "aws_route_table" => {
            let items = all_items!(ec2.describe_route_tables().filters(f()))?;
            pairs(
                items
                    .iter()
                    .map(|x| (address(x.tags(), lineage), x.route_table_id()))
                    .collect(),
            )
        }
        "aws_security_group" => {
            let items = all_items!(ec2.describe_security_groups().filters(f()))?;
            pairs(
                items
                    .iter()
                    .map(|x| (address(x.tags(), lineage), x.group_id()))
                    .collect(),
            )
        }
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            let egress = type_name.ends_with("egress_rule");
            let items = all_items!(ec2.describe_security_group_rules().filters(f()))?;
            pairs(
                items
                    .iter()
                    .filter(|x| x.is_egress() == Some(egress))
                    .map(|x| (address(x.tags(), lineage), x.security_group_rule_id()))
                    .collect(),
            )
        }
        "aws_eip" => {
            let out = ec2
                .describe_addresses()
                .filters(f())
                .send()
                .await
                .map_err(sdk)?;
            pairs(
                out.addresses()
                    .iter()
                    .map(|x| (address(x.tags(), lineage), x.allocation_id()))
                    .collect(),
            )
        }
        "aws_nat_gateway" => {
            let items = all_items!(ec2.describe_nat_gateways().filter(f()))?;
            pairs(
                items
                    .iter()
                    .filter(|x| {
                        !matches!(
                            x.state().map(|s| s.as_str()),
                            Some("deleted" | "deleting" | "failed")
                        )
                    })
                    .map(|x| (address(x.tags(), lineage), x.nat_gateway_id()))
                    .collect(),
            )
        }
        "aws_instance" => {
            let live = filter(
                "instance-state-name",
                ["pending", "running", "stopping", "stopped"],
            );
            let items = all_items!(ec2.describe_instances().filters(f()).filters(live))?;
            pairs(
                items
                    .iter()
                    .flat_map(|r| r.instances())
                    .map(|x| (address(x.tags(), lineage), x.instance_id()))
                    .collect(),
            )
        }
        "aws_key_pair" => {
            let out = ec2
                .describe_key_pairs()
                .filters(f())
                .send()
                .await
                .map_err(sdk)?;
            pairs(
                out.key_pairs()
                    .iter()
                    .map(|x| (address(x.tags(), lineage), x.key_name()))
                    .collect(),
            )
        }
        _ => Vec::new(),
    })
}
