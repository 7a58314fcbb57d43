//! `migration "name" {}` blocks: argument checking. Running them is the migration stage's job.

use super::scope::InstanceScope;
use super::Evaluation;
use crate::addr::{Mode, ModulePath};
use crate::config::Migration;
use crate::diag::Diagnostic;
use crate::eval::body::BodyEval;
use crate::eval::refs::{parse_ref, RefRoot};
use crate::eval::value::Value;
use crate::eval::Type;
use crate::schema::{AttrSchema, BodySchema, Presence, Validator};
use hcl_edit::expr::Expression;

fn attr(
    name: &'static str,
    ty: Type,
    presence: Presence,
    validators: Vec<Validator>,
) -> AttrSchema {
    AttrSchema {
        name,
        ty,
        presence,
        force_new: false,
        sensitive: name == "password",
        validators,
        conflicts_with: &[],
        default: None,
    }
}

fn duration(v: &Value) -> Result<(), String> {
    match v.peel() {
        Value::String(s) if crate::config::parse_duration(s).is_none() => Err(format!(
            "{s:?} is not a duration; write e.g. \"5m\" or \"30s\"."
        )),
        _ => Ok(()),
    }
}

/// The arguments of a migration block.
pub fn migration_schema() -> BodySchema {
    use Presence::{Optional, Required};
    BodySchema {
        attrs: vec![
            attr("database", Type::Any, Required, vec![]),
            attr("source", Type::String, Required, vec![]),
            attr(
                "engine",
                Type::String,
                Optional,
                vec![Validator::OneOf(&["postgres", "mysql", "mariadb"])],
            ),
            attr("host", Type::String, Optional, vec![]),
            attr(
                "port",
                Type::Number,
                Optional,
                vec![Validator::IntRange(1, 65535)],
            ),
            attr("username", Type::String, Optional, vec![]),
            attr("password", Type::String, Optional, vec![]),
            attr("database_name", Type::String, Optional, vec![]),
            attr(
                "tls",
                Type::String,
                Optional,
                vec![Validator::OneOf(&[
                    "disable",
                    "prefer",
                    "require",
                    "verify-full",
                ])],
            ),
            attr("snapshot_before", Type::Bool, Optional, vec![]),
            attr(
                "lock_timeout",
                Type::String,
                Optional,
                vec![Validator::Custom(duration)],
            ),
            attr("allow_out_of_order", Type::Bool, Optional, vec![]),
        ],
        blocks: Vec::new(),
    }
}

impl Evaluation<'_> {
    pub(super) fn check_migration(&self, module: &ModulePath, mg: &Migration) {
        let scope = InstanceScope::new(self, module);
        let mut diags = Vec::new();
        let v = BodyEval {
            scope: &scope,
            bound: Vec::new(),
            diags: &mut diags,
        }
        .eval(&mg.body, &migration_schema(), &mg.span, "a migration block");
        for d in diags {
            self.push(d);
        }
        if let Some(db) = mg.body.attr("database") {
            if !is_db_instance_ref(&db.expr.expr, db.expr.file) {
                self.push(Diagnostic::error("Invalid migration database").detail("The database argument must be a reference to an aws_db_instance resource, like aws_db_instance.app.").at(&db.expr.span()));
            }
        }
        if let (Some(src), Some(a)) = (
            v.get_attr("source").and_then(Value::as_str),
            mg.body.attr("source"),
        ) {
            let path = std::path::Path::new(src);
            if !path.is_dir() {
                self.push(Diagnostic::error("Migration source not found").detail(format!("The migration source {src:?} is not a directory. Relative paths are resolved from the working directory, like Terraform's file(); inside a module write \"${{path.module}}/migrations\".")).at(&a.expr.span()));
            }
        }
    }
}

/// `aws_db_instance.NAME` or `aws_db_instance.NAME[KEY]`.
fn is_db_instance_ref(e: &Expression, file: crate::diag::FileId) -> bool {
    let Expression::Traversal(t) = e else {
        return false;
    };
    let Expression::Variable(v) = &t.expr else {
        return false;
    };
    match parse_ref(file, v, &t.operators, &[]) {
        Ok((RefRoot::Resource(addr), consumed, _)) => {
            addr.mode == Mode::Managed
                && addr.type_name == "aws_db_instance"
                && t.operators[consumed..].iter().all(|o| {
                    matches!(
                        o.value(),
                        hcl_edit::expr::TraversalOperator::Index(_)
                            | hcl_edit::expr::TraversalOperator::LegacyIndex(_)
                    )
                })
                && t.operators.len() - consumed <= 1
        }
        _ => false,
    }
}
