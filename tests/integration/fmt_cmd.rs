//! `terrace fmt`: -check / -diff / -recursive / -write / -list, stdin mode, syntax errors, and
//! the repository's own configurations being canonical.

use crate::support::{repo, terrace, TempConfig};
use std::io::Write;
use std::process::{Command, Stdio};

const UNFORMATTED: &str = "resource \"aws_vpc\" \"main\" {\ncidr_block=\"10.0.0.0/16\"\n    enable_dns_hostnames = true # dns\n}\n";
const FORMATTED: &str = "resource \"aws_vpc\" \"main\" {\n  cidr_block           = \"10.0.0.0/16\"\n  enable_dns_hostnames = true # dns\n}\n";

fn read(cfg: &TempConfig, name: &str) -> String {
    std::fs::read_to_string(cfg.path().join(name)).expect("read")
}

#[test]
fn check_lists_unformatted_files_then_fmt_rewrites_them() {
    let cfg = TempConfig::new(&[
        ("main.tf", UNFORMATTED),
        ("ok.tf", FORMATTED),
        ("vars.tfvars", "region=\"eu-west-1\"\napp_count = 2\n"),
        ("notes.txt", "a=1\n"),
    ]);

    let (code, out, err) = terrace(cfg.path(), &["fmt", "-check"]);
    assert_eq!(code, 3, "{out}{err}");
    assert_eq!(out, "main.tf\nvars.tfvars\n");
    assert_eq!(read(&cfg, "main.tf"), UNFORMATTED, "-check must not write");

    let (code, out, err) = terrace(cfg.path(), &["fmt"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "main.tf\nvars.tfvars\n");
    assert_eq!(read(&cfg, "main.tf"), FORMATTED);
    assert_eq!(
        read(&cfg, "vars.tfvars"),
        "region    = \"eu-west-1\"\napp_count = 2\n"
    );
    assert_eq!(read(&cfg, "notes.txt"), "a=1\n");

    let (code, out, err) = terrace(cfg.path(), &["fmt", "-check"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, out, _) = terrace(cfg.path(), &["fmt"]);
    assert_eq!(
        (code, out.as_str()),
        (0, ""),
        "a second fmt changes nothing"
    );
}

#[test]
fn diff_prints_a_unified_diff() {
    let cfg = TempConfig::new(&[("main.tf", UNFORMATTED)]);
    let (code, out, err) = terrace(cfg.path(), &["fmt", "-check", "-diff"]);
    assert_eq!(code, 3, "{err}");
    let want = "main.tf\n--- old/main.tf\n+++ new/main.tf\n@@ -1,4 +1,4 @@\n resource \"aws_vpc\" \"main\" {\n-cidr_block=\"10.0.0.0/16\"\n-    enable_dns_hostnames = true # dns\n+  cidr_block           = \"10.0.0.0/16\"\n+  enable_dns_hostnames = true # dns\n }\n";
    assert_eq!(out, want);
    assert_eq!(read(&cfg, "main.tf"), UNFORMATTED);

    // -diff without -check writes too.
    let (code, out, _) = terrace(cfg.path(), &["fmt", "-diff"]);
    assert_eq!(code, 0);
    assert_eq!(out, want);
    assert_eq!(read(&cfg, "main.tf"), FORMATTED);
}

#[test]
fn write_false_and_list_false() {
    let cfg = TempConfig::new(&[("main.tf", UNFORMATTED), ("ok.tf", FORMATTED)]);
    let (code, out, _) = terrace(cfg.path(), &["fmt", "-write=false"]);
    assert_eq!((code, out.as_str()), (0, "main.tf\n"));
    assert_eq!(read(&cfg, "main.tf"), UNFORMATTED);

    // Neither listing nor writing: the formatted text of every file goes to stdout.
    let (code, out, _) = terrace(cfg.path(), &["fmt", "-write=false", "-list=false"]);
    assert_eq!(code, 0);
    assert_eq!(out, format!("{FORMATTED}{FORMATTED}"));

    let (code, out, _) = terrace(cfg.path(), &["fmt", "-list=false"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!(read(&cfg, "main.tf"), FORMATTED);
}

#[test]
fn recursive_descends_into_subdirectories_but_not_hidden_ones() {
    let cfg = TempConfig::new(&[
        ("main.tf", UNFORMATTED),
        ("modules/net/main.tf", UNFORMATTED),
        ("modules/net/deep/x.tf", "a=1\n"),
        (".terraform/modules/m/main.tf", UNFORMATTED),
    ]);
    let (code, out, _) = terrace(cfg.path(), &["fmt", "-check"]);
    assert_eq!(
        (code, out.as_str()),
        (3, "main.tf\n"),
        "only the given directory"
    );

    let (code, out, _) = terrace(cfg.path(), &["fmt", "-check", "-recursive"]);
    assert_eq!(code, 3);
    assert_eq!(
        out, "main.tf\nmodules/net/deep/x.tf\nmodules/net/main.tf\n",
        "hidden directories are skipped"
    );

    // A directory argument is listed with its prefix; a file argument as given.
    let (code, out, _) = terrace(cfg.path(), &["fmt", "-recursive", "modules"]);
    assert_eq!(code, 0);
    assert_eq!(out, "modules/net/deep/x.tf\nmodules/net/main.tf\n");
    assert_eq!(read(&cfg, "modules/net/main.tf"), FORMATTED);
    assert_eq!(read(&cfg, "main.tf"), UNFORMATTED);
    assert_eq!(read(&cfg, ".terraform/modules/m/main.tf"), UNFORMATTED);

    let (code, out, _) = terrace(cfg.path(), &["fmt", "./main.tf"]);
    assert_eq!((code, out.as_str()), (0, "main.tf\n"));
    assert_eq!(read(&cfg, "main.tf"), FORMATTED);
}

#[test]
fn syntax_error_is_a_located_diagnostic_and_the_file_is_untouched() {
    let broken = "resource \"aws_vpc\" \"main\" {\n  cidr_block = = \"10.0.0.0/16\"\n}\n";
    let cfg = TempConfig::new(&[("bad.tf", broken), ("main.tf", UNFORMATTED)]);
    let (code, out, err) = terrace(cfg.path(), &["fmt"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("Error: Invalid HCL syntax"), "{err}");
    assert!(err.contains("on bad.tf:2:16:"), "{err}");
    assert!(
        err.contains("cidr_block = = \"10.0.0.0/16\""),
        "snippet: {err}"
    );
    assert_eq!(read(&cfg, "bad.tf"), broken);
    // The other file is independent and still formatted.
    assert_eq!(out, "main.tf\n");
    assert_eq!(read(&cfg, "main.tf"), FORMATTED);

    let (code, _, err) = terrace(cfg.path(), &["fmt", "-check"]);
    assert_eq!(code, 1, "an error wins over exit 3: {err}");

    let unclosed = TempConfig::new(&[("main.tf", "a = 1\nb \"x\" {\n  c = 2\n")]);
    let (code, _, err) = terrace(unclosed.path(), &["fmt"]);
    assert_eq!(code, 1);
    assert!(err.contains("on main.tf:2:7:"), "{err}");
    assert!(err.contains("not closed"), "{err}");
}

#[test]
fn bad_paths_are_errors() {
    let cfg = TempConfig::new(&[("notes.txt", "a=1\n")]);
    let (code, _, err) = terrace(cfg.path(), &["fmt", "notes.txt"]);
    assert_eq!(code, 1);
    assert!(err.contains("Only .tf and .tfvars files"), "{err}");
    let (code, _, err) = terrace(cfg.path(), &["fmt", "missing"]);
    assert_eq!(code, 1);
    assert!(err.contains("missing"), "{err}");
}

/// Runs `terrace fmt ARGS -` with `input` on stdin.
fn fmt_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    let cfg = TempConfig::new(&[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_terrace"))
        .arg("fmt")
        .args(args)
        .arg("-")
        .current_dir(cfg.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run terrace");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn stdin_is_formatted_to_stdout() {
    assert_eq!(
        fmt_stdin(&[], UNFORMATTED),
        (0, FORMATTED.into(), String::new())
    );
    assert_eq!(fmt_stdin(&["-check"], UNFORMATTED).0, 3);
    assert_eq!(
        fmt_stdin(&["-check"], FORMATTED),
        (0, String::new(), String::new())
    );
    let (code, out, _) = fmt_stdin(&["-diff"], UNFORMATTED);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("--- old/<stdin>\n+++ new/<stdin>\n"),
        "{out}"
    );

    let (code, out, err) = fmt_stdin(&[], "a = = 1\n");
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("on <stdin>:1:5:"), "{err}");
}

#[test]
fn repository_configurations_are_canonical() {
    let (code, out, err) = terrace(
        &repo(),
        &["fmt", "-check", "-recursive", "examples", "modules"],
    );
    assert_eq!(
        code, 0,
        "run `terrace fmt -recursive examples modules`:\n{out}{err}"
    );
}
