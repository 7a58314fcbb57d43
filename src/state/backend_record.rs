//! `.terrace/backend.json`: the backend `terrace init` set up for a configuration directory
//! (kind, a hash of the block's settings, and the settings with `-backend-config` merged),
//! kept locally and never in state.
//!
//! Invariants:
//! - `config_hash` hashes the backend block alone, so a later command detects a changed
//!   block (and asks for `init`) while `-backend-config` values keep applying;
//! - the file is private (mode 0600: settings may hold credentials) and replaced atomically.

use super::error::StateError;
use crate::config::Body;
use hcl_edit::expr::{Expression, ObjectKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Backend settings by name, as JSON values.
pub type Settings = BTreeMap<String, Value>;

/// What `init` recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendRecord {
    pub version: u32,
    /// `local` or `s3`.
    #[serde(rename = "type")]
    pub kind: String,
    /// [`config_hash`] of the backend block when `init` ran.
    pub config_hash: String,
    /// The block's settings with `-backend-config` overrides merged in.
    pub settings: Settings,
}

/// `dir/.terrace/backend.json`.
pub fn record_path(dir: &Path) -> PathBuf {
    dir.join(".terrace").join("backend.json")
}

impl BackendRecord {
    /// Reads the record of `dir`; `Ok(None)` when `init` never ran there.
    pub fn read(dir: &Path) -> Result<Option<BackendRecord>, StateError> {
        let p = record_path(dir);
        let bytes = match std::fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io(&p, e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StateError::Corrupt {
                path: p,
                reason: format!("{e}; run terrace init -reconfigure to write it again"),
            })
    }

    /// Writes the record of `dir` atomically.
    pub fn write(&self, dir: &Path) -> Result<(), StateError> {
        let p = record_path(dir);
        let folder = super::local::parent_dir(&p);
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&folder)
            .map_err(|e| StateError::io(&folder, e))?;
        let tmp = folder.join(format!(".backend.json.tmp-{}", std::process::id()));
        let text = serde_json::to_vec_pretty(self).unwrap_or_default();
        let r = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .and_then(|mut f| f.write_all(&text).and_then(|()| f.sync_all()))
            .and_then(|()| std::fs::rename(&tmp, &p));
        if let Err(e) = r {
            let _ = std::fs::remove_file(&tmp);
            return Err(StateError::io(&p, e));
        }
        Ok(())
    }
}

/// A stable hash of a backend kind and its settings.
pub fn config_hash(kind: &str, settings: &Settings) -> String {
    let text = serde_json::to_string(&(kind, settings)).unwrap_or_default();
    let d = Sha256::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The literal settings of a (validated) backend block: attributes and nested blocks such as
/// `endpoints { s3 = "…" }` (as objects). Values that are not literals are left out (the
/// block's validation reports them).
pub fn settings_from_body(body: &Body) -> Settings {
    let mut out = Settings::new();
    for a in &body.attrs {
        if let Some(v) = literal(&a.expr.expr) {
            out.insert(a.name.clone(), v);
        }
    }
    for b in &body.blocks {
        out.insert(
            b.kind.clone(),
            Value::Object(settings_from_body(&b.body).into_iter().collect()),
        );
    }
    out
}

/// The JSON value of a literal HCL expression.
pub fn literal(e: &Expression) -> Option<Value> {
    match e {
        Expression::Parenthesis(p) => literal(p.inner()),
        Expression::String(s) => Some(Value::String(s.value().to_string())),
        Expression::StringTemplate(t) => {
            let mut it = t.iter();
            match (it.next(), it.next()) {
                (Some(hcl_edit::template::Element::Literal(l)), None) => {
                    Some(Value::String(l.value().to_string()))
                }
                (None, _) => Some(Value::String(String::new())),
                _ => None,
            }
        }
        Expression::Bool(b) => Some(Value::Bool(*b.value())),
        Expression::Number(n) => {
            serde_json::to_value(n.value().as_f64()?)
                .ok()
                .map(|v| match n.value().as_u64() {
                    Some(u) => Value::from(u),
                    None => v,
                })
        }
        Expression::Array(a) => a
            .iter()
            .map(literal)
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        Expression::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    ObjectKey::Expression(_) => return None,
                };
                m.insert(key, literal(v.expr())?);
            }
            Some(Value::Object(m))
        }
        _ => None,
    }
}

