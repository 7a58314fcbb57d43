//! Regular-expression functions: `regex`, `regexall`, and the `/pattern/` form of `replace`.
//!
//! Terraform uses Go's RE2 syntax; the `regex` crate implements the same dialect (no
//! look-around or back-references) with `(?P<name>...)` and `(?<name>...)` named groups.
//! Replacement strings use `$1`, `$name` and `${name}`, as Go's `Regexp.Expand` does.

use super::util::string_arg;
use super::{FnCtx, FnError};
use crate::eval::value::Value;
use std::collections::BTreeMap;

fn compile(pattern: &str, arg: usize) -> Result<regex::Regex, FnError> {
    regex::Regex::new(pattern)
        .map_err(|e| FnError::arg(arg, format!("invalid regular expression pattern: {e}")))
}

/// The shape of each match: the whole match, a list of the unnamed groups, or an object of
/// the named groups. Mixing named and unnamed groups is an error, as in Terraform.
enum Shape {
    Whole,
    Unnamed,
    Named(Vec<(usize, String)>),
}

fn shape(re: &regex::Regex) -> Result<Shape, FnError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        return Ok(Shape::Whole);
    }
    let named = names.iter().filter(|n| n.is_some()).count();
    if named == 0 {
        return Ok(Shape::Unnamed);
    }
    if named != names.len() {
        return Err(FnError::arg(
            0,
            "invalid regular expression pattern: named and unnamed capture groups cannot be mixed",
        ));
    }
    Ok(Shape::Named(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (i + 1, n.unwrap_or_default().to_string()))
            .collect(),
    ))
}

/// One match in the shape of the pattern; a group that took no part in it is null.
fn result(caps: &regex::Captures, shape: &Shape) -> Value {
    let group = |i: usize| {
        caps.get(i)
            .map_or(Value::Null, |m| Value::String(m.as_str().to_string()))
    };
    match shape {
        Shape::Whole => group(0),
        Shape::Unnamed => Value::List((1..caps.len()).map(group).collect()),
        Shape::Named(names) => Value::Map(
            names
                .iter()
                .map(|(i, n)| (n.clone(), group(*i)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// `regex(pattern, string)`: the first match; an error when there is none.
pub(super) fn regex(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let re = compile(&string_arg(args, 0)?, 0)?;
    let shape = shape(&re)?;
    let s = string_arg(args, 1)?;
    match re.captures(&s) {
        Some(caps) => Ok(result(&caps, &shape)),
        None => Err(FnError::new(
            "pattern did not match any part of the given string",
        )),
    }
}

/// `regexall(pattern, string)`: every non-overlapping match, possibly none.
pub(super) fn regexall(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let re = compile(&string_arg(args, 0)?, 0)?;
    let shape = shape(&re)?;
    let s = string_arg(args, 1)?;
    Ok(Value::List(
        re.captures_iter(&s).map(|c| result(&c, &shape)).collect(),
    ))
}

/// `replace` with a search string wrapped in slashes: every match of the pattern replaced,
/// with `$n` / `${name}` in `with` expanded.
pub(super) fn replace_all(s: &str, pattern: &str, with: &str) -> Result<String, FnError> {
    let re = compile(pattern, 1)?;
    Ok(re.replace_all(s, with).into_owned())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    #[test]
    fn regex_returns_the_shape_of_the_pattern() {
        assert_eq!(ok("regex", vec![s("[a-z]+"), s("53ab")]), s("ab"));
        assert_eq!(
            ok(
                "regex",
                vec![s("(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)"), s("2019-02-01")]
            ),
            list(vec![s("2019"), s("02"), s("01")])
        );
        assert_eq!(
            ok(
                "regex",
                vec![
                    s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"),
                    s("https://terraform.io/docs/")
                ]
            ),
            Value::map([("authority", s("terraform.io")), ("scheme", s("https"))])
        );
        // A group that did not take part in the match is null.
        assert_eq!(
            ok("regex", vec![s("(a)|(b)"), s("b")]),
            list(vec![Value::Null, s("b")])
        );
        assert_eq!(
            ok(
                "regex",
                vec![s("^[a-z0-9][a-z0-9-]*[a-z0-9]$"), s("shop-dev")]
            ),
            s("shop-dev")
        );
    }

    #[test]
    fn regex_errors() {
        assert_eq!(
            err("regex", vec![s("[a-z]+"), s("123")]),
            "pattern did not match any part of the given string"
        );
        assert!(err("regex", vec![s("(unclosed"), s("x")])
            .starts_with("invalid regular expression pattern"));
        assert!(err("regex", vec![s("(?P<a>x)(y)"), s("xy")])
            .contains("named and unnamed capture groups cannot be mixed"));
    }

    #[test]
    fn regexall_lists_every_match() {
        assert_eq!(
            ok("regexall", vec![s("[a-z]+"), s("1234abcd5678efgh9")]),
            list(vec![s("abcd"), s("efgh")])
        );
        assert_eq!(ok("regexall", vec![s("[a-z]+"), s("123")]), list(vec![]));
        assert_eq!(
            ok("regexall", vec![s("(\\w)=(\\d)"), s("a=1,b=2")]),
            list(vec![list(vec![s("a"), s("1")]), list(vec![s("b"), s("2")])])
        );
        assert!(matches!(
            run("regexall", vec![s("x"), Value::Unknown]),
            Ok(Value::Unknown)
        ));
    }

    #[test]
    fn replace_with_a_pattern() {
        assert_eq!(
            ok(
                "replace",
                vec![s("hello world"), s("/w.*d/"), s("everybody")]
            ),
            s("hello everybody")
        );
        assert_eq!(
            ok(
                "replace",
                vec![s("2019-02-01"), s("/(\\d+)-(\\d+)-(\\d+)/"), s("$3/$2/$1")]
            ),
            s("01/02/2019")
        );
        assert_eq!(
            ok("replace", vec![s("a.b.c"), s("/\\./"), s("-")]),
            s("a-b-c")
        );
        // A plain substring is still a plain substring.
        assert_eq!(ok("replace", vec![s("a/b/"), s("/"), s("-")]), s("a-b-"));
        assert!(err("replace", vec![s("x"), s("/(/"), s("y")])
            .starts_with("invalid regular expression pattern"));
    }
}
