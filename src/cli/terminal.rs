//! Where command output goes, and whether it is coloured.

use crate::render::{self, Style};
use std::io::{IsTerminal, Write};

/// Colour and output streams for one command.
pub struct Output {
    pub style: Style,
}

impl Output {
    /// Colour only on a terminal, without `NO_COLOR` or `-no-color`, and not in an automated
    /// run (`CI`, `TF_IN_AUTOMATION`: see [`render::in_automation`]).
    pub fn detect(no_color: bool) -> Output {
        let env_off = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb")
            || render::in_automation(|k| std::env::var(k).ok());
        let color = !no_color
            && !env_off
            && std::io::stderr().is_terminal()
            && std::io::stdout().is_terminal();
        Output {
            style: Style { color },
        }
    }

    pub fn stdout(&self, s: &str) -> std::io::Result<()> {
        let mut o = std::io::stdout().lock();
        o.write_all(s.as_bytes())?;
        o.flush()
    }

    pub fn stderr(&self, s: &str) -> std::io::Result<()> {
        let mut o = std::io::stderr().lock();
        o.write_all(s.as_bytes())?;
        o.flush()
    }
}

/// Whether this run may ask a person a question: `-input` not false, a terminal on standard
/// input, and not an automated run (`CI`, `TF_IN_AUTOMATION`). Commands that would ask
/// refuse instead, saying which flag approves in advance.
pub fn can_prompt(input: bool) -> bool {
    may_prompt(input, std::io::stdin().is_terminal(), |k| {
        std::env::var(k).ok()
    })
}

/// [`can_prompt`] with the terminal check and the environment given.
fn may_prompt(input: bool, stdin_is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    input && stdin_is_terminal && !render::in_automation(env)
}

#[cfg(test)]
mod tests {
    use super::may_prompt;

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn prompts_only_for_a_person_at_a_terminal() {
        assert!(may_prompt(true, true, env(&[])));
        assert!(may_prompt(true, true, env(&[("CI", "false")])));
        assert!(!may_prompt(false, true, env(&[])));
        assert!(!may_prompt(true, false, env(&[])));
        assert!(!may_prompt(true, true, env(&[("CI", "true")])));
        assert!(!may_prompt(true, true, env(&[("CI", "1")])));
        assert!(!may_prompt(true, true, env(&[("TF_IN_AUTOMATION", "1")])));
    }
}
