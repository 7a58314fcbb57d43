//! Choosing the state store from the root module's `terraform { backend "…" {} }` block.
//!
//! `local` (or no backend block) gives a local [`Backend`]; `s3` an S3 one. Both blocks are
//! validated like Terraform validates them. The backend `terrace init` recorded in
//! `.terrace/backend.json` must match the block (an `s3` backend needs `init`; a `local` one
//! only when `init` recorded another), and its settings (with `-backend-config` merged) are
//! the ones used. Configuration problems become diagnostics pointing at the attribute;
//! whenever [`select_backend`] returns an error, `diags` holds an error diagnostic
//! describing it.

use super::backend_record::{config_hash, settings_from_body, BackendRecord, Settings};
use super::error::StateError;
use super::s3::{S3Backend, S3Settings};
use super::store::Backend;
use crate::config::{Attr, Backend as BackendBlock, Block, Body, Module};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SrcSpan};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span;
use std::path::Path;

/// Attributes of the `local` backend Terrace accepts.
pub const LOCAL_ATTRIBUTES: &[&str] = &["path"];

/// What an attribute's literal value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Bool,
    Num,
    StrList,
    /// An object (or nested block) with the given keys.
    Obj(&'static [&'static str]),
}

const S3_ENDPOINTS: &[&str] = &["dynamodb", "iam", "s3", "sso", "sts"];
const S3_ASSUME_ROLE: &[&str] = &[
    "duration",
    "external_id",
    "policy",
    "policy_arns",
    "role_arn",
    "session_name",
    "source_identity",
    "tags",
    "transitive_tag_keys",
];
const S3_WEB_IDENTITY: &[&str] = &[
    "duration",
    "policy",
    "policy_arns",
    "role_arn",
    "session_name",
    "web_identity_token",
    "web_identity_token_file",
];

/// Every setting of Terraform's `s3` backend, with the kind of value it takes.
const S3_SETTINGS: &[(&str, Kind)] = &[
    ("access_key", Kind::Str),
    ("acl", Kind::Str),
    ("allowed_account_ids", Kind::StrList),
    ("assume_role", Kind::Obj(S3_ASSUME_ROLE)),
    ("assume_role_with_web_identity", Kind::Obj(S3_WEB_IDENTITY)),
    ("bucket", Kind::Str),
    ("custom_ca_bundle", Kind::Str),
    ("dynamodb_endpoint", Kind::Str),
    ("dynamodb_table", Kind::Str),
    ("ec2_metadata_service_endpoint", Kind::Str),
    ("ec2_metadata_service_endpoint_mode", Kind::Str),
    ("encrypt", Kind::Bool),
    ("endpoint", Kind::Str),
    ("endpoints", Kind::Obj(S3_ENDPOINTS)),
    ("forbidden_account_ids", Kind::StrList),
    ("force_path_style", Kind::Bool),
    ("http_proxy", Kind::Str),
    ("https_proxy", Kind::Str),
    ("iam_endpoint", Kind::Str),
    ("insecure", Kind::Bool),
    ("key", Kind::Str),
    ("kms_key_id", Kind::Str),
    ("max_retries", Kind::Num),
    ("no_proxy", Kind::Str),
    ("profile", Kind::Str),
    ("region", Kind::Str),
    ("retry_mode", Kind::Str),
    ("secret_key", Kind::Str),
    ("shared_config_files", Kind::StrList),
    ("shared_credentials_file", Kind::Str),
    ("shared_credentials_files", Kind::StrList),
    ("skip_credentials_validation", Kind::Bool),
    ("skip_metadata_api_check", Kind::Bool),
    ("skip_region_validation", Kind::Bool),
    ("skip_requesting_account_id", Kind::Bool),
    ("skip_s3_checksum", Kind::Bool),
    ("sse_customer_key", Kind::Str),
    ("sts_endpoint", Kind::Str),
    ("sts_region", Kind::Str),
    ("token", Kind::Str),
    ("use_dualstack_endpoint", Kind::Bool),
    ("use_fips_endpoint", Kind::Bool),
    ("use_lockfile", Kind::Bool),
    ("use_path_style", Kind::Bool),
    ("workspace_key_prefix", Kind::Str),
];

