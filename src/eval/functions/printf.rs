//! `format` and `formatlist`: printf-style formatting with Terraform's verbs, flags, widths,
//! precisions and explicit argument indexes (`%[2]s`), following go-cty's rules and messages.

use super::encoding::json_encode;
use super::util::{grapheme_len, graphemes, non_null, primitive_string};
use super::{FnCtx, FnError};
use crate::eval::value::Value;

/// Widths and precisions above this are rejected rather than allocated.
const MAX_WIDTH: usize = 100_000;

pub(super) fn format(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let fmt = format_string_arg(args)?;
    format_values(&fmt, &args[1..]).map(Value::String)
}

/// `formatlist(spec, values...)`: list and set arguments are iterated in step (they must all
/// have the same length); other arguments are repeated for every iteration.
pub(super) fn formatlist(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    if !args.first().is_some_and(Value::is_known) {
        return Ok(Value::Unknown);
    }
    let fmt = format_string_arg(args)?;
    let rest = &args[1..];
    if rest.is_empty() {
        return Ok(Value::List(vec![Value::String(format_values(&fmt, rest)?)]));
    }
    let mut iter_len: Option<(usize, usize)> = None; // (length, argument that set it)
    let mut unknown = false;
    for (i, arg) in rest.iter().enumerate() {
        match arg {
            Value::List(items) | Value::Set(items) => match iter_len {
                None => iter_len = Some((items.len(), i)),
                Some((len, chooser)) if len != items.len() => {
                    return Err(FnError::arg(
                        i + 1,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {}",
                            i + 1,
                            items.len(),
                            chooser + 1,
                            len
                        ),
                    ))
                }
                Some(_) => {}
            },
            Value::Unknown => unknown = true,
            _ => {}
        }
    }
    if unknown {
        return Ok(Value::Unknown);
    }
    let count = iter_len.map_or(1, |(len, _)| len);
    let mut out = Vec::with_capacity(count);
    'iterations: for it in 0..count {
        let mut call_args = Vec::with_capacity(rest.len());
        for arg in rest {
            let v = match arg {
                Value::List(items) | Value::Set(items) => {
                    items.get(it).cloned().unwrap_or(Value::Null)
                }
                v => v.clone(),
            };
            if !v.is_wholly_known() {
                out.push(Value::Unknown);
                continue 'iterations;
            }
            call_args.push(v);
        }
        let s = format_values(&fmt, &call_args)
            .map_err(|e| FnError::new(format!("error on format iteration {it}: {}", e.message)))?;
        out.push(Value::String(s));
    }
    Ok(Value::List(out))
}

fn format_string_arg(args: &[Value]) -> Result<String, FnError> {
    let v = non_null(args, 0)?;
    primitive_string(v)
        .ok_or_else(|| FnError::arg(0, format!("string required, but have {}", v.type_name())))
}

