//! `terrace init [-backend-config=KEY=VALUE|FILE]... [-migrate-state] [-force-copy]
//! [-reconfigure] [-lock-timeout=DURATION] [-input=BOOL]`

use super::Output;
use crate::ops::init::{init, init_error_diagnostic, InitError, InitOptions};
use crate::ops::Workspace;
use crate::render;
use clap::{ArgAction, Args};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Override a backend setting (KEY=VALUE) or read settings from an HCL file; repeatable,
    /// later ones win. Every later command uses the merged settings.
    #[arg(long = "backend-config", value_name = "KEY=VALUE|FILE")]
    pub backend_config: Vec<String>,
    /// Copy the existing state to the new backend (after confirmation, or -force-copy).
    #[arg(long = "migrate-state")]
    pub migrate_state: bool,
    /// Confirm a state migration in advance (for CI).
    #[arg(long = "force-copy")]
    pub force_copy: bool,
    /// Ignore the backend recorded by the last init: no migration.
    #[arg(long)]
    pub reconfigure: bool,
    /// How long to wait for the destination's state lock while migrating, e.g. 30s.
    #[arg(long = "lock-timeout", default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: String,
    /// Ask for confirmation when there is a terminal (`-input=false` never asks).
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub input: bool,
}

pub fn run(a: InitArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let lock_timeout = super::var_flags::lock_timeout(&a.lock_timeout)?;
    let opts = InitOptions {
        backend_config: a.backend_config,
        migrate_state: a.migrate_state,
        force_copy: a.force_copy,
        reconfigure: a.reconfigure,
        lock_timeout,
    };
    let can_ask = super::terminal::can_prompt(a.input);
    let mut confirm = |question: &str| -> Option<bool> {
        if !can_ask {
            return None;
        }
        let _ = out.stdout(&format!(
            "{question}\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
        ));
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        Some(line.trim() == "yes")
    };
    out.stdout("Initializing the backend...\n")?;
    match init(&ws, &opts, &mut confirm) {
        Ok(r) => {
            for w in &r.warnings {
                out.stderr(&format!("{} {w}\n", out.style.yellow("Warning:")))?;
            }
            for m in &r.migrated {
                out.stdout(&format!(
                    "Copied the state of workspace {:?} (serial {}, {} resource instance(s)) from {} to {}.\n",
                    m.workspace, m.serial, m.resources, m.from, m.to
                ))?;
            }
            if r.changed {
                out.stdout(&format!(
                    "Successfully configured the backend {:?}! Terrace will use it for the state ({}).\n",
                    r.kind, r.location
                ))?;
            }
            out.stdout(&format!(
                "\n{}\n",
                out.style
                    .green("Terrace has been successfully initialized!")
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(InitError::Config { diags, sources }) => {
            out.stderr(&format!(
                "{}\n",
                render::render_diagnostics(&diags, &sources, out.style)
            ))?;
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            if let Some(d) = init_error_diagnostic(&e) {
                out.stderr(&format!(
                    "{}\n",
                    render::render_diagnostics(
                        &d.into(),
                        &crate::diag::SourceMap::new(),
                        out.style
                    )
                ))?;
            }
            Ok(ExitCode::from(1))
        }
    }
}
