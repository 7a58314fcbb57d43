//! Command-line interface: clap definitions, Terraform-style flag spellings, one file per verb.

mod apply;
mod args;
mod drift;
mod fmt;
mod force_unlock;
mod graph;
mod import;
mod init;
mod migrate;
mod output_cmd;
mod plan;
mod show;
mod state;
mod terminal;
mod validate;
mod var_flags;
mod workspace;

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;

pub use args::normalize_args;
pub use terminal::Output;

/// Terrace: declarative AWS infrastructure in Terraform syntax.
#[derive(Debug, Parser)]
#[command(name = "terrace", version, about, disable_help_subcommand = true)]
pub struct Cli {
    /// Switch to DIR before doing anything else (like Terraform's -chdir).
    #[arg(long, value_name = "DIR", global = true)]
    pub chdir: Option<std::path::PathBuf>,

    /// Disable colour in output.
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prepare the directory: validate and set up the state backend (-backend-config,
    /// -migrate-state, -reconfigure).
    Init(init::InitArgs),
    /// Check that the configuration is valid.
    Validate(validate::ValidateArgs),
    /// Rewrite .tf and .tfvars files in the canonical layout (-check: exit 3 if any is not).
    Fmt(fmt::FmtArgs),
    /// Print the dependency graph (DOT or JSON).
    Graph(graph::GraphArgs),
    /// Show the changes applying the configuration would make.
    Plan(plan::PlanArgs),
    /// Create, update and delete infrastructure to match the configuration.
    Apply(apply::ApplyArgs),
    /// Destroy everything in state (apply -destroy).
    Destroy(apply::ApplyArgs),
    /// Report what changed in the cloud outside Terrace (read-only; exit 2 on drift).
    Drift(drift::DriftArgs),
    /// Bring an existing object under management: write it into the state at ADDR.
    Import(import::ImportArgs),
    /// Show a saved plan, or the current state.
    Show(show::ShowArgs),
    /// Inspect and edit the state: list, show, rm, mv.
    #[command(subcommand_required = true)]
    State(state::StateArgs),
    /// Show the root module's outputs from the state.
    Output(output_cmd::OutputArgs),
    /// Remove a state lock left by a run that died.
    ForceUnlock(force_unlock::ForceUnlockArgs),
    /// Run and inspect database migrations: status, up, down, history, repair.
    #[command(subcommand_required = true)]
    Migrate(migrate::MigrateArgs),
    /// Manage workspaces (one state each): list, show, new, select, delete.
    #[command(subcommand_required = true)]
    Workspace(workspace::WorkspaceArgs),
    /// Print the Terrace version.
    Version,
}

/// Parses arguments and runs the command. Errors that are not diagnostics (I/O on stdout,
/// bad directories) are returned for `main` to print.
pub fn run(args: Vec<OsString>) -> anyhow::Result<ExitCode> {
    let args = normalize_args(args);
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    if let Some(dir) = &cli.chdir {
        std::env::set_current_dir(dir)
            .map_err(|e| anyhow::anyhow!("cannot change directory to {}: {e}", dir.display()))?;
    }
    let out = Output::detect(cli.no_color);
    match cli.command {
        Command::Init(a) => init::run(a, &out),
        Command::Validate(a) => validate::run(a, &out),
        Command::Fmt(a) => fmt::run(a, &out),
        Command::Graph(a) => graph::run(a, &out),
        Command::Plan(a) => plan::run(a, &out),
        Command::Apply(a) => apply::run(a, &out, false),
        Command::Destroy(a) => apply::run(a, &out, true),
        Command::Drift(a) => drift::run(a, &out),
        Command::Import(a) => import::run(a, &out),
        Command::Show(a) => show::run(a, &out),
        Command::State(a) => state::run(a, &out),
        Command::Output(a) => output_cmd::run(a, &out),
        Command::ForceUnlock(a) => force_unlock::run(a, &out),
        Command::Migrate(a) => migrate::run(a, &out),
        Command::Workspace(a) => workspace::run(a, &out),
        Command::Version => {
            out.stdout(&format!("Terrace v{}\n", env!("CARGO_PKG_VERSION")))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
