//! Terminal styling: ANSI colours only when enabled (a TTY, no `NO_COLOR`, no `-no-color`).

/// Whether to emit ANSI escape codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn plain() -> Self {
        Style { color: false }
    }

    fn wrap(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.wrap("1;33", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}
