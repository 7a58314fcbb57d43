//! `migration "name" {}` blocks: argument checking. Running them is the migration stage's job.

use super::scope::InstanceScope;
use super::Evaluation;
use super::MigrationValue;
use crate::addr::{InstanceKey, Mode, ModulePath, NodeAddr, ResourceAddr, ResourceInstanceAddr};
use crate::config::Migration;
use crate::diag::Diagnostic;
use crate::eval::body::BodyEval;
use crate::eval::refs::{parse_ref, RefRoot};
use crate::eval::value::Value;
use crate::eval::Type;
use crate::schema::{AttrSchema, BodySchema, Presence, Validator};
use hcl_edit::expr::Expression;
use hcl_edit::expr::TraversalOperator;

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
        let mut database = None;
        if let Some(db) = mg.body.attr("database") {
            match db_instance_ref(&db.expr.expr, db.expr.file) {
                Some((resource, key)) => database = Some(ResourceInstanceAddr { module: module.clone(), resource, key }),
                None => self.push(Diagnostic::error("Invalid migration database").detail("The database argument must be a reference to an aws_db_instance resource, like aws_db_instance.app.").at(&db.expr.span())),
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
        self.migrations.borrow_mut().push(MigrationValue {
            addr: NodeAddr::Migration {
                module: module.clone(),
                name: mg.name.clone(),
            },
            value: v,
            database,
            span: Some(mg.span.clone()),
        });
    }
}

/// `aws_db_instance.NAME` or `aws_db_instance.NAME[KEY]` with a literal key: the resource
/// and the instance key.
fn db_instance_ref(
    e: &Expression,
    file: crate::diag::FileId,
) -> Option<(ResourceAddr, InstanceKey)> {
    let Expression::Traversal(t) = e else {
        return None;
    };
    let Expression::Variable(v) = &t.expr else {
        return None;
    };
    let Ok((RefRoot::Resource(addr), consumed, _)) = parse_ref(file, v, &t.operators, &[]) else {
        return None;
    };
    if addr.mode != Mode::Managed || addr.type_name != "aws_db_instance" {
        return None;
    }
    match &t.operators[consumed..] {
        [] => Some((addr, InstanceKey::None)),
        [op] => match op.value() {
            TraversalOperator::LegacyIndex(n) => Some((addr, InstanceKey::Int(*n.value() as i64))),
            TraversalOperator::Index(Expression::Number(n)) => {
                n.value().as_i64().map(|n| (addr, InstanceKey::Int(n)))
            }
            TraversalOperator::Index(Expression::String(s)) => {
                Some((addr, InstanceKey::Str(s.value().to_string())))
            }
            TraversalOperator::Index(Expression::StringTemplate(_))
            | TraversalOperator::Index(Expression::Traversal(_)) => Some((addr, InstanceKey::None)),
            _ => None,
        },
        _ => None,
    }
}
