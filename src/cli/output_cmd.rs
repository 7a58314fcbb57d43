//! `terrace output [NAME] [-json] [-raw]`: root module outputs from the state.

use super::state::report_error;
use super::Output;
use crate::diag::{Diagnostic, SourceMap};
use crate::ops::{self, Workspace};
use crate::render;
use crate::state::{render_output_value, SENSITIVE_OUTPUT};
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print only this output's value.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Print JSON: every output with its type and sensitivity, or one output's value.
    /// Sensitive values are shown in clear.
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,
    /// Print one string, number or boolean output as it is, without quotes or a newline.
    /// Sensitive values are shown in clear.
    #[arg(long)]
    pub raw: bool,
}

fn fail(d: Diagnostic, out: &Output) -> anyhow::Result<ExitCode> {
    out.stderr(&format!(
        "{}\n",
        render::render_diagnostics(&d.into(), &SourceMap::new(), out.style)
    ))?;
    Ok(ExitCode::from(1))
}

pub fn run(a: OutputArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let ws = Workspace::from_env();
    if a.raw && a.name.is_none() {
        return fail(
            Diagnostic::error("Output name required")
                .detail("The -raw option requires a single output name: terrace output -raw NAME."),
            out,
        );
    }
    let outputs = match ops::outputs(&ws) {
        Ok(o) => o,
        Err(e) => return report_error(e, out),
    };
    let Some(name) = &a.name else {
        if a.json {
            let doc = ops::outputs_json(&outputs);
            out.stdout(&format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
            return Ok(ExitCode::SUCCESS);
        }
        if outputs.is_empty() {
            let d = Diagnostic::warning("No outputs found").detail(
                "The state has no outputs: either none are defined in the root module, or the configuration was not applied since they were added. Define outputs with output blocks and run terrace apply.",
            );
            out.stderr(&format!(
                "{}\n",
                render::render_diagnostics(&d.into(), &SourceMap::new(), out.style)
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        let mut text = String::new();
        for (k, o) in &outputs {
            let v = if o.sensitive {
                SENSITIVE_OUTPUT.to_string()
            } else {
                render_output_value(&o.value)
            };
            text.push_str(&format!("{k} = {v}\n"));
        }
        out.stdout(&text)?;
        return Ok(ExitCode::SUCCESS);
    };
    let Some(o) = outputs.get(name) else {
        return fail(
            Diagnostic::error(format!("Output {name:?} not found")).detail(
                "The output requested is not in the state. If it was added to the configuration recently, run terrace apply: the state records new outputs only when the configuration is applied.",
            ),
            out,
        );
    };
    if a.raw {
        return match ops::raw_output(name, o) {
            Ok(s) => {
                out.stdout(&s)?;
                Ok(ExitCode::SUCCESS)
            }
            Err(msg) => fail(
                Diagnostic::error("Unsupported value for raw output").detail(msg),
                out,
            ),
        };
    }
    if a.json {
        out.stdout(&format!("{}\n", serde_json::to_string_pretty(&o.value)?))?;
    } else {
        // A single named output is shown in clear, as Terraform does.
        out.stdout(&format!("{}\n", render_output_value(&o.value)))?;
    }
    Ok(ExitCode::SUCCESS)
}
