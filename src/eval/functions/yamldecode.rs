//! `yamldecode`: parses one YAML document into a value, with the YAML 1.2 core schema that
//! Terraform's decoder (go-yaml v3) uses: `null`/`~`/empty are null, `true`/`false` are bools,
//! decimal, `0x` and `0o` integers and decimal floats are numbers, anything else is a string.
//!
//! Supported: block mappings and sequences (including sequences at the indentation of their
//! key and compact `- key: value` items), flow collections (`[a, b]`, `{a: 1}`) over several
//! lines, plain, single- and double-quoted scalars (multi-line, folded), literal `|` and
//! folded `>` block scalars with chomping and indentation indicators, comments, a leading
//! `---`, a trailing `...`, anchors `&a`, aliases `*a`, merge keys `<<`, and the `!!str`
//! tag. Not supported (reported as errors): several documents, complex `?` keys, and the
//! special floats `.inf` / `.nan`, which Terraform cannot represent either.

use super::util::{quote, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::{format_number, Value};
use std::collections::{BTreeMap, HashMap};

pub(super) fn yamldecode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let text = string_arg(args, 0)?;
    decode(&text).map_err(|m| FnError::arg(0, m))
}

struct Parser {
    lines: Vec<Vec<char>>,
    pos: usize,
    anchors: HashMap<String, Value>,
}

type R<T> = Result<T, String>;

fn at(line: usize, msg: impl std::fmt::Display) -> String {
    format!("on line {}: {msg}", line + 1)
}

/// Decodes a whole document.
pub(super) fn decode(text: &str) -> R<Value> {
    let mut lines: Vec<Vec<char>> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).chars().collect())
        .collect();
    // Directives and the document markers.
    let is_marker = |l: &[char], m: &str| {
        let s: String = l.iter().collect();
        s == m || s.starts_with(&format!("{m} ")) || s.starts_with(&format!("{m}\t"))
    };
    let mut start = 0;
    while start < lines.len() {
        let s: String = lines[start].iter().collect();
        let t = s.trim();
        if t.is_empty() || t.starts_with('#') || s.starts_with('%') {
            start += 1;
            continue;
        }
        if is_marker(&lines[start], "---") {
            // Anything after the marker on the same line is the start of the content.
            let rest: Vec<char> = lines[start][3..].to_vec();
            lines[start] = rest;
        }
        break;
    }
    for (i, l) in lines.iter_mut().enumerate().skip(start + 1) {
        if is_marker(l, "---") {
            return Err(at(
                i,
                "several YAML documents are not supported; yamldecode takes one",
            ));
        }
        if is_marker(l, "...") {
            l.clear();
        }
    }
    let mut p = Parser {
        lines,
        pos: start,
        anchors: HashMap::new(),
    };
    let v = p.block(0)?;
    if let Some(i) = p.significant() {
        return Err(at(i, "did not find expected end of document"));
    }
    Ok(v)
}

fn indent_of(l: &[char]) -> usize {
    l.iter().take_while(|c| **c == ' ').count()
}

/// Whether the line has no content (blank or only a comment).
fn is_blank(l: &[char]) -> bool {
    let t: String = l.iter().collect();
    let t = t.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Removes a trailing comment (a `#` after whitespace, outside quotes) and trailing spaces.
fn strip_comment(s: &str) -> &str {
    let mut in_single = false;
    let mut in_double = false;
    let mut prev_space = true;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if in_double && !escaped => {
                escaped = true;
                prev_space = false;
                continue;
            }
            '"' if !in_single && !escaped => in_double = !in_double,
            '\'' if !in_double => in_single = !in_single,
            '#' if !in_single && !in_double && prev_space => return s[..i].trim_end(),
            _ => {}
        }
        escaped = false;
        prev_space = c == ' ' || c == '\t';
    }
    s.trim_end()
}