/// One parsed `%...` sequence.
#[derive(Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    arg_num: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Formats `args` (the values after the format string) according to `fmt`.
fn format_values(fmt: &str, args: &[Value]) -> Result<String, FnError> {
    let chars: Vec<(usize, char)> = fmt.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset_of = |i: usize| chars.get(i).map_or(fmt.len(), |&(p, _)| p);
    let unexpected = |i: usize| -> FnError {
        match chars.get(i) {
            Some(&(p, c)) => {
                FnError::new(format!("unrecognized format character {c:?} at offset {p}"))
            }
            None => FnError::new(format!(
                "invalid format string starting at offset {}",
                fmt.len()
            )),
        }
    };
    let mut out = String::new();
    let mut next_arg = 1usize;
    let mut highest = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        if at(i + 1) == Some('%') {
            out.push('%');
            i += 2;
            continue;
        }
        i += 1;
        let mut verb = Verb {
            offset: start,
            arg_num: next_arg,
            ..Verb::default()
        };
        while let Some(f) = at(i) {
            match f {
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                '-' => verb.minus = true,
                '+' => verb.plus = true,
                ' ' => verb.space = true,
                _ => break,
            }
            i += 1;
        }
        if at(i) == Some('[') {
            i += 1;
            if !matches!(at(i), Some('1'..='9')) {
                return Err(unexpected(i));
            }
            let (num, next) = digits(&chars, i);
            verb.arg_num = num;
            i = next;
            if at(i) != Some(']') {
                return Err(unexpected(i));
            }
            i += 1;
        }
        if matches!(at(i), Some('1'..='9')) {
            let (num, next) = digits(&chars, i);
            verb.width = Some(num);
            i = next;
        }
        if at(i) == Some('.') {
            let (num, next) = digits(&chars, i + 1);
            verb.prec = Some(num);
            i = next;
        }
        match at(i) {
            Some(m) if m.is_ascii_alphabetic() => verb.mode = m,
            _ => return Err(unexpected(i)),
        }
        i += 1;
        verb.raw = &fmt[start..offset_of(i)];
        if verb.width.is_some_and(|w| w > MAX_WIDTH) || verb.prec.is_some_and(|p| p > MAX_WIDTH) {
            return Err(FnError::new(format!(
                "width or precision too large in {:?} at offset {}",
                verb.raw, verb.offset
            )));
        }
        append(&verb, &mut out, args)?;
        highest = highest.max(verb.arg_num);
        next_arg = verb.arg_num.saturating_add(1);
    }
    if highest < args.len() {
        let first_bad = highest + 1;
        if highest == 0 {
            return Err(FnError::arg(
                first_bad,
                "too many arguments; no verbs in format string",
            ));
        }
        return Err(FnError::arg(
            first_bad,
            format!("too many arguments; only {highest} used by format string"),
        ));
    }
    Ok(out)
}

/// Parses a run of decimal digits starting at `i` (saturating), returning the value and the
/// index after the run.
fn digits(chars: &[(usize, char)], mut i: usize) -> (usize, usize) {
    let mut n = 0usize;
    while let Some(d) = chars.get(i).and_then(|&(_, c)| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d as usize);
        i += 1;
    }
    (n, i)
}

fn append(verb: &Verb, out: &mut String, args: &[Value]) -> Result<(), FnError> {
    let unsupported = |msg: &str| {
        FnError::new(format!(
            "unsupported value for {:?} at {}: {msg}",
            verb.raw, verb.offset
        ))
    };
    let Some(arg) = verb.arg_num.checked_sub(1).and_then(|i| args.get(i)) else {
        return Err(FnError::new(format!(
            "not enough arguments for {:?} at {}: need index {} but have {} total",
            verb.raw,
            verb.offset,
            verb.arg_num,
            args.len()
        )));
    };
    let arg = arg.peel();
    if verb.mode != 'v' && arg.is_null() {
        return Err(unsupported("null value cannot be formatted"));
    }
    match verb.mode {
        'v' => {
            let text = match arg {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => g_shortest(*n),
                v => json_encode(v).map_err(|e| unsupported(&e))?,
            };
            out.push_str(&pad(verb, text));
        }
        't' => {
            let b =
                match arg {
                    Value::Bool(b) => *b,
                    Value::String(s) => match s.as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        other if other.eq_ignore_ascii_case("true") => return Err(unsupported(
                            "a bool is required; to convert from string, use lowercase \"true\"",
                        )),
                        other if other.eq_ignore_ascii_case("false") => return Err(unsupported(
                            "a bool is required; to convert from string, use lowercase \"false\"",
                        )),
                        _ => return Err(unsupported("a bool is required")),
                    },
                    _ => return Err(unsupported("bool required")),
                };
            out.push_str(if b { "true" } else { "false" });
        }
        'b' | 'd' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G' => {
            let x = match arg {
                Value::Number(n) => *n,
                Value::String(s) => s
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && !s.trim().is_empty() && s.trim() == s)
                    .ok_or_else(|| unsupported("a number is required"))?,
                _ => return Err(unsupported("number required")),
            };
            if matches!(verb.mode, 'e' | 'E' | 'f' | 'g' | 'G') {
                out.push_str(&go_float(verb, x));
            } else {
                if !x.is_finite() || x.fract() != 0.0 {
                    return Err(unsupported("an integer is required"));
                }
                out.push_str(&go_int(verb, x));
            }
        }
        's' | 'q' => {
            let mut s = primitive_string(arg).ok_or_else(|| unsupported("string required"))?;
            if let Some(p) = verb.prec.filter(|p| *p > 0) {
                s = graphemes(&s).into_iter().take(p).collect();
            }
            if verb.mode == 'q' {
                s = json_encode(&Value::String(s)).map_err(|e| unsupported(&e))?;
            }
            out.push_str(&pad(verb, s));
        }
        m => {
            return Err(FnError::new(format!(
                "unsupported format verb {m:?} in {:?} at offset {}",
                verb.raw, verb.offset
            )))
        }
    }
    Ok(())
}

