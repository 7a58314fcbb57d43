//! `terrace apply` / `destroy`: plan (or take a saved plan), ask for approval, execute the
//! plan with a provider, record state after every resource, then the outputs.

use super::plan::{config_hash, plan_against, Planned};
use super::workspace::{evaluate_config, load_config, Workspace};
use crate::addr::ResourceInstanceAddr;
use crate::apply::{apply_plan, ApplyContext, ApplyOutcome, ApplySettings, EventSink, Resolver};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::inputs::{InputValues, VarArg};
use crate::eval::{EvalMode, Value};
use crate::plan::{Plan, PlanOptions, Planner, SavedPlan};
use crate::provider::Provider;
use crate::schema::Presence;
use crate::state::{select_backend, JournalEntry, OutputState, State};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ApplyCmdOptions {
    pub vars: Vec<VarArg>,
    /// Refresh the state's objects before planning (`-refresh`).
    pub refresh: bool,
    pub plan: PlanOptions,
    pub lock_timeout: Duration,
    pub parallelism: usize,
    /// Apply exactly this saved plan (refused when stale).
    pub saved: Option<SavedPlan>,
    /// Stop starting new changes on Ctrl-C; a second Ctrl-C exits at once.
    pub handle_interrupts: bool,
    /// `-refresh-only`: only record the refresh's findings in state (see `ops::refresh_only`).
    pub refresh_only: bool,
}

impl Default for ApplyCmdOptions {
    fn default() -> Self {
        ApplyCmdOptions {
            vars: Vec::new(),
            refresh: true,
            plan: PlanOptions::default(),
            lock_timeout: Duration::ZERO,
            parallelism: 10,
            saved: None,
            handle_interrupts: false,
            refresh_only: false,
        }
    }
}

/// The outcome: the plan that was (or would have been) applied, and what happened.
pub struct ApplyReport {
    pub plan: Option<Plan>,
    /// `None` when nothing was executed (errors, no changes, not approved).
    pub outcome: Option<ApplyOutcome>,
    pub approved: bool,
    pub diags: Diagnostics,
    pub config: Config,
    /// Root outputs after the apply (sensitive ones marked).
    pub outputs: Vec<(String, Value)>,
}

/// Evaluates an instance's final configuration value against the current state, once
/// everything it depends on exists: only the instance and what it references, so each
/// resource costs what its own dependencies cost, not the size of the configuration.
struct ConfigResolver {
    ws: Workspace,
    cfg: Arc<Config>,
    inputs: Arc<InputValues>,
}

