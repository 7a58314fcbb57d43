//! Filesystem functions: `file`, `filebase64`, `fileexists`, `filemd5`, `filesha1`,
//! `filesha256`, `filesha512`, `filebase64sha256`, `filebase64sha512`, `templatefile`,
//! `templatestring`, `abspath`, `dirname`, `basename`, `pathexpand`.
//!
//! Relative paths are resolved against the calling module's directory (`FnCtx::base_dir`);
//! a leading `~` is the home directory. Path strings use `/` separators and Go's lexical
//! cleaning rules, as in Terraform.

use super::crypto::{hex, md5_bytes, sha1_bytes, sha256_bytes, sha512_bytes};
use super::util::{non_null, quote, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::Value;
use base64::Engine as _;
use std::io::ErrorKind;
use std::path::PathBuf;

/// Lexically cleans a slash-separated path like Go's `filepath.Clean` (on Unix).
pub(super) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

fn expand_home(path: &str) -> Result<String, FnError> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Err(FnError::arg(
            0,
            "failed to expand ~: cannot expand user-specific home dir",
        ));
    }
    let home = std::env::var("HOME")
        .ok()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| FnError::arg(0, "failed to expand ~: $HOME is not defined"))?;
    Ok(format!("{home}{rest}"))
}

/// Resolves a path argument: home expansion, then relative to the module directory, cleaned.
fn resolve(args: &[Value], ctx: &FnCtx) -> Result<String, FnError> {
    let path = expand_home(&string_arg(args, 0)?)?;
    if path.starts_with('/') {
        return Ok(clean(&path));
    }
    let base = ctx.base_dir.to_string_lossy();
    Ok(clean(&format!("{base}/{path}")))
}

fn read_bytes(path: &str) -> Result<Vec<u8>, FnError> {
    std::fs::read(PathBuf::from(path)).map_err(|e| {
        if e.kind() == ErrorKind::NotFound {
            FnError::arg(
                0,
                format!(
                    "no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource",
                    quote(path)
                ),
            )
        } else {
            FnError::arg(0, format!("failed to read file {}", quote(path)))
        }
    })
}

fn read_text(path: &str) -> Result<String, FnError> {
    String::from_utf8(read_bytes(path)?).map_err(|_| {
        FnError::arg(
            0,
            format!(
                "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
                quote(path)
            ),
        )
    })
}

/// `file(path)`: the contents of a UTF-8 text file.
pub(super) fn file(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    read_text(&resolve(args, ctx)?).map(Value::String)
}

/// `filebase64(path)`: the contents of any file, Base64-encoded.
pub(super) fn filebase64(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    let bytes = read_bytes(&resolve(args, ctx)?)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}

fn file_hash(args: &[Value], ctx: &FnCtx, f: fn(&[u8]) -> Vec<u8>) -> Result<Value, FnError> {
    let bytes = read_bytes(&resolve(args, ctx)?)?;
    Ok(Value::String(hex(&f(&bytes))))
}

pub(super) fn filemd5(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    file_hash(args, ctx, md5_bytes)
}

pub(super) fn filesha1(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    file_hash(args, ctx, sha1_bytes)
}

pub(super) fn filesha256(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    file_hash(args, ctx, sha256_bytes)
}

pub(super) fn filesha512(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    file_hash(args, ctx, sha512_bytes)
}

fn file_base64_hash(
    args: &[Value],
    ctx: &FnCtx,
    f: fn(&[u8]) -> Vec<u8>,
) -> Result<Value, FnError> {
    let bytes = read_bytes(&resolve(args, ctx)?)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(f(&bytes)),
    ))
}

/// `filebase64sha256(path)`: the SHA-256 of a file's bytes, Base64-encoded.
pub(super) fn filebase64sha256(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    file_base64_hash(args, ctx, sha256_bytes)
}

/// `filebase64sha512(path)`: the SHA-512 of a file's bytes, Base64-encoded.
pub(super) fn filebase64sha512(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    file_base64_hash(args, ctx, sha512_bytes)
}

/// `pathexpand(path)`: a leading `~` replaced by the home directory.
pub(super) fn pathexpand(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    expand_home(&string_arg(args, 0)?).map(Value::String)
}

/// `fileexists(path)`: whether a regular file exists; other kinds of file are errors.
pub(super) fn fileexists(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    let path = resolve(args, ctx)?;
    let meta = match std::fs::metadata(PathBuf::from(&path)) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Value::Bool(false)),
        Err(_) => return Err(FnError::arg(0, format!("failed to stat {}", quote(&path)))),
    };
    if meta.is_file() {
        return Ok(Value::Bool(true));
    }
    let what = if meta.is_dir() {
        "is a directory, not a file"
    } else {
        "is not a regular file"
    };
    Err(FnError::arg(0, format!("{} {what}", quote(&path))))
}

