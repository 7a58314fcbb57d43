//! Diagnostics: user-facing problems with a severity, a source range and a hint.
//!
//! Invariant: every diagnostic about configuration carries a [`SrcSpan`] that points into a
//! file registered in the [`SourceMap`], so renderers can show `file:line:col` and a snippet.
//! Stages collect diagnostics into [`Diagnostics`] and keep going; they never stop at the first.

mod source_map;

pub use source_map::{FileId, LineCol, SourceFile, SourceMap};

use std::fmt;
use std::ops::Range;

/// How serious a diagnostic is. Errors make a command fail with exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A byte range in one source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SrcSpan {
    pub file: FileId,
    pub range: Range<usize>,
}

impl SrcSpan {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        SrcSpan { file, range }
    }

    /// The smallest span covering both (same file assumed; otherwise `self`).
    pub fn to(&self, other: &SrcSpan) -> SrcSpan {
        if self.file != other.file {
            return self.clone();
        }
        SrcSpan {
            file: self.file,
            range: self.range.start.min(other.range.start)..self.range.end.max(other.range.end),
        }
    }
}

/// One problem found in the user's input or environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One line, no trailing period, e.g. `Unsupported argument`.
    pub summary: String,
    /// Full sentences explaining the problem.
    pub detail: Option<String>,
    /// Where the problem is; `None` for problems with no source location.
    pub span: Option<SrcSpan>,
    /// What to do about it, e.g. `did you mean "cidr_block"?`.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: None,
            span: None,
            hint: None,
        }
    }

    pub fn warning(summary: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary)
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn at(mut self, span: &SrcSpan) -> Self {
        self.span = Some(span.clone());
        self
    }

    pub fn at_opt(mut self, span: Option<&SrcSpan>) -> Self {
        self.span = span.cloned();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Replaces the summary (used when a more specific wording applies).
    pub fn summary_replace(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }
}

impl fmt::Display for Diagnostic {
    /// Plain one-paragraph form without source snippet; renderers add locations.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }

    /// Sorts by file, then position, keeping insertion order for equal positions, and drops
    /// exact duplicates (the same problem found through two module instances).
    pub fn sort_dedup(&mut self) {
        self.0.sort_by(|a, b| {
            let ka = a.span.as_ref().map(|s| (s.file, s.range.start));
            let kb = b.span.as_ref().map(|s| (s.file, s.range.start));
            ka.cmp(&kb)
        });
        let mut seen = std::collections::HashSet::new();
        self.0.retain(|d| {
            seen.insert((
                d.summary.clone(),
                d.detail.clone(),
                d.span.clone(),
                d.severity,
            ))
        });
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(v: Vec<Diagnostic>) -> Self {
        Diagnostics(v)
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Suggests the closest candidate to `name`, for "did you mean" hints.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(name, c);
        let limit = (name.len().max(c.len()) / 3).max(2);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("cidr_blok", ["cidr_block", "vpc_id"]),
            Some("cidr_block")
        );
        assert_eq!(did_you_mean("zzz", ["cidr_block", "vpc_id"]), None);
    }

    #[test]
    fn dedup_keeps_order() {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::error("b"));
        ds.push(Diagnostic::error("a"));
        ds.push(Diagnostic::error("b"));
        ds.sort_dedup();
        let v: Vec<_> = ds.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(v, ["b", "a"]);
    }
}
