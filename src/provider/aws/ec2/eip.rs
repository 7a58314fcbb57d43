//! `aws_eip`: an Elastic IP address (id = allocation id) and its association with an
//! instance or network interface.
//!
//! Deleting disassociates first, then releases (retried while EC2 still sees it in use).
//! Reads are batched (see [`describe_eips`]).

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{Address, DomainType, ResourceType};
use std::collections::BTreeMap;

/// Addresses by allocation id: ceil(N/1000) DescribeAddresses calls.
async fn describe_eips(p: &AwsProvider, ids: &[String]) -> Result<Vec<Address>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move {
            let out = ec2
                .describe_addresses()
                .set_allocation_ids(Some(page))
                .send()
                .await
                .map_err(sdk)?;
            Ok(out.addresses().to_vec())
        },
        |page| async move {
            let out = ec2
                .describe_addresses()
                .filters(filter("allocation-id", page))
                .send()
                .await
                .map_err(sdk)?;
            Ok(out.addresses().to_vec())
        },
    )
    .await
}

fn eip_attrs(p: &AwsProvider, account: &str, m: &mut Obj, a: &Address) {
    let id = a.allocation_id().unwrap_or_default();
    let region = p.region();
    m.insert("id".into(), Value::from(id));
    m.insert("allocation_id".into(), Value::from(id));
    m.insert(
        "arn".into(),
        Value::from(p.arn(account, &format!("elastic-ip/{id}"))),
    );
    m.insert("association_id".into(), vs_nonempty(a.association_id()));
    m.insert("domain".into(), vs(a.domain().map(|d| d.as_str())));
    m.insert("instance".into(), vs_nonempty(a.instance_id()));
    m.insert(
        "network_interface".into(),
        vs_nonempty(a.network_interface_id()),
    );
    m.insert("private_ip".into(), vs_nonempty(a.private_ip_address()));
    m.insert("public_ip".into(), vs(a.public_ip()));
    m.insert("public_ipv4_pool".into(), vs(a.public_ipv4_pool()));
    m.insert("network_border_group".into(), vs(a.network_border_group()));
    m.insert("customer_owned_ip".into(), vs(a.customer_owned_ip()));
    m.insert("carrier_ip".into(), vs(a.carrier_ip()));
    if a.customer_owned_ipv4_pool().is_some() {
        m.insert(
            "customer_owned_ipv4_pool".into(),
            vs(a.customer_owned_ipv4_pool()),
        );
    }
    m.insert(
        "public_dns".into(),
        vs(a.public_ip()
            .map(|ip| public_dns_name(region, ip))
            .as_deref()),
    );
    m.insert(
        "private_dns".into(),
        vs(a.private_ip_address()
            .filter(|ip| !ip.is_empty())
            .map(|ip| private_dns_name(region, ip))
            .as_deref()),
    );
    if !m.get("ipam_pool_id").is_some_and(Value::is_known) {
        m.insert("ipam_pool_id".into(), Value::Null);
    }
}

async fn associate_eip(
    p: &AwsProvider,
    id: &str,
    c: &Value,
    timeout: std::time::Duration,
) -> Result<(), ProviderError> {
    let instance = get_nonempty(c, "instance");
    let eni = get_nonempty(c, "network_interface");
    if instance.is_none() && eni.is_none() {
        return Ok(());
    }
    // An instance launched a moment ago may still be pending.
    retry_codes(
        timeout.min(PROPAGATION),
        &["InvalidInstanceID", "InvalidInstanceID.NotFound"],
        || async {
            p.ec2()
                .associate_address()
                .allocation_id(id)
                .set_instance_id(instance.clone())
                .set_network_interface_id(eni.clone())
                .set_private_ip_address(get_nonempty(c, "associate_with_private_ip"))
                .allow_reassociation(true)
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let domain = get_str(c, "domain").unwrap_or_else(|| "vpc".to_string());
    let out = p
        .ec2()
        .allocate_address()
        .domain(DomainType::from(domain.as_str()))
        .set_address(get_str(c, "address"))
        .set_public_ipv4_pool(get_str(c, "public_ipv4_pool"))
        .set_customer_owned_ipv4_pool(get_str(c, "customer_owned_ipv4_pool"))
        .set_network_border_group(get_str(c, "network_border_group"))
        .set_ipam_pool_id(get_str(c, "ipam_pool_id"))
        .set_tag_specifications(tag_spec(ResourceType::ElasticIp, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let id = out.allocation_id().unwrap_or_default().to_string();
    associate_eip(p, &id, c, req.timeout).await?;
    let a = poll(req.timeout, &format!("EIP {id}"), || async {
        Ok(describe_eips(p, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next())
    })
    .await?;
    let account = p.account_id().await?;
    let mut m = start(c);
    eip_attrs(p, &account, &mut m, &a);
    m.insert("domain".into(), Value::from(domain));
    let all = if a.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(a.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_eip", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    if ["instance", "network_interface", "associate_with_private_ip"]
        .iter()
        .any(|n| changed(req, n))
    {
        if let Some(assoc) = get_nonempty(req.prior, "association_id") {
            let r = p
                .ec2()
                .disassociate_address()
                .association_id(assoc)
                .send()
                .await
                .map(drop)
                .map_err(sdk);
            ignore_not_found(r)?;
        }
        associate_eip(p, id, c, req.timeout).await?;
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let a = the_one(describe_eips(p, &[id.to_string()]).await?, || {
        format!("EIP {id}")
    })?;
    let account = p.account_id().await?;
    let mut m = update_base(c, req.prior);
    eip_attrs(p, &account, &mut m, &a);
    set_tags_created(&mut m, c, &tags_of(a.tags()));
    Ok(finish_resource("aws_eip", m))
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let Some(a) = describe_eips(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    if let Some(assoc) = a.association_id().filter(|s| !s.is_empty()) {
        let r = p
            .ec2()
            .disassociate_address()
            .association_id(assoc)
            .send()
            .await
            .map(drop)
            .map_err(sdk);
        ignore_not_found(r)?;
    }
    let r = retry_codes(
        req.timeout,
        &["AuthFailure", "InvalidIPAddress.InUse"],
        || async {
            p.ec2()
                .release_address()
                .allocation_id(id)
                .set_network_border_group(a.network_border_group().map(str::to_string))
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await;
    ignore_not_found(r)
}

/// Cost: see [`describe_eips`]; the ARN needs the account id (one DescribeSecurityGroups call
/// per provider, cached) only when a prior value lacks it.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_eips(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &Address> = found
        .iter()
        .filter_map(|a| Some((a.allocation_id()?, a)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(a) = by_id.get(id.as_str()) else {
            continue;
        };
        let account =
            match get_str(prior, "arn").and_then(|arn| arn.split(':').nth(4).map(str::to_string)) {
                Some(acc) => acc,
                None => p.account_id().await?,
            };
        let mut m = start(prior);
        eip_attrs(p, &account, &mut m, a);
        set_tags_read(&mut m, prior, &tags_of(a.tags()));
        out.insert(id.clone(), finish_resource("aws_eip", m));
    }
    Ok(out)
}
