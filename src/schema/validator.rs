//! Value validators attached to attributes.
//!
//! [`Validator::check`] works on a known value of the attribute's type:
//! - unknown and null values pass (also as elements of a collection);
//! - a list or set is checked element by element (except by [`Validator::Custom`], which sees
//!   the whole value), and the message names the failing element;
//! - a sensitive value is checked under its mark, but the message never contains it.

use crate::eval::{format_number, Value};
use base64::Engine as _;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A check on a known attribute value. Unknown and null values always pass.
#[derive(Debug, Clone)]
pub enum Validator {
    /// An IPv4 network in CIDR notation whose address is the network address (`10.0.0.0/16`).
    CidrV4,
    /// An IPv6 network in CIDR notation.
    CidrV6,
    /// Any of IPv4 or IPv6 CIDR.
    Cidr,
    /// One of the listed strings.
    OneOf(&'static [&'static str]),
    /// An integer in the inclusive range.
    IntRange(i64, i64),
    /// A string whose length (in characters) is in the inclusive range.
    StringLen(usize, usize),
    /// Any other rule; returns a sentence describing the problem.
    Custom(fn(&Value) -> Result<(), String>),
}

/// Stands in for a sensitive value in messages.
const SENSITIVE: &str = "(sensitive value)";

impl Validator {
    /// Checks `v`; `Err` holds a sentence for the diagnostic detail.
    pub fn check(&self, v: &Value) -> Result<(), String> {
        self.check_at(v, false)
    }

    fn check_at(&self, v: &Value, outer_sensitive: bool) -> Result<(), String> {
        let (v, sensitive) = match v {
            Value::Sensitive(inner) => (&**inner, true),
            v => (v, outer_sensitive),
        };
        if matches!(v, Value::Null | Value::Unknown) {
            return Ok(());
        }
        match self {
            Validator::Custom(f) => f(v).map_err(|msg| redact(msg, v, sensitive)),
            _ => match v {
                Value::List(items) | Value::Set(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check_at(item, sensitive)
                            .map_err(|msg| format!("element {i}: {msg}"))?;
                    }
                    Ok(())
                }
                _ => self.check_scalar(v, sensitive),
            },
        }
    }

    fn check_scalar(&self, v: &Value, sensitive: bool) -> Result<(), String> {
        match self {
            Validator::CidrV4 => check_cidr(&text(v)?, Family::V4, sensitive),
            Validator::CidrV6 => check_cidr(&text(v)?, Family::V6, sensitive),
            Validator::Cidr => check_cidr(&text(v)?, Family::Any, sensitive),
            Validator::OneOf(allowed) => {
                let s = text(v)?;
                if allowed.contains(&s.as_str()) {
                    return Ok(());
                }
                let list = quoted_list(allowed);
                if sensitive {
                    Err(format!("expected one of {list}; got {SENSITIVE}"))
                } else {
                    Err(format!("expected one of {list}; got {s:?}"))
                }
            }
            Validator::IntRange(min, max) => {
                let expected = format!("expected an integer from {min} to {max}");
                let got = || -> String {
                    if sensitive {
                        SENSITIVE.to_string()
                    } else {
                        match v {
                            Value::String(s) => format!("{s:?}"),
                            v => v.to_string(),
                        }
                    }
                };
                let n = match v {
                    Value::Number(n) => *n,
                    Value::String(s) => match s.trim().parse::<f64>() {
                        Ok(n) => n,
                        Err(_) => return Err(format!("{expected}; got {}", got())),
                    },
                    other => {
                        return Err(format!("{expected}; got {}", other.type_name()));
                    }
                };
                if n.fract() != 0.0 || !n.is_finite() || n < *min as f64 || n > *max as f64 {
                    return Err(format!("{expected}; got {}", got()));
                }
                Ok(())
            }
            Validator::StringLen(min, max) => {
                let s = text(v)?;
                let len = s.chars().count();
                if len >= *min && len <= *max {
                    return Ok(());
                }
                let expected = match (*min, *max) {
                    (0, max) => format!("expected at most {max} characters"),
                    (min, usize::MAX) => format!("expected at least {min} characters"),
                    (min, max) => format!("expected {min} to {max} characters"),
                };
                if sensitive {
                    Err(format!(
                        "{expected}; the {SENSITIVE} has a different length"
                    ))
                } else {
                    Err(format!("{expected}; got {len}"))
                }
            }
            Validator::Custom(_) => unreachable!("handled by check_at"),
        }
    }
}

