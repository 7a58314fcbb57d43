//! `terrace fmt`'s formatter: rewrites HCL source (`.tf`, `.tfvars`) in Terraform's canonical
//! layout, changing only whitespace.
//!
//! The text is parsed with hcl-edit first, so only valid HCL is rewritten and a syntax error
//! comes back with its position. The layout follows the rules of Terraform's own formatter
//! (hclwrite), applied line by line to a token stream ([`fmt_lex`](super::fmt_lex)):
//! - a line is indented two spaces per level of bracket nesting (`{`, `[`, `(`) opened on
//!   earlier lines; a line that closes brackets is indented at the level it returns to;
//! - spaces between tokens are normalised: one around `=` and binary operators, none inside
//!   `[ ]` and `( )` or around `.` and `::`, one inside `{ }`, none before `,`, one after it,
//!   none after a unary `-` or `!`;
//! - in a run of consecutive lines that each hold a complete one-line `name = value` (block
//!   arguments and object items alike) the `=` are aligned; a blank line, a comment line, a
//!   block header or closing brace, or a value that continues on the next lines ends the run;
//!   trailing comments on consecutive lines are aligned the same way;
//! - trailing whitespace is removed and the text ends with exactly one newline.
//!
//! Quoted strings (with their `${ }` interpolations), heredocs and the inside of comments are
//! kept byte for byte; line endings stay as found (CRLF when the first line ends with CRLF).
//!
//! Invariants, checked on every call: the output differs from the input only in whitespace
//! outside strings and heredocs, and it parses. Formatting is idempotent: the layout of a line
//! depends only on the tokens of the text, which formatting does not change.

use super::fmt_lex::{lex, Kind, Token};
use std::borrow::Cow;

/// Why a text could not be formatted. Lines and columns are 1-based; columns count
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FmtError {
    /// The text is not valid HCL; nothing was formatted.
    #[error("invalid HCL syntax at {line}:{col}: {message}")]
    Syntax {
        line: usize,
        col: usize,
        /// A full sentence, e.g. `Expected "}" or an identifier.`
        message: String,
    },
    /// The formatted text would not be equivalent to the input (a formatter bug); the
    /// position is that of the first difference, or 1:1 when the result does not parse.
    #[error("the formatter would change more than whitespace at {line}:{col}; the text was left as it is")]
    Unsafe { line: usize, col: usize },
}

/// Formats HCL source text in the canonical layout (see the module documentation).
///
/// # Errors
///
/// [`FmtError::Syntax`] when `text` is not valid HCL, [`FmtError::Unsafe`] if the result
/// would differ from `text` in more than whitespace or would not parse.
pub fn format_source(text: &str) -> Result<String, FmtError> {
    let crlf = text.split('\n').next().is_some_and(|l| l.ends_with('\r')) && text.contains('\n');
    let src: Cow<str> = if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };
    check_syntax(&src)?;
    let out = layout(&src);
    check_equivalent(&src, &out)?;
    if hcl_edit::parser::parse_body(&out).is_err() {
        return Err(FmtError::Unsafe { line: 1, col: 1 });
    }
    Ok(if crlf { out.replace('\n', "\r\n") } else { out })
}

/// Parses `src` with hcl-edit. When the only problem is a `{` that is never closed, the
/// error points at that brace rather than at the end of the file, as `terrace validate` does.
fn check_syntax(src: &str) -> Result<(), FmtError> {
    let Err(e) = hcl_edit::parser::parse_body(src) else {
        return Ok(());
    };
    if let Some(open) = unclosed_brace(src) {
        let (line, col) = line_col(src, open);
        return Err(FmtError::Syntax {
            line,
            col,
            message:
                "The block opened here is not closed: expected `}` before the end of the file."
                    .into(),
        });
    }
    let loc = e.location();
    Err(FmtError::Syntax {
        line: loc.line(),
        col: loc.column(),
        message: sentence(e.message()),
    })
}

