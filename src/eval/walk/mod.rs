//! Evaluation of a whole configuration: module instances, variables, locals, resource
//! instances (after `count` / `for_each` expansion), outputs and migrations, plus the
//! dependencies of every graph node.
//!
//! Evaluation is lazy and memoised: a value is computed the first time something refers to
//! it. A reference to a resource that is still being evaluated (a cycle) yields `Unknown`;
//! the graph stage reports the cycle with the attributes that form it. Cycles among locals
//! and variables are reported here.

mod deps;
mod expand;
mod import;
mod migration;
mod provider;
mod resource;
mod scope;
#[cfg(test)]
mod single_tests;
mod variables;

pub use expand::Expansion;
pub use import::ImportValue;

use super::inputs::InputValues;
use super::value::Value;
use crate::addr::{InstanceKey, ModulePath, NodeAddr, ResourceAddr, ResourceInstanceAddr};
use crate::config::{Config, ModuleTree};
use crate::diag::{Diagnostic, Diagnostics, SrcSpan};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// How strictly unknown values are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalMode {
    /// `validate` / `graph`: unknown `count`/`for_each` leave a resource unexpanded, and
    /// required variables without a value are unknown.
    Validate,
    /// `plan`: unknown `count`/`for_each` and missing variables are errors.
    Plan,
}

/// Options of one evaluation.
pub struct EvalOptions<'a> {
    pub mode: EvalMode,
    pub workspace: String,
    pub inputs: &'a InputValues,
    /// Turns each instance's configuration value into its planned value (plan mode).
    pub planner: Option<&'a dyn InstancePlanner>,
}

/// The plan stage's hook into evaluation. Called once per expanded resource or data source
/// instance, in dependency order; what it returns is what references to the instance see.
pub trait InstancePlanner {
    fn plan_instance(
        &self,
        addr: &ResourceInstanceAddr,
        config: Value,
        schema: &'static crate::schema::ResourceSchema,
        resource: &crate::config::Resource,
    ) -> Value;
}

/// A dependency edge: `from` needs `to`, because of the expression at `span` in attribute
/// `via` (e.g. `vpc_id`, `ingress.security_groups`, `depends_on`, `count`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub to: NodeAddr,
    pub via: String,
    pub span: SrcSpan,
}

/// A node of the dependency graph with its declaration site and dependencies.
#[derive(Debug, Clone)]
pub struct NodeInfo {
    pub addr: NodeAddr,
    /// The block header that declared it.
    pub span: SrcSpan,
    pub deps: Vec<Dep>,
}

/// One evaluated resource or data source instance.
#[derive(Debug, Clone)]
pub struct InstanceValue {
    pub addr: ResourceInstanceAddr,
    /// The planned object: configured attributes, defaults, and unknown computed ones.
    pub value: Value,
}

/// An evaluated migration block.
#[derive(Debug, Clone)]
pub struct MigrationValue {
    pub addr: NodeAddr,
    /// The block's arguments (`source`, `engine`, overrides); unset ones are null.
    pub value: Value,
    /// The database instance it runs against.
    pub database: Option<ResourceInstanceAddr>,
    /// The block's header, for diagnostics about it.
    pub span: Option<crate::diag::SrcSpan>,
}

/// The result of evaluating a configuration.
#[derive(Debug, Default)]
pub struct Evaluated {
    pub nodes: Vec<NodeInfo>,
    pub instances: Vec<InstanceValue>,
    /// Root module outputs, in declaration order.
    pub outputs: Vec<(String, Value)>,
    pub migrations: Vec<MigrationValue>,
    /// The evaluated root `provider "aws"` blocks by alias (`None` = the default one).
    pub providers: std::collections::HashMap<Option<String>, Value>,
    /// The root module's `import` blocks whose target is configured.
    pub imports: Vec<ImportValue>,
}

enum Slot<T> {
    InProgress,
    Done(T),
}

#[derive(Default)]
struct Memo {
    vars: HashMap<(ModulePath, String), Slot<Value>>,
    locals: HashMap<(ModulePath, String), Slot<Value>>,
    outputs: HashMap<(ModulePath, String), Slot<Value>>,
    resources: HashMap<(ModulePath, ResourceAddr), Slot<Rc<resource::ResourceResult>>>,
    calls: HashMap<(ModulePath, String), Slot<Rc<Expansion>>>,
}

/// The evaluation of one configuration. Create with [`evaluate`].
pub struct Evaluation<'c> {
    cfg: &'c Config,
    opts: EvalOptions<'c>,
    memo: RefCell<Memo>,
    diags: RefCell<Diagnostics>,
    migrations: RefCell<Vec<MigrationValue>>,
    providers: provider::Providers,
    cwd: String,
}

