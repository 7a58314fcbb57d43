//! Selecting, removing and moving objects in a [`State`]: the pure part of `state list`,
//! `state rm` and `state mv`.

use super::error::StateError;
use super::{ResourceState, State};
use crate::addr::{InstanceKey, ModulePath, ModuleStep, ResourceAddr, ResourceInstanceAddr};
use std::collections::{BTreeMap, BTreeSet};

/// An address written by the user to select objects: a module instance (`module.net`,
/// `module.net["a"]`), a resource (`aws_subnet.public`) or a resource instance
/// (`aws_subnet.public[0]`). A step written without an instance key matches every key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrPattern {
    module: Vec<(String, Option<InstanceKey>)>,
    resource: Option<(ResourceAddr, Option<InstanceKey>)>,
}

fn key_opt(k: &InstanceKey) -> Option<InstanceKey> {
    match k {
        InstanceKey::None => None,
        k => Some(k.clone()),
    }
}

fn key_matches(pattern: &Option<InstanceKey>, key: &InstanceKey) -> bool {
    pattern.as_ref().is_none_or(|p| p == key)
}

impl AddrPattern {
    pub fn parse(s: &str) -> Result<AddrPattern, StateError> {
        let steps = |m: &ModulePath| {
            m.0.iter()
                .map(|s| (s.name.clone(), key_opt(&s.key)))
                .collect()
        };
        match s.parse::<ResourceInstanceAddr>() {
            Ok(a) => Ok(AddrPattern {
                module: steps(&a.module),
                resource: Some((a.resource, key_opt(&a.key))),
            }),
            Err(e) => match s.parse::<ModulePath>() {
                Ok(m) if !m.is_root() => Ok(AddrPattern {
                    module: steps(&m),
                    resource: None,
                }),
                _ => Err(StateError::InvalidAddress {
                    address: s.to_string(),
                    reason: e.reason,
                }),
            },
        }
    }

    /// True when `a` is selected.
    pub fn matches(&self, a: &ResourceInstanceAddr) -> bool {
        let steps = &a.module.0;
        match &self.resource {
            Some((r, key)) => {
                steps.len() == self.module.len()
                    && self.module_prefix_matches(steps)
                    && a.resource == *r
                    && key_matches(key, &a.key)
            }
            None => steps.len() >= self.module.len() && self.module_prefix_matches(steps),
        }
    }

    fn module_prefix_matches(&self, steps: &[ModuleStep]) -> bool {
        self.module
            .iter()
            .zip(steps)
            .all(|((name, key), s)| *name == s.name && key_matches(key, &s.key))
    }
}

/// The addresses selected by any of `patterns` (all when empty), optionally only those whose
/// cloud id is `id`, in state order.
pub fn select_objects<'a>(
    state: &'a State,
    patterns: &[AddrPattern],
    id: Option<&str>,
) -> Vec<&'a ResourceState> {
    state
        .resources
        .iter()
        .filter(|r| patterns.is_empty() || patterns.iter().any(|p| p.matches(&r.address)))
        .filter(|r| {
            id.is_none_or(|id| {
                r.provider_id.as_deref() == Some(id)
                    || r.attributes.get("id").and_then(|v| v.as_str()) == Some(id)
            })
        })
        .collect()
}

/// Removes every object selected by `addresses`; fails (changing nothing) when one of them
/// selects nothing.
pub fn remove_matching(
    state: &mut State,
    addresses: &[String],
) -> Result<Vec<ResourceInstanceAddr>, StateError> {
    let mut chosen = BTreeSet::new();
    for a in addresses {
        let p = AddrPattern::parse(a)?;
        let hits = select_objects(state, std::slice::from_ref(&p), None);
        if hits.is_empty() {
            return Err(StateError::NotFound { address: a.clone() });
        }
        chosen.extend(hits.into_iter().map(|r| r.address.clone()));
    }
    for a in &chosen {
        state.remove(a);
    }
    Ok(chosen.into_iter().collect())
}

/// The resource part of an instance address, as dependencies may record it.
fn resource_string(a: &ResourceInstanceAddr) -> String {
    ResourceInstanceAddr {
        key: InstanceKey::None,
        ..a.clone()
    }
    .to_string()
}

