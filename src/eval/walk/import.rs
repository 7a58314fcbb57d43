//! `import {}` blocks: the target must name a managed resource block of the configuration
//! (with an instance key of the right kind), the id must be a string known at plan time.
//! Reading the objects is the plan stage's job (`ops::import`).

use super::scope::InstanceScope;
use super::{EvalMode, Evaluation};
use crate::addr::{ModulePath, ResourceInstanceAddr};
use crate::config::{resolve_target, Expr, Import, ModuleTree, TargetError};
use crate::diag::{Diagnostic, SrcSpan};
use crate::eval::value::Value;
use std::collections::BTreeMap;

/// An evaluated root module `import` block.
#[derive(Debug, Clone)]
pub struct ImportValue {
    pub to: ResourceInstanceAddr,
    /// The object's id; `None` when it is not known yet (validate mode only).
    pub id: Option<String>,
    /// The block's `import` keyword.
    pub span: SrcSpan,
}

impl Evaluation<'_> {
    /// Checks every import block of the configuration and evaluates the root module's. Import
    /// blocks of child modules are errors, as in Terraform.
    pub(super) fn imports(&self) -> Vec<ImportValue> {
        let mut stack: Vec<(String, &ModuleTree)> = self
            .cfg
            .root
            .children
            .iter()
            .map(|(n, t)| (format!("module.{n}"), t))
            .collect();
        while let Some((path, tree)) = stack.pop() {
            for imp in &tree.module.imports {
                self.push(
                    Diagnostic::error("Invalid import configuration")
                        .detail(format!("An import block was detected in {path:?}. Import blocks are only allowed in the root module."))
                        .at(&imp.span),
                );
            }
            stack.extend(
                tree.children
                    .iter()
                    .map(|(n, t)| (format!("{path}.module.{n}"), t)),
            );
        }
        let mut seen: BTreeMap<&ResourceInstanceAddr, &SrcSpan> = BTreeMap::new();
        let mut out = Vec::new();
        for imp in &self.cfg.root.module.imports {
            if seen.insert(&imp.to, &imp.span).is_some() {
                self.push(
                    Diagnostic::error("Duplicate import configuration")
                        .detail(format!("An import block for {} was already declared; each object can be imported to one address only once.", imp.to))
                        .at(&imp.to_span),
                );
                continue;
            }
            let target_ok = match resolve_target(&self.cfg.root, &imp.to) {
                Ok(_) => true,
                Err(e) => {
                    self.push(target_diagnostic(imp, e));
                    false
                }
            };
            let id = self.import_id(&imp.id);
            if target_ok {
                out.push(ImportValue {
                    to: imp.to.clone(),
                    id: id.ok().flatten(),
                    span: imp.span.clone(),
                });
            }
        }
        out
    }

    /// The id of an import block: `Ok(None)` when unknown in validate mode; problems are
    /// reported and give `Err`.
    fn import_id(&self, e: &Expr) -> Result<Option<String>, ()> {
        let scope = InstanceScope::new(self, &ModulePath::root());
        let v = scope.eval(e).map_err(|d| self.push(d))?;
        let invalid = |detail: String| {
            self.push(
                Diagnostic::error("Invalid import id argument")
                    .detail(detail)
                    .at(&e.span()),
            )
        };
        if v.is_sensitive() {
            invalid("The import ID cannot be sensitive.".into());
            return Err(());
        }
        match v {
            Value::String(s) if s.is_empty() => {
                invalid("The import ID cannot be an empty string.".into());
                Err(())
            }
            Value::String(s) => Ok(Some(s)),
            Value::Unknown if self.opts.mode == EvalMode::Validate => Ok(None),
            Value::Unknown => {
                invalid("The import block \"id\" argument depends on values that cannot be determined until apply, so Terrace cannot plan to import this resource.".into());
                Err(())
            }
            Value::Null => {
                invalid("The import ID cannot be null.".into());
                Err(())
            }
            other => {
                invalid(format!(
                    "The import ID must be a string; got {}.",
                    other.type_name()
                ));
                Err(())
            }
        }
    }
}

/// The diagnostic for an import block whose target is not configured.
fn target_diagnostic(imp: &Import, e: TargetError) -> Diagnostic {
    match e {
        TargetError::Missing { suggestion, .. } => {
            let mut d = Diagnostic::error("Configuration for import target does not exist")
                .detail(format!("The configuration for the given import target {} does not exist. All target instances must have an associated configuration to be imported.", imp.to))
                .at(&imp.to_span);
            if let Some(s) = suggestion {
                d = d.hint(format!("did you mean {s}?"));
            }
            d
        }
        TargetError::Key { what, want } => Diagnostic::error("Invalid import address")
            .detail(format!("The import target must give {what} {want}."))
            .at(&imp.to_span),
    }
}
