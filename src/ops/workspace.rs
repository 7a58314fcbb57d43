//! The configuration directory a command works on, and loading it through every stage up to
//! the dependency graph.

use crate::config::{self, Config};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::eval::inputs::{self, InputSource, VarArg};
use crate::eval::{self, EvalMode, EvalOptions, Evaluated, InstancePlanner};
use crate::graph::{self, DepGraph};
use crate::state::DEFAULT_WORKSPACE;
use std::path::{Path, PathBuf};

/// Where and how a command runs.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The root module directory (usually `.` after `-chdir`).
    pub dir: PathBuf,
    /// The selected workspace name (`terraform.workspace`).
    pub name: String,
    /// Environment variables (for `TF_VAR_*`), captured once so tests can supply them.
    pub env: Vec<(String, String)>,
}

/// The file recording the selected workspace, relative to the configuration directory (like
/// Terraform's `.terraform/environment`): the workspace name, surrounding whitespace ignored.
pub const ENVIRONMENT_FILE: &str = ".terrace/environment";

/// The environment variable that overrides the recorded selection (as in Terraform).
pub const WORKSPACE_ENV_VAR: &str = "TF_WORKSPACE";

impl Workspace {
    /// The current directory and its selected workspace (see [`selected_workspace`]), with
    /// the process environment.
    pub fn from_env() -> Workspace {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let dir = PathBuf::new();
        let name = selected_workspace(&dir, &env);
        Workspace { dir, name, env }
    }

    /// The value of `TF_WORKSPACE` when it overrides the recorded selection (set and not
    /// empty).
    pub fn env_override(&self) -> Option<&str> {
        workspace_override(&self.env)
    }

    /// The file recording the selected workspace: `<dir>/.terrace/environment`.
    pub fn environment_file(&self) -> PathBuf {
        self.dir.join(ENVIRONMENT_FILE)
    }
}

fn workspace_override(env: &[(String, String)]) -> Option<&str> {
    env.iter()
        .find(|(k, _)| k == WORKSPACE_ENV_VAR)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The workspace selected for the configuration in `dir`: `TF_WORKSPACE` from `env` when set
/// and not empty, else the name recorded in `dir/.terrace/environment` (trimmed), else
/// `default` (also for an empty file).
///
/// A recorded selection that exists but cannot be read yields a name describing the problem,
/// which is never a valid workspace name: commands that open the state then fail instead of
/// silently using the default workspace's state.
pub fn selected_workspace(dir: &Path, env: &[(String, String)]) -> String {
    if let Some(name) = workspace_override(env) {
        return name.to_string();
    }
    let path = dir.join(ENVIRONMENT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().is_empty() => DEFAULT_WORKSPACE.to_string(),
        Ok(text) => text.trim().to_string(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DEFAULT_WORKSPACE.to_string(),
        Err(e) => format!("(unreadable {}: {e})", path.display()),
    }
}

/// What to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub vars: Vec<VarArg>,
    pub mode: EvalMode,
}

/// A configuration loaded, evaluated and ordered.
pub struct Loaded {
    pub config: Config,
    pub evaluated: Evaluated,
    pub graph: DepGraph,
    pub diags: Diagnostics,
    /// The variable values given, for saved plans.
    pub inputs: inputs::InputValues,
}

/// Loads the configuration, its variable values, evaluates it and builds the graph. All
/// problems are collected into `Loaded::diags`; later stages run on what could be loaded.
pub fn load(ws: &Workspace, opts: &LoadOptions) -> Loaded {
    load_with(ws, opts, None)
}

/// Like [`load`], with the plan stage's hook turning configuration values into planned
/// values during evaluation.
pub fn load_with(
    ws: &Workspace,
    opts: &LoadOptions,
    planner: Option<&dyn InstancePlanner>,
) -> Loaded {
    let mut diags = Diagnostics::new();
    let (cfg, inputs) = load_config(ws, &opts.vars, &mut diags);
    let (evaluated, graph) = evaluate_config(ws, &cfg, &inputs, opts.mode, planner, &mut diags);
    diags.sort_dedup();
    Loaded {
        config: cfg,
        evaluated,
        graph,
        diags,
        inputs,
    }
}

/// Loads the configuration files and the variable values (first half of [`load`]).
pub fn load_config(
    ws: &Workspace,
    vars: &[VarArg],
    diags: &mut Diagnostics,
) -> (Config, inputs::InputValues) {
    let mut cfg = config::load(&ws.dir, diags);
    let inputs = inputs::collect(&ws.dir, vars, &ws.env, &mut cfg.sources, diags);
    let declared = &cfg.root.module.variables;
    for (name, input) in &inputs {
        if declared.contains_key(name) {
            continue;
        }
        let hint = did_you_mean(name, declared.keys().map(String::as_str))
            .map(|s| format!("did you mean {s:?}?"));
        match &input.source {
            InputSource::Cli => {
                let mut d = Diagnostic::error("Value for undeclared variable").detail(format!("A variable named {name:?} was assigned on the command line, but the root module does not declare a variable of that name."));
                if let Some(h) = hint {
                    d = d.hint(h);
                }
                diags.push(d);
            }
            InputSource::File(span) => {
                let mut d = Diagnostic::warning("Value for undeclared variable").detail(format!("The root module does not declare a variable named {name:?} but a value was found in this file.")).at(span);
                if let Some(h) = hint {
                    d = d.hint(h);
                }
                diags.push(d);
            }
            InputSource::Env => {}
        }
    }
    (cfg, inputs)
}

/// Evaluates a loaded configuration and builds its graph (second half of [`load`]).
pub fn evaluate_config(
    ws: &Workspace,
    cfg: &Config,
    inputs: &inputs::InputValues,
    mode: EvalMode,
    planner: Option<&dyn InstancePlanner>,
    diags: &mut Diagnostics,
) -> (Evaluated, DepGraph) {
    let evaluated = if diags.has_errors() && cfg.root.module.files.is_empty() {
        Evaluated::default()
    } else {
        eval::evaluate(
            cfg,
            EvalOptions {
                mode,
                workspace: ws.name.clone(),
                inputs,
                planner,
            },
            diags,
        )
    };
    let graph = graph::build(&evaluated.nodes, diags);
    (evaluated, graph)
}
