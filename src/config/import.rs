//! Decoding of `import { to = TYPE.NAME  id = "..." }` blocks.

use super::body::Block;
use super::decode::{unexpected_attr, unexpected_block};
use super::loader::ModuleTree;
use super::module::{Import, Resource};
use crate::addr::{InstanceKey, Mode, ResourceInstanceAddr};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SourceMap, SrcSpan};
use hcl_edit::expr::Expression;

const ARGUMENTS: &[&str] = &["to", "id", "provider"];

/// Decodes one `import` block; `None` (with diagnostics) when `to` or `id` is missing or
/// `to` is not a managed resource instance address. `sources` holds the block's file: `to`
/// is parsed from its source text, so it must be a static reference like
/// `aws_instance.web`, `aws_subnet.public[0]` or `module.net.aws_vpc.main`.
pub fn decode_import(b: Block, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Import> {
    let span = b.kind_span.clone();
    let mut to = None;
    let mut id = None;
    for a in b.body.attrs {
        match a.name.as_str() {
            "to" => to = Some(a),
            "id" => id = Some(a.expr),
            // The object is read with the provider configuration its resource block uses.
            "provider" => {}
            "for_each" | "identity" => diags.push(
                Diagnostic::error(format!("Unsupported import argument {:?}", a.name))
                    .detail(format!(
                        "Terrace does not support {:?} in import blocks yet; write one import block per object, with its id.",
                        a.name
                    ))
                    .at(&a.name_span),
            ),
            _ => diags.push(unexpected_attr(&a, "import", ARGUMENTS)),
        }
    }
    for nb in &b.body.blocks {
        diags.push(unexpected_block(nb, "import"));
    }
    let missing = |name: &str| {
        Diagnostic::error("Missing required argument")
            .detail(format!(
                "The argument {name:?} is required in an import block."
            ))
            .at(&span)
    };
    if id.is_none() {
        diags.push(missing("id"));
    }
    if to.is_none() {
        diags.push(missing("to"));
    }
    let (to, id) = (to?, id?);
    let to_span = to.expr.span();
    let target = parse_target(&to.expr.expr, &to_span, sources).map_err(|detail| {
        diags.push(
            Diagnostic::error("Invalid import address")
                .detail(detail)
                .at(&to_span),
        )
    });
    Some(Import {
        span,
        to: target.ok()?,
        to_span,
        id,
    })
}

/// The resource instance address written as the reference `e` (at `span`).
fn parse_target(
    e: &Expression,
    span: &SrcSpan,
    sources: &SourceMap,
) -> Result<ResourceInstanceAddr, String> {
    let usage = "The import target must be a reference to a resource instance, like aws_instance.web or aws_subnet.public[0], not a string or an expression.";
    if !matches!(e, Expression::Traversal(_)) {
        return Err(usage.to_string());
    }
    let text = sources
        .get(span.file)
        .and_then(|f| f.text.get(span.range.clone()))
        .unwrap_or_default();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let addr: ResourceInstanceAddr = compact
        .parse()
        .map_err(|e: crate::addr::AddrParseError| format!("{usage} ({})", e.reason))?;
    if addr.resource.mode == Mode::Data {
        return Err(format!(
            "{addr} is a data source; only managed resources can be imported."
        ));
    }
    Ok(addr)
}

/// Why an import target names no resource instance of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// No such module call or managed resource block; `suggestion` is a close address
    /// (`module.net`, `aws_instance.web`) that does exist.
    #[error("{addr} does not exist in the configuration")]
    Missing {
        addr: String,
        suggestion: Option<String>,
    },
    /// The instance key does not fit the block's `count` / `for_each`.
    #[error("{what} needs {want}")]
    Key { what: String, want: &'static str },
}

/// The managed resource block `to` names, through the module calls of `root`, checking that
/// each instance key has the kind `count` (an index) or `for_each` (a string key) give it.
/// Whether that instance exists is known only after evaluation.
pub fn resolve_target<'a>(
    root: &'a ModuleTree,
    to: &ResourceInstanceAddr,
) -> Result<&'a Resource, TargetError> {
    let missing = |suggestion: Option<String>| TargetError::Missing {
        addr: to.to_string(),
        suggestion,
    };
    let mut tree = root;
    for step in &to.module.0 {
        let Some(call) = tree.module.module_calls.get(&step.name) else {
            let near = did_you_mean(
                &step.name,
                tree.module.module_calls.keys().map(String::as_str),
            );
            return Err(missing(near.map(|s| format!("module.{s}"))));
        };
        key_shape(
            &step.key,
            call.count.is_some(),
            call.for_each.is_some(),
            format!("module.{}", step.name),
        )?;
        tree = tree.children.get(&step.name).ok_or_else(|| missing(None))?;
    }
    let Some(r) = tree
        .module
        .resources
        .get(&to.resource)
        .filter(|r| r.addr.mode == Mode::Managed)
    else {
        let names: Vec<String> = tree
            .module
            .resources
            .keys()
            .filter(|a| a.mode == Mode::Managed)
            .map(ToString::to_string)
            .collect();
        let near = did_you_mean(&to.resource.to_string(), names.iter().map(String::as_str));
        return Err(missing(near.map(str::to_string)));
    };
    key_shape(
        &to.key,
        r.count.is_some(),
        r.for_each.is_some(),
        to.resource.to_string(),
    )?;
    Ok(r)
}

