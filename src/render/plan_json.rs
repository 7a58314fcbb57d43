//! Plans as JSON in the shape of Terraform's plan representation (`terraform show -json`),
//! so policy tools can read it, plus Terrace's own `migrations` key. Sensitive values are
//! never written: they become `null` and are flagged in `before_sensitive`/`after_sensitive`.

use crate::addr::{InstanceKey, Mode, ModulePath, ResourceInstanceAddr};
use crate::config::{Body, Config, Expr, ModuleTree};
use crate::eval::refs::{references, RefRoot};
use crate::eval::Value;
use crate::plan::{Action, Plan};
use crate::schema::{BodySchema, SchemaKind};
use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;

const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";

/// A value with sensitive parts and unknowns replaced by `null`.
pub fn masked(v: &Value) -> J {
    match v {
        Value::Sensitive(_) | Value::Unknown => J::Null,
        Value::List(items) | Value::Set(items) => J::Array(items.iter().map(masked).collect()),
        Value::Map(m) => J::Object(m.iter().map(|(k, x)| (k.clone(), masked(x))).collect()),
        other => other.to_json(),
    }
}

/// Terraform's `*_unknown` / `*_sensitive` shape: `true` where `pred` holds, containers
/// mirrored, `false` (or omitted object keys) elsewhere.
fn marks(v: &Value, pred: &dyn Fn(&Value) -> bool) -> J {
    if pred(v) {
        return J::Bool(true);
    }
    match v {
        Value::List(items) | Value::Set(items) => {
            J::Array(items.iter().map(|x| marks(x, pred)).collect())
        }
        Value::Map(m) => J::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), marks(x, pred)))
                .filter(|(_, j)| *j != J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

fn unknown_marks(v: &Value) -> J {
    marks(v, &|x| matches!(x, Value::Unknown))
}

fn sensitive_marks(v: &Value) -> J {
    marks(v, &|x| matches!(x, Value::Sensitive(_)))
}

fn index_json(k: &InstanceKey) -> Option<J> {
    match k {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(json!(i)),
        InstanceKey::Str(s) => Some(json!(s)),
    }
}

fn resource_base(addr: &ResourceInstanceAddr) -> Map<String, J> {
    let mut m = Map::new();
    m.insert("address".into(), json!(addr.to_string()));
    if !addr.module.is_root() {
        m.insert("module_address".into(), json!(addr.module.to_string()));
    }
    m.insert(
        "mode".into(),
        json!(if addr.resource.mode == Mode::Data {
            "data"
        } else {
            "managed"
        }),
    );
    m.insert("type".into(), json!(addr.resource.type_name));
    m.insert("name".into(), json!(addr.resource.name));
    if let Some(i) = index_json(&addr.key) {
        m.insert("index".into(), i);
    }
    m.insert("provider_name".into(), json!(PROVIDER));
    m
}

/// Terraform's `change` object: actions, before/after (masked) and their marks.
fn change_object(
    actions: &[&str],
    before: Option<&Value>,
    after: Option<&Value>,
) -> Map<String, J> {
    let mut change = Map::new();
    change.insert("actions".into(), json!(actions));
    change.insert("before".into(), before.map_or(J::Null, masked));
    change.insert("after".into(), after.map_or(J::Null, masked));
    change.insert(
        "after_unknown".into(),
        after.map_or(J::Bool(false), unknown_marks),
    );
    change.insert(
        "before_sensitive".into(),
        before.map_or(J::Bool(false), sensitive_marks),
    );
    change.insert(
        "after_sensitive".into(),
        after.map_or(J::Bool(false), sensitive_marks),
    );
    change
}

/// Terraform's `resource_drift`: what the refresh found changed (`update`) or gone
/// (`delete`) outside Terrace, before planning.
fn resource_drift(plan: &Plan) -> Vec<J> {
    plan.drift
        .iter()
        .map(|d| {
            let mut m = resource_base(&d.addr);
            let actions: &[&str] = if d.after.is_some() {
                &["update"]
            } else {
                &["delete"]
            };
            let change = change_object(actions, d.before.as_ref(), d.after.as_ref());
            m.insert("change".into(), J::Object(change));
            J::Object(m)
        })
        .collect()
}

/// The plan document. `config`, when given, adds the `configuration` section. A refresh-only
/// plan is marked `"refresh_only": true` (Terrace's addition; its resource changes are all
/// no-ops); `resource_drift` appears when the refresh found anything, as from Terraform.
pub fn plan_json(plan: &Plan, config: Option<&Config>) -> J {
    let mut changes = Vec::new();
    let mut planned: BTreeMap<ModulePath, Vec<J>> = BTreeMap::new();
    for c in &plan.changes {
        let mut m = resource_base(&c.addr);
        let before = c.before.as_ref();
        // A no-op carries only `before`; its after is the same value.
        let after = if c.action == Action::NoOp {
            c.after.as_ref().or(before)
        } else {
            c.after.as_ref()
        };
        let mut change = change_object(c.action.terraform_actions(), before, after);
        if c.action == Action::Delete {
            change.insert("after".into(), J::Null);
        }
        if c.action.is_replace() {
            change.insert(
                "replace_paths".into(),
                J::Array(c.forces.iter().map(|f| json!([f])).collect()),
            );
        }
        if let Some(i) = &c.importing {
            change.insert("importing".into(), json!({ "id": i.id }));
        }
        m.insert("change".into(), J::Object(change));
        if let Some(r) = &c.reason {
            let reason = reason_name(r);
            m.insert("action_reason".into(), json!(reason));
        }
        changes.push(J::Object(m));
        if c.action != Action::Delete {
            if let Some(a) = after {
                let mut p = resource_base(&c.addr);
                p.insert("schema_version".into(), json!(0));
                p.insert("values".into(), masked(a));
                p.insert("sensitive_values".into(), sensitive_marks(a));
                planned
                    .entry(c.addr.module.clone())
                    .or_default()
                    .push(J::Object(p));
            }
        }
    }
    let mut outputs = Map::new();
    let mut planned_outputs = Map::new();
    for o in &plan.outputs {
        let after = o.after.as_ref();
        outputs.insert(
            o.name.clone(),
            json!({
                "actions": o.action.terraform_actions(),
                "before": if o.sensitive { J::Null } else { o.before.as_ref().map_or(J::Null, masked) },
                "after": if o.sensitive { J::Null } else { after.map_or(J::Null, masked) },
                "after_unknown": after.is_some_and(|a| !a.is_wholly_known()),
                "before_sensitive": o.sensitive,
                "after_sensitive": o.sensitive,
            }),
        );
        if let Some(a) = after {
            planned_outputs.insert(o.name.clone(), json!({"sensitive": o.sensitive, "value": if o.sensitive { J::Null } else { masked(a) }}));
        }
    }
    let mut doc = json!({
        "format_version": "1.2",
        "terraform_version": format!("terrace-{}", env!("CARGO_PKG_VERSION")),
        "planned_values": {
            "outputs": planned_outputs,
            "root_module": module_values(&ModulePath::root(), &planned),
        },
        "resource_changes": changes,
        "output_changes": outputs,
        "errored": false,
        "migrations": plan.migrations.iter().map(|m| json!({
            "address": m.addr,
            "database": m.database,
            "source": m.source,
            "basis": m.basis,
            "pending": m.pending.iter().map(|p| json!({
                "kind": p.kind.as_str(),
                "version": p.version,
                "description": p.description,
                "file": p.file,
                "checksum": p.checksum,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    let drift = resource_drift(plan);
    if !drift.is_empty() {
        doc["resource_drift"] = J::Array(drift);
    }
    if plan.refresh_only {
        doc["refresh_only"] = J::Bool(true);
    }
    if let Some(cfg) = config {
        doc["configuration"] = json!({
            "provider_config": {"aws": {"name": "aws", "full_name": PROVIDER}},
            "root_module": module_config(&cfg.root),
        });
    }
    doc
}

/// `planned_values.root_module`, with child modules nested under their parents.
fn module_values(path: &ModulePath, planned: &BTreeMap<ModulePath, Vec<J>>) -> J {
    let mut m = Map::new();
    if !path.is_root() {
        m.insert("address".into(), json!(path.to_string()));
    }
    m.insert(
        "resources".into(),
        J::Array(planned.get(path).cloned().unwrap_or_default()),
    );
    // Direct children of `path` that hold resources themselves or in their descendants.
    let mut child_paths: Vec<ModulePath> = planned
        .keys()
        .filter(|p| p.0.len() > path.0.len() && p.starts_with(path))
        .map(|p| ModulePath(p.0[..=path.0.len()].to_vec()))
        .collect();
    child_paths.sort();
    child_paths.dedup();
    let children: Vec<J> = child_paths
        .iter()
        .map(|p| module_values(p, planned))
        .collect();
    if !children.is_empty() {
        m.insert("child_modules".into(), J::Array(children));
    }
    J::Object(m)
}

fn expr_json(e: &Expr) -> J {
    let mut refs = Vec::new();
    references(e.file, &e.expr, &mut Vec::new(), &mut refs, &mut Vec::new());
    if refs.is_empty() {
        let scope = crate::eval::EmptyScope(std::path::Path::new("."));
        if let Ok(v) = crate::eval::Evaluator::new(&scope, e.file).eval(&e.expr) {
            if !v.contains_sensitive() {
                return json!({"constant_value": v.to_json()});
            }
        }
        return json!({});
    }
    let mut names: Vec<String> = Vec::new();
    for r in refs {
        let base = match &r.root {
            RefRoot::Var(n) => format!("var.{n}"),
            RefRoot::Local(n) => format!("local.{n}"),
            RefRoot::Module(n) => format!("module.{n}"),
            RefRoot::ModuleOutput(n, o) => format!("module.{n}.{o}"),
            RefRoot::Resource(a) => a.to_string(),
            RefRoot::Migration(n) => format!("migration.{n}"),
            RefRoot::Count(a) => format!("count.{a}"),
            RefRoot::Each(a) => format!("each.{a}"),
            RefRoot::Path(a) => format!("path.{a}"),
            RefRoot::Terraform(a) => format!("terraform.{a}"),
            RefRoot::SelfRef | RefRoot::Local_(_) => continue,
        };
        if let (Some(attr), RefRoot::Resource(_)) = (&r.attr, &r.root) {
            names.push(format!("{base}.{attr}"));
        }
        names.push(base);
    }
    names.dedup();
    json!({"references": names})
}

/// [`expr_json`] without `constant_value` when the value is sensitive (a literal password):
/// the references stay, the value never appears.
fn expr_json_masked(e: &Expr, sensitive: bool) -> J {
    let mut j = expr_json(e);
    if sensitive {
        if let Some(m) = j.as_object_mut() {
            m.remove("constant_value");
        }
    }
    j
}

/// A body's expressions; `schema` tells which attributes are sensitive.
fn body_json(b: &Body, schema: Option<&BodySchema>) -> J {
    let mut m = Map::new();
    for a in &b.attrs {
        let sensitive = schema
            .and_then(|s| s.attr(&a.name))
            .is_some_and(|s| s.sensitive);
        m.insert(a.name.clone(), expr_json_masked(&a.expr, sensitive));
    }
    for blk in &b.blocks {
        let inner = schema.and_then(|s| s.block(&blk.kind)).map(|s| &s.body);
        let entry = m
            .entry(blk.kind.clone())
            .or_insert_with(|| J::Array(Vec::new()));
        if let J::Array(items) = entry {
            items.push(body_json(&blk.body, inner));
        }
    }
    J::Object(m)
}

fn module_config(tree: &ModuleTree) -> J {
    let m = &tree.module;
    let resources: Vec<J> = m
        .resources
        .values()
        .map(|r| {
            let kind = if r.addr.mode == Mode::Data {
                SchemaKind::Data
            } else {
                SchemaKind::Managed
            };
            let schema = crate::schema::lookup(kind, &r.addr.type_name);
            let mut o = json!({
                "address": r.addr.to_string(),
                "mode": if r.addr.mode == Mode::Data { "data" } else { "managed" },
                "type": r.addr.type_name,
                "name": r.addr.name,
                "provider_config_key": "aws",
                "expressions": body_json(&r.body, schema.map(|s| &s.body)),
                "schema_version": 0,
            });
            if let Some(c) = &r.count {
                o["count_expression"] = expr_json(c);
            }
            if let Some(f) = &r.for_each {
                o["for_each_expression"] = expr_json(f);
            }
            o
        })
        .collect();
    let calls: Map<String, J> = m
        .module_calls
        .iter()
        .map(|(name, c)| {
            // An input the child module declares sensitive keeps its value out.
            let inputs: Map<String, J> = c
                .inputs
                .iter()
                .map(|a| {
                    let sensitive = tree
                        .children
                        .get(name)
                        .and_then(|t| t.module.variables.get(&a.name))
                        .is_some_and(|v| v.sensitive);
                    (a.name.clone(), expr_json_masked(&a.expr, sensitive))
                })
                .collect();
            let mut o = json!({
                "source": c.source,
                "expressions": inputs,
            });
            if let Some(child) = tree.children.get(name) {
                o["module"] = module_config(child);
            }
            (name.clone(), o)
        })
        .collect();
    let outputs: Map<String, J> = m
        .outputs
        .iter()
        .map(|(n, o)| {
            (
                n.clone(),
                json!({"expression": expr_json_masked(&o.value, o.sensitive), "sensitive": o.sensitive}),
            )
        })
        .collect();
    let variables: Map<String, J> = m
        .variables
        .iter()
        .map(|(n, v)| {
            let mut o = json!({});
            if let Some(d) = &v.description {
                o["description"] = json!(d);
            }
            if v.sensitive {
                o["sensitive"] = json!(true);
            } else if let Some(d) = &v.default {
                if let Some(c) = expr_json(d).get("constant_value") {
                    o["default"] = c.clone();
                }
            }
            (n.clone(), o)
        })
        .collect();
    json!({"resources": resources, "module_calls": calls, "outputs": outputs, "variables": variables})
}

/// Terraform's `action_reason` for a change's reason.
pub(crate) fn reason_name(r: &crate::plan::Reason) -> &'static str {
    use crate::plan::Reason;
    match r {
        Reason::ReplaceForced => "replace_because_cannot_update",
        Reason::ReplaceTainted => "replace_because_tainted",
        Reason::ReplaceRequested => "replace_by_request",
        Reason::ReplaceTriggered => "replace_by_triggers",
        Reason::DeleteNotInConfig => "delete_because_no_resource_config",
        Reason::DeleteWrongKey => "delete_because_count_index",
        Reason::DeleteModuleGone => "delete_because_no_module",
        Reason::DeleteDestroy => "delete_because_destroy",
        Reason::ReadDeferred => "read_because_config_unknown",
    }
}
