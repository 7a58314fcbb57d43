//! `terrace validate [-json] [-var k=v] [-var-file f]`

use super::var_flags::VarFlags;
use super::Output;
use crate::ops::{self, ValidateOptions, Workspace};
use crate::render;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the result as JSON (Terraform's `validate -json` format).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub vars: VarFlags,
}

pub fn run(a: ValidateArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let report = ops::validate(
        &ws,
        &ValidateOptions {
            vars: a.vars.in_order(),
        },
    );
    if a.json {
        let doc = render::diagnostics_json(&report.diags, &report.sources);
        out.stdout(&format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
    } else {
        if !report.diags.is_empty() {
            out.stderr(&format!(
                "{}\n",
                render::render_diagnostics(&report.diags, &report.sources, out.style)
            ))?;
        }
        if report.is_valid() {
            out.stdout(&format!(
                "{} The configuration is valid.\n",
                out.style.green("Success!")
            ))?;
        }
    }
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
