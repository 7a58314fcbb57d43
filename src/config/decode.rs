//! Decoding of top-level blocks into the typed structures of [`super::module`].
//! Structural problems (unknown block types, wrong label counts, duplicates, non-literal
//! meta-arguments) become diagnostics; decoding continues with the next block.

use super::body::{Attr, Block, Body, Expr};
use super::module::*;
use crate::addr::{Mode, ResourceAddr};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SourceMap, SrcSpan};
use hcl_edit::expr::{Expression, TraversalOperator};
use std::time::Duration;

const TOP_LEVEL: &[&str] = &[
    "terraform",
    "provider",
    "variable",
    "locals",
    "output",
    "resource",
    "data",
    "module",
    "migration",
    "moved",
    "import",
    "check",
    "removed",
];

/// Adds the blocks of one file's body to `m`. `sources` locates earlier declarations (in
/// this or another file of the module) when naming them in duplicate-declaration errors.
pub fn decode_file(body: Body, m: &mut Module, sources: &SourceMap, diags: &mut Diagnostics) {
    for a in &body.attrs {
        diags.push(
            Diagnostic::error("Unsupported argument")
                .detail(format!("An argument named {:?} is not expected at the top level of a configuration file; only blocks are.", a.name))
                .at(&a.name_span),
        );
    }
    for b in body.blocks {
        let labels_needed = match b.kind.as_str() {
            "terraform" | "locals" | "moved" | "import" | "check" | "removed" => 0,
            "resource" | "data" => 2,
            "provider" | "variable" | "output" | "module" | "migration" => 1,
            other => {
                let mut d = Diagnostic::error("Unsupported block type")
                    .detail(format!("Blocks of type {other:?} are not expected here."))
                    .at(&b.kind_span);
                if let Some(s) = did_you_mean(other, TOP_LEVEL.iter().copied()) {
                    d = d.hint(format!("did you mean {s:?}?"));
                }
                diags.push(d);
                continue;
            }
        };
        let labels_needed = if b.kind == "check" { 1 } else { labels_needed };
        if b.labels.len() != labels_needed {
            let what = match labels_needed {
                0 => "no labels".to_string(),
                1 => "one label (a name)".to_string(),
                _ => "two labels (a type and a name)".to_string(),
            };
            diags.push(
                Diagnostic::error(format!("Wrong number of labels on {} block", b.kind))
                    .detail(format!(
                        "{} {} block takes {what}, but has {}.",
                        article_cap(&b.kind),
                        b.kind,
                        b.labels.len()
                    ))
                    .at(&b.header_span()),
            );
            continue;
        }
        for (l, span) in b.labels.iter().zip(&b.label_spans) {
            if b.kind != "check" && !is_valid_name(l) {
                diags.push(
                    Diagnostic::error("Invalid name")
                        .detail(format!("{l:?} is not a valid name: names start with a letter or underscore and contain only letters, digits, underscores and dashes."))
                        .at(span),
                );
            }
        }
        match b.kind.as_str() {
            "terraform" => m.settings.push(decode_settings(b, diags)),
            "provider" => m.providers.push(decode_provider(b, diags)),
            "variable" => {
                let v = decode_variable(b, diags);
                insert_unique(
                    &mut m.variables,
                    v.name.clone(),
                    v,
                    |v| &v.span,
                    "variable",
                    sources,
                    diags,
                );
            }
            "locals" => {
                for a in b.body.attrs {
                    insert_unique(
                        &mut m.locals,
                        a.name.clone(),
                        a,
                        |a| &a.name_span,
                        "local value",
                        sources,
                        diags,
                    );
                }
                for nb in &b.body.blocks {
                    diags.push(unexpected_block(nb, "locals"));
                }
            }
            "output" => {
                let o = decode_output(b, diags);
                insert_unique(
                    &mut m.outputs,
                    o.name.clone(),
                    o,
                    |o| &o.span,
                    "output",
                    sources,
                    diags,
                );
            }
            "resource" | "data" => {
                let r = decode_resource(b, diags);
                insert_unique(
                    &mut m.resources,
                    r.addr.clone(),
                    r,
                    |r| &r.span,
                    "resource",
                    sources,
                    diags,
                );
            }
            "module" => {
                if let Some(c) = decode_module_call(b, diags) {
                    insert_unique(
                        &mut m.module_calls,
                        c.name.clone(),
                        c,
                        |c| &c.span,
                        "module call",
                        sources,
                        diags,
                    );
                }
            }
            "migration" => {
                let mut body = b.body;
                let depends_on = take_list(&mut body, "depends_on", diags);
                let mg = Migration {
                    name: b.labels[0].clone(),
                    span: b.kind_span.to(&b.label_spans[0]),
                    body,
                    depends_on,
                };
                insert_unique(
                    &mut m.migrations,
                    mg.name.clone(),
                    mg,
                    |g| &g.span,
                    "migration",
                    sources,
                    diags,
                );
            }
            "import" => {
                if let Some(i) = super::import::decode_import(b, sources, diags) {
                    m.imports.push(i);
                }
            }
            other => diags.push(
                Diagnostic::warning(format!("{other} blocks are not supported yet"))
                    .detail(format!("Terrace ignores this {other} block."))
                    .at(&b.kind_span),
            ),
        }
    }
}

