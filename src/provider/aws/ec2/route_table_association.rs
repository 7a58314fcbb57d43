//! `aws_route_table_association`: a subnet or gateway associated with a route table. The id
//! is the association id; changing the table replaces the association (a new id).
//!
//! Reads find the tables holding the associations (see [`describe_rtas`]); an association
//! that is disassociated or disassociating is gone.

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::RouteTable;
use std::collections::BTreeMap;

/// Route tables holding the given association ids: ceil(N/200) DescribeRouteTables calls
/// (filter `association.route-table-association-id`).
async fn describe_rtas(p: &AwsProvider, ids: &[String]) -> Result<Vec<RouteTable>, ProviderError> {
    let ec2 = p.ec2();
    by_filter_pages(ids, |page| async move {
        all_items!(ec2
            .describe_route_tables()
            .filters(filter("association.route-table-association-id", page)))
    })
    .await
}

fn rta_obj(base: &Value, rtb: &str, a: &aws_sdk_ec2::types::RouteTableAssociation) -> Value {
    let mut m = start(base);
    m.insert("id".into(), vs(a.route_table_association_id()));
    m.insert("route_table_id".into(), Value::from(rtb));
    m.insert("subnet_id".into(), vs(a.subnet_id()));
    m.insert("gateway_id".into(), vs(a.gateway_id()));
    finish_resource("aws_route_table_association", m)
}

fn find_rta<'a>(
    tables: &'a [RouteTable],
    id: &str,
) -> Option<(&'a str, &'a aws_sdk_ec2::types::RouteTableAssociation)> {
    tables.iter().find_map(|t| {
        let a = t.associations().iter().find(|a| {
            a.route_table_association_id() == Some(id)
                && a.association_state()
                    .and_then(|s| s.state())
                    .is_none_or(|s| !matches!(s.as_str(), "disassociated" | "disassociating"))
        })?;
        Some((t.route_table_id().unwrap_or_default(), a))
    })
}

async fn wait_rta(
    p: &AwsProvider,
    id: &str,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    poll(
        timeout,
        &format!("route table association {id}"),
        || async {
            let tables = describe_rtas(p, &[id.to_string()]).await?;
            let state = find_rta(&tables, id).map(|(_, a)| {
                a.association_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str().to_string())
            });
            match state {
                Some(Some(s)) if s == "failed" => Err(ProviderError::Api {
                    code: "AssociationFailed".into(),
                    message: format!("route table association {id} failed"),
                }),
                Some(Some(s)) if s == "associating" => Ok(None),
                Some(_) => Ok(Some(())),
                None => Ok(None),
            }
        },
    )
    .await
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let rtb = get_str(c, "route_table_id").unwrap_or_default();
    let out = p
        .ec2()
        .associate_route_table()
        .route_table_id(&rtb)
        .set_subnet_id(get_str(c, "subnet_id"))
        .set_gateway_id(get_str(c, "gateway_id"))
        .send()
        .await
        .map_err(sdk)?;
    let id = out.association_id().unwrap_or_default().to_string();
    if out
        .association_state()
        .and_then(|s| s.state())
        .is_some_and(|s| s.as_str() != "associated")
    {
        wait_rta(p, &id, req.timeout).await?;
    }
    let mut m = start(c);
    m.insert("id".into(), Value::from(id));
    Ok(finish_resource("aws_route_table_association", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let mut m = update_base(c, req.prior);
    if changed(req, "route_table_id") {
        let rtb = get_str(c, "route_table_id").unwrap_or_default();
        let out = p
            .ec2()
            .replace_route_table_association()
            .association_id(req.id)
            .route_table_id(rtb)
            .send()
            .await
            .map_err(sdk)?;
        let id = out.new_association_id().unwrap_or_default().to_string();
        if out
            .association_state()
            .and_then(|s| s.state())
            .is_some_and(|s| s.as_str() != "associated")
        {
            wait_rta(p, &id, req.timeout).await?;
        }
        m.insert("id".into(), Value::from(id));
    }
    Ok(finish_resource("aws_route_table_association", m))
}

/// Cost: see [`describe_rtas`].
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let tables = describe_rtas(p, &prior_ids(priors)).await?;
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        if let Some((rtb, a)) = find_rta(&tables, id) {
            out.insert(id.clone(), rta_obj(prior, rtb, a));
        }
    }
    Ok(out)
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    ignore_not_found(
        p.ec2()
            .disassociate_route_table()
            .association_id(req.id)
            .send()
            .await
            .map(drop)
            .map_err(sdk),
    )
}
