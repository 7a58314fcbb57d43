//! `yamlencode`: a YAML emitter producing exactly what Terraform's (go-yaml based) encoder
//! produces: block style, strings double-quoted (or literal `|` blocks when they contain
//! newlines), numbers, bools and null plain, empty collections as `[]` / `{}`, sequences
//! under a mapping key not indented, long double-quoted strings folded at column 80, and
//! a `...` document end marker after a plain top-level scalar.
//!
//! The emitter mirrors go-yaml's state machine (columns, indentation stack, whitespace and
//! indentation flags) so that layout decisions match.

use super::{FnCtx, FnError};
use crate::eval::value::{format_number, Value};
use std::collections::BTreeMap;

pub(super) fn yamlencode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let v = args.first().unwrap_or(&Value::Null);
    encode(v).map(Value::String).map_err(|e| FnError::arg(0, e))
}

/// Encodes a wholly known value as a YAML document.
pub(super) fn encode(v: &Value) -> Result<String, String> {
    let mut e = Emitter::new();
    e.node(
        v,
        Ctx {
            root: true,
            ..Ctx::default()
        },
    )?;
    // Document end (implicit), then stream end.
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    Ok(e.out)
}

const BEST_WIDTH: usize = 80;
const BEST_INDENT: i64 = 2;

#[derive(Clone, Copy, Default)]
struct Ctx {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    DoubleQuoted,
    Literal,
}

struct Emitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    flow_level: usize,
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

