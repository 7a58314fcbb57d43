//! Security group rules as atoms: one (protocol, port range, source) each, the form
//! DescribeSecurityGroupRules uses. Blocks (`ingress` / `egress`, `aws_security_group_rule`)
//! and IpPermissions are built from and split into atoms, so rules written in any grouping
//! compare equal when they allow the same traffic.
//!
//! Shared by `aws_security_group`, `aws_security_group_rule` and the VPC rule resources:
//! the atom types, [`apply_rules`] (revoke, authorize and re-describe to go from one set to
//! another), [`authorize`] and [`describe_rules`].

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::ProviderError;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, SecurityGroupRule, UserIdGroupPair,
};
use std::collections::BTreeMap;

/// Where a rule lets traffic come from (ingress) or go to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    V4(String),
    V6(String),
    PrefixList(String),
    Group(String),
}

/// One rule without its description.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RuleKey {
    pub(crate) proto: String,
    pub(crate) from: i32,
    pub(crate) to: i32,
    pub(crate) source: Source,
}

/// Rules of one direction: key to description.
pub(super) type RuleSet = BTreeMap<RuleKey, Option<String>>;

/// The protocol as EC2 reports it: names for tcp, udp, icmp and icmpv6, `-1` for all.
pub(super) fn canon_proto(p: &str) -> String {
    match p.trim().to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        other => other.to_string(),
    }
}

/// Whether ports mean something for the protocol (otherwise EC2 ignores them).
pub(super) fn has_ports(proto: &str) -> bool {
    matches!(proto, "tcp" | "udp" | "icmp" | "icmpv6")
}

pub(super) fn key(proto: &str, from: Option<i32>, to: Option<i32>, source: Source) -> RuleKey {
    let proto = canon_proto(proto);
    let (from, to) = if has_ports(&proto) {
        (from.unwrap_or(-1), to.unwrap_or(-1))
    } else {
        (0, 0)
    };
    RuleKey {
        proto,
        from,
        to,
        source,
    }
}

/// A protocol attribute (a string, or a number written without quotes).
pub(super) fn proto_of(v: &Value, k: &str) -> String {
    match get(v, k) {
        Some(Value::Number(n)) => crate::eval::format_number(*n),
        Some(x) => x.as_str().unwrap_or("-1").to_string(),
        None => "-1".to_string(),
    }
}

/// The atoms of an `ingress` / `egress` block or an `aws_security_group_rule` (`self` means
/// `own`; `source_security_group_id` is a group source).
pub(crate) fn block_atoms(b: &Value, own: &str) -> Vec<(RuleKey, Option<String>)> {
    let proto = proto_of(b, "protocol");
    let (from, to) = (get_i32(b, "from_port"), get_i32(b, "to_port"));
    let desc = get_nonempty(b, "description");
    let mut sources: Vec<Source> = Vec::new();
    sources.extend(get_strs(b, "cidr_blocks").into_iter().map(Source::V4));
    sources.extend(get_strs(b, "ipv6_cidr_blocks").into_iter().map(Source::V6));
    sources.extend(
        get_strs(b, "prefix_list_ids")
            .into_iter()
            .map(Source::PrefixList),
    );
    sources.extend(
        get_strs(b, "security_groups")
            .into_iter()
            .map(Source::Group),
    );
    if let Some(g) = get_nonempty(b, "source_security_group_id") {
        sources.push(Source::Group(g));
    }
    if get_bool(b, "self") == Some(true) {
        sources.push(Source::Group(own.to_string()));
    }
    sources
        .into_iter()
        .map(|s| (key(&proto, from, to, s), desc.clone()))
        .collect()
}

pub(super) fn permission_atoms(perms: &[IpPermission]) -> RuleSet {
    let mut out = RuleSet::new();
    for p in perms {
        let proto = p.ip_protocol().unwrap_or("-1");
        let k = |s| key(proto, p.from_port(), p.to_port(), s);
        let d = |x: Option<&str>| x.filter(|s| !s.is_empty()).map(str::to_string);
        for r in p.ip_ranges() {
            out.insert(
                k(Source::V4(r.cidr_ip().unwrap_or_default().into())),
                d(r.description()),
            );
        }
        for r in p.ipv6_ranges() {
            out.insert(
                k(Source::V6(r.cidr_ipv6().unwrap_or_default().into())),
                d(r.description()),
            );
        }
        for r in p.prefix_list_ids() {
            out.insert(
                k(Source::PrefixList(
                    r.prefix_list_id().unwrap_or_default().into(),
                )),
                d(r.description()),
            );
        }
        for r in p.user_id_group_pairs() {
            out.insert(
                k(Source::Group(r.group_id().unwrap_or_default().into())),
                d(r.description()),
            );
        }
    }
    out
}

