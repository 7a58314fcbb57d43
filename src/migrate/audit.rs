//! Who runs the migrations and from which commit: the audit fields of the history rows.

use std::path::Path;
use std::process::Command;

/// The identity recorded with each migration run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// The CI identity when running in CI (e.g. `octocat (GitHub Actions)`), else the OS
    /// user.
    pub applied_by: String,
    /// HEAD of the git repository holding the configuration, when it is one.
    pub git_commit: Option<String>,
}

/// CI systems' variables naming the person who triggered the job, most specific first.
const CI_IDENTITIES: &[(&str, &str)] = &[
    ("GITLAB_USER_LOGIN", "GitLab CI"),
    ("GITHUB_ACTOR", "GitHub Actions"),
    ("BUILD_USER_ID", "Jenkins"),
    ("BUILD_USER", "Jenkins"),
    ("BUILD_REQUESTEDFOREMAIL", "Azure Pipelines"),
    ("BUILD_REQUESTEDFOR", "Azure Pipelines"),
    ("CIRCLE_USERNAME", "CircleCI"),
    ("BUILDKITE_BUILD_CREATOR_EMAIL", "Buildkite"),
    ("BUILDKITE_BUILD_CREATOR", "Buildkite"),
    ("BITBUCKET_STEP_TRIGGERER_UUID", "Bitbucket Pipelines"),
];

impl Audit {
    /// The identity of this process, with the commit of `config_dir`.
    pub fn detect(config_dir: &Path) -> Audit {
        Audit {
            applied_by: applied_by(|name| std::env::var(name).ok()),
            git_commit: git_commit(config_dir),
        }
    }
}

/// The CI identity from `env` (see [`CI_IDENTITIES`]), else the OS user (`USER`, `LOGNAME`,
/// `USERNAME`), else `unknown`.
pub fn applied_by(env: impl Fn(&str) -> Option<String>) -> String {
    let get = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    for (var, ci) in CI_IDENTITIES {
        if let Some(who) = get(var) {
            return format!("{who} ({ci})");
        }
    }
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| get(v))
        .unwrap_or_else(|| "unknown".to_string())
}

/// `git rev-parse HEAD` in `dir`: the commit hash, or `None` outside a repository, before
/// the first commit, or without git.
pub fn git_commit(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .output()
        .ok()?;
    let hash = String::from_utf8(out.stdout).ok()?.trim().to_string();
    let valid = out.status.success()
        && matches!(hash.len(), 40 | 64)
        && hash.bytes().all(|c| c.is_ascii_hexdigit());
    valid.then_some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn ci_identity_wins_over_the_os_user() {
        assert_eq!(
            applied_by(env(&[("USER", "root"), ("GITHUB_ACTOR", "octocat")])),
            "octocat (GitHub Actions)"
        );
        assert_eq!(
            applied_by(env(&[
                ("GITLAB_USER_LOGIN", "alice"),
                ("GITHUB_ACTOR", "x")
            ])),
            "alice (GitLab CI)"
        );
        assert_eq!(applied_by(env(&[("USER", " "), ("LOGNAME", "bob")])), "bob");
        assert_eq!(applied_by(env(&[])), "unknown");
    }

    #[test]
    fn no_commit_outside_a_repository() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(git_commit(d.path()), None);
        assert_eq!(git_commit(&d.path().join("missing")), None);
    }
}