/// Whether a literal block (`|`) may represent the string (go-yaml's `block_allowed`).
fn block_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let mut previous_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if !is_printable(c) {
            return false;
        }
        if c == ' ' {
            if i + 1 == chars.len() {
                return false; // trailing space
            }
            previous_space = true;
        } else if is_break(c) {
            if previous_space {
                return false; // space before a line break
            }
            previous_space = false;
        } else {
            previous_space = false;
        }
    }
    true
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            open_ended: false,
            flow_level: 0,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write(&mut self, s: &str) {
        for c in s.chars() {
            self.put(c);
        }
    }

    fn write_indicator(
        &mut self,
        ind: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.write(ind);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, v: &Value, ctx: Ctx) -> Result<(), String> {
        match v {
            Value::Null => self.scalar("null", Style::Plain, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Value::Number(n) => {
                let text = if n.is_nan() {
                    return Err("cannot encode NaN as YAML".to_string());
                } else if n.is_infinite() {
                    if *n > 0.0 {
                        "+.Inf".to_string()
                    } else {
                        "-.Inf".to_string()
                    }
                } else {
                    format_number(*n)
                };
                self.scalar(&text, Style::Plain, ctx)
            }
            Value::String(s) => {
                let style = if s.contains('\n') {
                    Style::Literal
                } else {
                    Style::DoubleQuoted
                };
                self.scalar(s, style, ctx)
            }
            Value::List(items) | Value::Set(items) => self.sequence(items, ctx),
            Value::Map(m) => self.mapping(m, ctx),
            Value::Unknown => Err("cannot serialize unknown value as YAML".to_string()),
            Value::Sensitive(inner) => self.node(inner, ctx),
        }
    }

    fn scalar(&mut self, value: &str, style: Style, ctx: Ctx) -> Result<(), String> {
        let mut style = style;
        if style == Style::Literal
            && (!block_allowed(value) || self.flow_level > 0 || ctx.simple_key)
        {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        match style {
            Style::Plain => {
                if !self.whitespace {
                    self.put(' ');
                }
                self.write(value);
                self.whitespace = false;
                self.indention = false;
                if ctx.root {
                    self.open_ended = true;
                }
            }
            Style::DoubleQuoted => self.double_quoted(value, !ctx.simple_key),
            Style::Literal => self.literal(value),
        }
        self.pop_indent();
        Ok(())
    }

    fn double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c => {
                        let u = c as u32;
                        let escaped = if u <= 0xFF {
                            format!("x{u:02X}")
                        } else if u <= 0xFFFF {
                            format!("u{u:04X}")
                        } else {
                            format!("U{u:08X}")
                        };
                        self.write(&escaped);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            i += 1;
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: explicit indentation when the text starts with a space or
        // break; chomping `-` without a final break, `+` with several.
        if value.starts_with(' ') || value.starts_with(is_break) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        self.open_ended = false;
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some('-'),
            (Some(last), _) if !is_break(last) => Some('-'),
            (Some(_), None) => Some('+'),
            (Some(_), Some(prev)) if is_break(prev) => Some('+'),
            _ => None,
        };
        if let Some(h) = chomp {
            self.write_indicator(&h.to_string(), false, false, false);
            if h == '+' {
                self.open_ended = true;
            }
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                if c == '\n' {
                    self.put_break();
                } else {
                    self.out.push(c);
                    self.column = 0;
                }
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
    }

    fn sequence(&mut self, items: &[Value], ctx: Ctx) -> Result<(), String> {
        if items.is_empty() || self.flow_level > 0 {
            return self.flow_empty("[", "]");
        }
        self.increase_indent(false, ctx.mapping && !self.indention);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Ctx::default())?;
        }
        self.pop_indent();
        Ok(())
    }

    fn mapping(&mut self, m: &BTreeMap<String, Value>, _ctx: Ctx) -> Result<(), String> {
        if m.is_empty() || self.flow_level > 0 {
            return self.flow_empty("{", "}");
        }
        self.increase_indent(false, false);
        for (k, v) in m {
            self.write_indent();
            let simple = k.len() <= 128 && !k.chars().any(is_break);
            let key = Value::String(k.clone());
            if simple {
                self.node(
                    &key,
                    Ctx {
                        mapping: true,
                        simple_key: true,
                        ..Ctx::default()
                    },
                )?;
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.node(
                    &key,
                    Ctx {
                        mapping: true,
                        ..Ctx::default()
                    },
                )?;
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(
                v,
                Ctx {
                    mapping: true,
                    ..Ctx::default()
                },
            )?;
        }
        self.pop_indent();
        Ok(())
    }

    /// An empty collection in flow style (`[]` or `{}`).
    fn flow_empty(&mut self, open: &str, close: &str) -> Result<(), String> {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator(close, false, false, false);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::encode;
    use crate::eval::value::Value;

    fn y(v: Value) -> String {
        encode(&v).unwrap()
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            y(Value::map([("a", s("b")), ("c", s("d"))])),
            "\"a\": \"b\"\n\"c\": \"d\"\n"
        );
        assert_eq!(
            y(Value::map([
                ("foo", list(vec![n(1.0), n(2.0), n(3.0)])),
                ("bar", s("baz"))
            ])),
            "\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n"
        );
        assert_eq!(
            y(Value::map([
                (
                    "foo",
                    list(vec![
                        n(1.0),
                        Value::map([("a", s("b")), ("c", s("d"))]),
                        n(3.0)
                    ])
                ),
                ("bar", s("baz")),
            ])),
            "\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n"
        );
    }

    #[test]
    fn scalars_at_top_level() {
        assert_eq!(y(Value::Bool(true)), "true\n...\n");
        assert_eq!(y(n(0.0)), "0\n...\n");
        assert_eq!(y(n(1.5)), "1.5\n...\n");
        assert_eq!(y(n(f64::INFINITY)), "+.Inf\n...\n");
        assert_eq!(y(Value::Null), "null\n...\n");
        assert_eq!(y(s("")), "\"\"\n");
        assert_eq!(y(s("hello")), "\"hello\"\n");
        assert_eq!(y(Value::map::<&str>([])), "{}\n");
        assert_eq!(y(list(vec![])), "[]\n");
        assert_eq!(y(strs(&["b"])), "- \"b\"\n");
        assert_eq!(y(Value::set(vec![s("b")])), "- \"b\"\n");
    }

    #[test]
    fn nesting_and_empty_collections() {
        let v = Value::map([
            ("_meta", Value::map([("hostvars", Value::map::<&str>([]))])),
            (
                "all",
                Value::map([
                    ("children", list(vec![])),
                    ("vars", Value::map([("x", Value::Null)])),
                ]),
            ),
        ]);
        assert_eq!(
            y(v),
            "\"_meta\":\n  \"hostvars\": {}\n\"all\":\n  \"children\": []\n  \"vars\":\n    \"x\": null\n"
        );
        assert_eq!(
            y(list(vec![list(vec![n(1.0), n(2.0)]), list(vec![])])),
            "- - 1\n  - 2\n- []\n"
        );
        assert_eq!(
            y(list(vec![Value::map([("a", list(vec![s("x")]))])])),
            "- \"a\":\n  - \"x\"\n"
        );
    }

    #[test]
    fn string_escapes_and_literals() {
        assert_eq!(
            y(s("say \"hi\" \\ now\ttab")),
            "\"say \\\"hi\\\" \\\\ now\\ttab\"\n"
        );
        assert_eq!(
            y(s("é ☃ 😀 \u{7f}\u{feff}")),
            "\"é ☃ \\U0001F600 \\x7F\\uFEFF\"\n"
        );
        assert_eq!(y(s("a\nb")), "|-\n  a\n  b\n");
        assert_eq!(y(Value::map([("k", s("a\nb\n"))])), "\"k\": |\n  a\n  b\n");
        assert_eq!(
            y(Value::map([("k", s("a\n\nb"))])),
            "\"k\": |-\n  a\n\n  b\n"
        );
        assert_eq!(
            y(Value::map([("k", s("x\n\n"))])),
            "\"k\": |+\n  x\n\n...\n"
        );
        assert_eq!(
            y(Value::map([("k", s(" lead\nx"))])),
            "\"k\": |2-\n   lead\n  x\n"
        );
        // Not representable as a literal block: trailing space, space before a break, tabs.
        assert_eq!(y(Value::map([("k", s("a \nb"))])), "\"k\": \"a \\nb\"\n");
        assert_eq!(y(Value::map([("k", s("a\nb "))])), "\"k\": \"a\\nb \"\n");
        assert_eq!(y(Value::map([("k", s("a\n\tb"))])), "\"k\": \"a\\n\\tb\"\n");
        // Keys are never literal blocks.
        assert_eq!(y(Value::map([("a\nb", n(1.0))])), "? |-\n  a\n  b\n: 1\n");
    }

    #[test]
    fn long_strings_fold_at_80_columns() {
        let long = "-o ProxyCommand='ssh -W %h:%p %r@bastion.example.com' -o StrictHostKeyChecking=no -o ForwardAgent=yes";
        let v = Value::map([(
            "all",
            Value::map([("vars", Value::map([("ansible_ssh_common_args", s(long))]))]),
        )]);
        assert_eq!(
            y(v),
            "\"all\":\n  \"vars\":\n    \"ansible_ssh_common_args\": \"-o ProxyCommand='ssh -W %h:%p %r@bastion.example.com'\n      -o StrictHostKeyChecking=no -o ForwardAgent=yes\"\n"
        );
        let words = "word ".repeat(40);
        let out = y(s(words.trim_end()));
        assert!(out.lines().count() > 1);
        assert!(out.lines().all(|l| l.chars().count() <= 90), "{out}");
        // Consecutive spaces at a fold keep their meaning with an escaped space.
        let spaced = format!("{}  tail", "x".repeat(85));
        assert_eq!(
            y(s(&spaced)),
            format!("\"{}\n  \\ tail\"\n", "x".repeat(85))
        );
        let spaced = format!("{} {}  tail", "x".repeat(80), "y");
        assert_eq!(
            y(s(&spaced)),
            format!("\"{}\n  y  tail\"\n", "x".repeat(80))
        );
        // Keys never fold, and neither does the last character.
        let key = "k ".repeat(60);
        assert!(y(Value::map([(key.trim_end(), n(1.0))])).lines().count() == 1);
    }

    #[test]
    fn long_keys_are_complex() {
        let key = "k".repeat(130);
        let out = y(Value::map([(key.as_str(), s("v"))]));
        assert_eq!(out, format!("? \"{key}\"\n: \"v\"\n"));
    }

    #[test]
    fn through_the_registry() {
        assert_eq!(
            ok("yamlencode", vec![Value::map([("a", s("b"))])]),
            s("\"a\": \"b\"\n")
        );
        assert_eq!(
            ok("yamlencode", vec![list(vec![Value::Unknown])]),
            Value::Unknown
        );
    }
}
