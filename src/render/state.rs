//! State for people (`terrace show`, `state show`) and as Terraform's state JSON
//! representation (`terrace show -json`). Sensitive values are masked in both.

use crate::addr::Mode;
use crate::eval::Value;
use crate::state::{ResourceState, State};
use serde_json::json;
use std::fmt::Write;

/// One resource in HCL-like form.
pub fn resource_human(r: &ResourceState) -> String {
    let mut out = String::new();
    let kind = if r.address.resource.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    let _ = writeln!(out, "# {}:", r.address);
    let _ = writeln!(
        out,
        "{kind} {:?} {:?} {{",
        r.address.resource.type_name, r.address.resource.name
    );
    if let Some(m) = r.value().as_map() {
        let shown: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| !v.is_null()).collect();
        let width = shown.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in shown {
            let _ = writeln!(out, "    {k:<width$} = {v}");
        }
    }
    out.push_str("}\n");
    out
}

/// The whole state, resource by resource, then outputs.
pub fn state_human(s: &State) -> String {
    if s.resources.is_empty() && s.outputs.is_empty() {
        return "The state file is empty. No resources are represented.\n".into();
    }
    let mut out = String::new();
    for r in &s.resources {
        out.push_str(&resource_human(r));
        out.push('\n');
    }
    if !s.outputs.is_empty() {
        out.push_str("Outputs:\n\n");
        for (k, o) in &s.outputs {
            let v = if o.sensitive {
                "(sensitive value)".to_string()
            } else {
                Value::from_json(&o.value).to_string()
            };
            let _ = writeln!(out, "{k} = {v}");
        }
    }
    out
}

/// Terraform's state representation: `{format_version, values: {outputs, root_module}}`.
pub fn state_json(s: &State) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = s
        .resources
        .iter()
        .map(|r| {
            let v = r.value();
            json!({
                "address": r.address.to_string(),
                "mode": if r.address.resource.mode == Mode::Data { "data" } else { "managed" },
                "type": r.address.resource.type_name,
                "name": r.address.resource.name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": super::plan_json::masked(&v),
                "sensitive_values": !r.sensitive_attributes.is_empty(),
                "depends_on": r.dependencies,
                "tainted": r.tainted,
            })
        })
        .collect();
    let outputs: serde_json::Map<String, serde_json::Value> =
        s.outputs.iter().map(|(k, o)| (k.clone(), json!({"sensitive": o.sensitive, "value": if o.sensitive { serde_json::Value::Null } else { o.value.clone() }}))).collect();
    json!({
        "format_version": "1.0",
        "terraform_version": format!("terrace-{}", env!("CARGO_PKG_VERSION")),
        "lineage": s.lineage,
        "serial": s.serial,
        "values": {"outputs": outputs, "root_module": {"resources": resources}},
    })
}
