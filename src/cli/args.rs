//! Terraform's single-dash long flags (`-auto-approve`, `-var k=v`, `-out=FILE`) are
//! rewritten to clap's double-dash form before parsing.

use std::ffi::OsString;

/// Long flags that may be written with one dash.
const LONG_FLAGS: &[&str] = &[
    "auto-approve",
    "backend-config",
    "chdir",
    "check",
    "compact-warnings",
    "destroy",
    "detailed-exitcode",
    "diff",
    "dry-run",
    "force",
    "id",
    "raw",
    "force-copy",
    "format",
    "help",
    "input",
    "json",
    "list",
    "lock",
    "lock-timeout",
    "migrate-state",
    "no-color",
    "or-create",
    "out",
    "parallelism",
    "reconfigure",
    "recursive",
    "refresh",
    "refresh-only",
    "replace",
    "state",
    "target",
    "to",
    "upgrade",
    "var",
    "var-file",
    "version",
    "write",
];

/// Rewrites `-name` / `-name=value` to `--name` / `--name=value` for known long flags.
/// Everything after a bare `--` is left alone.
pub fn normalize_args(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut passthrough = false;
    for (i, a) in args.into_iter().enumerate() {
        if i == 0 || passthrough {
            out.push(a);
            continue;
        }
        let Some(s) = a.to_str() else {
            out.push(a);
            continue;
        };
        if s == "--" {
            passthrough = true;
            out.push(a);
            continue;
        }
        if let Some(rest) = s.strip_prefix('-').filter(|r| !r.starts_with('-')) {
            let name = rest.split('=').next().unwrap_or("");
            if LONG_FLAGS.contains(&name) {
                out.push(OsString::from(format!("-{s}")));
                continue;
            }
        }
        out.push(a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: &[&str]) -> Vec<String> {
        normalize_args(v.iter().map(OsString::from).collect())
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    #[test]
    fn rewrites_single_dash_long_flags() {
        assert_eq!(
            n(&[
                "t",
                "-chdir=x",
                "plan",
                "-var",
                "a=b",
                "-out=p",
                "-no-color",
                "-h"
            ]),
            [
                "t",
                "--chdir=x",
                "plan",
                "--var",
                "a=b",
                "--out=p",
                "--no-color",
                "-h"
            ]
        );
        assert_eq!(
            n(&["t", "plan", "--json", "-", "--", "-var"]),
            ["t", "plan", "--json", "-", "--", "-var"]
        );
        assert_eq!(
            n(&["t", "validate", "-unknown"]),
            ["t", "validate", "-unknown"]
        );
    }
}
