//! Refresh-only plans (`plan -refresh-only`, `apply -refresh-only`), as in Terraform: the
//! refresh's findings are the whole plan. Every managed object in state gets a no-op change
//! carrying its refreshed value; nothing is created, updated or deleted in the cloud.
//! Applying one writes the refreshed state: objects gone from the cloud leave it, changed
//! attributes take the cloud's values, and root outputs are evaluated again against it.
//!
//! Everything here is pure; `ops` does the refresh, the evaluation and the state write.

use super::planner::matches_target;
use super::ResourceChange;
use super::{conform, value_serde, values_equal, Action, Drift, OutputChange, Plan, PlanOptions};
use crate::addr::{NodeAddr, ResourceInstanceAddr};
use crate::eval::{InstancePlanner, Value};
use crate::graph::DepGraph;
use crate::state::{OutputState, State};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Why `-refresh-only` cannot be combined with the other options, as (summary, detail), or
/// `None` when it can. `-target` combines; `-destroy`, `-replace` and `-refresh=false` do not.
pub fn incompatible(refresh: bool, opts: &PlanOptions) -> Option<(&'static str, &'static str)> {
    if !refresh {
        return Some((
            "Incompatible refresh options",
            "It doesn't make sense to use -refresh-only at the same time as -refresh=false, because Terrace would have nothing to do.",
        ));
    }
    if opts.destroy {
        return Some((
            "Incompatible plan mode options",
            "The -destroy and -refresh-only options are mutually exclusive: a refresh-only plan never changes remote objects.",
        ));
    }
    if !opts.replace.is_empty() {
        return Some((
            "Incompatible plan options",
            "The -replace option cannot be used with -refresh-only: a refresh-only plan takes no actions on remote objects, so there is nothing to replace.",
        ));
    }
    None
}

/// The evaluation hook of a refresh-only plan: every resource and data source instance takes
/// its value from the (refreshed) state instead of the configuration, so outputs show what
/// the state will hold. Instances that are not in state are unknown.
pub struct StateValues<'a> {
    pub state: &'a State,
}

impl InstancePlanner for StateValues<'_> {
    fn plan_instance(
        &self,
        addr: &ResourceInstanceAddr,
        _config: Value,
        schema: &'static crate::schema::ResourceSchema,
        _resource: &crate::config::Resource,
    ) -> Value {
        self.state
            .get(addr)
            .map_or(Value::Unknown, |r| conform(r.value(), &schema.body))
    }
}

/// The instances a targeted refresh-only run refreshes: those a target selects and
/// everything they depend on (in `graph`), plus instances in `state` that a target names
/// directly (also when the configuration no longer has them).
pub fn targeted(
    targets: &[String],
    graph: &DepGraph,
    state: &State,
) -> BTreeSet<ResourceInstanceAddr> {
    let mut seen: HashSet<NodeAddr> = HashSet::new();
    let mut stack: Vec<NodeAddr> = graph
        .graph
        .node_weights()
        .filter(|n| targets.iter().any(|t| matches_target(n, t)))
        .cloned()
        .collect();
    while let Some(n) = stack.pop() {
        if seen.insert(n.clone()) {
            stack.extend(graph.dependencies(&n).into_iter().cloned());
        }
    }
    let mut keep: BTreeSet<ResourceInstanceAddr> = seen
        .into_iter()
        .filter_map(|n| match n {
            NodeAddr::Resource(a) => Some(a),
            _ => None,
        })
        .collect();
    for r in &state.resources {
        let n = NodeAddr::Resource(r.address.clone());
        if targets.iter().any(|t| matches_target(&n, t)) {
            keep.insert(r.address.clone());
        }
    }
    keep
}

/// Undoes the refresh outside `keep`: there, the entries of `prior` (the state before the
/// refresh) stand again and their drift is dropped.
pub fn restrict(
    prior: &State,
    refreshed: &mut State,
    drift: &mut Vec<Drift>,
    keep: &BTreeSet<ResourceInstanceAddr>,
) {
    for r in &prior.resources {
        if !keep.contains(&r.address) {
            refreshed.upsert(r.clone());
        }
    }
    drift.retain(|d| keep.contains(&d.addr));
}