/// Evaluates only the root `provider "aws"` blocks (and what they reference), by alias:
/// providers are configured before resources are refreshed or read.
pub fn evaluate_providers(
    cfg: &Config,
    opts: EvalOptions<'_>,
) -> std::collections::HashMap<Option<String>, Value> {
    let ev = Evaluation {
        cfg,
        opts,
        memo: RefCell::new(Memo::default()),
        diags: RefCell::new(Diagnostics::new()),
        migrations: RefCell::new(Vec::new()),
        providers: provider::Providers::default(),
        cwd: String::new(),
    };
    let mut diags = Diagnostics::new();
    provider::Providers::load(
        cfg,
        &scope::InstanceScope::new(&ev, &ModulePath::root()),
        &mut diags,
    )
    .configs
}

/// Checks the `import` blocks and evaluates the root module's (their ids and what those
/// reference, nothing else): the objects to import are read before planning. Problems are
/// added to `diags`.
pub fn evaluate_imports(
    cfg: &Config,
    opts: EvalOptions<'_>,
    diags: &mut Diagnostics,
) -> Vec<ImportValue> {
    if cfg.root.module.imports.is_empty() {
        return Vec::new();
    }
    let mut ev = Evaluation::new(cfg, opts);
    // Provider problems are reported by the full evaluation.
    ev.load_providers(&mut Diagnostics::new());
    let out = ev.imports();
    diags.extend(ev.diags.into_inner());
    out
}

/// Evaluates one resource instance's planned configuration value, and only what it
/// references (what `apply` needs once the instance's dependencies exist; evaluating the
/// whole configuration per instance would make an apply quadratic). `None` when the
/// configuration no longer declares the instance. Problems are added to `diags`.
pub fn evaluate_instance(
    cfg: &Config,
    opts: EvalOptions<'_>,
    addr: &ResourceInstanceAddr,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let mut ev = Evaluation::new(cfg, opts);
    // Provider problems are reported by the full evaluation.
    ev.load_providers(&mut Diagnostics::new());
    let out = ev.single_instance(addr);
    diags.extend(ev.diags.into_inner());
    out
}

/// Evaluates everything in `cfg`; problems are added to `diags`.
pub fn evaluate(cfg: &Config, opts: EvalOptions<'_>, diags: &mut Diagnostics) -> Evaluated {
    let mut ev = Evaluation::new(cfg, opts);
    let mut pdiags = Diagnostics::new();
    ev.load_providers(&mut pdiags);
    ev.diags.get_mut().extend(pdiags);
    let mut out = Evaluated::default();
    let mut modules = Vec::new();
    ev.walk_module(&ModulePath::root(), &mut modules);
    for m in &modules {
        ev.collect_module(m, &mut out);
    }
    for name in cfg.root.module.outputs.keys() {
        let v = ev.output_value(&ModulePath::root(), name);
        out.outputs.push((name.clone(), v));
    }
    out.imports = ev.imports();
    // Last: moves values out of the memo, so nothing may evaluate after this.
    ev.take_instances(&modules, &mut out);
    out.migrations = ev.migrations.take();
    out.providers = std::mem::take(&mut ev.providers.configs);
    diags.extend(ev.diags.into_inner());
    out
}

