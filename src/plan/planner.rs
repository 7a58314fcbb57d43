//! The planner: decides each resource instance's action during evaluation (so references see
//! planned values), then adds deletions, triggers, targets and output changes.

use super::diff::{apply_ignore, changed_attrs, conform, forcing, merge_prior, values_equal};
use super::{Action, OutputChange, Plan, Reason, ResourceChange};
use crate::addr::{InstanceKey, Mode, ModulePath, NodeAddr, ResourceInstanceAddr};
use crate::config::{Config, Resource};
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::refs::{references, RefRoot};
use crate::eval::{Evaluated, InstancePlanner, Value};
use crate::graph::DepGraph;
use crate::schema::{ResourceSchema, SchemaKind};
use crate::state::State;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What the user asked for besides the configuration.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// `-destroy`: delete everything in state.
    pub destroy: bool,
    /// `-target`: addresses (resources, instances or modules) to limit the plan to.
    pub targets: Vec<String>,
    /// `-replace`: instances to replace even if unchanged.
    pub replace: Vec<ResourceInstanceAddr>,
}

struct Seen {
    change: ResourceChange,
    /// `replace_triggered_by` expressions and the module they are evaluated in.
    triggers: Vec<crate::config::Expr>,
    module: ModulePath,
    prevent_destroy: Option<crate::diag::SrcSpan>,
}

/// Reads data sources while planning, when their arguments are known.
pub trait DataReader {
    fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, String>;
}

/// Whether every argument the configuration sets (and every nested block) is known.
fn arguments_known(config: &Value, resource: &Resource) -> bool {
    let Some(m) = config.as_map() else {
        return false;
    };
    resource
        .body
        .attrs
        .iter()
        .all(|a| m.get(&a.name).is_none_or(Value::is_wholly_known))
        && resource
            .body
            .blocks
            .iter()
            .all(|b| m.get(&b.kind).is_none_or(Value::is_wholly_known))
}

/// Plans instances as evaluation reaches them. Create one per plan.
///
/// Memory: each value exists once. A prior value is taken out of the state's JSON when its
/// instance is planned; planned values live in the evaluation and are moved into the plan by
/// [`Planner::finish`]; a no-op keeps only the planned value (as `before`).
pub struct Planner<'a> {
    state: RefCell<State>,
    opts: &'a PlanOptions,
    reader: Option<&'a dyn DataReader>,
    seen: RefCell<BTreeMap<ResourceInstanceAddr, Seen>>,
    diags: RefCell<Diagnostics>,
}

struct Prior {
    value: Value,
    provider_id: Option<String>,
    tainted: bool,
}

impl<'a> Planner<'a> {
    pub fn new(state: State, opts: &'a PlanOptions) -> Self {
        Planner {
            state: RefCell::new(state),
            opts,
            reader: None,
            seen: RefCell::new(BTreeMap::new()),
            diags: RefCell::new(Diagnostics::new()),
        }
    }

    /// Reads data sources through `reader` during planning.
    pub fn with_reader(mut self, reader: &'a dyn DataReader) -> Self {
        self.reader = Some(reader);
        self
    }

    /// Takes the prior value of `addr` out of the state (its JSON is left empty).
    fn take_prior(&self, addr: &ResourceInstanceAddr) -> Option<Prior> {
        let mut st = self.state.borrow_mut();
        let i = st
            .resources
            .binary_search_by(|r| r.address.cmp(addr))
            .ok()?;
        let r = &mut st.resources[i];
        let json = std::mem::take(&mut r.attributes);
        let value =
            crate::state::paths_to_value_marks(Value::from_json(&json), &r.sensitive_attributes);
        Some(Prior {
            value,
            provider_id: r.provider_id.clone(),
            tainted: r.tainted,
        })
    }
}

