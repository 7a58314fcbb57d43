//! Text encodings: `csvdecode`, `textencodebase64`, `textdecodebase64`, `base64gzip`.

use super::util::{quote, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::Value;
use base64::Engine as _;
use std::collections::BTreeMap;

// ----------------------------------------------------------------------------------------------
// csvdecode

/// Splits CSV text into records like Go's `encoding/csv` reader: fields separated by commas,
/// double-quoted fields may hold commas, line breaks and `""` for a quote, `\r\n` ends a
/// record like `\n`, and blank lines are skipped.
fn csv_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start_line = line;
        // Skip blank lines.
        if matches!(chars.peek(), Some('\n')) {
            chars.next();
            line += 1;
            continue;
        }
        if chars.peek() == Some(&'\r') {
            let mut look = chars.clone();
            look.next();
            if look.peek() == Some(&'\n') {
                chars.next();
                chars.next();
                line += 1;
                continue;
            }
        }
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        None => return Err(format!("parse error on line {start_line}: extraneous or missing \" in quoted-field")),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some('\n') => {
                            line += 1;
                            field.push('\n');
                        }
                        Some('\r') if chars.peek() == Some(&'\n') => {}
                        Some(c) => field.push(c),
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(_) => {
                        return Err(format!(
                            "parse error on line {line}: extraneous or missing \" in quoted-field"
                        ))
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' {
                        break;
                    }
                    if c == '\r' {
                        let mut look = chars.clone();
                        look.next();
                        if look.peek() == Some(&'\n') || look.peek().is_none() {
                            break;
                        }
                    }
                    if c == '"' {
                        return Err(format!(
                            "parse error on line {line}: bare \" in non-quoted-field"
                        ));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            fields.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        records.push((start_line, fields));
    }
    Ok(records)
}

/// `csvdecode(text)`: a list of objects, one per data row, keyed by the header row.
pub(super) fn csvdecode(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let text = string_arg(args, 0)?;
    let records = csv_records(&text).map_err(|m| FnError::arg(0, m))?;
    let mut rows = records.into_iter();
    let Some((_, header)) = rows.next() else {
        return Err(FnError::arg(0, "missing header line"));
    };
    let mut out = Vec::new();
    for (line, fields) in rows {
        if fields.len() != header.len() {
            return Err(FnError::arg(
                0,
                format!("record on line {line}: wrong number of fields"),
            ));
        }
        let row: BTreeMap<String, Value> = header
            .iter()
            .cloned()
            .zip(fields.into_iter().map(Value::String))
            .collect();
        out.push(Value::Map(row));
    }
    Ok(Value::List(out))
}

// ----------------------------------------------------------------------------------------------
// textencodebase64 / textdecodebase64

#[derive(Clone, Copy)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
    Ascii,
}

/// The supported IANA character set names (case-insensitive).
fn encoding(name: &str, arg: usize) -> Result<Encoding, FnError> {
    let n = name.to_ascii_uppercase().replace('_', "-");
    Ok(match n.as_str() {
        "UTF-8" | "UTF8" => Encoding::Utf8,
        "UTF-16LE" => Encoding::Utf16Le,
        "UTF-16BE" | "UTF-16" => Encoding::Utf16Be,
        "ISO-8859-1" | "ISO8859-1" | "LATIN1" | "L1" | "IBM819" | "CP819" => Encoding::Latin1,
        "US-ASCII" | "ASCII" | "ANSI-X3.4-1968" => Encoding::Ascii,
        _ => {
            return Err(FnError::arg(
                arg,
                format!(
                    "{} is not a supported IANA encoding name or alias in this Terrace version (supported: UTF-8, UTF-16LE, UTF-16BE, ISO-8859-1, US-ASCII)",
                    quote(name)
                ),
            ))
        }
    })
}

fn encode_text(s: &str, enc: Encoding, name: &str) -> Result<Vec<u8>, FnError> {
    let unrepresentable = || {
        FnError::arg(
            0,
            format!("the given string contains characters that cannot be represented in {name}"),
        )
    };
    Ok(match enc {
        Encoding::Utf8 => s.as_bytes().to_vec(),
        Encoding::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        Encoding::Utf16Be => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        Encoding::Latin1 => s
            .chars()
            .map(|c| u8::try_from(u32::from(c)).map_err(|_| unrepresentable()))
            .collect::<Result<_, _>>()?,
        Encoding::Ascii => s
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    Ok(c as u8)
                } else {
                    Err(unrepresentable())
                }
            })
            .collect::<Result<_, _>>()?,
    })
}

