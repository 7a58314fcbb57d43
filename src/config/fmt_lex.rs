//! The token scanner behind `terrace fmt`: splits HCL source into lines of tokens.
//!
//! It only needs to tell apart what the layout rules look at (brackets, `=`, operators,
//! commas, comments) from what they must never touch: a quoted string with its `${ }`
//! interpolations and a heredoc are each one opaque token, kept byte for byte, even when they
//! span several lines. Whitespace between tokens is dropped; line breaks outside opaque tokens
//! separate the lines.
//!
//! The scanner is total: any input gives tokens (an unterminated string ends at its line, an
//! unterminated comment or heredoc at the end of the text), it never panics, and it uses no
//! recursion, so deeply nested input cannot overflow the stack. Callers parse the text with
//! hcl-edit first, so on the texts that get formatted the tokens match HCL's own lexer.
//! Token texts are slices of the input at character boundaries (every delimiter is ASCII).

/// What a token is, as far as the layout rules are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Ident,
    Number,
    /// A quoted string, interpolations included.
    Str,
    /// A heredoc from `<<` to the end of its closing delimiter.
    Heredoc,
    /// `#` or `//` to the end of the line (trailing whitespace excluded), or `/* ... */`.
    Comment,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    /// `=` (the attribute and object-item assignment, not `==`).
    Assign,
    Dot,
    Comma,
    Ellipsis,
    Colon,
    DoubleColon,
    Question,
    FatArrow,
    Minus,
    Bang,
    Plus,
    Star,
    Slash,
    Percent,
    EqOp,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    /// Any other character (only in text hcl-edit would reject).
    Other,
}

/// One token: its kind, its text and the byte offset of its first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    pub offset: usize,
}

impl Token<'_> {
    /// +1 for an opening bracket, -1 for a closing one, 0 otherwise.
    pub fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace | Kind::OBrack | Kind::OParen => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen => -1,
            _ => 0,
        }
    }
}

/// Splits `src` (LF line endings) into lines of tokens; a line may be empty.
pub(super) fn lex(src: &str) -> Vec<Vec<Token<'_>>> {
    let b = src.as_bytes();
    let mut lines = vec![Vec::new()];
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let next = b.get(i + 1).copied();
        let heredoc = if c == b'<' && next == Some(b'<') {
            heredoc_header(src, i)
        } else {
            None
        };
        let kind = if let Some((body, delim)) = heredoc {
            i = template_end(src, body, Ctx::Heredoc, delim);
            Kind::Heredoc
        } else {
            match c {
                b'\n' => {
                    lines.push(Vec::new());
                    i += 1;
                    continue;
                }
                b' ' | b'\t' | b'\r' | b'\x0c' => {
                    i += 1;
                    continue;
                }
                b'"' => {
                    i = template_end(src, i + 1, Ctx::Quoted, "");
                    Kind::Str
                }
                b'#' => {
                    i = line_end(b, i);
                    Kind::Comment
                }
                b'/' if next == Some(b'/') => {
                    i = line_end(b, i);
                    Kind::Comment
                }
                b'/' if next == Some(b'*') => {
                    i = src[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                    Kind::Comment
                }
                b'0'..=b'9' => {
                    i = number_end(b, i);
                    Kind::Number
                }
                _ => {
                    let ch = src[i..].chars().next().unwrap_or(' ');
                    if ch.is_whitespace() {
                        i += ch.len_utf8();
                        continue;
                    }
                    if is_ident_start(ch) {
                        i = ident_end(src, i);
                        Kind::Ident
                    } else if ch.is_ascii() {
                        let (kind, len) = punct(&b[i..]);
                        i += len;
                        kind
                    } else {
                        i += ch.len_utf8();
                        Kind::Other
                    }
                }
            }
        };
        let mut text = &src[start..i];
        if kind == Kind::Comment && !text.starts_with("/*") {
            text = text.trim_end();
        }
        if let Some(line) = lines.last_mut() {
            line.push(Token {
                kind,
                text,
                offset: start,
            });
        }
    }
    lines
}

