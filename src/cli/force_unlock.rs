//! `terrace force-unlock [-force] LOCK_ID`: remove a lock left by a run that died.

use super::state::report_error;
use super::Output;
use crate::ops::{self, Workspace};
use clap::Args;
use std::io::BufRead;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
    /// The lock id shown in the "Error acquiring the state lock" message.
    #[arg(value_name = "LOCK_ID")]
    pub lock_id: String,
}

pub fn run(a: ForceUnlockArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    if !a.force && !super::terminal::can_prompt(true) {
        out.stderr(&format!(
            "{} No confirmation for force-unlock\n\nThis run cannot ask for confirmation (no terminal on standard input, or CI).\nConfirm in advance with -force:\n    terrace force-unlock -force {}\n",
            out.style.red("Error:"),
            a.lock_id
        ))?;
        return Ok(ExitCode::from(1));
    }
    if !a.force {
        out.stdout(
            "Do you really want to force-unlock?\n  Terrace will remove the lock on the state.\n  This will allow local Terrace commands to modify this state, even though it\n  may still be in use. Only 'yes' will be accepted to confirm.\n\n  Enter a value: ",
        )?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if line.trim() != "yes" {
            out.stdout("\nforce-unlock cancelled.\n")?;
            return Ok(ExitCode::from(1));
        }
        out.stdout("\n")?;
    }
    match ops::force_unlock(&ws, &a.lock_id) {
        Ok(info) => {
            out.stdout(&format!(
                "{}\n\nThe lock {} (operation {:?} by {}@{}, pid {}) was removed; Terrace commands can\nnow take a new lock on this state.\n",
                out.style.green("Terrace state has been successfully unlocked!"),
                info.id,
                info.operation,
                info.who,
                info.host,
                info.pid
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => report_error(e, out),
    }
}