fn valid_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// `templatefile(path, vars)`: renders a template file with the evaluator's renderer.
/// Functions called inside the template resolve paths against the module directory, as
/// in Terraform.
pub(super) fn templatefile(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    let text = read_text(&resolve(args, ctx)?)?;
    let vars = match non_null(args, 1) {
        Ok(Value::Map(m)) => m,
        _ => return Err(FnError::arg(1, "invalid vars value: must be a map")),
    };
    if let Some(bad) = vars.keys().find(|k| !valid_identifier(k)) {
        return Err(FnError::arg(
            1,
            format!(
                "invalid template variable name {}: must start with a letter, followed by zero or more letters, digits, and underscores",
                quote(bad)
            ),
        ));
    }
    let name = string_arg(args, 0)?;
    (ctx.render_template)(&text, &name, vars, ctx.base_dir).map_err(|m| {
        if m.starts_with(super::MISSING_TEMPLATE_VAR) {
            FnError::arg(1, m)
        } else {
            FnError::new(m)
        }
    })
}

/// `templatestring(template, vars)`: renders a template held in a string (Terraform requires
/// the string to come from a reference, such as a local value or a data source attribute).
pub(super) fn templatestring(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    let text = string_arg(args, 0)?;
    let vars = match non_null(args, 1) {
        Ok(Value::Map(m)) => m,
        _ => return Err(FnError::arg(1, "invalid vars value: must be a map")),
    };
    if let Some(bad) = vars.keys().find(|k| !valid_identifier(k)) {
        return Err(FnError::arg(
            1,
            format!(
                "invalid template variable name {}: must start with a letter, followed by zero or more letters, digits, and underscores",
                quote(bad)
            ),
        ));
    }
    (ctx.render_template)(&text, "templatestring", vars, ctx.base_dir).map_err(|m| {
        if m.starts_with(super::MISSING_TEMPLATE_VAR) {
            FnError::arg(1, m)
        } else {
            FnError::arg(0, m)
        }
    })
}

/// `abspath(path)`: an absolute path, relative paths taken from the current directory.
pub(super) fn abspath(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let path = string_arg(args, 0)?;
    if path.starts_with('/') {
        return Ok(Value::String(clean(&path)));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| FnError::new(format!("cannot determine the current directory: {e}")))?;
    let cwd = cwd.to_string_lossy().replace('\\', "/");
    Ok(Value::String(clean(&format!("{cwd}/{path}"))))
}

/// `dirname(path)`: everything but the last element (Go's `filepath.Dir`).
pub(super) fn dirname(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let path = string_arg(args, 0)?;
    let dir = match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".to_string(),
    };
    Ok(Value::String(dir))
}

