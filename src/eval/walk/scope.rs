//! The [`Scope`] of one module instance (optionally inside one resource instance), and the
//! memoised values of locals, outputs and module calls.

use super::{Evaluation, Expansion, Slot};
use crate::addr::ModulePath;
use crate::diag::{did_you_mean, Diagnostic, SrcSpan};
use crate::eval::expr::{Evaluator, Scope};
use crate::eval::refs::RefRoot;
use crate::eval::value::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Names visible to expressions of one module instance.
pub struct InstanceScope<'e, 'c> {
    pub ev: &'e Evaluation<'c>,
    pub module: ModulePath,
    pub count: Option<Value>,
    pub each: Option<(Value, Value)>,
}

impl<'e, 'c> InstanceScope<'e, 'c> {
    pub fn new(ev: &'e Evaluation<'c>, module: &ModulePath) -> Self {
        InstanceScope {
            ev,
            module: module.clone(),
            count: None,
            each: None,
        }
    }

    /// Evaluates a configuration expression in this scope.
    pub fn eval(&self, e: &crate::config::Expr) -> Result<Value, Diagnostic> {
        Evaluator::new(self, e.file).eval(&e.expr)
    }
}

impl Scope for InstanceScope<'_, '_> {
    fn resolve(&self, root: &RefRoot, span: &SrcSpan) -> Result<Value, Diagnostic> {
        let ev = self.ev;
        match root {
            RefRoot::Var(n) => Ok(ev.var_value(&self.module, n, Some(span))),
            RefRoot::Local(n) => ev.local_ref(&self.module, n, span),
            RefRoot::Module(n) => ev.module_ref(&self.module, n, None, span),
            RefRoot::ModuleOutput(n, o) => ev.module_ref(&self.module, n, Some(o), span),
            RefRoot::Resource(addr) => ev.resource_ref(&self.module, addr, span),
            RefRoot::Migration(n) => Err(Diagnostic::error("Invalid reference")
                .detail(format!("migration.{n} has no value to use in an expression; refer to it only in depends_on."))
                .at(span)),
            RefRoot::Count(attr) => match (&self.count, attr.as_str()) {
                (Some(v), "index") => Ok(v.clone()),
                (Some(_), other) => Err(Diagnostic::error("Invalid count attribute").detail(format!("The count object only has the attribute \"index\", not {other:?}.")).at(span)),
                (None, _) => Err(Diagnostic::error("Reference to \"count\" in non-counted context")
                    .detail("The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.")
                    .at(span)),
            },
            RefRoot::Each(attr) => match (&self.each, attr.as_str()) {
                (Some((k, _)), "key") => Ok(k.clone()),
                (Some((_, v)), "value") => Ok(v.clone()),
                (Some(_), other) => Err(Diagnostic::error("Invalid each attribute").detail(format!("The each object has the attributes \"key\" and \"value\", not {other:?}.")).at(span)),
                (None, _) => Err(Diagnostic::error("Reference to \"each\" in context without for_each")
                    .detail("The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.")
                    .at(span)),
            },
            RefRoot::Path(attr) => match attr.as_str() {
                "module" => Ok(Value::String(path_string(&ev.tree(&self.module).module.dir))),
                "root" => Ok(Value::String(path_string(&ev.cfg.root.module.dir))),
                "cwd" => Ok(Value::String(ev.cwd.clone())),
                other => Err(Diagnostic::error("Invalid \"path\" attribute").detail(format!("The \"path\" object has no attribute {other:?}; use path.module, path.root or path.cwd.")).at(span)),
            },
            RefRoot::Terraform(attr) => match attr.as_str() {
                "workspace" => Ok(Value::String(ev.opts.workspace.clone())),
                other => Err(Diagnostic::error("Invalid \"terraform\" attribute").detail(format!("The \"terraform\" object has no attribute {other:?}; only terraform.workspace is available.")).at(span)),
            },
            RefRoot::SelfRef => Err(Diagnostic::error("Invalid \"self\" reference").detail("The \"self\" object is only available in provisioner and connection blocks, which Terrace does not support.").at(span)),
            RefRoot::Local_(n) => Err(Diagnostic::error("Unknown variable").detail(format!("There is no variable named {n:?}.")).at(span)),
        }
    }

    /// Relative paths in `file()` and friends resolve from the working directory, as in
    /// Terraform; modules use `path.module` to build their paths.
    fn base_dir(&self) -> &Path {
        Path::new(".")
    }
}

