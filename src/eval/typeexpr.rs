//! Parsing of type constraint expressions: `string`, `list(object({ a = optional(number, 1) }))`.

use super::expr::{EmptyScope, Evaluator};
use super::types::{ObjectAttr, Type};
use crate::config::Expr;
use crate::diag::{Diagnostic, SrcSpan};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span;
use std::path::Path;

/// Parses the `type` argument of a variable.
pub fn parse_type(e: &Expr) -> Result<Type, Diagnostic> {
    parse(&e.expr, e, false)
}

fn bad(e: &Expression, x: &Expr, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error("Invalid type specification")
        .detail(detail)
        .at(&SrcSpan::new(x.file, e.span().unwrap_or(0..0)))
        .hint("write a type such as string, number, bool, list(string), map(number) or object({ name = string })")
}

fn parse(e: &Expression, x: &Expr, in_object: bool) -> Result<Type, Diagnostic> {
    match e {
        Expression::Variable(v) => match v.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "any" => Ok(Type::Any),
            "list" => Ok(Type::list(Type::Any)),
            "map" => Ok(Type::map(Type::Any)),
            "set" => Ok(Type::set(Type::Any)),
            other => Err(bad(
                e,
                x,
                format!("The keyword {other:?} is not a valid type specification."),
            )),
        },
        // Legacy quoted forms from Terraform 0.11.
        Expression::String(s) => match s.value().as_str() {
            "string" => Ok(Type::String),
            "list" => Ok(Type::list(Type::Any)),
            "map" => Ok(Type::map(Type::Any)),
            other => Err(bad(
                e,
                x,
                format!("{other:?} is not a valid type; remove the quotes and use a type keyword."),
            )),
        },
        Expression::Parenthesis(p) => parse(p.inner(), x, in_object),
        Expression::FuncCall(f) => {
            let name = f.name.name.as_str();
            let args: Vec<&Expression> = f.args.iter().collect();
            let one = |args: &[&Expression]| -> Result<Type, Diagnostic> {
                match args {
                    [a] => parse(a, x, false),
                    _ => Err(bad(e, x, format!("The {name}() type constructor requires one argument specifying the element type."))),
                }
            };
            match name {
                "list" => Ok(Type::list(one(&args)?)),
                "set" => Ok(Type::set(one(&args)?)),
                "map" => Ok(Type::map(one(&args)?)),
                "tuple" => match args.as_slice() {
                    [Expression::Array(a)] => Ok(Type::Tuple(a.iter().map(|t| parse(t, x, false)).collect::<Result<_, _>>()?)),
                    _ => Err(bad(e, x, "The tuple() type constructor requires a list of element types, like tuple([string, number]).")),
                },
                "object" => match args.as_slice() {
                    [Expression::Object(o)] => {
                        let mut attrs = Vec::new();
                        for (k, v) in o.iter() {
                            let name = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::Variable(i)) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                ObjectKey::Expression(k) => return Err(bad(k, x, "Object type attribute names must be identifiers.")),
                            };
                            attrs.push(parse_attr(name, v.expr(), x)?);
                        }
                        Ok(Type::Object(attrs))
                    }
                    _ => Err(bad(e, x, "The object() type constructor requires an object of attribute types, like object({ name = string }).")),
                },
                "optional" if !in_object => Err(bad(e, x, "optional() is only allowed for attributes of an object type.")),
                other => Err(bad(e, x, format!("{other}() is not a type constructor; use list, set, map, tuple or object."))),
            }
        }
        _ => Err(bad(
            e,
            x,
            "A type specification is a keyword or a type constructor call.",
        )),
    }
}

fn parse_attr(name: String, e: &Expression, x: &Expr) -> Result<ObjectAttr, Diagnostic> {
    if let Expression::FuncCall(f) = e {
        if f.name.name.as_str() == "optional" {
            let args: Vec<&Expression> = f.args.iter().collect();
            let (ty, default) = match args.as_slice() {
                [t] => (parse(t, x, false)?, None),
                [t, d] => {
                    let ty = parse(t, x, false)?;
                    let scope = EmptyScope(Path::new("."));
                    let v = Evaluator::new(&scope, x.file).eval(d)?;
                    let v = ty.convert(v).map_err(|m| {
                        bad(
                            d,
                            x,
                            format!("Invalid default value for optional attribute: {m}."),
                        )
                    })?;
                    (ty, Some(v))
                }
                _ => {
                    return Err(bad(
                        e,
                        x,
                        "optional() takes a type and an optional default value.",
                    ))
                }
            };
            return Ok(ObjectAttr {
                name,
                ty,
                optional: true,
                default,
            });
        }
    }
    Ok(ObjectAttr {
        name,
        ty: parse(e, x, true)?,
        optional: false,
        default: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn ty(src: &str) -> Result<Type, Diagnostic> {
        parse_type(&Expr {
            file: FileId(0),
            expr: hcl_edit::parser::parse_expr(src).unwrap(),
        })
    }

    #[test]
    fn parses_types() {
        assert_eq!(ty("list(string)").unwrap(), Type::list(Type::String));
        assert_eq!(
            ty("map(object({ a = number, b = optional(string, \"x\") }))")
                .unwrap()
                .to_string(),
            "map(object({a = number, b = optional(string)}))"
        );
        assert!(ty("lst(string)").is_err());
        assert!(ty("optional(string)").is_err());
        assert!(ty("object({ a = optional(number, \"x\") })").is_err());
    }
}
