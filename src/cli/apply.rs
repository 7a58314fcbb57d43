//! `terrace apply [PLANFILE] [-auto-approve] [-json] [-destroy | -refresh-only] [-target ADDR] [-replace ADDR]
//! [-parallelism N] [-var k=v] [-var-file f] [-lock-timeout D]` and `terrace destroy`.

use super::var_flags::VarFlags;
use super::Output;
use crate::apply::NodeResult;
use crate::ops::{self, ApplyCmdOptions, Workspace};
use crate::plan::{Plan, PlanOptions, SavedPlan};
use crate::render;
use clap::{ArgAction, Args};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan file from `terrace plan -out=FILE`, applied exactly (no prompt).
    pub plan_file: Option<PathBuf>,
    /// Apply without asking for confirmation.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Stream one JSON object per event instead of text.
    #[arg(long)]
    pub json: bool,
    /// Destroy everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Only refresh: record in state what changed outside Terrace, changing nothing in the
    /// cloud.
    #[arg(long = "refresh-only")]
    pub refresh_only: bool,
    /// Limit the apply to ADDR and what it depends on.
    #[arg(long, value_name = "ADDR")]
    pub target: Vec<String>,
    /// Replace ADDR even if its configuration did not change.
    #[arg(long, value_name = "ADDR")]
    pub replace: Vec<String>,
    #[command(flatten)]
    pub vars: VarFlags,
    /// How many provider calls may run at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// How long to wait for the state lock, e.g. 30s.
    #[arg(long = "lock-timeout", default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: String,
    /// Accepted for compatibility; applies always lock the state.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub lock: bool,
    /// Ask for confirmation when there is a terminal (`-input=false` never asks).
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub input: bool,
    /// Refresh the state's objects from the cloud before planning.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
}

pub fn run(a: ApplyArgs, out: &Output, destroy_verb: bool) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let lock_timeout = super::var_flags::lock_timeout(&a.lock_timeout)?;
    let saved = match &a.plan_file {
        Some(f) => Some(SavedPlan::read(f)?),
        None => None,
    };
    let mut replace = Vec::new();
    for r in &a.replace {
        replace.push(
            r.parse()
                .map_err(|e| anyhow::anyhow!("invalid -replace: {e}"))?,
        );
    }
    let ask = saved.is_none() && !a.auto_approve;
    let can_ask = super::terminal::can_prompt(a.input) && !a.json;
    if ask && !can_ask {
        out.stderr(&format!(
            "{} No approval for {}\n\nThis run cannot ask for confirmation (no terminal on standard input, CI, or -input=false), and no approval was given.\nApprove in advance with -auto-approve, or review and apply a saved plan:\n    terrace plan -out=tfplan\n    terrace apply tfplan\n",
            out.style.red("Error:"),
            if destroy_verb { "destroy" } else { "apply" }
        ))?;
        return Ok(ExitCode::from(1));
    }
    // A saved plan brings its variable values: non-sensitive ones as recorded, sensitive ones
    // re-read from the file they came from (or again from the environment).
    let mut vars = a.vars.in_order();
    if let Some(s) = &saved {
        let mut files = std::collections::BTreeSet::new();
        for (name, v) in &s.variables {
            match (&v.value, v.sensitive) {
                (Some(expr), false) => vars.push(crate::eval::inputs::VarArg::Saved(
                    name.clone(),
                    expr.clone(),
                )),
                (_, true) if !matches!(v.source.as_str(), "cli" | "env") => {
                    files.insert(PathBuf::from(&v.source));
                }
                _ => {}
            }
        }
        let files: Vec<_> = files
            .into_iter()
            .map(crate::eval::inputs::VarArg::File)
            .collect();
        vars.splice(0..0, files);
    }
    let opts = ApplyCmdOptions {
        vars,
        refresh: a.refresh,
        plan: PlanOptions {
            destroy: a.destroy || destroy_verb,
            targets: a.target.clone(),
            replace,
        },
        lock_timeout,
        parallelism: a.parallelism.max(1),
        saved,
        handle_interrupts: true,
        refresh_only: a.refresh_only,
    };
    let style = out.style;
    let json = a.json;
    let ts = crate::state::now_rfc3339;
    if json {
        out.stdout(&render::ui_json::to_lines(&[
            render::ui_json::version_line(&ts()),
        ]))?;
    }
    let approve = |plan: &Plan| -> bool {
        if json {
            let lines = render::ui_json::plan_lines(plan, &ts(), false);
            let _ = out.stdout(&render::ui_json::to_lines(&lines));
        } else {
            let _ = out.stdout(&render::render_plan(plan, style));
        }
        if !plan.has_changes() {
            return false;
        }
        if !ask {
            return true;
        }
        let _ = out.stdout(if plan.refresh_only {
            "\nWould you like to update the Terrace state to reflect these detected changes?\n  Terrace will write these changes to the state without modifying any real infrastructure.\n  There is no undo. Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
        } else {
            "\nDo you want to perform these actions?\n  Terrace will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
        });
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        line.trim() == "yes"
    };
    let progress = Arc::new(render::ApplyProgress::stdout(
        render::ProgressMode::detect(json),
        out.style,
    ));
    let report = ops::apply(&ws, &opts, approve, ops::aws_provider, progress.clone());
    if json {
        let lines: Vec<_> = report
            .diags
            .iter()
            .map(|d| render::ui_json::diagnostic_line(d, &report.config.sources, &ts()))
            .collect();
        out.stdout(&render::ui_json::to_lines(&lines))?;
    } else if !report.diags.is_empty() {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&report.diags, &report.config.sources, out.style)
        ))?;
    }
    let Some(plan) = &report.plan else {
        return Ok(ExitCode::from(1));
    };
    let Some(outcome) = &report.outcome else {
        if report.diags.has_errors() {
            return Ok(ExitCode::from(1));
        }
        if plan.has_changes() {
            out.stdout("\nApply cancelled.\n")?;
            return Ok(ExitCode::from(1));
        }
        // Nothing to do: machines still get the (empty) summary, as from Terraform.
        if json {
            progress.finish(&render::ChangeSummary::nothing(plan.destroy));
        }
        return Ok(ExitCode::SUCCESS);
    };
    let summary = render::ChangeSummary::tally(plan, outcome);
    if summary.failed {
        let mut msg = String::from("\n");
        let failed = outcome.failed().map(|(a, r)| (a.to_string(), r));
        let failed_migrations = outcome.failed_migrations().map(|(a, r)| (a.clone(), r));
        for (addr, r) in failed.chain(failed_migrations) {
            let why = match r {
                NodeResult::Failed(e) => e.clone(),
                NodeResult::Skipped(b) => format!("not attempted: {b} failed"),
                NodeResult::Cancelled => "not attempted: interrupted".into(),
                NodeResult::Done => continue,
            };
            msg.push_str(&format!("{} {addr}: {why}\n", out.style.red("Error:")));
        }
        out.stderr(&msg)?;
    }
    progress.finish(&summary);
    if summary.failed {
        return Ok(ExitCode::from(1));
    }
    if json && !plan.destroy {
        let outputs: Vec<_> = report
            .outputs
            .iter()
            .map(|(k, v)| (k.clone(), v.to_json(), v.contains_sensitive()))
            .collect();
        let line = render::ui_json::applied_outputs_line(&outputs, &ts());
        out.stdout(&render::ui_json::to_lines(&[line]))?;
    }
    if !report.outputs.is_empty() && !plan.destroy && !json {
        out.stdout("\nOutputs:\n\n")?;
        for (k, v) in &report.outputs {
            out.stdout(&format!("{k} = {v}\n"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