/// `basename(path)`: the last element (Go's `filepath.Base`).
pub(super) fn basename(args: &[Value], _: &FnCtx) -> Result<Value, FnError> {
    let path = string_arg(args, 0)?;
    if path.is_empty() {
        return Ok(Value::String(".".to_string()));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Value::String("/".to_string()));
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    Ok(Value::String(base.to_string()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    #[test]
    fn clean_paths() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("a//b/./c/"), "a/b/c");
        assert_eq!(clean("/../a/../b"), "/b");
        assert_eq!(clean("../../x"), "../../x");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(clean("./"), ".");
        assert_eq!(clean("/"), "/");
    }

    #[test]
    fn path_functions() {
        assert_eq!(ok("dirname", vec![s("foo/bar/baz.txt")]), s("foo/bar"));
        assert_eq!(ok("dirname", vec![s("foo")]), s("."));
        assert_eq!(ok("dirname", vec![s("/foo")]), s("/"));
        assert_eq!(ok("dirname", vec![s("")]), s("."));
        assert_eq!(ok("dirname", vec![s("a/b/")]), s("a/b"));
        assert_eq!(ok("basename", vec![s("foo/bar/baz.txt")]), s("baz.txt"));
        assert_eq!(ok("basename", vec![s("foo/bar/")]), s("bar"));
        assert_eq!(ok("basename", vec![s("")]), s("."));
        assert_eq!(ok("basename", vec![s("///")]), s("/"));
        assert_eq!(ok("abspath", vec![s("/a/./b/../c")]), s("/a/c"));
        let cwd = std::env::current_dir().unwrap();
        let expected = clean(&format!("{}/x/y", cwd.to_string_lossy()));
        assert_eq!(ok("abspath", vec![s("x/./y")]), s(&expected));
    }

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hello.txt"), "Hello World").unwrap();
        std::fs::write(dir.path().join("bin.dat"), [0xffu8, 0xfe, 0x00]).unwrap();
        std::fs::write(dir.path().join("t.tpl"), "Hi ${name}!").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        dir
    }

    #[test]
    fn reading_files() {
        let dir = fixture();
        let d = dir.path();
        assert_eq!(
            run_in(d, "file", vec![s("hello.txt")]).unwrap(),
            s("Hello World")
        );
        assert_eq!(
            run_in(d, "file", vec![s("sub/../hello.txt")]).unwrap(),
            s("Hello World")
        );
        let abs = d.join("hello.txt").to_string_lossy().to_string();
        assert_eq!(
            run_in(Path::new("/nonexistent"), "file", vec![s(&abs)]).unwrap(),
            s("Hello World")
        );
        assert_eq!(
            run_in(d, "filebase64", vec![s("hello.txt")]).unwrap(),
            s("SGVsbG8gV29ybGQ=")
        );
        assert_eq!(
            run_in(d, "filebase64", vec![s("bin.dat")]).unwrap(),
            s("//4A")
        );
        assert_eq!(
            run_in(d, "filemd5", vec![s("hello.txt")]).unwrap(),
            s("b10a8db164e0754105b7a99be72e3fe5")
        );
        assert_eq!(
            run_in(d, "filesha1", vec![s("hello.txt")]).unwrap(),
            s("0a4d55a8d778e5022fab701977c5d840bbc486d0")
        );
        assert_eq!(
            run_in(d, "filesha256", vec![s("hello.txt")]).unwrap(),
            s("a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e")
        );
        assert_eq!(
            run_in(d, "filesha512", vec![s("hello.txt")])
                .unwrap()
                .as_str()
                .map(str::len),
            Some(128)
        );
        let e = run_in(d, "file", vec![s("missing.txt")]).unwrap_err();
        assert!(
            e.message.starts_with("no file exists at \""),
            "{}",
            e.message
        );
        assert!(e.message.contains("missing.txt"));
        let e = run_in(d, "file", vec![s("bin.dat")]).unwrap_err();
        assert!(e.message.contains("are not valid UTF-8"), "{}", e.message);
        let e = run_in(d, "file", vec![s("sub")]).unwrap_err();
        assert!(
            e.message.starts_with("failed to read file"),
            "{}",
            e.message
        );
        assert_eq!(
            run_in(d, "file", vec![Value::Unknown]).unwrap(),
            Value::Unknown
        );
        let e = run_in(d, "file", vec![s("~other/x")]).unwrap_err();
        assert!(e.message.contains("cannot expand user-specific home dir"));
    }

    #[test]
    fn file_existence() {
        let dir = fixture();
        let d = dir.path();
        assert_eq!(
            run_in(d, "fileexists", vec![s("hello.txt")]).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            run_in(d, "fileexists", vec![s("nope.txt")]).unwrap(),
            Value::Bool(false)
        );
        let e = run_in(d, "fileexists", vec![s("sub")]).unwrap_err();
        assert!(
            e.message.ends_with("is a directory, not a file"),
            "{}",
            e.message
        );
    }

    #[test]
    fn templates() {
        let dir = fixture();
        let d = dir.path();
        let vars = Value::map([("name", s("Ann"))]);
        assert_eq!(
            run_in(d, "templatefile", vec![s("t.tpl"), vars]).unwrap(),
            s("Hi Ann!")
        );
        let e = run_in(d, "templatefile", vec![s("t.tpl"), Value::map::<&str>([])]).unwrap_err();
        assert_eq!(e.message, "unknown template variable");
        let e = run_in(d, "templatefile", vec![s("t.tpl"), strs(&["x"])]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(1), "invalid vars value: must be a map")
        );
        let e = run_in(
            d,
            "templatefile",
            vec![s("t.tpl"), Value::map([("1x", s("a"))])],
        )
        .unwrap_err();
        assert!(e
            .message
            .starts_with("invalid template variable name \"1x\""));
        let e = run_in(
            d,
            "templatefile",
            vec![s("missing.tpl"), Value::map([("a", s("b"))])],
        )
        .unwrap_err();
        assert!(e.message.starts_with("no file exists"));
        let unknown = Value::map([("name", Value::Unknown)]);
        assert_eq!(
            run_in(d, "templatefile", vec![s("t.tpl"), unknown]).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn templatefile_passes_module_dir_to_renderer() {
        fn echo_dir(
            _: &str,
            _: &str,
            _: &BTreeMap<String, Value>,
            dir: &Path,
        ) -> Result<Value, String> {
            Ok(Value::String(dir.to_string_lossy().to_string()))
        }
        let dir = fixture();
        let ctx = FnCtx {
            base_dir: dir.path(),
            render_template: echo_dir,
        };
        let out = templatefile(&[s("sub/../t.tpl"), Value::map::<&str>([])], &ctx).unwrap();
        assert_eq!(out, s(&dir.path().to_string_lossy()));
    }
}
