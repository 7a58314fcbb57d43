//! The expression evaluator over `hcl-edit` expression trees.
//!
//! Invariants:
//! - an operation on an unknown operand yields `Unknown` (or a known result where the
//!   unknown part cannot matter, like `length` of a list with unknown elements);
//! - an operation on a sensitive operand yields a sensitive result;
//! - errors carry the span of the sub-expression at fault.

use super::functions::{self, FnCtx};
use super::ops;
use super::refs::{parse_ref, RefRoot};
use super::value::{format_number, Value};
use crate::diag::{did_you_mean, Diagnostic, FileId, SrcSpan};
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span;
use std::collections::BTreeMap;
use std::path::Path;

/// Where references get their values.
pub trait Scope {
    /// The value of a reference root (`var.x`, `aws_vpc.main`, `count.index`, ...).
    fn resolve(&self, root: &RefRoot, span: &SrcSpan) -> Result<Value, Diagnostic>;
    /// The module directory, for `file()` and `templatefile()`.
    fn base_dir(&self) -> &Path;
}

/// A scope with no references at all (constants, type defaults).
pub struct EmptyScope<'a>(pub &'a Path);

impl Scope for EmptyScope<'_> {
    fn resolve(&self, _root: &RefRoot, span: &SrcSpan) -> Result<Value, Diagnostic> {
        Err(Diagnostic::error("Variables not allowed")
            .detail("References are not allowed here; use a constant value.")
            .at(span))
    }
    fn base_dir(&self) -> &Path {
        self.0
    }
}

/// Evaluates expressions of one file against a [`Scope`].
pub struct Evaluator<'a> {
    scope: &'a dyn Scope,
    file: FileId,
    /// Names bound by `for` expressions / template `for` directives / dynamic iterators.
    bound: Vec<(String, Value)>,
    /// Only bound names may be referenced (template files, whose only names are the
    /// variables passed to `templatefile`); see [`Evaluator::only_bound_names`].
    only_bound: bool,
}

/// The summary of the error for a name that is not bound, when only bound names are allowed.
pub const UNBOUND_NAME: &str = "Missing template variable";

const MAX_DEPTH: usize = 512;

impl<'a> Evaluator<'a> {
    pub fn new(scope: &'a dyn Scope, file: FileId) -> Self {
        Evaluator {
            scope,
            file,
            bound: Vec::new(),
            only_bound: false,
        }
    }

    /// Allows references to bound names only: any other name (including `var`, `local` or a
    /// resource type) is an error with summary [`UNBOUND_NAME`] at the name, whose detail
    /// says the template variables do not contain it.
    pub fn only_bound_names(&mut self) {
        self.only_bound = true;
    }

    fn check_bound(&self, root: &hcl_edit::Decorated<hcl_edit::Ident>) -> Result<(), Diagnostic> {
        let name = root.as_str();
        if !self.only_bound || self.bound.iter().any(|(n, _)| n == name) {
            return Ok(());
        }
        Err(Diagnostic::error(UNBOUND_NAME)
            .detail(format!("vars map does not contain key {name:?}"))
            .at(&super::refs::ident_span(self.file, root)))
    }

    /// Binds a name for the duration of the evaluator (e.g. a dynamic block iterator).
    pub fn bind(&mut self, name: &str, v: Value) {
        self.bound.push((name.to_string(), v));
    }

    pub fn unbind(&mut self) {
        self.bound.pop();
    }

    pub fn span_of(&self, e: &Expression) -> SrcSpan {
        SrcSpan::new(self.file, e.span().unwrap_or(0..0))
    }

    pub fn eval(&mut self, e: &Expression) -> Result<Value, Diagnostic> {
        self.eval_depth(e, 0)
    }

    fn err(&self, e: &Expression, summary: &str, detail: impl Into<String>) -> Diagnostic {
        Diagnostic::error(summary)
            .detail(detail)
            .at(&self.span_of(e))
    }

