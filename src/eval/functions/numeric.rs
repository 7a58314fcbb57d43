//! Numeric functions: `abs`, `ceil`, `floor`, `log`, `pow`, `signum`, `min`, `max`, `sum`,
//! `parseint`, `range`.

use super::util::{int_arg, non_null, number_arg, quote, to_number, MAX_ELEMENTS};
use super::{FnCtx, FnError};
use crate::eval::value::Value;

fn finite_result(n: f64) -> Result<Value, FnError> {
    if n.is_nan() {
        return Err(FnError::new("the result is not a number (NaN)"));
    }
    Ok(Value::Number(n))
}

pub(super) fn abs(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Number(number_arg(args, 0)?.abs()))
}

pub(super) fn ceil(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Number(number_arg(args, 0)?.ceil()))
}

pub(super) fn floor(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Number(number_arg(args, 0)?.floor()))
}

/// `log(number, base)`.
pub(super) fn log(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let x = number_arg(args, 0)?;
    let base = number_arg(args, 1)?;
    finite_result(x.ln() / base.ln())
}

/// `pow(base, exponent)`.
pub(super) fn pow(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let x = number_arg(args, 0)?;
    let y = number_arg(args, 1)?;
    finite_result(x.powf(y))
}

/// `signum(n)`: -1, 0 or 1.
pub(super) fn signum(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let x = number_arg(args, 0)?;
    Ok(Value::Number(if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

fn numbers(args: &[Value]) -> Result<Vec<f64>, FnError> {
    if args.is_empty() {
        return Err(FnError::new("must pass at least one number"));
    }
    (0..args.len()).map(|i| number_arg(args, i)).collect()
}

pub(super) fn max(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Number(
        numbers(args)?.into_iter().fold(f64::NEG_INFINITY, f64::max),
    ))
}

pub(super) fn min(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Number(
        numbers(args)?.into_iter().fold(f64::INFINITY, f64::min),
    ))
}

/// `sum(list)`.
pub(super) fn sum(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let items = match non_null(args, 0)? {
        Value::List(items) | Value::Set(items) => items,
        other => {
            return Err(FnError::arg(
                0,
                format!(
                    "argument must be list, set, or tuple. Received {}",
                    other.type_name()
                ),
            ))
        }
    };
    if items.is_empty() {
        return Err(FnError::arg(0, "cannot sum an empty list"));
    }
    let mut total = 0.0;
    for v in items {
        if v.is_null() {
            return Err(FnError::arg(
                0,
                "argument must be list, set, or tuple of number values",
            ));
        }
        let n = to_number(v).map_err(|_| {
            FnError::arg(0, "argument must be list, set, or tuple of number values")
        })?;
        total += n;
        if total.is_nan() {
            return Err(FnError::arg(0, "can't compute sum of opposing infinities"));
        }
    }
    Ok(Value::Number(total))
}

fn digit_value(c: char, base: u32) -> Option<u32> {
    let d = match c {
        '0'..='9' => c as u32 - '0' as u32,
        'a'..='z' => c as u32 - 'a' as u32 + 10,
        'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
        'A'..='Z' => c as u32 - 'A' as u32 + 36,
        _ => return None,
    };
    (d < base).then_some(d)
}

/// `parseint(string, base)`: an integer in base 2 to 62 (digits, then lowercase letters,
/// then uppercase letters for bases above 36; letters are case-insensitive up to base 36).
pub(super) fn parseint(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = match non_null(args, 0)? {
        Value::String(s) => s,
        other => {
            return Err(FnError::arg(
                0,
                format!("first argument must be a string, not {}", other.type_name()),
            ))
        }
    };
    let base = int_arg(args, 1)?;
    if !(2..=62).contains(&base) {
        return Err(FnError::arg(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let base = base as u32;
    let bad = || {
        FnError::arg(
            0,
            format!("cannot parse {} as a base {base} integer", quote(s)),
        )
    };
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s.as_str()),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut exact: Option<u128> = Some(0);
    let mut approx = 0.0f64;
    for c in digits.chars() {
        let d = digit_value(c, base).ok_or_else(bad)?;
        exact = exact
            .and_then(|v| v.checked_mul(base as u128))
            .and_then(|v| v.checked_add(d as u128));
        approx = approx * base as f64 + d as f64;
    }
    let v = exact.map_or(approx, |e| e as f64);
    if !v.is_finite() {
        return Err(FnError::arg(
            0,
            format!("{} is too large to be represented as a number", quote(s)),
        ));
    }
    Ok(Value::Number(if neg { -v } else { v }))
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`.
pub(super) fn range(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let nums = (0..args.len())
        .map(|i| number_arg(args, i))
        .collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match nums.as_slice() {
        [limit] => (0.0, *limit, if *limit < 0.0 { -1.0 } else { 1.0 }),
        [start, limit] => (*start, *limit, if limit < start { -1.0 } else { 1.0 }),
        [start, limit, step] => (*start, *limit, *step),
        _ => return Err(FnError::new("must have one, two, or three arguments")),
    };
    if let Some(i) = nums.iter().position(|n| !n.is_finite()) {
        return Err(FnError::arg(i, "range arguments must be finite numbers"));
    }
    if step == 0.0 {
        return Err(FnError::arg(2, "step must not be zero"));
    }
    let down = step < 0.0;
    if down && end > start {
        return Err(FnError::arg(
            1,
            "end must be less than start when step is negative",
        ));
    }
    if !down && end < start {
        return Err(FnError::arg(
            1,
            "end must be greater than start when step is positive",
        ));
    }
    let count = ((end - start) / step).ceil();
    if count > MAX_ELEMENTS as f64 {
        return Err(FnError::new(format!(
            "range would produce more than {MAX_ELEMENTS} elements"
        )));
    }
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count as usize {
        let v = start + i as f64 * step;
        if (down && v <= end) || (!down && v >= end) {
            break;
        }
        out.push(Value::Number(v));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::eval::value::Value;

    fn nums(v: &[f64]) -> Value {
        list(v.iter().map(|x| n(*x)).collect())
    }

    #[test]
    fn simple_math() {
        assert_eq!(ok("abs", vec![n(-12.4)]), n(12.4));
        assert_eq!(ok("abs", vec![s("-3")]), n(3.0));
        assert_eq!(ok("ceil", vec![n(5.1)]), n(6.0));
        assert_eq!(ok("ceil", vec![n(-5.1)]), n(-5.0));
        assert_eq!(ok("floor", vec![n(4.9)]), n(4.0));
        assert_eq!(ok("floor", vec![n(-4.1)]), n(-5.0));
        assert_eq!(ok("log", vec![n(16.0), n(2.0)]), n(4.0));
        assert_eq!(ok("log", vec![n(0.0), n(10.0)]), n(f64::NEG_INFINITY));
        assert_eq!(
            err("log", vec![n(-1.0), n(10.0)]),
            "the result is not a number (NaN)"
        );
        assert_eq!(ok("pow", vec![n(3.0), n(2.0)]), n(9.0));
        assert_eq!(ok("pow", vec![n(4.0), n(0.0)]), n(1.0));
        assert_eq!(
            err("pow", vec![n(-8.0), n(0.5)]),
            "the result is not a number (NaN)"
        );
        assert_eq!(ok("signum", vec![n(-13.0)]), n(-1.0));
        assert_eq!(ok("signum", vec![n(0.0)]), n(0.0));
        assert_eq!(ok("signum", vec![n(344.0)]), n(1.0));
        assert_eq!(
            err("abs", vec![s("x")]),
            "a number is required, but have string \"x\""
        );
        assert_eq!(err("abs", vec![Value::Null]), "argument must not be null");
    }

    #[test]
    fn min_max_sum() {
        assert_eq!(ok("max", vec![n(12.0), n(54.0), n(3.0)]), n(54.0));
        assert_eq!(ok("min", vec![n(12.0), n(54.0), n(3.0)]), n(3.0));
        assert_eq!(ok("max", vec![s("7"), n(2.0)]), n(7.0));
        assert_eq!(err("max", vec![]), "must pass at least one number");
        assert_eq!(
            err("min", vec![n(1.0), Value::Bool(true)]),
            "number required, but have bool"
        );
        assert_eq!(ok("sum", vec![nums(&[10.0, 13.0, 6.0, 4.5])]), n(33.5));
        assert_eq!(ok("sum", vec![list(vec![s("1"), n(2.0)])]), n(3.0));
        assert_eq!(ok("sum", vec![Value::set(vec![n(1.0), n(2.0)])]), n(3.0));
        assert_eq!(err("sum", vec![list(vec![])]), "cannot sum an empty list");
        assert_eq!(
            err("sum", vec![list(vec![Value::Null])]),
            "argument must be list, set, or tuple of number values"
        );
        assert_eq!(
            err("sum", vec![list(vec![s("x")])]),
            "argument must be list, set, or tuple of number values"
        );
        assert_eq!(
            err("sum", vec![n(1.0)]),
            "argument must be list, set, or tuple. Received number"
        );
        assert_eq!(
            err("sum", vec![nums(&[f64::INFINITY, f64::NEG_INFINITY])]),
            "can't compute sum of opposing infinities"
        );
        assert_eq!(
            ok("sum", vec![list(vec![n(1.0), Value::Unknown])]),
            Value::Unknown
        );
    }

    #[test]
    fn parseint_bases() {
        assert_eq!(ok("parseint", vec![s("100"), n(10.0)]), n(100.0));
        assert_eq!(ok("parseint", vec![s("FF"), n(16.0)]), n(255.0));
        assert_eq!(ok("parseint", vec![s("-10"), n(16.0)]), n(-16.0));
        assert_eq!(ok("parseint", vec![s("+11"), n(2.0)]), n(3.0));
        assert_eq!(
            ok("parseint", vec![s("1011111011101111"), n(2.0)]),
            n(48879.0)
        );
        assert_eq!(
            ok("parseint", vec![s("aA"), n(62.0)]),
            n(10.0 * 62.0 + 36.0)
        );
        assert_eq!(
            ok("parseint", vec![s("zZ"), n(36.0)]),
            n(35.0 * 36.0 + 35.0)
        );
        assert_eq!(
            err("parseint", vec![s("12"), n(2.0)]),
            "cannot parse \"12\" as a base 2 integer"
        );
        assert_eq!(
            err("parseint", vec![s(""), n(10.0)]),
            "cannot parse \"\" as a base 10 integer"
        );
        assert_eq!(
            err("parseint", vec![s("-"), n(10.0)]),
            "cannot parse \"-\" as a base 10 integer"
        );
        assert_eq!(
            err("parseint", vec![s("1_000"), n(10.0)]),
            "cannot parse \"1_000\" as a base 10 integer"
        );
        assert_eq!(
            err("parseint", vec![s("10"), n(1.0)]),
            "base must be a whole number between 2 and 62 inclusive"
        );
        assert_eq!(
            err("parseint", vec![s("10"), n(63.0)]),
            "base must be a whole number between 2 and 62 inclusive"
        );
        assert_eq!(
            err("parseint", vec![n(10.0), n(10.0)]),
            "first argument must be a string, not number"
        );
        assert!(err("parseint", vec![s(&"9".repeat(400)), n(10.0)]).contains("too large"));
        let big = ok(
            "parseint",
            vec![s("99999999999999999999999999999999999999999"), n(10.0)],
        );
        assert!((big.as_f64().unwrap() / 1e41 - 1.0).abs() < 1e-12);
        assert_eq!(
            ok(
                "parseint",
                vec![s("ffffffffffffffffffffffffffffffff"), n(16.0)]
            ),
            n(u128::MAX as f64)
        );
    }

    #[test]
    fn ranges() {
        assert_eq!(ok("range", vec![n(3.0)]), nums(&[0.0, 1.0, 2.0]));
        assert_eq!(ok("range", vec![n(1.0), n(4.0)]), nums(&[1.0, 2.0, 3.0]));
        assert_eq!(
            ok("range", vec![n(1.0), n(8.0), n(2.0)]),
            nums(&[1.0, 3.0, 5.0, 7.0])
        );
        assert_eq!(
            ok("range", vec![n(1.0), n(4.0), n(0.5)]),
            nums(&[1.0, 1.5, 2.0, 2.5, 3.0, 3.5])
        );
        assert_eq!(ok("range", vec![n(4.0), n(1.0)]), nums(&[4.0, 3.0, 2.0]));
        assert_eq!(
            ok("range", vec![n(10.0), n(5.0), n(-2.0)]),
            nums(&[10.0, 8.0, 6.0])
        );
        assert_eq!(ok("range", vec![n(-3.0)]), nums(&[0.0, -1.0, -2.0]));
        assert_eq!(ok("range", vec![n(0.0)]), nums(&[]));
        assert_eq!(
            ok("range", vec![n(0.0), n(1.0), n(0.25)])
                .as_list()
                .map(|l| l.len()),
            Some(4)
        );
        assert_eq!(
            err("range", vec![n(1.0), n(4.0), n(0.0)]),
            "step must not be zero"
        );
        assert_eq!(
            err("range", vec![n(1.0), n(4.0), n(-1.0)]),
            "end must be less than start when step is negative"
        );
        assert_eq!(
            err("range", vec![n(4.0), n(1.0), n(1.0)]),
            "end must be greater than start when step is positive"
        );
        assert!(err("range", vec![n(1e12)]).contains("more than 1048576 elements"));
        assert!(err("range", vec![n(0.0), n(1.0), n(1e-300)]).contains("more than"));
        assert_eq!(
            err("range", vec![n(f64::INFINITY)]),
            "range arguments must be finite numbers"
        );
    }
}