impl<'c> Evaluation<'c> {
    /// An evaluation with nothing evaluated yet and no provider blocks loaded.
    fn new(cfg: &'c Config, opts: EvalOptions<'c>) -> Self {
        Evaluation {
            cfg,
            opts,
            memo: RefCell::new(Memo::default()),
            diags: RefCell::new(Diagnostics::new()),
            migrations: RefCell::new(Vec::new()),
            providers: provider::Providers::default(),
            cwd: std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| ".".into()),
        }
    }

    /// Evaluates the root `provider "aws"` blocks (their problems go to `diags`).
    fn load_providers(&mut self, diags: &mut Diagnostics) {
        self.providers = provider::Providers::load(
            self.cfg,
            &scope::InstanceScope::new(self, &ModulePath::root()),
            diags,
        );
    }

    fn push(&self, d: Diagnostic) {
        self.diags.borrow_mut().push(d);
    }

    /// The configuration module for a module instance path.
    fn tree(&self, path: &ModulePath) -> &'c ModuleTree {
        let names: Vec<String> = path.0.iter().map(|s| s.name.clone()).collect();
        self.cfg
            .root
            .get(&names)
            .expect("module instance paths come from the module tree")
    }

    /// Evaluates every object of the module instance and recurses into module calls.
    fn walk_module(&self, path: &ModulePath, modules: &mut Vec<ModulePath>) {
        modules.push(path.clone());
        let tree = self.tree(path);
        let m = &tree.module;
        for name in m.variables.keys() {
            self.var_value(path, name, None);
        }
        for name in m.locals.keys() {
            self.local_value(path, name, None);
        }
        for addr in m.resources.keys() {
            self.resource_result(path, addr);
        }
        for name in m.outputs.keys() {
            self.output_value(path, name);
        }
        for mg in m.migrations.values() {
            self.check_migration(path, mg);
        }
        for name in m.module_calls.keys() {
            if !tree.children.contains_key(name) {
                continue;
            }
            let exp = self.call_expansion(path, name);
            for (key, _, _) in exp.instances() {
                self.walk_module(&path.child(name, key), modules);
            }
        }
    }

    /// Adds the nodes and instance values of one module instance to `out`.
    fn collect_module(&self, path: &ModulePath, out: &mut Evaluated) {
        let m = &self.tree(path).module;
        let dependency_of_call = self.call_depends_on(path);
        for (addr, r) in &m.resources {
            let res = self.resource_result(path, addr);
            let deps = self.resource_deps(path, r, &dependency_of_call);
            match &res.expansion {
                Expansion::Unknown => out.nodes.push(NodeInfo {
                    addr: NodeAddr::Unexpanded {
                        module: path.clone(),
                        resource: addr.clone(),
                    },
                    span: r.span.clone(),
                    deps,
                }),
                _ => {
                    for key in res.keys() {
                        let ia = ResourceInstanceAddr {
                            module: path.clone(),
                            resource: addr.clone(),
                            key,
                        };
                        out.nodes.push(NodeInfo {
                            addr: NodeAddr::Resource(ia),
                            span: r.span.clone(),
                            deps: deps.clone(),
                        });
                    }
                }
            }
        }
        for (name, o) in &m.outputs {
            let mut deps = dependency_of_call.clone();
            self.expr_deps(path, &o.value, "value", &[], &mut deps);
            for d in &o.depends_on {
                self.depends_on_entry(path, d, &mut deps);
            }
            out.nodes.push(NodeInfo {
                addr: NodeAddr::Output {
                    module: path.clone(),
                    name: name.clone(),
                },
                span: o.span.clone(),
                deps,
            });
        }
        for (name, mg) in &m.migrations {
            let mut deps = dependency_of_call.clone();
            for a in &mg.body.attrs {
                self.expr_deps(path, &a.expr, &a.name, &[], &mut deps);
            }
            for d in &mg.depends_on {
                self.depends_on_entry(path, d, &mut deps);
            }
            out.nodes.push(NodeInfo {
                addr: NodeAddr::Migration {
                    module: path.clone(),
                    name: name.clone(),
                },
                span: mg.span.clone(),
                deps,
            });
        }
    }

    /// Moves the evaluated instance values out of the memo (no copies), in module and
    /// declaration order.
    fn take_instances(&self, modules: &[ModulePath], out: &mut Evaluated) {
        let mut memo = self.memo.borrow_mut();
        for path in modules {
            for addr in self.tree(path).module.resources.keys() {
                let Some(Slot::Done(rc)) = memo.resources.remove(&(path.clone(), addr.clone()))
                else {
                    continue;
                };
                let res = Rc::try_unwrap(rc).unwrap_or_else(|rc| resource::ResourceResult {
                    expansion: rc.expansion.clone(),
                    aggregate: rc.aggregate.clone(),
                });
                for (key, value) in res.into_instances() {
                    out.instances.push(InstanceValue {
                        addr: ResourceInstanceAddr {
                            module: path.clone(),
                            resource: addr.clone(),
                            key,
                        },
                        value,
                    });
                }
            }
        }
    }

    /// Instance key of the last step of a module path, as count/each context.
    fn module_instance_context(
        &self,
        path: &ModulePath,
    ) -> (Option<Value>, Option<(Value, Value)>) {
        let Some(last) = path.0.last() else {
            return (None, None);
        };
        let parent = path.parent().unwrap_or_default();
        match &last.key {
            InstanceKey::None => (None, None),
            InstanceKey::Int(i) => (Some(Value::Number(*i as f64)), None),
            InstanceKey::Str(k) => {
                let exp = self.call_expansion(&parent, &last.name);
                let v = match exp.as_ref() {
                    Expansion::ForEach(m) => m.get(k).cloned().unwrap_or(Value::Unknown),
                    _ => Value::Unknown,
                };
                (None, Some((Value::String(k.clone()), v)))
            }
        }
    }
}