pub(super) fn rule_atom(r: &SecurityGroupRule) -> Option<(RuleKey, Option<String>)> {
    let source = if let Some(c) = r.cidr_ipv4() {
        Source::V4(c.into())
    } else if let Some(c) = r.cidr_ipv6() {
        Source::V6(c.into())
    } else if let Some(c) = r.prefix_list_id() {
        Source::PrefixList(c.into())
    } else {
        Source::Group(r.referenced_group_info()?.group_id()?.into())
    };
    let desc = r
        .description()
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Some((
        key(
            r.ip_protocol().unwrap_or("-1"),
            r.from_port(),
            r.to_port(),
            source,
        ),
        desc,
    ))
}

/// A rule's source and description, borrowed.
type Atom<'a> = (&'a Source, &'a Option<String>);

/// IpPermissions for atoms: one per (protocol, ports).
pub(super) fn permissions<'a>(
    atoms: impl IntoIterator<Item = (&'a RuleKey, &'a Option<String>)>,
) -> Vec<IpPermission> {
    let mut groups: BTreeMap<(String, i32, i32), Vec<Atom<'_>>> = BTreeMap::new();
    for (k, d) in atoms {
        groups
            .entry((k.proto.clone(), k.from, k.to))
            .or_default()
            .push((&k.source, d));
    }
    groups
        .into_iter()
        .map(|((proto, from, to), items)| {
            let ports = has_ports(&proto);
            let mut p = IpPermission::builder()
                .ip_protocol(&proto)
                .set_from_port(ports.then_some(from))
                .set_to_port(ports.then_some(to));
            for (s, d) in items {
                p = match s {
                    Source::V4(c) => p.ip_ranges(
                        IpRange::builder()
                            .cidr_ip(c)
                            .set_description(d.clone())
                            .build(),
                    ),
                    Source::V6(c) => p.ipv6_ranges(
                        Ipv6Range::builder()
                            .cidr_ipv6(c)
                            .set_description(d.clone())
                            .build(),
                    ),
                    Source::PrefixList(c) => p.prefix_list_ids(
                        PrefixListId::builder()
                            .prefix_list_id(c)
                            .set_description(d.clone())
                            .build(),
                    ),
                    Source::Group(g) => p.user_id_group_pairs(
                        UserIdGroupPair::builder()
                            .group_id(g)
                            .set_description(d.clone())
                            .build(),
                    ),
                };
            }
            p.build()
        })
        .collect()
}