/// Pads to the verb's width (in characters) with spaces or zeros, left or right.
fn pad(verb: &Verb, s: String) -> String {
    let Some(width) = verb.width else { return s };
    let len = grapheme_len(&s);
    if len >= width {
        return s;
    }
    let fill = if verb.zero { "0" } else { " " }.repeat(width - len);
    if verb.minus {
        s + &fill
    } else {
        fill + &s
    }
}

/// Decimal digits (no leading zeros, no trailing zeros) and decimal point position of a
/// finite, non-negative number: `x = 0.DIGITS × 10^dp`. Zero has no digits.
fn decimal(x: f64, significant: Option<usize>) -> (String, i64) {
    if x == 0.0 {
        return (String::new(), 0);
    }
    let s = match significant {
        None => format!("{x:e}"),
        Some(n) => format!("{:.*e}", n.saturating_sub(1), x),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut ds: String = mant.chars().filter(char::is_ascii_digit).collect();
    while ds.len() > 1 && ds.ends_with('0') {
        ds.pop();
    }
    (ds, exp + 1)
}

/// Go's `%e` layout of a decimal: `d.ddde±XX`.
fn fmt_e(ds: &str, dp: i64, prec: usize, e: char) -> String {
    let mut out = String::new();
    let b = ds.as_bytes();
    out.push(b.first().map_or('0', |&d| d as char));
    if prec > 0 {
        out.push('.');
        for k in 1..=prec {
            out.push(b.get(k).map_or('0', |&d| d as char));
        }
    }
    let exp = if ds.is_empty() { 0 } else { dp - 1 };
    out.push(e);
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

/// Go's `%f` layout of a decimal with `prec` fraction digits (the digits must already be
/// rounded appropriately).
fn fmt_f(ds: &str, dp: i64, prec: usize) -> String {
    let b = ds.as_bytes();
    let digit = |j: i64| -> char {
        if j >= 0 {
            b.get(j as usize).map_or('0', |&d| d as char)
        } else {
            '0'
        }
    };
    let mut out = String::new();
    if dp > 0 {
        for j in 0..dp {
            out.push(digit(j));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for k in 0..prec as i64 {
            out.push(digit(dp + k));
        }
    }
    out
}

/// `%g` body of a finite non-negative number; `prec` as given in the verb.
fn fmt_g(x: f64, prec: Option<usize>, e: char) -> String {
    let shortest = prec.is_none();
    let p = prec.map(|p| p.max(1));
    let (ds, dp) = decimal(x, p);
    let nd = ds.len() as i64;
    let mut eprec = p.map_or(nd, |p| p as i64);
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dp - 1;
    let mut pr = p.map_or(nd, |p| p as i64);
    if exp < -4 || exp >= eprec {
        if pr > nd {
            pr = nd;
        }
        fmt_e(&ds, dp, (pr - 1).max(0) as usize, e)
    } else {
        if pr > dp {
            pr = nd;
        }
        fmt_f(&ds, dp, (pr - dp).max(0) as usize)
    }
}

/// Go's `big.Float.Text('g', -1)`, used by `%v` for numbers.
fn g_shortest(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let body = fmt_g(x.abs(), None, 'e');
    if x < 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

/// A float verb (`%e %E %f %g %G`) with Go's `big.Float` flag and width handling.
fn go_float(verb: &Verb, x: f64) -> String {
    let (mut sign, body) = if x.is_nan() {
        ("", "NaN".to_string())
    } else if x.is_infinite() {
        (if x > 0.0 { "+" } else { "-" }, "Inf".to_string())
    } else {
        let a = x.abs();
        let body = match verb.mode {
            'e' | 'E' => {
                let p = verb.prec.unwrap_or(6);
                let (ds, dp) = decimal(a, Some(p + 1));
                fmt_e(&ds, dp, p, verb.mode)
            }
            'f' => format!("{:.*}", verb.prec.unwrap_or(6), a),
            _ => fmt_g(a, verb.prec, if verb.mode == 'G' { 'E' } else { 'e' }),
        };
        (if x < 0.0 { "-" } else { "" }, body)
    };
    if sign == "+" && verb.space {
        sign = " ";
    } else if sign.is_empty() && verb.plus {
        sign = "+";
    } else if sign.is_empty() && verb.space {
        sign = " ";
    }
    let len = sign.len() + body.len();
    let padding = verb.width.map_or(0, |w| w.saturating_sub(len));
    if verb.zero && !x.is_infinite() {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// An integer verb (`%b %d %o %x %X`) with Go's `big.Int` flag, precision and width handling.
fn go_int(verb: &Verb, x: f64) -> String {
    let base = match verb.mode {
        'b' => 2,
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let mut digits = int_digits(x.abs(), base);
    if verb.mode == 'X' {
        digits = digits.to_ascii_uppercase();
    }
    let sign = if x < 0.0 {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let mut zeros = 0;
    if let Some(p) = verb.prec {
        if digits.len() < p {
            zeros = p - digits.len();
        } else if digits == "0" && p == 0 {
            return String::new();
        }
    }
    let (mut left, mut right) = (0, 0);
    let length = sign.len() + prefix.len() + zeros + digits.len();
    if let Some(w) = verb.width.filter(|w| *w > length) {
        let d = w - length;
        if verb.minus {
            right = d;
        } else if verb.zero && verb.prec.is_none() {
            zeros = d;
        } else {
            left = d;
        }
    }
    format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    )
}

/// The exact digits of a finite, whole, non-negative `f64` in `base`.
fn int_digits(x: f64, base: u32) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let to_base = |mut v: u128| {
        if v == 0 {
            return "0".to_string();
        }
        let mut out = Vec::new();
        while v > 0 {
            out.push(DIGITS[(v % base as u128) as usize]);
            v /= base as u128;
        }
        out.reverse();
        String::from_utf8(out).unwrap_or_default()
    };
    if x < 3.0e38 {
        return to_base(x as u128);
    }
    // Larger values: mantissa × 2^shift in 32-bit limbs, then repeated division.
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mant = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let shift = (exp - 1075).max(0) as usize;
    let mut limbs = vec![0u32; shift / 32 + 3];
    let (word, bit) = (shift / 32, shift % 32);
    let wide = (mant as u128) << bit;
    for k in 0..3 {
        if let Some(l) = limbs.get_mut(word + k) {
            *l = (wide >> (32 * k)) as u32;
        }
    }
    let mut out = Vec::new();
    while limbs.iter().any(|&l| l != 0) {
        let mut rem: u64 = 0;
        for l in limbs.iter_mut().rev() {
            let cur = (rem << 32) | *l as u64;
            *l = (cur / base as u64) as u32;
            rem = cur % base as u64;
        }
        out.push(DIGITS[rem as usize]);
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    fn f(spec: &str, args: Vec<Value>) -> String {
        let mut all = vec![s(spec)];
        all.extend(args);
        match ok("format", all) {
            Value::String(s) => s,
            v => panic!("not a string: {v:?}"),
        }
    }

    fn fe(spec: &str, args: Vec<Value>) -> String {
        let mut all = vec![s(spec)];
        all.extend(args);
        err("format", all)
    }

    #[test]
    fn basic_verbs() {
        assert_eq!(f("Hello, %s!", vec![s("Ander")]), "Hello, Ander!");
        assert_eq!(f("There are %d lights", vec![n(4.0)]), "There are 4 lights");
        assert_eq!(f("%s %s", vec![n(1.5), Value::Bool(true)]), "1.5 true");
        assert_eq!(
            f("%v %v %v", vec![s("a"), n(2.0), Value::Bool(false)]),
            "a 2 false"
        );
        assert_eq!(f("%v", vec![Value::Null]), "null");
        assert_eq!(f("%v", vec![list(vec![s("a"), n(1.0)])]), "[\"a\",1]");
        assert_eq!(f("%#v", vec![s("a")]), "\"a\"");
        assert_eq!(
            f("%v", vec![Value::map([("k", s("<v>"))])]),
            "{\"k\":\"\\u003cv\\u003e\"}"
        );
        assert_eq!(f("%q", vec![s("hi \"x\"")]), "\"hi \\\"x\\\"\"");
        assert_eq!(f("%t", vec![s("true")]), "true");
        assert_eq!(f("%t", vec![Value::Bool(false)]), "false");
        assert_eq!(f("100%%", vec![]), "100%");
        assert_eq!(f("no verbs", vec![]), "no verbs");
        assert_eq!(f("ünï %s", vec![s("cødé")]), "ünï cødé");
    }

    #[test]
    fn numbers() {
        assert_eq!(f("%.2f", vec![n(1.23456)]), "1.23");
        assert_eq!(f("%f", vec![n(1.0)]), "1.000000");
        assert_eq!(
            f("%5d|%-5d|%05d", vec![n(42.0), n(42.0), n(42.0)]),
            "   42|42   |00042"
        );
        assert_eq!(f("%+d % d", vec![n(5.0), n(5.0)]), "+5  5");
        assert_eq!(f("%d", vec![n(-7.0)]), "-7");
        assert_eq!(f("%05d", vec![n(-7.0)]), "-0007");
        assert_eq!(f("%.3d", vec![n(7.0)]), "007");
        assert_eq!(
            f("%b %o %x %X", vec![n(5.0), n(8.0), n(255.0), n(255.0)]),
            "101 10 ff FF"
        );
        assert_eq!(
            f("%#x %#o %#b", vec![n(255.0), n(8.0), n(2.0)]),
            "0xff 010 0b10"
        );
        assert_eq!(f("%d", vec![s("12")]), "12");
        assert_eq!(f("%d", vec![n(1e20)]), "100000000000000000000");
        assert_eq!(
            f("%d", vec![n(1e40)]),
            "10000000000000000303786028427003666890752"
        );
        assert_eq!(f("%e", vec![n(1234.5678)]), "1.234568e+03");
        assert_eq!(f("%.2E", vec![n(0.000123)]), "1.23E-04");
        assert_eq!(f("%e", vec![n(0.0)]), "0.000000e+00");
        assert_eq!(
            f("%g %g %g", vec![n(100000.0), n(1e6), n(0.0001)]),
            "100000 1e+06 0.0001"
        );
        assert_eq!(f("%g", vec![n(0.00001)]), "1e-05");
        assert_eq!(f("%.3g", vec![n(1.23456)]), "1.23");
        assert_eq!(f("%.3g", vec![n(1234.0)]), "1.23e+03");
        assert_eq!(f("%G", vec![n(1e-7)]), "1E-07");
        assert_eq!(f("%v", vec![n(12345678.0)]), "1.2345678e+07");
        assert_eq!(f("%v", vec![n(-0.5)]), "-0.5");
        assert_eq!(
            f("%8.3f|%-8.2f|%08.2f", vec![n(1.23456), n(2.5), n(-2.5)]),
            "   1.235|2.50    |-0002.50"
        );
        assert_eq!(f("%+.1f", vec![n(2.0)]), "+2.0");
        assert_eq!(f("%.0f", vec![n(2.5)]), "2");
    }

    #[test]
    fn strings_width_precision_and_indexes() {
        assert_eq!(
            f("%5s|%-5s|%.2s", vec![s("ab"), s("ab"), s("abcdef")]),
            "   ab|ab   |ab"
        );
        assert_eq!(f("%05s", vec![s("ab")]), "000ab");
        assert_eq!(f("%.1s", vec![s("e\u{301}x")]), "e\u{301}");
        assert_eq!(f("%3v", vec![n(1.0)]), "  1");
        assert_eq!(f("%[2]s %[1]s", vec![s("a"), s("b")]), "b a");
        assert_eq!(f("%[2]s %s", vec![s("a"), s("b"), s("c")]), "b c");
        assert_eq!(f("%[1]s %[1]s", vec![s("x")]), "x x");
        assert_eq!(f("%.0s|", vec![s("abc")]), "abc|");
    }

    #[test]
    fn errors() {
        assert_eq!(
            fe("%s %s", vec![s("a")]),
            "not enough arguments for \"%s\" at 3: need index 2 but have 1 total"
        );
        assert_eq!(
            fe("%z", vec![n(10.0)]),
            "unsupported format verb 'z' in \"%z\" at offset 0"
        );
        assert_eq!(
            fe("%[0]s", vec![s("a")]),
            "unrecognized format character '0' at offset 2"
        );
        assert_eq!(
            fe("%💃", vec![n(1.0)]),
            "unrecognized format character '💃' at offset 1"
        );
        assert_eq!(
            fe("abc %", vec![]),
            "invalid format string starting at offset 5"
        );
        assert_eq!(
            fe("%[2", vec![]),
            "invalid format string starting at offset 3"
        );
        assert_eq!(
            fe("no verbs", vec![n(10.0)]),
            "too many arguments; no verbs in format string"
        );
        assert_eq!(
            fe("one %d", vec![n(10.0), n(11.0)]),
            "too many arguments; only 1 used by format string"
        );
        assert_eq!(
            fe("%d bottles", vec![Value::Bool(true)]),
            "unsupported value for \"%d\" at 0: number required"
        );
        assert_eq!(
            fe("%d", vec![n(1.5)]),
            "unsupported value for \"%d\" at 0: an integer is required"
        );
        assert_eq!(
            fe("%d", vec![s("x")]),
            "unsupported value for \"%d\" at 0: a number is required"
        );
        assert_eq!(
            fe("%s", vec![Value::Null]),
            "unsupported value for \"%s\" at 0: null value cannot be formatted"
        );
        assert_eq!(
            fe("%s", vec![list(vec![])]),
            "unsupported value for \"%s\" at 0: string required"
        );
        assert_eq!(
            fe("%t", vec![s("yes")]),
            "unsupported value for \"%t\" at 0: a bool is required"
        );
        assert_eq!(
            fe("%t", vec![n(1.0)]),
            "unsupported value for \"%t\" at 0: bool required"
        );
        assert!(fe("%999999999999999999999999d", vec![n(1.0)]).contains("too large"));
        let e = run("format", vec![s("x"), s("extra")]).unwrap_err();
        assert_eq!(e.arg, Some(1));
    }

    #[test]
    fn format_unknowns() {
        assert_eq!(ok("format", vec![s("%s"), Value::Unknown]), Value::Unknown);
        assert_eq!(
            ok("format", vec![s("%v"), list(vec![Value::Unknown])]),
            Value::Unknown
        );
        assert_eq!(
            ok("format", vec![s("%s"), s("x").sensitive()]),
            s("x").sensitive()
        );
    }

    #[test]
    fn formatlist_iterates() {
        assert_eq!(
            ok(
                "formatlist",
                vec![s("Hello, %s!"), strs(&["Valentina", "Ander"])]
            ),
            strs(&["Hello, Valentina!", "Hello, Ander!"])
        );
        assert_eq!(
            ok(
                "formatlist",
                vec![s("%s, %s!"), s("Salutations"), strs(&["a", "b"])]
            ),
            strs(&["Salutations, a!", "Salutations, b!"])
        );
        assert_eq!(ok("formatlist", vec![s("%s"), s("x")]), strs(&["x"]));
        assert_eq!(ok("formatlist", vec![s("plain")]), strs(&["plain"]));
        assert_eq!(ok("formatlist", vec![s("%s"), list(vec![])]), list(vec![]));
        assert_eq!(
            ok(
                "formatlist",
                vec![s("%s"), list(vec![s("a"), Value::Unknown])]
            ),
            list(vec![s("a"), Value::Unknown])
        );
        assert_eq!(
            ok("formatlist", vec![s("%s"), Value::Unknown]),
            Value::Unknown
        );
        assert_eq!(
            ok("formatlist", vec![Value::Unknown, s("a")]),
            Value::Unknown
        );
        assert_eq!(
            err(
                "formatlist",
                vec![s("%s%s"), strs(&["a"]), strs(&["a", "b"])]
            ),
            "argument 2 has length 2, which is inconsistent with argument 1 of length 1"
        );
        assert_eq!(
            err("formatlist", vec![s("%d"), strs(&["a"])]),
            "error on format iteration 0: unsupported value for \"%d\" at 0: a number is required"
        );
    }
}
