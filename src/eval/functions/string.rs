//! String functions: `join`, `split`, `replace`, `lower`, `upper`, `title`, `trimspace`,
//! `trim`, `trimprefix`, `trimsuffix`, `chomp`, `indent`, `substr`, `strrev`, `startswith`,
//! `endswith`, `strcontains`. (`format` and `formatlist` live in `printf`.)
//!
//! "Characters" are user-perceived characters (approximated grapheme clusters), as in
//! Terraform.

use super::util::{graphemes, int_arg, non_null, primitive_string, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::Value;

/// `join(separator, lists...)`.
pub(super) fn join(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let sep = string_arg(args, 0)?;
    let lists = &args[1..];
    if lists.is_empty() {
        return Err(FnError::new("at least one list is required"));
    }
    let mut items = Vec::new();
    for (ai, _) in lists.iter().enumerate() {
        let arg = ai + 1;
        let elems = non_null(args, arg)?.as_list().ok_or_else(|| {
            FnError::arg(
                arg,
                format!(
                    "list of string required, but have {}",
                    args[arg].type_name()
                ),
            )
        })?;
        for (ei, v) in elems.iter().enumerate() {
            if v.is_null() {
                let msg = if lists.len() > 1 {
                    format!("element {ei} of list {arg} is null; cannot concatenate null values")
                } else {
                    format!("element {ei} is null; cannot concatenate null values")
                };
                return Err(FnError::arg(arg, msg));
            }
            items.push(primitive_string(v).ok_or_else(|| {
                FnError::arg(
                    arg,
                    format!("element {ei}: string required, but have {}", v.type_name()),
                )
            })?);
        }
    }
    Ok(Value::String(items.join(&sep)))
}

/// `split(separator, string)`; an empty separator splits into characters.
pub(super) fn split(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let sep = string_arg(args, 0)?;
    let s = string_arg(args, 1)?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

/// `replace(string, substring, replacement)`. A substring wrapped in slashes is a regular
/// expression in Terraform, which is not supported here.
pub(super) fn replace(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    let search = string_arg(args, 1)?;
    let with = string_arg(args, 2)?;
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let pattern = &search[1..search.len() - 1];
        return super::regexp::replace_all(&s, pattern, &with).map(Value::String);
    }
    Ok(Value::String(s.replace(search.as_str(), &with)))
}

/// Maps each character through a single-character case mapping (like Go's `unicode.ToUpper`
/// and `unicode.ToLower`): mappings that would produce several characters leave the
/// character unchanged.
fn map_chars(s: &str, f: impl Fn(char) -> Option<char>) -> String {
    s.chars().map(|c| f(c).unwrap_or(c)).collect()
}

fn single<I: Iterator<Item = char>>(mut it: I) -> Option<char> {
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

fn upper_char(c: char) -> Option<char> {
    single(c.to_uppercase())
}

fn lower_char(c: char) -> Option<char> {
    if c == '\u{130}' {
        return Some('i');
    }
    single(c.to_lowercase())
}

pub(super) fn lower(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::String(map_chars(&string_arg(args, 0)?, lower_char)))
}

pub(super) fn upper(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::String(map_chars(&string_arg(args, 0)?, upper_char)))
}

/// `title(s)`: uppercases the first letter of each word (Go's `strings.Title` rules: words
/// are separated by anything other than letters, digits and underscores).
pub(super) fn title(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    fn separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        c.is_whitespace()
    }
    let s = string_arg(args, 0)?;
    let mut prev = ' ';
    let out = s
        .chars()
        .map(|c| {
            let mapped = if separator(prev) {
                upper_char(c).unwrap_or(c)
            } else {
                c
            };
            prev = c;
            mapped
        })
        .collect();
    Ok(Value::String(out))
}

pub(super) fn trimspace(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::String(string_arg(args, 0)?.trim().to_string()))
}

/// `trim(string, cutset)`: removes any of the characters in `cutset` from both ends.
pub(super) fn trim(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    let cutset = string_arg(args, 1)?;
    Ok(Value::String(
        s.trim_matches(|c| cutset.contains(c)).to_string(),
    ))
}

pub(super) fn trimprefix(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    let prefix = string_arg(args, 1)?;
    Ok(Value::String(
        s.strip_prefix(prefix.as_str()).unwrap_or(&s).to_string(),
    ))
}

pub(super) fn trimsuffix(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    let suffix = string_arg(args, 1)?;
    Ok(Value::String(
        s.strip_suffix(suffix.as_str()).unwrap_or(&s).to_string(),
    ))
}

/// `chomp(s)`: removes trailing newlines (`\n`, `\r\n`, `\r`).
pub(super) fn chomp(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    Ok(Value::String(s.trim_end_matches(['\r', '\n']).to_string()))
}