/// The names of every known `s3` backend setting.
pub fn s3_setting_names() -> impl Iterator<Item = &'static str> {
    S3_SETTINGS.iter().map(|(n, _)| *n)
}

/// The root module's backend block, reporting duplicates across `terraform` blocks.
pub fn root_backend<'a>(root: &'a Module, diags: &mut Diagnostics) -> Option<&'a BackendBlock> {
    let mut found: Option<&BackendBlock> = None;
    for b in root.settings.iter().filter_map(|s| s.backend.as_ref()) {
        if found.is_some() {
            diags.push(
                Diagnostic::error("Duplicate backend configuration")
                    .detail("A module may declare only one backend.")
                    .at(&b.span),
            );
        } else {
            found = Some(b);
        }
    }
    found
}

/// Chooses the state store for `workspace` of the configuration in `dir` whose root module
/// is `root`.
pub fn select_backend(
    root: &Module,
    dir: &Path,
    workspace: &str,
    diags: &mut Diagnostics,
) -> Result<Backend, StateError> {
    let errors_before = diags.error_count();
    let backend = root_backend(root, diags);
    let r = select_from(backend, dir, workspace, diags);
    match r {
        Ok(b) if diags.error_count() == errors_before => Ok(b),
        Ok(_) => Err(StateError::InvalidBackendConfig {
            kind: backend.map_or_else(|| "local".to_string(), |b| b.kind.clone()),
        }),
        Err(e) => {
            if diags.error_count() == errors_before {
                diags.push(e.to_diagnostic().at_opt(backend.map(|b| &b.span)));
            }
            Err(e)
        }
    }
}

/// A validated backend block: its kind, literal settings and their hash.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendSpec {
    /// `local` or `s3` (`local` without a block).
    pub kind: String,
    pub settings: Settings,
    /// [`config_hash`] of `kind` and `settings`.
    pub hash: String,
}

/// Validates the backend block (problems go to `diags`) and reads its settings.
pub fn backend_spec(
    backend: Option<&BackendBlock>,
    diags: &mut Diagnostics,
) -> Result<BackendSpec, StateError> {
    let spec = |kind: &str, settings: Settings| BackendSpec {
        hash: config_hash(kind, &settings),
        kind: kind.to_string(),
        settings,
    };
    let Some(b) = backend else {
        return Ok(spec("local", Settings::new()));
    };
    match b.kind.as_str() {
        "local" => {
            let before = diags.error_count();
            check_local(&b.body, diags);
            if diags.error_count() > before {
                return Err(StateError::InvalidBackendConfig {
                    kind: "local".into(),
                });
            }
            Ok(spec("local", settings_from_body(&b.body)))
        }
        "s3" => {
            let before = diags.error_count();
            check_s3(b, diags);
            if diags.error_count() > before {
                return Err(StateError::InvalidBackendConfig { kind: "s3".into() });
            }
            Ok(spec("s3", settings_from_body(&b.body)))
        }
        other => {
            let mut d = Diagnostic::error("Unsupported backend type")
                .detail(format!(
                    "Terrace has no backend named {other:?}; it supports \"local\" and \"s3\"."
                ))
                .at(&b.span);
            if let Some(s) = did_you_mean(other, ["local", "s3"]) {
                d = d.hint(format!("did you mean {s:?}?"));
            }
            diags.push(d);
            Err(StateError::UnsupportedBackend {
                kind: other.to_string(),
                reason: "Terrace supports the \"local\" and \"s3\" backends".into(),
            })
        }
    }
}

/// Opens the backend of `kind` with `settings` (already validated) for `workspace`.
pub fn open_backend(
    kind: &str,
    settings: &Settings,
    dir: &Path,
    workspace: &str,
) -> Result<Backend, StateError> {
    match kind {
        "s3" => Ok(Backend::S3(S3Backend::open(
            S3Settings::from_map(settings)?,
            workspace,
        )?)),
        "local" => {
            let path = settings.get("path").and_then(|v| v.as_str()).map(Path::new);
            Backend::local(dir, workspace, path)
        }
        other => Err(StateError::UnsupportedBackend {
            kind: other.to_string(),
            reason: "Terrace supports the \"local\" and \"s3\" backends".into(),
        }),
    }
}

