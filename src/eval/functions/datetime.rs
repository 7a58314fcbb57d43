//! Date and time functions: `timestamp`, `plantimestamp`, `formatdate`, `timeadd`, `timecmp`.
//!
//! Timestamps are RFC 3339 strings (`2024-01-02T03:04:05Z`, `...+05:30`, optional fraction).
//! `timestamp()` is impure: like Terraform outside apply, it returns an unknown value (shown
//! as known after apply), so a plan never records a moving clock. `plantimestamp()` is the
//! time of the current run, known during planning.

use super::util::{quote, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::Value;

/// An instant with the UTC offset it was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timestamp {
    /// Seconds since the Unix epoch, UTC.
    secs: i64,
    nanos: u32,
    /// Offset from UTC in seconds (east positive).
    offset: i32,
    /// Written as `Z` (shown as "UTC" by the `ZZZ` verb).
    zulu: bool,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (see [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses an RFC 3339 timestamp; the message names what is wrong.
fn parse(s: &str) -> Result<Timestamp, String> {
    let bad = |what: &str| format!("not a valid RFC3339 timestamp: {what}");
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = b.get(from..from + n)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(part).ok()?.parse().ok())?
    };
    let expect = |at: usize, c: u8| b.get(at) == Some(&c);
    let year = digits(0, 4).ok_or_else(|| bad("missing year"))?;
    if !expect(4, b'-') {
        return Err(bad("missing '-' after year"));
    }
    let month = digits(5, 2).ok_or_else(|| bad("missing month"))?;
    if !expect(7, b'-') {
        return Err(bad("missing '-' after month"));
    }
    let day = digits(8, 2).ok_or_else(|| bad("missing day"))?;
    if !matches!(b.get(10), Some(b'T' | b't')) {
        return Err(bad("missing required time introducer 'T'"));
    }
    let hour = digits(11, 2).ok_or_else(|| bad("missing hour"))?;
    if !expect(13, b':') {
        return Err(bad("missing ':' after hour"));
    }
    let minute = digits(14, 2).ok_or_else(|| bad("missing minute"))?;
    if !expect(16, b':') {
        return Err(bad("missing ':' after minute"));
    }
    let second = digits(17, 2).ok_or_else(|| bad("missing second"))?;
    let mut i = 19;
    let mut nanos = 0u32;
    if expect(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(bad("missing fractional seconds"));
        }
        let frac = &s[start..i.min(start + 9)];
        nanos = format!("{frac:0<9}").parse().unwrap_or(0);
    }
    let (offset, zulu) = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            (0, true)
        }
        Some(sign @ (b'+' | b'-')) => {
            let oh = digits(i + 1, 2).ok_or_else(|| bad("invalid UTC offset"))?;
            if !expect(i + 3, b':') {
                return Err(bad("invalid UTC offset"));
            }
            let om = digits(i + 4, 2).ok_or_else(|| bad("invalid UTC offset"))?;
            if oh > 23 || om > 59 {
                return Err(bad("UTC offset out of range"));
            }
            let total = (oh * 3600 + om * 60) as i32;
            i += 6;
            (if *sign == b'-' { -total } else { total }, false)
        }
        _ => return Err(bad("missing UTC offset (for example \"Z\" or \"+00:00\")")),
    };
    if i != b.len() {
        return Err(bad(&format!("extra text {}", quote(&s[i..]))));
    }
    if !(1..=12).contains(&month) {
        return Err(bad("month out of range"));
    }
    if day == 0 || day > days_in_month(year as i64, month) {
        return Err(bad("day out of range"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad("time out of range"));
    }
    let local = days_from_civil(year as i64, month, day) * 86_400
        + (hour * 3600 + minute * 60 + second) as i64;
    Ok(Timestamp {
        secs: local - offset as i64,
        nanos,
        offset,
        zulu,
    })
}

fn timestamp_arg(args: &[Value], i: usize) -> Result<Timestamp, FnError> {
    parse(&string_arg(args, i)?).map_err(|m| FnError::arg(i, m))
}

/// The local date and time fields of `t`: (year, month, day, hour, minute, second, weekday
/// with 0 = Sunday).
fn fields(t: &Timestamp) -> (i64, u32, u32, u32, u32, u32, u32) {
    let local = t.secs + t.offset as i64;
    let days = local.div_euclid(86_400);
    let rem = local.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    let weekday = (days + 4).rem_euclid(7) as u32;
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, weekday)
}

fn offset_text(offset: i32, colon: bool) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.unsigned_abs();
    if colon {
        format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, a % 3600 / 60)
    }
}