fn decode_text(b: &[u8], enc: Encoding, name: &str) -> Result<String, FnError> {
    let invalid = || {
        FnError::arg(
            0,
            format!("the given value is has an invalid base64 symbol or is not valid {name}"),
        )
    };
    match enc {
        Encoding::Utf8 => String::from_utf8(b.to_vec()).map_err(|_| invalid()),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            if !b.len().is_multiple_of(2) {
                return Err(invalid());
            }
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|p| match enc {
                    Encoding::Utf16Le => u16::from_le_bytes([p[0], p[1]]),
                    _ => u16::from_be_bytes([p[0], p[1]]),
                })
                .collect();
            String::from_utf16(&units).map_err(|_| invalid())
        }
        Encoding::Latin1 => Ok(b.iter().map(|&x| x as char).collect()),
        Encoding::Ascii => {
            if b.is_ascii() {
                Ok(b.iter().map(|&x| x as char).collect())
            } else {
                Err(invalid())
            }
        }
    }
}

/// `textencodebase64(string, encoding)`: the string in the named character encoding, Base64.
pub(super) fn textencodebase64(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    let name = string_arg(args, 1)?;
    let bytes = encode_text(&s, encoding(&name, 1)?, &name)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

/// `textdecodebase64(source, encoding)`: the inverse of `textencodebase64`.
pub(super) fn textdecodebase64(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    let name = string_arg(args, 1)?;
    let enc = encoding(&name, 1)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim().as_bytes())
        .map_err(|_| FnError::arg(0, "the given value is has an invalid base64 symbol"))?;
    decode_text(&bytes, enc, &name).map(Value::String)
}

// ----------------------------------------------------------------------------------------------
// base64gzip: gzip (RFC 1952) around a DEFLATE stream (RFC 1951) of fixed-Huffman blocks
// with LZ77 matches. The bytes differ from Go's compressor, but any gzip reader (cloud-init,
// `gunzip`) decodes them to the same text.

/// Writes bits least-significant first, as DEFLATE requires.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn put(&mut self, bits: u32, count: u32) {
        self.acc |= u64::from(bits) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// Writes a Huffman code, whose bits are defined most-significant first.
    fn put_code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// The fixed Huffman code of a literal/length symbol (RFC 1951 §3.2.6).
fn fixed_code(sym: u32) -> (u32, u32) {
    match sym {
        0..=143 => (0x30 + sym, 8),
        144..=255 => (0x190 + sym - 144, 9),
        256..=279 => (sym - 256, 7),
        _ => (0xC0 + sym - 280, 8),
    }
}

