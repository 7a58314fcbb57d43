//! [`inventory`]: every object of the supported types inside a set of VPCs, managed or not,
//! listed the way drift detection needs it to find what no state knows.
//!
//! Cost: one paginated Describe/List call per type (one per page, and one per
//! [`FILTER_VALUES_PER_CALL`] VPCs), all types concurrently:
//! DescribeInstances, DescribeSecurityGroups, DescribeSubnets, DescribeRouteTables,
//! DescribeInternetGateways and DescribeNatGateways filtered by VPC, and DescribeDBInstances
//! (which cannot filter by VPC or subnet group) listing the region, only when the scope names
//! DB subnet groups. Security groups' rules come with DescribeSecurityGroups. An empty scope
//! makes no call.
//!
//! Every condition a request filters on server-side is checked again on the answer: an
//! endpoint that ignores a filter must not bring in another VPC's objects. Values are built by
//! the types' own read conversions (`read_value` with no prior value), so they have the
//! shape [`Provider::read`](crate::provider::Provider::read) gives.
//!
//! [`FILTER_VALUES_PER_CALL`]: super::common::FILTER_VALUES_PER_CALL

use super::common::{all_items, by_filter_pages, distinct, filter, tags_of, Tags};
use super::provider::AwsProvider;
use super::{ec2, rds};
use crate::eval::Value;
use crate::provider::{strip_ownership_tags, CloudObject, InventoryScope, ProviderError};
use std::collections::BTreeSet;

/// Instance states of live instances (terminated and shutting-down ones are gone).
const LIVE_INSTANCE_STATES: &[&str] = &["pending", "running", "stopping", "stopped"];

/// NAT gateway states of live gateways (deleting, deleted and failed ones are gone).
const LIVE_NAT_STATES: &[&str] = &["pending", "available"];

/// The VPCs of a scope, as a filter's values and for checking answers.
struct Vpcs {
    ids: Vec<String>,
    set: BTreeSet<String>,
}

impl Vpcs {
    fn new(ids: &[String]) -> Vpcs {
        let ids = distinct(ids.iter().cloned());
        let set = ids.iter().cloned().collect();
        Vpcs { ids, set }
    }

    /// `vpc` if it is one of the scope's VPCs.
    fn pick<'a>(&self, vpc: Option<&'a str>) -> Option<&'a str> {
        vpc.filter(|v| self.set.contains(*v))
    }
}

/// An object found: `tags` as the cloud has them, the value with ownership tags stripped.
/// `None` without an id.
fn object(
    type_name: &str,
    id: Option<&str>,
    vpc: Option<&str>,
    tags: Tags,
    value: Value,
) -> Option<CloudObject> {
    Some(CloudObject {
        type_name: type_name.to_string(),
        id: id.filter(|s| !s.is_empty())?.to_string(),
        vpc_id: vpc.filter(|s| !s.is_empty()).map(str::to_string),
        tags,
        value: strip_ownership_tags(value),
    })
}

/// Every object of the supported types in `scope` (see the module documentation for the
/// calls made), sorted by type and id.
pub(crate) async fn inventory(
    p: &AwsProvider,
    scope: InventoryScope<'_>,
) -> Result<Vec<CloudObject>, ProviderError> {
    let vpcs = Vpcs::new(scope.vpc_ids);
    let db_groups: BTreeSet<&str> = scope.db_subnet_groups.iter().map(String::as_str).collect();
    let (instances, groups, subnets, tables, igws, nats, dbs) = tokio::try_join!(
        instances(p, &vpcs),
        security_groups(p, &vpcs),
        subnets(p, &vpcs),
        route_tables(p, &vpcs),
        internet_gateways(p, &vpcs),
        nat_gateways(p, &vpcs),
        db_instances(p, &db_groups),
    )?;
    let mut out: Vec<CloudObject> = [instances, groups, subnets, tables, igws, nats, dbs]
        .into_iter()
        .flatten()
        .collect();
    out.sort_by(|a, b| (&a.type_name, &a.id).cmp(&(&b.type_name, &b.id)));
    Ok(out)
}

/// Live instances (not terminated or shutting down).
async fn instances(p: &AwsProvider, vpcs: &Vpcs) -> Result<Vec<CloudObject>, ProviderError> {
    let ec2 = p.ec2();
    let reservations = by_filter_pages(&vpcs.ids, |page| async move {
        all_items!(ec2
            .describe_instances()
            .filters(filter("vpc-id", page))
            .filters(filter("instance-state-name", LIVE_INSTANCE_STATES)))
    })
    .await?;
    Ok(reservations
        .iter()
        .flat_map(|r| {
            let owner = r.owner_id().unwrap_or_default();
            r.instances().iter().map(move |i| (i, owner))
        })
        .filter(|(i, _)| {
            let state = i.state().and_then(|s| s.name()).map(|n| n.as_str());
            state.is_some_and(|s| LIVE_INSTANCE_STATES.contains(&s))
        })
        .filter_map(|(i, owner)| {
            let vpc = vpcs.pick(i.vpc_id())?;
            let value = ec2::instance::read_value(p, None, i, owner, &[]);
            object(
                "aws_instance",
                i.instance_id(),
                Some(vpc),
                tags_of(i.tags()),
                value,
            )
        })
        .collect())
}