/// Root output changes: `evaluated` (the outputs evaluated against the refreshed state)
/// against `recorded` (the state's). An output the state alone cannot give a value (it
/// refers to an object that is not in state) is removed when recorded, else left out; a
/// recorded output the configuration no longer declares is removed.
pub fn output_changes(
    recorded: &BTreeMap<String, OutputState>,
    evaluated: &[(String, Value)],
) -> Vec<OutputChange> {
    let before_of = |name: &str| {
        recorded
            .get(name)
            .map(|o| (Value::from_json(&o.value).mark_if(o.sensitive), o.sensitive))
    };
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for (name, v) in evaluated {
        names.insert(name.as_str());
        let (before, was_sensitive) = before_of(name).unzip();
        let sensitive = v.contains_sensitive() || was_sensitive.unwrap_or(false);
        if !v.is_wholly_known() {
            if before.is_some() {
                out.push(OutputChange {
                    name: name.clone(),
                    action: Action::Delete,
                    before,
                    after: None,
                    sensitive,
                });
            }
            continue;
        }
        let action = match &before {
            None => Action::Create,
            Some(b) if values_equal(&b.clone().unmark_deep().0, &v.clone().unmark_deep().0) => {
                Action::NoOp
            }
            Some(_) => Action::Update,
        };
        out.push(OutputChange {
            name: name.clone(),
            action,
            before,
            after: Some(v.clone()),
            sensitive,
        });
    }
    for name in recorded.keys() {
        if !names.contains(name.as_str()) {
            let (before, sensitive) = before_of(name).unzip();
            out.push(OutputChange {
                name: name.clone(),
                action: Action::Delete,
                before,
                after: None,
                sensitive: sensitive.unwrap_or(false),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The refresh-only plan over `refreshed` (the state after refresh, already restricted to
/// the targets): a no-op change for every managed instance in it (only the targeted ones when
/// `keep` is given), with `drift` and `outputs` as the findings.
pub fn build(
    refreshed: &State,
    drift: Vec<Drift>,
    outputs: Vec<OutputChange>,
    targets: &[String],
    keep: Option<&BTreeSet<ResourceInstanceAddr>>,
) -> Plan {
    let changes = refreshed
        .resources
        .iter()
        .filter(|r| r.is_managed() && keep.is_none_or(|k| k.contains(&r.address)))
        .map(|r| {
            let value = r.value();
            let value = match crate::schema::resource(&r.type_name) {
                Some(s) => conform(value, &s.body),
                None => value,
            };
            ResourceChange {
                addr: r.address.clone(),
                action: Action::NoOp,
                before: Some(value),
                after: None,
                changed: Vec::new(),
                forces: Vec::new(),
                reason: None,
                provider_id: r.provider_id.clone(),
                create_before_destroy: r.create_before_destroy,
                timeouts: BTreeMap::new(),
                importing: None,
            }
        })
        .collect();
    Plan {
        changes,
        outputs,
        migrations: Vec::new(),
        prior_lineage: Some(refreshed.lineage.clone()),
        prior_serial: Some(refreshed.serial),
        destroy: false,
        targets: targets.to_vec(),
        drift,
        refresh_only: true,
    }
}

/// The state a refresh-only apply writes: `refreshed` with the plan's output changes
/// recorded. Outputs whose value is not wholly known are dropped, as after any apply.
pub fn state_after(plan: &Plan, mut refreshed: State) -> State {
    for o in &plan.outputs {
        match (&o.action, &o.after) {
            (Action::Delete, _) | (_, None) => {
                refreshed.outputs.remove(&o.name);
            }
            (_, Some(v)) if v.is_wholly_known() => {
                refreshed.outputs.insert(
                    o.name.clone(),
                    OutputState {
                        value: v.clone().unmark_deep().0.to_json(),
                        sensitive: v.contains_sensitive(),
                    },
                );
            }
            (_, Some(_)) => {
                refreshed.outputs.remove(&o.name);
            }
        }
    }
    refreshed
}

/// One finding as a saved plan file holds it (sensitive values masked, sets canonical).
type Finding = (String, bool, Vec<(String, serde_json::Value)>);

fn findings(plan: &Plan) -> (Vec<Finding>, Vec<(String, Action)>) {
    let saved_form =
        |v: &Value| value_serde::to_json(&value_serde::from_json(&value_serde::to_json(v)));
    let drift = plan
        .drift
        .iter()
        .map(|d| {
            let attrs = d
                .changed
                .iter()
                .map(|a| {
                    let v = d.after.as_ref().and_then(|x| x.get_attr(a));
                    (a.clone(), v.map_or(serde_json::Value::Null, saved_form))
                })
                .collect();
            (d.addr.to_string(), d.after.is_none(), attrs)
        })
        .collect();
    let outputs = plan
        .outputs
        .iter()
        .map(|o| (o.name.clone(), o.action))
        .collect();
    (drift, outputs)
}

/// Whether `fresh` finds what the saved refresh-only plan `saved` recorded: the same objects
/// gone, the same attributes changed to the same values (sensitive values compare masked,
/// as saved plans hold them) and the same output actions.
pub fn same_findings(saved: &Plan, fresh: &Plan) -> bool {
    findings(saved) == findings(fresh)
}

#[cfg(test)]
#[path = "refresh_only_tests.rs"]
mod tests;
