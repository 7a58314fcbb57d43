//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`.
//!
//! Addresses are handled as `u128` values of 32 (IPv4) or 128 (IPv6) significant bits.
//! Like Terraform, IPv4 octets with leading zeros are accepted and read as decimal.

use super::util::{int_arg, number_arg, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::{format_number, Value};
use std::net::{Ipv4Addr, Ipv6Addr};

/// A network prefix: the address with host bits cleared, the prefix length and the address
/// width in bits.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Net {
    addr: u128,
    len: u32,
    width: u32,
}

fn all_ones(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

/// The network mask of a `len`-bit prefix in a `width`-bit address.
fn mask(len: u32, width: u32) -> u128 {
    let all = all_ones(width);
    all ^ all.checked_shr(len).unwrap_or(0)
}

fn host_mask(len: u32, width: u32) -> u128 {
    all_ones(width) & !mask(len, width)
}

fn parse_ipv4(s: &str) -> Option<u128> {
    let mut out: u128 = 0;
    let mut parts = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v as u128;
        parts += 1;
    }
    (parts == 4).then_some(out)
}

fn parse_cidr(s: &str) -> Result<Net, String> {
    let bad = || format!("invalid CIDR address: {s}");
    let (ip, len) = s.split_once('/').ok_or_else(bad)?;
    if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let len: u32 = len.parse().map_err(|_| bad())?;
    let (addr, width) = if let Some(v4) = parse_ipv4(ip) {
        (v4, 32)
    } else if ip.contains(':') {
        (u128::from(ip.parse::<Ipv6Addr>().map_err(|_| bad())?), 128)
    } else {
        return Err(bad());
    };
    if len > width {
        return Err(bad());
    }
    Ok(Net {
        addr: addr & mask(len, width),
        len,
        width,
    })
}

fn prefix_arg(args: &[Value], i: usize) -> Result<Net, FnError> {
    let s = string_arg(args, i)?;
    parse_cidr(&s).map_err(|e| FnError::arg(i, format!("invalid CIDR expression: {e}")))
}

fn fmt_addr(addr: u128, width: u32) -> String {
    if width == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

fn fmt_net(n: Net) -> String {
    format!("{}/{}", fmt_addr(n.addr, n.width), n.len)
}

/// A whole-number argument as a sign and magnitude (magnitudes beyond `u128` saturate).
fn whole_arg(args: &[Value], i: usize) -> Result<(bool, u128, f64), FnError> {
    let n = number_arg(args, i)?;
    if !n.is_finite() || n.fract() != 0.0 {
        return Err(FnError::arg(i, "value must be a whole number"));
    }
    // `as` saturates for magnitudes that do not fit.
    Ok((n < 0.0, n.abs() as u128, n))
}

/// `cidrhost(prefix, hostnum)`: a negative host number counts back from the last address.
pub(super) fn cidrhost(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let (neg, mag, raw) = whole_arg(args, 1)?;
    let net = prefix_arg(args, 0)?;
    let max = host_mask(net.len, net.width);
    let too_big = || {
        FnError::arg(
            1,
            format!(
                "prefix of {} does not accommodate a host numbered {}",
                net.len,
                format_number(raw)
            ),
        )
    };
    if raw.abs() >= 2f64.powi(128) {
        return Err(too_big());
    }
    let host = if neg {
        // -1 is the last address, -2 the one before it, ...
        let back = mag - 1;
        if back > max {
            return Err(too_big());
        }
        max - back
    } else {
        if mag > max {
            return Err(too_big());
        }
        mag
    };
    Ok(Value::String(fmt_addr(net.addr | host, net.width)))
}

/// `cidrnetmask(prefix)`: the IPv4 netmask in dotted notation.
pub(super) fn cidrnetmask(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let net = prefix_arg(args, 0)?;
    if net.width != 32 {
        let s = string_arg(args, 0)?;
        return Err(FnError::arg(
            0,
            format!("IPv6 addresses cannot have a netmask: {s}"),
        ));
    }
    Ok(Value::String(fmt_addr(mask(net.len, 32), 32)))
}

/// `cidrsubnet(prefix, newbits, netnum)`.
pub(super) fn cidrsubnet(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let newbits = int_arg(args, 1)?;
    let (neg, netnum, raw) = whole_arg(args, 2)?;
    let net = prefix_arg(args, 0)?;
    if newbits < 0 {
        return Err(FnError::arg(1, "newbits must not be negative"));
    }
    let new_len = net.len as i64 + newbits;
    if new_len > net.width as i64 {
        return Err(FnError::arg(
            1,
            format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                net.len
            ),
        ));
    }
    let new_len = new_len as u32;
    let newbits = newbits as u32;
    if neg || netnum > all_ones(newbits) || raw.abs() >= 2f64.powi(128) {
        return Err(FnError::arg(
            2,
            format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {}",
                format_number(raw)
            ),
        ));
    }
    let shift = net.width - new_len;
    let addr = net.addr | netnum.checked_shl(shift).unwrap_or(0);
    Ok(Value::String(fmt_net(Net {
        addr,
        len: new_len,
        width: net.width,
    })))
}

