//! `terrace migrate status|up|down|history|repair`: run and inspect a configuration's
//! migration blocks outside of apply.
//!
//! Exit codes: 0 on success; 1 on errors (including a history that disagrees with the files,
//! and a repair that leaves problems); `status -detailed-exitcode` exits 2 when migrations
//! are pending.

use super::state::LockArgs;
use super::var_flags::VarFlags;
use super::Output;
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::migrate::{MigrateError, MigrateEvent};
use crate::ops::{self, MigrateCmdError, MigrateCmdOptions, MigrateReport, Workspace};
use crate::render::{self, Style};
use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(subcommand)]
    pub command: MigrateCommand,
}

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Show each migration: applied, pending or failed.
    Status(StatusArgs),
    /// Apply pending migrations.
    Up(UpArgs),
    /// Undo applied migrations, newest first, down to a version.
    Down(DownArgs),
    /// Show the audit trail of the history table.
    History(HistoryArgs),
    /// Remove failed runs from the history and accept changed files' checksums.
    Repair(RepairArgs),
}

/// `-var`, `-var-file` and `-input`, as for plan.
#[derive(Debug, Args)]
pub struct VarArgs {
    #[command(flatten)]
    pub vars: VarFlags,
    /// Terrace never prompts for input; accepted (as -input=false) for Terraform compatibility.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub input: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The migration block (e.g. app_schema, migration.app_schema,
    /// module.database.migration.schema); every block when omitted.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Exit 0 when nothing is pending, 2 when migrations are pending, 1 on errors.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    #[command(flatten)]
    pub vars: VarArgs,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// The migration block; every block when omitted.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Apply versions up to and including this one only.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// The migration block.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Undo every applied version from the newest down to and including this one.
    #[arg(long, value_name = "VERSION", required = true)]
    pub to: String,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The migration block; every block when omitted.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Print a JSON array of the history rows, each with its block's address.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub vars: VarArgs,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    /// The migration block.
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

fn options(vars: &VarArgs, lock: Option<&LockArgs>) -> MigrateCmdOptions {
    MigrateCmdOptions {
        vars: vars.vars.in_order(),
        lock: lock.is_some_and(|l| l.lock),
        lock_timeout: lock.map(|l| l.lock_timeout).unwrap_or_default(),
    }
}

pub fn run(a: MigrateArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    let style = out.style;
    // Progress goes to stdout as it happens; write errors there are not worth stopping for.
    let progress = |addr: &str, e: &MigrateEvent<'_>| {
        let line = render::migrate_event(addr, e, style);
        if !line.is_empty() {
            let _ = out.stdout(&line);
        }
    };
    match a.command {
        MigrateCommand::Status(s) => {
            let r = ops::migrate_status(&ws, &options(&s.vars, None), s.name.as_deref());
            with_report(r, out, |report| status(report, s.detailed_exitcode, out))
        }
        MigrateCommand::History(h) => {
            let r = ops::migrate_history(&ws, &options(&h.vars, None), h.name.as_deref());
            with_report(r, out, |report| history(report, h.json, out))
        }
        MigrateCommand::Up(u) => {
            let opts = options(&u.vars, Some(&u.lock));
            let r = ops::migrate_up(&ws, &opts, u.name.as_deref(), u.to.as_deref(), &progress);
            with_report(r, out, |report| runs(report, false, out))
        }
        MigrateCommand::Down(d) => {
            let opts = options(&d.vars, Some(&d.lock));
            let r = ops::migrate_down(&ws, &opts, &d.name, &d.to, &progress);
            with_report(r, out, |report| runs(report, true, out))
        }
        MigrateCommand::Repair(r) => {
            let opts = options(&r.vars, Some(&r.lock));
            let rep = ops::migrate_repair(&ws, &opts, &r.name, &progress);
            with_report(rep, out, |report| repair(report, out))
        }
    }
}