/// Like [`select_backend`], from the backend block alone.
pub fn select_from(
    backend: Option<&BackendBlock>,
    dir: &Path,
    workspace: &str,
    diags: &mut Diagnostics,
) -> Result<Backend, StateError> {
    let spec = backend_spec(backend, diags)?;
    super::local::check_workspace_name(workspace)?;
    match BackendRecord::read(dir)? {
        None if spec.kind == "local" => open_backend("local", &spec.settings, dir, workspace),
        None => Err(StateError::BackendInitRequired { kind: spec.kind }),
        Some(r) if r.kind == spec.kind && r.config_hash == spec.hash => {
            open_backend(&r.kind, &r.settings, dir, workspace)
        }
        Some(r) if r.kind != spec.kind => Err(StateError::BackendChanged {
            reason: format!(
                "the configuration uses the {:?} backend, but terrace init set up {:?}",
                spec.kind, r.kind
            ),
        }),
        Some(_) => Err(StateError::BackendChanged {
            reason: format!(
                "the backend {:?} block differs from the one terrace init set up",
                spec.kind
            ),
        }),
    }
}

fn unsupported_attr(a: &Attr, parent: &str, allowed: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::error("Unsupported argument")
        .detail(format!(
            "An argument named {:?} is not expected in a {parent} block.",
            a.name
        ))
        .at(&a.name_span);
    if let Some(s) = did_you_mean(&a.name, allowed.iter().copied()) {
        d = d.hint(format!("did you mean {s:?}?"));
    }
    d
}

fn unsupported_block(b: &Block, parent: &str) -> Diagnostic {
    Diagnostic::error("Unsupported block type")
        .detail(format!(
            "Blocks of type {:?} are not expected in a {parent} block.",
            b.kind
        ))
        .at(&b.kind_span)
}

/// Validates a `local` backend body; returns the configured path.
fn check_local(body: &Body, diags: &mut Diagnostics) -> Option<String> {
    let mut path = None;
    for a in &body.attrs {
        match a.name.as_str() {
            "path" => match a.expr.as_literal_str() {
                Some("") => diags.push(
                    Diagnostic::error("Invalid path value")
                        .detail("The local backend's path must not be empty.")
                        .at(&a.expr.span()),
                ),
                Some(p) => path = Some(p.to_string()),
                None => diags.push(not_literal(a, "a string")),
            },
            "workspace_dir" => diags.push(
                unsupported_attr(a, "backend \"local\"", LOCAL_ATTRIBUTES).detail(
                    "Terrace keeps the state of a workspace other than \"default\" beside path, with the workspace name inserted before the extension (terraform.tfstate → terraform.WORKSPACE.tfstate); workspace_dir is not supported.",
                ),
            ),
            _ => diags.push(unsupported_attr(a, "backend \"local\"", LOCAL_ATTRIBUTES)),
        }
    }
    for b in &body.blocks {
        diags.push(unsupported_block(b, "backend \"local\""));
    }
    path
}

fn not_literal(a: &Attr, what: &str) -> Diagnostic {
    let refers = matches!(
        strip_parens(&a.expr.expr),
        Expression::Variable(_)
            | Expression::Traversal(_)
            | Expression::FuncCall(_)
            | Expression::StringTemplate(_)
            | Expression::HeredocTemplate(_)
            | Expression::Conditional(_)
            | Expression::ForExpr(_)
    );
    let detail = if refers {
        format!(
            "The {} setting must be {what}. A backend block cannot refer to variables, locals or resources, or call functions: only literal values are allowed.",
            a.name
        )
    } else {
        format!("The {} setting must be {what}.", a.name)
    };
    Diagnostic::error(format!("Invalid {} value", a.name))
        .detail(detail)
        .at(&a.expr.span())
}

fn strip_parens(e: &Expression) -> &Expression {
    match e {
        Expression::Parenthesis(p) => strip_parens(p.inner()),
        e => e,
    }
}

