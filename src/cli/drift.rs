//! `terrace drift [-var ...] [--json | --format human|json|markdown|prometheus] [--out FILE]
//! [--fail-on high|medium|low] [--every DURATION] [--notify-command CMD]
//! [--generate-config FILE]`
//!
//! Exit codes: 0 no drift (at or above `--fail-on`), 2 drift, 1 error. With `--every`, runs
//! until SIGTERM/SIGINT, which let the current run finish and exit 0.

use super::var_flags::VarFlags;
use super::Output;
use crate::drift::{DriftReport, Severity};
use crate::ops::{self, DriftOptions, Workspace};
use crate::render;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    Human,
    Json,
    Markdown,
    Prometheus,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Print the JSON report (same as --format json).
    #[arg(long)]
    pub json: bool,
    /// Report format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<DriftFormat>,
    /// Write the report to FILE (replaced atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Lowest severity that counts as drift for the exit code and --notify-command.
    #[arg(long = "fail-on", value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Run again every DURATION (e.g. 15m) until SIGTERM or SIGINT.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,
    /// When drift is found, run CMD (through sh -c) with the JSON report on standard input.
    #[arg(long = "notify-command", value_name = "CMD")]
    pub notify_command: Option<String>,
    /// Write resource and import blocks for the unmanaged objects found to FILE.
    #[arg(long = "generate-config", value_name = "FILE")]
    pub generate_config: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarFlags,
    /// Terrace never prompts for input; accepted (as -input=false) for Terraform compatibility.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub input: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

pub fn run(a: DriftArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let format = match (a.json, a.format) {
        (true, Some(f)) if f != DriftFormat::Json => {
            anyhow::bail!("--json and --format {f:?} conflict: pick one")
        }
        (true, _) => DriftFormat::Json,
        (false, f) => f.unwrap_or(DriftFormat::Human),
    };
    let every = match &a.every {
        None => None,
        Some(t) => match crate::config::parse_duration(t) {
            Some(d) if d >= Duration::from_secs(1) => Some(d),
            _ => anyhow::bail!("invalid --every {t:?}: write a duration of at least 1s, e.g. 15m"),
        },
    };
    let ws = Workspace::from_env();
    let opts = DriftOptions {
        vars: a.vars.in_order(),
    };
    let Some(every) = every else {
        return once(&a, format, &ws, &opts, out);
    };
    let stop = Stop::install()?;
    loop {
        // Errors and drift are reported; the service keeps running.
        once(&a, format, &ws, &opts, out)?;
        if stop.sleep(jittered(every)) {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

/// One run: report, notify, generate; the exit code it would give.
fn once(
    a: &DriftArgs,
    format: DriftFormat,
    ws: &Workspace,
    opts: &DriftOptions,
    out: &Output,
) -> anyhow::Result<ExitCode> {
    let started = SystemTime::now();
    let run = ops::drift(ws, opts);
    if !run.diags.is_empty() {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&run.diags, &run.config.sources, out.style)
        ))?;
    }
    let Some(report) = run.report else {
        if let (DriftFormat::Prometheus, Some(path)) = (format, &a.out) {
            let at = started.duration_since(UNIX_EPOCH).unwrap_or_default();
            let text = render::render_drift_prometheus_failure(
                &ws.name,
                at.as_secs_f64(),
                started.elapsed().unwrap_or_default().as_secs_f64(),
            );
            write_out(path, &text)?;
        }
        return Ok(ExitCode::from(1));
    };
    let text = match format {
        DriftFormat::Human => render::render_drift_human(&report, out.style),
        DriftFormat::Json => format!("{}\n", serde_json::to_string_pretty(&report)?),
        DriftFormat::Markdown => render::render_drift_markdown(&report),
        DriftFormat::Prometheus => render::render_drift_prometheus(&report),
    };
    match &a.out {
        Some(path) => write_out(path, &text)?,
        None => out.stdout(&text)?,
    }
    if let Some(path) = &a.generate_config {
        let hcl = crate::drift::generate_config(&run.unmanaged);
        write_out(path, &hcl)?;
        out.stderr(&format!(
            "Wrote configuration for {} unmanaged object{} to {}.\n",
            run.unmanaged.len(),
            if run.unmanaged.len() == 1 { "" } else { "s" },
            path.display()
        ))?;
    }
    let drifted = report.has_drift_at(a.fail_on);
    if drifted {
        if let Some(cmd) = &a.notify_command {
            if let Err(e) = notify(cmd, &report) {
                out.stderr(&format!(
                    "{} --notify-command failed: {e}\n",
                    out.style.yellow("Warning:")
                ))?;
            }
        }
    }
    Ok(ExitCode::from(if drifted { 2 } else { 0 }))
}

fn write_out(path: &Path, text: &str) -> anyhow::Result<()> {
    render::write_atomically(path, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

/// Runs `cmd` through `sh -c` with the JSON report on its standard input.
fn notify(cmd: &str, report: &DriftReport) -> anyhow::Result<()> {
    let json = serde_json::to_vec(report)?;
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is not an error.
        let _ = stdin.write_all(&json);
    }
    let status = child.wait()?;
    if !status.success() {
        anyhow::bail!("{cmd:?} exited with {status}");
    }
    Ok(())
}

/// `every` plus up to 10% of it, so many schedulers started together spread out.
fn jittered(every: Duration) -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos() as u64
        ^ u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let tenth = every.as_millis() as u64 / 10;
    every + Duration::from_millis(if tenth == 0 { 0 } else { nanos % tenth })
}

/// SIGTERM/SIGINT as a flag: runs are never interrupted; a sleep between runs ends early.
struct Stop {
    flag: Arc<(Mutex<bool>, Condvar)>,
}

impl Stop {
    fn install() -> anyhow::Result<Stop> {
        let flag = Arc::new((Mutex::new(false), Condvar::new()));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let f = flag.clone();
        // Registered before the first run, so a signal during a run is held until it ends.
        let mut term = runtime.block_on(async {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        })?;
        std::thread::spawn(move || {
            runtime.block_on(async {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            });
            let (m, c) = &*f;
            *m.lock().unwrap_or_else(|e| e.into_inner()) = true;
            c.notify_all();
        });
        Ok(Stop { flag })
    }

    /// Sleeps `d` or until a stop signal; true when one arrived (also before the sleep).
    fn sleep(&self, d: Duration) -> bool {
        let (m, c) = &*self.flag;
        let guard = m.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = c
            .wait_timeout_while(guard, d, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}
