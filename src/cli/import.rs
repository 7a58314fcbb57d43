//! `terrace import [-var k=v] [-var-file f] [-lock=false] [-lock-timeout D] ADDR ID`: bring
//! an existing object under management by writing it into the state at ADDR.

use super::var_flags::VarFlags;
use super::Output;
use crate::ops::{self, ImportCmdOptions, Workspace};
use crate::render;
use clap::{ArgAction, Args};
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
    #[command(flatten)]
    pub vars: VarFlags,
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
    let lock_timeout = super::var_flags::lock_timeout(&a.lock_timeout)?;
    let opts = ImportCmdOptions {
        vars: a.vars.in_order(),
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
