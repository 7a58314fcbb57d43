//! The dependency graph as Graphviz DOT and as JSON.

use crate::addr::NodeAddr;
use crate::graph::DepGraph;
use petgraph::visit::EdgeRef;
use serde_json::json;
use std::fmt::Write;

/// (from, to, via) of every edge, sorted, so output is stable across runs.
fn sorted_edges(g: &DepGraph) -> Vec<(String, String, String)> {
    let mut edges: Vec<(String, String, String)> = g
        .graph
        .edge_references()
        .map(|e| {
            (
                g.graph[e.source()].to_string(),
                g.graph[e.target()].to_string(),
                e.weight().via.clone(),
            )
        })
        .collect();
    edges.sort();
    edges
}

fn kind(n: &NodeAddr) -> &'static str {
    match n {
        NodeAddr::Resource(r) if r.resource.mode == crate::addr::Mode::Data => "data",
        NodeAddr::Resource(_) => "resource",
        NodeAddr::Unexpanded { .. } => "unexpanded",
        NodeAddr::Output { .. } => "output",
        NodeAddr::Migration { .. } => "migration",
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// DOT with one node per address and edges from a node to its dependencies, labelled with
/// the attribute that created them. Output is sorted, so it is stable across runs.
pub fn graph_dot(g: &DepGraph) -> String {
    let mut out =
        String::from("digraph terrace {\n  rankdir = \"RL\";\n  node [shape = \"box\"];\n");
    let mut nodes: Vec<&NodeAddr> = g.graph.node_weights().collect();
    nodes.sort_by_cached_key(|n| n.to_string());
    for n in &nodes {
        let shape = match kind(n) {
            "output" => ", shape = \"note\"",
            "migration" => ", shape = \"cylinder\"",
            "data" => ", shape = \"ellipse\"",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {} [label = {}{shape}];",
            quote(&n.to_string()),
            quote(&n.to_string())
        );
    }
    let edges = sorted_edges(g);
    for (a, b, via) in edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label = {}];",
            quote(&a),
            quote(&b),
            quote(&via)
        );
    }
    out.push_str("}\n");
    out
}

/// `{"nodes": [{address, kind, module, depends_on}], "edges": [{from, to, via}]}`, sorted.
pub fn graph_json(g: &DepGraph) -> serde_json::Value {
    let mut nodes: Vec<&NodeAddr> = g.graph.node_weights().collect();
    nodes.sort_by_cached_key(|n| n.to_string());
    let nodes_json: Vec<serde_json::Value> = nodes
        .iter()
        .map(|n| {
            json!({
                "address": n.to_string(),
                "kind": kind(n),
                "module": n.module().to_string(),
                "depends_on": g.dependencies(n).iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let edges = sorted_edges(g);
    json!({
        "format_version": "1.0",
        "nodes": nodes_json,
        "edges": edges.into_iter().map(|(a, b, v)| json!({"from": a, "to": b, "via": v})).collect::<Vec<_>>(),
    })
}
