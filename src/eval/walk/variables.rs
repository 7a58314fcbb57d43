//! Input variables: values from the command line, files and environment (root module) or
//! from the module call (child modules), type conversion, nullability and validation rules.

use super::scope::InstanceScope;
use super::{EvalMode, Evaluation, Slot};
use crate::addr::ModulePath;
use crate::config::Variable;
use crate::diag::{did_you_mean, Diagnostic, SrcSpan};
use crate::eval::expr::{EmptyScope, Evaluator};
use crate::eval::inputs::{InputSource, RawInput};
use crate::eval::typeexpr::parse_type;
use crate::eval::value::Value;
use crate::eval::Type;

impl Evaluation<'_> {
    /// The value of `var.NAME` in a module instance. Problems are pushed as diagnostics and
    /// the value becomes unknown. `span` is the referencing expression, if any.
    pub(super) fn var_value(
        &self,
        module: &ModulePath,
        name: &str,
        span: Option<&SrcSpan>,
    ) -> Value {
        let m = &self.tree(module).module;
        let Some(decl) = m.variables.get(name) else {
            let mut d = Diagnostic::error("Reference to undeclared input variable").detail(format!("An input variable with the name {name:?} has not been declared. This variable can be declared with a variable {name:?} {{}} block.")).at_opt(span);
            if let Some(s) = did_you_mean(name, m.variables.keys().map(String::as_str)) {
                d = d.hint(format!("did you mean var.{s}?"));
            }
            self.push(d);
            return Value::Unknown;
        };
        let key = (module.clone(), name.to_string());
        match self.memo.borrow().vars.get(&key) {
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::InProgress) => {
                self.push(
                    Diagnostic::error("Cycle in variable validation")
                        .detail(format!(
                            "var.{name} refers to itself through its validation rules."
                        ))
                        .at_opt(span),
                );
                return Value::Unknown;
            }
            None => {}
        }
        self.memo
            .borrow_mut()
            .vars
            .insert(key.clone(), Slot::InProgress);
        let v = self.compute_var(module, decl);
        self.memo
            .borrow_mut()
            .vars
            .insert(key.clone(), Slot::Done(v.clone()));
        self.validate_var(module, decl, &v);
        v
    }

    fn compute_var(&self, module: &ModulePath, decl: &Variable) -> Value {
        let ty = match decl.type_expr.as_ref().map(parse_type) {
            Some(Ok(t)) => Some(t),
            Some(Err(d)) => {
                self.push(d);
                None
            }
            None => None,
        };
        let convert = |v: Value, at: Option<&SrcSpan>, what: &str| -> Value {
            match &ty {
                Some(t) => match t.convert(v) {
                    Ok(v) => v,
                    Err(e) => {
                        self.push(Diagnostic::error("Invalid value for input variable").detail(format!("The given value is not suitable for var.{} declared at {}: {e}.", decl.name, what)).at_opt(at));
                        Value::Unknown
                    }
                },
                None => v,
            }
        };
        // The default must itself conform.
        let default = decl.default.as_ref().map(|d| {
            let scope = EmptyScope(std::path::Path::new("."));
            match Evaluator::new(&scope, d.file).eval(&d.expr) {
                Ok(v) => match &ty {
                    Some(t) => t.convert(v).unwrap_or_else(|e| {
                        self.push(Diagnostic::error("Invalid default value for variable").detail(format!("This default value is not compatible with the variable's type constraint: {e}.")).at(&d.span()));
                        Value::Unknown
                    }),
                    None => v,
                },
                Err(err) => {
                    self.push(err);
                    Value::Unknown
                }
            }
        });
        let (value, at): (Option<Value>, Option<SrcSpan>) = if module.is_root() {
            match self.opts.inputs.get(&decl.name) {
                Some(input) => {
                    // Problems with a value from a file point at the value, not its name.
                    let at = match (&input.source, &input.raw) {
                        (InputSource::File(_), RawInput::Expr(e)) => Some(e.span()),
                        (InputSource::File(s), _) => Some(s.clone()),
                        _ => None,
                    };
                    let raw = match &input.raw {
                        RawInput::Expr(e) => {
                            let scope = EmptyScope(std::path::Path::new("."));
                            Evaluator::new(&scope, e.file)
                                .eval(&e.expr)
                                .unwrap_or_else(|d| {
                                    self.push(d);
                                    Value::Unknown
                                })
                        }
                        RawInput::Text(t) => self.parse_text_input(&decl.name, t, ty.as_ref()),
                    };
                    (Some(convert(raw, at.as_ref(), "the root module")), at)
                }
                None => (None, None),
            }
        } else {
            let parent = module.parent().unwrap_or_default();
            let call_name = &module.0.last().expect("child module path").name;
            let call = &self.tree(&parent).module.module_calls[call_name];
            match call.inputs.iter().find(|a| a.name == decl.name) {
                Some(a) => {
                    let (count, each) = self.module_instance_context(module);
                    let scope = InstanceScope {
                        ev: self,
                        module: parent,
                        count,
                        each,
                    };
                    let v = scope.eval(&a.expr).unwrap_or_else(|d| {
                        self.push(d);
                        Value::Unknown
                    });
                    (
                        Some(convert(
                            v,
                            Some(&a.expr.span()),
                            &format!("module {call_name:?}"),
                        )),
                        Some(a.expr.span()),
                    )
                }
                None => (None, None),
            }
        };
        let value = match value {
            Some(Value::Null) if decl.default.is_some() && !decl.nullable => {
                default.clone().unwrap_or(Value::Null)
            }
            Some(v) => v,
            None => match default {
                Some(d) => d,
                None => {
                    if !module.is_root() {
                        let parent = module.parent().unwrap_or_default();
                        let call = &self.tree(&parent).module.module_calls
                            [&module.0.last().expect("child").name];
                        self.push(Diagnostic::error("Missing required argument").detail(format!("The argument {:?} is required, but no definition was found.", decl.name)).at(&call.span).hint(format!("set {} = ... in this module block, or give the variable a default", decl.name)));
                    } else if self.opts.mode == EvalMode::Plan {
                        self.push(Diagnostic::error("No value for required variable").detail(format!("The root module input variable {:?} is not set, and has no default value.", decl.name)).at(&decl.span).hint(format!("use -var=\"{}=...\", a .tfvars file, or the TF_VAR_{} environment variable", decl.name, decl.name)));
                    }
                    Value::Unknown
                }
            },
        };
        if value.is_null() && !decl.nullable {
            self.push(Diagnostic::error("Required variable not set").detail(format!("Unsuitable value for var.{}: the variable is declared nullable = false, but the value is null.", decl.name)).at_opt(at.as_ref().or(Some(&decl.span))));
            return Value::Unknown;
        }
        value.mark_if(decl.sensitive)
    }

    /// `-var` / `TF_VAR_` text: raw for primitive types, an HCL expression otherwise.
    fn parse_text_input(&self, name: &str, text: &str, ty: Option<&Type>) -> Value {
        match ty {
            None | Some(Type::String | Type::Number | Type::Bool) => {
                Value::String(text.to_string())
            }
            Some(_) => match hcl_edit::parser::parse_expr(text) {
                Ok(e) => {
                    let scope = EmptyScope(std::path::Path::new("."));
                    Evaluator::new(&scope, crate::diag::FileId(u32::MAX)).eval(&e).unwrap_or_else(|d| {
                        self.push(Diagnostic::error("Invalid value for input variable").detail(format!("The value given for var.{name} is not a valid constant expression: {}.", d.detail.unwrap_or(d.summary))));
                        Value::Unknown
                    })
                }
                Err(e) => {
                    self.push(
                        Diagnostic::error("Invalid value for input variable").detail(format!(
                            "The value given for var.{name} is not a valid expression: {}.",
                            e.message()
                        )),
                    );
                    Value::Unknown
                }
            },
        }
    }

    fn validate_var(&self, module: &ModulePath, decl: &Variable, v: &Value) {
        if decl.validations.is_empty() || !v.is_wholly_known() {
            return;
        }
        let scope = InstanceScope::new(self, module);
        for val in &decl.validations {
            let ok = match scope.eval(&val.condition) {
                Ok(c) => match c.unmark().0 {
                    Value::Bool(b) => b,
                    Value::Unknown => true,
                    _ => {
                        self.push(
                            Diagnostic::error("Invalid validation result")
                                .detail("The validation condition must return true or false.")
                                .at(&val.condition.span()),
                        );
                        true
                    }
                },
                Err(d) => {
                    self.push(d);
                    true
                }
            };
            if !ok {
                let msg = match scope.eval(&val.error_message) {
                    Ok(m) if m.is_sensitive() => {
                        "(the error message refers to sensitive values)".to_string()
                    }
                    Ok(m) => m
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| m.to_string()),
                    Err(d) => d.to_string(),
                };
                self.push(
                    Diagnostic::error("Invalid value for variable")
                        .detail(format!(
                            "{msg}\n\nThis was checked by the validation rule of var.{}.",
                            decl.name
                        ))
                        .at(&val.condition.span()),
                );
            }
        }
    }
}
