//! The order of an apply: which steps wait for which, and what each resource records as
//! its dependencies in state.
//!
//! Invariants:
//! - a create or update waits for the create (or update) of every changed resource it
//!   references, directly or through locals, variables, outputs, modules and unchanged
//!   resources;
//! - a replacement is two steps, destroy and create, in the order of its lifecycle
//!   (`create_before_destroy` creates first), so that replacing an object and what depends
//!   on it orders as: destroy dependents, destroy it, create it, create dependents;
//! - destroying an object waits for the destroys of everything state says depended on it
//!   (and, for a plain delete or a create-before-destroy replacement, for their new
//!   versions too);
//! - the recorded dependencies are every resource reached first on each reference path,
//!   changed or not.

use crate::addr::{NodeAddr, ResourceInstanceAddr};
use crate::graph::DepGraph;
use crate::plan::{Action, Plan, ResourceChange};
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which part of a change a node runs: all of it, or one half of a replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Phase {
    All,
    Destroy,
    Create,
}

/// One schedulable step: an address and the part of its change.
pub(super) type Node = (ResourceInstanceAddr, Phase);

pub(super) fn create_side(c: &ResourceChange) -> Phase {
    if c.action.is_replace() {
        Phase::Create
    } else {
        Phase::All
    }
}

pub(super) fn destroy_side(c: &ResourceChange) -> Phase {
    if c.action.is_replace() {
        Phase::Destroy
    } else {
        Phase::All
    }
}

/// The nodes each node waits for, and the dependencies to record in state per address.
/// A replacement is two nodes, so that replacing an object and what depends on it orders
/// as: destroy dependents, destroy it, create it, create dependents.
#[allow(clippy::type_complexity)]
pub(super) fn dependencies(
    plan: &Plan,
    graph: &DepGraph,
    state: &State,
) -> (
    HashMap<Node, BTreeSet<Node>>,
    HashMap<ResourceInstanceAddr, BTreeSet<ResourceInstanceAddr>>,
) {
    let changed: BTreeMap<&ResourceInstanceAddr, &ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (&c.addr, c))
        .collect();
    let mut waits: HashMap<Node, BTreeSet<Node>> = HashMap::new();
    let mut recorded: HashMap<ResourceInstanceAddr, BTreeSet<ResourceInstanceAddr>> =
        HashMap::new();
    for (addr, c) in &changed {
        let a = (*addr).clone();
        if c.action.is_replace() {
            let (first, second) = if c.action == Action::DeleteThenCreate {
                (Phase::Destroy, Phase::Create)
            } else {
                (Phase::Create, Phase::Destroy)
            };
            waits.entry((a.clone(), first)).or_default();
            waits
                .entry((a.clone(), second))
                .or_default()
                .insert((a.clone(), first));
        } else {
            waits.entry((a.clone(), Phase::All)).or_default();
        }
        if c.action == Action::Delete {
            continue;
        }
        let me = (a.clone(), create_side(c));
        let mut stack: Vec<(NodeAddr, bool)> = graph
            .dependencies(&NodeAddr::Resource(a.clone()))
            .into_iter()
            .map(|n| (n.clone(), true))
            .collect();
        let mut seen = BTreeSet::new();
        while let Some((n, direct)) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if let NodeAddr::Resource(r) = &n {
                if direct {
                    recorded.entry(a.clone()).or_default().insert(r.clone());
                }
                if let Some(rc) = changed.get(r) {
                    if rc.action != Action::Delete {
                        waits
                            .entry(me.clone())
                            .or_default()
                            .insert((r.clone(), create_side(rc)));
                    }
                    continue;
                }
            }
            let direct = direct && !matches!(n, NodeAddr::Resource(_));
            stack.extend(
                graph
                    .dependencies(&n)
                    .into_iter()
                    .map(|m| (m.clone(), direct)),
            );
        }
    }
    // Destroying an object waits for the destroys of what depended on it, and (for a plain
    // delete or a create-before-destroy replacement) for their new versions too.
    for r in &state.resources {
        let Some(rc) = changed.get(&r.address) else {
            continue;
        };
        for d in &r.dependencies {
            let Ok(dep) = d.parse::<ResourceInstanceAddr>() else {
                continue;
            };
            let Some(dc) = changed.get(&dep) else {
                continue;
            };
            if !(dc.action == Action::Delete || dc.action.is_replace()) {
                continue;
            }
            let dep_destroy = (dep.clone(), destroy_side(dc));
            if rc.action == Action::Delete || rc.action.is_replace() {
                waits
                    .entry(dep_destroy.clone())
                    .or_default()
                    .insert((r.address.clone(), destroy_side(rc)));
            }
            if rc.action != Action::Delete
                && matches!(dc.action, Action::Delete | Action::CreateThenDelete)
            {
                waits
                    .entry(dep_destroy)
                    .or_default()
                    .insert((r.address.clone(), create_side(rc)));
            }
        }
    }
    (waits, recorded)
}
