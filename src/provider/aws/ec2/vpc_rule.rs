//! `aws_vpc_security_group_ingress_rule` and `aws_vpc_security_group_egress_rule`: one rule
//! each, with its own id (the security group rule id), description and tags.
//!
//! Both types share this module; the operations take the type name, which gives the
//! direction. Reads look the rules up by their groups (see [`describe_rules`]); a rule whose
//! direction differs from its type's is gone.

use super::common::*;
use super::rules::{
    authorize, canon_proto, describe_rules, has_ports, is_egress, key, permissions, proto_of,
    RuleKey, Source,
};
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{
    ResourceType, SecurityGroupRule, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
};
use std::collections::BTreeMap;

/// The rule's atom from its configuration.
pub(crate) fn vpc_rule_atom(c: &Value) -> Result<(RuleKey, Option<String>), ProviderError> {
    let source = if let Some(x) = get_nonempty(c, "cidr_ipv4") {
        Source::V4(x)
    } else if let Some(x) = get_nonempty(c, "cidr_ipv6") {
        Source::V6(x)
    } else if let Some(x) = get_nonempty(c, "prefix_list_id") {
        Source::PrefixList(x)
    } else if let Some(x) = get_nonempty(c, "referenced_security_group_id") {
        Source::Group(x)
    } else {
        return Err(ProviderError::Other(
            "exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id must be set".into(),
        ));
    };
    let k = key(
        &proto_of(c, "ip_protocol"),
        get_i32(c, "from_port"),
        get_i32(c, "to_port"),
        source,
    );
    Ok((k, get_nonempty(c, "description")))
}

fn vpc_rule_attrs(p: &AwsProvider, m: &mut Obj, r: &SecurityGroupRule) {
    let id = r.security_group_rule_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    m.insert("security_group_rule_id".into(), Value::from(id));
    let arn = r.security_group_rule_arn().map_or_else(
        || {
            p.arn(
                r.group_owner_id().unwrap_or_default(),
                &format!("security-group-rule/{id}"),
            )
        },
        str::to_string,
    );
    m.insert("arn".into(), Value::from(arn));
    m.insert("security_group_id".into(), vs(r.group_id()));
    let proto = canon_proto(r.ip_protocol().unwrap_or("-1"));
    let configured = m
        .get("ip_protocol")
        .and_then(Value::as_str)
        .map(canon_proto);
    if configured.as_deref() != Some(proto.as_str()) {
        m.insert("ip_protocol".into(), Value::from(proto.as_str()));
    }
    let ports = proto != "-1";
    m.insert(
        "from_port".into(),
        if ports {
            vn(r.from_port())
        } else {
            Value::Null
        },
    );
    m.insert(
        "to_port".into(),
        if ports { vn(r.to_port()) } else { Value::Null },
    );
    m.insert("cidr_ipv4".into(), vs(r.cidr_ipv4()));
    m.insert("cidr_ipv6".into(), vs(r.cidr_ipv6()));
    m.insert("prefix_list_id".into(), vs(r.prefix_list_id()));
    m.insert(
        "referenced_security_group_id".into(),
        vs(r.referenced_group_info().and_then(|g| g.group_id())),
    );
    // Some endpoints (moto for group-referenced rules) leave the description out of
    // DescribeSecurityGroupRules; then the configured or prior description stands.
    match r.description().filter(|d| !d.is_empty()) {
        Some(_) => {
            m.insert("description".into(), vs_nonempty(r.description()));
        }
        None => {
            m.entry("description".to_string()).or_insert(Value::Null);
        }
    }
}

pub(crate) async fn create(
    p: &AwsProvider,
    t: &str,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let group = get_str(c, "security_group_id").unwrap_or_default();
    let (k, d) = vpc_rule_atom(c)?;
    let perms = permissions([(&k, &d)]);
    let spec = tag_spec(ResourceType::SecurityGroupRule, req.tags).map(|t| vec![t]);
    let rules = authorize(p, &group, is_egress(t, c), perms, spec).await?;
    let r = rules
        .first()
        .ok_or_else(|| ProviderError::Other(format!("{t}: EC2 returned no rule id")))?;
    let mut m = start(c);
    vpc_rule_attrs(p, &mut m, r);
    let all = if r.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(r.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource(t, m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    t: &str,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    let group = get_str(c, "security_group_id").unwrap_or_default();
    let rule_attrs = [
        "cidr_ipv4",
        "cidr_ipv6",
        "description",
        "from_port",
        "to_port",
        "ip_protocol",
        "prefix_list_id",
        "referenced_security_group_id",
    ];
    if rule_attrs.iter().any(|a| changed(req, a)) {
        let (k, d) = vpc_rule_atom(c)?;
        let ports = has_ports(&k.proto);
        let mut r = SecurityGroupRuleRequest::builder()
            .ip_protocol(&k.proto)
            .set_from_port(Some(if ports { k.from } else { -1 }))
            .set_to_port(Some(if ports { k.to } else { -1 }))
            .set_description(d);
        r = match k.source {
            Source::V4(x) => r.cidr_ipv4(x),
            Source::V6(x) => r.cidr_ipv6(x),
            Source::PrefixList(x) => r.prefix_list_id(x),
            Source::Group(x) => r.referenced_group_id(x),
        };
        let update = SecurityGroupRuleUpdate::builder()
            .security_group_rule_id(id)
            .security_group_rule(r.build())
            .build();
        p.ec2()
            .modify_security_group_rules()
            .group_id(&group)
            .security_group_rules(update)
            .send()
            .await
            .map_err(sdk)?;
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let rules = describe_rules(p, std::slice::from_ref(&group)).await?;
    let r = rules
        .iter()
        .find(|r| r.security_group_rule_id() == Some(id))
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("security group rule {id}"),
        })?;
    let mut m = update_base(c, req.prior);
    vpc_rule_attrs(p, &mut m, r);
    set_tags_created(&mut m, c, &tags_of(r.tags()));
    Ok(finish_resource(t, m))
}

pub(crate) async fn delete(
    p: &AwsProvider,
    t: &str,
    req: &DeleteRequest<'_>,
) -> Result<(), ProviderError> {
    let group = get_str(req.prior, "security_group_id").unwrap_or_default();
    let ec2 = p.ec2();
    let r = if is_egress(t, req.prior) {
        ec2.revoke_security_group_egress()
            .group_id(&group)
            .security_group_rule_ids(req.id)
            .send()
            .await
            .map(drop)
            .map_err(sdk)
    } else {
        ec2.revoke_security_group_ingress()
            .group_id(&group)
            .security_group_rule_ids(req.id)
            .send()
            .await
            .map(drop)
            .map_err(sdk)
    };
    ignore_not_found(r)
}

/// Cost: see [`describe_rules`] (by the distinct groups of the rules).
pub(crate) async fn read(
    p: &AwsProvider,
    t: &str,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let groups = distinct(
        priors
            .iter()
            .filter_map(|(_, v)| get_str(v, "security_group_id")),
    );
    let rules = describe_rules(p, &groups).await?;
    let by_id: BTreeMap<&str, &SecurityGroupRule> = rules
        .iter()
        .filter_map(|r| Some((r.security_group_rule_id()?, r)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(r) = by_id.get(id.as_str()) else {
            continue;
        };
        if r.is_egress().unwrap_or(false) != is_egress(t, prior) {
            continue;
        }
        let mut m = start(prior);
        vpc_rule_attrs(p, &mut m, r);
        set_tags_read(&mut m, prior, &tags_of(r.tags()));
        out.insert(id.clone(), finish_resource(t, m));
    }
    Ok(out)
}