/// The kind and byte length of the operator or punctuation at the start of `b` (which
/// starts with an ASCII character that begins no other token).
fn punct(b: &[u8]) -> (Kind, usize) {
    let two = b.get(..2);
    let kind2 = match two {
        Some(b"::") => Some(Kind::DoubleColon),
        Some(b"==") => Some(Kind::EqOp),
        Some(b"!=") => Some(Kind::NotEq),
        Some(b"<=") => Some(Kind::Le),
        Some(b">=") => Some(Kind::Ge),
        Some(b"&&") => Some(Kind::And),
        Some(b"||") => Some(Kind::Or),
        Some(b"=>") => Some(Kind::FatArrow),
        _ => None,
    };
    if b.starts_with(b"...") {
        return (Kind::Ellipsis, 3);
    }
    if let Some(k) = kind2 {
        return (k, 2);
    }
    let kind = match b[0] {
        b'{' => Kind::OBrace,
        b'}' => Kind::CBrace,
        b'[' => Kind::OBrack,
        b']' => Kind::CBrack,
        b'(' => Kind::OParen,
        b')' => Kind::CParen,
        b'=' => Kind::Assign,
        b'.' => Kind::Dot,
        b',' => Kind::Comma,
        b':' => Kind::Colon,
        b'?' => Kind::Question,
        b'-' => Kind::Minus,
        b'!' => Kind::Bang,
        b'+' => Kind::Plus,
        b'*' => Kind::Star,
        b'/' => Kind::Slash,
        b'%' => Kind::Percent,
        b'<' => Kind::Lt,
        b'>' => Kind::Gt,
        _ => Kind::Other,
    };
    (kind, 1)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Byte offset just past the identifier starting at `i`.
fn ident_end(src: &str, i: usize) -> usize {
    src[i..]
        .char_indices()
        .find(|&(_, c)| !is_ident_continue(c))
        .map_or(src.len(), |(p, _)| i + p)
}

/// Byte offset just past the number starting at `i`: digits, an optional fraction and an
/// optional exponent.
fn number_end(b: &[u8], mut i: usize) -> usize {
    let digits = |b: &[u8], mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    i = digits(b, i);
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i = digits(b, i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        if b.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(b, i + 1 + sign);
        }
    }
    i
}

/// Offset of the newline ending the line that contains `i` (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

/// For a heredoc introducer (`<<EOT` or `<<-EOT` and a newline) at `i`: the offset where its
/// content starts and its delimiter.
fn heredoc_header(src: &str, i: usize) -> Option<(usize, &str)> {
    let b = src.as_bytes();
    let mut j = i + 2;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    let first = src.get(j..)?.chars().next()?;
    if !is_ident_start(first) {
        return None;
    }
    let end = ident_end(src, j);
    (b.get(end) == Some(&b'\n')).then(|| (end + 1, &src[j..end]))
}

/// Where the scanner is inside a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Literal text of a quoted string: ends at `"`, `\` escapes.
    Quoted,
    /// Literal text of a heredoc: ends at a line holding only the delimiter (after spaces).
    Heredoc,
    /// Expression code inside `${ }`, `%{ }` or a `{ }` within them: ends at `}`.
    Code,
}

/// Byte offset just past the template that starts at `i` in context `base` (just after the
/// opening `"`, or at the first content line of a heredoc with delimiter `delim`).
fn template_end(src: &str, mut i: usize, base: Ctx, delim: &str) -> usize {
    let b = src.as_bytes();
    let mut stack = vec![base];
    let mut line_start = base == Ctx::Heredoc;
    while let Some(&ctx) = stack.last() {
        if ctx == Ctx::Heredoc && line_start {
            if let Some(end) = heredoc_close(src, i, delim) {
                return end;
            }
        }
        let Some(&c) = b.get(i) else {
            return b.len();
        };
        line_start = c == b'\n';
        let escape =
            matches!(c, b'$' | b'%') && b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{');
        let interp = matches!(c, b'$' | b'%') && b.get(i + 1) == Some(&b'{');
        match ctx {
            Ctx::Quoted => match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                // A quoted string cannot span lines outside `${ }`: stop before the newline.
                b'\n' => return i,
                _ if escape => i += 2,
                _ if interp => {
                    stack.push(Ctx::Code);
                    i += 1;
                }
                _ => {}
            },
            Ctx::Heredoc => {
                if escape {
                    i += 2;
                } else if interp {
                    stack.push(Ctx::Code);
                    i += 1;
                }
            }
            Ctx::Code => match c {
                b'"' => stack.push(Ctx::Quoted),
                b'{' => stack.push(Ctx::Code),
                b'}' => {
                    stack.pop();
                }
                _ => {}
            },
        }
        i += 1;
    }
    i.min(b.len())
}

/// If the line starting at `i` closes a heredoc with `delim` (spaces, the delimiter, then no
/// identifier character), the offset just past the delimiter.
fn heredoc_close(src: &str, i: usize, delim: &str) -> Option<usize> {
    let line = src.get(i..)?;
    let rest = line.trim_start_matches([' ', '\t']);
    let after = rest.strip_prefix(delim)?;
    if after.chars().next().is_some_and(is_ident_continue) {
        return None;
    }
    Some(i + (line.len() - rest.len()) + delim.len())
}