impl InstancePlanner for Planner<'_> {
    fn plan_instance(
        &self,
        addr: &ResourceInstanceAddr,
        config: Value,
        schema: &'static ResourceSchema,
        resource: &Resource,
    ) -> Value {
        let (prior, prior_v) = match self.take_prior(addr) {
            Some(Prior {
                value,
                provider_id,
                tainted,
            }) => (
                Some((provider_id, tainted)),
                Some(conform(value, &schema.body)),
            ),
            None => (None, None),
        };
        let mut change = ResourceChange {
            addr: addr.clone(),
            action: Action::NoOp,
            before: None,
            after: None,
            changed: Vec::new(),
            forces: Vec::new(),
            reason: None,
            provider_id: prior.as_ref().and_then(|p| p.0.clone()),
            create_before_destroy: resource.lifecycle.create_before_destroy,
            timeouts: timeouts_of(resource),
            importing: None,
        };
        let read_now = match self.reader {
            Some(r)
                if schema.kind == SchemaKind::Data
                    && !self.opts.destroy
                    && arguments_known(&config, resource) =>
            {
                Some(r.read_data(&addr.resource.type_name, &config))
            }
            _ => None,
        };
        let result = if let Some(read) = read_now {
            match read {
                Ok(v) => v,
                Err(e) => {
                    self.diags.borrow_mut().push(
                        Diagnostic::error("Error reading data source")
                            .detail(format!("{addr}: {e}"))
                            .at(&resource.span),
                    );
                    prior_v.clone().unwrap_or(config)
                }
            }
        } else if schema.kind == SchemaKind::Data {
            // Data sources are read by the provider; without a fresh read, the last value
            // read stands, and a data source never read is read during apply.
            match &prior_v {
                Some(v) => v.clone(),
                None => {
                    change.action = Action::Read;
                    change.reason = Some(Reason::ReadDeferred);
                    config
                }
            }
        } else if self.opts.destroy {
            change.action = if prior.is_some() {
                Action::Delete
            } else {
                Action::NoOp
            };
            change.reason = prior.as_ref().map(|_| Reason::DeleteDestroy);
            prior_v.clone().unwrap_or(config)
        } else {
            match (&prior, &prior_v) {
                (Some(p), Some(pv)) => {
                    let merged = merge_prior(&config, pv, &schema.body, &|n| {
                        resource.body.attr(n).is_some()
                            || resource.body.blocks.iter().any(|b| b.kind == n)
                    });
                    let planned = apply_ignore(merged, pv, &resource.lifecycle.ignore_changes);
                    let changed = changed_attrs(pv, &planned, schema);
                    let forces = forcing(&changed, pv, &planned, schema);
                    let reason = if p.1 {
                        Some(Reason::ReplaceTainted)
                    } else if self.opts.replace.contains(addr) {
                        Some(Reason::ReplaceRequested)
                    } else if !forces.is_empty() {
                        Some(Reason::ReplaceForced)
                    } else {
                        None
                    };
                    change.changed = changed;
                    change.forces = forces;
                    if let Some(r) = reason {
                        change.action = if resource.lifecycle.create_before_destroy {
                            Action::CreateThenDelete
                        } else {
                            Action::DeleteThenCreate
                        };
                        change.reason = Some(r);
                        let after = apply_ignore(config, pv, &resource.lifecycle.ignore_changes);
                        change.changed = changed_attrs(pv, &after, schema);
                        after
                    } else {
                        change.action = if change.changed.is_empty() {
                            Action::NoOp
                        } else {
                            Action::Update
                        };
                        planned
                    }
                }
                _ => {
                    change.action = Action::Create;
                    config
                }
            }
        };
        // A managed no-op keeps only its planned value, attached as `before` by `finish`.
        let noop_managed = change.action == Action::NoOp
            && schema.kind == SchemaKind::Managed
            && !self.opts.destroy;
        if !noop_managed {
            change.before = prior_v;
        }
        let prevent_destroy = resource
            .lifecycle
            .prevent_destroy
            .then(|| resource.lifecycle.prevent_destroy_span.clone())
            .flatten();
        self.seen.borrow_mut().insert(
            addr.clone(),
            Seen {
                change,
                triggers: resource.lifecycle.replace_triggered_by.clone(),
                module: addr.module.clone(),
                prevent_destroy,
            },
        );
        result
    }
}