/// RFC 3339 with whole seconds, as Go's `time.RFC3339` layout writes it.
fn rfc3339(t: &Timestamp) -> String {
    let (y, mo, d, h, mi, s, _) = fields(t);
    let zone = if t.offset == 0 {
        "Z".to_string()
    } else {
        offset_text(t.offset, true)
    };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{zone}")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Splits a `formatdate` spec into tokens: a quoted literal (`'...'`, with `''` for a quote),
/// a run of one repeated letter (a verb), or a run of other characters (literal).
fn tokens(spec: &str) -> Result<Vec<String>, FnError> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c == '\'' {
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(FnError::arg(0, "unterminated literal '"));
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
        } else if c.is_ascii_alphabetic() {
            while chars.get(i) == Some(&c) {
                i += 1;
            }
        } else {
            while chars
                .get(i)
                .is_some_and(|x| !x.is_ascii_alphabetic() && *x != '\'')
            {
                i += 1;
            }
        }
        out.push(chars[start..i].iter().collect());
    }
    Ok(out)
}

/// `formatdate(spec, timestamp)`.
pub(super) fn formatdate(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let spec = string_arg(args, 0)?;
    let t = timestamp_arg(args, 1)?;
    let (y, mo, d, h, mi, s, wd) = fields(&t);
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let mut out = String::new();
    for tok in tokens(&spec)? {
        if let Some(quoted) = tok.strip_prefix('\'') {
            let inner = quoted.strip_suffix('\'').unwrap_or(quoted);
            if inner.is_empty() {
                out.push('\'');
            } else {
                out.push_str(&inner.replace("''", "'"));
            }
            continue;
        }
        if !tok.starts_with(|c: char| c.is_ascii_alphabetic()) {
            out.push_str(&tok);
            continue;
        }
        let piece = match tok.as_str() {
            "YYYY" => format!("{y:04}"),
            "YY" => format!("{:02}", y.rem_euclid(100)),
            "MMMM" => MONTHS[mo as usize - 1].to_string(),
            "MMM" => MONTHS[mo as usize - 1][..3].to_string(),
            "MM" => format!("{mo:02}"),
            "M" => mo.to_string(),
            "DD" => format!("{d:02}"),
            "D" => d.to_string(),
            "EEEE" => WEEKDAYS[wd as usize].to_string(),
            "EEE" => WEEKDAYS[wd as usize][..3].to_string(),
            "hh" => format!("{h:02}"),
            "h" => h.to_string(),
            "HH" => format!("{h12:02}"),
            "H" => h12.to_string(),
            "AA" => (if h < 12 { "AM" } else { "PM" }).to_string(),
            "aa" => (if h < 12 { "am" } else { "pm" }).to_string(),
            "mm" => format!("{mi:02}"),
            "m" => mi.to_string(),
            "ss" => format!("{s:02}"),
            "s" => s.to_string(),
            "ZZZZZ" => offset_text(t.offset, true),
            "ZZZZ" => offset_text(t.offset, false),
            "ZZZ" if t.zulu => "UTC".to_string(),
            "ZZZ" => offset_text(t.offset, false),
            "Z" if t.offset == 0 => "Z".to_string(),
            "Z" => offset_text(t.offset, true),
            other => {
                return Err(FnError::arg(
                    0,
                    format!("invalid date format verb {}", quote(other)),
                ))
            }
        };
        out.push_str(&piece);
    }
    Ok(Value::String(out))
}

/// Parses a Go duration (`1h30m`, `-10m`, `1.5h`, `300ms`) into nanoseconds.
fn parse_duration(s: &str) -> Result<i128, String> {
    let bad = || format!("time: invalid duration {}", quote(s));
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(bad());
        }
        let n: f64 = num.parse().map_err(|_| bad())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {}", quote(s))),
            u => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(u),
                    quote(s)
                ))
            }
        };
        total += n * scale;
        rest = &rest[unit_len..];
    }
    let ns = total.round() as i128;
    Ok(if neg { -ns } else { ns })
}

/// `timeadd(timestamp, duration)`: the timestamp moved by a Go duration, in its own offset.
pub(super) fn timeadd(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let t = timestamp_arg(args, 0)?;
    let d = parse_duration(&string_arg(args, 1)?).map_err(|m| FnError::arg(1, m))?;
    let total = t.secs as i128 * 1_000_000_000 + t.nanos as i128 + d;
    let moved = Timestamp {
        secs: total.div_euclid(1_000_000_000) as i64,
        nanos: total.rem_euclid(1_000_000_000) as u32,
        ..t
    };
    Ok(Value::String(rfc3339(&moved)))
}

/// `timecmp(a, b)`: -1, 0 or 1 as instant `a` is before, equal to or after `b`.
pub(super) fn timecmp(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let a = timestamp_arg(args, 0)?;
    let b = timestamp_arg(args, 1)?;
    let ord = (a.secs, a.nanos).cmp(&(b.secs, b.nanos));
    Ok(Value::Number(ord as i8 as f64))
}