/// Prints the command-level error, or the report's warnings then its content (`show`
/// returns the exit code from the content), then the block errors and the state error.
fn with_report<T>(
    r: Result<MigrateReport<T>, MigrateCmdError>,
    out: &Output,
    show: impl FnOnce(&MigrateReport<T>) -> anyhow::Result<u8>,
) -> anyhow::Result<ExitCode> {
    let report = match r {
        Ok(report) => report,
        Err(e) => {
            print_error(&e, out)?;
            return Ok(ExitCode::from(1));
        }
    };
    if !report.diags.is_empty() {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&report.diags, &report.sources, out.style)
        ))?;
    }
    let mut code = show(&report)?;
    for b in &report.blocks {
        if let Err(e) = &b.result {
            print_error(e, out)?;
            code = 1;
        }
    }
    if let Some(e) = &report.state_error {
        let d = Diagnostic::error("The migration history was not saved to state")
            .detail(format!("The migrations ran and the database's history table records them, but writing the state failed: {e}. The next terrace migrate up or apply mirrors the history again."));
        print_diags(d.into(), &SourceMap::new(), out)?;
        code = 1;
    }
    Ok(ExitCode::from(code))
}

fn print_diags(d: Diagnostics, sources: &SourceMap, out: &Output) -> anyhow::Result<()> {
    out.stderr(&format!(
        "{}\n",
        render::render_diagnostics(&d, sources, out.style)
    ))?;
    Ok(())
}

fn print_error(e: &MigrateCmdError, out: &Output) -> anyhow::Result<()> {
    let d = match e {
        MigrateCmdError::Config { diags, sources } => {
            return print_diags(diags.clone(), sources, out)
        }
        MigrateCmdError::State(s) => s.to_diagnostic(),
        MigrateCmdError::Select(m) => Diagnostic::error("No such migration block").detail(m),
        MigrateCmdError::Target(t) => {
            Diagnostic::error("Cannot work out the migration's database").detail(t.to_string())
        }
        MigrateCmdError::Source { .. } => {
            Diagnostic::error("Invalid migration directory").detail(e.to_string())
        }
        MigrateCmdError::Migrate { error, hint, .. } => {
            let summary = match error.as_ref() {
                MigrateError::Connect { .. } | MigrateError::ConnectTimeout { .. } => {
                    "Cannot connect to the database"
                }
                MigrateError::Validation(_) => "The migration history disagrees with the files",
                MigrateError::Failed { .. } => "Migration failed",
                MigrateError::LockTimeout { .. } => "Migration lock timeout",
                MigrateError::UnknownVersion { .. } => "Unknown migration version",
                MigrateError::MissingUndo { .. } => "Missing undo file",
                MigrateError::ReadFile { .. } | MigrateError::Split { .. } => {
                    "Cannot read a migration file"
                }
                MigrateError::HistoryCorrupt { .. } => "Corrupt migration history",
                MigrateError::Database { .. } => "Database error",
            };
            let d = Diagnostic::error(summary).detail(e.to_string());
            match hint {
                Some(h) => d.hint(h.clone()),
                None => d,
            }
        }
        MigrateCmdError::Snapshot(m) => Diagnostic::error("Cannot snapshot the database").detail(m),
        MigrateCmdError::Runtime(_) => Diagnostic::error("Internal error").detail(e.to_string()),
    };
    print_diags(d.into(), &SourceMap::new(), out)
}

fn heading(addr: &str, target: Option<&str>, style: Style) -> String {
    match target {
        Some(t) => format!("{} {}\n", style.bold(addr), style.dim(&format!("({t})"))),
        None => format!(
            "{} {}\n",
            style.bold(addr),
            style.dim("(the database does not exist yet)")
        ),
    }
}

fn status(
    report: &MigrateReport<ops::BlockStatus>,
    detailed: bool,
    out: &Output,
) -> anyhow::Result<u8> {
    let mut text = String::new();
    let mut pending_any = false;
    let mut problems = Diagnostics::new();
    for b in &report.blocks {
        let Ok(s) = &b.result else { continue };
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&heading(&b.addr, s.target.as_deref(), out.style));
        let rows = render::status_rows(&s.status);
        if rows.is_empty() {
            text.push_str("No migration files.\n");
        } else {
            text.push_str(&render::status_table(&rows, out.style));
        }
        pending_any |= !s.status.pending.is_empty();
        text.push_str(&counts(&rows));
        for p in &s.status.problems {
            problems.push(
                Diagnostic::error("The migration history disagrees with the files")
                    .detail(format!("{}: {p}", b.addr)),
            );
        }
    }
    out.stdout(&text)?;
    if !problems.is_empty() {
        print_diags(problems, &SourceMap::new(), out)?;
        return Ok(1);
    }
    Ok(if detailed && pending_any { 2 } else { 0 })
}