fn check_s3(b: &BackendBlock, diags: &mut Diagnostics) {
    let names: Vec<&str> = s3_setting_names().collect();
    let kind_of = |n: &str| S3_SETTINGS.iter().find(|(k, _)| *k == n).map(|(_, k)| *k);
    for a in &b.body.attrs {
        let Some(kind) = kind_of(&a.name) else {
            diags.push(unsupported_attr(a, "backend \"s3\"", &names));
            continue;
        };
        let e = strip_parens(&a.expr.expr);
        match kind {
            Kind::Str => match a.expr.as_literal_str() {
                Some(s) if a.name == "key" && (s.starts_with('/') || s.ends_with('/')) => diags
                    .push(
                        Diagnostic::error("Invalid key value")
                            .detail("The key must not start or end with \"/\".")
                            .at(&a.expr.span()),
                    ),
                Some("") if matches!(a.name.as_str(), "bucket" | "key") => diags.push(
                    Diagnostic::error(format!("Invalid {} value", a.name))
                        .detail(format!("The {} must not be empty.", a.name))
                        .at(&a.expr.span()),
                ),
                Some(_) => {}
                None => diags.push(not_literal(a, "a string")),
            },
            Kind::Bool => {
                if !matches!(e, Expression::Bool(_)) {
                    diags.push(not_literal(a, "true or false"));
                }
            }
            Kind::Num => {
                if !matches!(e, Expression::Number(_)) {
                    diags.push(not_literal(a, "a number"));
                }
            }
            Kind::StrList => match e {
                Expression::Array(arr)
                    if arr
                        .iter()
                        .all(|x| matches!(strip_parens(x), Expression::String(_))) => {}
                _ => diags.push(not_literal(a, "a list of strings")),
            },
            Kind::Obj(keys) => match e {
                Expression::Object(obj) => {
                    for (k, _) in obj.iter() {
                        let (name, span) = match k {
                            ObjectKey::Ident(i) => (i.as_str().to_string(), k.span()),
                            ObjectKey::Expression(Expression::String(s)) => {
                                (s.value().clone(), k.span())
                            }
                            ObjectKey::Expression(_) => continue,
                        };
                        if !keys.contains(&name.as_str()) {
                            diags.push(unknown_key(
                                &name,
                                &a.name,
                                keys,
                                SrcSpan::new(a.expr.file, span.unwrap_or(0..0)),
                            ));
                        }
                    }
                }
                _ => diags.push(not_literal(a, "an object")),
            },
        }
    }
    for nb in &b.body.blocks {
        match kind_of(&nb.kind) {
            Some(Kind::Obj(keys)) => {
                for a in &nb.body.attrs {
                    if !keys.contains(&a.name.as_str()) {
                        diags.push(unknown_key(&a.name, &nb.kind, keys, a.name_span.clone()));
                    }
                }
                for inner in &nb.body.blocks {
                    diags.push(unsupported_block(inner, &nb.kind));
                }
            }
            _ => diags.push(unsupported_block(nb, "backend \"s3\"")),
        }
    }
    // bucket and key may come from -backend-config (a partial configuration): they are
    // required when the backend is opened (see S3Settings::from_map).
}