/// Blocks describing `actual`: each prior block that still matches (some of its atoms present
/// with the same description) is kept as written, restricted to the present sources; the
/// remaining atoms are grouped by protocol, ports and description into new blocks.
pub(super) fn blocks_for(actual: &RuleSet, prior_blocks: &[&Value], own: &str) -> Vec<Value> {
    let mut remaining = actual.clone();
    let mut out = Vec::new();
    for b in prior_blocks {
        let atoms = block_atoms(b, own);
        let present: Vec<&RuleKey> = atoms
            .iter()
            .filter(|(k, d)| remaining.get(k) == Some(d))
            .map(|(k, _)| k)
            .collect();
        if present.is_empty() {
            continue;
        }
        let whole = present.len() == atoms.len();
        for k in &present {
            remaining.remove(*k);
        }
        if whole {
            out.push((*b).clone());
            continue;
        }
        let has = |s: &Source| present.iter().any(|k| k.source == *s);
        let mut m = start(b);
        let keep = |m: &mut Obj, name: &str, f: &dyn Fn(String) -> Source| {
            if let Some(Value::List(items)) = m.get(name).map(Value::peel) {
                let kept: Vec<Value> = items
                    .iter()
                    .filter(|x| x.as_str().is_some_and(|s| has(&f(s.to_string()))))
                    .cloned()
                    .collect();
                m.insert(name.into(), Value::List(kept));
            } else if let Some(Value::Set(items)) = m.get(name).map(Value::peel) {
                let kept: Vec<Value> = items
                    .iter()
                    .filter(|x| x.as_str().is_some_and(|s| has(&f(s.to_string()))))
                    .cloned()
                    .collect();
                m.insert(name.into(), Value::set(kept));
            }
        };
        keep(&mut m, "cidr_blocks", &Source::V4);
        keep(&mut m, "ipv6_cidr_blocks", &Source::V6);
        keep(&mut m, "prefix_list_ids", &Source::PrefixList);
        keep(&mut m, "security_groups", &Source::Group);
        if get_bool(b, "self") == Some(true) && !has(&Source::Group(own.to_string())) {
            m.insert("self".into(), Value::Bool(false));
        }
        out.push(Value::Map(m));
    }
    let mut groups: BTreeMap<(String, i32, i32, Option<String>), Vec<Source>> = BTreeMap::new();
    for (k, d) in remaining {
        groups
            .entry((k.proto, k.from, k.to, d))
            .or_default()
            .push(k.source);
    }
    for ((proto, from, to, desc), sources) in groups {
        let pick = |f: &dyn Fn(&Source) -> Option<String>| -> Value {
            let items: Vec<String> = sources.iter().filter_map(f).collect();
            if items.is_empty() {
                Value::Null
            } else {
                vlist(items)
            }
        };
        let groups_v: Vec<String> = sources
            .iter()
            .filter_map(|s| match s {
                Source::Group(g) if g != own => Some(g.clone()),
                _ => None,
            })
            .collect();
        let mut m = Obj::new();
        m.insert("protocol".into(), Value::from(proto));
        m.insert("from_port".into(), Value::Number(f64::from(from)));
        m.insert("to_port".into(), Value::Number(f64::from(to)));
        m.insert("description".into(), vs(desc.as_deref()));
        m.insert(
            "cidr_blocks".into(),
            pick(&|s| {
                if let Source::V4(c) = s {
                    Some(c.clone())
                } else {
                    None
                }
            }),
        );
        m.insert(
            "ipv6_cidr_blocks".into(),
            pick(&|s| {
                if let Source::V6(c) = s {
                    Some(c.clone())
                } else {
                    None
                }
            }),
        );
        m.insert(
            "prefix_list_ids".into(),
            pick(&|s| {
                if let Source::PrefixList(c) = s {
                    Some(c.clone())
                } else {
                    None
                }
            }),
        );
        m.insert(
            "security_groups".into(),
            if groups_v.is_empty() {
                Value::Null
            } else {
                vset(groups_v)
            },
        );
        m.insert(
            "self".into(),
            Value::Bool(sources.contains(&Source::Group(own.to_string()))),
        );
        out.push(Value::Map(m));
    }
    out
}

/// Atoms of all blocks named `name`.
pub(super) fn config_atoms(v: &Value, name: &str, own: &str) -> RuleSet {
    get_blocks(v, name)
        .into_iter()
        .flat_map(|b| block_atoms(b, own))
        .collect()
}

/// Revokes, authorizes and re-describes rules of one direction to go from `current` to
/// `desired`.
pub(super) async fn apply_rules(
    p: &AwsProvider,
    group: &str,
    egress: bool,
    current: &RuleSet,
    desired: &RuleSet,
) -> Result<(), ProviderError> {
    let ec2 = p.ec2();
    let revoke = permissions(current.iter().filter(|(k, _)| !desired.contains_key(*k)));
    let add = permissions(desired.iter().filter(|(k, _)| !current.contains_key(*k)));
    let describe = permissions(
        desired
            .iter()
            .filter(|(k, d)| current.get(*k).is_some_and(|c| c != *d)),
    );
    if !revoke.is_empty() {
        let r = if egress {
            ec2.revoke_security_group_egress()
                .group_id(group)
                .set_ip_permissions(Some(revoke))
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        } else {
            ec2.revoke_security_group_ingress()
                .group_id(group)
                .set_ip_permissions(Some(revoke))
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        };
        ignore_codes(r, &["InvalidPermission.NotFound"])?;
    }
    if !add.is_empty() {
        authorize(p, group, egress, add, None).await?;
    }
    if !describe.is_empty() {
        if egress {
            ec2.update_security_group_rule_descriptions_egress()
                .group_id(group)
                .set_ip_permissions(Some(describe))
                .send()
                .await
                .map_err(sdk)?;
        } else {
            ec2.update_security_group_rule_descriptions_ingress()
                .group_id(group)
                .set_ip_permissions(Some(describe))
                .send()
                .await
                .map_err(sdk)?;
        }
    }
    Ok(())
}

