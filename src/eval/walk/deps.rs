//! Dependencies of graph nodes: every reference in a node's expressions, followed through
//! locals, module inputs and module outputs to the resource instances, outputs and
//! migrations it names, plus `depends_on`.

use super::{Dep, Evaluation, Expansion};
use crate::addr::{Mode, ModulePath, NodeAddr, ResourceAddr, ResourceInstanceAddr};
use crate::config::{Body, Expr, Resource};
use crate::diag::SrcSpan;
use crate::eval::refs::{references, RefRoot, Reference};
use std::collections::HashSet;

impl Evaluation<'_> {
    /// The nodes of resource `addr` in `module` (all instances, or the unexpanded node).
    fn resource_nodes(&self, module: &ModulePath, addr: &ResourceAddr) -> Vec<NodeAddr> {
        if !self.tree(module).module.resources.contains_key(addr) {
            return Vec::new();
        }
        let r = self.resource_result(module, addr);
        match &r.expansion {
            Expansion::Unknown => vec![NodeAddr::Unexpanded {
                module: module.clone(),
                resource: addr.clone(),
            }],
            _ => r
                .keys()
                .into_iter()
                .map(|key| {
                    NodeAddr::Resource(ResourceInstanceAddr {
                        module: module.clone(),
                        resource: addr.clone(),
                        key,
                    })
                })
                .collect(),
        }
    }

    /// Output nodes of module call `name` (one output or all), over all its instances.
    fn output_nodes(&self, module: &ModulePath, name: &str, output: Option<&str>) -> Vec<NodeAddr> {
        let tree = self.tree(module);
        let Some(child) = tree.children.get(name) else {
            return Vec::new();
        };
        let exp = self.call_expansion(module, name);
        let mut out = Vec::new();
        for (key, _, _) in exp.instances() {
            let path = module.child(name, key);
            for o in child.module.outputs.keys() {
                if output.is_none_or(|x| x == o) {
                    out.push(NodeAddr::Output {
                        module: path.clone(),
                        name: o.clone(),
                    });
                }
            }
        }
        out
    }

    /// Adds the dependencies of `e` (evaluated in `module`) to `out`. `bound` lists names bound
    /// by enclosing dynamic blocks.
    pub(super) fn expr_deps(
        &self,
        module: &ModulePath,
        e: &Expr,
        via: &str,
        bound: &[String],
        out: &mut Vec<Dep>,
    ) {
        let mut refs = Vec::new();
        references(
            e.file,
            &e.expr,
            &mut bound.to_vec(),
            &mut refs,
            &mut Vec::new(),
        );
        let mut visiting = HashSet::new();
        for r in refs {
            self.ref_deps(module, &r, via, &r.span, out, &mut visiting);
        }
    }

    fn ref_deps(
        &self,
        module: &ModulePath,
        r: &Reference,
        via: &str,
        span: &SrcSpan,
        out: &mut Vec<Dep>,
        visiting: &mut HashSet<(ModulePath, String)>,
    ) {
        let push = |out: &mut Vec<Dep>, to: NodeAddr| {
            out.push(Dep {
                to,
                via: via.to_string(),
                span: span.clone(),
            })
        };
        match &r.root {
            RefRoot::Resource(addr) => self
                .resource_nodes(module, addr)
                .into_iter()
                .for_each(|n| push(out, n)),
            RefRoot::ModuleOutput(m, o) => self
                .output_nodes(module, m, Some(o))
                .into_iter()
                .for_each(|n| push(out, n)),
            RefRoot::Module(m) => self
                .output_nodes(module, m, None)
                .into_iter()
                .for_each(|n| push(out, n)),
            RefRoot::Migration(n) if self.tree(module).module.migrations.contains_key(n) => {
                push(
                    out,
                    NodeAddr::Migration {
                        module: module.clone(),
                        name: n.clone(),
                    },
                );
            }
            RefRoot::Local(n) => {
                let Some(a) = self.tree(module).module.locals.get(n) else {
                    return;
                };
                if !visiting.insert((module.clone(), format!("local.{n}"))) {
                    return;
                }
                let via = format!("{via} (via local.{n})");
                let mut refs = Vec::new();
                references(
                    a.expr.file,
                    &a.expr.expr,
                    &mut Vec::new(),
                    &mut refs,
                    &mut Vec::new(),
                );
                for r2 in refs {
                    self.ref_deps(module, &r2, &via, span, out, visiting);
                }
            }
            RefRoot::Var(n) => {
                // A child module's variable depends on what its call's argument references.
                let Some(parent) = module.parent() else {
                    return;
                };
                let Some(step) = module.0.last() else { return };
                let call = &self.tree(&parent).module.module_calls[&step.name];
                let Some(a) = call.inputs.iter().find(|a| &a.name == n) else {
                    return;
                };
                if !visiting.insert((module.clone(), format!("var.{n}"))) {
                    return;
                }
                let via = format!("{via} (via var.{n})");
                let mut refs = Vec::new();
                references(
                    a.expr.file,
                    &a.expr.expr,
                    &mut Vec::new(),
                    &mut refs,
                    &mut Vec::new(),
                );
                for r2 in refs {
                    self.ref_deps(&parent, &r2, &via, span, out, visiting);
                }
            }
            _ => {}
        }
    }

    /// `depends_on` entries must name whole objects: resources, data sources, modules,
    /// migrations. Invalid entries are reported.
    pub(super) fn depends_on_entry(&self, module: &ModulePath, e: &Expr, out: &mut Vec<Dep>) {
        let mut refs = Vec::new();
        let mut errs = Vec::new();
        references(e.file, &e.expr, &mut Vec::new(), &mut refs, &mut errs);
        let simple = matches!(&e.expr, hcl_edit::expr::Expression::Traversal(_));
        let bad = || {
            crate::diag::Diagnostic::error("Invalid depends_on reference")
                .detail("References in depends_on must be to a whole object (resource, data source, module or migration), without further attribute access.")
                .at(&e.span())
        };
        if !simple || refs.len() != 1 || !errs.is_empty() {
            self.push(bad());
            return;
        }
        let r = &refs[0];
        let m = &self.tree(module).module;
        match &r.root {
            RefRoot::Resource(addr) => {
                if !m.resources.contains_key(addr) {
                    let kind = if addr.mode == Mode::Data {
                        "data resource"
                    } else {
                        "resource"
                    };
                    self.push(
                        crate::diag::Diagnostic::error(format!("Reference to undeclared {kind}"))
                            .detail(format!(
                                "depends_on names {addr}, which is not declared in this module."
                            ))
                            .at(&r.span),
                    );
                    return;
                }
                if r.attr.is_some() {
                    self.push(bad());
                    return;
                }
                self.resource_nodes(module, addr)
                    .into_iter()
                    .for_each(|to| {
                        out.push(Dep {
                            to,
                            via: "depends_on".into(),
                            span: r.span.clone(),
                        })
                    });
            }
            RefRoot::Module(name) => {
                if !m.module_calls.contains_key(name) {
                    self.push(crate::diag::Diagnostic::error("Reference to undeclared module").detail(format!("depends_on names module.{name}, which is not declared in this module.")).at(&r.span));
                    return;
                }
                for to in self.module_subtree_nodes(module, name) {
                    out.push(Dep {
                        to,
                        via: "depends_on".into(),
                        span: r.span.clone(),
                    });
                }
            }
            RefRoot::Migration(name) => {
                if !m.migrations.contains_key(name) {
                    self.push(crate::diag::Diagnostic::error("Reference to undeclared migration").detail(format!("depends_on names migration.{name}, which is not declared in this module.")).at(&r.span));
                    return;
                }
                out.push(Dep {
                    to: NodeAddr::Migration {
                        module: module.clone(),
                        name: name.clone(),
                    },
                    via: "depends_on".into(),
                    span: r.span.clone(),
                });
            }
            _ => self.push(bad()),
        }
    }

    /// Every resource, output and migration node inside all instances of module call `name`.
    fn module_subtree_nodes(&self, module: &ModulePath, name: &str) -> Vec<NodeAddr> {
        let mut out = Vec::new();
        let exp = self.call_expansion(module, name);
        for (key, _, _) in exp.instances() {
            let path = module.child(name, key);
            self.subtree_nodes(&path, &mut out);
        }
        out
    }

    fn subtree_nodes(&self, path: &ModulePath, out: &mut Vec<NodeAddr>) {
        let tree = self.tree(path);
        for addr in tree.module.resources.keys() {
            out.extend(self.resource_nodes(path, addr));
        }
        for o in tree.module.outputs.keys() {
            out.push(NodeAddr::Output {
                module: path.clone(),
                name: o.clone(),
            });
        }
        for g in tree.module.migrations.keys() {
            out.push(NodeAddr::Migration {
                module: path.clone(),
                name: g.clone(),
            });
        }
        for name in tree.module.module_calls.keys() {
            if tree.children.contains_key(name) {
                for (key, _, _) in self.call_expansion(path, name).instances() {
                    self.subtree_nodes(&path.child(name, key), out);
                }
            }
        }
    }

    /// Dependencies every node of a module instance inherits from the `depends_on` of the
    /// module calls leading to it.
    pub(super) fn call_depends_on(&self, path: &ModulePath) -> Vec<Dep> {
        let mut out = Vec::new();
        let mut p = path.clone();
        while let Some(parent) = p.parent() {
            let step = p.0.last().expect("non-root");
            let call = &self.tree(&parent).module.module_calls[&step.name];
            for d in &call.depends_on {
                self.depends_on_entry(&parent, d, &mut out);
            }
            p = parent;
        }
        out
    }

    /// All dependencies of a resource: body attributes, count/for_each, depends_on,
    /// replace_triggered_by, and the enclosing module calls' depends_on.
    pub(super) fn resource_deps(
        &self,
        module: &ModulePath,
        r: &Resource,
        inherited: &[Dep],
    ) -> Vec<Dep> {
        let mut out = inherited.to_vec();
        if let Some(c) = &r.count {
            self.expr_deps(module, c, "count", &[], &mut out);
        }
        if let Some(f) = &r.for_each {
            self.expr_deps(module, f, "for_each", &[], &mut out);
        }
        self.body_deps(module, &r.body, "", &mut Vec::new(), &mut out);
        for d in &r.depends_on {
            self.depends_on_entry(module, d, &mut out);
        }
        for e in &r.lifecycle.replace_triggered_by {
            self.expr_deps(module, e, "lifecycle.replace_triggered_by", &[], &mut out);
        }
        out
    }

    fn body_deps(
        &self,
        module: &ModulePath,
        body: &Body,
        prefix: &str,
        bound: &mut Vec<String>,
        out: &mut Vec<Dep>,
    ) {
        for a in &body.attrs {
            self.expr_deps(module, &a.expr, &format!("{prefix}{}", a.name), bound, out);
        }
        for b in &body.blocks {
            if b.kind == "dynamic" {
                let name = b.labels.first().cloned().unwrap_or_default();
                let iterator = b
                    .body
                    .attr("iterator")
                    .and_then(|a| match &a.expr.expr {
                        hcl_edit::expr::Expression::Variable(v) => Some(v.as_str().to_string()),
                        _ => None,
                    })
                    .unwrap_or_else(|| name.clone());
                if let Some(fe) = b.body.attr("for_each") {
                    self.expr_deps(module, &fe.expr, &format!("{prefix}{name}"), bound, out);
                }
                bound.push(iterator);
                for c in b.body.blocks_of("content") {
                    self.body_deps(module, &c.body, &format!("{prefix}{name}."), bound, out);
                }
                bound.pop();
            } else {
                self.body_deps(module, &b.body, &format!("{prefix}{}.", b.kind), bound, out);
            }
        }
    }
}
