//! Values for root module variables: `-var`, `-var-file`, `terraform.tfvars`,
//! `*.auto.tfvars` and `TF_VAR_name`, with Terraform's precedence (later wins):
//! environment, `terraform.tfvars`, `*.auto.tfvars` (lexical order), then `-var` and
//! `-var-file` in command-line order.

use crate::config::{Body, Expr};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, SrcSpan};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};

/// One `-var` or `-var-file` argument, in command-line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarArg {
    /// `-var name=value`
    Var(String),
    /// `-var-file path`
    File(PathBuf),
    /// A value recorded in a saved plan: `name` and a constant HCL expression.
    Saved(String, String),
}

/// Where a value came from.
#[derive(Debug, Clone)]
pub enum InputSource {
    /// A `-var` argument.
    Cli,
    /// A `TF_VAR_name` environment variable.
    Env,
    /// An attribute in a `.tfvars` file.
    File(SrcSpan),
}

/// An input before it is converted to the variable's type.
#[derive(Debug, Clone)]
pub enum RawInput {
    /// From a `.tfvars` file: a constant expression.
    Expr(Expr),
    /// From `-var` or the environment: text, parsed according to the variable's type.
    Text(String),
}

#[derive(Debug, Clone)]
pub struct InputValue {
    pub raw: RawInput,
    pub source: InputSource,
}

/// Collected input values by variable name.
pub type InputValues = IndexMap<String, InputValue>;

/// Gathers input values from every source. `dir` is the root module directory; tfvars files
/// are added to `sources` so diagnostics can point into them.
pub fn collect(
    dir: &Path,
    args: &[VarArg],
    env: &[(String, String)],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> InputValues {
    let mut out = InputValues::new();
    for (k, v) in env {
        if let Some(name) = k.strip_prefix("TF_VAR_") {
            out.insert(
                name.to_string(),
                InputValue {
                    raw: RawInput::Text(v.clone()),
                    source: InputSource::Env,
                },
            );
        }
    }
    let default_file = dir.join("terraform.tfvars");
    if default_file.is_file() {
        read_file(&default_file, sources, diags, &mut out);
    }
    let mut autos: Vec<PathBuf> = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .map(|rd| {
        rd.filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".auto.tfvars"))
            })
            .collect()
    })
    .unwrap_or_default();
    autos.sort();
    for f in autos {
        read_file(
            &crate::config::clean_path(&dir.join(f.file_name().unwrap_or_default())),
            sources,
            diags,
            &mut out,
        );
    }
    for a in args {
        match a {
            VarArg::Var(s) => match s.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    out.insert(k.trim().to_string(), InputValue { raw: RawInput::Text(v.to_string()), source: InputSource::Cli });
                }
                _ => diags.push(Diagnostic::error("Invalid -var option").detail(format!("The given -var option {s:?} is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\"."))),
            },
            VarArg::Saved(name, expr) => {
                let file = sources.add(format!("<saved plan: var.{name}>"), expr.clone());
                match hcl_edit::parser::parse_expr(expr) {
                    Ok(e) => {
                        let span = SrcSpan::new(file, 0..expr.len());
                        out.insert(name.clone(), InputValue { raw: RawInput::Expr(Expr { file, expr: e }), source: InputSource::File(span) });
                    }
                    Err(e) => diags.push(Diagnostic::error("Invalid value in saved plan").detail(format!("var.{name}: {}", e.message()))),
                }
            }
            VarArg::File(p) => {
                if p.is_file() {
                    read_file(p, sources, diags, &mut out);
                } else {
                    diags.push(Diagnostic::error("Failed to read variables file").detail(format!("Given variables file {} does not exist.", p.display())));
                }
            }
        }
    }
    out
}

fn read_file(path: &Path, sources: &mut SourceMap, diags: &mut Diagnostics, out: &mut InputValues) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error("Failed to read variables file")
                    .detail(format!("{}: {e}", path.display())),
            );
            return;
        }
    };
    let file = sources.add(path.to_path_buf(), text);
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    match hcl_edit::parser::parse_body(&text) {
        Ok(body) => {
            let body = Body::from_hcl(file, body);
            for b in &body.blocks {
                diags.push(
                    Diagnostic::error("Unexpected block in variables file")
                        .detail("A variables file contains only name = value assignments.")
                        .at(&b.kind_span),
                );
            }
            for a in body.attrs {
                let span = a.name_span.clone();
                out.insert(
                    a.name,
                    InputValue {
                        raw: RawInput::Expr(a.expr),
                        source: InputSource::File(span),
                    },
                );
            }
        }
        Err(e) => {
            let start = e.location().offset().min(text.len());
            diags.push(
                Diagnostic::error("Invalid HCL syntax")
                    .detail(format!("{}.", e.message()))
                    .at(&SrcSpan::new(file, start..start)),
            );
        }
    }
}
