//! Where command output goes, and whether it is coloured.

use crate::render::Style;
use std::io::{IsTerminal, Write};

/// Colour and output streams for one command.
pub struct Output {
    pub style: Style,
}

impl Output {
    /// Colour only on a terminal, without `NO_COLOR` or `-no-color`, and not in CI.
    pub fn detect(no_color: bool) -> Output {
        let env_off = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
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
