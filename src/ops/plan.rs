//! `terrace plan`: evaluate the configuration against the stored state and decide every
//! instance's action. Refresh against the cloud arrives with the provider.

use super::workspace::{evaluate_config, load_config, Workspace};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::inputs::{InputSource, RawInput, VarArg};
use crate::eval::EvalMode;
use crate::plan::{
    plan_migrations, Plan, PlanOptions, Planner, SavedOptions, SavedPlan, SavedVariable,
    SAVED_PLAN_FORMAT, SAVED_PLAN_VERSION,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct PlanCmdOptions {
    pub vars: Vec<VarArg>,
    pub plan: PlanOptions,
    /// Take the state lock while planning (`-lock`).
    pub lock: bool,
    pub lock_timeout: Duration,
    /// Talk to AWS: refresh the state's objects and read data sources. Off, the plan compares
    /// the configuration with the state as stored.
    pub connect: bool,
    /// With `connect`, refresh before planning (`-refresh`).
    pub refresh: bool,
    /// `-refresh-only`: plan only to record the refresh's findings in state.
    pub refresh_only: bool,
}

impl Default for PlanCmdOptions {
    fn default() -> Self {
        PlanCmdOptions {
            vars: Vec::new(),
            plan: PlanOptions::default(),
            lock: true,
            connect: false,
            refresh: true,
            refresh_only: false,
            lock_timeout: Duration::ZERO,
        }
    }
}

/// The outcome of `plan`. `plan` is `None` when errors prevented planning.
pub struct PlanReport {
    pub plan: Option<Plan>,
    pub diags: Diagnostics,
    pub config: Config,
    /// The plan as it would be saved with `-out`.
    pub saved: Option<SavedPlan>,
}

pub fn plan(ws: &Workspace, opts: &PlanCmdOptions) -> PlanReport {
    let mut diags = Diagnostics::new();
    let (cfg, inputs) = load_config(ws, &opts.vars, &mut diags);
    if let Some((summary, detail)) = opts
        .refresh_only
        .then(|| crate::plan::refresh_only::incompatible(opts.refresh, &opts.plan))
        .flatten()
    {
        diags.push(Diagnostic::error(summary).detail(detail));
    }
    if diags.has_errors() {
        diags.sort_dedup();
        return PlanReport {
            plan: None,
            diags,
            config: cfg,
            saved: None,
        };
    }
    let (state, _lock) =
        match super::state_access::read_state(ws, &cfg, opts.lock, opts.lock_timeout, "plan") {
            Ok((s, guard)) => (s.unwrap_or_default(), guard),
            Err(d) => {
                diags.extend(d);
                diags.sort_dedup();
                return PlanReport {
                    plan: None,
                    diags,
                    config: cfg,
                    saved: None,
                };
            }
        };
    let mut state = state;
    let needs_cloud = opts.connect
        && ((opts.refresh && !state.resources.is_empty())
            || has_data_sources(&cfg.root)
            || !cfg.root.module.imports.is_empty());
    let connected = if needs_cloud {
        match super::connect::connect(ws, &cfg, &inputs, super::connect::aws) {
            Ok(c) => Some(c),
            Err(e) => {
                diags.push(Diagnostic::error("Cannot configure the AWS provider").detail(e));
                return PlanReport {
                    plan: None,
                    diags,
                    config: cfg,
                    saved: None,
                };
            }
        }
    } else {
        None
    };
    let mut drift = Vec::new();
    // A targeted refresh-only plan keeps the stored entries of what it does not target.
    let prior = (opts.refresh_only && !opts.plan.targets.is_empty()).then(|| state.clone());
    if let (Some(c), true) = (&connected, opts.refresh) {
        match c
            .runtime
            .block_on(super::refresh::refresh(&c.provider, &mut state))
        {
            Ok(d) => drift = d,
            Err(e) => {
                diags.push(
                    Diagnostic::error("Refresh failed")
                        .detail(format!("Reading the state's objects from AWS failed: {e}")),
                );
                return PlanReport {
                    plan: None,
                    diags,
                    config: cfg,
                    saved: None,
                };
            }
        }
    }
    let reader = connected
        .as_ref()
        .map(|c| c as &dyn crate::plan::DataReader);
    let history = super::migration_history::DatabaseHistory::new(&ws.env);
    let history = opts
        .connect
        .then_some(&history as &dyn crate::plan::HistoryReader);
    // Import blocks: their objects are planned as if in state (refresh-only imports nothing).
    let imports = if opts.refresh_only {
        super::import::PlannedImports::default()
    } else {
        let c = connected.as_ref();
        let destroy = opts.plan.destroy;
        super::import::plan_imports(ws, &cfg, &inputs, c, &state, destroy, &mut diags)
    };
    imports.add_to(&mut state);
    let planned = if opts.refresh_only {
        let targets = &opts.plan.targets;
        let drift = std::mem::take(&mut drift);
        super::refresh_only::plan(
            ws,
            &cfg,
            &inputs,
            prior.as_ref(),
            state,
            drift,
            targets,
            &mut diags,
        )
        .map(|r| r.plan)
    } else {
        plan_against(
            ws, &cfg, &inputs, state, &opts.plan, reader, history, &mut diags,
        )
        .map(|p| p.plan)
    };
    let planned = planned.map(|mut p| {
        imports.mark(&mut p, &mut diags);
        p
    });
    diags.sort_dedup();
    let Some(mut plan) = planned.filter(|_| !diags.has_errors()) else {
        return PlanReport {
            plan: None,
            diags,
            config: cfg,
            saved: None,
        };
    };
    if !plan.refresh_only {
        plan.drift = drift;
    }
    let saved = SavedPlan {
        format: SAVED_PLAN_FORMAT.to_string(),
        format_version: SAVED_PLAN_VERSION,
        terrace_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: crate::state::now_rfc3339(),
        workspace: ws.name.clone(),
        config_hash: config_hash(&cfg),
        variables: saved_variables(&cfg, &inputs),
        options: SavedOptions {
            refresh_only: opts.refresh_only,
            ..SavedOptions::from(&opts.plan)
        },
        plan: plan.clone(),
    };
    PlanReport {
        plan: Some(plan),
        diags,
        config: cfg,
        saved: Some(saved),
    }
}

/// sha256 over the `.tf` files of the configuration, by path, so a saved plan can tell
/// whether the configuration changed since.
pub fn config_hash(cfg: &Config) -> String {
    let mut files: Vec<(String, &str)> = (0..cfg.sources.len() as u32)
        .filter_map(|i| cfg.sources.get(crate::diag::FileId(i)))
        .filter(|f| f.path.extension().is_some_and(|e| e == "tf"))
        .map(|f| (f.path.display().to_string(), &*f.text))
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for (p, t) in files {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(t.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn saved_variables(
    cfg: &Config,
    inputs: &crate::eval::inputs::InputValues,
) -> BTreeMap<String, SavedVariable> {
    let mut out = BTreeMap::new();
    for (name, input) in inputs {
        let Some(decl) = cfg.root.module.variables.get(name) else {
            continue;
        };
        let source = match &input.source {
            InputSource::Cli => "cli".to_string(),
            InputSource::Env => "env".to_string(),
            InputSource::File(span) => cfg.sources.path(span.file).display().to_string(),
        };
        let value = (!decl.sensitive).then(|| match &input.raw {
            // `-var`/env text is raw for primitive types and an expression otherwise.
            RawInput::Text(t) => match decl.type_expr.as_ref().map(crate::eval::parse_type) {
                None
                | Some(Ok(
                    crate::eval::Type::String | crate::eval::Type::Number | crate::eval::Type::Bool,
                ))
                | Some(Err(_)) => serde_json::Value::String(t.clone()).to_string(),
                Some(Ok(_)) => t.clone(),
            },
            RawInput::Expr(e) => {
                let span = e.span();
                cfg.sources
                    .get(e.file)
                    .and_then(|f| f.text.get(span.range.clone()))
                    .unwrap_or("null")
                    .to_string()
            }
        });
        out.insert(
            name.clone(),
            SavedVariable {
                value,
                sensitive: decl.sensitive,
                source,
            },
        );
    }
    out
}

/// A plan with what executing it needs.
pub struct Planned {
    pub plan: Plan,
    pub graph: crate::graph::DepGraph,
    /// The evaluated root `provider "aws"` blocks by alias.
    pub providers: std::collections::HashMap<Option<String>, crate::eval::Value>,
}

/// Plans the loaded configuration against `state` (which the planner consumes), or `None`
/// when evaluation failed (see `diags`). `reader` reads data sources; `history` reads
/// migration blocks' histories from their databases (without it, from state).
#[allow(clippy::too_many_arguments)]
pub fn plan_against(
    ws: &Workspace,
    cfg: &Config,
    inputs: &crate::eval::inputs::InputValues,
    state: crate::state::State,
    opts: &PlanOptions,
    reader: Option<&dyn crate::plan::DataReader>,
    history: Option<&dyn crate::plan::HistoryReader>,
    diags: &mut Diagnostics,
) -> Option<Planned> {
    for a in &opts.replace {
        if state.get(a).is_none() {
            diags.push(Diagnostic::warning("Replace target not in state").detail(format!("-replace={a} names an instance that does not exist in state, so there is nothing to replace.")));
        }
    }
    let mut planner = Planner::new(state, opts);
    if let Some(r) = reader {
        planner = planner.with_reader(r);
    }
    let (mut evaluated, graph) =
        evaluate_config(ws, cfg, inputs, EvalMode::Plan, Some(&planner), diags);
    let (mut plan, state) = planner.finish(cfg, &mut evaluated, &graph, diags);
    plan.migrations = plan_migrations(&plan, &evaluated.migrations, &state, history, diags);
    let providers = std::mem::take(&mut evaluated.providers);
    (!diags.has_errors()).then_some(Planned {
        plan,
        graph,
        providers,
    })
}

/// Whether the module tree declares any data source.
fn has_data_sources(tree: &crate::config::ModuleTree) -> bool {
    tree.module
        .resources
        .keys()
        .any(|a| a.mode == crate::addr::Mode::Data)
        || tree.children.values().any(has_data_sources)
}
