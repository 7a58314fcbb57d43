//! Security group rules in drift: compared as atoms (protocol, ports, one source), so a rule
//! counts once however it is written, inline or as a rule resource.
//!
//! A group's expected rules are its inline blocks in state plus the rule resources in state
//! that target it; what the cloud allows beyond them is drift (a rule added by hand), and so
//! is an inline rule the cloud no longer has. A rule resource that is gone is reported by
//! its own refresh (deleted), not here.

use super::AttrChange;
use crate::eval::Value;
use crate::provider::aws::rule_atoms::{block_atoms, vpc_rule_atom, RuleKey, Source};
use std::collections::BTreeSet;

/// Resource types that hold one or more rules of a group given by an attribute.
pub(crate) const RULE_TYPES: [&str; 3] = [
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
];

/// The group a rule resource's value belongs to, and its direction (`ingress`/`egress`).
pub(crate) fn rule_resource_group(type_name: &str, v: &Value) -> Option<(String, &'static str)> {
    let group = v.get_attr("security_group_id")?.as_str()?.to_string();
    let dir = match type_name {
        "aws_vpc_security_group_ingress_rule" => "ingress",
        "aws_vpc_security_group_egress_rule" => "egress",
        "aws_security_group_rule" => match v.get_attr("type").and_then(Value::as_str) {
            Some("egress") => "egress",
            _ => "ingress",
        },
        _ => return None,
    };
    Some((group, dir))
}

/// The atoms of a rule resource's value (for a group `group`).
pub(crate) fn rule_resource_atoms(type_name: &str, v: &Value, group: &str) -> Vec<RuleKey> {
    match type_name {
        "aws_security_group_rule" => block_atoms(v, group).into_iter().map(|(k, _)| k).collect(),
        _ => vpc_rule_atom(v).map(|(k, _)| vec![k]).unwrap_or_default(),
    }
}

/// The atoms of a group value's `dir` blocks.
pub(crate) fn group_atoms(group_value: &Value, dir: &str, group_id: &str) -> BTreeSet<RuleKey> {
    let blocks = match group_value.get_attr(dir).map(Value::peel) {
        Some(Value::List(x) | Value::Set(x)) => x.clone(),
        _ => Vec::new(),
    };
    blocks
        .iter()
        .flat_map(|b| block_atoms(b, group_id))
        .map(|(k, _)| k)
        .collect()
}

/// The rule changes of group `group_id`: `state` is its value in state, `cloud` its value
/// with every rule the cloud has (as listed, not as read against a prior), `resources` the
/// atoms of the rule resources in state targeting it, by direction.
pub(crate) fn rule_changes(
    group_id: &str,
    state: &Value,
    cloud: &Value,
    resources: &[(&'static str, RuleKey)],
) -> Vec<AttrChange> {
    let mut out = Vec::new();
    for dir in ["ingress", "egress"] {
        let inline = group_atoms(state, dir, group_id);
        let mut expected = inline.clone();
        expected.extend(
            resources
                .iter()
                .filter(|(d, _)| *d == dir)
                .map(|(_, k)| k.clone()),
        );
        let actual = group_atoms(cloud, dir, group_id);
        for k in inline.difference(&actual) {
            out.push(AttrChange {
                path: dir.to_string(),
                before: Some(atom_value(k, group_id)),
                after: None,
            });
        }
        for k in actual.difference(&expected) {
            out.push(AttrChange {
                path: dir.to_string(),
                before: None,
                after: Some(atom_value(k, group_id)),
            });
        }
    }
    out
}

/// A rule atom as a one-source block value: `{protocol, from_port, to_port, cidr_blocks}` (or
/// `ipv6_cidr_blocks`, `prefix_list_ids`, `security_groups`, `self`).
pub(crate) fn atom_value(k: &RuleKey, group_id: &str) -> Value {
    let list = |x: &str| Value::List(vec![Value::string(x)]);
    let (name, v) = match &k.source {
        Source::V4(c) => ("cidr_blocks", list(c)),
        Source::V6(c) => ("ipv6_cidr_blocks", list(c)),
        Source::PrefixList(p) => ("prefix_list_ids", list(p)),
        Source::Group(g) if g == group_id => ("self", Value::Bool(true)),
        Source::Group(g) => ("security_groups", list(g)),
    };
    Value::map([
        ("protocol", Value::string(k.proto.clone())),
        ("from_port", Value::Number(k.from.into())),
        ("to_port", Value::Number(k.to.into())),
        (name, v),
    ])
}

/// The atoms of a block value as [`atom_value`] writes it, or any rule block.
pub(crate) fn value_atoms(block: &Value, group_id: &str) -> Vec<RuleKey> {
    block_atoms(block, group_id)
        .into_iter()
        .map(|(k, _)| k)
        .collect()
}

/// Whether the atom's port range includes `port` (all protocols include every port).
pub(crate) fn covers_port(k: &RuleKey, port: i32) -> bool {
    match k.proto.as_str() {
        "-1" => true,
        "tcp" | "udp" => (k.from <= port && port <= k.to) || (k.from == -1 && k.to == -1),
        _ => false,
    }
}

/// The CIDR source of an atom, if it has one.
pub(crate) fn cidr_source(k: &RuleKey) -> Option<&str> {
    match &k.source {
        Source::V4(c) | Source::V6(c) => Some(c),
        _ => None,
    }
}