impl Planner<'_> {
    /// Completes the plan after evaluation: replace triggers, deletions of instances that
    /// are gone, `prevent_destroy`, targets, outputs. Problems are added to `diags`.
    /// Completes the plan; returns it with the state it was made against (whose attribute
    /// JSON has been consumed: existence, outputs and history remain). Planned values are
    /// moved out of `evaluated`.
    pub fn finish(
        self,
        cfg: &Config,
        evaluated: &mut Evaluated,
        graph: &DepGraph,
        diags: &mut Diagnostics,
    ) -> (Plan, State) {
        let state = self.state.into_inner();
        let mut planned: std::collections::HashMap<ResourceInstanceAddr, Value> =
            std::mem::take(&mut evaluated.instances)
                .into_iter()
                .map(|i| (i.addr, i.value))
                .collect();
        let mut seen = self.seen.into_inner();
        diags.extend(self.diags.into_inner());
        apply_triggers(&mut seen);
        let mut changes: BTreeMap<ResourceInstanceAddr, ResourceChange> = BTreeMap::new();
        for (addr, s) in seen {
            if s.change.action == Action::Delete || s.change.action.is_replace() {
                if let Some(span) = &s.prevent_destroy {
                    diags.push(
                        Diagnostic::error("Instance cannot be destroyed")
                            .detail(format!("Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target option."))
                            .at(span),
                    );
                }
            }
            let mut change = s.change;
            let value = planned.remove(&addr);
            match change.action {
                Action::NoOp if change.before.is_none() => change.before = value,
                Action::NoOp | Action::Delete => {}
                _ => change.after = value,
            }
            changes.insert(addr, change);
        }
        // Everything in state that evaluation did not reach is gone from the configuration.
        for r in &state.resources {
            if changes.contains_key(&r.address) {
                continue;
            }
            if r.address.resource.mode == Mode::Data {
                continue; // data sources are simply forgotten
            }
            changes.insert(
                r.address.clone(),
                ResourceChange {
                    addr: r.address.clone(),
                    action: Action::Delete,
                    before: Some(r.value()),
                    after: None,
                    changed: Vec::new(),
                    forces: Vec::new(),
                    reason: Some(if self.opts.destroy {
                        Reason::DeleteDestroy
                    } else {
                        gone_reason(cfg, &r.address)
                    }),
                    provider_id: r.provider_id.clone(),
                    create_before_destroy: r.create_before_destroy,
                    timeouts: configured(cfg, &r.address)
                        .map(timeouts_of)
                        .unwrap_or_default(),
                    importing: None,
                },
            );
        }
        let mut changes: Vec<ResourceChange> = changes.into_values().collect();
        if !self.opts.targets.is_empty() {
            changes = apply_targets(changes, &self.opts.targets, graph, diags);
        }
        let outputs = if self.opts.targets.is_empty() {
            plan_outputs(&state, evaluated, self.opts.destroy)
        } else {
            Vec::new()
        };
        let plan = Plan {
            changes,
            outputs,
            migrations: Vec::new(),
            prior_lineage: Some(state.lineage.clone()),
            prior_serial: Some(state.serial),
            destroy: self.opts.destroy,
            targets: self.opts.targets.clone(),
            drift: Vec::new(),
            refresh_only: false,
        };
        (plan, state)
    }
}

/// Why a state instance has no configuration.
/// `timeouts {}` as operation to seconds.
fn timeouts_of(resource: &Resource) -> BTreeMap<String, u64> {
    resource
        .timeouts
        .values
        .iter()
        .map(|(op, d, _)| (op.clone(), d.as_secs().max(1)))
        .collect()
}

/// The resource block of `addr`, when its module and block are still in the configuration.
fn configured<'a>(cfg: &'a Config, addr: &ResourceInstanceAddr) -> Option<&'a Resource> {
    let names: Vec<String> = addr.module.0.iter().map(|s| s.name.clone()).collect();
    cfg.root.get(&names)?.module.resources.get(&addr.resource)
}

fn gone_reason(cfg: &Config, addr: &ResourceInstanceAddr) -> Reason {
    let names: Vec<String> = addr.module.0.iter().map(|s| s.name.clone()).collect();
    match cfg.root.get(&names) {
        None => Reason::DeleteModuleGone,
        Some(t) if t.module.resources.contains_key(&addr.resource) => Reason::DeleteWrongKey,
        Some(_)
            if !addr.module.is_root()
                && addr.module.0.iter().any(|s| s.key != InstanceKey::None) =>
        {
            Reason::DeleteModuleGone
        }
        Some(_) => Reason::DeleteNotInConfig,
    }
}