/// A primitive value as text (numbers and bools converted the way Terraform converts them).
fn text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(format_number(*n)),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected a string; got {}", other.type_name())),
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keeps a custom validator's message from revealing a sensitive value.
fn redact(msg: String, v: &Value, sensitive: bool) -> String {
    if !sensitive && !v.contains_sensitive() {
        return msg;
    }
    let mut leaked = false;
    visit_scalars(v, &mut |s| {
        if !s.is_empty() && msg.contains(s) {
            leaked = true;
        }
    });
    if leaked {
        format!("the {SENSITIVE} is not valid (details are hidden because it is sensitive)")
    } else {
        msg
    }
}

fn visit_scalars(v: &Value, f: &mut impl FnMut(&str)) {
    match v.peel() {
        Value::String(s) => f(s),
        Value::Number(n) => f(&format_number(*n)),
        Value::List(items) | Value::Set(items) => items.iter().for_each(|i| visit_scalars(i, f)),
        Value::Map(m) => m.values().for_each(|i| visit_scalars(i, f)),
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
    Any,
}

/// Parses `address/prefix` strictly: four dotted decimal octets (or an IPv6 address) and a
/// decimal prefix length that fits the address family.
fn parse_cidr(s: &str) -> Result<IpNet, &'static str> {
    let Some((addr, prefix)) = s.split_once('/') else {
        return Err("the prefix length is missing (like /16)");
    };
    if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the prefix length is not a number");
    }
    let prefix: u8 = prefix
        .parse()
        .map_err(|_| "the prefix length is too large")?;
    if let Ok(a) = addr.parse::<Ipv4Addr>() {
        Ipv4Net::new(a, prefix)
            .map(IpNet::V4)
            .map_err(|_| "the prefix length of an IPv4 network must be at most 32")
    } else if let Ok(a) = addr.parse::<Ipv6Addr>() {
        Ipv6Net::new(a, prefix)
            .map(IpNet::V6)
            .map_err(|_| "the prefix length of an IPv6 network must be at most 128")
    } else {
        Err("the address is not a valid IP address")
    }
}