/// `indent(spaces, s)`: indents every line but the first.
pub(super) fn indent(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let spaces = int_arg(args, 0)?;
    let s = string_arg(args, 1)?;
    if spaces < 0 {
        return Err(FnError::arg(0, "the number of spaces must not be negative"));
    }
    if spaces > 10_000 {
        return Err(FnError::arg(
            0,
            "the number of spaces must be at most 10000",
        ));
    }
    let pad = " ".repeat(spaces as usize);
    Ok(Value::String(s.replace('\n', &format!("\n{pad}"))))
}

/// `substr(string, offset, length)`: a negative offset counts from the end, a negative
/// length takes the rest of the string; out-of-range values are clamped.
pub(super) fn substr(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    let mut offset = int_arg(args, 1)?;
    let length = int_arg(args, 2)?;
    if length == 0 {
        return Ok(Value::String(String::new()));
    }
    let chars = graphemes(&s);
    let total = chars.len() as i64;
    if offset < 0 {
        offset = offset.saturating_add(total).max(0);
    }
    if offset >= total {
        return Ok(Value::String(String::new()));
    }
    let end = if length < 0 {
        total
    } else {
        offset.saturating_add(length).min(total)
    };
    Ok(Value::String(chars[offset as usize..end as usize].concat()))
}

/// `strrev(s)`: the characters in reverse order (combining sequences stay intact).
pub(super) fn strrev(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    Ok(Value::String(graphemes(&s).into_iter().rev().collect()))
}

pub(super) fn startswith(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    Ok(Value::Bool(s.starts_with(string_arg(args, 1)?.as_str())))
}

pub(super) fn endswith(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    Ok(Value::Bool(s.ends_with(string_arg(args, 1)?.as_str())))
}

