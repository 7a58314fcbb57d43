//! Reads a configuration directory and its local module directories.

use super::body::Body;
use super::decode::decode_file;
use super::module::Module;
use crate::diag::{Diagnostic, Diagnostics, SourceMap, SrcSpan};
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
        let child = load_tree(&dir, sources, diags, stack, Some(&call.source_span));
        if child.module.files.is_empty() {
            diags.push(
                Diagnostic::error("Empty module directory")
                    .detail(format!("{} contains no .tf files.", dir.display()))
                    .at(&call.source_span),
            );
        }
        children.insert(call.name.clone(), child);
    }
    children
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
        Ok(body) => decode_file(Body::from_hcl(file, body), module, diags),
        Err(e) => {
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
}
