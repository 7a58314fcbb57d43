//! Security groups and rules: `aws_security_group` (inline `ingress` / `egress` blocks),
//! `aws_vpc_security_group_ingress_rule`, `aws_vpc_security_group_egress_rule`,
//! `aws_security_group_rule`.
//!
//! Rules are compared as atoms: one (protocol, port range, source) each, the form
//! DescribeSecurityGroupRules uses; blocks and IpPermissions are built from and split into
//! atoms.

use super::common::*;
use super::provider::AwsProvider;
use super::vpc::{changed, update_base};
use crate::eval::Value;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroup, SecurityGroupRule,
    SecurityGroupRuleRequest, SecurityGroupRuleUpdate, UserIdGroupPair,
};
use std::collections::BTreeMap;

macro_rules! all_items {
    ($req:expr) => {
        $req.into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(sdk)
    };
}

// ----------------------------------------------------------------------------------------------
// Rule atoms.

/// Where a rule lets traffic come from (ingress) or go to (egress).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    V4(String),
    V6(String),
    PrefixList(String),
    Group(String),
}

/// One rule without its description.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RuleKey {
    proto: String,
    from: i32,
    to: i32,
    source: Source,
}

/// Rules of one direction: key to description.
type RuleSet = BTreeMap<RuleKey, Option<String>>;

