//! The DAG walk.

use super::events::{ApplyEvent, EventSink};
use super::order::{dependencies, Node, Phase};
use crate::addr::{Mode, ResourceInstanceAddr};
use crate::eval::Value;
use crate::graph::DepGraph;
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::slot::{CallSlot, StatusFn};
use crate::provider::{CreateRequest, DeleteRequest, Provider, ProviderError, UpdateRequest};
use crate::state::{value_to_state_json, Journal, JournalEntry, ResourceState, State};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Computes an instance's final configuration value just before it is created or updated,
/// when everything it depends on has been applied and is in `state`.
pub trait Resolver: Send + Sync {
    fn resolve(&self, addr: &ResourceInstanceAddr, state: &State) -> Result<Value, String>;
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct ApplySettings {
    /// Concurrent provider calls (`-parallelism`).
    pub parallelism: usize,
    /// Per-operation time limit when the resource sets no `timeouts`.
    pub default_timeout: Duration,
}

impl Default for ApplySettings {
    fn default() -> Self {
        ApplySettings {
            parallelism: 10,
            default_timeout: Duration::from_secs(45 * 60),
        }
    }
}

/// What the engine needs besides the plan: how to resolve final values, where events go.
pub struct ApplyContext {
    pub resolver: Arc<dyn Resolver>,
    pub sink: Arc<dyn EventSink>,
    pub settings: ApplySettings,
    /// Runs the plan's pending migrations; with `None` they are left pending.
    pub stage: Option<Arc<dyn super::MigrationStage>>,
}

/// How one change ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeResult {
    Done,
    Failed(String),
    /// Not attempted: a dependency (a resource or migration block, by address) failed.
    Skipped(String),
    /// Not attempted: the run was interrupted.
    Cancelled,
}

/// The result of an apply: every change that had an action, by address.
#[derive(Debug, Default)]
pub struct ApplyOutcome {
    pub results: BTreeMap<ResourceInstanceAddr, NodeResult>,
    /// Migration stages that ran or were to run, by migration block address.
    pub migrations: BTreeMap<String, NodeResult>,
}

impl ApplyOutcome {
    /// Records how one step ended; a failure outranks a skip, a skip an interruption, and
    /// any of them success (a replacement is two steps).
    fn merge(&mut self, node: &Node, r: NodeResult) {
        let rank = |r: &NodeResult| match r {
            NodeResult::Done => 0,
            NodeResult::Cancelled => 1,
            NodeResult::Skipped(_) => 2,
            NodeResult::Failed(_) => 3,
        };
        fn put<K: Ord>(
            m: &mut BTreeMap<K, NodeResult>,
            k: K,
            r: NodeResult,
            rank: impl Fn(&NodeResult) -> u8,
        ) {
            match m.get(&k) {
                Some(old) if rank(old) >= rank(&r) => {}
                _ => {
                    m.insert(k, r);
                }
            }
        }
        match node {
            Node::Resource(a, _) => put(&mut self.results, a.clone(), r, rank),
            Node::Migration(m) => put(&mut self.migrations, m.clone(), r, rank),
        }
    }

    /// Resources whose change did not complete.
    pub fn failed(&self) -> impl Iterator<Item = (&ResourceInstanceAddr, &NodeResult)> {
        self.results
            .iter()
            .filter(|(_, r)| !matches!(r, NodeResult::Done))
    }

    /// Migration blocks whose stage did not complete.
    pub fn failed_migrations(&self) -> impl Iterator<Item = (&String, &NodeResult)> {
        self.migrations
            .iter()
            .filter(|(_, r)| !matches!(r, NodeResult::Done))
    }

    pub fn is_success(&self) -> bool {
        self.failed().next().is_none() && self.failed_migrations().next().is_none()
    }
}

/// The action events report for one step: a replacement's halves report as a delete and a
/// create, as Terraform's output shows them.
fn phase_action(action: Action, phase: Phase) -> Action {
    match phase {
        Phase::All => action,
        Phase::Destroy => Action::Delete,
        Phase::Create => Action::Create,
    }
}