/// `replace_triggered_by`: a referenced resource that is updated or replaced (or, for an
/// attribute reference, whose attribute changes) replaces this instance.
fn apply_triggers(seen: &mut BTreeMap<ResourceInstanceAddr, Seen>) {
    let mut to_replace = Vec::new();
    for (addr, s) in seen.iter() {
        if s.triggers.is_empty()
            || matches!(s.change.action, Action::Create | Action::Delete)
            || s.change.action.is_replace()
        {
            continue;
        }
        'trig: for t in &s.triggers {
            let mut refs = Vec::new();
            references(t.file, &t.expr, &mut Vec::new(), &mut refs, &mut Vec::new());
            for r in refs {
                let RefRoot::Resource(res) = &r.root else {
                    continue;
                };
                for (other, o) in seen.iter() {
                    if other.module != s.module || &other.resource != res {
                        continue;
                    }
                    let fired = match &r.attr {
                        Some(a) => {
                            o.change.changed.contains(a)
                                || (o.change.action.is_replace() && a == "id")
                        }
                        None => o.change.action == Action::Update || o.change.action.is_replace(),
                    };
                    if fired {
                        to_replace.push(addr.clone());
                        break 'trig;
                    }
                }
            }
        }
    }
    for addr in to_replace {
        if let Some(s) = seen.get_mut(&addr) {
            s.change.action = if s.change.create_before_destroy {
                Action::CreateThenDelete
            } else {
                Action::DeleteThenCreate
            };
            s.change.reason = Some(Reason::ReplaceTriggered);
        }
    }
}

/// Whether `addr` is selected by the target `t` (a module, resource or instance address).
pub(crate) fn matches_target(addr: &NodeAddr, t: &str) -> bool {
    let s = addr.to_string();
    if s == t {
        return true;
    }
    match addr {
        NodeAddr::Resource(r) => {
            let without_key = ResourceInstanceAddr {
                key: InstanceKey::None,
                ..r.clone()
            }
            .to_string();
            without_key == t || s.starts_with(&format!("{t}.")) || s.starts_with(&format!("{t}["))
        }
        _ => s.starts_with(&format!("{t}.")),
    }
}

/// Keeps changes of targeted instances and everything they depend on.
fn apply_targets(
    changes: Vec<ResourceChange>,
    targets: &[String],
    graph: &DepGraph,
    diags: &mut Diagnostics,
) -> Vec<ResourceChange> {
    let mut keep: HashSet<NodeAddr> = HashSet::new();
    let mut stack: Vec<NodeAddr> = graph
        .graph
        .node_weights()
        .filter(|n| targets.iter().any(|t| matches_target(n, t)))
        .cloned()
        .collect();
    while let Some(n) = stack.pop() {
        if keep.insert(n.clone()) {
            stack.extend(graph.dependencies(&n).into_iter().cloned());
        }
    }
    diags.push(
        Diagnostic::warning("Resource targeting is in effect")
            .detail("You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration. Use -target only for exceptional situations such as recovering from errors."),
    );
    changes
        .into_iter()
        .filter(|c| {
            let n = NodeAddr::Resource(c.addr.clone());
            keep.contains(&n)
                || (c.action == Action::Delete && targets.iter().any(|t| matches_target(&n, t)))
        })
        .collect()
}

fn plan_outputs(state: &State, evaluated: &Evaluated, destroy: bool) -> Vec<OutputChange> {
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for (name, v) in &evaluated.outputs {
        names.insert(name.clone());
        let before = state
            .outputs
            .get(name)
            .map(|o| Value::from_json(&o.value).mark_if(o.sensitive));
        let sensitive = v.is_sensitive() || state.outputs.get(name).is_some_and(|o| o.sensitive);
        let (action, after) = if destroy {
            (
                if before.is_some() {
                    Action::Delete
                } else {
                    Action::NoOp
                },
                None,
            )
        } else {
            let action = match &before {
                None => Action::Create,
                Some(b) if values_equal(&b.clone().unmark_deep().0, &v.clone().unmark_deep().0) => {
                    Action::NoOp
                }
                Some(_) => Action::Update,
            };
            (action, Some(v.clone()))
        };
        out.push(OutputChange {
            name: name.clone(),
            action,
            before,
            after,
            sensitive,
        });
    }
    for (name, o) in &state.outputs {
        if !names.contains(name) {
            out.push(OutputChange {
                name: name.clone(),
                action: Action::Delete,
                before: Some(Value::from_json(&o.value).mark_if(o.sensitive)),
                after: None,
                sensitive: o.sensitive,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
