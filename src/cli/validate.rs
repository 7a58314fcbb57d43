//! `terrace validate [-json] [-var k=v] [-var-file f]`

use super::Output;
use crate::eval::inputs::VarArg;
use crate::ops::{self, ValidateOptions, Workspace};
use crate::render;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the result as JSON (Terraform's `validate -json` format).
    #[arg(long)]
    pub json: bool,
    /// Set a root module variable: NAME=VALUE.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Read variable values from a .tfvars file.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_file: Vec<std::path::PathBuf>,
}

/// Combines `-var` and `-var-file` in command-line order.
pub fn var_args(vars: &[String], files: &[std::path::PathBuf]) -> Vec<VarArg> {
    // clap does not keep the interleaving of two different flags; recover it from argv.
    let mut out = Vec::new();
    let (mut vi, mut fi) = (0, 0);
    let argv: Vec<String> = super::normalize_args(std::env::args_os().collect())
        .into_iter()
        .filter_map(|a| a.into_string().ok())
        .collect();
    for a in &argv {
        if (a == "--var" || a.starts_with("--var=")) && vi < vars.len() {
            out.push(VarArg::Var(vars[vi].clone()));
            vi += 1;
        } else if (a == "--var-file" || a.starts_with("--var-file=")) && fi < files.len() {
            out.push(VarArg::File(files[fi].clone()));
            fi += 1;
        }
    }
    out.extend(vars[vi..].iter().cloned().map(VarArg::Var));
    out.extend(files[fi..].iter().cloned().map(VarArg::File));
    out
}

pub fn run(a: ValidateArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let report = ops::validate(
        &ws,
        &ValidateOptions {
            vars: var_args(&a.var, &a.var_file),
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