/// An idempotency token from lineage, address and generation: the same create retried or
/// resumed sends the same token.
pub(super) fn client_token(lineage: &str, addr: &ResourceInstanceAddr, generation: u64) -> String {
    let h = Sha256::digest(format!("{lineage}\0{addr}\0{generation}").as_bytes());
    h.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Tags for a new object: its `tags_all` plus the ownership tags.
pub(super) fn object_tags(
    v: &Value,
    lineage: &str,
    addr: &ResourceInstanceAddr,
) -> BTreeMap<String, String> {
    let mut tags: BTreeMap<String, String> = v
        .get_attr("tags_all")
        .or_else(|| v.get_attr("tags"))
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, x)| x.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    tags.insert("terrace:address".into(), addr.to_string());
    tags.insert("terrace:lineage".into(), lineage.to_string());
    tags
}

fn record(
    addr: &ResourceInstanceAddr,
    value: &Value,
    deps: &BTreeSet<ResourceInstanceAddr>,
    cbd: bool,
) -> ResourceState {
    let (attributes, sensitive_attributes) = value_to_state_json(value);
    ResourceState {
        address: addr.clone(),
        mode: if addr.resource.mode == Mode::Data {
            "data".into()
        } else {
            "managed".into()
        },
        type_name: addr.resource.type_name.clone(),
        provider_id: value
            .get_attr("id")
            .and_then(Value::as_str)
            .map(str::to_string),
        attributes,
        sensitive_attributes,
        dependencies: deps.iter().map(ToString::to_string).collect(),
        create_before_destroy: cbd,
        tainted: false,
    }
}

/// Keeps the schema's sensitive marks on a value the provider returned.
fn mark_sensitive(type_name: &str, mode: Mode, v: Value) -> Value {
    let schema = match mode {
        Mode::Managed => crate::schema::resource(type_name),
        Mode::Data => crate::schema::data_source(type_name),
    };
    match (schema, v) {
        (Some(s), Value::Map(mut m)) => {
            for a in s.body.attrs.iter().filter(|a| a.sensitive) {
                if let Some(x) = m.remove(a.name) {
                    m.insert(a.name.to_string(), x.sensitive());
                }
            }
            Value::Map(m)
        }
        (_, v) => v,
    }
}

pub(super) struct Shared<P> {
    pub(super) provider: P,
    journal: Mutex<Journal>,
    resolver: Arc<dyn Resolver>,
    sink: Arc<dyn EventSink>,
    /// Permits for mutating provider calls (`-parallelism`); waits give theirs back.
    calls: Arc<Semaphore>,
    pub(super) settings: ApplySettings,
    pub(super) lineage: String,
    /// Objects tagged with this lineage that state does not know, by the address in their
    /// tags: left by an interrupted create, adopted instead of created again.
    pub(super) orphans: super::adopt::Orphans,
}

/// The change a task works on and when it started (for progress events).
#[derive(Clone)]
pub(super) struct Task<'a> {
    pub(super) change: &'a ResourceChange,
    pub(super) started: Instant,
}

impl<P: Provider> Shared<P> {
    /// A parallelism slot for one provider call of `t`; waiter status becomes progress events.
    pub(super) async fn slot(&self, t: &Task<'_>) -> Arc<CallSlot> {
        let sink = self.sink.clone();
        let addr = t.change.addr.clone();
        let action = t.change.action;
        let started = t.started;
        let status: StatusFn = Arc::new(move |s: &str| {
            sink.event(ApplyEvent::Progress {
                addr: addr.clone(),
                action,
                status: s.to_string(),
                elapsed: started.elapsed(),
            });
        });
        CallSlot::acquire(self.calls.clone(), Some(status)).await
    }

    /// The time limit of `operation` on `t`'s resource: its `timeouts {}` or the default.
    pub(super) fn timeout(&self, t: &Task<'_>, operation: &str) -> Duration {
        t.change
            .timeout(operation)
            .unwrap_or(self.settings.default_timeout)
    }