/// Security groups, without each VPC's `default` group (it comes with the VPC).
async fn security_groups(p: &AwsProvider, vpcs: &Vpcs) -> Result<Vec<CloudObject>, ProviderError> {
    let ec2 = p.ec2();
    let groups = by_filter_pages(&vpcs.ids, |page| async move {
        all_items!(ec2
            .describe_security_groups()
            .filters(filter("vpc-id", page)))
    })
    .await?;
    Ok(groups
        .iter()
        .filter(|g| g.group_name() != Some("default"))
        .filter_map(|g| {
            let vpc = vpcs.pick(g.vpc_id())?;
            let value = ec2::security_group::read_value(p, None, g);
            object(
                "aws_security_group",
                g.group_id(),
                Some(vpc),
                tags_of(g.tags()),
                value,
            )
        })
        .collect())
}

async fn subnets(p: &AwsProvider, vpcs: &Vpcs) -> Result<Vec<CloudObject>, ProviderError> {
    let ec2 = p.ec2();
    let subnets = by_filter_pages(&vpcs.ids, |page| async move {
        all_items!(ec2.describe_subnets().filters(filter("vpc-id", page)))
    })
    .await?;
    Ok(subnets
        .iter()
        .filter_map(|s| {
            let vpc = vpcs.pick(s.vpc_id())?;
            let value = ec2::subnet::read_value(p, None, s);
            object(
                "aws_subnet",
                s.subnet_id(),
                Some(vpc),
                tags_of(s.tags()),
                value,
            )
        })
        .collect())
}

/// Route tables, without each VPC's main table (it comes with the VPC). The main table is
/// recognised by its main association on the answer: the `association.main` filter cannot
/// leave it out (`false` misses tables without associations).
async fn route_tables(p: &AwsProvider, vpcs: &Vpcs) -> Result<Vec<CloudObject>, ProviderError> {
    let ec2 = p.ec2();
    let tables = by_filter_pages(&vpcs.ids, |page| async move {
        all_items!(ec2.describe_route_tables().filters(filter("vpc-id", page)))
    })
    .await?;
    Ok(tables
        .iter()
        .filter(|t| !t.associations().iter().any(|a| a.main() == Some(true)))
        .filter_map(|t| {
            let vpc = vpcs.pick(t.vpc_id())?;
            let value = ec2::route_table::read_value(p, None, t);
            object(
                "aws_route_table",
                t.route_table_id(),
                Some(vpc),
                tags_of(t.tags()),
                value,
            )
        })
        .collect())
}

/// Internet gateways attached to one of the VPCs (a gateway has at most one attachment).
async fn internet_gateways(
    p: &AwsProvider,
    vpcs: &Vpcs,
) -> Result<Vec<CloudObject>, ProviderError> {
    let ec2 = p.ec2();
    let igws = by_filter_pages(&vpcs.ids, |page| async move {
        all_items!(ec2
            .describe_internet_gateways()
            .filters(filter("attachment.vpc-id", page)))
    })
    .await?;
    Ok(igws
        .iter()
        .filter_map(|g| {
            let vpc = g
                .attachments()
                .iter()
                .filter(|a| {
                    a.state()
                        .is_none_or(|s| !matches!(s.as_str(), "detached" | "detaching"))
                })
                .find_map(|a| vpcs.pick(a.vpc_id()))?;
            let value = ec2::internet_gateway::read_value(p, None, g);
            object(
                "aws_internet_gateway",
                g.internet_gateway_id(),
                Some(vpc),
                tags_of(g.tags()),
                value,
            )
        })
        .collect())
}

/// Live NAT gateways (pending or available).
async fn nat_gateways(p: &AwsProvider, vpcs: &Vpcs) -> Result<Vec<CloudObject>, ProviderError> {
    let ec2 = p.ec2();
    let nats = by_filter_pages(&vpcs.ids, |page| async move {
        all_items!(ec2
            .describe_nat_gateways()
            .filter(filter("vpc-id", page))
            .filter(filter("state", LIVE_NAT_STATES)))
    })
    .await?;
    Ok(nats
        .iter()
        .filter(|g| {
            g.state()
                .is_some_and(|s| LIVE_NAT_STATES.contains(&s.as_str()))
        })
        .filter_map(|g| {
            let vpc = vpcs.pick(g.vpc_id())?;
            let value = ec2::nat_gateway::read_value(None, g);
            object(
                "aws_nat_gateway",
                g.nat_gateway_id(),
                Some(vpc),
                tags_of(g.tags()),
                value,
            )
        })
        .collect())
}

/// DB instances in the named subnet groups: the region's instances listed (the API filters
/// by neither VPC nor subnet group), no call when no group is named.
async fn db_instances(
    p: &AwsProvider,
    groups: &BTreeSet<&str>,
) -> Result<Vec<CloudObject>, ProviderError> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let dbs = all_items!(p.clients().rds.describe_db_instances(), rds::err)?;
    Ok(dbs
        .iter()
        .filter_map(|db| {
            let group = db.db_subnet_group()?;
            if !groups.contains(group.db_subnet_group_name()?) {
                return None;
            }
            let value = rds::instance::read_value(None, db);
            let tags = rds::tags_of(db.tag_list());
            object(
                "aws_db_instance",
                db.db_instance_identifier(),
                group.vpc_id(),
                tags,
                value,
            )
        })
        .collect())
}