/// `2 applied, 1 pending.`: the number of rows in each state, in the order states first
/// appear.
fn counts(rows: &[render::StatusRow]) -> String {
    let mut seen: Vec<(render::RowState, usize)> = Vec::new();
    for r in rows {
        match seen.iter_mut().find(|(s, _)| *s == r.state) {
            Some((_, n)) => *n += 1,
            None => seen.push((r.state, 1)),
        }
    }
    if seen.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = seen
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    format!("{}.\n", parts.join(", "))
}

/// `1 migration`, `2 migrations`.
fn migrations(n: usize) -> String {
    format!("{n} migration{}", if n == 1 { "" } else { "s" })
}

fn history(
    report: &MigrateReport<ops::BlockHistory>,
    json: bool,
    out: &Output,
) -> anyhow::Result<u8> {
    if json {
        let doc = render::history_json(report.blocks.iter().filter_map(|b| {
            b.result
                .as_ref()
                .ok()
                .map(|h| (b.addr.as_str(), h.rows.as_slice()))
        }));
        out.stdout(&format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
        return Ok(0);
    }
    let mut text = String::new();
    for b in &report.blocks {
        let Ok(h) = &b.result else { continue };
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&heading(&b.addr, h.target.as_deref(), out.style));
        if h.rows.is_empty() {
            text.push_str("No migration has run yet.\n");
        } else {
            text.push_str(&render::history_table(&h.rows, out.style));
        }
    }
    out.stdout(&text)?;
    Ok(0)
}

fn runs(report: &MigrateReport<ops::BlockRun>, down: bool, out: &Output) -> anyhow::Result<u8> {
    let mut text = String::new();
    for b in &report.blocks {
        match &b.result {
            Ok(r) if r.ran.is_empty() && !down => {
                text.push_str(&format!("{}: up to date ({}).\n", b.addr, r.target))
            }
            Ok(r) if r.ran.is_empty() => {
                text.push_str(&format!("{}: nothing to undo ({}).\n", b.addr, r.target))
            }
            Ok(r) => text.push_str(&format!(
                "{}{} {} {} of {} ({}).\n",
                r.snapshot
                    .as_ref()
                    .map(|s| format!("{}: snapshot {s} created before migrating.\n", b.addr))
                    .unwrap_or_default(),
                out.style.green("Success!"),
                if down { "Undid" } else { "Applied" },
                migrations(r.ran.len()),
                b.addr,
                r.target
            )),
            Err(MigrateCmdError::Migrate { ran, .. }) if ran.iter().any(|r| r.success) => {
                let ok = ran.iter().filter(|r| r.success).count();
                text.push_str(&format!(
                    "{}: {} {} before the failure (recorded in the history).\n",
                    b.addr,
                    migrations(ok),
                    if down { "undone" } else { "applied" }
                ));
            }
            Err(_) => {}
        }
    }
    out.stdout(&text)?;
    Ok(0)
}

fn repair(report: &MigrateReport<ops::BlockRepair>, out: &Output) -> anyhow::Result<u8> {
    let mut text = String::new();
    let mut remaining = Vec::new();
    for b in &report.blocks {
        let Ok(r) = &b.result else { continue };
        let rep = &r.report;
        for row in &rep.removed {
            text.push_str(&format!(
                "{}: removed the failed run of {} (started {} by {}); it is pending again.\n",
                b.addr,
                row.file_name(),
                row.applied_at,
                row.applied_by
            ));
        }
        for row in &rep.realigned {
            text.push_str(&format!(
                "{}: accepted the new content of {} (checksum {}…).\n",
                b.addr,
                row.file_name(),
                row.checksum.get(..12).unwrap_or(&row.checksum)
            ));
        }
        if rep.removed.is_empty() && rep.realigned.is_empty() {
            text.push_str(&format!("{}: nothing to repair ({}).\n", b.addr, r.target));
        }
        remaining.extend(rep.remaining.iter().map(|p| {
            Diagnostic::error("Repair cannot fix this").detail(format!("{}: {p}", b.addr))
        }));
    }
    out.stdout(&text)?;
    if remaining.is_empty() {
        return Ok(0);
    }
    print_diags(remaining.into(), &SourceMap::new(), out)?;
    Ok(1)
}
