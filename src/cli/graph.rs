//! `terrace graph [--format dot|json]`

use super::var_flags::VarFlags;
use super::Output;
use crate::ops::{self, GraphOptions, Workspace};
use crate::render;
use clap::{Args, ValueEnum};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum GraphFormat {
    #[default]
    Dot,
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    #[command(flatten)]
    pub vars: VarFlags,
}

pub fn run(a: GraphArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let report = ops::graph(
        &ws,
        &GraphOptions {
            vars: a.vars.in_order(),
        },
    );
    if !report.diags.is_empty() {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&report.diags, &report.sources, out.style)
        ))?;
    }
    if report.diags.has_errors() {
        return Ok(ExitCode::from(1));
    }
    match a.format {
        GraphFormat::Dot => out.stdout(&render::graph_dot(&report.graph))?,
        GraphFormat::Json => out.stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&render::graph_json(&report.graph))?
        ))?,
    }
    Ok(ExitCode::SUCCESS)
}
