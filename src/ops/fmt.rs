//! `terrace fmt`: rewrites `.tf` and `.tfvars` files in the canonical layout (or only checks
//! them) and reports what changed, with unified diffs on request.
//!
//! Files are independent: one with a syntax error gets a diagnostic and is left untouched,
//! the others are still processed. A file is only ever rewritten with text that
//! [`format_source`] produced, atomically, and only when that text differs from the file.

use crate::config::{clean_path, format_source, FmtError};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, SrcSpan};
use std::path::{Path, PathBuf};

/// What to format and what to do with the result.
#[derive(Debug, Clone, Default)]
pub struct FmtOptions {
    /// Files and directories to process; empty means the current directory.
    pub paths: Vec<PathBuf>,
    /// Also process the subdirectories of the given directories.
    pub recursive: bool,
    /// Write the formatted text back to files whose formatting differs.
    pub write: bool,
    /// Compute a unified diff for each file whose formatting differs.
    pub diff: bool,
}

/// One file that was read and formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FmtFile {
    /// The path as shown to the user (relative when given relative), or `<stdin>`.
    pub path: PathBuf,
    /// The formatted text.
    pub formatted: String,
    /// Whether the formatted text differs from the file.
    pub changed: bool,
    /// Whether the formatted text was written to the file.
    pub written: bool,
    /// The unified diff from the file to the formatted text, when asked for and `changed`.
    pub diff: Option<String>,
}

/// The outcome of `terrace fmt`: the files formatted, in the order processed (directory
/// entries by name), and problems with the sources they point into.
#[derive(Debug, Default)]
pub struct FmtReport {
    pub files: Vec<FmtFile>,
    pub diags: Diagnostics,
    pub sources: SourceMap,
}

impl FmtReport {
    /// The files whose formatting differs from the canonical layout.
    pub fn changed(&self) -> impl Iterator<Item = &FmtFile> {
        self.files.iter().filter(|f| f.changed)
    }

    pub fn has_errors(&self) -> bool {
        self.diags.has_errors()
    }
}

/// Formats the files named by `opts` (see [`FmtOptions`]).
pub fn fmt(opts: &FmtOptions) -> FmtReport {
    let mut report = FmtReport::default();
    let default = [PathBuf::from(".")];
    let paths = if opts.paths.is_empty() {
        &default[..]
    } else {
        &opts.paths[..]
    };
    let mut files = Vec::new();
    for path in paths {
        collect(path, opts.recursive, &mut files, &mut report.diags);
    }
    for path in files {
        let text = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                report.diags.push(
                    Diagnostic::error("Invalid file encoding")
                        .detail(format!("{} is not valid UTF-8.", path.display())),
                );
                continue;
            }
            Err(e) => {
                report.diags.push(
                    Diagnostic::error("Cannot read file")
                        .detail(format!("Reading {}: {e}.", path.display())),
                );
                continue;
            }
        };
        if let Some(mut file) = format_file(&path, &text, opts.diff, &mut report) {
            if file.changed && opts.write {
                match write_formatted(&path, &file.formatted) {
                    Ok(()) => file.written = true,
                    Err(e) => report.diags.push(
                        Diagnostic::error("Cannot write file")
                            .detail(format!("Writing {}: {e}.", path.display())),
                    ),
                }
            }
            report.files.push(file);
        }
    }
    report
}

/// Formats text read from standard input (shown as `<stdin>`); nothing is written.
pub fn fmt_text(text: &str, diff: bool) -> FmtReport {
    let mut report = FmtReport::default();
    if let Some(file) = format_file(Path::new("<stdin>"), text, diff, &mut report) {
        report.files.push(file);
    }
    report
}

/// Formats one file's text; on an error, adds a diagnostic pointing into it and returns `None`.
fn format_file(path: &Path, text: &str, diff: bool, report: &mut FmtReport) -> Option<FmtFile> {
    let (summary, line, col, detail) = match format_source(text) {
        Ok(formatted) => {
            let changed = formatted != text;
            let diff = (diff && changed)
                .then(|| unified_diff(&path.display().to_string(), text, &formatted));
            return Some(FmtFile {
                path: path.to_path_buf(),
                formatted,
                changed,
                written: false,
                diff,
            });
        }
        Err(FmtError::Syntax { line, col, message }) => ("Invalid HCL syntax", line, col, message),
        Err(FmtError::Unsafe { line, col }) => (
            "Cannot format file",
            line,
            col,
            "Formatting would change more than whitespace here, which is a bug in terrace fmt; the file was left as it is. Please report it with this file.".to_string(),
        ),
    };
    let file = report.sources.add(path.to_path_buf(), text.to_string());
    let start = report
        .sources
        .get(file)
        .map_or(0, |f| f.offset_of(line, col));
    let end = text
        .get(start..)
        .and_then(|s| s.chars().next())
        .map_or(start, |c| start + c.len_utf8());
    report.diags.push(
        Diagnostic::error(summary)
            .detail(detail)
            .at(&SrcSpan::new(file, start..end)),
    );
    None
}

