//! Refresh: read every managed object in state from the cloud, batched per type, and record
//! what changed outside Terrace.

use crate::addr::Mode;
use crate::config::IgnoreChanges;
use crate::drift::attribute_changes;
use crate::eval::Value;
use crate::plan::{changed_attrs, Drift};
use crate::provider::{Provider, ProviderError};
use crate::state::{value_to_state_json, State};
use std::collections::BTreeMap;

/// Updates `state` in place with the cloud's values (objects that are gone are removed) and
/// returns the differences configuration could cause or fix (computed-only attributes
/// update the state silently). One batched `read` per resource type.
pub async fn refresh<P: Provider>(
    provider: &P,
    state: &mut State,
) -> Result<Vec<Drift>, ProviderError> {
    let mut by_type: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in state.resources.iter().enumerate() {
        if r.address.resource.mode == Mode::Managed && r.provider_id.is_some() {
            by_type.entry(r.type_name.clone()).or_default().push(i);
        }
    }
    let mut drift = Vec::new();
    let mut gone = Vec::new();
    for (type_name, idxs) in by_type {
        let schema = crate::schema::resource(&type_name);
        let typed = |v: Value| match schema {
            Some(s) => crate::plan::conform(v, &s.body),
            None => v,
        };
        let priors: Vec<(String, Value)> = idxs
            .iter()
            .map(|&i| {
                (
                    state.resources[i].provider_id.clone().unwrap_or_default(),
                    typed(state.resources[i].value()),
                )
            })
            .collect();
        let current = provider.read(&type_name, &priors).await?;
        for (&i, (id, prior)) in idxs.iter().zip(priors) {
            let r = &mut state.resources[i];
            match current.get(&id) {
                None => {
                    drift.push(Drift {
                        addr: r.address.clone(),
                        before: Some(prior),
                        after: None,
                        changed: Vec::new(),
                    });
                    gone.push(r.address.clone());
                }
                Some(now) => {
                    let now = crate::plan::conform_marks(
                        typed(crate::provider::strip_ownership_tags(now.clone())),
                        &prior,
                    );
                    let changed = schema
                        .map(|s| changed_attrs(&prior, &now, s))
                        .unwrap_or_default();
                    if !changed.is_empty() {
                        let (attributes, sensitive_attributes) = value_to_state_json(&now);
                        r.attributes = attributes;
                        r.sensitive_attributes = sensitive_attributes;
                        // Computed-only attributes change as the cloud pleases; the state
                        // takes them, but they are not changes made outside Terrace.
                        let mut reported: Vec<String> = schema
                            .map(|s| {
                                attribute_changes(&prior, &now, s, &IgnoreChanges::None, &[])
                                    .into_iter()
                                    .map(|c| top_level(&c.path).to_string())
                                    .collect()
                            })
                            .unwrap_or_default();
                        reported.dedup();
                        if !reported.is_empty() {
                            drift.push(Drift {
                                addr: r.address.clone(),
                                before: Some(prior),
                                after: Some(now),
                                changed: reported,
                            });
                        }
                    }
                }
            }
        }
    }
    for a in gone {
        state.remove(&a);
    }
    Ok(drift)
}

/// The attribute a drift path starts with: `tags` of `tags["Owner"]`.
fn top_level(path: &str) -> &str {
    path.split('[').next().unwrap_or(path)
}