/// The subnet of length `len` that follows `cur`, and whether the address space wrapped.
fn next_subnet(cur: Net, len: u32) -> (Net, bool) {
    let w = cur.width;
    let current_last = cur.addr | host_mask(cur.len, w);
    let last = (current_last & mask(len, w)) | host_mask(len, w);
    let last = last.wrapping_add(1) & all_ones(w);
    (
        Net {
            addr: last & mask(len, w),
            len,
            width: w,
        },
        last == 0,
    )
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets with the given extensions.
pub(super) fn cidrsubnets(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let net = prefix_arg(args, 0)?;
    if args.len() == 1 {
        return Ok(Value::List(vec![]));
    }
    let w = net.width;
    let first = (int_arg(args, 1)?.clamp(0, w as i64) as u32 + net.len).min(w);
    // Start from the subnet just before the base address.
    let before = net.addr.wrapping_sub(1) & all_ones(w);
    let mut current = Net {
        addr: before & mask(first, w),
        len: first,
        width: w,
    };
    let mut out = Vec::with_capacity(args.len() - 1);
    for i in 1..args.len() {
        let ext = int_arg(args, i)?;
        if ext < 1 {
            return Err(FnError::arg(i, "must extend prefix by at least one bit"));
        }
        if ext > 32 {
            return Err(FnError::arg(
                i,
                "may not extend prefix by more than 32 bits",
            ));
        }
        let len = ext as u32 + net.len;
        if len > w {
            let proto = if w == 32 { "IPv4" } else { "IPv6" };
            return Err(FnError::arg(
                i,
                format!(
                    "would extend prefix to {len} bits, which is too long for an {proto} address"
                ),
            ));
        }
        let (next, rollover) = next_subnet(current, len);
        // The first step starts from the (virtual) subnet before the base address, which
        // wraps around when the base address is all zeros; that is not running out of
        // space. (Terraform reports an error there: hashicorp/terraform#35486.)
        if (rollover && i > 1) || next.addr & mask(net.len, w) != net.addr {
            return Err(FnError::arg(
                i,
                format!(
                    "not enough remaining address space for a subnet with a prefix of {len} bits after {}",
                    fmt_net(current)
                ),
            ));
        }
        current = next;
        out.push(Value::String(fmt_net(current)));
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn parsing() {
        assert_eq!(
            parse_cidr("10.0.0.0/8").map(fmt_net),
            Ok("10.0.0.0/8".to_string())
        );
        assert_eq!(
            parse_cidr("10.1.2.3/8").map(fmt_net),
            Ok("10.0.0.0/8".to_string())
        );
        assert_eq!(
            parse_cidr("010.001.0.0/16").map(fmt_net),
            Ok("10.1.0.0/16".to_string())
        );
        assert_eq!(
            parse_cidr("0.0.0.0/0").map(fmt_net),
            Ok("0.0.0.0/0".to_string())
        );
        assert_eq!(parse_cidr("::/0").map(fmt_net), Ok("::/0".to_string()));
        assert_eq!(
            parse_cidr("fd00::1/128").map(fmt_net),
            Ok("fd00::1/128".to_string())
        );
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/8",
            "256.0.0.0/8",
            "x/8",
            "10.0.0.0/-1",
            "10.0.0.0/",
            "::/129",
            "1.2.3.4/0008",
        ] {
            assert_eq!(
                parse_cidr(bad),
                Err(format!("invalid CIDR address: {bad}")),
                "{bad}"
            );
        }
    }

    #[test]
    fn cidrhost_examples() {
        assert_eq!(
            ok("cidrhost", vec![s("10.12.112.0/20"), n(16.0)]),
            s("10.12.112.16")
        );
        assert_eq!(
            ok("cidrhost", vec![s("10.12.112.0/20"), n(268.0)]),
            s("10.12.113.12")
        );
        assert_eq!(
            ok(
                "cidrhost",
                vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)]
            ),
            s("fd00:fd12:3456:7890::22")
        );
        assert_eq!(
            ok("cidrhost", vec![s("10.0.0.0/24"), n(-1.0)]),
            s("10.0.0.255")
        );
        assert_eq!(
            ok("cidrhost", vec![s("10.0.0.0/24"), n(-256.0)]),
            s("10.0.0.0")
        );
        assert_eq!(
            ok("cidrhost", vec![s("10.0.0.0/32"), n(0.0)]),
            s("10.0.0.0")
        );
        assert_eq!(
            ok("cidrhost", vec![s("::/0"), n(-1.0)]),
            s("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        );
        assert_eq!(
            err("cidrhost", vec![s("10.0.0.0/24"), n(256.0)]),
            "prefix of 24 does not accommodate a host numbered 256"
        );
        assert_eq!(
            err("cidrhost", vec![s("10.0.0.0/24"), n(-257.0)]),
            "prefix of 24 does not accommodate a host numbered -257"
        );
        assert!(err("cidrhost", vec![s("10.0.0.0/24"), n(1e300)])
            .starts_with("prefix of 24 does not accommodate a host numbered 1000000"));
        assert_eq!(
            err("cidrhost", vec![s("10.0.0.0/24"), n(1.5)]),
            "value must be a whole number"
        );
        assert_eq!(
            err("cidrhost", vec![s("nope"), n(1.0)]),
            "invalid CIDR expression: invalid CIDR address: nope"
        );
    }

    #[test]
    fn cidrnetmask_examples() {
        assert_eq!(
            ok("cidrnetmask", vec![s("172.16.0.0/12")]),
            s("255.240.0.0")
        );
        assert_eq!(ok("cidrnetmask", vec![s("10.0.0.0/0")]), s("0.0.0.0"));
        assert_eq!(
            ok("cidrnetmask", vec![s("10.0.0.1/32")]),
            s("255.255.255.255")
        );
        assert_eq!(
            err("cidrnetmask", vec![s("fd00::/64")]),
            "IPv6 addresses cannot have a netmask: fd00::/64"
        );
    }

    #[test]
    fn cidrsubnet_examples() {
        assert_eq!(
            ok("cidrsubnet", vec![s("172.16.0.0/12"), n(4.0), n(2.0)]),
            s("172.18.0.0/16")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("10.1.2.0/24"), n(4.0), n(15.0)]),
            s("10.1.2.240/28")
        );
        assert_eq!(
            ok(
                "cidrsubnet",
                vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)]
            ),
            s("fd00:fd12:3456:7800:a200::/72")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("10.0.0.0/8"), n(0.0), n(0.0)]),
            s("10.0.0.0/8")
        );
        assert_eq!(
            ok("cidrsubnet", vec![s("::/0"), n(128.0), n(5.0)]),
            s("::5/128")
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/8"), n(25.0), n(0.0)]),
            "insufficient address space to extend prefix of 8 by 25"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/8"), n(1e15), n(0.0)]),
            "insufficient address space to extend prefix of 8 by 1000000000000000"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/8"), n(4.0), n(16.0)]),
            "prefix extension of 4 does not accommodate a subnet numbered 16"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/8"), n(4.0), n(-1.0)]),
            "prefix extension of 4 does not accommodate a subnet numbered -1"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/8"), n(0.0), n(1.0)]),
            "prefix extension of 0 does not accommodate a subnet numbered 1"
        );
        assert!(
            err("cidrsubnet", vec![s("::/0"), n(128.0), n(1e300)]).contains("does not accommodate")
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/8"), n(-1.0), n(0.0)]),
            "newbits must not be negative"
        );
        assert_eq!(
            err("cidrsubnet", vec![s("10.0.0.0/8"), n(1.5), n(0.0)]),
            "value must be a whole number"
        );
    }

    #[test]
    fn cidrsubnets_examples() {
        assert_eq!(
            ok(
                "cidrsubnets",
                vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)]
            ),
            strs(&[
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ])
        );
        assert_eq!(
            ok(
                "cidrsubnets",
                vec![
                    s("fd00:fd12:3456:7890::/56"),
                    n(16.0),
                    n(16.0),
                    n(16.0),
                    n(32.0)
                ]
            ),
            strs(&[
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88",
            ])
        );
        assert_eq!(
            ok("cidrsubnets", vec![s("0.0.0.0/0"), n(1.0), n(1.0)]),
            strs(&["0.0.0.0/1", "128.0.0.0/1"])
        );
        assert_eq!(
            ok("cidrsubnets", vec![s("0.0.0.0/1"), n(1.0), n(1.0)]),
            strs(&["0.0.0.0/2", "64.0.0.0/2"])
        );
        assert_eq!(ok("cidrsubnets", vec![s("::/0"), n(2.0)]), strs(&["::/2"]));
        assert!(
            err("cidrsubnets", vec![s("0.0.0.0/0"), n(1.0), n(1.0), n(1.0)])
                .starts_with("not enough remaining address space")
        );
        assert_eq!(ok("cidrsubnets", vec![s("10.0.0.0/8")]), list(vec![]));
        assert_eq!(
            err("cidrsubnets", vec![s("10.0.0.0/24"), n(1.0), n(1.0), n(1.0)]),
            "not enough remaining address space for a subnet with a prefix of 25 bits after 10.0.0.128/25"
        );
        assert_eq!(
            err("cidrsubnets", vec![s("255.255.255.0/24"), n(1.0), n(1.0), n(1.0)]),
            "not enough remaining address space for a subnet with a prefix of 25 bits after 255.255.255.128/25"
        );
        assert_eq!(
            err("cidrsubnets", vec![s("10.0.0.0/24"), n(0.0)]),
            "must extend prefix by at least one bit"
        );
        assert_eq!(
            err("cidrsubnets", vec![s("10.0.0.0/8"), n(33.0)]),
            "may not extend prefix by more than 32 bits"
        );
        assert_eq!(
            err("cidrsubnets", vec![s("10.0.0.0/24"), n(9.0)]),
            "would extend prefix to 33 bits, which is too long for an IPv4 address"
        );
        let e = run("cidrsubnets", vec![s("10.0.0.0/24"), n(1.0), n(-4.0)]).unwrap_err();
        assert_eq!(e.arg, Some(2));
    }
}