const LEN_BASE: [u32; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u32; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

fn deflate(data: &[u8]) -> Vec<u8> {
    const WINDOW: usize = 32 * 1024;
    const MAX_CHAIN: usize = 64;
    let mut w = BitWriter {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    // One final block with fixed Huffman codes.
    w.put(1, 1);
    w.put(1, 2);
    let mut head: std::collections::HashMap<[u8; 3], Vec<usize>> = Default::default();
    let mut i = 0;
    while i < data.len() {
        let mut best = (0usize, 0usize);
        if i + 3 <= data.len() {
            let key = [data[i], data[i + 1], data[i + 2]];
            if let Some(cands) = head.get(&key) {
                for &p in cands.iter().rev().take(MAX_CHAIN) {
                    if i - p > WINDOW {
                        break;
                    }
                    let max = (data.len() - i).min(258);
                    let len = (0..max).take_while(|&k| data[p + k] == data[i + k]).count();
                    if len > best.0 {
                        best = (len, i - p);
                    }
                }
            }
        }
        let step = if best.0 >= 3 {
            let (len, dist) = best;
            let li = LEN_BASE.iter().rposition(|&b| b <= len as u32).unwrap_or(0);
            let (c, l) = fixed_code(257 + li as u32);
            w.put_code(c, l);
            w.put(len as u32 - LEN_BASE[li], LEN_EXTRA[li]);
            let di = DIST_BASE
                .iter()
                .rposition(|&b| b <= dist as u32)
                .unwrap_or(0);
            w.put_code(di as u32, 5);
            w.put(dist as u32 - DIST_BASE[di], DIST_EXTRA[di]);
            len
        } else {
            let (c, l) = fixed_code(u32::from(data[i]));
            w.put_code(c, l);
            1
        };
        for k in i..i + step {
            if k + 3 <= data.len() {
                head.entry([data[k], data[k + 1], data[k + 2]])
                    .or_default()
                    .push(k);
            }
        }
        i += step;
    }
    let (c, l) = fixed_code(256);
    w.put_code(c, l);
    w.finish()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
    // Header as Go's gzip.Writer writes it: no name, no mtime, OS "unknown".
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend(deflate(data));
    out.extend(crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

/// `base64gzip(string)`: the string gzip-compressed, then Base64-encoded.
pub(super) fn base64gzip(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let s = string_arg(args, 0)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(gzip(s.as_bytes())),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    /// A minimal inflater for fixed-Huffman blocks, to check the compressor round-trips.
    fn inflate_fixed(data: &[u8]) -> Vec<u8> {
        let mut pos = 0usize; // bit position
        let bit = |pos: &mut usize| -> u32 {
            let b = (data[*pos / 8] >> (*pos % 8)) & 1;
            *pos += 1;
            u32::from(b)
        };
        let bits =
            |pos: &mut usize, n: u32| -> u32 { (0..n).fold(0, |acc, i| acc | (bit(pos) << i)) };
        assert_eq!(bits(&mut pos, 1), 1, "final");
        assert_eq!(bits(&mut pos, 2), 1, "fixed");
        let mut out = Vec::new();
        loop {
            // Decode a fixed literal/length code, reading MSB-first.
            let mut code = 0u32;
            let mut len = 0;
            let sym = loop {
                code = (code << 1) | bit(&mut pos);
                len += 1;
                let found = (0..288u32).find(|&s| fixed_code(s) == (code, len));
                if let Some(s) = found {
                    break s;
                }
            };
            match sym {
                0..=255 => out.push(sym as u8),
                256 => break,
                _ => {
                    let li = (sym - 257) as usize;
                    let l = LEN_BASE[li] + bits(&mut pos, LEN_EXTRA[li]);
                    let di = (0..5).fold(0, |acc, _| (acc << 1) | bit(&mut pos)) as usize;
                    let d = DIST_BASE[di] + bits(&mut pos, DIST_EXTRA[di]);
                    for _ in 0..l {
                        out.push(out[out.len() - d as usize]);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn gzip_round_trips_and_compresses() {
        let text = "#!/bin/bash\necho hello\n".repeat(200);
        let gz = gzip(text.as_bytes());
        assert_eq!(&gz[..3], &[0x1f, 0x8b, 8]);
        assert!(gz.len() < text.len() / 10, "{} bytes", gz.len());
        let body = &gz[10..gz.len() - 8];
        assert_eq!(inflate_fixed(body), text.as_bytes());
        let n = gz.len();
        assert_eq!(&gz[n - 4..], &(text.len() as u32).to_le_bytes());
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(inflate_fixed(&gzip(b"")[10..12]), b"");
        let b64 = ok("base64gzip", vec![s("test")]);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert_eq!(inflate_fixed(&raw[10..raw.len() - 8]), b"test");
    }

    #[test]
    fn csvdecode_reads_rows_by_header() {
        assert_eq!(
            ok("csvdecode", vec![s("a,b,c\n1,2,3\n4,5,6\n")]),
            list(vec![
                Value::map([("a", s("1")), ("b", s("2")), ("c", s("3"))]),
                Value::map([("a", s("4")), ("b", s("5")), ("c", s("6"))]),
            ])
        );
        assert_eq!(
            ok(
                "csvdecode",
                vec![s("name,note\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n")]
            ),
            list(vec![Value::map([
                ("name", s("x, y")),
                ("note", s("say \"hi\""))
            ])])
        );
        assert_eq!(ok("csvdecode", vec![s("a,b")]), list(vec![]));
        assert!(err("csvdecode", vec![s("a,b\n1\n")]).contains("wrong number of fields"));
        assert!(err("csvdecode", vec![s("")]).contains("missing header line"));
    }

    #[test]
    fn text_encodings() {
        assert_eq!(
            ok("textencodebase64", vec![s("Hello World"), s("UTF-16LE")]),
            s("SABlAGwAbABvACAAVwBvAHIAbABkAA==")
        );
        assert_eq!(
            ok(
                "textdecodebase64",
                vec![s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="), s("UTF-16LE")]
            ),
            s("Hello World")
        );
        assert_eq!(
            ok("textencodebase64", vec![s("é"), s("ISO-8859-1")]),
            s("6Q==")
        );
        assert_eq!(ok("textencodebase64", vec![s("hi"), s("utf-8")]), s("aGk="));
        assert!(err("textencodebase64", vec![s("hi"), s("KOI8-R")]).contains("not a supported"));
        assert!(
            err("textencodebase64", vec![s("€"), s("US-ASCII")]).contains("cannot be represented")
        );
    }
}