/// `timestamp()`: unknown until apply, as in Terraform's plan.
pub(super) fn timestamp(_: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Unknown)
}

/// `plantimestamp()`: the current time, UTC, whole seconds.
pub(super) fn plantimestamp(_: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Ok(Value::String(rfc3339(&Timestamp {
        secs,
        nanos: 0,
        offset: 0,
        zulu: true,
    })))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn formatdate_verbs() {
        let t = s("2018-01-02T23:12:01Z");
        assert_eq!(
            ok("formatdate", vec![s("DD MMM YYYY hh:mm ZZZ"), t.clone()]),
            s("02 Jan 2018 23:12 UTC")
        );
        assert_eq!(
            ok(
                "formatdate",
                vec![s("EEEE, DD-MMM-YY hh:mm:ss ZZZ"), t.clone()]
            ),
            s("Tuesday, 02-Jan-18 23:12:01 UTC")
        );
        assert_eq!(
            ok(
                "formatdate",
                vec![
                    s("EEE, DD MMM YYYY hh:mm:ss ZZZ"),
                    s("2018-01-02T23:12:01-08:00")
                ]
            ),
            s("Tue, 02 Jan 2018 23:12:01 -0800")
        );
        assert_eq!(
            ok("formatdate", vec![s("MMM DD, YYYY"), t.clone()]),
            s("Jan 02, 2018")
        );
        assert_eq!(
            ok("formatdate", vec![s("HH:mmaa"), t.clone()]),
            s("11:12pm")
        );
        assert_eq!(
            ok("formatdate", vec![s("YYYYMMDDhhmmss"), t.clone()]),
            s("20180102231201")
        );
        assert_eq!(
            ok(
                "formatdate",
                vec![
                    s("h 'o''clock' D/M ZZZZZ Z"),
                    s("2024-03-04T05:06:07.5+05:30")
                ]
            ),
            s("5 o'clock 4/3 +05:30 +05:30")
        );
        assert_eq!(ok("formatdate", vec![s("''"), t.clone()]), s("'"));
        assert!(
            err("formatdate", vec![s("YYYY-QQ"), t.clone()]).contains("invalid date format verb")
        );
        assert!(err("formatdate", vec![s("YYYY"), s("2018-01-02")])
            .contains("not a valid RFC3339 timestamp"));
        assert!(
            err("formatdate", vec![s("YYYY"), s("2018-02-30T00:00:00Z")])
                .contains("day out of range")
        );
    }

    #[test]
    fn timeadd_and_timecmp() {
        assert_eq!(
            ok("timeadd", vec![s("2017-11-22T00:00:00Z"), s("10m")]),
            s("2017-11-22T00:10:00Z")
        );
        assert_eq!(
            ok("timeadd", vec![s("2017-11-22T00:00:00Z"), s("-1h30m")]),
            s("2017-11-21T22:30:00Z")
        );
        assert_eq!(
            ok("timeadd", vec![s("2024-02-28T23:00:00+02:00"), s("24h")]),
            s("2024-02-29T23:00:00+02:00")
        );
        assert_eq!(
            ok("timeadd", vec![s("2017-11-22T00:00:00+00:00"), s("1.5h")]),
            s("2017-11-22T01:30:00Z")
        );
        assert!(err("timeadd", vec![s("2017-11-22T00:00:00Z"), s("10")]).contains("missing unit"));
        assert!(err("timeadd", vec![s("2017-11-22T00:00:00Z"), s("10y")]).contains("unknown unit"));
        assert_eq!(
            ok(
                "timecmp",
                vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T00:00:00Z")]
            ),
            n(0.0)
        );
        assert_eq!(
            ok(
                "timecmp",
                vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T01:00:00Z")]
            ),
            n(-1.0)
        );
        assert_eq!(
            ok(
                "timecmp",
                vec![s("2017-11-22T01:00:00+01:00"), s("2017-11-22T00:00:00Z")]
            ),
            n(0.0)
        );
        assert_eq!(
            ok(
                "timecmp",
                vec![s("2017-11-22T00:00:00.5Z"), s("2017-11-22T00:00:00Z")]
            ),
            n(1.0)
        );
    }

    #[test]
    fn timestamp_is_unknown_and_plantimestamp_is_rfc3339() {
        assert_eq!(ok("timestamp", vec![]), Value::Unknown);
        let p = ok("plantimestamp", vec![]);
        let text = p.as_str().unwrap().to_string();
        assert!(parse(&text).is_ok(), "{text}");
        assert!(text.ends_with('Z'));
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000i64, -1, 0, 59, 60, 365, 11_016, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