/// The offset of the innermost `{` left open at the end of `src`, if closing the open braces
/// at the end makes the text parse.
fn unclosed_brace(src: &str) -> Option<usize> {
    let mut open = Vec::new();
    for t in lex(src).iter().flatten() {
        match t.kind {
            Kind::OBrace => open.push(t.offset),
            Kind::CBrace => {
                open.pop()?;
            }
            _ => {}
        }
    }
    let innermost = *open.last()?;
    let mut fixed = src.to_string();
    if !fixed.ends_with('\n') {
        fixed.push('\n');
    }
    fixed.push_str(&"}\n".repeat(open.len()));
    hcl_edit::parser::parse_body(&fixed).ok()?;
    Some(innermost)
}

/// Turns hcl-edit's `expected ...` message into a sentence.
fn sentence(m: &str) -> String {
    let m = m.trim();
    let mut chars = m.chars();
    let Some(first) = chars.next() else {
        return "The file could not be parsed here.".into();
    };
    let mut s: String = first.to_uppercase().chain(chars).collect();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// 1-based line and character column of a byte offset.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset).unwrap_or(src);
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Fails unless `a` and `b` hold the same characters apart from whitespace.
fn check_equivalent(a: &str, b: &str) -> Result<(), FmtError> {
    let mut xs = a.char_indices().filter(|(_, c)| !c.is_whitespace());
    let mut ys = b.chars().filter(|c| !c.is_whitespace());
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ok(()),
            (Some((_, x)), Some(y)) if x == y => {}
            (x, _) => {
                let (line, col) = line_col(a, x.map_or(a.len(), |(i, _)| i));
                return Err(FmtError::Unsafe { line, col });
            }
        }
    }
}

/// One line of tokens split into hclwrite's cells: the lead, the assignment (`=` and the
/// value, when the value ends on this line) and a trailing comment.
struct Line<'a> {
    tokens: Vec<Token<'a>>,
    /// Spaces before each token; the first is the indentation.
    spaces: Vec<usize>,
    /// Index of the `=` that starts the assignment cell.
    assign: Option<usize>,
    /// Index of the trailing comment (a comment after other tokens).
    comment: Option<usize>,
}

impl<'a> Line<'a> {
    fn new(tokens: Vec<Token<'a>>) -> Line<'a> {
        let n = tokens.len();
        let comment = (n > 1 && tokens[n - 1].kind == Kind::Comment).then(|| n - 1);
        let lead_end = comment.unwrap_or(n);
        let assign = tokens[..lead_end]
            .iter()
            .enumerate()
            .position(|(i, t)| i > 0 && t.kind == Kind::Assign)
            .filter(|&i| net_brackets(&tokens[i..lead_end]) == 0);
        Line {
            spaces: vec![0; n],
            tokens,
            assign,
            comment,
        }
    }

    fn lead_end(&self) -> usize {
        self.assign.or(self.comment).unwrap_or(self.tokens.len())
    }

    fn assign_end(&self) -> usize {
        self.comment.unwrap_or(self.tokens.len())
    }

    /// The display column after the first `end` tokens (indentation included).
    fn columns(&self, end: usize) -> usize {
        let mut col = 0;
        for (t, s) in self.tokens[..end].iter().zip(&self.spaces) {
            match t.text.rfind('\n') {
                Some(p) => col = t.text[p + 1..].chars().count(),
                None => col += s + t.text.chars().count(),
            }
        }
        col
    }
}

fn net_brackets(tokens: &[Token]) -> i32 {
    tokens.iter().map(Token::bracket_change).sum()
}

/// Lays out `src` (valid HCL, LF line endings).
fn layout(src: &str) -> String {
    let mut lines: Vec<Line> = lex(src).into_iter().map(Line::new).collect();
    indent(&mut lines);
    for line in &mut lines {
        space(line);
    }
    align(&mut lines, |l| l.assign, |l| l.lead_end());
    align(&mut lines, |l| l.comment, |l| l.assign_end());
    let mut out = String::with_capacity(src.len() + src.len() / 8);
    for (k, line) in lines.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        for (t, &s) in line.tokens.iter().zip(&line.spaces) {
            out.extend(std::iter::repeat_n(' ', s));
            if t.kind == Kind::Comment && t.text.contains('\n') {
                // A block comment over several lines: drop trailing whitespace inside it.
                let parts: Vec<&str> = t.text.split('\n').map(str::trim_end).collect();
                out.push_str(&parts.join("\n"));
            } else {
                out.push_str(t.text);
            }
        }
    }
    let body = out.trim_end_matches('\n');
    if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    }
}

