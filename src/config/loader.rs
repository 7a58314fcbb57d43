//! Reads a configuration directory and its local module directories.

use super::body::Body;
use super::decode::decode_file;
use super::module::{Module, ModuleCall};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SourceMap, SrcSpan};
use indexmap::IndexMap;
use std::path::{Component, Path, PathBuf};

/// A module and the modules it calls, by call name.
#[derive(Debug)]
pub struct ModuleTree {
    pub module: Module,
    pub children: IndexMap<String, ModuleTree>,
}

impl ModuleTree {
    /// The module reached through the call names in `path` (e.g. `["network"]`).
    pub fn get(&self, path: &[String]) -> Option<&ModuleTree> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.children.get(first)?.get(rest),
        }
    }

    /// Number of resource blocks in the whole tree.
    pub fn resource_count(&self) -> usize {
        self.module.resources.len()
            + self
                .children
                .values()
                .map(ModuleTree::resource_count)
                .sum::<usize>()
    }
}

/// A loaded configuration: the source files and the module tree.
#[derive(Debug)]
pub struct Config {
    pub sources: SourceMap,
    pub root: ModuleTree,
}

/// Loads the root module in `dir` and every local module it calls. Problems are collected in
/// `diags`; what could be loaded is returned regardless.
pub fn load(dir: &Path, diags: &mut Diagnostics) -> Config {
    let mut sources = SourceMap::new();
    let mut stack = Vec::new();
    let root = load_tree(dir, &mut sources, diags, &mut stack, None);
    if root.module.files.is_empty() && !diags.has_errors() {
        diags.push(
            Diagnostic::error("No configuration files")
                .detail(format!(
                    "The directory {} contains no .tf files.",
                    display_dir(dir)
                ))
                .hint("run terrace in a directory with .tf files, or pass -chdir=DIR"),
        );
    }
    Config { sources, root }
}

/// Loads a module from explicit file contents (used by tests and tools); `dir` is the module
/// directory used for relative module sources.
pub fn load_file_set(dir: &Path, files: &[(&str, &str)], diags: &mut Diagnostics) -> Config {
    let mut sources = SourceMap::new();
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    for (name, text) in files {
        parse_into(
            &dir.join(name),
            text.to_string(),
            &mut module,
            &mut sources,
            diags,
        );
    }
    let mut stack = vec![dir.to_path_buf()];
    let children = load_children(&module, &mut sources, diags, &mut stack);
    Config {
        sources,
        root: ModuleTree { module, children },
    }
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() || dir == Path::new(".") {
        "current directory".to_string()
    } else {
        dir.display().to_string()
    }
}

fn load_tree(
    dir: &Path,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    stack: &mut Vec<PathBuf>,
    call_span: Option<&SrcSpan>,
) -> ModuleTree {
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    match std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) {
        Ok(entries) => {
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
                .collect();
            files.sort();
            for path in files {
                let shown = clean_path(&dir.join(path.file_name().unwrap_or_default()));
                match std::fs::read(&path) {
                    Ok(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => parse_into(&shown, text, &mut module, sources, diags),
                        Err(_) => diags.push(
                            Diagnostic::error("Invalid file encoding")
                                .detail(format!("{} is not valid UTF-8.", shown.display())),
                        ),
                    },
                    Err(e) => diags.push(
                        Diagnostic::error("Cannot read configuration file")
                            .detail(format!("{}: {e}", shown.display())),
                    ),
                }
            }
        }
        Err(e) => {
            let d = Diagnostic::error(if call_span.is_some() {
                "Unreadable module directory"
            } else {
                "Cannot read configuration directory"
            })
            .detail(format!("{}: {e}", display_dir(dir)))
            .at_opt(call_span);
            diags.push(d);
        }
    }
    stack.push(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()));
    let children = load_children(&module, sources, diags, stack);
    stack.pop();
    ModuleTree { module, children }
}

