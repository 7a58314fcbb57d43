//! `aws_nat_gateway`: the gateway with its primary and secondary addresses.
//!
//! Create and delete wait for `available` / gone; the waits are batched with every other NAT
//! gateway waiter of the command. A `deleted` gateway counts as missing everywhere. Reads are
//! batched (see [`describe_nats`]).

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{ConnectivityType, NatGateway, ResourceType};
use std::collections::{BTreeMap, BTreeSet};

/// NAT gateways by id: ceil(N/200) DescribeNatGateways calls (filter `nat-gateway-id`, so a
/// missing id does not fail the page). Deleted gateways are left out.
async fn describe_nats(p: &AwsProvider, ids: &[String]) -> Result<Vec<NatGateway>, ProviderError> {
    let ec2 = p.ec2();
    let all = by_filter_pages(ids, |page| async move {
        all_items!(ec2
            .describe_nat_gateways()
            .filter(filter("nat-gateway-id", page)))
    })
    .await?;
    Ok(all
        .into_iter()
        .filter(|g| g.state().is_none_or(|s| s.as_str() != "deleted"))
        .collect())
}

fn nat_attrs(m: &mut Obj, g: &NatGateway) {
    m.insert("id".into(), vs(g.nat_gateway_id()));
    m.insert("subnet_id".into(), vs(g.subnet_id()));
    if let Some(t) = g.connectivity_type() {
        m.insert("connectivity_type".into(), Value::from(t.as_str()));
    }
    let addrs = g.nat_gateway_addresses();
    let primary = addrs
        .iter()
        .position(|a| a.is_primary() == Some(true))
        .or(if addrs.is_empty() { None } else { Some(0) });
    if let Some(a) = primary.map(|i| &addrs[i]) {
        if a.allocation_id().is_some() {
            m.insert("allocation_id".into(), vs(a.allocation_id()));
        }
        m.insert("association_id".into(), vs(a.association_id()));
        m.insert("network_interface_id".into(), vs(a.network_interface_id()));
        m.insert("private_ip".into(), vs(a.private_ip()));
        m.insert("public_ip".into(), vs(a.public_ip()));
    }
    let secondary: Vec<_> = addrs
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != primary)
        .map(|(_, a)| a)
        .filter(|a| {
            a.status()
                .is_none_or(|s| !matches!(s.as_str(), "disassociating" | "unassigning" | "failed"))
        })
        .collect();
    let public = g.connectivity_type().is_none_or(|t| t.as_str() == "public");
    let configured = m
        .get("secondary_allocation_ids")
        .is_some_and(|v| !v.is_null());
    if public && (configured || secondary.iter().any(|a| a.allocation_id().is_some())) {
        m.insert(
            "secondary_allocation_ids".into(),
            vset(secondary.iter().filter_map(|a| a.allocation_id())),
        );
    }
    let private: Vec<&str> = secondary.iter().filter_map(|a| a.private_ip()).collect();
    m.insert(
        "secondary_private_ip_address_count".into(),
        Value::Number(private.len() as f64),
    );
    m.insert("secondary_private_ip_addresses".into(), vset(private));
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let secondary_ips = get_strs(c, "secondary_private_ip_addresses");
    let secondary_allocs = get_strs(c, "secondary_allocation_ids");
    let out = p
        .ec2()
        .create_nat_gateway()
        .set_subnet_id(get_str(c, "subnet_id"))
        .set_allocation_id(get_str(c, "allocation_id"))
        .set_connectivity_type(
            get_str(c, "connectivity_type").map(|t| ConnectivityType::from(t.as_str())),
        )
        .set_private_ip_address(get_str(c, "private_ip"))
        .set_secondary_allocation_ids((!secondary_allocs.is_empty()).then_some(secondary_allocs))
        .set_secondary_private_ip_addresses((!secondary_ips.is_empty()).then_some(secondary_ips))
        .set_secondary_private_ip_address_count(
            get_i32(c, "secondary_private_ip_address_count").filter(|n| *n > 0),
        )
        .client_token(client_token(req.client_token))
        .set_tag_specifications(tag_spec(ResourceType::Natgateway, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let id = out
        .nat_gateway()
        .and_then(|g| g.nat_gateway_id())
        .unwrap_or_default()
        .to_string();
    let g = wait_nat_available(p, &id, req.timeout).await?;
    let mut m = start(c);
    nat_attrs(&mut m, &g);
    let all = if g.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(g.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_nat_gateway", m))
}

/// The NAT gateway `id` for a waiter: one DescribeNatGateways call per page of every
/// gateway being waited on at that moment (a `deleted` gateway counts as missing).
async fn nat_for_wait(p: &AwsProvider, id: &str) -> Result<Option<NatGateway>, ProviderError> {
    let ec2 = p.ec2().clone();
    let fetch: crate::provider::aws::coalescer::Fetch<NatGateway> =
        std::sync::Arc::new(move |ids: Vec<String>| {
            let ec2 = ec2.clone();
            Box::pin(async move {
                let mut out = std::collections::HashMap::new();
                for page in ids.chunks(FILTER_VALUES_PER_CALL) {
                    let gs = all_items!(ec2
                        .describe_nat_gateways()
                        .filter(filter("nat-gateway-id", page)))?;
                    for g in gs {
                        if g.state().is_none_or(|s| s.as_str() != "deleted") {
                            if let Some(id) = g.nat_gateway_id() {
                                out.insert(id.to_string(), g.clone());
                            }
                        }
                    }
                }
                Ok(out)
            })
        });
    p.clients().waits.nat_gateways.get(id, fetch).await
}

/// Polls DescribeNatGateways until the gateway is `available`; `failed` is an error. Polls
/// are batched with every other NAT gateway waiter.
async fn wait_nat_available(
    p: &AwsProvider,
    id: &str,
    timeout: std::time::Duration,
) -> Result<NatGateway, ProviderError> {
    poll(
        timeout,
        &format!("NAT gateway {id} to become available"),
        || async {
            let Some(g) = nat_for_wait(p, id).await? else {
                return Ok(None);
            };
            match g.state().map(|s| s.as_str()) {
                Some("available") => Ok(Some(g)),
                Some("failed") => Err(ProviderError::Api {
                    code: g.failure_code().unwrap_or("NatGatewayFailed").to_string(),
                    message: g
                        .failure_message()
                        .unwrap_or("the NAT gateway failed")
                        .to_string(),
                }),
                Some("deleting") => Err(ProviderError::Other(format!(
                    "NAT gateway {id} is being deleted"
                ))),
                _ => Ok(None),
            }
        },
    )
    .await
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    let ec2 = p.ec2();
    if changed(req, "secondary_allocation_ids") {
        let old: BTreeSet<String> = get_strs(req.prior, "secondary_allocation_ids")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(c, "secondary_allocation_ids")
            .into_iter()
            .collect();
        let add: Vec<String> = new.difference(&old).cloned().collect();
        if !add.is_empty() {
            ec2.associate_nat_gateway_address()
                .nat_gateway_id(id)
                .set_allocation_ids(Some(add))
                .send()
                .await
                .map_err(sdk)?;
        }
        let remove: Vec<String> = old.difference(&new).cloned().collect();
        if !remove.is_empty() {
            // Disassociation is by association id.
            let g = describe_nats(p, &[id.to_string()]).await?;
            let assocs: Vec<String> = g
                .iter()
                .flat_map(|g| g.nat_gateway_addresses())
                .filter(|a| {
                    a.allocation_id()
                        .is_some_and(|x| remove.iter().any(|r| r == x))
                })
                .filter_map(|a| a.association_id().map(str::to_string))
                .collect();
            ec2.disassociate_nat_gateway_address()
                .nat_gateway_id(id)
                .set_association_ids(Some(assocs))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "secondary_private_ip_addresses") {
        let old: BTreeSet<String> = get_strs(req.prior, "secondary_private_ip_addresses")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(c, "secondary_private_ip_addresses")
            .into_iter()
            .collect();
        let add: Vec<String> = new.difference(&old).cloned().collect();
        if !add.is_empty() {
            ec2.assign_private_nat_gateway_address()
                .nat_gateway_id(id)
                .set_private_ip_addresses(Some(add))
                .send()
                .await
                .map_err(sdk)?;
        }
        let remove: Vec<String> = old.difference(&new).cloned().collect();
        if !remove.is_empty() {
            ec2.unassign_private_nat_gateway_address()
                .nat_gateway_id(id)
                .set_private_ip_addresses(Some(remove))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    sync_tags(ec2, id, &prior_tags(req.prior), req.tags).await?;
    let g = the_one(describe_nats(p, &[id.to_string()]).await?, || {
        format!("NAT gateway {id}")
    })?;
    let mut m = update_base(c, req.prior);
    nat_attrs(&mut m, &g);
    set_tags_created(&mut m, c, &tags_of(g.tags()));
    Ok(finish_resource("aws_nat_gateway", m))
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let r = p
        .ec2()
        .delete_nat_gateway()
        .nat_gateway_id(id)
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    ignore_not_found(r)?;
    poll(
        req.timeout,
        &format!("NAT gateway {id} to be deleted"),
        || async { Ok(nat_for_wait(p, id).await?.is_none().then_some(())) },
    )
    .await
}

/// Cost: see [`describe_nats`].
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_nats(p, &prior_ids(priors)).await?;
    Ok(read_found(
        &found,
        priors,
        |g| g.nat_gateway_id(),
        |prior, g| read_value(Some(prior), g),
    ))
}

/// The value [`read`] gives `g` over its prior value (see [`read_base`] for `None`).
pub(crate) fn read_value(prior: Option<&Value>, g: &NatGateway) -> Value {
    let tags = tags_of(g.tags());
    let base = read_base(prior, &tags);
    let mut m = start(&base);
    nat_attrs(&mut m, g);
    set_tags_read(&mut m, &base, &tags);
    finish_resource("aws_nat_gateway", m)
}