    fn eval_depth(&mut self, e: &Expression, depth: usize) -> Result<Value, Diagnostic> {
        if depth > MAX_DEPTH {
            return Err(self.err(
                e,
                "Expression too deeply nested",
                format!("Expressions may nest at most {MAX_DEPTH} levels."),
            ));
        }
        let d = depth + 1;
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(Value::Number(n.value().as_f64().unwrap_or(f64::NAN))),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for x in a.iter() {
                    out.push(self.eval_depth(x, d)?);
                }
                Ok(Value::List(out))
            }
            Expression::Object(o) => {
                let mut out = BTreeMap::new();
                let mut sensitive = false;
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => Value::String(i.as_str().to_string()),
                        ObjectKey::Expression(Expression::Variable(i)) => {
                            Value::String(i.as_str().to_string())
                        }
                        ObjectKey::Expression(ke) => self.eval_depth(ke, d)?,
                    };
                    let (key, s) = key.unmark();
                    sensitive |= s;
                    let key = match key {
                        Value::String(s) => s,
                        Value::Number(n) => format_number(n),
                        Value::Bool(b) => b.to_string(),
                        Value::Unknown => {
                            // Evaluate the value anyway to surface errors in it.
                            self.eval_depth(v.expr(), d)?;
                            return Ok(Value::Unknown);
                        }
                        other => {
                            let ke = match k {
                                ObjectKey::Expression(ke) => ke,
                                ObjectKey::Ident(_) => v.expr(),
                            };
                            return Err(self.err(
                                ke,
                                "Invalid object key",
                                format!(
                                    "Object keys must be strings, but this is {}.",
                                    other.type_name()
                                ),
                            ));
                        }
                    };
                    let val = self.eval_depth(v.expr(), d)?;
                    out.insert(key, val);
                }
                Ok(Value::Map(out).mark_if(sensitive))
            }
            Expression::StringTemplate(t) => self.template(t, d),
            Expression::HeredocTemplate(h) => self.template(&h.template, d),
            Expression::Parenthesis(p) => self.eval_depth(p.inner(), d),
            Expression::Variable(v) => {
                self.check_bound(v)?;
                let (root, _, span) = parse_ref(self.file, v, &[], &self.bound_names())?;
                self.resolve(&root, &span)
            }
            Expression::Conditional(c) => {
                let cond = self.eval_depth(&c.cond_expr, d)?;
                let (cond, sens) = cond.unmark();
                let b =
                    match cond {
                        Value::Unknown => {
                            let _ = self.eval_depth(&c.true_expr, d);
                            let _ = self.eval_depth(&c.false_expr, d);
                            return Ok(Value::Unknown.mark_if(sens));
                        }
                        Value::Null => return Err(self.err(
                            &c.cond_expr,
                            "Invalid condition",
                            "The condition value is null. Conditions must either be true or false.",
                        )),
                        v => match super::Type::Bool.convert(v) {
                            Ok(Value::Bool(b)) => b,
                            Ok(_) | Err(_) => {
                                return Err(self.err(
                                    &c.cond_expr,
                                    "Incorrect condition type",
                                    "The condition expression must be of type bool.",
                                ))
                            }
                        },
                    };
                let out = if b {
                    self.eval_depth(&c.true_expr, d)?
                } else {
                    self.eval_depth(&c.false_expr, d)?
                };
                Ok(out.mark_if(sens))
            }
            Expression::FuncCall(f) => self.call(e, f, d),
            Expression::Traversal(t) => {
                let (base, ops) = match &t.expr {
                    Expression::Variable(v) => {
                        self.check_bound(v)?;
                        let (root, consumed, span) =
                            parse_ref(self.file, v, &t.operators, &self.bound_names())?;
                        (self.resolve(&root, &span)?, &t.operators[consumed..])
                    }
                    other => (self.eval_depth(other, d)?, &t.operators[..]),
                };
                self.traverse(base, ops, d)
            }
            Expression::UnaryOp(u) => {
                let v = self.eval_depth(&u.expr, d)?;
                ops::unary(*u.operator.value(), v).map_err(|m| self.err(e, "Invalid operand", m))
            }
            Expression::BinaryOp(b) => {
                let l = self.eval_depth(&b.lhs_expr, d)?;
                let r = self.eval_depth(&b.rhs_expr, d)?;
                ops::binary(*b.operator.value(), l, r).map_err(|(side, m)| {
                    let at = match side {
                        ops::Side::Left => &b.lhs_expr,
                        ops::Side::Right => &b.rhs_expr,
                    };
                    self.err(at, "Invalid operand", m)
                })
            }
            Expression::ForExpr(f) => self.for_expr(e, f, d),
        }
    }

    fn bound_names(&self) -> Vec<String> {
        self.bound.iter().map(|(n, _)| n.clone()).collect()
    }

    fn resolve(&self, root: &RefRoot, span: &SrcSpan) -> Result<Value, Diagnostic> {
        if let RefRoot::Local_(name) = root {
            if let Some((_, v)) = self.bound.iter().rev().find(|(n, _)| n == name) {
                return Ok(v.clone());
            }
        }
        self.scope.resolve(root, span)
    }

    fn call(
        &mut self,
        e: &Expression,
        f: &hcl_edit::expr::FuncCall,
        d: usize,
    ) -> Result<Value, Diagnostic> {
        let name = f.name.name.as_str();
        if f.name.is_namespaced() {
            return Err(self.err(
                e,
                "Call to unknown function",
                format!(
                    "Provider-defined functions like {}::{name} are not supported.",
                    f.name
                        .namespace
                        .iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join("::")
                ),
            ));
        }
        match name {
            "try" => {
                let mut last = None;
                for a in f.args.iter() {
                    match self.eval_depth(a, d) {
                        Ok(v) if v.is_wholly_known() => return Ok(v),
                        Ok(_) => return Ok(Value::Unknown),
                        Err(err) => last = Some(err),
                    }
                }
                return Err(match last {
                    Some(err) => Diagnostic::error("Error in function call")
                        .detail(format!(
                            "Call to function \"try\" failed: no expression succeeded:\n- {}",
                            err
                        ))
                        .at(&self.span_of(e)),
                    None => self.err(
                        e,
                        "Not enough function arguments",
                        "Function \"try\" expects at least one argument.",
                    ),
                });
            }
            "can" => {
                if f.args.len() != 1 {
                    return Err(self.err(
                        e,
                        "Invalid function arguments",
                        "Function \"can\" expects exactly one argument.",
                    ));
                }
                let arg = f.args.get(0).expect("one argument");
                return Ok(match self.eval_depth(arg, d) {
                    Ok(v) if !v.is_wholly_known() => Value::Unknown,
                    Ok(_) => Value::Bool(true),
                    Err(_) => Value::Bool(false),
                });
            }
            _ => {}
        }
        let Some(def) = functions::lookup(name) else {
            let mut diag = self.err(
                e,
                "Call to unknown function",
                format!("There is no function named {name:?}."),
            );
            if let Some(s) = did_you_mean(name, functions::names()) {
                diag = diag.hint(format!("did you mean {s:?}?"));
            }
            return Err(diag);
        };
        let mut args = Vec::with_capacity(f.args.len());
        let mut arg_spans = Vec::with_capacity(f.args.len());
        let n = f.args.len();
        for (i, a) in f.args.iter().enumerate() {
            let v = self.eval_depth(a, d)?;
            if i + 1 == n && f.args.expand_final() {
                let (v, s) = v.unmark();
                match v {
                    Value::List(items) | Value::Set(items) => {
                        for it in items {
                            args.push(it.mark_if(s));
                            arg_spans.push(self.span_of(a));
                        }
                    }
                    Value::Unknown => return Ok(Value::Unknown),
                    other => return Err(self.err(a, "Invalid expanding argument value", format!("The expanding argument (indicated by ...) must be of a tuple, list, or set type, not {}.", other.type_name()))),
                }
            } else {
                args.push(v);
                arg_spans.push(self.span_of(a));
            }
        }
        let ctx = FnCtx {
            base_dir: self.scope.base_dir(),
            render_template: super::template::render_template_file,
        };
        let arity = if args.len() < def.min_args {
            Some("Not enough function arguments")
        } else if def.max_args.is_some_and(|m| args.len() > m) {
            Some("Too many function arguments")
        } else {
            None
        };
        functions::call(def, args, &ctx).map_err(|fe| {
            // Like Terraform: an error about one argument points at it; any other failure
            // is an error in the call as a whole.
            let (summary, span) = match fe.arg.and_then(|i| arg_spans.get(i).cloned()) {
                Some(span) => ("Invalid function argument", span),
                None => (arity.unwrap_or("Error in function call"), self.span_of(e)),
            };
            Diagnostic::error(summary)
                .detail(format!("Call to function {name:?} failed: {}", fe.message))
                .at(&span)
        })
    }

    /// Applies traversal operators (attribute access, index, splats) to `v`.
    fn traverse(
        &mut self,
        mut v: Value,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        d: usize,
    ) -> Result<Value, Diagnostic> {
        let mut i = 0;
        while i < ops.len() {
            let op = &ops[i];
            let span = SrcSpan::new(self.file, op.span().unwrap_or(0..0));
            match op.value() {
                TraversalOperator::GetAttr(name) => v = get_attr(v, name.as_str(), &span)?,
                TraversalOperator::Index(ix) => {
                    let key = self.eval_depth(ix, d)?;
                    v = index(v, key, &span)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    v = index(v, Value::Number(*n.value() as f64), &span)?
                }
                TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => {
                    let full = matches!(op.value(), TraversalOperator::FullSplat(_));
                    // The operators the splat applies to each element.
                    let end = if full {
                        ops.len()
                    } else {
                        i + 1
                            + ops[i + 1..]
                                .iter()
                                .take_while(|o| matches!(o.value(), TraversalOperator::GetAttr(_)))
                                .count()
                    };
                    let rest = &ops[i + 1..end];
                    let (base, sens) = v.unmark();
                    let items = match base {
                        Value::Unknown => {
                            v = Value::Unknown.mark_if(sens);
                            i = end;
                            continue;
                        }
                        Value::Null => Vec::new(),
                        Value::List(items) | Value::Set(items) => items,
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for it in items {
                        out.push(self.traverse(it, rest, d)?);
                    }
                    v = Value::List(out).mark_if(sens);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    fn template(&mut self, t: &Template, d: usize) -> Result<Value, Diagnostic> {
        let mut out = String::new();
        let mut unknown = false;
        let mut sensitive = false;
        self.render_into(t, d, &mut out, &mut unknown, &mut sensitive, &mut false)?;
        Ok(if unknown {
            Value::Unknown
        } else {
            Value::String(out)
        }
        .mark_if(sensitive))
    }

    /// Renders template elements; `strip_next` asks to trim leading whitespace of the next
    /// literal (the `~` strip marker).
    fn render_into(
        &mut self,
        t: &Template,
        d: usize,
        out: &mut String,
        unknown: &mut bool,
        sensitive: &mut bool,
        strip_next: &mut bool,
    ) -> Result<(), Diagnostic> {
        for el in t.iter() {
            match el {
                Element::Literal(l) => {
                    let s: &str = l.value();
                    if std::mem::take(strip_next) {
                        out.push_str(s.trim_start());
                    } else {
                        out.push_str(s);
                    }
                }
                Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_end_in_place(out);
                    }
                    let v = self.eval_depth(&i.expr, d)?;
                    let (v, s) = v.unmark();
                    *sensitive |= s;
                    match v {
                        Value::Unknown => *unknown = true,
                        Value::String(s) => out.push_str(&s),
                        Value::Number(n) => out.push_str(&format_number(n)),
                        Value::Bool(b) => out.push_str(&b.to_string()),
                        Value::Null => return Err(self.err(&i.expr, "Invalid template interpolation value", "The expression result is null. Cannot include a null value in a string template.")),
                        other => {
                            if !other.is_wholly_known() {
                                *unknown = true;
                            } else {
                                return Err(self.err(&i.expr, "Invalid template interpolation value", format!("Cannot include the given value in a string template: string required, but have {}.", other.type_name())));
                            }
                        }
                    }
                    *strip_next = i.strip.strip_end();
                }
                Element::Directive(dir) => match dir.as_ref() {
                    Directive::If(ifd) => {
                        if ifd.if_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let c = self.eval_depth(&ifd.if_expr.cond_expr, d)?;
                        let (c, s) = c.unmark();
                        *sensitive |= s;
                        *strip_next = ifd.if_expr.strip.strip_end();
                        match c {
                            Value::Unknown => *unknown = true,
                            Value::Bool(true) => self.render_into(
                                &ifd.if_expr.template,
                                d,
                                out,
                                unknown,
                                sensitive,
                                strip_next,
                            )?,
                            Value::Bool(false) => {
                                if let Some(e) = &ifd.else_expr {
                                    *strip_next = e.strip.strip_end();
                                    self.render_into(
                                        &e.template,
                                        d,
                                        out,
                                        unknown,
                                        sensitive,
                                        strip_next,
                                    )?;
                                }
                            }
                            _ => {
                                return Err(self.err(
                                    &ifd.if_expr.cond_expr,
                                    "Invalid template if condition",
                                    "The condition must be of type bool.",
                                ))
                            }
                        }
                        *strip_next = ifd.endif_expr.strip.strip_end();
                    }
                    Directive::For(fd) => {
                        if fd.for_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let coll = self.eval_depth(&fd.for_expr.collection_expr, d)?;
                        let (coll, s) = coll.unmark();
                        *sensitive |= s;
                        let pairs = match iter_pairs(coll) {
                            Ok(Some(p)) => p,
                            Ok(None) => {
                                *unknown = true;
                                continue;
                            }
                            Err(m) => {
                                return Err(self.err(
                                    &fd.for_expr.collection_expr,
                                    "Invalid template for collection",
                                    m,
                                ))
                            }
                        };
                        for (k, v) in pairs {
                            let n = self.bound.len();
                            if let Some(kv) = &fd.for_expr.key_var {
                                self.bound.push((kv.as_str().to_string(), k));
                            }
                            self.bound
                                .push((fd.for_expr.value_var.as_str().to_string(), v));
                            *strip_next = fd.for_expr.strip.strip_end();
                            let r = self.render_into(
                                &fd.for_expr.template,
                                d,
                                out,
                                unknown,
                                sensitive,
                                strip_next,
                            );
                            self.bound.truncate(n);
                            r?;
                            if fd.endfor_expr.strip.strip_start() {
                                trim_end_in_place(out);
                            }
                        }
                        *strip_next = fd.endfor_expr.strip.strip_end();
                    }
                },
            }
        }
        Ok(())
    }

    fn for_expr(
        &mut self,
        e: &Expression,
        f: &hcl_edit::expr::ForExpr,
        d: usize,
    ) -> Result<Value, Diagnostic> {
        let coll = self.eval_depth(&f.intro.collection_expr, d)?;
        let (coll, sens) = coll.unmark();
        let pairs = match iter_pairs(coll) {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(Value::Unknown.mark_if(sens)),
            Err(m) => {
                return Err(self.err(
                    &f.intro.collection_expr,
                    "Iteration over non-iterable value",
                    m,
                ))
            }
        };
        let mut list = Vec::new();
        let mut obj: BTreeMap<String, Value> = BTreeMap::new();
        let mut unknown = false;
        for (k, v) in pairs {
            let n = self.bound.len();
            if let Some(kv) = &f.intro.key_var {
                self.bound.push((kv.as_str().to_string(), k));
            }
            self.bound.push((f.intro.value_var.as_str().to_string(), v));
            let r = self.for_item(e, f, d, &mut list, &mut obj, &mut unknown);
            self.bound.truncate(n);
            r?;
        }
        if unknown {
            return Ok(Value::Unknown.mark_if(sens));
        }
        Ok(if f.key_expr.is_some() {
            Value::Map(obj)
        } else {
            Value::List(list)
        }
        .mark_if(sens))
    }

    fn for_item(
        &mut self,
        e: &Expression,
        f: &hcl_edit::expr::ForExpr,
        d: usize,
        list: &mut Vec<Value>,
        obj: &mut BTreeMap<String, Value>,
        unknown: &mut bool,
    ) -> Result<(), Diagnostic> {
        if let Some(c) = &f.cond {
            match self.eval_depth(&c.expr, d)?.unmark().0 {
                Value::Bool(true) => {}
                Value::Bool(false) => return Ok(()),
                Value::Unknown => {
                    *unknown = true;
                    return Ok(());
                }
                _ => {
                    return Err(self.err(
                        &c.expr,
                        "Invalid for expression condition",
                        "The condition of a for expression must be of type bool.",
                    ))
                }
            }
        }
        let val = self.eval_depth(&f.value_expr, d)?;
        match &f.key_expr {
            None => list.push(val),
            Some(ke) => {
                let key = self.eval_depth(ke, d)?;
                let key = match super::Type::String.convert(key.unmark().0) {
                    Ok(Value::String(s)) => s,
                    Ok(Value::Unknown) => {
                        *unknown = true;
                        return Ok(());
                    }
                    _ => {
                        return Err(self.err(
                            ke,
                            "Invalid object key",
                            "Keys of a for expression that builds an object must be strings.",
                        ))
                    }
                };
                if f.grouping {
                    match obj.entry(key).or_insert_with(|| Value::List(Vec::new())) {
                        Value::List(items) => items.push(val),
                        _ => unreachable!("grouping entries are lists"),
                    }
                } else {
                    match obj.entry(key) {
                        std::collections::btree_map::Entry::Occupied(o) => {
                            return Err(self.err(e, "Duplicate object key", format!("Two different items produced the key {:?} in this for expression. If duplicates are expected, use the ellipsis (...) after the value expression to group them by key.", o.key())));
                        }
                        std::collections::btree_map::Entry::Vacant(v) => {
                            v.insert(val);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn trim_end_in_place(s: &mut String) {
    let len = s.trim_end().len();
    s.truncate(len);
}

/// Key/value pairs of a collection for iteration; `None` when the collection is unknown.
pub fn iter_pairs(coll: Value) -> Result<Option<Vec<(Value, Value)>>, String> {
    match coll {
        Value::Unknown => Ok(None),
        Value::List(items) => Ok(Some(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
        )),
        Value::Set(items) => Ok(Some(items.into_iter().map(|v| (v.clone(), v)).collect())),
        Value::Map(m) => Ok(Some(
            m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
        )),
        Value::Null => {
            Err("A null value cannot be used as the collection in a 'for' expression.".into())
        }
        other => Err(format!(
            "A value of type {} cannot be used as the collection in a 'for' expression.",
            other.type_name()
        )),
    }
}

/// `v.name`.
pub fn get_attr(v: Value, name: &str, span: &SrcSpan) -> Result<Value, Diagnostic> {
    let (v, sens) = v.unmark();
    match v {
        Value::Unknown => Ok(Value::Unknown.mark_if(sens)),
        Value::Map(mut m) => match m.remove(name) {
            Some(x) => Ok(x.mark_if(sens)),
            None => {
                let mut d = Diagnostic::error("Unsupported attribute")
                    .detail(format!("This object does not have an attribute named {name:?}."))
                    .at(span);
                if let Some(s) = did_you_mean(name, m.keys().map(String::as_str)) {
                    d = d.hint(format!("did you mean {s:?}?"));
                }
                Err(d)
            }
        },
        Value::Null => Err(Diagnostic::error("Attempt to get attribute from null value")
            .detail("This value is null, so it does not have any attributes.")
            .at(span)),
        Value::List(_) | Value::Set(_) => Err(Diagnostic::error("Unsupported attribute")
            .detail(format!("Can't access attributes on a list of objects. Did you mean to access attribute {name:?} for a specific element of the list, or across all elements of the list?"))
            .at(span)
            .hint(format!("use [*].{name} for all elements or [0].{name} for one"))),
        other => Err(Diagnostic::error("Unsupported attribute")
            .detail(format!("Can't access attributes on a primitive-typed value ({}).", other.type_name()))
            .at(span)),
    }
}

/// `v[key]`.
pub fn index(v: Value, key: Value, span: &SrcSpan) -> Result<Value, Diagnostic> {
    let (v, s1) = v.unmark();
    let (key, s2) = key.unmark();
    let sens = s1 || s2;
    let invalid = |m: String| Diagnostic::error("Invalid index").detail(m).at(span);
    match (v, key) {
        (Value::Unknown, _) | (_, Value::Unknown) => Ok(Value::Unknown.mark_if(sens)),
        (Value::List(items), k) => {
            let n = match super::Type::Number.convert(k) {
                Ok(Value::Number(n)) => n,
                _ => return Err(invalid("A list can only be indexed by a number.".into())),
            };
            if n.fract() != 0.0 || n < 0.0 || n >= items.len() as f64 {
                return Err(invalid(format!("The given key does not identify an element in this collection value: index {} is out of range for a list of {} element{}.", format_number(n), items.len(), if items.len() == 1 { "" } else { "s" })));
            }
            Ok(items.into_iter().nth(n as usize).unwrap_or(Value::Null).mark_if(sens))
        }
        (Value::Map(mut m), k) => {
            let key = match super::Type::String.convert(k) {
                Ok(Value::String(s)) => s,
                _ => return Err(invalid("A map can only be indexed by a string.".into())),
            };
            match m.remove(&key) {
                Some(x) => Ok(x.mark_if(sens)),
                None => Err(invalid(format!("The given key does not identify an element in this collection value: no element for key {key:?}."))),
            }
        }
        (Value::Set(_), _) => Err(invalid("Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.".into())
            .hint("convert it with tolist() first")),
        (Value::Null, _) => Err(invalid("Cannot index a null value.".into())),
        (other, _) => Err(invalid(format!("This value does not have any indices: it is a {}.", other.type_name()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    struct TestScope;
    impl Scope for TestScope {
        fn resolve(&self, root: &RefRoot, span: &SrcSpan) -> Result<Value, Diagnostic> {
            match root {
                RefRoot::Var(n) if n == "names" => Ok(Value::List(vec!["a".into(), "b".into()])),
                RefRoot::Var(n) if n == "secret" => Ok(Value::from("hunter2").sensitive()),
                RefRoot::Var(n) if n == "m" => Ok(Value::map([
                    ("x", Value::Number(1.0)),
                    ("y", Value::Number(2.0)),
                ])),
                RefRoot::Resource(r) if r.type_name == "aws_vpc" => Ok(Value::map([
                    ("id", Value::Unknown),
                    ("cidr_block", Value::from("10.0.0.0/16")),
                ])),
                RefRoot::Resource(r) if r.type_name == "aws_subnet" => Ok(Value::List(vec![
                    Value::map([("id", Value::from("s-1"))]),
                    Value::map([("id", Value::from("s-2"))]),
                ])),
                _ => Err(Diagnostic::error("Reference to undeclared input variable").at(span)),
            }
        }
        fn base_dir(&self) -> &Path {
            Path::new(".")
        }
    }

    fn ev(src: &str) -> Result<Value, Diagnostic> {
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        Evaluator::new(&TestScope, FileId(0)).eval(&e)
    }

    #[test]
    fn basics() {
        assert_eq!(ev("1 + 2 * 3").unwrap(), Value::Number(7.0));
        assert_eq!(ev("\"${var.names[1]}-x\"").unwrap(), Value::from("b-x"));
        assert_eq!(ev("var.m[\"y\"]").unwrap(), Value::Number(2.0));
        assert_eq!(
            ev("[for n in var.names : upper(n)]")
                .unwrap_or(Value::Null)
                .as_list()
                .map(<[Value]>::len),
            Some(2)
        );
        assert_eq!(
            ev("{for k, v in var.m : v => k}").unwrap(),
            Value::map([("1", Value::from("x")), ("2", Value::from("y"))])
        );
        assert_eq!(
            ev("aws_subnet.public[*].id").unwrap(),
            Value::List(vec!["s-1".into(), "s-2".into()])
        );
        assert_eq!(ev("true ? 1 : var.nope").unwrap(), Value::Number(1.0));
        assert_eq!(
            ev("\"%{for n in var.names}${n},%{endfor}\"").unwrap(),
            Value::from("a,b,")
        );
        assert_eq!(
            ev("\"%{ if true }yes%{ else }no%{ endif }\"").unwrap(),
            Value::from("yes")
        );
        assert_eq!(
            ev("{for n in var.names : \"k\" => n...}").unwrap(),
            Value::map([("k", Value::List(vec!["a".into(), "b".into()]))])
        );
    }

    #[test]
    fn unknown_and_sensitive_propagate() {
        assert_eq!(ev("\"vpc-${aws_vpc.main.id}\"").unwrap(), Value::Unknown);
        assert_eq!(
            ev("aws_vpc.main.cidr_block").unwrap(),
            Value::from("10.0.0.0/16")
        );
        assert!(ev("\"pw=${var.secret}\"").unwrap().is_sensitive());
        assert!(ev("var.secret == \"x\"").unwrap().is_sensitive());
        assert_eq!(
            ev("aws_vpc.main.id == \"x\" ? 1 : 2").unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn try_and_can() {
        assert_eq!(ev("try(var.m.z, 5)").unwrap(), Value::Number(5.0));
        assert_eq!(ev("can(var.m.z)").unwrap(), Value::Bool(false));
        assert_eq!(ev("can(var.m.x)").unwrap(), Value::Bool(true));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = ev("var.m.zz").unwrap_err();
        assert_eq!(e.summary, "Unsupported attribute");
        assert_eq!(e.span.unwrap().range, 5..8);
        let e = ev("var.names[5]").unwrap_err();
        assert_eq!(e.summary, "Invalid index");
        let e = ev("\"${null}\"").unwrap_err();
        assert_eq!(e.summary, "Invalid template interpolation value");
        let e = ev("{for n in var.names : \"k\" => n}").unwrap_err();
        assert_eq!(e.summary, "Duplicate object key");
        let e = ev("nosuchfn(1)").unwrap_err();
        assert_eq!(e.summary, "Call to unknown function");
        let e = ev("aws_subnet.public.id").unwrap_err();
        assert!(e.hint.unwrap().contains("[*].id"));
    }
}
