//! References in expressions: `var.x`, `local.y`, `aws_vpc.main`, `module.net`, ...
//!
//! [`parse_ref`] splits a traversal into its root object and the operators that remain to be
//! applied to the root's value; [`references`] lists every reference in an expression,
//! honouring names bound by `for` expressions and template `for` directives.

use crate::addr::ResourceAddr;
use crate::diag::{Diagnostic, FileId, SrcSpan};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::{Decorated, Ident, Span};

/// The object a reference starts from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RefRoot {
    Var(String),
    Local(String),
    /// `module.NAME`: the call's outputs (a list or map of them with count/for_each).
    Module(String),
    /// `module.NAME.OUTPUT`: one output of a module call without count/for_each.
    ModuleOutput(String, String),
    /// `TYPE.NAME` or `data.TYPE.NAME`.
    Resource(ResourceAddr),
    /// `migration.NAME` (only meaningful in `depends_on`).
    Migration(String),
    /// `count.ATTR`
    Count(String),
    /// `each.ATTR`
    Each(String),
    /// `path.ATTR`
    Path(String),
    /// `terraform.ATTR`
    Terraform(String),
    /// `self`
    SelfRef,
    /// A name bound by a `for` expression, template `for`, or dynamic block iterator.
    Local_(String),
}

/// One reference found in an expression.
#[derive(Debug, Clone)]
pub struct Reference {
    pub root: RefRoot,
    /// Span of the root part (e.g. `aws_vpc.main` in `aws_vpc.main.id`).
    pub span: SrcSpan,
    /// The first attribute accessed after the root, if any (`id` in `aws_vpc.main.id`,
    /// the output name in `module.net.vpc_id`).
    pub attr: Option<String>,
}

pub(super) fn ident_span(file: FileId, i: &Decorated<Ident>) -> SrcSpan {
    SrcSpan::new(file, i.span().unwrap_or(0..0))
}

fn op_span(file: FileId, op: &Decorated<TraversalOperator>) -> SrcSpan {
    SrcSpan::new(file, op.span().unwrap_or(0..0))
}

/// Splits a root identifier and traversal operators into a [`RefRoot`] and the number of
/// operators it consumed. `bound` lists names bound by enclosing `for` expressions.
pub fn parse_ref(
    file: FileId,
    root: &Decorated<Ident>,
    ops: &[Decorated<TraversalOperator>],
    bound: &[String],
) -> Result<(RefRoot, usize, SrcSpan), Diagnostic> {
    let name = root.as_str();
    let root_span = ident_span(file, root);
    if bound.iter().any(|b| b == name) {
        return Ok((RefRoot::Local_(name.to_string()), 0, root_span));
    }
    let attr = |i: usize| -> Option<(&str, SrcSpan)> {
        match ops.get(i).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(a)) => Some((a.as_str(), op_span(file, &ops[i]))),
            _ => None,
        }
    };
    let need_attr = |what: &str, example: &str| {
        Diagnostic::error("Invalid reference")
            .detail(format!("The {name:?} object cannot be accessed directly. Instead, access one of its attributes, like {example}.{}", if what.is_empty() { String::new() } else { format!(" {what}") }))
            .at(&root_span)
    };
    let simple = |make: fn(String) -> RefRoot, example: &str| match attr(0) {
        Some((a, s)) => Ok((make(a.to_string()), 1, root_span.to(&s))),
        None => Err(need_attr("", example)),
    };
    match name {
        "var" => simple(RefRoot::Var, "var.name"),
        "local" => simple(RefRoot::Local, "local.name"),
        "module" => match (attr(0), attr(1)) {
            (Some((m, _)), Some((o, s))) => Ok((RefRoot::ModuleOutput(m.to_string(), o.to_string()), 2, root_span.to(&s))),
            (Some((m, s)), None) => Ok((RefRoot::Module(m.to_string()), 1, root_span.to(&s))),
            _ => Err(need_attr("", "module.network.vpc_id")),
        },
        "migration" => simple(RefRoot::Migration, "migration.app_schema"),
        "count" => simple(RefRoot::Count, "count.index"),
        "each" => simple(RefRoot::Each, "each.key"),
        "path" => simple(RefRoot::Path, "path.module"),
        "terraform" => simple(RefRoot::Terraform, "terraform.workspace"),
        "self" => Ok((RefRoot::SelfRef, 0, root_span)),
        "data" => match (attr(0), attr(1)) {
            (Some((t, _)), Some((n, s))) => Ok((RefRoot::Resource(ResourceAddr::data(t, n)), 2, root_span.to(&s))),
            _ => Err(need_attr("", "data.aws_ami.ubuntu.id")),
        },
        _ => match attr(0) {
            Some((n, s)) => Ok((RefRoot::Resource(ResourceAddr::managed(name, n)), 1, root_span.to(&s))),
            None => Err(Diagnostic::error("Invalid reference")
                .detail(format!("A reference to a resource type must be followed by at least one attribute access, specifying the resource name; {name:?} alone is not a valid reference."))
                .at(&root_span)),
        },
    }
}

