//! `terrace workspace` and non-interactive (CI) runs through the binary.
//!
//! Workspaces: one state per workspace (`state/<workspace>.tfstate.json`), the selection in
//! `.terrace/environment`, `TF_WORKSPACE` overriding it, `terraform.workspace` in values.
//! CI mode: no prompts (approval refused with how to approve), missing variables are errors,
//! `-input=false` accepted by every command that plans, no escape codes even on a terminal,
//! stale saved plans refused. Resources live in region ap-southeast-7, which no other test
//! uses; every test has its own directory (and so its own states).

use crate::support::{moto_url, TempConfig};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const REGION: &str = "ap-southeast-7";

fn vpc_config() -> String {
    format!(
        r#"
variable "cidr" {{
  type = string
}}

provider "aws" {{
  region = "{REGION}"
}}

resource "aws_vpc" "main" {{
  cidr_block = var.cidr
  tags = {{
    Name      = "ws-${{terraform.workspace}}"
    Workspace = terraform.workspace
  }}
}}

output "workspace" {{
  value = terraform.workspace
}}
"#
    )
}

/// The binary with the test environment: AWS calls to moto (or a closed port), dummy
/// credentials, and nothing inherited that changes the mode (`TF_WORKSPACE`, `CI`,
/// `TF_IN_AUTOMATION`, `NO_COLOR`); `env` is added on top.
fn command(program: &str, dir: &Path, env: &[(&str, &str)]) -> Command {
    let endpoint =
        std::env::var("TERRACE_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:9".into());
    let mut c = Command::new(program);
    c.current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("TF_WORKSPACE")
        .env_remove("CI")
        .env_remove("TF_IN_AUTOMATION")
        .env_remove("NO_COLOR")
        .env_remove("AWS_PROFILE")
        .env("TERM", "xterm")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs `terrace args` in `dir` with pipes (no terminal); returns (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = command(env!("CARGO_BIN_EXE_terrace"), dir, env)
        .args(args)
        .output()
        .expect("run terrace");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Like [`run`], expecting exit code 0; returns stdout.
fn ok(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let (code, out, err) = run(dir, args, env);
    assert_eq!(
        code, 0,
        "terrace {args:?} {env:?}\nstdout:\n{out}\nstderr:\n{err}"
    );
    out
}

/// Runs `terrace args` on a pseudo-terminal (util-linux `script`): standard input, output
/// and error are all a terminal. Returns (exit code, everything printed).
fn run_on_terminal(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let line = std::iter::once(env!("CARGO_BIN_EXE_terrace"))
        .chain(args.iter().copied())
        .map(|a| {
            assert!(!a.contains('\''), "{a}");
            format!("'{a}'")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let out = command("script", dir, env)
        .args(["-qec", &line, "/dev/null"])
        .output()
        .expect("this test needs util-linux `script` to run terrace on a pseudo-terminal");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn state(dir: &Path, workspace: &str) -> Value {
    let p = dir.join(format!("state/{workspace}.tfstate.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap()
}

/// The VPC's (cidr_block, Workspace tag) in a workspace's state.
fn vpc_in_state(dir: &Path, workspace: &str) -> (String, String) {
    let st = state(dir, workspace);
    let resources = st["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "{st:#}");
    let a = &resources[0]["attributes"];
    (
        a["cidr_block"].as_str().unwrap().to_string(),
        a["tags"]["Workspace"].as_str().unwrap().to_string(),
    )
}

#[test]
fn workspaces_keep_separate_states() {
    moto_url();
    let cfg = TempConfig::new(&[("main.tf", &vpc_config())]);
    let dir = cfg.path();
    assert_eq!(ok(dir, &["workspace", "show"], &[]), "default\n");
    assert_eq!(ok(dir, &["workspace", "list"], &[]), "* default\n\n");

    let out = ok(dir, &["workspace", "new", "staging"], &[]);
    assert!(
        out.starts_with("Created and switched to workspace \"staging\"!"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".terrace/environment")).unwrap(),
        "staging"
    );
    assert_eq!(ok(dir, &["workspace", "show"], &[]), "staging\n");
    let (code, _, err) = run(dir, &["workspace", "new", "staging"], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Workspace \"staging\" already exists"),
        "{err}"
    );
    let (code, _, err) = run(dir, &["workspace", "new", "../prod"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("Invalid workspace name"), "{err}");

    let out = ok(
        dir,
        &["apply", "-auto-approve", "-var", "cidr=10.71.0.0/16"],
        &[],
    );
    assert!(out.contains("workspace = \"staging\""), "{out}");
    ok(dir, &["workspace", "new", "production"], &[]);
    ok(
        dir,
        &["apply", "-auto-approve", "-var", "cidr=10.72.0.0/16"],
        &[],
    );
    assert_eq!(
        ok(dir, &["workspace", "list"], &[]),
        "  default\n* production\n  staging\n\n"
    );

    // One state each, with terraform.workspace in the tag; nothing in the default one.
    assert_eq!(
        vpc_in_state(dir, "staging"),
        ("10.71.0.0/16".into(), "staging".into())
    );
    assert_eq!(
        vpc_in_state(dir, "production"),
        ("10.72.0.0/16".into(), "production".into())
    );
    assert!(!dir.join("state/default.tfstate.json").exists());

    // TF_WORKSPACE overrides .terrace/environment (production): planning staging's values
    // against staging's state finds nothing to do.
    let staging = [("TF_WORKSPACE", "staging")];
    assert_eq!(ok(dir, &["workspace", "show"], &staging), "staging\n");
    assert_eq!(
        ok(dir, &["output", "-raw", "workspace"], &staging),
        "staging"
    );
    assert_eq!(ok(dir, &["output", "-raw", "workspace"], &[]), "production");
    for (env, cidr) in [
        (&staging[..], "cidr=10.71.0.0/16"),
        (&[][..], "cidr=10.72.0.0/16"),
    ] {
        let (code, out, err) = run(dir, &["plan", "-detailed-exitcode", "-var", cidr], env);
        assert_eq!(code, 0, "{env:?}\n{out}\n{err}");
    }
    let (code, _, err) = run(dir, &["workspace", "select", "default"], &staging);
    assert_eq!(code, 1);
    assert!(err.contains("TF_WORKSPACE"), "{err}");

    // Selecting, and the refusals of delete.
    assert_eq!(
        ok(dir, &["workspace", "select", "staging"], &[]),
        "Switched to workspace \"staging\".\n"
    );
    let (code, _, err) = run(dir, &["workspace", "select", "qa"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("Workspace \"qa\" doesn't exist"), "{err}");
    let (code, _, err) = run(dir, &["workspace", "delete", "staging"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("Cannot delete the current workspace"), "{err}");
    let (code, _, err) = run(dir, &["workspace", "delete", "default"], &[]);
    assert_eq!(code, 1);
    assert!(err.contains("Cannot delete the default workspace"), "{err}");
    let (code, _, err) = run(dir, &["workspace", "delete", "production"], &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Workspace is not empty") && err.contains("- aws_vpc.main"),
        "{err}"
    );
    assert!(err.contains("-force"), "{err}");
    assert!(dir.join("state/production.tfstate.json").exists());

    // Emptied by a destroy in that workspace, it can be deleted.
    ok(
        dir,
        &["destroy", "-auto-approve", "-var", "cidr=10.72.0.0/16"],
        &[("TF_WORKSPACE", "production")],
    );
    assert_eq!(
        ok(dir, &["workspace", "delete", "production"], &[]),
        "Deleted workspace \"production\"!\n"
    );
    assert_eq!(
        ok(dir, &["workspace", "list"], &[]),
        "  default\n* staging\n\n"
    );

    // -force deletes a workspace that still tracks objects, saying which were forgotten.
    ok(dir, &["workspace", "select", "default"], &[]);
    let out = ok(dir, &["workspace", "delete", "-force", "staging"], &[]);
    assert!(
        out.contains("was not empty") && out.contains("- aws_vpc.main"),
        "{out}"
    );
    assert!(!dir.join("state/staging.tfstate.json").exists());
    assert_eq!(ok(dir, &["workspace", "list"], &[]), "* default\n\n");
    let out = ok(dir, &["workspace", "select", "-or-create", "qa"], &[]);
    assert!(
        out.contains("Created and switched to workspace \"qa\"!"),
        "{out}"
    );
}

/// The environments that make a run non-interactive, with a pipe on standard input.
const AUTOMATED: &[&[(&str, &str)]] = &[
    &[("CI", "true")],
    &[("TF_IN_AUTOMATION", "1")],
    // No terminal on standard input is enough by itself.
    &[],
];

#[test]
fn ci_runs_never_prompt() {
    let cfg = TempConfig::new(&[("main.tf", &vpc_config())]);
    let dir = cfg.path();
    for env in AUTOMATED {
        for verb in ["apply", "destroy"] {
            let (code, out, err) = run(dir, &[verb, "-var", "cidr=10.73.0.0/16"], env);
            assert_eq!(code, 1, "{verb} {env:?}\n{out}\n{err}");
            assert!(err.contains(&format!("No approval for {verb}")), "{err}");
            assert!(
                err.contains("-auto-approve") && err.contains("terrace apply tfplan"),
                "{err}"
            );
            assert!(!out.contains("Enter a value"), "{out}");
        }
        // A missing variable is an error naming it, not a question.
        let (code, out, err) = run(dir, &["plan", "-input=false"], env);
        assert_eq!(code, 1, "{env:?}\n{out}\n{err}");
        assert!(
            err.contains("No value for required variable") && err.contains("\"cidr\""),
            "{err}"
        );
        let (code, out, err) = run(dir, &["force-unlock", "0123"], env);
        assert_eq!(code, 1, "{env:?}\n{out}\n{err}");
        assert!(
            err.contains("-force") && !out.contains("Enter a value"),
            "{err}"
        );
    }
    // CI wins over a terminal: refused, no prompt and no colour.
    let (code, out) = run_on_terminal(
        dir,
        &["apply", "-var", "cidr=10.73.0.0/16"],
        &[("CI", "true")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("No approval for apply"), "{out}");
    assert!(!out.contains("\x1b["), "{out:?}");
    // -input=false too.
    let (code, out) = run_on_terminal(
        dir,
        &["apply", "-input=false", "-var", "cidr=10.73.0.0/16"],
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("No approval for apply"), "{out}");
}

#[test]
fn every_planning_command_accepts_input_false_and_ci_output_has_no_escapes() {
    moto_url();
    let cfg = TempConfig::new(&[("main.tf", &vpc_config())]);
    let dir = cfg.path();
    let ci = [("CI", "true")];
    let var = "-var=cidr=10.74.0.0/16";
    let check = |args: &[&str], codes: &[i32]| -> String {
        let (code, out, err) = run(dir, args, &ci);
        assert!(
            codes.contains(&code),
            "terrace {args:?}: exit {code}\nstdout:\n{out}\nstderr:\n{err}"
        );
        assert!(
            !out.contains("\x1b[") && !err.contains("\x1b["),
            "{out:?}{err:?}"
        );
        out
    };
    check(&["plan", "-input=false", var], &[0]);
    check(&["apply", "-input=false", "-auto-approve", var], &[0]);
    check(&["plan", "-refresh-only", "-input=false", var], &[0]);
    check(
        &[
            "apply",
            "-refresh-only",
            "-input=false",
            "-auto-approve",
            var,
        ],
        &[0],
    );
    let id = state(dir, "default")["resources"][0]["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    check(&["state", "rm", "aws_vpc.main"], &[0]);
    check(
        &["import", "-input=false", var, "aws_vpc.main", id.as_str()],
        &[0],
    );
    // drift exits 2 when it finds drift; both mean the flag was accepted.
    check(&["drift", "-input=false", var], &[0, 2]);
    // The flag is parsed (this configuration has no migration block to act on).
    for sub in ["status", "up", "history"] {
        let (code, _, err) = run(dir, &["migrate", sub, "-input=false", var], &ci);
        assert_eq!(code, 1, "{err}");
        assert!(
            err.contains("the configuration has no migration blocks"),
            "{sub}: {err}"
        );
    }
    check(&["destroy", "-input=false", "-auto-approve", var], &[0]);

    // On a terminal, colour and the live progress view are on by default and off in CI.
    let args = ["apply", "-auto-approve", var];
    let (code, out) = run_on_terminal(dir, &args, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\x1b["),
        "expected escape codes on a terminal: {out:?}"
    );
    let args = ["destroy", "-auto-approve", var];
    let (code, out) = run_on_terminal(dir, &args, &ci);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("\x1b["), "{out:?}");
    assert!(out.contains("Destruction complete"), "{out}");
}

#[test]
fn stale_saved_plans_are_refused() {
    moto_url();
    let main = format!(
        r#"
variable "stage" {{
  type = string
}}

provider "aws" {{
  region = "{REGION}"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.75.0.0/16"
  tags = {{
    Stage = var.stage
  }}
}}
"#
    );
    let cfg = TempConfig::new(&[("main.tf", &main)]);
    let dir = cfg.path();
    let ci = [("CI", "true")];
    ok(dir, &["apply", "-auto-approve", "-var=stage=one"], &ci);

    // Another run changes the state after the plan was saved.
    ok(dir, &["plan", "-out=old.tfplan", "-var=stage=two"], &ci);
    ok(dir, &["apply", "-auto-approve", "-var=stage=three"], &ci);
    let (code, out, err) = run(dir, &["apply", "old.tfplan"], &ci);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("Saved plan is stale"), "{err}");
    assert!(
        err.contains("The state changed since the plan was made (serial"),
        "{err}"
    );

    // The configuration changes after the plan was saved (a comment is enough).
    ok(dir, &["plan", "-out=p2.tfplan", "-var=stage=four"], &ci);
    std::fs::write(dir.join("main.tf"), format!("# reviewed\n{main}")).unwrap();
    let (code, out, err) = run(dir, &["apply", "p2.tfplan"], &ci);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("The configuration changed since the plan was made."),
        "{err}"
    );
    let st = state(dir, "default");
    assert_eq!(
        st["resources"][0]["attributes"]["tags"]["Stage"], "three",
        "{st:#}"
    );

    // A fresh saved plan applies without approval, in CI.
    ok(dir, &["plan", "-out=p3.tfplan", "-var=stage=five"], &ci);
    ok(dir, &["apply", "p3.tfplan"], &ci);
    let st = state(dir, "default");
    assert_eq!(st["resources"][0]["attributes"]["tags"]["Stage"], "five");
    ok(dir, &["destroy", "-auto-approve", "-var=stage=five"], &ci);
}