    /// Runs migration block `m`'s stage against the current state; every history row it
    /// wrote is recorded in state, also when it failed part-way. `Ok(Some(n))`: `n`
    /// migrations ran.
    async fn migrate(
        &self,
        m: &str,
        stage: Option<&dyn super::MigrationStage>,
        started: Instant,
    ) -> Result<Option<String>, String> {
        let Some(stage) = stage else {
            return Err("this run has no migration stage".into());
        };
        let sink = self.sink.clone();
        let addr = m.to_string();
        let status: super::StageStatus = Arc::new(move |s: &str| {
            sink.event(ApplyEvent::MigrationProgress {
                addr: addr.clone(),
                status: s.to_string(),
                elapsed: started.elapsed(),
            });
        });
        let result = stage.run(m, self.snapshot(), status).await;
        let applied = result.records.iter().filter(|r| r.success).count();
        match result.history {
            Some(records) => self.append(JournalEntry::SetMigrations {
                migration: m.to_string(),
                records,
            })?,
            None => {
                for record in result.records {
                    self.append(JournalEntry::AddMigration { record })?;
                }
            }
        }
        match result.error {
            Some(e) => Err(e),
            None => Ok(Some(applied.to_string())),
        }
    }

    /// Reports `status` for `t` (outside a provider call).
    pub(super) fn progress(&self, t: &Task<'_>, status: String) {
        self.sink.event(ApplyEvent::Progress {
            addr: t.change.addr.clone(),
            action: t.change.action,
            status,
            elapsed: t.started.elapsed(),
        });
    }

    fn snapshot(&self) -> State {
        self.journal
            .lock()
            .map(|j| j.state().clone())
            .unwrap_or_default()
    }

    fn append(&self, e: JournalEntry) -> Result<(), String> {
        let mut j = self
            .journal
            .lock()
            .map_err(|_| "the state journal lock is poisoned".to_string())?;
        j.append(&e).map_err(|e| e.to_string())
    }