/// Parses one `-backend-config` argument: `KEY=VALUE` (VALUE a string, or an HCL literal
/// when it parses as a bool, number, list or object), or the path of an HCL file of
/// `key = value` lines.
pub fn parse_backend_config(arg: &str, dir: &Path) -> Result<Settings, StateError> {
    let invalid = |reason: String| StateError::InvalidBackendSetting {
        setting: arg.to_string(),
        reason,
    };
    if let Some((k, v)) = arg.split_once('=') {
        let k = k.trim();
        if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let value = hcl_edit::parser::parse_body(&format!("v = {v}\n"))
                .ok()
                .and_then(|b| {
                    b.get_attribute("v")
                        .and_then(|a| literal(&a.value))
                        .filter(|x| !x.is_string())
                })
                .unwrap_or_else(|| Value::String(v.to_string()));
            return Ok(Settings::from([(k.to_string(), value)]));
        }
    }
    let path = dir.join(arg);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        invalid(format!(
            "not KEY=VALUE, and the file {} cannot be read: {e}",
            path.display()
        ))
    })?;
    let body = hcl_edit::parser::parse_body(&text)
        .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    let mut out = Settings::new();
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => {
                let v = literal(&a.value).ok_or_else(|| {
                    invalid(format!(
                        "{}: the value of {} must be a literal",
                        path.display(),
                        a.key.as_str()
                    ))
                })?;
                out.insert(a.key.as_str().to_string(), v);
            }
            hcl_edit::structure::Structure::Block(b) => {
                let mut m = serde_json::Map::new();
                for a in b.body.attributes() {
                    if let Some(v) = literal(&a.value) {
                        m.insert(a.key.as_str().to_string(), v);
                    }
                }
                out.insert(b.ident.as_str().to_string(), Value::Object(m));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_config_arguments_and_files() {
        let d = tempfile::tempdir().unwrap();
        let s = parse_backend_config("bucket=my-bucket", d.path()).unwrap();
        assert_eq!(s["bucket"], Value::String("my-bucket".into()));
        let s = parse_backend_config("encrypt=true", d.path()).unwrap();
        assert_eq!(s["encrypt"], Value::Bool(true));
        let s = parse_backend_config("key=a/b=c.tfstate", d.path()).unwrap();
        assert_eq!(s["key"], Value::String("a/b=c.tfstate".into()));
        std::fs::write(
            d.path().join("prod.s3.tfbackend"),
            "bucket = \"b\"\nuse_lockfile = true\nendpoints = { s3 = \"http://x\" }\n",
        )
        .unwrap();
        let s = parse_backend_config("prod.s3.tfbackend", d.path()).unwrap();
        assert_eq!(s["use_lockfile"], Value::Bool(true));
        assert_eq!(s["endpoints"]["s3"], Value::String("http://x".into()));
        let e = parse_backend_config("missing.tfbackend", d.path()).unwrap_err();
        assert!(e.to_string().contains("missing.tfbackend"), "{e}");
    }

    #[test]
    fn hash_depends_on_kind_and_settings() {
        let mut s = Settings::new();
        let a = config_hash("s3", &s);
        s.insert("bucket".into(), Value::String("b".into()));
        assert_ne!(a, config_hash("s3", &s));
        assert_ne!(config_hash("local", &s), config_hash("s3", &s));
        assert_eq!(config_hash("s3", &s), config_hash("s3", &s.clone()));
    }
}