/// Moves objects from `from` to `to`:
/// - a resource instance to another (`aws_instance.a[0]` → `aws_instance.b[3]`);
/// - every instance of a resource to another resource, keeping keys (`aws_instance.a` →
///   `module.x.aws_instance.a`);
/// - every object in a module instance (or, written without a key, in every instance of a
///   module call) to another module path (`module.a` → `module.b`).
///
/// Refuses when a destination already exists or the resource types differ. Returns the
/// (old, new) addresses, and rewrites recorded dependencies that name a moved address.
pub fn move_objects(
    state: &mut State,
    from: &str,
    to: &str,
) -> Result<Vec<(ResourceInstanceAddr, ResourceInstanceAddr)>, StateError> {
    let invalid = |reason: &str| StateError::InvalidMove {
        from: from.to_string(),
        to: to.to_string(),
        reason: reason.to_string(),
    };
    let moves: Vec<(ResourceInstanceAddr, ResourceInstanceAddr)> = if let Ok(f) =
        from.parse::<ResourceInstanceAddr>()
    {
        let t: ResourceInstanceAddr = to.parse().map_err(|_| {
                invalid("the destination of a resource must be a resource address, such as module.x.aws_instance.web")
            })?;
        if f.resource.mode != t.resource.mode {
            return Err(invalid(
                "a managed resource and a data source cannot be swapped",
            ));
        }
        if f.resource.type_name != t.resource.type_name {
            return Err(invalid(&format!(
                "the resource types differ ({} and {})",
                f.resource.type_name, t.resource.type_name
            )));
        }
        if state.get(&f).is_some() {
            vec![(f, t)]
        } else if f.key == InstanceKey::None {
            let all: Vec<ResourceInstanceAddr> = state
                .resources
                .iter()
                .filter(|r| r.address.module == f.module && r.address.resource == f.resource)
                .map(|r| r.address.clone())
                .collect();
            if all.is_empty() {
                return Err(StateError::NotFound {
                    address: from.to_string(),
                });
            }
            if t.key != InstanceKey::None {
                return Err(invalid(
                        "moving every instance of a resource needs a destination without an instance key",
                    ));
            }
            all.into_iter()
                .map(|a| {
                    let n = ResourceInstanceAddr {
                        module: t.module.clone(),
                        resource: t.resource.clone(),
                        key: a.key.clone(),
                    };
                    (a, n)
                })
                .collect()
        } else {
            return Err(StateError::NotFound {
                address: from.to_string(),
            });
        }
    } else {
        let m: ModulePath =
            from.parse().map_err(
                |e: crate::addr::AddrParseError| StateError::InvalidAddress {
                    address: from.to_string(),
                    reason: e.reason,
                },
            )?;
        if m.is_root() {
            return Err(invalid("the root module cannot be moved"));
        }
        let n: ModulePath = match to.parse() {
            Ok(n) if !ModulePath::is_root(&n) => n,
            _ => {
                return Err(invalid(
                    "the destination of a module must be a module address, such as module.y",
                ))
            }
        };
        let exact: Vec<ResourceInstanceAddr> = state
            .resources
            .iter()
            .filter(|r| r.address.module.starts_with(&m))
            .map(|r| r.address.clone())
            .collect();
        let len = m.0.len();
        if !exact.is_empty() {
            exact
                .into_iter()
                .map(|a| {
                    let mut steps = n.0.clone();
                    steps.extend_from_slice(&a.module.0[len..]);
                    let new = ResourceInstanceAddr {
                        module: ModulePath(steps),
                        ..a.clone()
                    };
                    (a, new)
                })
                .collect()
        } else if m.0[len - 1].key == InstanceKey::None {
            let last = &m.0[len - 1];
            let all: Vec<ResourceInstanceAddr> = state
                .resources
                .iter()
                .filter(|r| {
                    let s = &r.address.module.0;
                    s.len() >= len && s[..len - 1] == m.0[..len - 1] && s[len - 1].name == last.name
                })
                .map(|r| r.address.clone())
                .collect();
            if all.is_empty() {
                return Err(StateError::NotFound {
                    address: from.to_string(),
                });
            }
            if n.0.last().is_some_and(|s| s.key != InstanceKey::None) {
                return Err(invalid(
                        "moving every instance of a module call needs a destination without an instance key",
                    ));
            }
            all.into_iter()
                .map(|a| {
                    let mut steps = n.0.clone();
                    if let Some(l) = steps.last_mut() {
                        l.key = a.module.0[len - 1].key.clone();
                    }
                    steps.extend_from_slice(&a.module.0[len..]);
                    let new = ResourceInstanceAddr {
                        module: ModulePath(steps),
                        ..a.clone()
                    };
                    (a, new)
                })
                .collect()
        } else {
            return Err(StateError::NotFound {
                address: from.to_string(),
            });
        }
    };

    if moves.iter().all(|(a, b)| a == b) {
        return Err(invalid("the source and destination are the same"));
    }
    let sources: BTreeSet<&ResourceInstanceAddr> = moves.iter().map(|(a, _)| a).collect();
    for (_, new) in &moves {
        if state.get(new).is_some() && !sources.contains(new) {
            return Err(StateError::AlreadyExists {
                address: new.to_string(),
            });
        }
    }

    // Dependency strings to rewrite: instances, and resources whose instances all moved.
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for (old, new) in &moves {
        renames.insert(old.to_string(), new.to_string());
    }
    let mut taken = Vec::new();
    for (old, new) in &moves {
        if let Some(r) = state.remove(old) {
            taken.push((r, new.clone()));
        }
    }
    for (old, new) in &moves {
        let (ro, rn) = (resource_string(old), resource_string(new));
        let rest = state
            .resources
            .iter()
            .any(|r| r.address.module == old.module && r.address.resource == old.resource);
        if !rest {
            renames.entry(ro).or_insert(rn);
        }
    }
    for (mut r, new) in taken {
        r.address = new;
        state.upsert(r);
    }
    for r in &mut state.resources {
        for d in &mut r.dependencies {
            if let Some(n) = renames.get(d.as_str()) {
                *d = n.clone();
            }
        }
    }
    Ok(moves)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(addr: &str) -> ResourceState {
        let address: ResourceInstanceAddr = addr.parse().unwrap();
        ResourceState {
            mode: "managed".into(),
            type_name: address.resource.type_name.clone(),
            address,
            provider_id: Some(format!("id-{addr}")),
            attributes: serde_json::json!({ "id": format!("id-{addr}") }),
            sensitive_attributes: vec![],
            dependencies: vec![],
            create_before_destroy: false,
            tainted: false,
        }
    }

    fn state(addrs: &[&str]) -> State {
        let mut s = State::new();
        for a in addrs {
            s.upsert(res(a));
        }
        s
    }

    fn addrs(s: &State) -> Vec<String> {
        s.resources.iter().map(|r| r.address.to_string()).collect()
    }

    fn list(s: &State, pats: &[&str]) -> Vec<String> {
        let pats: Vec<AddrPattern> = pats
            .iter()
            .map(|p| AddrPattern::parse(p).unwrap())
            .collect();
        select_objects(s, &pats, None)
            .iter()
            .map(|r| r.address.to_string())
            .collect()
    }

    const ALL: &[&str] = &[
        "aws_vpc.main",
        "aws_subnet.public[0]",
        "aws_subnet.public[1]",
        "aws_subnet.public[10]",
        "data.aws_ami.ubuntu",
        "module.net[\"a\"].aws_subnet.x",
        "module.net[\"b\"].aws_subnet.x",
        "module.net[\"b\"].module.inner.aws_route.r",
    ];

    #[test]
    fn patterns_select_by_module_resource_and_key() {
        let s = state(ALL);
        assert_eq!(list(&s, &[]).len(), ALL.len());
        assert_eq!(
            list(&s, &["aws_subnet.public"]),
            [
                "aws_subnet.public[0]",
                "aws_subnet.public[1]",
                "aws_subnet.public[10]"
            ]
        );
        assert_eq!(
            list(&s, &["aws_subnet.public[1]"]),
            ["aws_subnet.public[1]"]
        );
        assert_eq!(list(&s, &["module.net"]).len(), 3);
        assert_eq!(
            list(&s, &["module.net[\"b\"]"]),
            [
                "module.net[\"b\"].aws_subnet.x",
                "module.net[\"b\"].module.inner.aws_route.r"
            ]
        );
        assert_eq!(list(&s, &["module.net.aws_subnet.x"]).len(), 2);
        assert_eq!(list(&s, &["data.aws_ami.ubuntu", "aws_vpc.main"]).len(), 2);
        assert!(list(&s, &["aws_vpc.other"]).is_empty());
        let only = select_objects(&s, &[], Some("id-aws_vpc.main"));
        assert_eq!(only.len(), 1);
        assert!(matches!(
            AddrPattern::parse("aws_vpc"),
            Err(StateError::InvalidAddress { .. })
        ));
    }

    #[test]
    fn remove_is_all_or_nothing() {
        let mut s = state(ALL);
        let before = s.clone();
        assert!(matches!(
            remove_matching(&mut s, &["aws_vpc.main".into(), "aws_vpc.nope".into()]),
            Err(StateError::NotFound { address }) if address == "aws_vpc.nope"
        ));
        assert_eq!(s, before);
        let gone = remove_matching(
            &mut s,
            &["module.net".into(), "aws_subnet.public[0]".into()],
        )
        .unwrap();
        assert_eq!(gone.len(), 4);
        assert_eq!(addrs(&s).len(), ALL.len() - 4);
    }

    #[test]
    fn moves_instances_resources_and_modules() {
        let mut s = state(ALL);
        s.resources[0].dependencies = vec!["aws_vpc.main".into()];
        let m = move_objects(&mut s, "aws_vpc.main", "aws_vpc.core").unwrap();
        assert_eq!(m.len(), 1);
        assert!(addrs(&s).contains(&"aws_vpc.core".to_string()));
        assert!(s
            .resources
            .iter()
            .all(|r| !r.dependencies.contains(&"aws_vpc.main".to_string())));
        assert!(s
            .resources
            .iter()
            .any(|r| r.dependencies.contains(&"aws_vpc.core".to_string())));

        let m = move_objects(&mut s, "aws_subnet.public", "module.net2.aws_subnet.public").unwrap();
        assert_eq!(m.len(), 3);
        assert!(addrs(&s).contains(&"module.net2.aws_subnet.public[10]".to_string()));

        move_objects(&mut s, "module.net[\"a\"]", "module.edge").unwrap();
        assert!(addrs(&s).contains(&"module.edge.aws_subnet.x".to_string()));

        let m = move_objects(&mut s, "module.net", "module.core").unwrap();
        assert_eq!(
            m.iter().map(|(_, n)| n.to_string()).collect::<Vec<_>>(),
            [
                "module.core[\"b\"].aws_subnet.x",
                "module.core[\"b\"].module.inner.aws_route.r"
            ]
        );
        move_objects(
            &mut s,
            "module.net2.aws_subnet.public[0]",
            "module.net2.aws_subnet.public[5]",
        )
        .unwrap();
        assert!(addrs(&s).contains(&"module.net2.aws_subnet.public[5]".to_string()));
    }

    #[test]
    fn moves_refuse_collisions_and_mismatches() {
        let mut s = state(ALL);
        let before = s.clone();
        assert!(matches!(
            move_objects(&mut s, "aws_subnet.public[0]", "aws_subnet.public[1]"),
            Err(StateError::AlreadyExists { address }) if address == "aws_subnet.public[1]"
        ));
        assert!(matches!(
            move_objects(&mut s, "module.net[\"a\"]", "module.net[\"b\"]"),
            Err(StateError::AlreadyExists { .. })
        ));
        assert!(matches!(
            move_objects(&mut s, "aws_vpc.main", "aws_subnet.main"),
            Err(StateError::InvalidMove { .. })
        ));
        assert!(matches!(
            move_objects(&mut s, "aws_vpc.gone", "aws_vpc.main2"),
            Err(StateError::NotFound { .. })
        ));
        assert!(matches!(
            move_objects(&mut s, "aws_vpc.main", "aws_vpc.main"),
            Err(StateError::InvalidMove { .. })
        ));
        assert!(matches!(
            move_objects(&mut s, "aws_subnet.public", "aws_subnet.p[0]"),
            Err(StateError::InvalidMove { .. })
        ));
        assert!(matches!(
            move_objects(&mut s, "module.net", "aws_vpc.x"),
            Err(StateError::InvalidMove { .. })
        ));
        assert_eq!(s, before);
    }
}