fn load_children(
    module: &Module,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    stack: &mut Vec<PathBuf>,
) -> IndexMap<String, ModuleTree> {
    let mut children = IndexMap::new();
    for call in module.module_calls.values() {
        let src = call.source.as_str();
        if !(src.starts_with("./") || src.starts_with("../")) {
            diags.push(
                Diagnostic::error("Unsupported module source")
                    .detail(format!("Module source {src:?} is not a local path. Terrace loads modules from local directories only; paths start with ./ or ../."))
                    .at(&call.source_span)
                    .hint("vendor the module into your repository and point source at its directory"),
            );
            continue;
        }
        let dir = clean_path(&module.dir.join(src));
        let canon = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if stack.contains(&canon) {
            diags.push(
                Diagnostic::error("Module calls itself")
                    .detail(format!("Module {:?} loads {}, which is already being loaded higher up the module tree; modules cannot be recursive.", call.name, dir.display()))
                    .at(&call.source_span),
            );
            continue;
        }
        if !dir.is_dir() {
            diags.push(
                Diagnostic::error("Unreadable module directory")
                    .detail(format!(
                        "The module source {src:?} resolves to {}, which is not a directory.",
                        dir.display()
                    ))
                    .at(&call.source_span),
            );
            continue;
        }
        let errors_before = diags.error_count();
        let child = load_tree(&dir, sources, diags, stack, Some(&call.source_span));
        if child.module.files.is_empty() {
            diags.push(
                Diagnostic::error("Empty module directory")
                    .detail(format!("{} contains no .tf files.", dir.display()))
                    .at(&call.source_span),
            );
        } else if diags.error_count() == errors_before {
            check_call_arguments(call, &child.module, diags);
        }
        children.insert(call.name.clone(), child);
    }
    children
}

/// Every argument of a module call must name an input variable of the called module.
fn check_call_arguments(call: &ModuleCall, child: &Module, diags: &mut Diagnostics) {
    for a in &call.inputs {
        if child.variables.contains_key(&a.name) {
            continue;
        }
        let mut d = Diagnostic::error("Unsupported argument")
            .detail(format!(
                "An argument named {:?} is not expected here: module {:?} ({}) declares no variable {:?}.",
                a.name, call.name, call.source, a.name
            ))
            .at(&a.name_span);
        if let Some(s) = did_you_mean(&a.name, child.variables.keys().map(String::as_str)) {
            d = d.hint(format!("did you mean {s:?}?"));
        }
        diags.push(d);
    }
}

fn parse_into(
    path: &Path,
    text: String,
    module: &mut Module,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) {
    let file = sources.add(path.to_path_buf(), text);
    module.files.push(file);
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    match hcl_edit::parser::parse_body(&text) {
        Ok(body) => decode_file(Body::from_hcl(file, body), module, sources, diags),
        Err(e) => {
            if let Some(open) = unclosed_block(&text) {
                diags.push(
                    Diagnostic::error("Invalid HCL syntax")
                        .detail("The block opened here is not closed: expected `}` before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.")
                        .at(&SrcSpan::new(file, open..open + 1)),
                );
                return;
            }
            let loc = e.location();
            let start = loc.offset().min(text.len());
            let end = text[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8());
            diags.push(
                Diagnostic::error("Invalid HCL syntax")
                    .detail(parse_message(e.message()))
                    .at(&SrcSpan::new(file, start..end)),
            );
        }
    }
}

/// When the only thing wrong with `text` is that some `{` are never closed, the byte offset of
/// the innermost unclosed one: the file parses once the missing `}` are added at the end.
fn unclosed_block(text: &str) -> Option<usize> {
    let open = unclosed_braces(text)?;
    let innermost = *open.last()?;
    let mut fixed = text.to_string();
    if !fixed.ends_with('\n') {
        fixed.push('\n');
    }
    for _ in &open {
        fixed.push_str("}\n");
    }
    hcl_edit::parser::parse_body(&fixed).ok()?;
    Some(innermost)
}