/// Authorizes ingress or egress permissions; returns the rules made.
pub(super) async fn authorize(
    p: &AwsProvider,
    group: &str,
    egress: bool,
    perms: Vec<IpPermission>,
    tags: Option<Vec<aws_sdk_ec2::types::TagSpecification>>,
) -> Result<Vec<SecurityGroupRule>, ProviderError> {
    let ec2 = p.ec2();
    retry_codes(PROPAGATION, &["InvalidGroup.NotFound"], || async {
        if egress {
            let out = ec2
                .authorize_security_group_egress()
                .group_id(group)
                .set_ip_permissions(Some(perms.clone()))
                .set_tag_specifications(tags.clone())
                .send()
                .await
                .map_err(sdk)?;
            Ok(out.security_group_rules().to_vec())
        } else {
            let out = ec2
                .authorize_security_group_ingress()
                .group_id(group)
                .set_ip_permissions(Some(perms.clone()))
                .set_tag_specifications(tags.clone())
                .send()
                .await
                .map_err(sdk)?;
            Ok(out.security_group_rules().to_vec())
        }
    })
    .await
}

/// All rules of the given groups: one DescribeSecurityGroupRules call per 200 groups (per
/// 1000 rules when a page holds more).
pub(super) async fn describe_rules(
    p: &AwsProvider,
    groups: &[String],
) -> Result<Vec<SecurityGroupRule>, ProviderError> {
    let ec2 = p.ec2();
    by_filter_pages(groups, |page| async move {
        all_items!(ec2
            .describe_security_group_rules()
            .filters(filter("group-id", page))
            .max_results(1000))
    })
    .await
}

pub(super) fn is_egress(t: &str, v: &Value) -> bool {
    t == "aws_vpc_security_group_egress_rule" || get_str(v, "type").as_deref() == Some("egress")
}

#[cfg(test)]
mod tests {
    use super::*;
    fn block(proto: &str, from: f64, to: f64, cidrs: &[&str], desc: Option<&str>) -> Value {
        Value::map([
            ("protocol", Value::from(proto)),
            ("from_port", Value::Number(from)),
            ("to_port", Value::Number(to)),
            ("cidr_blocks", vlist(cidrs.iter())),
            ("ipv6_cidr_blocks", Value::Null),
            ("prefix_list_ids", Value::Null),
            ("security_groups", Value::Null),
            ("self", Value::Bool(false)),
            ("description", vs(desc)),
        ])
    }

    #[test]
    fn protocols_are_canonical() {
        assert_eq!(canon_proto("ALL"), "-1");
        assert_eq!(canon_proto("6"), "tcp");
        assert_eq!(canon_proto("50"), "50");
        assert_eq!(
            key("-1", None, None, Source::V4("x".into())),
            key("all", Some(0), Some(0), Source::V4("x".into()))
        );
    }

    #[test]
    fn blocks_round_trip_through_permissions() {
        let b = block(
            "tcp",
            22.0,
            22.0,
            &["10.0.0.0/8", "192.168.0.0/16"],
            Some("ssh"),
        );
        let atoms: RuleSet = block_atoms(&b, "sg-1").into_iter().collect();
        assert_eq!(atoms.len(), 2);
        let perms = permissions(&atoms);
        assert_eq!(perms.len(), 1);
        assert_eq!(perms[0].ip_ranges().len(), 2);
        assert_eq!(permission_atoms(&perms), atoms);
        // The prior block comes back as written.
        assert_eq!(blocks_for(&atoms, &[&b], "sg-1"), vec![b.clone()]);
        // One source gone: the block keeps the other.
        let mut fewer = atoms.clone();
        fewer.pop_first();
        let got = blocks_for(&fewer, &[&b], "sg-1");
        assert_eq!(
            got[0]
                .get_attr("cidr_blocks")
                .unwrap()
                .as_list()
                .unwrap()
                .len(),
            1
        );
        // Unknown rules become new blocks.
        let got = blocks_for(&atoms, &[], "sg-1");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].get_attr("description"), Some(&Value::from("ssh")));
    }

    #[test]
    fn self_and_groups() {
        let b = Value::map([
            ("protocol", Value::from("-1")),
            ("from_port", Value::Number(0.0)),
            ("to_port", Value::Number(0.0)),
            ("self", Value::Bool(true)),
            ("security_groups", vset(["sg-2"])),
        ]);
        let atoms: RuleSet = block_atoms(&b, "sg-1").into_iter().collect();
        assert!(atoms
            .keys()
            .any(|k| k.source == Source::Group("sg-1".into())));
        let got = blocks_for(&atoms, &[], "sg-1");
        assert_eq!(got[0].get_attr("self"), Some(&Value::Bool(true)));
        assert_eq!(got[0].get_attr("security_groups"), Some(&vset(["sg-2"])));
        let perms = permissions(&atoms);
        assert_eq!(perms[0].from_port(), None);
    }
}