/// `path.module` as Terraform shows it: relative, `.` for the current directory.
fn path_string(p: &Path) -> String {
    let s = p.display().to_string();
    if s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

impl Evaluation<'_> {
    /// The value of `local.NAME`; `span` is the referencing expression (None when walking).
    pub(super) fn local_value(
        &self,
        module: &ModulePath,
        name: &str,
        span: Option<&SrcSpan>,
    ) -> Value {
        match self.local_ref(
            module,
            name,
            span.unwrap_or(&SrcSpan::new(crate::diag::FileId(0), 0..0)),
        ) {
            Ok(v) => v,
            Err(d) => {
                self.push(d);
                Value::Unknown
            }
        }
    }

    fn local_ref(
        &self,
        module: &ModulePath,
        name: &str,
        span: &SrcSpan,
    ) -> Result<Value, Diagnostic> {
        let m = &self.tree(module).module;
        let Some(attr) = m.locals.get(name) else {
            let mut d = Diagnostic::error("Reference to undeclared local value")
                .detail(format!(
                    "A local value with the name {name:?} has not been declared."
                ))
                .at(span);
            if let Some(s) = did_you_mean(name, m.locals.keys().map(String::as_str)) {
                d = d.hint(format!("did you mean local.{s}?"));
            }
            return Err(d);
        };
        let key = (module.clone(), name.to_string());
        match self.memo.borrow().locals.get(&key) {
            Some(Slot::Done(v)) => return Ok(v.clone()),
            Some(Slot::InProgress) => {
                return Err(Diagnostic::error("Cycle in local values")
                    .detail(format!(
                        "local.{name} refers to itself, directly or through other local values."
                    ))
                    .at(span))
            }
            None => {}
        }
        self.memo
            .borrow_mut()
            .locals
            .insert(key.clone(), Slot::InProgress);
        let v = match InstanceScope::new(self, module).eval(&attr.expr) {
            Ok(v) => v,
            Err(d) => {
                self.push(d);
                Value::Unknown
            }
        };
        self.memo
            .borrow_mut()
            .locals
            .insert(key, Slot::Done(v.clone()));
        Ok(v)
    }

    /// The value of an output of a module instance.
    pub(super) fn output_value(&self, module: &ModulePath, name: &str) -> Value {
        let key = (module.clone(), name.to_string());
        match self.memo.borrow().outputs.get(&key) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::InProgress) => return Value::Unknown,
            None => {}
        }
        let m = &self.tree(module).module;
        let Some(o) = m.outputs.get(name) else {
            return Value::Unknown;
        };
        self.memo
            .borrow_mut()
            .outputs
            .insert(key.clone(), Slot::InProgress);
        let v = match InstanceScope::new(self, module).eval(&o.value) {
            Ok(v) => {
                if v.contains_sensitive() && !o.sensitive {
                    self.push(Diagnostic::error("Output refers to sensitive values")
                        .detail("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terrace requires that any output containing sensitive data be explicitly marked as sensitive, to confirm your intent.")
                        .at(&o.value.span())
                        .hint("add sensitive = true to this output block"));
                }
                v.mark_if(o.sensitive)
            }
            Err(d) => {
                self.push(d);
                Value::Unknown
            }
        };
        self.memo
            .borrow_mut()
            .outputs
            .insert(key, Slot::Done(v.clone()));
        v
    }

    /// `module.NAME` or `module.NAME.OUTPUT`.
    fn module_ref(
        &self,
        module: &ModulePath,
        name: &str,
        output: Option<&str>,
        span: &SrcSpan,
    ) -> Result<Value, Diagnostic> {
        let tree = self.tree(module);
        if !tree.module.module_calls.contains_key(name) {
            let mut d = Diagnostic::error("Reference to undeclared module")
                .detail(format!(
                    "No module call named {name:?} is declared in this module."
                ))
                .at(span);
            if let Some(s) = did_you_mean(name, tree.module.module_calls.keys().map(String::as_str))
            {
                d = d.hint(format!("did you mean module.{s}?"));
            }
            return Err(d);
        }
        let Some(child) = tree.children.get(name) else {
            return Ok(Value::Unknown);
        };
        let exp = self.call_expansion(module, name);
        if let Some(o) = output {
            if !child.module.outputs.contains_key(o) {
                let mut d = Diagnostic::error("Unsupported attribute").detail(format!("This object does not have an attribute named {o:?}: module {name:?} declares no such output.")).at(span);
                if let Some(s) = did_you_mean(o, child.module.outputs.keys().map(String::as_str)) {
                    d = d.hint(format!("did you mean {s:?}?"));
                }
                return Err(d);
            }
            return match exp.as_ref() {
                Expansion::Single => Ok(self.output_value(&module.child(name, crate::addr::InstanceKey::None), o)),
                Expansion::Unknown => Ok(Value::Unknown),
                _ => Err(Diagnostic::error("Unsupported attribute")
                    .detail(format!("module.{name} uses count or for_each, so it is a collection of module instances; select one with module.{name}[KEY].{o} or all with module.{name}[*].{o}."))
                    .at(span)),
            };
        }
        let instance_value = |key: crate::addr::InstanceKey| {
            let path = module.child(name, key);
            let m: BTreeMap<String, Value> = child
                .module
                .outputs
                .keys()
                .map(|o| (o.clone(), self.output_value(&path, o)))
                .collect();
            Value::Map(m)
        };
        Ok(exp.aggregate(instance_value))
    }
}
