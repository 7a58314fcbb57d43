//! `aws_route`: one route in a table managed on its own. The id is
//! `<route_table_id>_<destination>`; a prior value without `route_table_id` falls back to the
//! id's first part.

use super::common::*;
use super::route_spec::{create_route_call, route_call, RouteSpec, ROUTE_TARGETS};
use super::route_table::describe_route_tables;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{Route, RouteTable};
use std::collections::BTreeMap;

fn route_attrs(m: &mut Obj, rtb: &str, r: &Route, want: &RouteSpec) {
    let actual = RouteSpec::from_api(r);
    m.insert(
        "id".into(),
        Value::from(format!("{rtb}_{}", actual.destination())),
    );
    m.insert("route_table_id".into(), Value::from(rtb));
    m.insert("destination_cidr_block".into(), vs(actual.cidr.as_deref()));
    m.insert(
        "destination_ipv6_cidr_block".into(),
        vs(actual.ipv6.as_deref()),
    );
    m.insert(
        "destination_prefix_list_id".into(),
        vs(actual.prefix_list.as_deref()),
    );
    let shown = if want.same_target(&actual) {
        RouteSpec {
            network_interface_id: actual.network_interface_id.clone(),
            ..want.clone()
        }
    } else {
        actual.clone()
    };
    for (k, v) in shown.targets() {
        m.insert(k.into(), vs(v.as_deref()));
    }
    m.insert("instance_id".into(), vs(r.instance_id()));
    m.insert("instance_owner_id".into(), vs(r.instance_owner_id()));
    m.insert("origin".into(), vs(r.origin().map(|o| o.as_str())));
    m.insert("state".into(), vs(r.state().map(|s| s.as_str())));
}

fn find_route<'a>(t: &'a RouteTable, dest: &str) -> Option<&'a Route> {
    t.routes()
        .iter()
        .find(|r| RouteSpec::from_api(r).destination() == dest)
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let rtb = get_str(c, "route_table_id").unwrap_or_default();
    let spec = RouteSpec::from_resource(c);
    let dest = spec.destination();
    match create_route_call(p, &rtb, &spec, req.timeout).await {
        Ok(()) => {}
        // A route has no tags to find it by after a create whose record was lost (a killed
        // apply): its identity is the table and destination. One that already has exactly
        // the configured target is that route, and is taken over; any other is an error.
        Err(ProviderError::Api { code, message }) if code == "RouteAlreadyExists" => {
            let tables = describe_route_tables(p, std::slice::from_ref(&rtb)).await?;
            let same = tables
                .iter()
                .find_map(|t| find_route(t, &dest))
                .is_some_and(|r| spec.same_target(&RouteSpec::from_api(r)));
            if !same {
                return Err(ProviderError::Api { code, message });
            }
        }
        Err(e) => return Err(e),
    }
    let r = poll(req.timeout, &format!("route {dest} in {rtb}"), || async {
        let tables = describe_route_tables(p, std::slice::from_ref(&rtb)).await?;
        Ok(tables.iter().find_map(|t| find_route(t, &dest).cloned()))
    })
    .await?;
    let mut m = start(c);
    route_attrs(&mut m, &rtb, &r, &spec);
    Ok(finish_resource("aws_route", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let rtb = get_str(c, "route_table_id").unwrap_or_default();
    let spec = RouteSpec::from_resource(c);
    if ROUTE_TARGETS.iter().any(|t| changed(req, t)) {
        route_call!(p.ec2().replace_route().route_table_id(&rtb), &spec)
            .send()
            .await
            .map_err(sdk)?;
    }
    let dest = spec.destination();
    let tables = describe_route_tables(p, std::slice::from_ref(&rtb)).await?;
    let r = tables
        .iter()
        .find_map(|t| find_route(t, &dest))
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("route {dest} in {rtb}"),
        })?;
    let mut m = update_base(c, req.prior);
    route_attrs(&mut m, &rtb, r, &spec);
    Ok(finish_resource("aws_route", m))
}

/// Cost: one DescribeRouteTables call per 1000 distinct route tables.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let rtb_of = |id: &str, prior: &Value| {
        get_str(prior, "route_table_id")
            .unwrap_or_else(|| id.split('_').next().unwrap_or_default().to_string())
    };
    let tables = distinct(priors.iter().map(|(id, prior)| rtb_of(id, prior)));
    let found = describe_route_tables(p, &tables).await?;
    let by_id: BTreeMap<&str, &RouteTable> = found
        .iter()
        .filter_map(|t| Some((t.route_table_id()?, t)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let rtb = rtb_of(id, prior);
        let spec = RouteSpec::from_resource(prior);
        let dest = if spec.destination().is_empty() {
            id.split_once('_')
                .map(|x| x.1.to_string())
                .unwrap_or_default()
        } else {
            spec.destination()
        };
        let Some(r) = by_id.get(rtb.as_str()).and_then(|t| find_route(t, &dest)) else {
            continue;
        };
        let mut m = start(prior);
        route_attrs(&mut m, &rtb, r, &spec);
        out.insert(id.clone(), finish_resource("aws_route", m));
    }
    Ok(out)
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let (ec2, id) = (p.ec2(), req.id);
    let spec = RouteSpec::from_resource(req.prior);
    let rtb = get_str(req.prior, "route_table_id")
        .unwrap_or_else(|| id.split('_').next().unwrap_or_default().to_string());
    let r = ec2
        .delete_route()
        .route_table_id(rtb)
        .set_destination_cidr_block(spec.cidr)
        .set_destination_ipv6_cidr_block(spec.ipv6)
        .set_destination_prefix_list_id(spec.prefix_list)
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    ignore_not_found(r)
}
