//! `terrace output [NAME]`: the root module's outputs as last applied, read from state.

use super::state::{open_state, StateCommandError};
use super::workspace::Workspace;
use crate::state::{OutputState, StateError};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// Every root module output in state (empty when there is no state yet).
pub fn outputs(ws: &Workspace) -> Result<BTreeMap<String, OutputState>, StateCommandError> {
    let store = open_state(ws)?;
    Ok(store.load()?.map(|s| s.outputs).unwrap_or_default())
}

/// One output, by name.
pub fn output(ws: &Workspace, name: &str) -> Result<OutputState, StateCommandError> {
    let mut all = outputs(ws)?;
    all.remove(name).ok_or_else(|| {
        StateError::NotFound {
            address: format!("output.{name}"),
        }
        .into()
    })
}

/// The type of a JSON value in Terraform's JSON type notation (as `output -json` shows it).
pub fn json_type(v: &Json) -> Json {
    match v {
        Json::Null => json!("dynamic"),
        Json::Bool(_) => json!("bool"),
        Json::Number(_) => json!("number"),
        Json::String(_) => json!("string"),
        Json::Array(items) => json!(["tuple", items.iter().map(json_type).collect::<Vec<_>>()]),
        Json::Object(m) => {
            let fields: serde_json::Map<String, Json> =
                m.iter().map(|(k, v)| (k.clone(), json_type(v))).collect();
            json!(["object", fields])
        }
    }
}

/// `terrace output -json`: `{"NAME": {"sensitive": …, "type": …, "value": …}}`, sensitive
/// values in clear, as Terraform shows them.
pub fn outputs_json(outputs: &BTreeMap<String, OutputState>) -> Json {
    let m: serde_json::Map<String, Json> = outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                json!({"sensitive": o.sensitive, "type": json_type(&o.value), "value": o.value}),
            )
        })
        .collect();
    Json::Object(m)
}

/// `terrace output -raw NAME`: strings as they are, numbers and booleans in their usual
/// form; other values are an error message.
pub fn raw_output(name: &str, o: &OutputState) -> Result<String, String> {
    match &o.value {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        Json::Null => Err(format!(
            "The -raw option only supports strings, numbers, and boolean values, but output value {name:?} is null. Use the -json option for machine-readable output."
        )),
        _ => Err(format!(
            "The -raw option only supports strings, numbers, and boolean values, but output value {name:?} is {}. Use the -json option for machine-readable output.",
            if o.value.is_array() { "a list" } else { "an object" }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        let outs: BTreeMap<String, OutputState> = [
            (
                "ids".to_string(),
                OutputState {
                    value: json!(["a", 1]),
                    sensitive: false,
                },
            ),
            (
                "pw".to_string(),
                OutputState {
                    value: json!("s3cret"),
                    sensitive: true,
                },
            ),
        ]
        .into();
        assert_eq!(
            outputs_json(&outs),
            json!({
                "ids": {"sensitive": false, "type": ["tuple", ["string", "number"]], "value": ["a", 1]},
                "pw": {"sensitive": true, "type": "string", "value": "s3cret"}
            })
        );
        assert_eq!(raw_output("pw", &outs["pw"]).unwrap(), "s3cret");
        assert!(raw_output("ids", &outs["ids"])
            .unwrap_err()
            .contains("a list"));
        assert_eq!(
            json_type(&json!({"a": null})),
            json!(["object", {"a": "dynamic"}])
        );
    }
}
