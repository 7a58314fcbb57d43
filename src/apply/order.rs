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

/// One schedulable step: a resource and the part of its change, or a migration block's
/// stage (by its address, e.g. `module.database.migration.schema`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Node {
    Resource(ResourceInstanceAddr, Phase),
    Migration(String),
}

impl Node {
    /// The address events and results are reported under.
    pub(super) fn label(&self) -> String {
        match self {
            Node::Resource(a, _) => a.to_string(),
            Node::Migration(m) => m.clone(),
        }
    }
}

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
    migrations: &BTreeSet<String>,
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
            waits.entry(Node::Resource(a.clone(), first)).or_default();
            waits
                .entry(Node::Resource(a.clone(), second))
                .or_default()
                .insert(Node::Resource(a.clone(), first));
        } else {
            waits
                .entry(Node::Resource(a.clone(), Phase::All))
                .or_default();
        }
        if c.action == Action::Delete {
            continue;
        }
        let me = Node::Resource(a.clone(), create_side(c));
        let (w, direct) = reached(graph, &NodeAddr::Resource(a.clone()), &changed, migrations);
        waits.entry(me).or_default().extend(w);
        recorded.insert(a, direct);
    }
    // An imported object that stays as it is records its dependencies too.
    for c in plan.changes.iter().filter(|c| c.importing.is_some()) {
        if !recorded.contains_key(&c.addr) && c.action == Action::NoOp {
            let from = NodeAddr::Resource(c.addr.clone());
            recorded.insert(
                c.addr.clone(),
                reached(graph, &from, &changed, migrations).1,
            );
        }
    }
    // A migration stage runs once everything it references (its database first) is done.
    for m in migrations {
        let Some(node) = migration_node(graph, m) else {
            continue;
        };
        let (w, _) = reached(graph, &node, &changed, migrations);
        waits
            .entry(Node::Migration(m.clone()))
            .or_default()
            .extend(w);
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
            let dep_destroy = Node::Resource(dep.clone(), destroy_side(dc));
            if rc.action == Action::Delete || rc.action.is_replace() {
                waits
                    .entry(dep_destroy.clone())
                    .or_default()
                    .insert(Node::Resource(r.address.clone(), destroy_side(rc)));
            }
            if rc.action != Action::Delete
                && matches!(dc.action, Action::Delete | Action::CreateThenDelete)
            {
                waits
                    .entry(dep_destroy)
                    .or_default()
                    .insert(Node::Resource(r.address.clone(), create_side(rc)));
            }
        }
    }
    (waits, recorded)
}

/// The graph node of the migration block whose address is `m`.
fn migration_node(graph: &DepGraph, m: &str) -> Option<NodeAddr> {
    graph
        .index
        .keys()
        .find(|n| matches!(n, NodeAddr::Migration { .. }) && n.to_string() == m)
        .cloned()
}

/// What `from` waits for, and the resources it records as dependencies. Walks its
/// references: a changed resource (not being deleted) is waited for at its create step and
/// ends the path; a migration that runs is waited for; everything else is passed through.
/// The recorded dependencies are the resources first reached on each path.
fn reached(
    graph: &DepGraph,
    from: &NodeAddr,
    changed: &BTreeMap<&ResourceInstanceAddr, &ResourceChange>,
    migrations: &BTreeSet<String>,
) -> (BTreeSet<Node>, BTreeSet<ResourceInstanceAddr>) {
    let mut waits = BTreeSet::new();
    let mut recorded = BTreeSet::new();
    let mut stack: Vec<(NodeAddr, bool)> = graph
        .dependencies(from)
        .into_iter()
        .map(|n| (n.clone(), true))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((n, direct)) = stack.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        match &n {
            NodeAddr::Resource(r) => {
                if direct {
                    recorded.insert(r.clone());
                }
                if let Some(rc) = changed.get(r) {
                    if rc.action != Action::Delete {
                        waits.insert(Node::Resource(r.clone(), create_side(rc)));
                    }
                    continue;
                }
            }
            NodeAddr::Migration { .. } => {
                let m = n.to_string();
                if migrations.contains(&m) {
                    waits.insert(Node::Migration(m));
                }
            }
            _ => {}
        }
        let direct = direct && !matches!(n, NodeAddr::Resource(_));
        stack.extend(
            graph
                .dependencies(&n)
                .into_iter()
                .map(|m| (m.clone(), direct)),
        );
    }
    (waits, recorded)
}