/// The resolved value of a plain scalar.
fn resolve(s: &str) -> R<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let lower = s.to_ascii_lowercase();
    if matches!(lower.trim_start_matches(['+', '-']), ".inf" | ".nan") {
        return Err(format!(
            "the special number {} cannot be represented",
            quote(s)
        ));
    }
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let radix = |prefix: &str, r: u32| -> Option<f64> {
        let d = digits.strip_prefix(prefix)?;
        let d = d.replace('_', "");
        (!d.is_empty())
            .then(|| i64::from_str_radix(&d, r).ok())
            .flatten()
            .map(|n| if neg { -(n as f64) } else { n as f64 })
    };
    if let Some(n) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Ok(Value::Number(n));
    }
    let is_decimal = {
        let b = digits.as_bytes();
        let mut i = 0;
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = i - int_start;
        let mut frac_digits = 0;
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let f = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = i - f;
        }
        let mut ok = int_digits + frac_digits > 0;
        if ok && i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let e = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            ok = i > e;
        }
        ok && i == b.len()
    };
    if is_decimal {
        if let Ok(n) = s.parse::<f64>() {
            return Ok(Value::Number(n));
        }
    }
    Ok(Value::String(s.to_string()))
}

fn key_string(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Number(n) => format_number(n),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}

/// Where the `:` ending a block mapping key is in `s`, if `s` starts with a key.
fn key_end(s: &[char]) -> Option<usize> {
    let mut i = 0;
    match s.first() {
        Some('"') => {
            i = 1;
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        }
        Some('\'') => {
            i = 1;
            while i < s.len() {
                if s[i] == '\'' {
                    if s.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
        }
        Some('[' | '{' | '#' | '|' | '>' | '*' | '&' | '!' | '%' | '@' | '`') | None => {
            return None
        }
        _ => {}
    }
    while i < s.len() {
        if s[i] == ':' && (i + 1 == s.len() || s[i + 1] == ' ' || s[i + 1] == '\t') {
            return Some(i);
        }
        if s[i] == '#' && i > 0 && s[i - 1] == ' ' {
            return None;
        }
        i += 1;
    }
    None
}

impl Parser {
    /// The index of the next line with content, from `pos`.
    fn significant(&self) -> Option<usize> {
        (self.pos..self.lines.len()).find(|&i| !is_blank(&self.lines[i]))
    }

    fn text(&self, i: usize, from: usize) -> String {
        self.lines[i].iter().skip(from).collect()
    }

    /// A node whose lines are indented at least `min`; null when there is none.
    fn block(&mut self, min: usize) -> R<Value> {
        let Some(i) = self.significant() else {
            self.pos = self.lines.len();
            return Ok(Value::Null);
        };
        if self.lines[i].contains(&'\t') && indent_of(&self.lines[i]) < self.lines[i].len() {
            let lead: String = self.lines[i]
                .iter()
                .take_while(|c| c.is_whitespace())
                .collect();
            if lead.contains('\t') {
                return Err(at(i, "found a tab character that violates indentation"));
            }
        }
        let ind = indent_of(&self.lines[i]);
        if ind < min {
            return Ok(Value::Null);
        }
        let content = &self.lines[i][ind..];
        if content == ['-'] || content.starts_with(&['-', ' ']) || content.starts_with(&['-', '\t'])
        {
            return self.sequence(ind);
        }
        if content.first() == Some(&'?') && matches!(content.get(1), None | Some(' ')) {
            return Err(at(i, "complex mapping keys (\"? \") are not supported"));
        }
        if key_end(content).is_some() {
            return self.mapping(ind);
        }
        let text = self.text(i, ind);
        self.pos = i;
        self.inline(&text, i, min)
    }

    fn sequence(&mut self, ind: usize) -> R<Value> {
        let mut items = Vec::new();
        while let Some(i) = self.significant() {
            let li = indent_of(&self.lines[i]);
            let is_item = self.lines[i].get(li) == Some(&'-')
                && matches!(self.lines[i].get(li + 1), None | Some(' ' | '\t'));
            if li != ind || !is_item {
                if li > ind {
                    return Err(at(i, "bad indentation of a sequence entry"));
                }
                break;
            }
            if self.lines[i].len() == ind + 1 || is_blank(&self.lines[i][ind + 1..]) {
                self.pos = i + 1;
                items.push(self.block(ind + 1)?);
            } else {
                // Re-read the rest of the line as a node indented past the dash.
                self.lines[i][ind] = ' ';
                self.pos = i;
                items.push(self.block(ind + 1)?);
            }
        }
        Ok(Value::List(items))
    }

    fn mapping(&mut self, ind: usize) -> R<Value> {
        let mut map = BTreeMap::new();
        // Keys written in this mapping (merged-in keys may be overridden, these may not).
        let mut explicit = std::collections::HashSet::new();
        while let Some(i) = self.significant() {
            let li = indent_of(&self.lines[i]);
            if li < ind {
                break;
            }
            if li > ind {
                return Err(at(i, "bad indentation of a mapping entry"));
            }
            let content: Vec<char> = self.lines[i][ind..].to_vec();
            let Some(colon) = key_end(&content) else {
                if content.first() == Some(&'-') {
                    // A sequence at the key's indentation ends the mapping only under a key.
                    break;
                }
                return Err(at(i, "did not find expected key"));
            };
            let raw_key: String = content[..colon].iter().collect();
            let key = key_string(self.scalar_key(raw_key.trim_end(), i)?);
            let rest: String = content[colon + 1..].iter().collect();
            let value = self.value_after_key(rest.trim(), i, ind)?;
            if key == "<<" {
                match value {
                    Value::Map(m) => {
                        for (k, v) in m {
                            if !explicit.contains(&k) {
                                map.entry(k).or_insert(v);
                            }
                        }
                    }
                    Value::List(items) => {
                        for it in items {
                            if let Value::Map(m) = it {
                                for (k, v) in m {
                                    if !explicit.contains(&k) {
                                        map.entry(k).or_insert(v);
                                    }
                                }
                            }
                        }
                    }
                    _ => {
                        return Err(at(
                            i,
                            "map merge requires map or sequence of maps as the value",
                        ))
                    }
                }
                continue;
            }
            if !explicit.insert(key.clone()) {
                return Err(at(
                    i,
                    format!("mapping key {} already defined", quote(&key)),
                ));
            }
            map.insert(key, value);
        }
        Ok(Value::Map(map))
    }

    fn scalar_key(&self, raw: &str, line: usize) -> R<Value> {
        if raw.starts_with('"') || raw.starts_with('\'') {
            let (v, rest) = quoted(raw).map_err(|m| at(line, m))?;
            if !rest.trim().is_empty() {
                return Err(at(line, "unexpected text after a quoted key"));
            }
            return Ok(Value::String(v));
        }
        resolve(raw).map_err(|m| at(line, m))
    }

    /// The value written after `key:` on line `i` of a mapping at indentation `ind`.
    fn value_after_key(&mut self, rest: &str, i: usize, ind: usize) -> R<Value> {
        let rest = strip_comment(rest);
        let (anchor, tag, rest) = props(rest);
        let v = if rest.is_empty() {
            self.pos = i + 1;
            // A sequence may sit at the key's own indentation.
            match self.significant() {
                Some(j)
                    if indent_of(&self.lines[j]) == ind
                        && self.lines[j].get(ind) == Some(&'-')
                        && matches!(self.lines[j].get(ind + 1), None | Some(' ' | '\t')) =>
                {
                    self.sequence(ind)?
                }
                _ => self.block(ind + 1)?,
            }
        } else {
            self.pos = i;
            self.inline(rest, i, ind + 1)?
        };
        self.finish(v, anchor, tag, i)
    }

    fn finish(
        &mut self,
        v: Value,
        anchor: Option<String>,
        tag: Option<String>,
        i: usize,
    ) -> R<Value> {
        let v = match tag.as_deref() {
            Some("!!str") => match v {
                Value::Null => Value::String(String::new()),
                Value::Map(_) | Value::List(_) => {
                    return Err(at(i, "!!str applies to scalars only"))
                }
                other => Value::String(key_string(other)),
            },
            _ => v,
        };
        if let Some(a) = anchor {
            self.anchors.insert(a, v.clone());
        }
        Ok(v)
    }

    /// A node starting with `text` on line `i` (the rest of that line), continuing on lines
    /// indented at least `min`. Leaves `pos` after the node.
    fn inline(&mut self, text: &str, i: usize, min: usize) -> R<Value> {
        let (anchor, tag, text) = props(strip_comment(text));
        if text.is_empty() {
            self.pos = i + 1;
            let v = self.block(min)?;
            return self.finish(v, anchor, tag, i);
        }
        let v = if let Some(name) = text.strip_prefix('*') {
            self.pos = i + 1;
            self.anchors.get(name.trim()).cloned().ok_or_else(|| {
                at(
                    i,
                    format!("unknown anchor {} referenced", quote(name.trim())),
                )
            })?
        } else if text.starts_with('|') || text.starts_with('>') {
            self.block_scalar(text, i, min.saturating_sub(1))?
        } else if text.starts_with('"') || text.starts_with('\'') {
            // Quoted scalars may continue on the following lines. `text` ends the line
            // (comments aside), so it starts where the comment-free line minus it ends.
            let line = self.text(i, 0);
            let stripped_len = strip_comment(&line).len();
            let start = stripped_len.saturating_sub(text.len());
            let mut joined = line[start..].to_string();
            let mut j = i;
            loop {
                match quoted(&joined) {
                    Ok((v, rest)) => {
                        if !strip_comment(&rest).trim().is_empty() {
                            return Err(at(j, "did not find expected end after a quoted scalar"));
                        }
                        self.pos = j + 1;
                        break Value::String(v);
                    }
                    Err(_) if j + 1 < self.lines.len() => {
                        j += 1;
                        joined.push('\n');
                        joined.push_str(&self.text(j, 0));
                    }
                    Err(m) => return Err(at(i, m)),
                }
            }
        } else if text.starts_with('[') || text.starts_with('{') {
            let mut joined = text.to_string();
            let mut j = i;
            loop {
                match flow(&joined) {
                    Ok(v) => {
                        self.pos = j + 1;
                        break v;
                    }
                    Err(FlowError::Incomplete) if j + 1 < self.lines.len() => {
                        j += 1;
                        joined.push(' ');
                        joined.push_str(strip_comment(self.text(j, 0).trim()));
                    }
                    Err(FlowError::Incomplete) => {
                        return Err(at(i, "did not find the end of a flow collection"))
                    }
                    Err(FlowError::Bad(m)) => return Err(at(j, m)),
                }
            }
        } else {
            // A plain scalar, folded over more-indented continuation lines.
            if text.contains(": ") || text.ends_with(':') {
                return Err(at(i, "mapping values are not allowed in this context"));
            }
            let mut s = text.to_string();
            let mut j = i + 1;
            let mut blank_run = 0;
            while j < self.lines.len() {
                let l = &self.lines[j];
                let t: String = l.iter().collect();
                if t.trim().is_empty() {
                    blank_run += 1;
                    j += 1;
                    continue;
                }
                if indent_of(l) < min || t.trim_start().starts_with('#') {
                    break;
                }
                let piece = strip_comment(t.trim());
                if piece.contains(": ") || piece.ends_with(':') {
                    return Err(at(j, "mapping values are not allowed in this context"));
                }
                if blank_run > 0 {
                    s.push_str(&"\n".repeat(blank_run));
                } else {
                    s.push(' ');
                }
                s.push_str(piece);
                blank_run = 0;
                j += 1;
            }
            self.pos = j - blank_run;
            if s.contains('\n') || s != text {
                Value::String(s)
            } else {
                resolve(&s).map_err(|m| at(i, m))?
            }
        };
        self.finish(v, anchor, tag, i)
    }

    /// A `|` or `>` block scalar whose header is `header`, on line `i` under a node at
    /// indentation `parent`.
    fn block_scalar(&mut self, header: &str, i: usize, parent: usize) -> R<Value> {
        let mut chars = header.chars();
        let folded = chars.next() == Some('>');
        let mut chomp = ' ';
        let mut explicit = None;
        for c in chars {
            match c {
                '-' | '+' if chomp == ' ' => chomp = c,
                '1'..='9' if explicit.is_none() => explicit = Some(c as usize - '0' as usize),
                ' ' | '\t' => break,
                _ => {
                    return Err(at(
                        i,
                        format!("invalid block scalar header {}", quote(header)),
                    ))
                }
            }
        }
        let mut j = i + 1;
        let content_indent = match explicit {
            Some(n) => parent + n,
            None => {
                let first =
                    (j..self.lines.len()).find(|&k| !self.lines[k].iter().all(|c| *c == ' '));
                match first {
                    Some(k) if indent_of(&self.lines[k]) > parent || (parent == 0 && i == 0) => {
                        indent_of(&self.lines[k])
                    }
                    _ => parent + 1,
                }
            }
        };
        let mut body: Vec<String> = Vec::new();
        while j < self.lines.len() {
            let l = &self.lines[j];
            if l.iter().all(|c| *c == ' ') {
                body.push(String::new());
                j += 1;
                continue;
            }
            if indent_of(l) < content_indent {
                break;
            }
            body.push(l[content_indent..].iter().collect());
            j += 1;
        }
        // Trailing blank lines belong to the scalar only for chomping.
        let trailing = body.iter().rev().take_while(|l| l.is_empty()).count();
        let content = &body[..body.len() - trailing];
        let mut out = String::new();
        if folded {
            let mut prev_normal = false;
            for l in content {
                if l.is_empty() {
                    out.push('\n');
                    prev_normal = false;
                } else if l.starts_with(' ') || l.starts_with('\t') {
                    if prev_normal {
                        out.push('\n');
                    }
                    out.push_str(l);
                    out.push('\n');
                    prev_normal = false;
                } else {
                    if prev_normal {
                        out.push(' ');
                    }
                    out.push_str(l);
                    prev_normal = true;
                }
            }
            if prev_normal {
                out.push('\n');
            }
        } else {
            for l in content {
                out.push_str(l);
                out.push('\n');
            }
        }
        match chomp {
            '-' => {
                while out.ends_with('\n') {
                    out.pop();
                }
            }
            '+' => out.push_str(&"\n".repeat(trailing)),
            _ => {}
        }
        // Leave the trailing blank lines for the caller (they are not content).
        self.pos = j;
        Ok(Value::String(out))
    }
}

/// Splits off node properties: an anchor `&name` and a tag `!tag`, in either order.
fn props(s: &str) -> (Option<String>, Option<String>, &str) {
    let mut anchor = None;
    let mut tag = None;
    let mut rest = s;
    for _ in 0..2 {
        if let Some(r) = rest.strip_prefix('&') {
            let end = r.find([' ', '\t']).unwrap_or(r.len());
            anchor = Some(r[..end].to_string());
            rest = r[end..].trim_start();
        } else if rest.starts_with('!') {
            let end = rest.find([' ', '\t']).unwrap_or(rest.len());
            tag = Some(rest[..end].to_string());
            rest = rest[end..].trim_start();
        }
    }
    (anchor, tag, rest)
}

/// A quoted scalar at the start of `s` (line breaks folded), and the text after it.
fn quoted(s: &str) -> R<(String, String)> {
    let mut chars = s.chars().peekable();
    let q = chars.next().ok_or("expected a quote")?;
    let mut out = String::new();
    let mut pending_break = 0usize;
    let mut line_start = false;
    while let Some(c) = chars.next() {
        if c == '\n' {
            // Fold: trailing spaces of the line go, one break becomes a space, more stay.
            while out.ends_with(' ') || out.ends_with('\t') {
                out.pop();
            }
            pending_break += 1;
            line_start = true;
            continue;
        }
        if line_start {
            if c == ' ' || c == '\t' {
                continue;
            }
            line_start = false;
            match pending_break {
                0 => {}
                1 => out.push(' '),
                n => out.push_str(&"\n".repeat(n - 1)),
            }
            pending_break = 0;
        }
        if c == q {
            if q == '\'' && chars.peek() == Some(&'\'') {
                chars.next();
                out.push('\'');
                continue;
            }
            return Ok((out, chars.collect()));
        }
        if q == '"' && c == '\\' {
            let e = chars.next().ok_or("unfinished escape")?;
            match e {
                'n' => out.push('\n'),
                't' | '\t' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'a' => out.push('\u{7}'),
                'b' => out.push('\u{8}'),
                'e' => out.push('\u{1b}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                ' ' => out.push(' '),
                '/' => out.push('/'),
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                'N' => out.push('\u{85}'),
                '_' => out.push('\u{a0}'),
                'L' => out.push('\u{2028}'),
                'P' => out.push('\u{2029}'),
                '\n' => {
                    line_start = true;
                    pending_break = 0;
                    // An escaped line break joins the lines without a space.
                    continue;
                }
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                    let code = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("invalid escape \\{e}{hex}"))?;
                    out.push(code);
                }
                other => return Err(format!("found unknown escape character \\{other}")),
            }
            continue;
        }
        out.push(c);
    }
    Err("found unexpected end of stream in a quoted scalar".to_string())
}

enum FlowError {
    /// The text ends before the collection does (it may continue on the next line).
    Incomplete,
    Bad(String),
}

/// A flow collection (`[...]` or `{...}`) filling all of `s`.
fn flow(s: &str) -> Result<Value, FlowError> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let v = flow_node(&chars, &mut i, false)?;
    skip_ws(&chars, &mut i);
    if i < chars.len() && chars[i] != '#' {
        return Err(FlowError::Bad(
            "did not find expected end after a flow collection".into(),
        ));
    }
    Ok(v)
}

