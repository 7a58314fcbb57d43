//! `-var NAME=VALUE` and `-var-file FILE`, shared by every command that evaluates the
//! configuration (flattened into its clap struct).

use crate::eval::inputs::VarArg;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Args)]
pub struct VarFlags {
    /// Set a root module variable: NAME=VALUE.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Read variable values from a .tfvars file.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
}

impl VarFlags {
    /// The values in command-line order (a later one wins, as in Terraform).
    pub fn in_order(&self) -> Vec<VarArg> {
        var_args(&self.var, &self.var_file)
    }
}

/// Interleaves `vars` and `files` as they appear in this process's arguments: clap keeps
/// the order within each flag, not between the two.
fn var_args(vars: &[String], files: &[PathBuf]) -> Vec<VarArg> {
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

/// `-lock-timeout`'s value, e.g. `30s` or `5m`.
pub fn lock_timeout(text: &str) -> anyhow::Result<std::time::Duration> {
    crate::config::parse_duration(text)
        .ok_or_else(|| anyhow::anyhow!("invalid -lock-timeout {text:?}: write e.g. 30s or 5m"))
}