/// Collects every reference in `e`. Invalid references are reported as diagnostics.
pub fn references(
    file: FileId,
    e: &Expression,
    bound: &mut Vec<String>,
    out: &mut Vec<Reference>,
    errs: &mut Vec<Diagnostic>,
) {
    match e {
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_) => {}
        Expression::Array(a) => a.iter().for_each(|x| references(file, x, bound, out, errs)),
        Expression::Object(o) => {
            for (k, v) in o.iter() {
                if let hcl_edit::expr::ObjectKey::Expression(k) = k {
                    // A bare identifier key is a literal name, not a reference.
                    if !matches!(k, Expression::Variable(_)) {
                        references(file, k, bound, out, errs);
                    }
                }
                references(file, v.expr(), bound, out, errs);
            }
        }
        Expression::StringTemplate(t) => template_refs(file, t, bound, out, errs),
        Expression::HeredocTemplate(h) => template_refs(file, &h.template, bound, out, errs),
        Expression::Parenthesis(p) => references(file, p.inner(), bound, out, errs),
        Expression::Variable(v) => push_ref(file, v, &[], bound, out, errs),
        Expression::Conditional(c) => {
            references(file, &c.cond_expr, bound, out, errs);
            references(file, &c.true_expr, bound, out, errs);
            references(file, &c.false_expr, bound, out, errs);
        }
        Expression::FuncCall(f) => f
            .args
            .iter()
            .for_each(|x| references(file, x, bound, out, errs)),
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr {
                push_ref(file, v, &t.operators, bound, out, errs);
            } else {
                references(file, &t.expr, bound, out, errs);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(i) = op.value() {
                    references(file, i, bound, out, errs);
                }
            }
        }
        Expression::UnaryOp(u) => references(file, &u.expr, bound, out, errs),
        Expression::BinaryOp(b) => {
            references(file, &b.lhs_expr, bound, out, errs);
            references(file, &b.rhs_expr, bound, out, errs);
        }
        Expression::ForExpr(f) => {
            references(file, &f.intro.collection_expr, bound, out, errs);
            let n = bound.len();
            if let Some(k) = &f.intro.key_var {
                bound.push(k.as_str().to_string());
            }
            bound.push(f.intro.value_var.as_str().to_string());
            if let Some(k) = &f.key_expr {
                references(file, k, bound, out, errs);
            }
            references(file, &f.value_expr, bound, out, errs);
            if let Some(c) = &f.cond {
                references(file, &c.expr, bound, out, errs);
            }
            bound.truncate(n);
        }
    }
}

fn push_ref(
    file: FileId,
    v: &Decorated<Ident>,
    ops: &[Decorated<TraversalOperator>],
    bound: &[String],
    out: &mut Vec<Reference>,
    errs: &mut Vec<Diagnostic>,
) {
    match parse_ref(file, v, ops, bound) {
        Ok((RefRoot::Local_(_), _, _)) => {}
        Ok((root, consumed, span)) => {
            let attr = match ops.get(consumed).map(|o| o.value()) {
                Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
                _ => None,
            };
            out.push(Reference { root, span, attr });
        }
        Err(d) => errs.push(d),
    }
}

/// References inside a template (string template, heredoc, or template file).
pub fn template_refs(
    file: FileId,
    t: &Template,
    bound: &mut Vec<String>,
    out: &mut Vec<Reference>,
    errs: &mut Vec<Diagnostic>,
) {
    for el in t.iter() {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => references(file, &i.expr, bound, out, errs),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    references(file, &i.if_expr.cond_expr, bound, out, errs);
                    template_refs(file, &i.if_expr.template, bound, out, errs);
                    if let Some(e) = &i.else_expr {
                        template_refs(file, &e.template, bound, out, errs);
                    }
                }
                Directive::For(f) => {
                    references(file, &f.for_expr.collection_expr, bound, out, errs);
                    let n = bound.len();
                    if let Some(k) = &f.for_expr.key_var {
                        bound.push(k.as_str().to_string());
                    }
                    bound.push(f.for_expr.value_var.as_str().to_string());
                    template_refs(file, &f.for_expr.template, bound, out, errs);
                    bound.truncate(n);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        let mut out = Vec::new();
        let mut errs = Vec::new();
        references(FileId(0), &e, &mut Vec::new(), &mut out, &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        out.iter()
            .map(|r| format!("{:?}/{:?}", r.root, r.attr))
            .collect()
    }

    #[test]
    fn finds_references_and_skips_bound_names() {
        let r = refs("[for s in aws_subnet.public : s.id if s.x != var.skip]");
        assert_eq!(r, [
            "Resource(ResourceAddr { mode: Managed, type_name: \"aws_subnet\", name: \"public\" })/None",
            "Var(\"skip\")/None",
        ]);
        let r = refs(
            "\"${module.net.vpc_id}-%{for k, v in local.m}${k}${data.aws_ami.u.id}%{endfor}\"",
        );
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(
            r[0].starts_with("ModuleOutput(\"net\", \"vpc_id\")"),
            "{r:?}"
        );
    }

    #[test]
    fn bare_var_is_an_error() {
        let e = hcl_edit::parser::parse_expr("var").unwrap();
        let mut out = Vec::new();
        let mut errs = Vec::new();
        references(FileId(0), &e, &mut Vec::new(), &mut out, &mut errs);
        assert_eq!(errs.len(), 1);
    }
}
