//! `terrace fmt [-check] [-diff] [-recursive] [-write=false] [-list=false] [PATH...]`
//!
//! As Terraform's `fmt`: rewrites `.tf` and `.tfvars` files in the canonical layout and prints
//! the names of the files it changed. `-check` writes nothing, lists the files that are not
//! formatted and exits 3 when there is any. `PATH` `-` formats standard input to standard
//! output. Syntax errors are diagnostics (exit 1); the file is left untouched.

use super::Output;
use crate::ops::{self, FmtOptions, FmtReport};
use crate::render;
use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when `-check` finds files that are not formatted (Terraform's).
const EXIT_UNFORMATTED: u8 = 3;

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Check formatting only: write nothing, list the files that are not formatted, exit 3
    /// if there are any.
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the formatting changes.
    #[arg(long)]
    pub diff: bool,
    /// Also process the files in subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Write the formatted text back to the files (-write=false to only report).
    #[arg(long, value_name = "BOOL", value_parser = BoolishValueParser::new(), action = ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true")]
    pub write: bool,
    /// List the files whose formatting changed (-list=false to stay quiet).
    #[arg(long, value_name = "BOOL", value_parser = BoolishValueParser::new(), action = ArgAction::Set,
          num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true")]
    pub list: bool,
    /// Files or directories to format (default: the current directory); `-` reads standard
    /// input and writes the formatted text to standard output.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn run(a: FmtArgs, out: &Output) -> anyhow::Result<ExitCode> {
    if a.paths.iter().any(|p| p.as_os_str() == "-") {
        if a.paths.len() > 1 {
            out.stderr("Error: `-` (standard input) cannot be combined with other paths\n")?;
            return Ok(ExitCode::from(1));
        }
        return run_stdin(&a, out);
    }
    // As Terraform: -check lists and never writes.
    let (list, write) = if a.check {
        (true, false)
    } else {
        (a.list, a.write)
    };
    let report = ops::fmt(&FmtOptions {
        paths: a.paths.clone(),
        recursive: a.recursive,
        write,
        diff: a.diff,
    });
    let mut text = String::new();
    for file in &report.files {
        if file.changed && list {
            text.push_str(&format!("{}\n", file.path.display()));
        }
        if let Some(diff) = &file.diff {
            text.push_str(diff);
        }
        if !list && !write && !a.diff {
            text.push_str(&file.formatted);
        }
    }
    out.stdout(&text)?;
    finish(&report, a.check, out)
}

/// `terrace fmt -`: the formatted text (or the diff with `-diff`, nothing with `-check`) goes
/// to standard output.
fn run_stdin(a: &FmtArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
    let report = ops::fmt_text(&input, a.diff);
    if let Some(file) = report.files.first() {
        if let Some(diff) = &file.diff {
            out.stdout(diff)?;
        } else if !a.check && !a.diff {
            out.stdout(&file.formatted)?;
        }
    }
    finish(&report, a.check, out)
}

/// Prints the diagnostics and picks the exit code: 1 on errors, 3 when checking found
/// unformatted files, 0 otherwise.
fn finish(report: &FmtReport, check: bool, out: &Output) -> anyhow::Result<ExitCode> {
    if !report.diags.is_empty() {
        out.stderr(&format!(
            "{}\n",
            render::render_diagnostics(&report.diags, &report.sources, out.style)
        ))?;
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else if check && report.changed().next().is_some() {
        ExitCode::from(EXIT_UNFORMATTED)
    } else {
        ExitCode::SUCCESS
    })
}
