//! `terrace plan [-out FILE] [-json] [-detailed-exitcode] [-destroy | -refresh-only] [-target ADDR]...
//! [-replace ADDR]... [-var k=v] [-var-file f] [-lock=false] [-lock-timeout D]`

use super::var_flags::VarFlags;
use super::Output;
use crate::ops::{self, PlanCmdOptions, Workspace};
use crate::plan::PlanOptions;
use crate::render;
use clap::{ArgAction, Args};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Write the plan to FILE, to apply exactly these actions later.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Stream Terraform's machine-readable UI messages, one JSON object per line (the plan
    /// document itself is `terrace show -json PLANFILE`).
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when there are no changes, 2 when there are, 1 on errors.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Plan to destroy everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Only refresh: show what changed outside Terrace and plan to record it in state,
    /// changing nothing in the cloud.
    #[arg(long = "refresh-only")]
    pub refresh_only: bool,
    /// Limit the plan to ADDR (a resource, instance or module) and what it depends on.
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<String>,
    /// Replace ADDR even if its configuration did not change.
    #[arg(long, value_name = "ADDR")]
    pub replace: Vec<String>,
    #[command(flatten)]
    pub vars: VarFlags,
    /// Lock the state while planning.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub lock: bool,
    /// How long to wait for the state lock, e.g. 30s.
    #[arg(long = "lock-timeout", default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: String,
    /// Ask for missing input (Terrace never prompts; accepted for compatibility).
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub input: bool,
    /// Refresh the state's objects from the cloud before planning.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
}

pub fn run(a: PlanArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let lock_timeout = super::var_flags::lock_timeout(&a.lock_timeout)?;
    let mut replace = Vec::new();
    for r in &a.replace {
        replace.push(
            r.parse()
                .map_err(|e| anyhow::anyhow!("invalid -replace: {e}"))?,
        );
    }
    for t in &a.target {
        t.parse::<crate::addr::NodeAddr>()
            .map(|_| ())
            .or_else(|_| t.parse::<crate::addr::ModulePath>().map(|_| ()))
            .map_err(|e| anyhow::anyhow!("invalid -target: {e}"))?;
    }
    let opts = PlanCmdOptions {
        vars: a.vars.in_order(),
        plan: PlanOptions {
            destroy: a.destroy,
            targets: a.target.clone(),
            replace,
        },
        lock: a.lock,
        lock_timeout,
        connect: true,
        refresh: a.refresh,
        refresh_only: a.refresh_only,
    };
    let report = ops::plan(&ws, &opts);
    // -json: Terraform's UI stream (the plan document is `show -json PLANFILE`).
    let ts = crate::state::now_rfc3339();
    if a.json {
        let mut lines = vec![render::ui_json::version_line(&ts)];
        lines.extend(
            report
                .diags
                .iter()
                .map(|d| render::ui_json::diagnostic_line(d, &report.config.sources, &ts)),
        );
        out.stdout(&render::ui_json::to_lines(&lines))?;
    } else if !report.diags.is_empty() {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&report.diags, &report.config.sources, out.style)
        ))?;
    }
    let Some(plan) = report.plan else {
        return Ok(ExitCode::from(1));
    };
    if a.json {
        out.stdout(&render::ui_json::to_lines(&render::ui_json::plan_lines(
            &plan, &ts, true,
        )))?;
    } else {
        out.stdout(&render::render_plan(&plan, out.style))?;
    }
    if let (Some(path), Some(saved)) = (&a.out, &report.saved) {
        write_private(path, saved.to_json().as_bytes())?;
        if !a.json {
            out.stdout(&format!("\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    terrace apply {:?}\n", path.display(), path.display().to_string()))?;
        }
    }
    Ok(match (a.detailed_exitcode, plan.has_changes()) {
        (true, true) => ExitCode::from(2),
        _ => ExitCode::SUCCESS,
    })
}

/// Writes a file atomically with mode 0600 (plans name resources and variable sources).
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("plan"),
        std::process::id()
    ));
    let mut f = {
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        o.open(&tmp)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?
    };
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}
