//! Evaluation of a block body against its schema: expands `dynamic` blocks, converts
//! attribute values to their types, runs validators, and builds the object value with every
//! schema attribute present (unset computed attributes are unknown).

use super::expr::{iter_pairs, Evaluator, Scope};
use super::value::Value;
use crate::config::{Attr, Block, Body};
use crate::diag::{did_you_mean, Diagnostic, SrcSpan};
use crate::schema::{BodySchema, Nesting, Presence};
use std::collections::BTreeMap;

/// A body evaluation in progress: where names bound by dynamic iterators live.
pub struct BodyEval<'a> {
    pub scope: &'a dyn Scope,
    /// (name, value) pairs bound by enclosing dynamic blocks.
    pub bound: Vec<(String, Value)>,
    /// Attribute path prefix for diagnostics, e.g. `ingress.`.
    pub diags: &'a mut Vec<Diagnostic>,
}

impl BodyEval<'_> {
    fn eval_attr(&mut self, a: &Attr) -> Option<Value> {
        let mut ev = Evaluator::new(self.scope, a.expr.file);
        for (n, v) in &self.bound {
            ev.bind(n, v.clone());
        }
        match ev.eval(&a.expr.expr) {
            Ok(v) => Some(v),
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// Evaluates `body` against `schema`; `header` is where "missing argument" errors point.
    pub fn eval(
        &mut self,
        body: &Body,
        schema: &BodySchema,
        header: &SrcSpan,
        what: &str,
    ) -> Value {
        let mut out = BTreeMap::new();
        let mut seen: BTreeMap<&str, &SrcSpan> = BTreeMap::new();
        let owner = crate::schema::owning(schema);
        for a in &body.attrs {
            if let Some(prev) = seen.insert(a.name.as_str(), &a.name_span) {
                let _ = prev;
                self.diags.push(Diagnostic::error("Attribute redefined").detail(format!("The argument {:?} was already set; each argument may be set only once.", a.name)).at(&a.name_span));
                continue;
            }
            let Some(s) = schema.attr(&a.name) else {
                let mut d = Diagnostic::error("Unsupported argument")
                    .detail(format!(
                        "An argument named {:?} is not expected in {what}.",
                        a.name
                    ))
                    .at(&a.name_span);
                if schema.block(&a.name).is_some() {
                    d = d.hint(format!("{:?} is a block, not an argument: write {} {{ ... }} without the equals sign", a.name, a.name));
                } else if let Some(s) = did_you_mean(&a.name, schema.attrs.iter().map(|x| x.name)) {
                    d = d.hint(format!("did you mean {s:?}?"));
                }
                self.diags.push(d);
                continue;
            };
            let Some(v) = self.eval_attr(a) else { continue };
            if s.presence == Presence::Computed {
                self.diags.push(Diagnostic::error("Value for unconfigurable attribute").detail(format!("Can't configure a value for {:?}: its value will be decided automatically based on the result of applying this configuration.", a.name)).at(&a.name_span));
                continue;
            }
            let v = match s.ty.convert(v) {
                Ok(v) => v,
                Err(e) => {
                    self.diags.push(
                        Diagnostic::error("Incorrect attribute value type")
                            .detail(format!(
                                "Inappropriate value for attribute {:?}: {e}.",
                                a.name
                            ))
                            .at(&a.expr.span()),
                    );
                    continue;
                }
            };
            if v.is_null() && s.presence == Presence::Required {
                self.diags.push(
                    Diagnostic::error("Missing required argument")
                        .detail(format!(
                            "The argument {:?} is required, but its value is null.",
                            a.name
                        ))
                        .at(&a.expr.span()),
                );
                continue;
            }
            for val in &s.validators {
                if let Err(m) = val.check(&v) {
                    self.diags.push(
                        Diagnostic::error("Invalid value for attribute")
                            .detail(format!("{:?}: {m}", a.name))
                            .at(&a.expr.span()),
                    );
                }
            }
            if !v.is_null() {
                if let Some(m) = owner.and_then(|rs| rs.deprecation(&a.name)) {
                    self.diags.push(
                        Diagnostic::warning("Argument is deprecated")
                            .detail(format!("{:?}: {m}.", a.name))
                            .at(&a.name_span),
                    );
                }
            }
            out.insert(s.name.to_string(), v.mark_if(s.sensitive));
        }
        for s in &schema.attrs {
            if out.contains_key(s.name) {
                for c in s.conflicts_with {
                    if out.get(*c).is_some_and(|v| !v.is_null())
                        && out.get(s.name).is_some_and(|v| !v.is_null())
                        && s.name < *c
                    {
                        let span = body
                            .attr(c)
                            .map(|a| a.name_span.clone())
                            .unwrap_or_else(|| header.clone());
                        self.diags.push(
                            Diagnostic::error("Conflicting configuration arguments")
                                .detail(format!(
                                    "{:?}: conflicts with {:?}; set only one of them.",
                                    c, s.name
                                ))
                                .at(&span),
                        );
                    }
                }
                continue;
            }
            if seen.contains_key(s.name) {
                // Set but failed to evaluate: do not also report it missing.
                out.insert(s.name.to_string(), Value::Unknown);
                continue;
            }
            let v = match (s.presence, &s.default) {
                (Presence::Required, _) => {
                    self.diags.push(
                        Diagnostic::error("Missing required argument")
                            .detail(format!(
                                "The argument {:?} is required, but no definition was found.",
                                s.name
                            ))
                            .at(header),
                    );
                    Value::Unknown
                }
                (_, Some(d)) => d.clone(),
                (Presence::Computed | Presence::OptionalComputed, None) => Value::Unknown,
                (Presence::Optional, None) => Value::Null,
            };
            out.insert(s.name.to_string(), v.mark_if(s.sensitive));
        }
        if let Some(rs) = owner {
            for names in &rs.exactly_one_of {
                self.check_exactly_one_of(names, schema, body, &out, header);
            }
        }
        // Nested blocks, with dynamic blocks expanded in place.
        let mut blocks: BTreeMap<&str, (Vec<Value>, bool)> = BTreeMap::new();
        for b in &body.blocks {
            if b.kind == "dynamic" {
                self.dynamic(b, schema, what, &mut blocks);
                continue;
            }
            let Some(bs) = schema.block(&b.kind) else {
                let mut d = Diagnostic::error("Unsupported block type")
                    .detail(format!(
                        "Blocks of type {:?} are not expected in {what}.",
                        b.kind
                    ))
                    .at(&b.kind_span);
                if schema.attr(&b.kind).is_some() {
                    d = d.hint(format!(
                        "{:?} is an argument, not a block: write {} = ...",
                        b.kind, b.kind
                    ));
                } else if let Some(s) = did_you_mean(&b.kind, schema.blocks.iter().map(|x| x.name))
                {
                    d = d.hint(format!("did you mean {s:?}?"));
                }
                self.diags.push(d);
                continue;
            };
            if !b.labels.is_empty() {
                self.diags.push(
                    Diagnostic::error("Extraneous label")
                        .detail(format!("Blocks of type {:?} take no labels.", b.kind))
                        .at(&b.label_spans[0]),
                );
            }
            let v = self.eval(
                &b.body,
                &bs.body,
                &b.kind_span,
                &format!("{} {} block", article(&b.kind), b.kind),
            );
            blocks.entry(bs.name).or_default().0.push(v);
        }
        for bs in &schema.blocks {
            let (items, dynamic_unknown) = blocks.remove(bs.name).unwrap_or_default();
            let n = items.len();
            if !dynamic_unknown {
                let first_extra = body
                    .blocks
                    .iter()
                    .filter(|b| b.kind == bs.name)
                    .nth(bs.max_items.unwrap_or(usize::MAX));
                if let (Some(max), Some(b)) = (bs.max_items, first_extra) {
                    self.diags.push(
                        Diagnostic::error(format!("Too many {} blocks", bs.name))
                            .detail(format!(
                                "No more than {max} {:?} block{} allowed in {what}.",
                                bs.name,
                                if max == 1 { " is" } else { "s are" }
                            ))
                            .at(&b.kind_span),
                    );
                } else if n < bs.min_items {
                    self.diags.push(
                        Diagnostic::error(format!("Insufficient {} blocks", bs.name))
                            .detail(format!(
                                "At least {} {:?} block{} required in {what}.",
                                bs.min_items,
                                bs.name,
                                if bs.min_items == 1 { " is" } else { "s are" }
                            ))
                            .at(header),
                    );
                }
            }
            let v = if dynamic_unknown {
                Value::Unknown
            } else {
                match bs.nesting {
                    Nesting::Single => items.into_iter().next().unwrap_or(Value::Null),
                    Nesting::List => Value::List(items),
                    Nesting::Set => Value::set(items),
                }
            };
            out.insert(bs.name.to_string(), v);
        }
        Value::Map(out)
    }

    /// The provider's `ExactlyOneOf`: one of `names` must be set, and only one. Like the
    /// provider, an unknown value may still turn out set or null: it satisfies "one must be
    /// set" and is not counted as a second one.
    fn check_exactly_one_of(
        &mut self,
        names: &[&str],
        schema: &BodySchema,
        body: &Body,
        out: &BTreeMap<String, Value>,
        header: &SrcSpan,
    ) {
        let mut known = Vec::new();
        let mut unknown = false;
        for a in body
            .attrs
            .iter()
            .filter(|a| names.contains(&a.name.as_str()))
        {
            match out.get(&a.name).map(Value::peel) {
                Some(Value::Null) => {}
                Some(Value::Unknown) | None => unknown = true,
                Some(_) => {
                    if !known.iter().any(|k: &&Attr| k.name == a.name) {
                        known.push(a);
                    }
                }
            }
        }
        let list = names.join(", ");
        if known.is_empty() && !unknown {
            self.diags.push(
                Diagnostic::error("Invalid combination of arguments")
                    .detail(format!("Exactly one of {list} must be specified."))
                    .at(header),
            );
        } else if let [first, second, ..] = known.as_slice() {
            // Pairs declared as conflicting were reported already.
            let conflicting = known.iter().any(|a| {
                schema.attr(&a.name).is_some_and(|s| {
                    s.conflicts_with
                        .iter()
                        .any(|c| known.iter().any(|b| b.name == *c))
                })
            });
            if !conflicting {
                self.diags.push(
                    Diagnostic::error("Invalid combination of arguments")
                        .detail(format!(
                            "{:?}: only one of {list} can be specified, but {:?} is also set.",
                            second.name, first.name
                        ))
                        .at(&second.name_span),
                );
            }
        }
    }

    fn dynamic<'s>(
        &mut self,
        b: &Block,
        schema: &'s BodySchema,
        what: &str,
        blocks: &mut BTreeMap<&'s str, (Vec<Value>, bool)>,
    ) {
        let Some(name) = b.labels.first() else {
            self.diags.push(Diagnostic::error("Missing dynamic block label").detail("A dynamic block takes one label: the type of block to generate, like dynamic \"ingress\".").at(&b.kind_span));
            return;
        };
        let Some(bs) = schema.block(name) else {
            let mut d = Diagnostic::error("Unsupported block type")
                .detail(format!(
                    "Blocks of type {name:?} are not expected in {what}."
                ))
                .at(&b.label_spans[0]);
            if let Some(s) = did_you_mean(name, schema.blocks.iter().map(|x| x.name)) {
                d = d.hint(format!("did you mean {s:?}?"));
            }
            self.diags.push(d);
            return;
        };
        let mut iterator = name.clone();
        let mut for_each = None;
        for a in &b.body.attrs {
            match a.name.as_str() {
                "for_each" => for_each = Some(a),
                "iterator" => match &a.expr.expr {
                    hcl_edit::expr::Expression::Variable(v) => iterator = v.as_str().to_string(),
                    _ => self.diags.push(Diagnostic::error("Invalid dynamic iterator name").detail("The iterator name must be a bare identifier, like iterator = rule.").at(&a.expr.span())),
                },
                "labels" => {}
                _ => self.diags.push(Diagnostic::error("Unsupported argument").detail(format!("An argument named {:?} is not expected in a dynamic block; put block arguments inside content {{ }}.", a.name)).at(&a.name_span)),
            }
        }
        let content: Vec<&Block> = b
            .body
            .blocks
            .iter()
            .filter(|c| c.kind == "content")
            .collect();
        let (Some(fe), [content]) = (for_each, content.as_slice()) else {
            self.diags.push(
                Diagnostic::error("Invalid dynamic block")
                    .detail(
                        "A dynamic block needs a for_each argument and exactly one content block.",
                    )
                    .at(&b.kind_span),
            );
            return;
        };
        let Some(coll) = self.eval_attr(fe) else {
            return;
        };
        let entry = blocks.entry(bs.name).or_default();
        let (coll, _sens) = coll.unmark();
        let pairs = match iter_pairs(coll) {
            Ok(Some(p)) => p,
            Ok(None) => {
                // Unknown collection: still check the content with an unknown iterator.
                entry.1 = true;
                vec![(Value::Unknown, Value::Unknown)]
            }
            Err(m) => {
                self.diags.push(
                    Diagnostic::error("Invalid dynamic for_each value")
                        .detail(m)
                        .at(&fe.expr.span()),
                );
                return;
            }
        };
        let unknown = entry.1;
        for (k, v) in pairs {
            self.bound
                .push((iterator.clone(), Value::map([("key", k), ("value", v)])));
            let val = self.eval(
                &content.body,
                &bs.body,
                &content.kind_span,
                &format!("{} {} block", article(bs.name), bs.name),
            );
            self.bound.pop();
            if !unknown {
                blocks.entry(bs.name).or_default().0.push(val);
            }
        }
    }
}

/// The indefinite article for `word`: "an" before a vowel letter, otherwise "a".
pub fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some(c) if "aeiouAEIOU".contains(c) => "an",
        _ => "a",
    }
}