/// Sets each line's indentation from the brackets opened and closed on earlier lines, with
/// hclwrite's indent stack: a line that opens N brackets adds one level (not N), and the
/// level goes once the line closing those N brackets is reached.
fn indent(lines: &mut [Line]) {
    let mut levels: Vec<i32> = Vec::new();
    for line in lines {
        if line.tokens.is_empty() {
            continue;
        }
        let net = net_brackets(&line.tokens[..line.assign_end()]);
        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = levels.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    levels.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        line.spaces[0] = 2 * levels.len();
        if net > 0 {
            levels.push(net);
        }
    }
}

/// Sets the spaces between the tokens of each cell; the assignment and comment cells start
/// one space after what precedes them (alignment may widen that).
fn space(line: &mut Line) {
    let lead = 0..line.lead_end();
    let assign = line.assign.map(|a| a..line.assign_end());
    for c in line.assign.iter().chain(&line.comment) {
        line.spaces[*c] = 1;
    }
    for cell in std::iter::once(lead).chain(assign) {
        for j in cell.start..cell.end.saturating_sub(1) {
            let before = (j > cell.start).then(|| &line.tokens[j - 1]);
            line.spaces[j + 1] =
                usize::from(space_after(&line.tokens[j], before, &line.tokens[j + 1]));
        }
    }
}

/// Tokens after which a `-` is a negation (`-1`, `(-x)`, `a * -b`) rather than a subtraction;
/// so is a `-` that starts its cell.
const NEGATION_AFTER: &[Kind] = &[
    Kind::OParen,
    Kind::OBrace,
    Kind::OBrack,
    Kind::Assign,
    Kind::Colon,
    Kind::Comma,
    Kind::Question,
    Kind::Plus,
    Kind::Star,
    Kind::Slash,
    Kind::Percent,
    Kind::Minus,
    Kind::EqOp,
    Kind::NotEq,
    Kind::Gt,
    Kind::Ge,
    Kind::Lt,
    Kind::Le,
    Kind::And,
    Kind::Or,
    Kind::Bang,
];

/// Whether `subject` (preceded by `before` in its cell) is followed by a space before `after`:
/// hclwrite's `spaceAfterToken`, for tokens outside strings.
fn space_after(subject: &Token, before: Option<&Token>, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    match () {
        _ if s == Ident && a == OParen => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        // `for x in [a, b]`: `in` is a keyword here, not a reference to index.
        _ if s == Ident && subject.text == "in" && before.is_some_and(|b| b.kind == Ident) => true,
        _ if a == OBrack && (s == Ident || s == Number || subject.bracket_change() < 0) => false,
        _ if s == Bang => false,
        _ if s == Minus => before.is_some_and(|b| !NEGATION_AFTER.contains(&b.kind)),
        // Braces keep a space inside (`{ a = 1 }`), except an empty pair (`{}`).
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if subject.bracket_change() > 0 => false,
        _ if after.bracket_change() < 0 => false,
        _ => true,
    }
}

/// Aligns a cell over runs of consecutive lines that have it: the cell starts one space after
/// the widest text before it in the run. `cell` gives the cell's token index, `before_end`
/// the number of tokens before it.
fn align(lines: &mut [Line], cell: fn(&Line) -> Option<usize>, before_end: fn(&Line) -> usize) {
    let mut k = 0;
    while k < lines.len() {
        if cell(&lines[k]).is_none() {
            k += 1;
            continue;
        }
        let run_end = (k..lines.len())
            .find(|&j| cell(&lines[j]).is_none())
            .unwrap_or(lines.len());
        let run = &mut lines[k..run_end];
        let width = |l: &Line| l.columns(before_end(l));
        let max = run.iter().map(width).max().unwrap_or(0);
        for line in run {
            let w = width(line);
            if let Some(c) = cell(line) {
                line.spaces[c] = max - w + 1;
            }
        }
        k = run_end;
    }
}

#[cfg(test)]
#[path = "fmt_tests.rs"]
mod tests;
