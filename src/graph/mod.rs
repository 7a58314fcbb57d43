//! The dependency graph of resource instances, data sources, outputs and migrations.
//!
//! Invariant: a [`DepGraph`] is acyclic; [`build`] reports every cycle as a diagnostic that
//! names each address on it and, for each edge, the attribute whose expression created it.

use crate::addr::NodeAddr;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::{Dep, NodeInfo};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::HashMap;

/// Why one node depends on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Attribute path whose expression made the reference (`vpc_id`, `depends_on`, ...).
    pub via: String,
}

/// A DAG: edges point from a node to what it depends on.
#[derive(Debug, Default)]
pub struct DepGraph {
    pub graph: DiGraph<NodeAddr, Edge>,
    pub index: HashMap<NodeAddr, NodeIndex>,
}

impl DepGraph {
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Direct dependencies of `addr`, sorted.
    pub fn dependencies(&self, addr: &NodeAddr) -> Vec<&NodeAddr> {
        let Some(&i) = self.index.get(addr) else {
            return Vec::new();
        };
        let mut v: Vec<&NodeAddr> = self.graph.neighbors(i).map(|n| &self.graph[n]).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Nodes in an order where every node comes after its dependencies (ties by address).
    pub fn topo_order(&self) -> Vec<&NodeAddr> {
        let mut indeg: Vec<usize> = vec![0; self.graph.node_count()];
        for e in self.graph.edge_references() {
            indeg[e.source().index()] += 1;
        }
        let mut ready: std::collections::BTreeSet<(&NodeAddr, usize)> = self
            .graph
            .node_indices()
            .filter(|i| indeg[i.index()] == 0)
            .map(|i| (&self.graph[i], i.index()))
            .collect();
        let mut out = Vec::with_capacity(indeg.len());
        while let Some(first) = ready.iter().next().cloned() {
            ready.remove(&first);
            out.push(first.0);
            let i = NodeIndex::new(first.1);
            for e in self.graph.edges_directed(i, petgraph::Direction::Incoming) {
                let s = e.source().index();
                indeg[s] -= 1;
                if indeg[s] == 0 {
                    ready.insert((&self.graph[e.source()], s));
                }
            }
        }
        out
    }
}

/// Builds the graph from evaluated nodes. Self-references and cycles become diagnostics and
/// the edges that close them are left out, so the result is always a DAG.
pub fn build(nodes: &[NodeInfo], diags: &mut Diagnostics) -> DepGraph {
    let mut g = DepGraph::default();
    for n in nodes {
        let i = g.graph.add_node(n.addr.clone());
        g.index.insert(n.addr.clone(), i);
    }
    let mut first_dep: HashMap<(NodeIndex, NodeIndex), &Dep> = HashMap::new();
    for n in nodes {
        let from = g.index[&n.addr];
        for d in &n.deps {
            let Some(&to) = g.index.get(&d.to) else {
                continue;
            };
            if first_dep.contains_key(&(from, to)) {
                continue;
            }
            first_dep.insert((from, to), d);
            g.graph.add_edge(from, to, Edge { via: d.via.clone() });
        }
    }
    // Report cycles (strongly connected components with more than one node, or self loops).
    let sccs = tarjan_scc(&g.graph);
    let mut self_referential = std::collections::HashSet::new();
    for scc in sccs {
        let self_loop = scc.len() == 1 && g.graph.find_edge(scc[0], scc[0]).is_some();
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let cycle = find_cycle(&g, &scc);
        if let Some(name) = single_block(&g, &scc) {
            // The instances of one block refer to each other (or one to itself): Terraform
            // reports this on the configuration, once per block.
            if self_referential.insert(name.clone()) {
                let d = first_dep[&(cycle[0], cycle[1])];
                diags.push(
                    Diagnostic::error("Self-referential block")
                        .detail(format!("Configuration for {name} may not refer to itself."))
                        .at(&d.span),
                );
            }
            continue;
        }
        let mut lines = Vec::new();
        let mut first_span = None;
        for w in cycle.windows(2) {
            let d = first_dep[&(w[0], w[1])];
            first_span.get_or_insert_with(|| d.span.clone());
            lines.push(format!(
                "  {} -> {} (attribute {:?})",
                g.graph[w[0]], g.graph[w[1]], d.via
            ));
        }
        let names: Vec<String> = cycle[..cycle.len() - 1]
            .iter()
            .map(|i| g.graph[*i].to_string())
            .collect();
        // The hint about inline rules applies only when the cycle goes through them.
        let sg = cycle.iter().all(|i| matches!(&g.graph[*i], NodeAddr::Resource(r) if r.resource.type_name == "aws_security_group"))
            && cycle.windows(2).all(|w| {
                let via = &first_dep[&(w[0], w[1])].via;
                let attr = via.split(['.', ' ', '[']).next().unwrap_or_default();
                attr == "ingress" || attr == "egress"
            });
        let mut d = Diagnostic::error("Cycle in dependencies")
            .detail(format!(
                "These objects depend on each other, so none of them can be created first: {}.\n{}",
                names.join(", "),
                lines.join("\n")
            ))
            .at_opt(first_span.as_ref());
        d = if sg {
            d.hint("security groups that reference each other in inline rules form a cycle: move the rules into separate aws_vpc_security_group_ingress_rule (or aws_security_group_rule) resources")
        } else {
            d.hint("break the cycle by removing one of these references, or by moving part of the configuration into a separate resource")
        };
        diags.push(d);
    }
    break_cycles(&mut g);
    g
}

/// The configuration address (like `aws_vpc.x`, with its module) of the resource block whose
/// instances make up all of `scc`, if they come from one block.
fn single_block(g: &DepGraph, scc: &[NodeIndex]) -> Option<String> {
    let block = |i: &NodeIndex| match &g.graph[*i] {
        NodeAddr::Resource(r) => Some((&r.module, &r.resource)),
        NodeAddr::Unexpanded { module, resource } => Some((module, resource)),
        _ => None,
    };
    let first = block(scc.first()?)?;
    if !scc.iter().all(|i| block(i) == Some(first)) {
        return None;
    }
    let (module, resource) = first;
    Some(if module.is_root() {
        resource.to_string()
    } else {
        format!("{module}.{resource}")
    })
}

/// A cycle through the nodes of one strongly connected component, as a closed walk
/// `[a, b, ..., a]`, found by following edges inside the component.
fn find_cycle(g: &DepGraph, scc: &[NodeIndex]) -> Vec<NodeIndex> {
    let inside: std::collections::HashSet<NodeIndex> = scc.iter().copied().collect();
    let mut start = scc[0];
    for &n in scc {
        if g.graph[n] < g.graph[start] {
            start = n;
        }
    }
    // Breadth-first search for the shortest path back to `start`.
    let mut prev: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<NodeIndex> = g
            .graph
            .neighbors(n)
            .filter(|m| inside.contains(m))
            .collect();
        next.sort_by(|a, b| g.graph[*a].cmp(&g.graph[*b]));
        for m in next {
            if m == start {
                // Walk back from n to start, then close the cycle.
                let mut path = vec![n];
                let mut cur = n;
                while cur != start {
                    cur = prev[&cur];
                    path.push(cur);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    vec![start, start]
}

/// Removes edges until the graph is acyclic (after cycles were reported).
fn break_cycles(g: &mut DepGraph) {
    loop {
        let sccs = tarjan_scc(&g.graph);
        let mut changed = false;
        for scc in sccs {
            if scc.len() == 1 {
                if let Some(e) = g.graph.find_edge(scc[0], scc[0]) {
                    g.graph.remove_edge(e);
                    changed = true;
                }
                continue;
            }
            let inside: std::collections::HashSet<NodeIndex> = scc.iter().copied().collect();
            let e = g
                .graph
                .edges(scc[0])
                .find(|e| inside.contains(&e.target()))
                .map(|e| e.id());
            if let Some(e) = e {
                g.graph.remove_edge(e);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{InstanceKey, ModulePath, ResourceAddr, ResourceInstanceAddr};
    use crate::diag::{FileId, SrcSpan};

    fn node(type_name: &str, name: &str, key: InstanceKey) -> NodeAddr {
        NodeAddr::Resource(ResourceInstanceAddr {
            module: ModulePath::root(),
            resource: ResourceAddr::managed(type_name, name),
            key,
        })
    }

    fn info(addr: NodeAddr, deps: &[(NodeAddr, &str)]) -> NodeInfo {
        let span = SrcSpan::new(FileId(0), 0..1);
        NodeInfo {
            addr,
            span: span.clone(),
            deps: deps
                .iter()
                .map(|(to, via)| Dep {
                    to: to.clone(),
                    via: via.to_string(),
                    span: span.clone(),
                })
                .collect(),
        }
    }

    fn diags_of(nodes: &[NodeInfo]) -> Vec<(String, String)> {
        let mut diags = Diagnostics::new();
        let g = build(nodes, &mut diags);
        assert!(petgraph::algo::toposort(&g.graph, None).is_ok());
        diags
            .iter()
            .map(|d| {
                (
                    d.summary.clone(),
                    d.hint.clone().unwrap_or_default() + &d.detail.clone().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn self_reference_is_reported_once_per_block() {
        let x = node("aws_vpc", "x", InstanceKey::None);
        let d = diags_of(&[info(x.clone(), &[(x.clone(), "tags")])]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, "Self-referential block");
        assert!(
            d[0].1.contains("aws_vpc.x may not refer to itself"),
            "{d:?}"
        );
        // Instances of one block referring to each other or themselves: one diagnostic.
        let a = node("aws_subnet", "s", InstanceKey::Int(0));
        let b = node("aws_subnet", "s", InstanceKey::Int(1));
        let d = diags_of(&[
            info(a.clone(), &[(b.clone(), "cidr_block"), (a.clone(), "tags")]),
            info(b.clone(), &[(a.clone(), "cidr_block"), (b.clone(), "tags")]),
        ]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "Self-referential block");
    }

    #[test]
    fn inline_rule_hint_only_for_rule_edges() {
        let a = node("aws_security_group", "a", InstanceKey::None);
        let b = node("aws_security_group", "b", InstanceKey::None);
        let cycle = |via_a: &str, via_b: &str| {
            diags_of(&[
                info(a.clone(), &[(b.clone(), via_a)]),
                info(b.clone(), &[(a.clone(), via_b)]),
            ])
        };
        let d = cycle(
            "ingress.security_groups",
            "egress.security_groups (via local.x)",
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].0, "Cycle in dependencies");
        assert!(d[0].1.contains("inline rules"), "{d:?}");
        let d = cycle("vpc_id", "vpc_id");
        assert!(!d[0].1.contains("inline rules"), "{d:?}");
        let d = cycle("ingress.security_groups", "vpc_id");
        assert!(!d[0].1.contains("inline rules"), "{d:?}");
    }
}
