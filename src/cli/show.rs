//! `terrace show [FILE] [-json | --format human|json|markdown|gitlab]`: a saved plan, or the
//! current state.
//!
//! For a plan file: `human` is the plan as `terrace plan` prints it, `json` Terraform's plan
//! representation (for policy tools), `markdown` a merge request comment, `gitlab` GitLab's
//! Terraform report artifact. The state has `human` and `json` only. No format writes a
//! sensitive value.

use super::Output;
use crate::config::Config;
use crate::plan::SavedPlan;
use crate::render;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Human,
    Json,
    Markdown,
    Gitlab,
}

impl ShowFormat {
    fn name(self) -> &'static str {
        match self {
            ShowFormat::Human => "human",
            ShowFormat::Json => "json",
            ShowFormat::Markdown => "markdown",
            ShowFormat::Gitlab => "gitlab",
        }
    }
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan file written by `terrace plan -out FILE`.
    pub file: Option<PathBuf>,
    /// Print JSON (same as --format json): Terraform's plan representation for plan files.
    #[arg(long)]
    pub json: bool,
    /// Output format; markdown and gitlab need a plan file.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ShowFormat>,
}

/// The configuration the plan was made from, for the `configuration` section of the plan
/// JSON: the one in the current directory when its files hash as the plan recorded. Any
/// other configuration (or none, as in a job that only downloaded the plan) is left out,
/// with a note on standard error, rather than described wrongly.
fn plan_configuration(saved: &SavedPlan, out: &Output) -> anyhow::Result<Option<Config>> {
    let ws = crate::ops::Workspace::from_env();
    let mut diags = crate::diag::Diagnostics::new();
    let cfg = crate::config::load(&ws.dir, &mut diags);
    if !diags.has_errors() && crate::ops::config_hash(&cfg) == saved.config_hash {
        return Ok(Some(cfg));
    }
    out.stderr("Note: the configuration section is left out: the configuration in this directory is not the one the plan was made from.\n")?;
    Ok(None)
}

pub fn run(a: ShowArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let format = match (a.json, a.format) {
        (true, Some(f)) if f != ShowFormat::Json => {
            anyhow::bail!("-json and --format {} conflict: pick one", f.name())
        }
        (true, _) => ShowFormat::Json,
        (false, f) => f.unwrap_or(ShowFormat::Human),
    };
    match &a.file {
        Some(f) => {
            let saved = SavedPlan::read(f)?;
            let text = match format {
                ShowFormat::Human => render::render_plan(&saved.plan, out.style),
                ShowFormat::Json => {
                    let cfg = plan_configuration(&saved, out)?;
                    format!(
                        "{}\n",
                        serde_json::to_string_pretty(&render::plan_json(
                            &saved.plan,
                            cfg.as_ref()
                        ))?
                    )
                }
                ShowFormat::Markdown => render::render_plan_markdown(&saved.plan, &saved.workspace),
                ShowFormat::Gitlab => render::render_plan_gitlab(&saved.plan),
            };
            out.stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            if matches!(format, ShowFormat::Markdown | ShowFormat::Gitlab) {
                anyhow::bail!(
                    "--format {} shows a plan: give the plan file (terrace show --format {} tfplan)",
                    format.name(),
                    format.name()
                );
            }
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
            let text = if format == ShowFormat::Json {
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&render::state_json(&state))?
                )
            } else {
                render::state_human(&state)
            };
            out.stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
