//! Adopting objects that an interrupted create left behind.
//!
//! A create killed after AWS made the object, but before the journal recorded it, leaves an
//! object tagged with this state's lineage and the resource's address that state does not
//! know. Before walking, the engine lists such objects for every type it is about to create
//! (one batched Describe per type, all types at once). Creating that address then adopts the
//! object instead of making a second one: it is read, brought to the configuration in place
//! (or deleted and created afresh when a force-new attribute differs), and recorded. Further
//! objects left for the same address are deleted. Only objects carrying this state's lineage
//! are ever adopted or deleted. Types whose objects carry no tags are taken over by the
//! provider's create itself, by natural key (an `aws_route` identical to the configured one;
//! RDS objects by identifier).

use super::engine::{Shared, Task};
use crate::addr::{Mode, ResourceInstanceAddr};
use crate::eval::Value;
use crate::plan::diff::{changed_attrs, forcing, merge_prior};
use crate::plan::{Action, Plan};
use crate::provider::{
    strip_ownership_tags, CreateRequest, Provider, ProviderError, UpdateRequest,
};
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

/// What the scan found: candidate ids by address, and the types whose scan failed (their
/// creates fail rather than risk a duplicate).
#[derive(Debug, Default)]
pub(super) struct Found {
    pub(super) by_addr: BTreeMap<ResourceInstanceAddr, Vec<String>>,
    pub(super) failed: BTreeMap<String, String>,
}

pub(super) type Orphans = Mutex<Found>;

/// Lists, for every managed type the plan creates, the objects tagged with `lineage` whose
/// ids state does not hold.
pub(super) async fn find_orphans<P: Provider + 'static>(
    shared: &Arc<Shared<P>>,
    plan: &Plan,
    state: &State,
    lineage: &str,
) -> Found {
    let types: BTreeSet<String> = plan
        .changes
        .iter()
        .filter(|c| {
            c.addr.resource.mode == Mode::Managed
                && matches!(
                    c.action,
                    Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete
                )
        })
        .map(|c| c.addr.resource.type_name.clone())
        .collect();
    let known: BTreeSet<&str> = state
        .resources
        .iter()
        .filter_map(|r| r.provider_id.as_deref())
        .collect();
    let mut scans = JoinSet::new();
    for t in types {
        let sh = shared.clone();
        let lineage = lineage.to_string();
        scans.spawn(async move {
            let r = sh.provider.find_owned(&t, &lineage).await;
            (t, r)
        });
    }
    let mut found = Found::default();
    while let Some(joined) = scans.join_next().await {
        let Ok((t, r)) = joined else { continue };
        match r {
            Ok(objects) => {
                for (addr, id) in objects {
                    let Ok(addr) = addr.parse::<ResourceInstanceAddr>() else {
                        continue;
                    };
                    if addr.resource.type_name == t && !known.contains(id.as_str()) {
                        found.by_addr.entry(addr).or_default().push(id);
                    }
                }
            }
            Err(e) => {
                found.failed.insert(t, e.to_string());
            }
        }
    }
    for ids in found.by_addr.values_mut() {
        ids.sort();
        ids.dedup();
    }
    found
}

/// Whether the configuration writes attribute `v` (a known, non-empty value).
fn written(v: Option<&Value>) -> bool {
    match v.map(Value::peel) {
        None | Some(Value::Null | Value::Unknown) => false,
        Some(Value::List(x) | Value::Set(x)) => !x.is_empty(),
        Some(_) => true,
    }
}

impl<P: Provider> Shared<P> {
    /// Adopts the object an interrupted create left for `t`'s address, if there is one:
    /// returns its value brought to `config`, or `None` when a new object must be created.
    pub(super) async fn adopt(
        &self,
        t: &Task<'_>,
        config: &Value,
        tags: &BTreeMap<String, String>,
    ) -> Result<Option<Value>, String> {
        let c = t.change;
        let type_name = c.addr.resource.type_name.as_str();
        let ids = {
            let mut found = self
                .orphans
                .lock()
                .map_err(|_| "the adoption table lock is poisoned".to_string())?;
            if let Some(e) = found.failed.get(type_name) {
                return Err(format!(
                    "cannot check for {type_name} objects left by an interrupted apply, so creating one could make a duplicate: {e}"
                ));
            }
            found.by_addr.remove(&c.addr).unwrap_or_default()
        };
        if ids.is_empty() {
            return Ok(None);
        }
        let Some(schema) = crate::schema::resource(type_name) else {
            return Ok(None);
        };
        let token = super::engine::client_token(&self.lineage, &c.addr, 0);
        for id in &ids {
            let req = CreateRequest {
                addr: &c.addr,
                config,
                tags,
                client_token: &token,
                timeout: self.timeout(t, "create"),
            };
            match self
                .slot(t)
                .await
                .run(self.provider.prepare_adoption(req, id))
                .await
            {
                Ok(()) | Err(ProviderError::NotFound { .. }) => {}
                Err(e) => return Err(format!("adopting {id}: {e}")),
            }
        }
        let priors: Vec<(String, Value)> =
            ids.iter().map(|id| (id.clone(), config.clone())).collect();
        let read = self
            .provider
            .read(type_name, &priors)
            .await
            .map_err(|e| e.to_string())?;
        let mut live = ids.iter().filter_map(|id| read.get(id).map(|v| (id, v)));
        let Some((id, value)) = live.next() else {
            return Ok(None);
        };
        let surplus: Vec<(&String, &Value)> = live.collect();
        for (extra, v) in surplus {
            self.progress(
                t,
                format!("deleting {extra}, a second object left by an interrupted apply"),
            );
            self.delete_object(t, extra, v)
                .await
                .map_err(|e| format!("deleting {extra}, left by an interrupted apply: {e}"))?;
        }
        self.progress(t, format!("adopting {id}, created by an interrupted apply"));
        let value = strip_ownership_tags(value.clone());
        // Compared as a fresh create would leave it: nested blocks exactly as configured
        // (so a security group loses the default egress rule a create revokes), computed
        // attributes the configuration leaves unknown as the cloud has them.
        let planned = merge_prior(config, &value, &schema.body, &|n| {
            schema.body.block(n).is_some() || written(config.get_attr(n))
        });
        let changed = changed_attrs(&value, &planned, schema);
        if changed.is_empty() {
            return Ok(Some(value));
        }
        if !forcing(&changed, &value, &planned, schema).is_empty() {
            self.progress(
                t,
                format!(
                    "{id} differs in {} and must be replaced",
                    changed.join(", ")
                ),
            );
            self.delete_object(t, id, &value)
                .await
                .map_err(|e| format!("deleting {id}, left by an interrupted apply: {e}"))?;
            return Ok(None);
        }
        let updated = self
            .slot(t)
            .await
            .run(self.provider.update(UpdateRequest {
                addr: &c.addr,
                id,
                prior: &value,
                config,
                changed: &changed,
                tags,
                timeout: self.timeout(t, "update"),
            }))
            .await
            .map_err(|e| format!("adopting {id}: {e}"))?;
        Ok(Some(updated))
    }
}