fn insert_unique<K: std::hash::Hash + Eq + std::fmt::Display, V>(
    map: &mut indexmap::IndexMap<K, V>,
    key: K,
    value: V,
    span: impl Fn(&V) -> &SrcSpan,
    what: &str,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) {
    if let Some(prev) = map.get(&key) {
        let prev_span = span(prev);
        let first = match sources.get(prev_span.file) {
            Some(f) => {
                let lc = f.line_col(prev_span.range.start);
                format!("{}:{}:{}", f.path.display(), lc.line, lc.col)
            }
            None => "an earlier block of the same module".to_string(),
        };
        diags.push(
            Diagnostic::error(format!("Duplicate {what} {:?}", key.to_string()))
                .detail(format!(
                    "{} {what} named {:?} was already declared at {first}; names must be unique within a module.",
                    article_cap(what),
                    key.to_string()
                ))
                .at(span(&value))
                .hint("rename or remove one of the two"),
        );
        return;
    }
    map.insert(key, value);
}

/// The indefinite article for `word`: "an" before a vowel letter, otherwise "a".
fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some(c) if "aeiouAEIOU".contains(c) => "an",
        _ => "a",
    }
}

/// [`article`] capitalised, for the start of a sentence.
fn article_cap(word: &str) -> &'static str {
    if article(word) == "an" {
        "An"
    } else {
        "A"
    }
}

pub fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

pub(super) fn unexpected_block(b: &Block, parent: &str) -> Diagnostic {
    Diagnostic::error("Unsupported block type")
        .detail(format!(
            "Blocks of type {:?} are not expected in {} {parent} block.",
            b.kind,
            article(parent)
        ))
        .at(&b.kind_span)
}

pub(super) fn unexpected_attr(a: &Attr, parent: &str, allowed: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::error("Unsupported argument")
        .detail(format!(
            "An argument named {:?} is not expected in {} {parent} block.",
            a.name,
            article(parent)
        ))
        .at(&a.name_span);
    if let Some(s) = did_you_mean(&a.name, allowed.iter().copied()) {
        d = d.hint(format!("did you mean {s:?}?"));
    }
    d
}

/// Removes and returns an attribute.
fn take(body: &mut Body, name: &str) -> Option<Attr> {
    let i = body.attrs.iter().position(|a| a.name == name)?;
    Some(body.attrs.remove(i))
}

/// Removes a list attribute (like `depends_on`) and returns its element expressions.
fn take_list(body: &mut Body, name: &str, diags: &mut Diagnostics) -> Vec<Expr> {
    let Some(a) = take(body, name) else {
        return Vec::new();
    };
    match &a.expr.expr {
        Expression::Array(arr) => arr
            .iter()
            .map(|e| Expr {
                file: a.expr.file,
                expr: e.clone(),
            })
            .collect(),
        _ => {
            diags.push(
                Diagnostic::error(format!("Invalid {name}"))
                    .detail(format!(
                        "{name} must be a list of references, like [aws_vpc.main]."
                    ))
                    .at(&a.expr.span()),
            );
            Vec::new()
        }
    }
}

