//! `fileset(path, pattern)`: the regular files under `path` whose slash-separated relative
//! names match a glob pattern with the syntax of Go's `doublestar` package (used by
//! Terraform): `*` (any run of characters within one path segment), `**` (any number of
//! whole segments), `?`, `[class]` / `[!class]`, `{alt1,alt2}` and `\` escapes.

use super::util::{quote, string_arg};
use super::{FnCtx, FnError};
use crate::eval::value::Value;
use std::path::Path;

/// Expands `{a,b}` alternatives (nested ones too) into separate patterns.
fn expand_braces(p: &str) -> Vec<String> {
    let chars: Vec<char> = p.chars().collect();
    let mut depth = 0;
    let mut open = None;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => {
                if depth == 0 {
                    open = Some(i);
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let start = open.unwrap_or(0);
                    let prefix: String = chars[..start].iter().collect();
                    let suffix: String = chars[i + 1..].iter().collect();
                    // Split the inside on top-level commas.
                    let mut alts = Vec::new();
                    let mut cur = String::new();
                    let mut d = 0;
                    let mut j = start + 1;
                    while j < i {
                        let c = chars[j];
                        match c {
                            '\\' if j + 1 < i => {
                                cur.push(c);
                                cur.push(chars[j + 1]);
                                j += 1;
                            }
                            '{' => {
                                d += 1;
                                cur.push(c);
                            }
                            '}' => {
                                d -= 1;
                                cur.push(c);
                            }
                            ',' if d == 0 => alts.push(std::mem::take(&mut cur)),
                            _ => cur.push(c),
                        }
                        j += 1;
                    }
                    alts.push(cur);
                    return alts
                        .iter()
                        .flat_map(|a| expand_braces(&format!("{prefix}{a}{suffix}")))
                        .collect();
                }
            }
            _ => {}
        }
        i += 1;
    }
    vec![p.to_string()]
}

/// Matches one path segment against one pattern segment (no `/`, braces expanded).
fn match_segment(pat: &[char], s: &[char]) -> bool {
    match pat.first() {
        None => s.is_empty(),
        Some('*') => (0..=s.len()).any(|k| match_segment(&pat[1..], &s[k..])),
        Some('?') => !s.is_empty() && match_segment(&pat[1..], &s[1..]),
        Some('[') => {
            let Some(&c) = s.first() else { return false };
            let mut i = 1;
            let negate = matches!(pat.get(1), Some('!' | '^'));
            if negate {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < pat.len() && (pat[i] != ']' || first) {
                first = false;
                let mut lo = pat[i];
                if lo == '\\' && i + 1 < pat.len() {
                    i += 1;
                    lo = pat[i];
                }
                let mut hi = lo;
                if pat.get(i + 1) == Some(&'-') && pat.get(i + 2).is_some_and(|x| *x != ']') {
                    hi = pat[i + 2];
                    i += 2;
                }
                if lo <= c && c <= hi {
                    matched = true;
                }
                i += 1;
            }
            if i >= pat.len() {
                // No closing bracket: a literal '['.
                return c == '[' && match_segment(&pat[1..], &s[1..]);
            }
            matched != negate && match_segment(&pat[i + 1..], &s[1..])
        }
        Some('\\') if pat.len() > 1 => {
            s.first() == Some(&pat[1]) && match_segment(&pat[2..], &s[1..])
        }
        Some(&c) => s.first() == Some(&c) && match_segment(&pat[1..], &s[1..]),
    }
}

fn match_path(pat: &[Vec<char>], path: &[Vec<char>]) -> bool {
    match pat.first() {
        None => path.is_empty(),
        Some(seg) if seg.iter().collect::<String>() == "**" => {
            (0..=path.len()).any(|k| match_path(&pat[1..], &path[k..]))
        }
        Some(seg) => {
            !path.is_empty() && match_segment(seg, &path[0]) && match_path(&pat[1..], &path[1..])
        }
    }
}

/// Whether the slash-separated relative `path` matches `pattern`.
pub(super) fn glob_match(pattern: &str, path: &str) -> bool {
    let segs = |s: &str| -> Vec<Vec<char>> {
        s.split('/')
            .filter(|x| !x.is_empty() && *x != ".")
            .map(|x| x.chars().collect())
            .collect()
    };
    let path = segs(path);
    expand_braces(pattern)
        .iter()
        .any(|p| match_path(&segs(p), &path))
}

/// Every regular file under `dir`, as slash-separated paths relative to it.
fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel_name = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let meta = std::fs::metadata(entry.path())?;
        if meta.is_dir() {
            walk(&entry.path(), &rel_name, out)?;
        } else if meta.is_file() {
            out.push(rel_name);
        }
    }
    Ok(())
}

/// `fileset(path, pattern)`.
pub(super) fn fileset(args: &[Value], ctx: &FnCtx) -> Result<Value, FnError> {
    let path = string_arg(args, 0)?;
    let pattern = string_arg(args, 1)?;
    let root = if path.starts_with('/') {
        super::filesystem::clean(&path)
    } else {
        super::filesystem::clean(&format!("{}/{path}", ctx.base_dir.to_string_lossy()))
    };
    let mut files = Vec::new();
    match walk(Path::new(&root), "", &mut files) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(FnError::new(format!(
                "failed to glob pattern {}: {e}",
                quote(&pattern)
            )))
        }
    }
    Ok(Value::set(
        files
            .into_iter()
            .filter(|f| glob_match(&pattern, f))
            .map(Value::String)
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn glob_patterns() {
        assert!(glob_match("*.txt", "a.txt"));
        assert!(!glob_match("*.txt", "dir/a.txt"));
        assert!(glob_match("**/*.txt", "a.txt"));
        assert!(glob_match("**/*.txt", "dir/sub/a.txt"));
        assert!(glob_match("dir/**", "dir/sub/a.txt"));
        assert!(glob_match("?.sh", "a.sh"));
        assert!(!glob_match("?.sh", "ab.sh"));
        assert!(glob_match("[a-c].sh", "b.sh"));
        assert!(!glob_match("[!a-c].sh", "b.sh"));
        assert!(glob_match("*.{sh,ps1}", "x.ps1"));
        assert!(glob_match("./*.sh", "x.sh"));
        assert!(glob_match("{a,b/c}/*", "b/c/d"));
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("\\*", "x"));
    }

    #[test]
    fn fileset_lists_matching_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("files/sub")).unwrap();
        for f in ["files/a.sh", "files/b.txt", "files/sub/c.sh"] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        assert_eq!(
            run_in(d, "fileset", vec![s("files"), s("*.sh")]).unwrap(),
            Value::set(vec![s("a.sh")])
        );
        assert_eq!(
            run_in(d, "fileset", vec![s("files"), s("**/*.sh")]).unwrap(),
            Value::set(vec![s("a.sh"), s("sub/c.sh")])
        );
        assert_eq!(
            run_in(d, "fileset", vec![s("files"), s("*")]).unwrap(),
            Value::set(vec![s("a.sh"), s("b.txt")])
        );
        assert_eq!(
            run_in(d, "fileset", vec![s("missing"), s("*")]).unwrap(),
            Value::set(vec![])
        );
    }
}