/// The protocol as EC2 reports it: names for tcp, udp, icmp and icmpv6, `-1` for all.
fn canon_proto(p: &str) -> String {
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
fn has_ports(proto: &str) -> bool {
    matches!(proto, "tcp" | "udp" | "icmp" | "icmpv6")
}

fn key(proto: &str, from: Option<i32>, to: Option<i32>, source: Source) -> RuleKey {
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
fn proto_of(v: &Value, k: &str) -> String {
    match get(v, k) {
        Some(Value::Number(n)) => crate::eval::format_number(*n),
        Some(x) => x.as_str().unwrap_or("-1").to_string(),
        None => "-1".to_string(),
    }
}

/// The atoms of an `ingress` / `egress` block or an `aws_security_group_rule` (`self` means
/// `own`; `source_security_group_id` is a group source).
fn block_atoms(b: &Value, own: &str) -> Vec<(RuleKey, Option<String>)> {
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

fn permission_atoms(perms: &[IpPermission]) -> RuleSet {
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

fn rule_atom(r: &SecurityGroupRule) -> Option<(RuleKey, Option<String>)> {
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
fn permissions<'a>(
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
fn blocks_for(actual: &RuleSet, prior_blocks: &[&Value], own: &str) -> Vec<Value> {
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
fn config_atoms(v: &Value, name: &str, own: &str) -> RuleSet {
    get_blocks(v, name)
        .into_iter()
        .flat_map(|b| block_atoms(b, own))
        .collect()
}

/// Revokes, authorizes and re-describes rules of one direction to go from `current` to
/// `desired`.
async fn apply_rules(
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

/// How long a group created a moment ago may stay invisible (`InvalidGroup.NotFound`).
const PROPAGATION: std::time::Duration = std::time::Duration::from_secs(120);

/// Authorizes ingress or egress permissions; returns the rules made.
async fn authorize(
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

// ----------------------------------------------------------------------------------------------
// Dispatch.

pub(crate) async fn create(
    p: &AwsProvider,
    t: &str,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    match t {
        "aws_security_group" => create_group(p, req).await,
        "aws_security_group_rule" => create_legacy_rule(p, req).await,
        _ => create_vpc_rule(p, t, req).await,
    }
}

pub(crate) async fn update(
    p: &AwsProvider,
    t: &str,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    match t {
        "aws_security_group" => update_group(p, req).await,
        "aws_security_group_rule" => update_legacy_rule(p, req).await,
        _ => update_vpc_rule(p, t, req).await,
    }
}

pub(crate) async fn delete(
    p: &AwsProvider,
    t: &str,
    req: &DeleteRequest<'_>,
) -> Result<(), ProviderError> {
    match t {
        "aws_security_group" => delete_group(p, req).await,
        "aws_security_group_rule" => delete_legacy_rule(p, req).await,
        _ => delete_vpc_rule(p, t, req).await,
    }
}

pub(crate) async fn read(
    p: &AwsProvider,
    t: &str,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    match t {
        "aws_security_group" => read_groups(p, priors).await,
        "aws_security_group_rule" => read_legacy_rules(p, priors).await,
        _ => read_vpc_rules(p, t, priors).await,
    }
}

// ----------------------------------------------------------------------------------------------
// aws_security_group

/// Security groups by id: ceil(N/1000) DescribeSecurityGroups calls; the rules come with them.
async fn describe_groups(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<SecurityGroup>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        ids,
        IDS_PER_CALL,
        |page| async move { all_items!(ec2.describe_security_groups().set_group_ids(Some(page))) },
        |page| async move {
            all_items!(ec2
                .describe_security_groups()
                .filters(filter("group-id", page)))
        },
    )
    .await
}

fn group_attrs(p: &AwsProvider, m: &mut Obj, g: &SecurityGroup) {
    let id = g.group_id().unwrap_or_default();
    m.insert("id".into(), Value::from(id));
    let arn = g.security_group_arn().map_or_else(
        || {
            p.arn(
                g.owner_id().unwrap_or_default(),
                &format!("security-group/{id}"),
            )
        },
        str::to_string,
    );
    m.insert("arn".into(), Value::from(arn));
    m.insert("owner_id".into(), vs(g.owner_id()));
    m.insert("vpc_id".into(), vs(g.vpc_id()));
    m.insert("name".into(), vs(g.group_name()));
    if g.description().is_some() {
        m.insert("description".into(), vs(g.description()));
    }
}

async fn create_group(p: &AwsProvider, req: &CreateRequest<'_>) -> Result<Value, ProviderError> {
    let c = req.config;
    let name = get_str(c, "name").unwrap_or_else(|| {
        let prefix = get_str(c, "name_prefix").unwrap_or_else(|| "terraform-".to_string());
        unique_name(&prefix, req.client_token)
    });
    let out = p
        .ec2()
        .create_security_group()
        .group_name(&name)
        .description(
            get_str(c, "description").unwrap_or_else(|| "Managed by Terraform".to_string()),
        )
        .set_vpc_id(get_str(c, "vpc_id"))
        .set_tag_specifications(tag_spec(ResourceType::SecurityGroup, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let id = out.group_id().unwrap_or_default().to_string();
    let g = poll(req.timeout, &format!("security group {id}"), || async {
        Ok(describe_groups(p, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .next())
    })
    .await?;
    // A new group allows all egress; that rule stays only when an egress block declares it.
    apply_rules(
        p,
        &id,
        false,
        &permission_atoms(g.ip_permissions()),
        &config_atoms(c, "ingress", &id),
    )
    .await?;
    apply_rules(
        p,
        &id,
        true,
        &permission_atoms(g.ip_permissions_egress()),
        &config_atoms(c, "egress", &id),
    )
    .await?;
    let mut m = start(c);
    group_attrs(p, &mut m, &g);
    if get(c, "name_prefix").is_none() {
        m.insert("name_prefix".into(), Value::Null);
    }
    let all = if g.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(g.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_security_group", m))
}

/// Gives a group an interrupted create left behind the rules `create_group` would have
/// left: exactly the configured ones.
pub(crate) async fn prepare_adoption(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
    id: &str,
) -> Result<(), ProviderError> {
    let Some(g) = describe_groups(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let c = req.config;
    apply_rules(
        p,
        id,
        false,
        &permission_atoms(g.ip_permissions()),
        &config_atoms(c, "ingress", id),
    )
    .await?;
    apply_rules(
        p,
        id,
        true,
        &permission_atoms(g.ip_permissions_egress()),
        &config_atoms(c, "egress", id),
    )
    .await
}

async fn update_group(p: &AwsProvider, req: &UpdateRequest<'_>) -> Result<Value, ProviderError> {
    let (c, id) = (req.config, req.id);
    for (name, egress) in [("ingress", false), ("egress", true)] {
        if changed(req, name) {
            apply_rules(
                p,
                id,
                egress,
                &config_atoms(req.prior, name, id),
                &config_atoms(c, name, id),
            )
            .await?;
        }
    }
    sync_tags(p.ec2(), id, &prior_tags(req.prior), req.tags).await?;
    let g = describe_groups(p, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("security group {id}"),
        })?;
    let mut m = update_base(c, req.prior);
    group_attrs(p, &mut m, &g);
    set_tags_created(&mut m, c, &tags_of(g.tags()));
    Ok(finish_resource("aws_security_group", m))
}

async fn delete_group(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let ec2 = p.ec2();
    if get_bool(req.prior, "revoke_rules_on_delete") == Some(true) {
        if let Some(g) = describe_groups(p, &[id.to_string()])
            .await?
            .into_iter()
            .next()
        {
            apply_rules(
                p,
                id,
                false,
                &permission_atoms(g.ip_permissions()),
                &RuleSet::new(),
            )
            .await?;
            apply_rules(
                p,
                id,
                true,
                &permission_atoms(g.ip_permissions_egress()),
                &RuleSet::new(),
            )
            .await?;
        }
    }
    // Instances and ENIs being deleted still hold the group for a while.
    let r = retry_codes(
        req.timeout,
        &["DependencyViolation", "InvalidGroup.InUse"],
        || async {
            ec2.delete_security_group()
                .group_id(id)
                .send()
                .await
                .map(drop)
                .map_err(sdk)
        },
    )
    .await;
    ignore_not_found(r)
}

/// Cost: see [`describe_groups`]. A direction whose prior value has no blocks is not managed
/// by the group (rules may come from rule resources) and reads as empty.
async fn read_groups(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_groups(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &SecurityGroup> = found
        .iter()
        .filter_map(|g| Some((g.group_id()?, g)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(g) = by_id.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        group_attrs(p, &mut m, g);
        for (name, perms) in [
            ("ingress", g.ip_permissions()),
            ("egress", g.ip_permissions_egress()),
        ] {
            let prior_blocks = get_blocks(prior, name);
            let blocks = if prior_blocks.is_empty() {
                Vec::new()
            } else {
                blocks_for(&permission_atoms(perms), &prior_blocks, id)
            };
            m.insert(name.into(), Value::set(blocks));
        }
        set_tags_read(&mut m, prior, &tags_of(g.tags()));
        out.insert(id.clone(), finish_resource("aws_security_group", m));
    }
    Ok(out)
}

// ----------------------------------------------------------------------------------------------
// Rules by group: DescribeSecurityGroupRules.

/// All rules of the given groups: one DescribeSecurityGroupRules call per 200 groups (per
/// 1000 rules when a page holds more).
async fn describe_rules(
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

fn is_egress(t: &str, v: &Value) -> bool {
    t == "aws_vpc_security_group_egress_rule" || get_str(v, "type").as_deref() == Some("egress")
}

// ----------------------------------------------------------------------------------------------
// aws_vpc_security_group_ingress_rule / aws_vpc_security_group_egress_rule

/// The rule's atom from its configuration.
fn vpc_rule_atom(c: &Value) -> Result<(RuleKey, Option<String>), ProviderError> {
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

async fn create_vpc_rule(
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

async fn update_vpc_rule(
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

async fn delete_vpc_rule(
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
async fn read_vpc_rules(
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

// ----------------------------------------------------------------------------------------------
// aws_security_group_rule (id = the first rule id EC2 returns)

fn legacy_atoms(v: &Value) -> RuleSet {
    let group = get_str(v, "security_group_id").unwrap_or_default();
    block_atoms(v, &group).into_iter().collect()
}

async fn create_legacy_rule(
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

async fn update_legacy_rule(
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

async fn delete_legacy_rule(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
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
async fn read_legacy_rules(
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