/// A literal boolean (`true`/`false`), as meta-arguments require.
fn literal_bool(a: &Attr, diags: &mut Diagnostics) -> bool {
    match &a.expr.expr {
        Expression::Bool(b) => *b.value(),
        _ => {
            diags.push(
                Diagnostic::error(format!("Invalid {} value", a.name))
                    .detail(format!(
                        "{} must be the literal true or false; expressions are not allowed here.",
                        a.name
                    ))
                    .at(&a.expr.span()),
            );
            false
        }
    }
}

fn literal_string(a: &Attr, diags: &mut Diagnostics) -> Option<String> {
    match a.expr.as_literal_str() {
        Some(s) => Some(s.to_string()),
        None => {
            diags.push(
                Diagnostic::error(format!("Invalid {} value", a.name))
                    .detail(format!(
                        "{} must be a literal string; expressions are not allowed here.",
                        a.name
                    ))
                    .at(&a.expr.span()),
            );
            None
        }
    }
}

fn decode_settings(b: Block, diags: &mut Diagnostics) -> Settings {
    let mut s = Settings {
        span: b.kind_span.clone(),
        required_version: None,
        backend: None,
    };
    for a in &b.body.attrs {
        match a.name.as_str() {
            "required_version" => {
                if let Some(v) = literal_string(a, diags) {
                    if let Err(e) = check_version_constraint(&v) {
                        diags.push(
                            Diagnostic::error("Invalid required_version")
                                .detail(e)
                                .at(&a.expr.span()),
                        );
                    }
                    s.required_version = Some((v, a.expr.span()));
                }
            }
            "experiments" => {}
            _ => diags.push(unexpected_attr(
                a,
                "terraform",
                &["required_version", "experiments"],
            )),
        }
    }
    for nb in b.body.blocks {
        match nb.kind.as_str() {
            "backend" => {
                if nb.labels.len() != 1 {
                    diags.push(Diagnostic::error("Wrong number of labels on backend block").detail("A backend block takes one label: the backend type, \"local\" or \"s3\".").at(&nb.header_span()));
                    continue;
                }
                if s.backend.is_some() {
                    diags.push(Diagnostic::error("Duplicate backend configuration").detail("A module may declare only one backend.").at(&nb.header_span()));
                    continue;
                }
                s.backend = Some(Backend { kind: nb.labels[0].clone(), span: nb.header_span(), body: nb.body });
            }
            "required_providers" | "provider_meta" => {}
            "cloud" => diags.push(Diagnostic::error("Unsupported cloud block").detail("Terrace does not connect to HCP Terraform; use backend \"s3\" or \"local\".").at(&nb.kind_span)),
            _ => diags.push(unexpected_block(&nb, "terraform")),
        }
    }
    s
}

/// Checks the syntax of a version constraint such as `>= 1.5, < 2.0` or `~> 1.6`.
fn check_version_constraint(v: &str) -> Result<(), String> {
    for part in v.split(',') {
        let p = part.trim();
        let p = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| p.strip_prefix(op))
            .unwrap_or(p)
            .trim();
        let ok = !p.is_empty()
            && p.split('.')
                .take(3)
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
            || p.split_once('-')
                .is_some_and(|(n, _)| n.split('.').all(|x| x.chars().all(|c| c.is_ascii_digit())));
        if !ok {
            return Err(format!(
                "{part:?} is not a valid version constraint; write e.g. \">= 1.5\" or \"~> 1.6\"."
            ));
        }
    }
    Ok(())
}

fn decode_provider(b: Block, diags: &mut Diagnostics) -> ProviderConfig {
    let mut body = b.body;
    let alias = take(&mut body, "alias").and_then(|a| literal_string(&a, diags));
    take(&mut body, "version");
    ProviderConfig {
        name: b.labels[0].clone(),
        alias,
        span: b.kind_span.to(&b.label_spans[0]),
        body,
    }
}

