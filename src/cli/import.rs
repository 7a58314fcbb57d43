//! `terrace import [-var k=v] [-var-file f] [-lock=false] [-lock-timeout D] ADDR ID`: bring
//! an existing object under management by writing it into the state at ADDR.

use super::validate::var_args;
use super::Output;
use crate::ops::{self, ImportCmdOptions, Workspace};
use crate::render;
use clap::{ArgAction, Args};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The resource instance address to import to, e.g. aws_instance.web or
    /// module.net.aws_subnet.public[0]; its resource block must be in the configuration.
    #[arg(value_name = "ADDR")]
    pub addr: String,
    /// The object's cloud id, e.g. i-0abc123 (for key pairs and DB objects, the name).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Set a root module variable: NAME=VALUE.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Read variable values from a .tfvars file.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
    /// Lock the state while importing.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub lock: bool,
    /// How long to wait for the state lock, e.g. 30s.
    #[arg(long = "lock-timeout", default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: String,
    /// Ask for missing input (Terrace never prompts; accepted for compatibility).
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub input: bool,
}

pub fn run(a: ImportArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let lock_timeout = crate::config::parse_duration(&a.lock_timeout).ok_or_else(|| {
        anyhow::anyhow!(
            "invalid -lock-timeout {:?}: write e.g. 30s or 5m",
            a.lock_timeout
        )
    })?;
    let opts = ImportCmdOptions {
        vars: var_args(&a.var, &a.var_file),
        lock: a.lock,
        lock_timeout,
    };
    let report = ops::import(&ws, &a.addr, &a.id, &opts, ops::aws_provider);
    let Some(imported) = &report.imported else {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&report.diags, &report.config.sources, out.style)
        ))?;
        return Ok(ExitCode::from(1));
    };
    let addr = &imported.address;
    out.stdout(&format!(
        "{addr}: Importing from ID {id:?}...\n{addr}: Import prepared!\n  Prepared {t} for import\n{addr}: Refreshing state... [id={pid}]\n\n{}\n\nThe resources that were imported are shown above. These resources are now in\nyour Terrace state and will henceforth be managed by Terrace. Run terrace plan\nto see how they differ from their configuration.\n",
        out.style.green(&out.style.bold("Import successful!")),
        id = a.id,
        t = imported.type_name,
        pid = imported.provider_id.as_deref().unwrap_or(&a.id),
    ))?;
    if !report.diags.is_empty() {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&report.diags, &report.config.sources, out.style)
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
