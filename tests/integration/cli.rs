//! The binary: exit codes, Terraform flag spellings, JSON output.

use crate::support::{repo, terrace, TempConfig};

#[test]
fn validate_exit_codes_and_json() {
    let good = TempConfig::new(&[(
        "main.tf",
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    )]);
    let (code, out, err) = terrace(good.path(), &["validate"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("The configuration is valid."));

    let bad = TempConfig::new(&[(
        "main.tf",
        "resource \"aws_vpc\" \"main\" {\n  cidr_blok = \"10.0.0.0/16\"\n}\n",
    )]);
    let (code, _, err) = terrace(bad.path(), &["validate"]);
    assert_eq!(code, 1);
    assert!(err.contains("on main.tf:2:3:"), "{err}");
    assert!(err.contains("did you mean \"cidr_block\"?"), "{err}");

    for flag in ["-json", "--json"] {
        let (code, out, _) = terrace(bad.path(), &["validate", flag]);
        assert_eq!(code, 1);
        let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(doc["valid"], false);
        assert_eq!(doc["error_count"], 1);
        assert_eq!(doc["diagnostics"][0]["range"]["start"]["line"], 2);
        assert_eq!(doc["diagnostics"][0]["range"]["start"]["column"], 3);
        assert_eq!(doc["diagnostics"][0]["range"]["filename"], "main.tf");
    }
}

#[test]
fn chdir_and_var_flags_in_both_spellings() {
    let cfg = TempConfig::new(&[(
        "main.tf",
        "variable \"n\" {\n  type = number\n  validation {\n    condition     = var.n < 5\n    error_message = \"n must be below 5.\"\n  }\n}\n",
    )]);
    let chdir = format!("-chdir={}", cfg.path().display());
    let (code, _, err) = terrace(&repo(), &[&chdir, "validate", "-var", "n=7"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("n must be below 5."), "{err}");
    let chdir2 = format!("--chdir={}", cfg.path().display());
    let (code, _, err) = terrace(&repo(), &[&chdir2, "validate", "--var=n=3"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = terrace(&repo(), &[&chdir, "validate", "-var", "nope=1"]);
    assert_eq!(code, 1);
    assert!(err.contains("Value for undeclared variable"), "{err}");
}

#[test]
fn unknown_flags_and_missing_dirs_fail_cleanly() {
    let (code, _, err) = terrace(&repo(), &["validate", "--bogus"]);
    assert_eq!(code, 1);
    assert!(err.contains("--bogus"), "{err}");
    let (code, _, err) = terrace(&repo(), &["-chdir=/nonexistent/dir", "validate"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot change directory"), "{err}");
    let empty = TempConfig::new(&[]);
    let (code, _, err) = terrace(empty.path(), &["validate"]);
    assert_eq!(code, 1);
    assert!(err.contains("No configuration files"), "{err}");
}