fn decode_variable(b: Block, diags: &mut Diagnostics) -> Variable {
    let mut v = Variable {
        name: b.labels[0].clone(),
        span: b.kind_span.to(&b.label_spans[0]),
        type_expr: None,
        default: None,
        description: None,
        sensitive: false,
        nullable: true,
        validations: Vec::new(),
    };
    if matches!(
        v.name.as_str(),
        "source"
            | "version"
            | "providers"
            | "count"
            | "for_each"
            | "lifecycle"
            | "depends_on"
            | "locals"
    ) {
        diags.push(
            Diagnostic::error("Invalid variable name")
                .detail(format!(
                    "The variable name {:?} is reserved for a module meta-argument.",
                    v.name
                ))
                .at(&b.label_spans[0]),
        );
    }
    for a in b.body.attrs {
        match a.name.as_str() {
            "type" => v.type_expr = Some(a.expr),
            "default" => v.default = Some(a.expr),
            "description" => v.description = literal_string(&a, diags),
            "sensitive" => v.sensitive = literal_bool(&a, diags),
            "nullable" => v.nullable = literal_bool(&a, diags),
            "ephemeral" => {}
            _ => diags.push(unexpected_attr(
                &a,
                "variable",
                &[
                    "type",
                    "default",
                    "description",
                    "sensitive",
                    "nullable",
                    "validation",
                ],
            )),
        }
    }
    for nb in b.body.blocks {
        if nb.kind == "validation" {
            if let Some(val) = decode_condition(&nb, diags) {
                v.validations.push(val);
            }
        } else {
            diags.push(unexpected_block(&nb, "variable"));
        }
    }
    v
}

fn decode_condition(b: &Block, diags: &mut Diagnostics) -> Option<Validation> {
    let cond = b.body.attr("condition");
    let msg = b.body.attr("error_message");
    for a in &b.body.attrs {
        if a.name != "condition" && a.name != "error_message" {
            diags.push(unexpected_attr(a, &b.kind, &["condition", "error_message"]));
        }
    }
    match (cond, msg) {
        (Some(c), Some(m)) => Some(Validation {
            span: b.kind_span.clone(),
            condition: c.expr.clone(),
            error_message: m.expr.clone(),
        }),
        _ => {
            let missing = if cond.is_none() {
                "condition"
            } else {
                "error_message"
            };
            diags.push(
                Diagnostic::error("Missing required argument")
                    .detail(format!(
                        "The argument {missing:?} is required in {} {} block.",
                        article(&b.kind),
                        b.kind
                    ))
                    .at(&b.kind_span),
            );
            None
        }
    }
}

fn decode_output(b: Block, diags: &mut Diagnostics) -> Output {
    let span = b.kind_span.to(&b.label_spans[0]);
    let mut body = b.body;
    let depends_on = take_list(&mut body, "depends_on", diags);
    let mut value = None;
    let mut o_desc = None;
    let mut sensitive = false;
    for a in body.attrs {
        match a.name.as_str() {
            "value" => value = Some(a.expr),
            "description" => o_desc = literal_string(&a, diags),
            "sensitive" => sensitive = literal_bool(&a, diags),
            "ephemeral" => {}
            _ => diags.push(unexpected_attr(
                &a,
                "output",
                &["value", "description", "sensitive", "depends_on"],
            )),
        }
    }
    for nb in &body.blocks {
        if nb.kind != "precondition" {
            diags.push(unexpected_block(nb, "output"));
        }
    }
    let value = value.unwrap_or_else(|| {
        diags.push(
            Diagnostic::error("Missing required argument")
                .detail("The argument \"value\" is required in an output block.")
                .at(&span),
        );
        Expr {
            file: span.file,
            expr: Expression::null(),
        }
    });
    Output {
        name: b.labels[0].clone(),
        span,
        value,
        description: o_desc,
        sensitive,
        depends_on,
    }
}