/// A rough lexer pass over HCL text that returns the offsets of the `{` still open at the end
/// of the text, skipping quoted strings (with their `${ }` interpolations), heredocs and
/// comments. `None` when the text ends inside a string, interpolation or comment.
fn unclosed_braces(text: &str) -> Option<Vec<usize>> {
    enum Mode {
        Brace(usize),
        Str,
        Interp,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Mode> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if matches!(stack.last(), Some(Mode::Str)) {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'\n' => return None,
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    if bytes.get(i + 2) == Some(&b'{') && i > 0 && bytes[i - 1] == c {
                        // `$${` is a literal `${`.
                    } else {
                        stack.push(Mode::Interp);
                        i += 1;
                    }
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => stack.push(Mode::Str),
            b'{' => stack.push(Mode::Brace(i)),
            b'}' => match stack.pop() {
                Some(Mode::Brace(_) | Mode::Interp) => {}
                _ => return None,
            },
            b'#' => i = line_end(text, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(text, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = i + 2 + text[i + 2..].find("*/")? + 1;
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                if let Some(end) = heredoc_end(text, i) {
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !stack.iter().all(|m| matches!(m, Mode::Brace(_))) {
        return None;
    }
    Some(
        stack
            .into_iter()
            .filter_map(|m| match m {
                Mode::Brace(o) => Some(o),
                _ => None,
            })
            .collect(),
    )
}

/// Offset of the newline ending the line that contains `i` (or the end of the text).
fn line_end(text: &str, i: usize) -> usize {
    text[i..].find('\n').map_or(text.len(), |n| i + n)
}

/// If a heredoc (`<<EOT` or `<<-EOT`) starts at `i`, the offset just past its closing
/// delimiter line; `None` when this is not a heredoc introducer.
fn heredoc_end(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let ident_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let ident = &rest[..ident_len];
    if ident.is_empty()
        || !rest[ident_len..].starts_with('\n') && !rest[ident_len..].starts_with("\r\n")
    {
        return None;
    }
    let body_start = text.len() - rest.len() + ident_len;
    let body_start = line_end(text, body_start) + 1;
    let mut pos = body_start;
    while pos < text.len() {
        let end = line_end(text, pos);
        if text[pos..end].trim() == ident {
            return Some(end);
        }
        pos = end + 1;
    }
    Some(text.len())
}

/// Turns hcl-edit's "expected ..." messages into a sentence.
fn parse_message(m: &str) -> String {
    let m = m.trim();
    if m.is_empty() {
        "The file could not be parsed here.".to_string()
    } else {
        let mut s = m.to_string();
        if let Some(first) = s.get(0..1) {
            let up = first.to_uppercase();
            s.replace_range(0..1, &up);
        }
        if !s.ends_with('.') {
            s.push('.');
        }
        s
    }
}

/// Normalises `a/./b/../c` to `a/c` without touching the file system, and strips a leading
/// `./` so paths print the way users wrote them.
pub fn clean_path(p: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_paths() {
        assert_eq!(
            clean_path(Path::new("./examples/x/../../modules/net")),
            PathBuf::from("modules/net")
        );
        assert_eq!(
            clean_path(Path::new("../../modules/a/./main.tf")),
            PathBuf::from("../../modules/a/main.tf")
        );
    }

    #[test]
    fn parse_error_has_location() {
        let mut diags = Diagnostics::new();
        let cfg = load_file_set(
            Path::new("."),
            &[(
                "main.tf",
                "resource \"aws_vpc\" \"x\" {\n  cidr_block = \n}\n",
            )],
            &mut diags,
        );
        assert!(diags.has_errors());
        let d = diags.iter().next().unwrap();
        let f = cfg.sources.get(d.span.as_ref().unwrap().file).unwrap();
        let lc = f.line_col(d.span.as_ref().unwrap().range.start);
        assert_eq!((lc.line, lc.col), (2, 16), "{d:?}");
    }

    #[test]
    fn finds_unclosed_braces() {
        assert_eq!(unclosed_braces("a {\n  b = \"}\"\n"), Some(vec![2]));
        assert_eq!(
            unclosed_braces("a {\n  b = \"${x}{\" # }\n  c = {\n"),
            Some(vec![2, 28])
        );
        assert_eq!(
            unclosed_braces("a {\n  /* } */ b = <<EOT\n}\nEOT\n// }\n"),
            Some(vec![2])
        );
        assert_eq!(unclosed_braces("a {\n}\n"), Some(vec![]));
        assert_eq!(unclosed_braces("a }\n"), None);
        assert_eq!(unclosed_block("a {\n  b = \n"), None);
        assert_eq!(unclosed_block("a {\n  b = 1\n  c {\n"), Some(16));
    }
}
