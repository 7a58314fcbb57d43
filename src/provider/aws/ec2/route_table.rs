//! `aws_route_table`: the table, its inline `route` blocks (keyed by destination) and its
//! VGW route propagations.
//!
//! Reads are batched (see [`describe_route_tables`]); a configured route whose target reads
//! back in another spelling (an instance route comes back with its interface) keeps the
//! configured spelling.

use super::common::*;
use super::route_spec::{create_route_call, managed_route, route_call, RouteSpec};
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{ResourceType, RouteTable};
use std::collections::{BTreeMap, BTreeSet};

/// Route tables by id: ceil(N/1000) DescribeRouteTables calls.
pub(super) async fn describe_route_tables(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<RouteTable>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move { all_items!(ec2.describe_route_tables().set_route_table_ids(Some(page))) },
        |page| async move { all_items!(ec2.describe_route_tables().filters(filter("route-table-id", page))) },
    )
    .await
}

fn route_table_attrs(p: &AwsProvider, m: &mut Obj, t: &RouteTable) {
    let id = t.route_table_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    m.insert("owner_id".into(), vs(t.owner_id()));
    m.insert(
        "arn".into(),
        Value::from(p.arn(
            t.owner_id().unwrap_or_default(),
            &format!("route-table/{id}"),
        )),
    );
    m.insert("vpc_id".into(), vs(t.vpc_id()));
    m.insert(
        "propagating_vgws".into(),
        vset(t.propagating_vgws().iter().filter_map(|g| g.gateway_id())),
    );
    let routes: Vec<Value> = t
        .routes()
        .iter()
        .filter(|r| managed_route(r))
        .map(|r| RouteSpec::from_api(r).to_block())
        .collect();
    m.insert("route".into(), Value::set(routes));
}

/// Configured routes keyed by destination.
fn route_blocks(v: &Value) -> BTreeMap<String, RouteSpec> {
    get_blocks(v, "route")
        .into_iter()
        .map(RouteSpec::from_block)
        .map(|s| (s.destination(), s))
        .collect()
}

async fn delete_route_call(p: &AwsProvider, rtb: &str, s: &RouteSpec) -> Result<(), ProviderError> {
    let r = p
        .ec2()
        .delete_route()
        .route_table_id(rtb)
        .set_destination_cidr_block(s.cidr.clone())
        .set_destination_ipv6_cidr_block(s.ipv6.clone())
        .set_destination_prefix_list_id(s.prefix_list.clone())
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    ignore_not_found(r)
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let out = p
        .ec2()
        .create_route_table()
        .set_vpc_id(get_str(c, "vpc_id"))
        .set_tag_specifications(tag_spec(ResourceType::RouteTable, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let t = out
        .route_table()
        .ok_or_else(|| ProviderError::Other("CreateRouteTable returned nothing".into()))?;
    let id = t.route_table_id().unwrap_or_default().to_string();
    for vgw in get_strs(c, "propagating_vgws") {
        p.ec2()
            .enable_vgw_route_propagation()
            .route_table_id(&id)
            .gateway_id(vgw)
            .send()
            .await
            .map_err(sdk)?;
    }
    let routes = route_blocks(c);
    for s in routes.values() {
        create_route_call(p, &id, s, req.timeout).await?;
    }
    let t = if routes.is_empty() && get_strs(c, "propagating_vgws").is_empty() {
        t.clone()
    } else {
        describe_route_tables(p, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next()
            .unwrap_or_else(|| t.clone())
    };
    let mut m = start(c);
    route_table_attrs(p, &mut m, &t);
    let all = if t.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(t.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_route_table", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    let ec2 = p.ec2();
    if changed(req, "propagating_vgws") && get(c, "propagating_vgws").is_some() {
        let old: BTreeSet<String> = get_strs(req.prior, "propagating_vgws")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(c, "propagating_vgws").into_iter().collect();
        for g in old.difference(&new) {
            ec2.disable_vgw_route_propagation()
                .route_table_id(id)
                .gateway_id(g)
                .send()
                .await
                .map_err(sdk)?;
        }
        for g in new.difference(&old) {
            ec2.enable_vgw_route_propagation()
                .route_table_id(id)
                .gateway_id(g)
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    if changed(req, "route") {
        let old = route_blocks(req.prior);
        let new = route_blocks(c);
        for (dest, s) in &old {
            if !new.contains_key(dest) {
                delete_route_call(p, id, s).await?;
            }
        }
        for (dest, s) in &new {
            match old.get(dest) {
                None => create_route_call(p, id, s, req.timeout).await?,
                Some(o) if o != s => {
                    route_call!(ec2.replace_route().route_table_id(id), s)
                        .send()
                        .await
                        .map_err(sdk)?;
                }
                Some(_) => {}
            }
        }
    }
    sync_tags(ec2, id, &prior_tags(req.prior), req.tags).await?;
    let t = the_one(describe_route_tables(p, &[id.to_string()]).await?, || {
        format!("route table {id}")
    })?;
    let mut m = update_base(c, req.prior);
    route_table_attrs(p, &mut m, &t);
    set_tags_created(&mut m, c, &tags_of(t.tags()));
    Ok(finish_resource("aws_route_table", m))
}

/// Cost: see [`describe_route_tables`]; routes and propagations come from the call.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_route_tables(p, &prior_ids(priors)).await?;
    Ok(read_found(
        &found,
        priors,
        |t| t.route_table_id(),
        |prior, t| read_value(p, Some(prior), t),
    ))
}

/// The value [`read`] gives `t` over its prior value (see [`read_base`] for `None`).
pub(crate) fn read_value(p: &AwsProvider, prior: Option<&Value>, t: &RouteTable) -> Value {
    let tags = tags_of(t.tags());
    let base = read_base(prior, &tags);
    let mut m = start(&base);
    route_table_attrs(p, &mut m, t);
    // A configured route with an instance target reads back with its interface: keep the
    // configured spelling when the route is the same.
    let configured = route_blocks(&base);
    if let Some(Value::Set(items)) = m.get("route") {
        let items = items
            .iter()
            .map(|b| {
                let actual = RouteSpec::from_block(b);
                match configured.get(&actual.destination()) {
                    Some(want) if want.same_target(&actual) => want.to_block(),
                    _ => b.clone(),
                }
            })
            .collect();
        m.insert("route".into(), Value::set(items));
    }
    set_tags_read(&mut m, &base, &tags);
    finish_resource("aws_route_table", m)
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let (ec2, id) = (p.ec2(), req.id);
    let r = retry_codes(req.timeout, &["DependencyViolation"], || async {
        ec2.delete_route_table()
            .route_table_id(id)
            .send()
            .await
            .map(drop)
            .map_err(sdk)
    })
    .await;
    ignore_not_found(r)
}