fn skip_ws(c: &[char], i: &mut usize) {
    while *i < c.len() && (c[*i] == ' ' || c[*i] == '\t') {
        *i += 1;
    }
}

fn flow_node(c: &[char], i: &mut usize, key: bool) -> Result<Value, FlowError> {
    skip_ws(c, i);
    match c.get(*i) {
        None => Err(FlowError::Incomplete),
        Some('[') => {
            *i += 1;
            let mut items = Vec::new();
            loop {
                skip_ws(c, i);
                match c.get(*i) {
                    None => return Err(FlowError::Incomplete),
                    Some(']') => {
                        *i += 1;
                        return Ok(Value::List(items));
                    }
                    _ => {}
                }
                items.push(flow_node(c, i, false)?);
                skip_ws(c, i);
                match c.get(*i) {
                    None => return Err(FlowError::Incomplete),
                    Some(',') => *i += 1,
                    Some(']') => {}
                    Some(x) => {
                        return Err(FlowError::Bad(format!(
                            "did not find expected ',' or ']' (found {x:?})"
                        )))
                    }
                }
            }
        }
        Some('{') => {
            *i += 1;
            let mut map = BTreeMap::new();
            loop {
                skip_ws(c, i);
                match c.get(*i) {
                    None => return Err(FlowError::Incomplete),
                    Some('}') => {
                        *i += 1;
                        return Ok(Value::Map(map));
                    }
                    _ => {}
                }
                let k = key_string(flow_node(c, i, true)?);
                skip_ws(c, i);
                let v = if c.get(*i) == Some(&':') {
                    *i += 1;
                    skip_ws(c, i);
                    if matches!(c.get(*i), Some(',' | '}')) {
                        Value::Null
                    } else {
                        flow_node(c, i, false)?
                    }
                } else {
                    Value::Null
                };
                if map.insert(k.clone(), v).is_some() {
                    return Err(FlowError::Bad(format!(
                        "mapping key {} already defined",
                        quote(&k)
                    )));
                }
                skip_ws(c, i);
                match c.get(*i) {
                    None => return Err(FlowError::Incomplete),
                    Some(',') => *i += 1,
                    Some('}') => {}
                    Some(x) => {
                        return Err(FlowError::Bad(format!(
                            "did not find expected ',' or '}}' (found {x:?})"
                        )))
                    }
                }
            }
        }
        Some('"' | '\'') => {
            let rest: String = c[*i..].iter().collect();
            match quoted(&rest) {
                Ok((v, after)) => {
                    *i = c.len() - after.chars().count();
                    Ok(Value::String(v))
                }
                Err(_) => Err(FlowError::Incomplete),
            }
        }
        Some(_) => {
            let start = *i;
            while *i < c.len() {
                let ch = c[*i];
                if matches!(ch, ',' | ']' | '}' | '[' | '{') {
                    break;
                }
                if ch == ':' && (key || matches!(c.get(*i + 1), None | Some(' ' | ',' | ']' | '}')))
                {
                    break;
                }
                if ch == '#' && *i > start && c[*i - 1] == ' ' {
                    break;
                }
                *i += 1;
            }
            let text: String = c[start..*i].iter().collect();
            resolve(text.trim()).map_err(FlowError::Bad)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn m(items: Vec<(&str, Value)>) -> Value {
        Value::map(items)
    }

    #[test]
    fn scalars_resolve_with_the_core_schema() {
        assert_eq!(decode("hello").unwrap(), s("hello"));
        assert_eq!(decode("42").unwrap(), n(42.0));
        assert_eq!(decode("-1.5e3").unwrap(), n(-1500.0));
        assert_eq!(decode("0x1F").unwrap(), n(31.0));
        assert_eq!(decode("true").unwrap(), Value::Bool(true));
        assert_eq!(decode("yes").unwrap(), s("yes"));
        assert_eq!(decode("~").unwrap(), Value::Null);
        assert_eq!(decode("").unwrap(), Value::Null);
        assert_eq!(decode("'it''s'").unwrap(), s("it's"));
        assert_eq!(decode("\"a\\tb\\u00e9\"").unwrap(), s("a\tbé"));
        assert_eq!(decode("1.2.3").unwrap(), s("1.2.3"));
        assert!(decode(".inf").is_err());
    }

    #[test]
    fn block_collections() {
        let doc = "---\n# config\nname: web   # trailing comment\nport: 8080\nenabled: true\ntags:\n  Env: prod\n  Team: \"ops\"\nsubnets:\n- 10.0.1.0/24\n- 10.0.2.0/24\nrules:\n  - port: 80\n    cidr: 0.0.0.0/0\n  - port: 443\n    cidrs: [10.0.0.0/8, \"192.168.0.0/16\"]\nempty:\n";
        assert_eq!(
            decode(doc).unwrap(),
            m(vec![
                ("name", s("web")),
                ("port", n(8080.0)),
                ("enabled", Value::Bool(true)),
                ("tags", m(vec![("Env", s("prod")), ("Team", s("ops"))])),
                ("subnets", list(vec![s("10.0.1.0/24"), s("10.0.2.0/24")])),
                (
                    "rules",
                    list(vec![
                        m(vec![("port", n(80.0)), ("cidr", s("0.0.0.0/0"))]),
                        m(vec![
                            ("port", n(443.0)),
                            ("cidrs", list(vec![s("10.0.0.0/8"), s("192.168.0.0/16")]))
                        ]),
                    ])
                ),
                ("empty", Value::Null),
            ])
        );
        assert_eq!(
            decode("- - a\n  - b\n- c").unwrap(),
            list(vec![list(vec![s("a"), s("b")]), s("c")])
        );
        assert_eq!(
            decode("{a: 1, b: [x, y], c: {d: null}}").unwrap(),
            m(vec![
                ("a", n(1.0)),
                ("b", list(vec![s("x"), s("y")])),
                ("c", m(vec![("d", Value::Null)]))
            ])
        );
        assert_eq!(
            decode("list: [\n  a,\n  b,\n]\n").unwrap(),
            m(vec![("list", list(vec![s("a"), s("b")]))])
        );
    }

    #[test]
    fn block_scalars_and_folding() {
        assert_eq!(
            decode("script: |\n  #!/bin/bash\n  echo hi\n\n  exit 0\nnext: 1\n").unwrap(),
            m(vec![
                ("next", n(1.0)),
                ("script", s("#!/bin/bash\necho hi\n\nexit 0\n"))
            ])
        );
        assert_eq!(
            decode("a: |-\n  x\n  y\n").unwrap(),
            m(vec![("a", s("x\ny"))])
        );
        assert_eq!(
            decode("a: >\n  one\n  two\n\n  three\n").unwrap(),
            m(vec![("a", s("one two\nthree\n"))])
        );
        assert_eq!(
            decode("a: |+\n  x\n\nb: 1\n").unwrap(),
            m(vec![("a", s("x\n\n")), ("b", n(1.0))])
        );
        assert_eq!(
            decode("a: plain text\n  continued here\n").unwrap(),
            m(vec![("a", s("plain text continued here"))])
        );
        assert_eq!(
            decode("a: \"quoted\n  over lines\"\n").unwrap(),
            m(vec![("a", s("quoted over lines"))])
        );
    }

    #[test]
    fn anchors_merge_and_tags() {
        let doc = "base: &base\n  size: t3.micro\n  count: 2\nweb:\n  <<: *base\n  count: 3\nid: !!str 123\n";
        assert_eq!(
            decode(doc).unwrap(),
            m(vec![
                ("base", m(vec![("count", n(2.0)), ("size", s("t3.micro"))])),
                ("id", s("123")),
                ("web", m(vec![("count", n(3.0)), ("size", s("t3.micro"))])),
            ])
        );
    }

    #[test]
    fn errors_name_the_line() {
        assert!(decode("a: 1\na: 2")
            .unwrap_err()
            .contains("already defined"));
        assert!(decode("a: 1\n---\nb: 2")
            .unwrap_err()
            .contains("several YAML documents"));
        assert!(decode("a: [1, 2").unwrap_err().contains("flow collection"));
        assert!(decode("a: 1\n   b: 2")
            .unwrap_err()
            .starts_with("on line 2"));
        assert!(decode("a: b: c")
            .unwrap_err()
            .contains("mapping values are not allowed"));
        assert!(err("yamldecode", vec![s("x: *nope")]).contains("unknown anchor"));
        assert_eq!(
            ok("yamldecode", vec![s("a:\n  - 1\n  - two")]),
            m(vec![("a", list(vec![n(1.0), s("two")]))])
        );
    }
}