fn decode_resource(b: Block, diags: &mut Diagnostics) -> Resource {
    let mode = if b.kind == "data" {
        Mode::Data
    } else {
        Mode::Managed
    };
    let addr = ResourceAddr {
        mode,
        type_name: b.labels[0].clone(),
        name: b.labels[1].clone(),
    };
    let span = b.kind_span.to(&b.label_spans[1]);
    let type_span = b.label_spans[0].clone();
    let mut body = b.body;
    let count = take(&mut body, "count").map(|a| a.expr);
    let for_each = take(&mut body, "for_each").map(|a| a.expr);
    if let (Some(_), Some(fe)) = (&count, &for_each) {
        diags.push(Diagnostic::error("Invalid combination of \"count\" and \"for_each\"").detail("The \"count\" and \"for_each\" meta-arguments are mutually exclusive; only one may be used to be explicit about the number of resources to be created.").at(&fe.span()));
    }
    let depends_on = take_list(&mut body, "depends_on", diags);
    let provider_alias = take(&mut body, "provider").and_then(|a| provider_ref(&a, diags));
    let mut lifecycle = Lifecycle::default();
    let mut timeouts = Timeouts::default();
    let mut rest = Vec::new();
    for nb in std::mem::take(&mut body.blocks) {
        match nb.kind.as_str() {
            "lifecycle" => lifecycle = decode_lifecycle(nb, diags),
            "timeouts" if mode == Mode::Managed || nb.body.attr("read").is_some() => timeouts = decode_timeouts(nb, diags),
            "provisioner" | "connection" => diags.push(Diagnostic::warning(format!("{} blocks are not supported", nb.kind)).detail("Terrace ignores provisioners; use user_data or a configuration management tool.").at(&nb.kind_span)),
            _ => rest.push(nb),
        }
    }
    body.blocks = rest;
    Resource {
        addr,
        span,
        type_span,
        count,
        for_each,
        depends_on,
        provider_alias,
        lifecycle,
        timeouts,
        body,
    }
}

fn provider_ref(a: &Attr, diags: &mut Diagnostics) -> Option<(String, SrcSpan)> {
    if let Expression::Traversal(t) = &a.expr.expr {
        if let (Expression::Variable(v), [op]) = (&t.expr, t.operators.as_slice()) {
            if let TraversalOperator::GetAttr(alias) = op.value() {
                if v.as_str() == "aws" {
                    return Some((alias.as_str().to_string(), a.expr.span()));
                }
            }
        }
    }
    if let Expression::Variable(v) = &a.expr.expr {
        if v.as_str() == "aws" {
            return None;
        }
    }
    diags.push(
        Diagnostic::error("Invalid provider reference")
            .detail("provider must be a reference like aws or aws.ALIAS.")
            .at(&a.expr.span()),
    );
    None
}

fn decode_lifecycle(b: Block, diags: &mut Diagnostics) -> Lifecycle {
    let mut l = Lifecycle {
        span: Some(b.kind_span.clone()),
        ..Lifecycle::default()
    };
    for a in &b.body.attrs {
        match a.name.as_str() {
            "create_before_destroy" => l.create_before_destroy = literal_bool(a, diags),
            "prevent_destroy" => {
                l.prevent_destroy = literal_bool(a, diags);
                l.prevent_destroy_span = Some(a.span());
            }
            "ignore_changes" => l.ignore_changes = decode_ignore_changes(a, diags),
            "replace_triggered_by" => {
                if let Expression::Array(arr) = &a.expr.expr {
                    l.replace_triggered_by = arr
                        .iter()
                        .map(|e| Expr {
                            file: a.expr.file,
                            expr: e.clone(),
                        })
                        .collect();
                } else {
                    diags.push(
                        Diagnostic::error("Invalid replace_triggered_by")
                            .detail("replace_triggered_by must be a list of resource references.")
                            .at(&a.expr.span()),
                    );
                }
            }
            _ => diags.push(unexpected_attr(
                a,
                "lifecycle",
                &[
                    "create_before_destroy",
                    "prevent_destroy",
                    "ignore_changes",
                    "replace_triggered_by",
                ],
            )),
        }
    }
    for nb in &b.body.blocks {
        match nb.kind.as_str() {
            "precondition" | "postcondition" => {
                if let Some(c) = decode_condition(nb, diags) {
                    l.conditions.push(c);
                }
            }
            _ => diags.push(unexpected_block(nb, "lifecycle")),
        }
    }
    l
}

