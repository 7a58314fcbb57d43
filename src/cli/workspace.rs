//! `terrace workspace list|show|new|select|delete`: one state per workspace, selected in
//! `.terrace/environment` or by `TF_WORKSPACE`, as in Terraform.

use super::state::{report_error, LockArgs};
use super::Output;
use crate::diag::SourceMap;
use crate::ops::{self, Selected, Workspace, WorkspaceError, WorkspaceLock};
use crate::render;
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct WorkspaceArgs {
    #[command(subcommand)]
    pub command: WorkspaceCommand,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces, the current one marked with `*`.
    List,
    /// Print the name of the current workspace.
    Show,
    /// Create a workspace with an empty state, and select it.
    New(NewArgs),
    /// Select the workspace later commands use.
    Select(SelectArgs),
    /// Delete a workspace's state (not the current workspace, nor `default`).
    Delete(DeleteArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The new workspace's name: letters, digits, '-', '_' and '.'.
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct SelectArgs {
    /// The workspace to select.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Create the workspace when it does not exist.
    #[arg(long = "or-create")]
    pub or_create: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The workspace to delete.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Delete it even when its state still tracks resources (Terrace forgets them; they
    /// keep existing in the cloud).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub lock: LockArgs,
}

fn locking(l: &LockArgs) -> WorkspaceLock {
    WorkspaceLock {
        lock: l.lock,
        timeout: l.lock_timeout,
    }
}

const NEW_WORKSPACE_NOTE: &str = "\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run \"terrace plan\" Terrace will not see any existing state\nfor this configuration.\n";

pub fn run(a: WorkspaceArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let style = out.style;
    let result = match a.command {
        WorkspaceCommand::Show => Ok(format!("{}\n", ws.name)),
        WorkspaceCommand::List => ops::workspace_list(&ws).map(|l| {
            let mut s: String = l
                .workspaces
                .iter()
                .map(|w| {
                    let mark = if *w == l.current { '*' } else { ' ' };
                    format!("{mark} {w}\n")
                })
                .collect();
            s.push('\n');
            s
        }),
        WorkspaceCommand::New(n) => ops::workspace_new(&ws, &n.name, locking(&n.lock)).map(|()| {
            format!(
                "{}\n{NEW_WORKSPACE_NOTE}",
                style.green(&format!("Created and switched to workspace {:?}!", n.name))
            )
        }),
        WorkspaceCommand::Select(s) => {
            ops::workspace_select(&ws, &s.name, s.or_create, locking(&s.lock)).map(|r| match r {
                Selected::Already => format!("Already on workspace {:?}.\n", s.name),
                Selected::Switched => format!("Switched to workspace {:?}.\n", s.name),
                Selected::Created => format!(
                    "{}\n{NEW_WORKSPACE_NOTE}",
                    style.green(&format!("Created and switched to workspace {:?}!", s.name))
                ),
            })
        }
        WorkspaceCommand::Delete(d) => {
            ops::workspace_delete(&ws, &d.name, d.force, locking(&d.lock)).map(|forgotten| {
                let mut s = style.green(&format!("Deleted workspace {:?}!", d.name));
                s.push('\n');
                if !forgotten.is_empty() {
                    s.push_str(&format!(
                        "\n{} workspace {:?} was not empty. Terrace no longer tracks these objects, which still exist unless deleted by other means:\n",
                        style.yellow("Warning:"),
                        d.name
                    ));
                    for a in &forgotten {
                        s.push_str(&format!("  - {a}\n"));
                    }
                }
                s
            })
        }
    };
    match result {
        Ok(text) => {
            out.stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(WorkspaceError::Store(e)) => report_error(e, out),
        Err(e) => {
            let d = e.to_diagnostic().unwrap_or_else(|| {
                crate::diag::Diagnostic::error("Workspace command failed").detail(e.to_string())
            });
            out.stderr(&format!(
                "{}\n",
                render::render_diagnostics(&d.into(), &SourceMap::new(), style)
            ))?;
            Ok(ExitCode::from(1))
        }
    }
}
