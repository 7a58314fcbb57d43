//! `-refresh-only` for `plan` and `apply`: the refresh's findings are the plan (see
//! [`crate::plan::refresh_only`]); applying one writes the refreshed state through the
//! state backend, under the apply's lock, and changes nothing in the cloud.

use super::apply::{stale_reason, ApplyCmdOptions, ApplyReport};
use super::workspace::{evaluate_config, Workspace};
use crate::apply::ApplyOutcome;
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::inputs::InputValues;
use crate::eval::EvalMode;
use crate::plan::refresh_only::{
    build, incompatible, output_changes, restrict, same_findings, state_after, targeted,
    StateValues,
};
use crate::plan::{Drift, Plan, PlanOptions, SavedPlan};
use crate::state::{Backend, State};

/// A refresh-only plan and the state applying it writes.
pub struct RefreshOnly {
    pub plan: Plan,
    /// `refreshed` with the plan's outputs recorded (and, with targets, the prior entries of
    /// everything not targeted).
    pub state: State,
}

/// Plans a refresh-only run. `refreshed` is the state after the refresh that found `drift`,
/// `prior` the state before it (`None` when nothing was refreshed). The configuration is
/// evaluated against `refreshed` for the outputs (and the graph `-target` follows).
/// `None` when evaluation failed (see `diags`).
#[allow(clippy::too_many_arguments)]
pub fn plan(
    ws: &Workspace,
    cfg: &Config,
    inputs: &InputValues,
    prior: Option<&State>,
    mut refreshed: State,
    mut drift: Vec<Drift>,
    targets: &[String],
    diags: &mut Diagnostics,
) -> Option<RefreshOnly> {
    let hook = StateValues { state: &refreshed };
    let (evaluated, graph) = evaluate_config(ws, cfg, inputs, EvalMode::Plan, Some(&hook), diags);
    if diags.has_errors() {
        return None;
    }
    if targets.is_empty() {
        let outputs = output_changes(&refreshed.outputs, &evaluated.outputs);
        let plan = build(&refreshed, drift, outputs, targets, None);
        let state = state_after(&plan, refreshed);
        return Some(RefreshOnly { plan, state });
    }
    diags.push(
        Diagnostic::warning("Resource targeting is in effect")
            .detail("You are creating a refresh-only plan with the -target option, which means that only the targeted objects and what they depend on are refreshed, and root outputs are not updated. Use -target only for exceptional situations."),
    );
    let keep = targeted(targets, &graph, prior.unwrap_or(&refreshed));
    if let Some(p) = prior {
        restrict(p, &mut refreshed, &mut drift, &keep);
    }
    let plan = build(&refreshed, drift, Vec::new(), targets, Some(&keep));
    Some(RefreshOnly {
        plan,
        state: refreshed,
    })
}

/// Why the options of a refresh-only apply (`-refresh-only`, or a saved refresh-only plan)
/// cannot be used together, if they cannot.
pub fn check_apply_options(opts: &ApplyCmdOptions) -> Option<Diagnostic> {
    let error = |(summary, detail): (&str, &str)| Diagnostic::error(summary).detail(detail);
    match &opts.saved {
        Some(s) if !s.options.refresh_only => Some(error((
            "Incompatible plan mode options",
            "The saved plan is not a refresh-only plan: apply it without -refresh-only, or create one with terrace plan -refresh-only -out=FILE.",
        ))),
        Some(s) => {
            let saved = PlanOptions {
                targets: s.options.targets.clone(),
                ..PlanOptions::default()
            };
            incompatible(opts.refresh, &saved).map(error)
        }
        None => incompatible(opts.refresh, &opts.plan).map(error),
    }
}

/// What [`apply`] needs besides the configuration.
pub struct ApplyInput<'a> {
    pub backend: &'a Backend,
    /// The state as loaded (under the apply's lock), when a refresh changed it.
    pub prior: Option<&'a State>,
    pub refreshed: State,
    pub drift: Vec<Drift>,
    pub targets: &'a [String],
    /// A saved refresh-only plan to apply: refused when stale or when refreshing again now
    /// finds something else than it recorded.
    pub saved: Option<&'a SavedPlan>,
}

/// Applies a refresh-only run: plans it, checks a saved plan against it, asks `approve`, then
/// writes the refreshed state through the backend (serial + 1 and a backup of the previous
/// file, when anything changed). The caller holds the state lock.
pub fn apply(
    ws: &Workspace,
    cfg: Config,
    inputs: &InputValues,
    input: ApplyInput<'_>,
    approve: impl FnOnce(&Plan) -> bool,
    mut diags: Diagnostics,
) -> ApplyReport {
    let report = |plan: Option<Plan>, diags: Diagnostics, cfg: Config| ApplyReport {
        plan,
        outcome: None,
        approved: false,
        diags,
        config: cfg,
        outputs: Vec::new(),
    };
    let Some(RefreshOnly { plan, state }) = plan(
        ws,
        &cfg,
        inputs,
        input.prior,
        input.refreshed,
        input.drift,
        input.targets,
        &mut diags,
    ) else {
        diags.sort_dedup();
        return report(None, diags, cfg);
    };
    if let Some(saved) = input.saved {
        let reason = stale_reason(saved, &plan, &cfg, &state).or_else(|| {
            (!same_findings(&saved.plan, &plan)).then(|| {
                "Refreshing again now finds other changes made outside Terrace than the saved plan recorded.".to_string()
            })
        });
        if let Some(reason) = reason {
            diags.push(Diagnostic::error("Saved plan is stale").detail(format!(
                "{reason} Create a new plan with terrace plan -refresh-only -out=FILE and apply that."
            )));
            diags.sort_dedup();
            return report(None, diags, cfg);
        }
    }
    diags.sort_dedup();
    if !approve(&plan) {
        return report(Some(plan), diags, cfg);
    }
    let mut state = state;
    if let Err(e) = input.backend.write(&mut state) {
        diags.push(e.to_diagnostic());
        return report(Some(plan), diags, cfg);
    }
    let outputs = plan
        .outputs
        .iter()
        .filter_map(|o| {
            let v = o.after.as_ref().filter(|v| v.is_wholly_known())?;
            Some((o.name.clone(), v.clone()))
        })
        .collect();
    ApplyReport {
        plan: Some(plan),
        outcome: Some(ApplyOutcome::default()),
        approved: true,
        diags,
        config: cfg,
        outputs,
    }
}
