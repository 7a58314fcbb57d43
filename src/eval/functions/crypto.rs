//! Hash functions: `md5`, `sha1`, `sha256`, `sha512`, `base64sha256`, `base64sha512`.
//! The digests are computed over the UTF-8 bytes of the string.

use super::util::string_arg;
use super::{FnCtx, FnError};
use crate::eval::value::Value;
use base64::Engine as _;
use sha2::Digest as _;

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn md5_bytes(data: &[u8]) -> Vec<u8> {
    ::md5::Md5::digest(data).to_vec()
}

pub(super) fn sha256_bytes(data: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(data).to_vec()
}

pub(super) fn sha512_bytes(data: &[u8]) -> Vec<u8> {
    sha2::Sha512::digest(data).to_vec()
}

/// SHA-1 (FIPS 180-4), implemented here because no SHA-1 crate is available.
pub(super) fn sha1_bytes(data: &[u8]) -> Vec<u8> {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in chunk.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let temp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = temp;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().flat_map(|x| x.to_be_bytes()).collect()
}

fn hashed(args: &[Value], f: fn(&[u8]) -> Vec<u8>) -> Result<Vec<u8>, FnError> {
    Ok(f(string_arg(args, 0)?.as_bytes()))
}

pub(super) fn md5(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::String(hex(&hashed(args, md5_bytes)?)))
}

pub(super) fn sha1(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::String(hex(&hashed(args, sha1_bytes)?)))
}

pub(super) fn sha256(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::String(hex(&hashed(args, sha256_bytes)?)))
}

pub(super) fn sha512(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::String(hex(&hashed(args, sha512_bytes)?)))
}

pub(super) fn base64sha256(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let d = hashed(args, sha256_bytes)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(d),
    ))
}

pub(super) fn base64sha512(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let d = hashed(args, sha512_bytes)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(d),
    ))
}

/// `uuid()` and `bcrypt(...)` are impure: like Terraform outside apply, their result is
/// unknown (shown as known after apply), so a plan never records a random value.
pub(super) fn impure(_: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    Ok(Value::Unknown)
}

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let dashes_ok = s.len() == 32
        || (s.len() == 36 && [8, 13, 18, 23].iter().all(|&i| s.as_bytes()[i] == b'-'));
    if hex.len() != 32 || !dashes_ok {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// `uuidv5(namespace, name)`: a name-based (SHA-1) UUID; the namespace is `dns`, `url`,
/// `oid`, `x500` or a UUID.
pub(super) fn uuidv5(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let ns = string_arg(args, 0)?;
    let name = string_arg(args, 1)?;
    let ns_uuid = match ns.as_str() {
        "dns" => "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "url" => "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
        "oid" => "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
        "x500" => "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
        other => other,
    };
    let ns_bytes = parse_uuid(ns_uuid).ok_or_else(|| {
        FnError::arg(
            0,
            format!(
                "uuidv5() doesn't support namespace prefix {ns:?}; must be one of \"dns\", \"url\", \"oid\", \"x500\" or a UUID"
            ),
        )
    })?;
    let mut data = ns_bytes.to_vec();
    data.extend_from_slice(name.as_bytes());
    let mut b: Vec<u8> = sha1_bytes(&data)[..16].to_vec();
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    Ok(Value::String(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn digests() {
        assert_eq!(
            ok("md5", vec![s("hello world")]),
            s("5eb63bbbe01eeed093cb22bb8f5acdc3")
        );
        assert_eq!(
            ok("sha1", vec![s("hello world")]),
            s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
        );
        assert_eq!(
            ok("sha1", vec![s("")]),
            s("da39a3ee5e6b4b0d3255bfef95601890afd80709")
        );
        assert_eq!(
            ok("sha256", vec![s("hello world")]),
            s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        );
        assert_eq!(
            ok("sha512", vec![s("hello world")]),
            s("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f")
        );
        assert_eq!(
            ok("base64sha256", vec![s("hello world")]),
            s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
        );
        assert_eq!(
            ok("base64sha512", vec![s("hello world")]),
            s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==")
        );
        assert_eq!(ok("md5", vec![n(1.0)]), ok("md5", vec![s("1")]));
        assert_eq!(
            err("sha256", vec![Value::Null]),
            "argument must not be null"
        );
    }

    #[test]
    fn sha1_multi_block() {
        let long = "a".repeat(1000);
        assert_eq!(
            hex(&sha1_bytes(long.as_bytes())),
            "291e9a6c66994949b57ba5e650361e98fc36b1ba"
        );
        let b56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            hex(&sha1_bytes(b56.as_bytes())),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn uuidv5_and_impure_functions() {
        assert_eq!(
            ok("uuidv5", vec![s("dns"), s("www.terraform.io")]),
            s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")
        );
        assert_eq!(
            ok("uuidv5", vec![s("url"), s("https://www.terraform.io/")]),
            s("9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5")
        );
        assert_eq!(
            ok(
                "uuidv5",
                vec![
                    s("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                    s("www.terraform.io")
                ]
            ),
            s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")
        );
        assert!(run("uuidv5", vec![s("nope"), s("x")]).is_err());
        assert_eq!(ok("uuid", vec![]), Value::Unknown);
        assert_eq!(ok("bcrypt", vec![s("secret")]), Value::Unknown);
    }
}