    /// Deletes object `id` of `t`'s resource in a parallelism slot; an object already gone
    /// counts as deleted.
    pub(super) async fn delete_object(
        &self,
        t: &Task<'_>,
        id: &str,
        prior: &Value,
    ) -> Result<(), ProviderError> {
        let c = t.change;
        let req = DeleteRequest {
            addr: &c.addr,
            type_name: &c.addr.resource.type_name,
            id,
            prior,
            timeout: self.timeout(t, "delete"),
        };
        match self.slot(t).await.run(self.provider.delete(req)).await {
            Ok(()) | Err(ProviderError::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The prior object of `t`'s change and its cloud id (none when it never had one).
    fn prior_object(t: &Task<'_>) -> (Value, Option<String>) {
        let c = t.change;
        let prior = c.before.clone().unwrap_or(Value::Null);
        let id = c.provider_id.clone().or_else(|| {
            prior
                .get_attr("id")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        (prior, id)
    }

    async fn delete(&self, t: &Task<'_>) -> Result<(), String> {
        let (prior, id) = Self::prior_object(t);
        if let Some(id) = id {
            self.delete_object(t, &id, &prior)
                .await
                .map_err(|e| e.to_string())?;
        }
        self.append(JournalEntry::Remove {
            address: t.change.addr.clone(),
        })
    }

    /// Deletes the object a create-before-destroy replacement replaced (its id is kept in the
    /// plan; state already holds the new object).
    async fn delete_replaced(&self, t: &Task<'_>) -> Result<(), String> {
        let (prior, Some(old_id)) = Self::prior_object(t) else {
            return Ok(());
        };
        self.delete_object(t, &old_id, &prior).await.map_err(|e| {
            format!("the replacement was created, but deleting the old object {old_id} failed: {e}")
        })
    }

    async fn create(
        &self,
        t: &Task<'_>,
        deps: &BTreeSet<ResourceInstanceAddr>,
    ) -> Result<Option<String>, String> {
        let c = t.change;
        let config = self.resolver.resolve(&c.addr, &self.snapshot())?;
        let tags = object_tags(&config, &self.lineage, &c.addr);
        let adopted = if c.addr.resource.mode == Mode::Managed {
            self.adopt(t, &config, &tags).await?
        } else {
            None
        };
        let value = if let Some(v) = adopted {
            v
        } else {
            let token = client_token(&self.lineage, &c.addr, 0);
            let slot = self.slot(t).await;
            if c.addr.resource.mode == Mode::Data {
                slot.run(self.provider.read_data(&c.addr.resource.type_name, &config))
                    .await
            } else {
                slot.run(self.provider.create(CreateRequest {
                    addr: &c.addr,
                    config: &config,
                    tags: &tags,
                    client_token: &token,
                    timeout: self.timeout(t, "create"),
                }))
                .await
            }
            .map_err(|e| e.to_string())?
        };
        let value = mark_sensitive(
            &c.addr.resource.type_name,
            c.addr.resource.mode,
            crate::provider::strip_ownership_tags(value),
        );
        let id = value
            .get_attr("id")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.append(JournalEntry::Upsert {
            resource: record(&c.addr, &value, deps, c.create_before_destroy),
        })?;
        Ok(id)
    }

    async fn update(
        &self,
        t: &Task<'_>,
        deps: &BTreeSet<ResourceInstanceAddr>,
    ) -> Result<Option<String>, String> {
        let c = t.change;
        let state = self.snapshot();
        let config = self.resolver.resolve(&c.addr, &state)?;
        let prior = state
            .get(&c.addr)
            .map(ResourceState::value)
            .or_else(|| c.before.clone())
            .unwrap_or(Value::Null);
        let id = c
            .provider_id
            .clone()
            .or_else(|| {
                prior
                    .get_attr("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let tags = object_tags(&config, &self.lineage, &c.addr);
        let value = self
            .slot(t)
            .await
            .run(self.provider.update(UpdateRequest {
                addr: &c.addr,
                id: &id,
                prior: &prior,
                config: &config,
                changed: &c.changed,
                tags: &tags,
                timeout: self.timeout(t, "update"),
            }))
            .await
            .map_err(|e| e.to_string())?;
        let value = mark_sensitive(
            &c.addr.resource.type_name,
            c.addr.resource.mode,
            crate::provider::strip_ownership_tags(value),
        );
        self.append(JournalEntry::Upsert {
            resource: record(&c.addr, &value, deps, c.create_before_destroy),
        })?;
        Ok(Some(id))
    }

    async fn run(
        &self,
        t: &Task<'_>,
        deps: &BTreeSet<ResourceInstanceAddr>,
        phase: Phase,
    ) -> Result<Option<String>, String> {
        let c = t.change;
        match phase {
            Phase::Destroy if c.action == Action::DeleteThenCreate => {
                return self.delete(t).await.map(|()| None)
            }
            Phase::Destroy => return self.delete_replaced(t).await.map(|()| None),
            Phase::Create => return self.create(t, deps).await,
            Phase::All => {}
        }
        match c.action {
            Action::NoOp => Ok(None),
            Action::Create | Action::Read => self.create(t, deps).await,
            Action::Update => self.update(t, deps).await,
            Action::Delete => self.delete(t).await.map(|()| None),
            Action::DeleteThenCreate => {
                self.delete(t).await?;
                self.create(t, deps).await
            }
            Action::CreateThenDelete => {
                let id = self.create(t, deps).await?;
                self.delete_replaced(t).await?;
                Ok(id)
            }
        }
    }
}

/// Applies `plan`. Every finished change is appended to `journal`; the caller folds it
/// (`Journal::finish`) afterwards, also after failures. `cancel` resolves when the run
/// should stop starting new changes (Ctrl-C); in-flight changes finish.
pub async fn apply_plan<P: Provider + 'static>(
    provider: P,
    plan: &Plan,
    graph: &DepGraph,
    journal: Journal,
    ctx: ApplyContext,
    cancel: impl std::future::Future<Output = ()> + Send,
) -> (ApplyOutcome, Journal) {
    let ApplyContext {
        resolver,
        sink,
        settings,
        stage,
    } = ctx;
    let mut journal = journal;
    // Data sources read while planning: their values are what the plan was made with.
    for c in plan
        .changes
        .iter()
        .filter(|c| c.addr.resource.mode == Mode::Data && c.action == Action::NoOp)
    {
        if let Some(v) = c.before.as_ref().filter(|v| v.is_wholly_known()) {
            let _ = journal.append(&JournalEntry::Upsert {
                resource: record(&c.addr, v, &BTreeSet::new(), false),
            });
        }
    }
    let lineage = journal.state().lineage.clone();
    let pending: BTreeMap<String, usize> = plan
        .migrations
        .iter()
        .filter(|m| !m.pending.is_empty())
        .map(|m| (m.addr.clone(), m.pending.len()))
        .collect();
    // Without a stage, migrations stay pending (they are not steps of this run).
    let running: BTreeSet<String> = if stage.is_some() {
        pending.keys().cloned().collect()
    } else {
        BTreeSet::new()
    };
    let (mut deps, recorded) = dependencies(plan, graph, journal.state(), &running);
    // Imported objects are recorded before any step runs: a change of one starts from it.
    let mut failed_imports = Vec::new();
    for c in &plan.changes {
        let Some(i) = &c.importing else { continue };
        let d = recorded.get(&c.addr).cloned().unwrap_or_default();
        let resource = record(&c.addr, &i.object, &d, c.create_before_destroy);
        if let Err(e) = journal.append(&JournalEntry::Upsert { resource }) {
            failed_imports.push((
                c.addr.clone(),
                format!("recording the imported object failed: {e}"),
            ));
        }
    }
    let shared = Arc::new(Shared {
        provider,
        journal: Mutex::new(journal),
        resolver,
        sink,
        calls: Arc::new(Semaphore::new(settings.parallelism.max(1))),
        settings,
        lineage,
        orphans: Default::default(),
    });
    {
        let state = shared.snapshot();
        let found = super::adopt::find_orphans(&shared, plan, &state, &shared.lineage).await;
        if let Ok(mut o) = shared.orphans.lock() {
            *o = found;
        }
    }
    let changes: BTreeMap<ResourceInstanceAddr, ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.addr.clone(), c.clone()))
        .collect();
    let mut dependents: HashMap<Node, Vec<Node>> = HashMap::new();
    for (a, ds) in &deps {
        for d in ds {
            dependents.entry(d.clone()).or_default().push(a.clone());
        }
    }
    let mut waiting: HashMap<Node, usize> =
        deps.iter().map(|(a, ds)| (a.clone(), ds.len())).collect();
    let mut outcome = ApplyOutcome::default();
    for (addr, e) in failed_imports {
        outcome.results.insert(addr, NodeResult::Failed(e));
    }
    let mut tasks: JoinSet<(Node, Result<Option<String>, String>, Duration)> = JoinSet::new();
    let mut cancelled = false;
    tokio::pin!(cancel);
    loop {
        if !cancelled {
            let ready: Vec<Node> = waiting
                .iter()
                .filter(|(_, n)| **n == 0)
                .map(|(a, _)| a.clone())
                .collect();
            for node in ready {
                waiting.remove(&node);
                deps.remove(&node);
                let sh = shared.clone();
                match node.clone() {
                    Node::Resource(a, phase) => {
                        let c = changes[&a].clone();
                        let d = recorded.get(&a).cloned().unwrap_or_default();
                        sh.sink.event(ApplyEvent::Start {
                            addr: a.clone(),
                            action: phase_action(c.action, phase),
                        });
                        tasks.spawn(async move {
                            let task = Task {
                                change: &c,
                                started: Instant::now(),
                            };
                            let r = sh.run(&task, &d, phase).await;
                            (node, r, task.started.elapsed())
                        });
                    }
                    Node::Migration(m) => {
                        sh.sink.event(ApplyEvent::MigrationStart {
                            addr: m.clone(),
                            pending: pending.get(&m).copied().unwrap_or(0),
                        });
                        let stage = stage.clone();
                        tasks.spawn(async move {
                            let started = Instant::now();
                            let r = sh.migrate(&m, stage.as_deref(), started).await;
                            (node, r, started.elapsed())
                        });
                    }
                }
            }
        }
        if tasks.is_empty() {
            break;
        }
        let next = tokio::select! {
            r = tasks.join_next() => r,
            () = &mut cancel, if !cancelled => {
                cancelled = true;
                continue;
            }
        };
        let Some(joined) = next else { break };
        let (node, result, elapsed) = match joined {
            Ok(x) => x,
            Err(e) => {
                // A panicking task is a bug; report it against nothing in particular.
                outcome.results.insert(
                    ResourceInstanceAddr {
                        module: Default::default(),
                        resource: crate::addr::ResourceAddr::managed("internal", "error"),
                        key: crate::addr::InstanceKey::None,
                    },
                    NodeResult::Failed(e.to_string()),
                );
                continue;
            }
        };
        let label = node.label();
        match result {
            Ok(id) => {
                shared.sink.event(match &node {
                    Node::Resource(addr, phase) => ApplyEvent::Complete {
                        addr: addr.clone(),
                        action: phase_action(changes[addr].action, *phase),
                        id,
                        elapsed,
                    },
                    Node::Migration(m) => ApplyEvent::MigrationComplete {
                        addr: m.clone(),
                        applied: id.and_then(|n| n.parse().ok()).unwrap_or(0),
                        elapsed,
                    },
                });
                outcome.merge(&node, NodeResult::Done);
                for d in dependents.get(&node).into_iter().flatten() {
                    if let Some(n) = waiting.get_mut(d) {
                        *n = n.saturating_sub(1);
                    }
                }
            }
            Err(e) => {
                shared.sink.event(match &node {
                    Node::Resource(addr, phase) => ApplyEvent::Errored {
                        addr: addr.clone(),
                        action: phase_action(changes[addr].action, *phase),
                        error: e.clone(),
                        elapsed,
                    },
                    Node::Migration(m) => ApplyEvent::MigrationErrored {
                        addr: m.clone(),
                        error: e.clone(),
                        elapsed,
                    },
                });
                outcome.merge(&node, NodeResult::Failed(e));
                // Everything that (transitively) waits for it is skipped.
                let mut stack = vec![node.clone()];
                while let Some(x) = stack.pop() {
                    for d in dependents.get(&x).cloned().unwrap_or_default() {
                        if waiting.remove(&d).is_some() {
                            if let Node::Resource(a, _) = &d {
                                if a.to_string() != label {
                                    shared.sink.event(ApplyEvent::Skipped {
                                        addr: a.clone(),
                                        because: label.clone(),
                                    });
                                }
                            }
                            outcome.merge(&d, NodeResult::Skipped(label.clone()));
                            stack.push(d);
                        }
                    }
                }
            }
        }
    }
    for node in waiting.into_keys() {
        outcome.merge(
            &node,
            if cancelled {
                NodeResult::Cancelled
            } else {
                NodeResult::Failed("dependency cycle".into())
            },
        );
    }
    // Destroying forgets data sources too, once every managed object is gone.
    if plan.destroy && outcome.results.values().all(|r| *r == NodeResult::Done) {
        let data: Vec<ResourceInstanceAddr> = shared
            .snapshot()
            .resources
            .iter()
            .filter(|r| r.address.resource.mode == Mode::Data)
            .map(|r| r.address.clone())
            .collect();
        for address in data {
            let _ = shared.append(JournalEntry::Remove { address });
        }
    }
    let shared =
        Arc::try_unwrap(shared).unwrap_or_else(|_| unreachable!("all tasks have finished"));
    let journal = shared
        .journal
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    (outcome, journal)
}