fn check_cidr(s: &str, family: Family, sensitive: bool) -> Result<(), String> {
    let shown = if sensitive { SENSITIVE } else { s };
    let fail = |reason: &str| format!("{shown} is not a valid CIDR block: {reason}");
    let net = parse_cidr(s).map_err(fail)?;
    match (family, &net) {
        (Family::V4, IpNet::V6(_)) => return Err(fail("expected an IPv4 network, not IPv6")),
        (Family::V6, IpNet::V4(_)) => return Err(fail("expected an IPv6 network, not IPv4")),
        _ => {}
    }
    if net.addr() != net.network() {
        return Err(if sensitive {
            fail("the address is not the network address")
        } else {
            fail(&format!(
                "the address is not the network address (did you mean {}?)",
                net.trunc()
            ))
        });
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// Reusable rules for `Validator::Custom`.

/// The prefix length of an IPv4 CIDR block, when it parses.
pub(super) fn ipv4_prefix_len(v: &Value) -> Option<u8> {
    match parse_cidr(v.as_str()?) {
        Ok(IpNet::V4(n)) => Some(n.prefix_len()),
        _ => None,
    }
}

/// The prefix length of an IPv6 CIDR block, when it parses.
pub(super) fn ipv6_prefix_len(v: &Value) -> Option<u8> {
    match parse_cidr(v.as_str()?) {
        Ok(IpNet::V6(n)) => Some(n.prefix_len()),
        _ => None,
    }
}

fn string_arg(v: &Value) -> Result<&str, String> {
    v.as_str()
        .ok_or_else(|| format!("expected a string; got {}", v.type_name()))
}

/// An IPv4 address like `10.0.0.12`.
pub(super) fn ipv4_address(v: &Value) -> Result<(), String> {
    let s = string_arg(v)?;
    match s.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => Ok(()),
        _ => Err(format!("{s:?} is not a valid IPv4 address")),
    }
}

/// Each element of a list is an IPv6 address.
pub(super) fn ipv6_addresses(v: &Value) -> Result<(), String> {
    for (i, item) in v.as_list().unwrap_or_default().iter().enumerate() {
        if !item.is_known() || item.is_null() {
            continue;
        }
        let s = string_arg(item)?;
        if !matches!(s.parse::<IpAddr>(), Ok(IpAddr::V6(_))) {
            return Err(format!("element {i}: {s:?} is not a valid IPv6 address"));
        }
    }
    Ok(())
}

/// A non-empty string (ignoring surrounding whitespace).
pub(super) fn not_blank(v: &Value) -> Result<(), String> {
    if string_arg(v)?.trim().is_empty() {
        return Err("must not be empty".to_string());
    }
    Ok(())
}

/// A base64-encoded string.
pub(super) fn base64_encoded(v: &Value) -> Result<(), String> {
    let s = string_arg(v)?;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map(|_| ())
        .map_err(|_| "must be base64-encoded".to_string())
}

/// A non-empty collection of non-empty strings (the provider's `MinItems: 1` +
/// `NoZeroValues`).
pub(super) fn non_empty_strings(v: &Value) -> Result<(), String> {
    let items = v.as_list().unwrap_or_default();
    if items.is_empty() {
        return Err("must contain at least one element".to_string());
    }
    for (i, item) in items.iter().enumerate() {
        if item.as_str() == Some("") {
            return Err(format!("element {i}: must not be empty"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn cidr_v4_good_and_bad() {
        let v = Validator::CidrV4;
        for good in [
            "10.0.0.0/16",
            "0.0.0.0/0",
            "192.168.1.128/25",
            "10.1.2.3/32",
        ] {
            assert_eq!(v.check(&s(good)), Ok(()), "{good}");
        }
        assert_eq!(
            v.check(&s("10.0.0.1/16")).unwrap_err(),
            "10.0.0.1/16 is not a valid CIDR block: the address is not the network address \
             (did you mean 10.0.0.0/16?)"
        );
        assert_eq!(
            v.check(&s("10.0.0/16")).unwrap_err(),
            "10.0.0/16 is not a valid CIDR block: the address is not a valid IP address"
        );
        assert_eq!(
            v.check(&s("10.0.0.0")).unwrap_err(),
            "10.0.0.0 is not a valid CIDR block: the prefix length is missing (like /16)"
        );
        assert_eq!(
            v.check(&s("10.0.0.0/33")).unwrap_err(),
            "10.0.0.0/33 is not a valid CIDR block: the prefix length of an IPv4 network must \
             be at most 32"
        );
        assert_eq!(
            v.check(&s("10.0.0.0/x")).unwrap_err(),
            "10.0.0.0/x is not a valid CIDR block: the prefix length is not a number"
        );
        assert_eq!(
            v.check(&s("::/0")).unwrap_err(),
            "::/0 is not a valid CIDR block: expected an IPv4 network, not IPv6"
        );
        assert!(v.check(&s("256.0.0.0/8")).is_err());
        assert!(v.check(&s("010.0.0.0/8")).is_err());
        assert!(v.check(&s(" 10.0.0.0/8")).is_err());
        assert_eq!(
            v.check(&Value::map([("a", s("b"))])).unwrap_err(),
            "expected a string; got object"
        );
    }

    #[test]
    fn cidr_v6_and_any() {
        assert_eq!(Validator::CidrV6.check(&s("2001:db8::/32")), Ok(()));
        assert_eq!(Validator::CidrV6.check(&s("::/0")), Ok(()));
        assert_eq!(
            Validator::CidrV6.check(&s("2001:db8::1/32")).unwrap_err(),
            "2001:db8::1/32 is not a valid CIDR block: the address is not the network address \
             (did you mean 2001:db8::/32?)"
        );
        assert_eq!(
            Validator::CidrV6.check(&s("10.0.0.0/8")).unwrap_err(),
            "10.0.0.0/8 is not a valid CIDR block: expected an IPv6 network, not IPv4"
        );
        assert_eq!(Validator::Cidr.check(&s("10.0.0.0/8")), Ok(()));
        assert_eq!(Validator::Cidr.check(&s("fd00::/8")), Ok(()));
        assert!(Validator::Cidr.check(&s("fd00::1/8")).is_err());
    }

    #[test]
    fn lists_are_checked_per_element() {
        let v = Validator::CidrV4;
        let good = Value::List(vec![s("10.0.0.0/8"), Value::Unknown, Value::Null]);
        assert_eq!(v.check(&good), Ok(()));
        let bad = Value::List(vec![s("10.0.0.0/8"), s("10.0.0.1/8")]);
        assert_eq!(
            v.check(&bad).unwrap_err(),
            "element 1: 10.0.0.1/8 is not a valid CIDR block: the address is not the network \
             address (did you mean 10.0.0.0/8?)"
        );
        let set = Value::set(vec![Value::from(70000_i64)]);
        assert_eq!(
            Validator::IntRange(0, 65535).check(&set).unwrap_err(),
            "element 0: expected an integer from 0 to 65535; got 70000"
        );
    }

    #[test]
    fn unknown_and_null_pass() {
        for v in [
            Validator::CidrV4,
            Validator::CidrV6,
            Validator::Cidr,
            Validator::OneOf(&["a"]),
            Validator::IntRange(0, 1),
            Validator::StringLen(1, 2),
            Validator::Custom(|_| Err("always".into())),
        ] {
            assert_eq!(v.check(&Value::Unknown), Ok(()));
            assert_eq!(v.check(&Value::Null), Ok(()));
            assert_eq!(v.check(&Value::Unknown.sensitive()), Ok(()));
        }
    }

    #[test]
    fn sensitive_values_are_checked_but_not_shown() {
        let e = Validator::CidrV4
            .check(&s("10.0.0.1/16").sensitive())
            .unwrap_err();
        assert!(!e.contains("10.0.0"), "{e}");
        assert_eq!(
            e,
            "(sensitive value) is not a valid CIDR block: the address is not the network address"
        );
        assert_eq!(
            Validator::CidrV4.check(&s("10.0.0.0/16").sensitive()),
            Ok(())
        );

        let e = Validator::OneOf(&["a", "b"])
            .check(&s("secret").sensitive())
            .unwrap_err();
        assert_eq!(e, "expected one of \"a\", \"b\"; got (sensitive value)");

        let e = Validator::IntRange(0, 10)
            .check(&Value::Number(12345.0).sensitive())
            .unwrap_err();
        assert!(!e.contains("12345"), "{e}");

        let e = Validator::StringLen(0, 3)
            .check(&s("hunter2").sensitive())
            .unwrap_err();
        assert!(!e.contains("hunter2") && !e.contains('7'), "{e}");

        // An element of a sensitive list is sensitive too.
        let list = Value::List(vec![s("10.0.0.1/16")]).sensitive();
        assert!(!Validator::CidrV4.check(&list).unwrap_err().contains("10.0"));

        // Custom messages that would reveal the value are replaced.
        let custom = Validator::Custom(|v| Err(format!("{:?} is wrong", v.as_str().unwrap())));
        let e = custom.check(&s("hunter2").sensitive()).unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let plain = Validator::Custom(|_| Err("too short".into()));
        assert_eq!(
            plain.check(&s("hunter2").sensitive()).unwrap_err(),
            "too short"
        );
    }

    #[test]
    fn one_of() {
        let v = Validator::OneOf(&["default", "dedicated"]);
        assert_eq!(v.check(&s("default")), Ok(()));
        assert_eq!(
            v.check(&s("host")).unwrap_err(),
            "expected one of \"default\", \"dedicated\"; got \"host\""
        );
        assert!(v.check(&s("Default")).is_err());
    }

    #[test]
    fn int_range() {
        let ports = Validator::IntRange(-1, 65535);
        for good in [-1.0, 0.0, 22.0, 65535.0] {
            assert_eq!(ports.check(&Value::Number(good)), Ok(()));
        }
        assert_eq!(ports.check(&s("443")), Ok(()));
        assert_eq!(
            ports.check(&Value::Number(65536.0)).unwrap_err(),
            "expected an integer from -1 to 65535; got 65536"
        );
        assert_eq!(
            ports.check(&Value::Number(-2.0)).unwrap_err(),
            "expected an integer from -1 to 65535; got -2"
        );
        assert_eq!(
            ports.check(&Value::Number(1.5)).unwrap_err(),
            "expected an integer from -1 to 65535; got 1.5"
        );
        assert_eq!(
            ports.check(&s("http")).unwrap_err(),
            "expected an integer from -1 to 65535; got \"http\""
        );
        assert_eq!(
            ports.check(&Value::Bool(true)).unwrap_err(),
            "expected an integer from -1 to 65535; got bool"
        );
    }

    #[test]
    fn string_len() {
        let v = Validator::StringLen(1, 3);
        assert_eq!(v.check(&s("abc")), Ok(()));
        assert_eq!(v.check(&s("äöü")), Ok(()));
        assert_eq!(
            v.check(&s("")).unwrap_err(),
            "expected 1 to 3 characters; got 0"
        );
        assert_eq!(
            Validator::StringLen(0, 2).check(&s("abc")).unwrap_err(),
            "expected at most 2 characters; got 3"
        );
        assert_eq!(
            Validator::StringLen(2, usize::MAX)
                .check(&s("a"))
                .unwrap_err(),
            "expected at least 2 characters; got 1"
        );
    }

    #[test]
    fn custom_helpers() {
        assert_eq!(ipv4_address(&s("10.0.0.12")), Ok(()));
        assert_eq!(
            ipv4_address(&s("10.0.0.256")).unwrap_err(),
            "\"10.0.0.256\" is not a valid IPv4 address"
        );
        assert!(ipv4_address(&s("::1")).is_err());
        assert_eq!(ipv6_addresses(&Value::List(vec![s("2001:db8::1")])), Ok(()));
        assert!(ipv6_addresses(&Value::List(vec![s("10.0.0.1")])).is_err());
        assert_eq!(not_blank(&s("ssh-rsa AAAA")), Ok(()));
        assert_eq!(not_blank(&s("  ")).unwrap_err(), "must not be empty");
        assert_eq!(base64_encoded(&s("aGVsbG8=")), Ok(()));
        assert_eq!(
            base64_encoded(&s("hello!")).unwrap_err(),
            "must be base64-encoded"
        );
        assert_eq!(non_empty_strings(&Value::List(vec![s("self")])), Ok(()));
        assert!(non_empty_strings(&Value::List(vec![])).is_err());
        assert!(non_empty_strings(&Value::List(vec![s("")])).is_err());
        assert_eq!(ipv4_prefix_len(&s("10.0.0.0/16")), Some(16));
        assert_eq!(ipv6_prefix_len(&s("2001:db8::/56")), Some(56));
        assert_eq!(ipv4_prefix_len(&s("bogus")), None);
    }
}