pub(super) fn strcontains(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    Ok(Value::Bool(s.contains(string_arg(args, 1)?.as_str())))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    #[test]
    fn join_lists() {
        assert_eq!(
            ok("join", vec![s(", "), strs(&["foo", "bar", "baz"])]),
            s("foo, bar, baz")
        );
        assert_eq!(ok("join", vec![s(", "), strs(&["foo"])]), s("foo"));
        assert_eq!(
            ok("join", vec![s("-"), strs(&["a"]), strs(&["b", "c"])]),
            s("a-b-c")
        );
        assert_eq!(
            ok("join", vec![s("-"), list(vec![n(1.0), Value::Bool(true)])]),
            s("1-true")
        );
        assert_eq!(
            ok("join", vec![s("-"), Value::set(vec![s("b"), s("a")])]),
            s("a-b")
        );
        assert_eq!(ok("join", vec![s("-"), list(vec![])]), s(""));
        assert_eq!(
            ok("join", vec![s("-"), list(vec![Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(err("join", vec![s("-")]), "at least one list is required");
        assert_eq!(
            err("join", vec![s("-"), list(vec![s("a"), Value::Null])]),
            "element 1 is null; cannot concatenate null values"
        );
        assert_eq!(
            err("join", vec![s("-"), strs(&["a"]), list(vec![Value::Null])]),
            "element 0 of list 2 is null; cannot concatenate null values"
        );
        assert_eq!(
            err("join", vec![s("-"), s("a")]),
            "list of string required, but have string"
        );
        assert_eq!(
            err("join", vec![s("-"), list(vec![list(vec![])])]),
            "element 0: string required, but have tuple"
        );
    }

    #[test]
    fn split_strings() {
        assert_eq!(
            ok("split", vec![s(","), s("foo,bar,baz")]),
            strs(&["foo", "bar", "baz"])
        );
        assert_eq!(ok("split", vec![s(","), s("foo")]), strs(&["foo"]));
        assert_eq!(ok("split", vec![s(","), s("")]), strs(&[""]));
        assert_eq!(ok("split", vec![s(","), s(",a,")]), strs(&["", "a", ""]));
        assert_eq!(ok("split", vec![s(""), s("añb")]), strs(&["a", "ñ", "b"]));
        assert_eq!(ok("split", vec![s(""), s("")]), list(vec![]));
    }

    #[test]
    fn replace_substrings() {
        assert_eq!(
            ok("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]),
            s("1 - 2 - 3")
        );
        assert_eq!(
            ok("replace", vec![s("hello world"), s("o"), s("0")]),
            s("hell0 w0rld")
        );
        assert_eq!(ok("replace", vec![s("abc"), s(""), s("-")]), s("-a-b-c-"));
        assert_eq!(ok("replace", vec![s("a/b"), s("/"), s("\\")]), s("a\\b"));
        // A search string wrapped in slashes is a regular expression.
        assert_eq!(
            ok("replace", vec![s("hello"), s("/l+/"), s("L")]),
            s("heLo")
        );
        let e = run("replace", vec![s("hello"), s("/l[/"), s("L")]).unwrap_err();
        assert_eq!(e.arg, Some(1));
        assert!(e.message.contains("invalid regular expression"));
    }

    #[test]
    fn case_functions() {
        assert_eq!(ok("upper", vec![s("hello àé")]), s("HELLO ÀÉ"));
        assert_eq!(ok("upper", vec![s("ß")]), s("ß"));
        assert_eq!(ok("lower", vec![s("HELLO ΑΣ")]), s("hello ασ"));
        assert_eq!(ok("lower", vec![s("İ")]), s("i"));
        assert_eq!(ok("title", vec![s("hello world")]), s("Hello World"));
        assert_eq!(
            ok("title", vec![s("hello-world foo_bar x.y 3rd éa")]),
            s("Hello-World Foo_bar X.Y 3rd Éa")
        );
        assert_eq!(ok("title", vec![s("")]), s(""));
    }

    #[test]
    fn trimming() {
        assert_eq!(ok("trimspace", vec![s("  hello\n\t")]), s("hello"));
        assert_eq!(ok("trimspace", vec![s("\u{a0}x\u{3000}")]), s("x"));
        assert_eq!(ok("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
        assert_eq!(ok("trim", vec![s("foobar"), s("")]), s("foobar"));
        assert_eq!(
            ok("trimprefix", vec![s("helloworld"), s("hello")]),
            s("world")
        );
        assert_eq!(
            ok("trimprefix", vec![s("helloworld"), s("cat")]),
            s("helloworld")
        );
        assert_eq!(
            ok("trimsuffix", vec![s("helloworld"), s("world")]),
            s("hello")
        );
        assert_eq!(ok("trimsuffix", vec![s("hello"), s("hello")]), s(""));
        assert_eq!(ok("chomp", vec![s("hello\n\n")]), s("hello"));
        assert_eq!(ok("chomp", vec![s("hello\r\n")]), s("hello"));
        assert_eq!(ok("chomp", vec![s("a\nb")]), s("a\nb"));
    }

    #[test]
    fn indent_lines() {
        assert_eq!(ok("indent", vec![n(2.0), s("a\nb\n")]), s("a\n  b\n  "));
        assert_eq!(ok("indent", vec![n(0.0), s("a\nb")]), s("a\nb"));
        assert!(err("indent", vec![n(-1.0), s("a")]).contains("negative"));
        assert_eq!(
            err("indent", vec![n(1.5), s("a")]),
            "value must be a whole number"
        );
    }

    #[test]
    fn substr_offsets_and_lengths() {
        assert_eq!(
            ok("substr", vec![s("hello world"), n(1.0), n(4.0)]),
            s("ello")
        );
        assert_eq!(ok("substr", vec![s("🤔🤷"), n(0.0), n(1.0)]), s("🤔"));
        assert_eq!(
            ok("substr", vec![s("hello world"), n(-5.0), n(-1.0)]),
            s("world")
        );
        assert_eq!(
            ok("substr", vec![s("hello world"), n(6.0), n(10.0)]),
            s("world")
        );
        assert_eq!(ok("substr", vec![s("hello"), n(5.0), n(1.0)]), s(""));
        assert_eq!(ok("substr", vec![s("hello"), n(50.0), n(1.0)]), s(""));
        assert_eq!(ok("substr", vec![s("hello"), n(-50.0), n(2.0)]), s("he"));
        assert_eq!(ok("substr", vec![s("hello"), n(1.0), n(0.0)]), s(""));
        assert_eq!(ok("substr", vec![s("hello"), n(-1.0), n(0.0)]), s(""));
        assert_eq!(ok("substr", vec![s("hello"), n(1.0), n(-7.0)]), s("ello"));
        assert_eq!(
            ok("substr", vec![s("e\u{301}tait"), n(0.0), n(1.0)]),
            s("e\u{301}")
        );
        assert_eq!(
            ok("substr", vec![s("hello"), n(-9.2e18), n(9.2e18)]),
            s("hello")
        );
        assert_eq!(
            err("substr", vec![s("hello"), n(0.5), n(1.0)]),
            "value must be a whole number"
        );
    }

    #[test]
    fn misc_predicates_and_reverse() {
        assert_eq!(ok("strrev", vec![s("hello")]), s("olleh"));
        assert_eq!(ok("strrev", vec![s("ae\u{301}")]), s("e\u{301}a"));
        assert_eq!(ok("strrev", vec![s("")]), s(""));
        assert_eq!(
            ok("startswith", vec![s("hello world"), s("hello")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("startswith", vec![s("hello world"), s("world")]),
            Value::Bool(false)
        );
        assert_eq!(
            ok("endswith", vec![s("hello world"), s("world")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("endswith", vec![s("hello world"), s("")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("strcontains", vec![s("hello world"), s("o w")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("strcontains", vec![s("hello world"), s("x")]),
            Value::Bool(false)
        );
        assert_eq!(
            err("startswith", vec![Value::Null, s("a")]),
            "argument must not be null"
        );
    }
}