fn unknown_key(name: &str, parent: &str, keys: &[&str], span: SrcSpan) -> Diagnostic {
    let mut d = Diagnostic::error("Unsupported argument")
        .detail(format!(
            "An argument named {name:?} is not expected in {parent}; expected one of {}.",
            keys.join(", ")
        ))
        .at(&span);
    if let Some(s) = did_you_mean(name, keys.iter().copied()) {
        d = d.hint(format!("did you mean {s:?}?"));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn select(tf: &str, ws: &str) -> (Result<Backend, StateError>, Vec<String>) {
        let mut diags = Diagnostics::new();
        let cfg = config::load_file_set(Path::new("cfg"), &[("main.tf", tf)], &mut diags);
        assert!(!diags.has_errors(), "{diags:?}");
        let r = select_backend(&cfg.root.module, Path::new("cfg"), ws, &mut diags);
        let msgs = diags
            .iter()
            .map(|d| {
                let at = d.span.as_ref().map(|s| {
                    let f = cfg.sources.get(s.file).unwrap();
                    f.text[s.range.clone()].to_string()
                });
                format!(
                    "{}: {} @ {}",
                    d.summary,
                    d.hint.clone().unwrap_or_default(),
                    at.unwrap_or_default()
                )
            })
            .collect();
        (r, msgs)
    }

    #[test]
    fn default_and_local_backends() {
        let (r, m) = select(
            "resource \"aws_vpc\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
            "default",
        );
        assert_eq!(
            r.unwrap().path(),
            Path::new("cfg/state/default.tfstate.json")
        );
        assert!(m.is_empty());
        let tf = "terraform {\n  backend \"local\" {\n    path = \"tf/prod.tfstate\"\n  }\n}\n";
        let (r, _) = select(tf, "default");
        assert_eq!(r.unwrap().path(), Path::new("cfg/tf/prod.tfstate"));
        let (r, _) = select(tf, "blue");
        assert_eq!(r.unwrap().path(), Path::new("cfg/tf/prod.blue.tfstate"));
        let (r, _) = select("terraform {\n  backend \"local\" {}\n}\n", "default");
        assert_eq!(
            r.unwrap().path(),
            Path::new("cfg/state/default.tfstate.json")
        );
    }

    #[test]
    fn local_backend_attributes_are_checked() {
        let tf = "terraform {\n  backend \"local\" {\n    pat = \"x\"\n    workspace_dir = \"w\"\n  }\n}\n";
        let (r, m) = select(tf, "default");
        assert!(matches!(r, Err(StateError::InvalidBackendConfig { .. })));
        assert_eq!(
            m,
            [
                "Unsupported argument: did you mean \"path\"? @ pat",
                "Unsupported argument:  @ workspace_dir"
            ]
        );
        let tf = "terraform {\n  backend \"local\" {\n    path = var.p\n  }\n}\n";
        let (r, m) = select(tf, "default");
        assert!(r.is_err());
        assert_eq!(m, ["Invalid path value:  @ var.p"]);
    }

    #[test]
    fn s3_is_validated_and_needs_init() {
        let tf = r#"terraform {
  backend "s3" {
    bucket       = "b"
    key          = "env/terraform.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
    encrypt      = true
    endpoints    = { s3 = "http://localhost:4566" }
    shared_credentials_files = ["~/.aws/credentials"]
  }
}
"#;
        let (r, m) = select(tf, "default");
        match r {
            Err(StateError::BackendInitRequired { kind }) => assert_eq!(kind, "s3"),
            other => panic!("{other:?}"),
        }
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("Backend initialization required"), "{m:?}");

        let tf = r#"terraform {
  backend "s3" {
    bucket = "b"
    regoin = "eu-west-1"
    encrypt = "yes"
    endpoints {
      s3 = "http://x"
      s4 = "y"
    }
  }
}
"#;
        let (r, m) = select(tf, "default");
        assert!(matches!(r, Err(StateError::InvalidBackendConfig { .. })));
        assert_eq!(
            m,
            [
                "Unsupported argument: did you mean \"region\"? @ regoin",
                "Invalid encrypt value:  @ \"yes\"",
                "Unsupported argument: did you mean \"s3\"? @ s4",
            ]
        );
    }

    #[test]
    fn unknown_backend_kinds_are_errors() {
        let (r, m) = select("terraform {\n  backend \"gcs\" {}\n}\n", "default");
        assert!(matches!(r, Err(StateError::UnsupportedBackend { kind, .. }) if kind == "gcs"));
        assert_eq!(m, ["Unsupported backend type:  @ backend \"gcs\""]);
        let (r, m) = select("terraform {\n  backend \"locl\" {}\n}\n", "default");
        assert!(r.is_err());
        assert_eq!(
            m,
            ["Unsupported backend type: did you mean \"local\"? @ backend \"locl\""]
        );
    }

    #[test]
    fn bad_workspace_names_are_reported() {
        let (r, m) = select("locals {}\n", "../up");
        assert!(matches!(r, Err(StateError::InvalidWorkspace { .. })));
        assert_eq!(m, ["Invalid workspace name:  @ "]);
    }
}
