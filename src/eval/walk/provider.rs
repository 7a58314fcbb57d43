//! `provider "aws"` configurations of the root module: checked against the provider's
//! argument schema; their `default_tags` feed every taggable resource's `tags_all`.

use crate::config::{Config, ProviderConfig, Resource};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::eval::body::BodyEval;
use crate::eval::expr::{EmptyScope, Scope};
use crate::eval::value::Value;
use crate::eval::Type;
use crate::schema::{AttrSchema, BlockSchema, BodySchema, Nesting, Presence};
use std::collections::HashMap;

fn attr(name: &'static str, ty: Type) -> AttrSchema {
    AttrSchema {
        name,
        ty,
        presence: Presence::Optional,
        force_new: false,
        sensitive: false,
        validators: Vec::new(),
        conflicts_with: &[],
        default: None,
    }
}

fn block(name: &'static str, attrs: Vec<AttrSchema>) -> BlockSchema {
    BlockSchema {
        name,
        nesting: Nesting::Single,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
        computed_when_absent: false,
        body: BodySchema {
            attrs,
            blocks: Vec::new(),
        },
    }
}

/// The arguments of `provider "aws"` that Terrace understands.
pub fn aws_provider_schema() -> BodySchema {
    let s = || Type::String;
    let mut secret = attr("secret_key", s());
    secret.sensitive = true;
    let mut token = attr("token", s());
    token.sensitive = true;
    BodySchema {
        attrs: vec![
            attr("region", s()),
            attr("profile", s()),
            attr("access_key", s()),
            secret,
            token,
            attr("max_retries", Type::Number),
            attr("retry_mode", s()),
            attr("shared_config_files", Type::list(s())),
            attr("shared_credentials_files", Type::list(s())),
            attr("skip_credentials_validation", Type::Bool),
            attr("skip_metadata_api_check", Type::String),
            attr("skip_region_validation", Type::Bool),
            attr("skip_requesting_account_id", Type::Bool),
            attr("s3_use_path_style", Type::Bool),
            attr("allowed_account_ids", Type::set(s())),
            attr("forbidden_account_ids", Type::set(s())),
        ],
        blocks: vec![
            block("default_tags", vec![attr("tags", Type::map(s()))]),
            block(
                "endpoints",
                ["ec2", "rds", "s3", "sts", "iam"]
                    .iter()
                    .map(|n| attr(n, s()))
                    .collect(),
            ),
            block(
                "assume_role",
                vec![
                    attr("role_arn", s()),
                    attr("session_name", s()),
                    attr("external_id", s()),
                    attr("duration", s()),
                ],
            ),
            block(
                "ignore_tags",
                vec![
                    attr("keys", Type::set(s())),
                    attr("key_prefixes", Type::set(s())),
                ],
            ),
        ],
    }
}

/// Evaluated provider configurations by alias (`None` = default).
#[derive(Default)]
pub struct Providers {
    default_tags: HashMap<Option<String>, Value>,
    declared: Vec<Option<String>>,
    /// The evaluated arguments of each root `provider "aws"` block, by alias.
    pub configs: HashMap<Option<String>, Value>,
}

impl Providers {
    /// Checks the root module's provider blocks. Provider arguments may only use constants
    /// and variables defaults here; resource references in them are not supported.
    /// Root provider blocks are evaluated in `root_scope`; provider blocks of child modules
    /// (legacy) are only checked, with references treated as unknown.
    pub fn load(cfg: &Config, root_scope: &dyn Scope, diags: &mut Diagnostics) -> Providers {
        let schema = aws_provider_schema();
        let mut out = Providers::default();
        let mut seen = Vec::new();
        for p in &cfg.root.module.providers {
            check_provider(p, &schema, root_scope, diags, &mut out, true, &mut seen);
        }
        let mut stack: Vec<&crate::config::ModuleTree> = cfg.root.children.values().collect();
        while let Some(tree) = stack.pop() {
            let scope = ProviderScope(EmptyScope(&tree.module.dir));
            for p in &tree.module.providers {
                check_provider(p, &schema, &scope, diags, &mut out, false, &mut Vec::new());
            }
            stack.extend(tree.children.values());
        }
        out
    }

    /// The default tags of the provider configuration a resource uses.
    pub fn default_tags(&self, r: &Resource, report: &mut dyn FnMut(Diagnostic)) -> Option<Value> {
        let alias = r.provider_alias.as_ref().map(|(a, _)| a.clone());
        if let (Some(a), Some((_, span))) = (&alias, &r.provider_alias) {
            if !self.declared.contains(&alias) {
                report(Diagnostic::error("Provider configuration not present").detail(format!("No provider \"aws\" block with alias = {a:?} is declared in the root module.")).at(span));
            }
        }
        self.default_tags.get(&alias).cloned()
    }
}

fn check_provider(
    p: &ProviderConfig,
    schema: &BodySchema,
    scope: &dyn Scope,
    diags: &mut Diagnostics,
    out: &mut Providers,
    root: bool,
    seen: &mut Vec<Option<String>>,
) {
    if p.name != "aws" {
        let mut d = Diagnostic::error("Unsupported provider")
            .detail(format!(
                "Terrace supports only the \"aws\" provider, not {:?}.",
                p.name
            ))
            .at(&p.span);
        if let Some(s) = did_you_mean(&p.name, ["aws"]) {
            d = d.hint(format!("did you mean {s:?}?"));
        }
        diags.push(d);
        return;
    }
    if root && seen.contains(&p.alias) {
        diags.push(Diagnostic::error("Duplicate provider configuration").detail(match &p.alias {
            Some(a) => format!("A provider \"aws\" block with alias {a:?} was already declared."),
            None => "A default provider \"aws\" block was already declared; give additional ones an alias.".to_string(),
        }).at(&p.span));
        return;
    }
    seen.push(p.alias.clone());
    let mut errs = Vec::new();
    let v = BodyEval {
        scope,
        bound: Vec::new(),
        diags: &mut errs,
    }
    .eval(&p.body, schema, &p.span, "a provider \"aws\" block");
    diags.extend(errs);
    if root {
        out.declared.push(p.alias.clone());
        let tags = v
            .get_attr("default_tags")
            .and_then(|d| d.get_attr("tags"))
            .cloned()
            .unwrap_or(Value::Null);
        out.default_tags.insert(p.alias.clone(), tags);
        out.configs.insert(p.alias.clone(), v);
    }
}

/// Like [`EmptyScope`] but references resolve to unknown (variables are resolved by the
/// provider stage at plan time).
struct ProviderScope<'a>(EmptyScope<'a>);

impl Scope for ProviderScope<'_> {
    fn resolve(
        &self,
        root: &crate::eval::refs::RefRoot,
        span: &crate::diag::SrcSpan,
    ) -> Result<Value, Diagnostic> {
        use crate::eval::refs::RefRoot;
        match root {
            RefRoot::Var(_) | RefRoot::Local(_) | RefRoot::Terraform(_) | RefRoot::Path(_) => {
                Ok(Value::Unknown)
            }
            _ => self.0.resolve(root, span),
        }
    }
    fn base_dir(&self) -> &std::path::Path {
        self.0.base_dir()
    }
}
