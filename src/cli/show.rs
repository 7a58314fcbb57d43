//! `terrace show [FILE] [-json]`: a saved plan, or the current state.

use super::Output;
use crate::plan::SavedPlan;
use crate::render;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan file written by `terrace plan -out FILE`.
    pub file: Option<PathBuf>,
    /// Print JSON (Terraform's plan representation for plan files).
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: ShowArgs, out: &Output) -> anyhow::Result<ExitCode> {
    match &a.file {
        Some(f) => {
            let saved = SavedPlan::read(f)?;
            if a.json {
                out.stdout(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&render::plan_json(&saved.plan, None))?
                ))?;
            } else {
                out.stdout(&render::render_plan(&saved.plan, out.style))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let ws = crate::ops::Workspace::from_env();
            let state = match crate::ops::current_state(&ws) {
                Ok(s) => s.unwrap_or_default(),
                Err(d) => {
                    let sources = crate::diag::SourceMap::new();
                    out.stderr(&format!(
                        "{}\n",
                        render::render_diagnostics(&d, &sources, out.style)
                    ))?;
                    return Ok(ExitCode::from(1));
                }
            };
            if a.json {
                out.stdout(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&render::state_json(&state))?
                ))?;
            } else {
                out.stdout(&render::state_human(&state))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