fn decode_ignore_changes(a: &Attr, diags: &mut Diagnostics) -> IgnoreChanges {
    match &a.expr.expr {
        Expression::Variable(v) if v.as_str() == "all" => IgnoreChanges::All,
        Expression::String(s) if s.value() == "all" => IgnoreChanges::All,
        Expression::Array(arr) => {
            let mut paths = Vec::new();
            for e in arr.iter() {
                let span = SrcSpan::new(a.expr.file, hcl_edit::Span::span(e).unwrap_or(0..0));
                match attr_path(e) {
                    Some(p) => paths.push((p, span)),
                    None => diags.push(Diagnostic::error("Invalid ignore_changes entry").detail("Each entry must be an attribute name of this resource, like tags or tags[\"Name\"].").at(&span)),
                }
            }
            IgnoreChanges::Paths(paths)
        }
        _ => {
            diags.push(
                Diagnostic::error("Invalid ignore_changes")
                    .detail("ignore_changes must be a list of attribute names, or the keyword all.")
                    .at(&a.expr.span()),
            );
            IgnoreChanges::None
        }
    }
}

/// `tags["Name"]` -> ["tags", "Name"]; also accepts legacy quoted names.
fn attr_path(e: &Expression) -> Option<Vec<String>> {
    match e {
        Expression::Variable(v) => Some(vec![v.as_str().to_string()]),
        Expression::String(s) => Some(s.value().split('.').map(str::to_string).collect()),
        Expression::Traversal(t) => {
            let mut p = attr_path(&t.expr)?;
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(i) => p.push(i.as_str().to_string()),
                    TraversalOperator::Index(Expression::String(s)) => p.push(s.value().clone()),
                    TraversalOperator::Index(Expression::Number(n)) => {
                        p.push(n.value().to_string())
                    }
                    TraversalOperator::LegacyIndex(n) => p.push(n.value().to_string()),
                    _ => return None,
                }
            }
            Some(p)
        }
        _ => None,
    }
}

fn decode_timeouts(b: Block, diags: &mut Diagnostics) -> Timeouts {
    let mut t = Timeouts {
        span: Some(b.kind_span.clone()),
        values: Vec::new(),
    };
    for a in &b.body.attrs {
        let Some(s) = literal_string(a, diags) else {
            continue;
        };
        match parse_duration(&s) {
            Some(d) => t.values.push((a.name.clone(), d, a.expr.span())),
            None => diags.push(
                Diagnostic::error("Invalid timeout")
                    .detail(format!(
                        "{s:?} is not a duration; write e.g. \"40m\", \"1h30m\" or \"90s\"."
                    ))
                    .at(&a.expr.span()),
            ),
        }
    }
    for nb in &b.body.blocks {
        diags.push(unexpected_block(nb, "timeouts"));
    }
    t
}

/// Parses Go-style durations: `1h30m`, `40m`, `90s`, `500ms`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * mult;
    }
    (total.is_finite() && total < 1e9).then(|| Duration::from_secs_f64(total))
}

fn decode_module_call(b: Block, diags: &mut Diagnostics) -> Option<ModuleCall> {
    let span = b.kind_span.to(&b.label_spans[0]);
    let mut body = b.body;
    let Some(src) = take(&mut body, "source") else {
        diags.push(
            Diagnostic::error("Missing required argument")
                .detail("The argument \"source\" is required in a module block.")
                .at(&span),
        );
        return None;
    };
    let source = literal_string(&src, diags)?;
    take(&mut body, "version");
    take(&mut body, "providers");
    let count = take(&mut body, "count").map(|a| a.expr);
    let for_each = take(&mut body, "for_each").map(|a| a.expr);
    if let (Some(_), Some(fe)) = (&count, &for_each) {
        diags.push(
            Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
                .detail("The \"count\" and \"for_each\" meta-arguments are mutually exclusive.")
                .at(&fe.span()),
        );
    }
    let depends_on = take_list(&mut body, "depends_on", diags);
    for nb in &body.blocks {
        diags.push(unexpected_block(nb, "module"));
    }
    Some(ModuleCall {
        name: b.labels[0].clone(),
        span,
        source,
        source_span: src.expr.span(),
        count,
        for_each,
        depends_on,
        inputs: body.attrs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("40m"), Some(Duration::from_secs(2400)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn version_constraints() {
        assert!(check_version_constraint(">= 1.5, < 2.0").is_ok());
        assert!(check_version_constraint("~> 1.6").is_ok());
        assert!(check_version_constraint("latest").is_err());
    }
}