/// Whether `key` fits a block with `count` (an index), `for_each` (a string key) or neither
/// (no key).
fn key_shape(
    key: &InstanceKey,
    count: bool,
    for_each: bool,
    what: String,
) -> Result<(), TargetError> {
    let fits = matches!(
        (key, count, for_each),
        (InstanceKey::Int(_), true, _)
            | (InstanceKey::Str(_), false, true)
            | (InstanceKey::None, false, false)
    );
    if fits {
        return Ok(());
    }
    let want = match (count, for_each) {
        (true, _) => "an index, like [0], because it sets count",
        (_, true) => "a key, like [\"a\"], because it sets for_each",
        _ => "no instance key, because it sets neither count nor for_each",
    };
    Err(TargetError::Key { what, want })
}

#[cfg(test)]
mod tests {
    use crate::config::load_file_set;
    use crate::diag::Diagnostics;
    use std::path::Path;

    fn decode(text: &str) -> (Vec<String>, Vec<String>) {
        let mut diags = Diagnostics::new();
        let cfg = load_file_set(Path::new("."), &[("main.tf", text)], &mut diags);
        let targets = cfg
            .root
            .module
            .imports
            .iter()
            .map(|i| i.to.to_string())
            .collect();
        let msgs = diags.iter().map(|d| d.to_string()).collect();
        (targets, msgs)
    }

    #[test]
    fn decodes_targets_with_keys_and_modules() {
        let (targets, msgs) = decode(
            r#"
import {
  to = aws_instance.web
  id = "i-1"
}
import {
  to = module.net.aws_subnet.public["a"]
  id = var.subnet
}
import {
  to = aws_subnet.private[1]
  id = "subnet-2"
}
"#,
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(
            targets,
            [
                "aws_instance.web",
                r#"module.net.aws_subnet.public["a"]"#,
                "aws_subnet.private[1]"
            ]
        );
    }

    #[test]
    fn rejects_strings_data_sources_and_missing_arguments() {
        let (targets, msgs) = decode(
            r#"
import {
  to = "aws_instance.web"
  id = "i-1"
}
import {
  to = data.aws_ami.x
  id = "ami-1"
}
import {
  to = aws_instance.web
}
import {
  to = aws_instance.db
  id = "i-2"
  for_each = {}
}
"#,
        );
        assert_eq!(targets, ["aws_instance.db"]);
        let all = msgs.join("\n");
        assert_eq!(all.matches("Invalid import address").count(), 2, "{all}");
        assert!(
            all.contains("only managed resources can be imported"),
            "{all}"
        );
        assert!(all.contains("The argument \"id\" is required"), "{all}");
        assert!(
            all.contains("Unsupported import argument \"for_each\""),
            "{all}"
        );
    }
}