/// The diagnostics on one line, for an error string.
fn errors_text(diags: &Diagnostics) -> String {
    diags
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConfigResolver {
    /// The whole configuration against `state` (the migration stage and the final outputs).
    fn evaluate(&self, state: &State) -> Result<crate::eval::Evaluated, String> {
        let mut diags = Diagnostics::new();
        let opts = PlanOptions::default();
        let planner = Planner::new(state.clone(), &opts);
        let (evaluated, _) = evaluate_config(
            &self.ws,
            &self.cfg,
            &self.inputs,
            EvalMode::Plan,
            Some(&planner),
            &mut diags,
        );
        if diags.has_errors() {
            return Err(errors_text(&diags));
        }
        Ok(evaluated)
    }
}

impl Resolver for ConfigResolver {
    fn resolve(&self, addr: &ResourceInstanceAddr, state: &State) -> Result<Value, String> {
        let mut diags = Diagnostics::new();
        let opts = PlanOptions::default();
        let planner = Planner::new(state.clone(), &opts);
        let value = crate::eval::evaluate_instance(
            &self.cfg,
            crate::eval::EvalOptions {
                mode: EvalMode::Plan,
                workspace: self.ws.name.clone(),
                inputs: &self.inputs,
                planner: Some(&planner),
            },
            addr,
            &mut diags,
        );
        if diags.has_errors() {
            return Err(errors_text(&diags));
        }
        let value = value.ok_or_else(|| format!("{addr} is no longer in the configuration"))?;
        // Every configured attribute must be known now; only computed ones may remain unknown.
        let schema = match addr.resource.mode {
            crate::addr::Mode::Managed => crate::schema::resource(&addr.resource.type_name),
            crate::addr::Mode::Data => crate::schema::data_source(&addr.resource.type_name),
        };
        if let (Some(s), Some(m)) = (schema, value.as_map()) {
            for a in &s.body.attrs {
                let known = m.get(a.name).is_none_or(Value::is_wholly_known);
                if !known && matches!(a.presence, Presence::Required | Presence::Optional) {
                    return Err(format!("{addr}: the value of {:?} is still unknown after its dependencies were applied", a.name));
                }
            }
        }
        Ok(value)
    }
}

/// Runs `apply`. `approve` is asked once with the plan (the CLI prompts or honours
/// `-auto-approve`); `make_provider` builds the provider from the evaluated provider blocks
/// (a clone of it takes the migration stage's `snapshot_before` snapshots).
pub fn apply<P, F, Fut>(
    ws: &Workspace,
    opts: &ApplyCmdOptions,
    approve: impl FnOnce(&Plan) -> bool,
    make_provider: F,
    sink: Arc<dyn EventSink>,
) -> ApplyReport
where
    P: Provider + Clone + 'static,
    F: FnOnce(HashMap<Option<String>, Value>) -> Fut,
    Fut: Future<Output = Result<P, String>>,
{
    let mut diags = Diagnostics::new();
    let (cfg, inputs) = load_config(ws, &opts.vars, &mut diags);
    let fail = |diags: Diagnostics, cfg: Config, plan: Option<Plan>| ApplyReport {
        plan,
        outcome: None,
        approved: false,
        diags,
        config: cfg,
        outputs: Vec::new(),
    };
    let refresh_only =
        opts.refresh_only || opts.saved.as_ref().is_some_and(|s| s.options.refresh_only);
    if let Some(d) = refresh_only
        .then(|| super::refresh_only::check_apply_options(opts))
        .flatten()
    {
        diags.push(d);
    }
    if diags.has_errors() {
        return fail(diags, cfg, None);
    }
    let Ok(backend) = select_backend(&cfg.root.module, &ws.dir, &ws.name, &mut diags) else {
        return fail(diags, cfg, None);
    };
    let _lock = match backend.lock("apply", opts.lock_timeout) {
        Ok(g) => g,
        Err(e) => {
            diags.push(e.to_diagnostic());
            return fail(diags, cfg, None);
        }
    };
    let mut state = match backend.load() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            diags.push(e.to_diagnostic());
            return fail(diags, cfg, None);
        }
    };
    let plan_opts = opts.saved.as_ref().map_or_else(
        || opts.plan.clone(),
        |s| PlanOptions {
            destroy: s.options.destroy,
            targets: s.options.targets.clone(),
            replace: s
                .options
                .replace
                .iter()
                .filter_map(|r| r.parse().ok())
                .collect(),
        },
    );
    let connected = match super::connect::connect(ws, &cfg, &inputs, make_provider) {
        Ok(c) => c,
        Err(e) => {
            diags.push(Diagnostic::error("Cannot configure the AWS provider").detail(e));
            return fail(diags, cfg, None);
        }
    };
    // Refresh, then plan against what exists (a saved plan was made the same way).
    let mut drift = Vec::new();
    // A targeted refresh-only apply keeps the stored entries of what it does not target.
    let prior = (refresh_only && !plan_opts.targets.is_empty()).then(|| state.clone());
    if opts.refresh && !state.resources.is_empty() {
        let mut refreshed = state.clone();
        match connected
            .runtime
            .block_on(super::refresh::refresh(&connected.provider, &mut refreshed))
        {
            Ok(d) => {
                drift = d;
                state = refreshed;
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error("Refresh failed")
                        .detail(format!("Reading the state's objects from AWS failed: {e}")),
                );
                return fail(diags, cfg, None);
            }
        }
    }
    if refresh_only {
        let input = super::refresh_only::ApplyInput {
            backend: &backend,
            prior: prior.as_ref(),
            refreshed: state,
            drift,
            targets: &plan_opts.targets,
            saved: opts.saved.as_ref(),
        };
        return super::refresh_only::apply(ws, cfg, &inputs, input, approve, diags);
    }
    let imports = super::import::plan_imports(
        ws,
        &cfg,
        &inputs,
        Some(&connected),
        &state,
        plan_opts.destroy,
        &mut diags,
    );
    let mut planning = state.clone();
    imports.add_to(&mut planning);
    let Some(Planned {
        plan: mut fresh,
        graph,
        ..
    }) = plan_against(
        ws,
        &cfg,
        &inputs,
        planning,
        &plan_opts,
        Some(&connected),
        Some(&super::migration_history::DatabaseHistory::new(&ws.env)),
        &mut diags,
    )
    else {
        diags.sort_dedup();
        return fail(diags, cfg, None);
    };
    fresh.drift = drift;
    imports.mark(&mut fresh, &mut diags);
    if diags.has_errors() {
        diags.sort_dedup();
        return fail(diags, cfg, None);
    }
    let plan = match &opts.saved {
        None => fresh,
        Some(saved) => {
            if let Some(reason) = stale_reason(saved, &fresh, &cfg, &state) {
                diags.push(Diagnostic::error("Saved plan is stale").detail(format!(
                    "{reason} Create a new plan with terrace plan -out=FILE and apply that."
                )));
                return fail(diags, cfg, None);
            }
            saved.plan.clone()
        }
    };
    diags.sort_dedup();
    if !approve(&plan) {
        return ApplyReport {
            plan: Some(plan),
            outcome: None,
            approved: false,
            diags,
            config: cfg,
            outputs: Vec::new(),
        };
    }
    let cfg = Arc::new(cfg);
    let inputs = Arc::new(inputs);
    let resolver = Arc::new(ConfigResolver {
        ws: ws.clone(),
        cfg: cfg.clone(),
        inputs: inputs.clone(),
    });
    let stage: Arc<dyn crate::apply::MigrationStage> = {
        let r = resolver.clone();
        Arc::new(super::migration_stage::ConfigStage {
            evaluate: Arc::new(move |state: &State| r.evaluate(state)),
            env: ws.env.clone(),
            audit: crate::migrate::Audit::detect(&ws.dir),
            snapshot: super::migration_stage::provider_snapshotter(connected.provider.clone()),
        })
    };
    let super::connect::Connected { runtime, provider } = connected;
    let journal = match backend.journal(&mut state) {
        Ok(j) => j,
        Err(e) => {
            diags.push(e.to_diagnostic());
            drop(resolver);
            return fail(
                diags,
                Arc::try_unwrap(cfg).unwrap_or_else(|c| reload(ws, &c)),
                Some(plan),
            );
        }
    };
    let handle_interrupts = opts.handle_interrupts;
    let settings = ApplySettings {
        parallelism: opts.parallelism,
        ..ApplySettings::default()
    };
    let interrupted_sink = sink.clone();
    let result = runtime.block_on(async {
        let cancel = async move {
            if handle_interrupts {
                let _ = tokio::signal::ctrl_c().await;
                interrupted_sink.event(crate::apply::ApplyEvent::Interrupted);
                tokio::spawn(async {
                    let _ = tokio::signal::ctrl_c().await;
                    // Two interrupts: stop now. The journal already holds every finished change.
                    std::process::exit(130);
                });
            } else {
                std::future::pending::<()>().await;
            }
        };
        Ok::<_, String>(
            apply_plan(
                provider,
                &plan,
                &graph,
                journal,
                ApplyContext {
                    resolver: resolver.clone(),
                    sink,
                    settings,
                    stage: Some(stage),
                },
                cancel,
            )
            .await,
        )
    });
    let (outcome, mut journal) = match result {
        Ok(x) => x,
        Err(e) => {
            diags.push(Diagnostic::error("Cannot configure the AWS provider").detail(e));
            return fail(
                diags,
                Arc::try_unwrap(cfg).unwrap_or_else(|c| reload(ws, &c)),
                Some(plan),
            );
        }
    };
    // Outputs from the state as it now is.
    let mut outputs = Vec::new();
    match resolver.evaluate(journal.state()) {
        Ok(ev) => {
            let mut saved: BTreeMap<String, OutputState> = BTreeMap::new();
            for (name, v) in ev.outputs {
                if v.is_wholly_known() {
                    let sensitive = v.contains_sensitive();
                    saved.insert(
                        name.clone(),
                        OutputState {
                            value: v.clone().unmark_deep().0.to_json(),
                            sensitive,
                        },
                    );
                }
                outputs.push((name, v));
            }
            if let Err(e) = journal.append(&JournalEntry::SetOutputs { outputs: saved }) {
                diags.push(e.to_diagnostic());
            }
        }
        Err(e) => diags.push(Diagnostic::warning("Outputs not updated").detail(e)),
    }
    if let Err(e) = journal.finish(&mut state) {
        diags.push(e.to_diagnostic());
    }
    drop(resolver);
    let cfg = Arc::try_unwrap(cfg).unwrap_or_else(|c| reload(ws, &c));
    ApplyReport {
        plan: Some(plan),
        outcome: Some(outcome),
        approved: true,
        diags,
        config: cfg,
        outputs,
    }
}

