//! `aws_security_group_rule` (the legacy rule resource): one block's worth of rules on a
//! group, possibly several atoms. The id is the first rule id EC2 returns.
//!
//! The resource is present while any of its atoms is; with some gone, it reads with the
//! remaining sources. Reads look the rules up by their groups (see [`describe_rules`]).

use super::common::*;
use super::rules::{
    apply_rules, authorize, block_atoms, blocks_for, describe_rules, is_egress, permissions,
    rule_atom, RuleKey, RuleSet,
};
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use std::collections::BTreeMap;

fn legacy_atoms(v: &Value) -> RuleSet {
    let group = get_str(v, "security_group_id").unwrap_or_default();
    block_atoms(v, &group).into_iter().collect()
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let group = get_str(c, "security_group_id").unwrap_or_default();
    let atoms = legacy_atoms(c);
    if atoms.is_empty() {
        return Err(ProviderError::Other(
            "one of cidr_blocks, ipv6_cidr_blocks, prefix_list_ids, self or source_security_group_id must be set".into(),
        ));
    }
    let perms = permissions(&atoms);
    let rules = authorize(p, &group, is_egress("", c), perms, None).await?;
    let first = rules
        .first()
        .and_then(|r| r.security_group_rule_id())
        .map(str::to_string);
    let id = first
        .clone()
        .unwrap_or_else(|| format!("sgrule-{}", unique_name("", req.client_token)));
    let mut m = start(c);
    m.insert("id".into(), Value::from(id));
    m.insert(
        "security_group_rule_id".into(),
        if rules.len() == 1 {
            vs(first.as_deref())
        } else {
            Value::Null
        },
    );
    if get(c, "source_security_group_id").is_none() {
        m.insert("source_security_group_id".into(), Value::Null);
    }
    Ok(finish_resource("aws_security_group_rule", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    if changed(req, "description") {
        let group = get_str(c, "security_group_id").unwrap_or_default();
        let atoms = legacy_atoms(c);
        apply_rules(
            p,
            &group,
            is_egress("", c),
            &legacy_atoms(req.prior),
            &atoms,
        )
        .await?;
    }
    Ok(finish_resource(
        "aws_security_group_rule",
        update_base(c, req.prior),
    ))
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let group = get_str(req.prior, "security_group_id").unwrap_or_default();
    let r = apply_rules(
        p,
        &group,
        is_egress("", req.prior),
        &legacy_atoms(req.prior),
        &RuleSet::new(),
    )
    .await;
    ignore_not_found(r)
}

/// Cost: see [`describe_rules`]. The rule is gone when none of its sources is left.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let groups = distinct(
        priors
            .iter()
            .filter_map(|(_, v)| get_str(v, "security_group_id")),
    );
    let rules = describe_rules(p, &groups).await?;
    // (group, egress) -> atoms
    let mut actual: BTreeMap<(String, bool), RuleSet> = BTreeMap::new();
    for r in &rules {
        if let Some((k, d)) = rule_atom(r) {
            actual
                .entry((
                    r.group_id().unwrap_or_default().to_string(),
                    r.is_egress().unwrap_or(false),
                ))
                .or_default()
                .insert(k, d);
        }
    }
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let group = get_str(prior, "security_group_id").unwrap_or_default();
        let Some(set) = actual.get(&(group.clone(), is_egress("", prior))) else {
            continue;
        };
        let want = legacy_atoms(prior);
        let present: Vec<(&RuleKey, &Option<String>)> =
            want.keys().filter_map(|k| set.get_key_value(k)).collect();
        if present.is_empty() {
            continue;
        }
        let mut m = start(prior);
        if present.len() < want.len() {
            let blocks = blocks_for(
                &present
                    .iter()
                    .map(|(k, d)| ((*k).clone(), (*d).clone()))
                    .collect(),
                &[prior],
                &group,
            );
            if let Some(b) = blocks.first().and_then(Value::as_map) {
                for name in ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "self"] {
                    if let Some(v) = b.get(name) {
                        m.insert(name.into(), v.clone());
                    }
                }
            }
        }
        let desc = present.first().and_then(|(_, d)| (*d).clone());
        m.insert("description".into(), vs(desc.as_deref()));
        out.insert(id.clone(), finish_resource("aws_security_group_rule", m));
    }
    Ok(out)
}