/// Adds the files to format under `path` to `out`: the `.tf` and `.tfvars` files of a
/// directory (sorted by name; those of its subdirectories too when `recursive`), or `path`
/// itself when it is a file. Hidden and editor backup files (`.x`, `x~`, `#x#`) are skipped,
/// as Terraform does, and so are hidden directories such as `.terraform`.
fn collect(path: &Path, recursive: bool, out: &mut Vec<PathBuf>, diags: &mut Diagnostics) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            diags.push(
                Diagnostic::error("No file or directory at the given path")
                    .detail(format!("{}: {e}.", path.display())),
            );
            return;
        }
    };
    if !meta.is_dir() {
        if is_config_file(path) {
            out.push(clean_path(path));
        } else {
            diags.push(
                Diagnostic::error("Only .tf and .tfvars files can be formatted")
                    .detail(format!("{} is not a .tf or .tfvars file.", path.display())),
            );
        }
        return;
    }
    let mut entries = match std::fs::read_dir(path).and_then(|d| d.collect::<Result<Vec<_>, _>>()) {
        Ok(e) => e,
        Err(e) => {
            diags.push(
                Diagnostic::error("Cannot read directory")
                    .detail(format!("Reading {}: {e}.", path.display())),
            );
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.')
            || name.ends_with('~')
            || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        {
            continue;
        }
        let child = path.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if recursive {
                collect(&child, recursive, out, diags);
            }
        } else if is_config_file(&child) && child.is_file() {
            out.push(clean_path(&child));
        }
    }
}

fn is_config_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tf" || e == "tfvars")
}

/// Replaces the file's content atomically; through a symbolic link, the file it points to
/// is replaced and the link kept.
fn write_formatted(path: &Path, text: &str) -> std::io::Result<()> {
    let target = if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        std::fs::canonicalize(path)?
    } else {
        path.to_path_buf()
    };
    crate::render::write_atomically(&target, text.as_bytes())
}

/// A unified diff (three lines of context) from `old` to `new`, labelled `old/PATH` and
/// `new/PATH` as Terraform's `fmt -diff` does; empty when the texts are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{path}"), &format!("new/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_has_headers_hunks_and_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let d = unified_diff("x.tf", old, new);
        assert_eq!(
            d,
            "--- old/x.tf\n+++ new/x.tf\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
        assert_eq!(unified_diff("x.tf", old, old), "");
    }

    #[test]
    fn unified_diff_marks_a_missing_final_newline() {
        let d = unified_diff("x.tf", "a = 1", "a = 1\n");
        assert!(
            d.contains("-a = 1\n\\ No newline at end of file\n+a = 1\n"),
            "{d}"
        );
    }

    #[test]
    fn stdin_text_is_formatted_without_a_file() {
        let r = fmt_text("a=1\n", true);
        assert!(!r.has_errors());
        assert_eq!(r.files.len(), 1);
        assert_eq!(r.files[0].formatted, "a = 1\n");
        assert_eq!(r.files[0].path, Path::new("<stdin>"));
        assert!(r.files[0]
            .diff
            .as_deref()
            .is_some_and(|d| d.contains("+a = 1")));
    }

    #[test]
    fn syntax_error_becomes_a_diagnostic_at_the_position() {
        let r = fmt_text("a = 1\nb = = 2\n", false);
        assert!(r.files.is_empty());
        let d = r.diags.iter().next().expect("a diagnostic");
        assert_eq!(d.summary, "Invalid HCL syntax");
        let span = d.span.as_ref().expect("a span");
        let f = r.sources.get(span.file).expect("source");
        let lc = f.line_col(span.range.start);
        assert_eq!((lc.line, lc.col), (2, 5));
    }
}