/// Why a saved plan may not be applied, if it may not.
pub(super) fn stale_reason(
    saved: &SavedPlan,
    fresh: &Plan,
    cfg: &Config,
    state: &State,
) -> Option<String> {
    if saved.config_hash != config_hash(cfg) {
        return Some("The configuration changed since the plan was made.".into());
    }
    if saved.plan.prior_lineage.as_deref() != Some(state.lineage.as_str())
        && saved.plan.prior_serial.unwrap_or(0) > 0
    {
        return Some(format!(
            "The plan was made for state lineage {}, but the state now has lineage {}.",
            saved.plan.prior_lineage.as_deref().unwrap_or("(none)"),
            state.lineage
        ));
    }
    if saved.plan.prior_serial.is_some_and(|s| s != state.serial)
        && saved.plan.prior_serial.unwrap_or(0) > 0
    {
        return Some(format!(
            "The state changed since the plan was made (serial {} then, {} now).",
            saved.plan.prior_serial.unwrap_or(0),
            state.serial
        ));
    }
    let actions = |p: &Plan| {
        p.changes
            .iter()
            .map(|c| (c.addr.to_string(), c.action))
            .collect::<Vec<_>>()
    };
    let imports = |p: &Plan| {
        p.changes
            .iter()
            .filter(|c| c.importing.is_some())
            .map(|c| c.addr.to_string())
            .collect::<Vec<_>>()
    };
    if imports(&saved.plan) != imports(fresh) {
        return Some("The objects to import changed since the plan was made.".into());
    }
    if actions(&saved.plan) != actions(fresh) {
        return Some("Planning again now gives different actions than the saved plan.".into());
    }
    None
}

/// A fresh copy of the configuration when the shared one is still referenced (it is not
/// once the apply finished; this keeps the report total without panicking).
fn reload(ws: &Workspace, _cfg: &Arc<Config>) -> Config {
    let mut d = Diagnostics::new();
    crate::config::load(&ws.dir, &mut d)
}
