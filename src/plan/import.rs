//! Imports in a plan: an existing object an `import` block names is planned as if it were
//! already in state (so the plan shows how it differs from its configuration), and its
//! change carries the object as read, which apply writes to state first.

use super::{Action, Plan};
use crate::addr::ResourceInstanceAddr;
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::Value;
use serde::{Deserialize, Serialize};

/// The existing object a change imports (Terraform's `change.importing`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importing {
    /// The import id: the object's cloud id.
    pub id: String,
    /// The object as read from the cloud, shaped by the type's schema. Apply records it in
    /// state before any other step of the change runs.
    #[serde(with = "object_serde")]
    pub object: Value,
}

/// Marks the changes of the imported addresses with what they import. An import whose
/// change is not in the plan was left out by `-target` and is not imported. An import whose
/// instance the configuration does not produce (a count index or for_each key it does not
/// have) is an error, added to `diags`.
pub fn mark_imports(
    plan: &mut Plan,
    imports: Vec<(ResourceInstanceAddr, Importing)>,
    diags: &mut Diagnostics,
) {
    for (addr, importing) in imports {
        let Ok(i) = plan.changes.binary_search_by(|c| c.addr.cmp(&addr)) else {
            continue;
        };
        let change = &mut plan.changes[i];
        if change.action == Action::Delete {
            diags.push(
                Diagnostic::error("Configuration for import target does not exist").detail(
                    format!(
                        "The configuration for the given import target {addr} does not exist: its resource does not produce this instance (check count or for_each). All target instances must have an associated configuration to be imported."
                    ),
                ),
            );
            continue;
        }
        change.importing = Some(importing);
    }
}

mod object_serde {
    use crate::eval::Value;
    use crate::plan::value_serde::{from_json, to_json};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        to_json(v).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        Ok(from_json(&serde_json::Value::deserialize(d)?))
    }
}
