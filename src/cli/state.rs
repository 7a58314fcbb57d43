//! `terrace state list|show|rm|mv`: inspect and edit the state.

use super::Output;
use crate::ops::{self, StateCommandError, StateOptions, Workspace};
use crate::render;
use clap::{ArgAction, Args, Subcommand};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the resource instances in the state.
    List(ListArgs),
    /// Show the attributes of one resource instance.
    Show(ShowArgs),
    /// Forget resources: remove them from the state without destroying them.
    Rm(RmArgs),
    /// Move resources or modules to another address in the state.
    Mv(MvArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only objects in these modules, resources or instances.
    #[arg(value_name = "ADDRESS")]
    pub addresses: Vec<String>,
    /// Only the object with this cloud id.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A resource instance address, such as aws_instance.web[0].
    #[arg(value_name = "ADDRESS")]
    pub address: String,
}

/// `-lock` and `-lock-timeout`, for the commands that write state.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// Hold the state lock while working (-lock=false to skip it).
    #[arg(
        long = "lock",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_value = "true",
        default_missing_value = "true",
        action = ArgAction::Set,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub lock: bool,
    /// How long to wait for the state lock, e.g. 30s or 5m.
    #[arg(
        long = "lock-timeout",
        value_name = "DURATION",
        default_value = "0s",
        value_parser = parse_lock_timeout
    )]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    #[command(flatten)]
    pub lock: LockArgs,
    /// Show what would be removed without changing the state.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Modules, resources or instances to remove.
    #[arg(value_name = "ADDRESS", required = true)]
    pub addresses: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MvArgs {
    #[command(flatten)]
    pub lock: LockArgs,
    /// Show what would be moved without changing the state.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// The module, resource or instance to move.
    #[arg(value_name = "SOURCE")]
    pub from: String,
    /// Where to move it.
    #[arg(value_name = "DESTINATION")]
    pub to: String,
}

/// Parses `-lock-timeout` with the configuration's duration syntax (`30s`, `5m`, `1m30s`).
pub fn parse_lock_timeout(s: &str) -> Result<Duration, String> {
    if s.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    crate::config::parse_duration(s).ok_or_else(|| {
        format!(
            "invalid duration {s:?}: use a number with a unit (h, m, s, ms), e.g. 30s, 5m or 1m30s"
        )
    })
}

fn options(l: &LockArgs, dry_run: bool) -> StateOptions {
    StateOptions {
        lock: l.lock,
        lock_timeout: l.lock_timeout,
        dry_run,
    }
}

/// Prints a failed state command's diagnostics to stderr; exit code 1.
pub fn report_error(e: StateCommandError, out: &Output) -> anyhow::Result<ExitCode> {
    let text = match &e {
        StateCommandError::Backend { diags, sources } => {
            render::render_diagnostics(diags, sources, out.style)
        }
        StateCommandError::State(err) => render::render_diagnostics(
            &err.to_diagnostic().into(),
            &crate::diag::SourceMap::new(),
            out.style,
        ),
    };
    out.stderr(&format!("{text}\n"))?;
    Ok(ExitCode::from(1))
}

pub fn run(a: StateArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let result = match a.command {
        StateCommand::List(l) => ops::state_list(&ws, &l.addresses, l.id.as_deref())
            .map(|addrs| addrs.iter().map(|a| format!("{a}\n")).collect::<String>()),
        StateCommand::Show(s) => {
            ops::state_show(&ws, &s.address).map(|r| crate::state::render_resource(&r))
        }
        StateCommand::Rm(r) => {
            let dry = r.dry_run;
            ops::state_rm(&ws, &r.addresses, &options(&r.lock, dry)).map(|removed| {
                let mut s = String::new();
                for a in &removed {
                    s.push_str(&format!(
                        "{} {a}\n",
                        if dry { "Would remove" } else { "Removed" }
                    ));
                }
                s.push_str(&if dry {
                    format!(
                        "Would have removed {} resource instance(s).\n",
                        removed.len()
                    )
                } else {
                    format!(
                        "{} {} resource instance(s).\n",
                        out.style.green("Successfully removed"),
                        removed.len()
                    )
                });
                s
            })
        }
        StateCommand::Mv(m) => {
            let dry = m.dry_run;
            ops::state_mv(&ws, &m.from, &m.to, &options(&m.lock, dry)).map(|moved| {
                let mut s = String::new();
                for (from, to) in &moved {
                    s.push_str(&format!(
                        "{} {from:?} to {to:?}\n",
                        if dry { "Would move" } else { "Move" }
                    ));
                }
                s.push_str(&if dry {
                    format!("Would have moved {} object(s).\n", moved.len())
                } else {
                    format!(
                        "{} {} object(s).\n",
                        out.style.green("Successfully moved"),
                        moved.len()
                    )
                });
                s
            })
        }
    };
    match result {
        Ok(text) => {
            out.stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => report_error(e, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_timeouts_parse() {
        assert_eq!(parse_lock_timeout("0"), Ok(Duration::ZERO));
        assert_eq!(parse_lock_timeout("1m30s"), Ok(Duration::from_secs(90)));
        assert!(parse_lock_timeout("soon").is_err());
    }
}
