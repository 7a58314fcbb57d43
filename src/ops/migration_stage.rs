//! The migration stage of `apply`: runs a migration block's pending migrations against its
//! database once the engine has applied everything the block references.
//!
//! The block is evaluated against the state of that moment (so `aws_db_instance.*.address`
//! and friends are known), its connection is worked out by [`migration_target`], and the
//! runner (`crate::migrate::up`) applies the pending files under the database's migration
//! lock. Every history row the run wrote comes back for the state's `migrations` section,
//! also when a migration failed part-way. A failure never touches the database resource.
//!
//! With `snapshot_before = true`, the stage first asks the runner's status whether anything
//! is pending (without the lock: a snapshot a concurrent run makes unnecessary is harmless);
//! when something is, it snapshots the database instance through the provider
//! ([`Snapshotter`]) and waits for the snapshot before any migration runs. A snapshot failure
//! fails the stage before it migrates. Nothing pending (or a history that disagrees with the
//! files, which `up` refuses anyway): no snapshot.

use super::migration_target::{migration_target, MigrationSetup};
use crate::addr::NodeAddr;
use crate::apply::{MigrationStage, StageResult, StageStatus};
use crate::eval::{Evaluated, MigrationValue, Value};
use crate::migrate::{self, Audit, MigrateEvent, MigrationFile};
use crate::provider::{Provider, ProviderError, SnapshotRequest};
use crate::state::State;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How long a `snapshot_before` snapshot may take to become available.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// The tag naming the migration block a snapshot was taken for.
const SNAPSHOT_TAG: &str = "terrace:migration";

/// The longest RDS snapshot identifier.
const MAX_SNAPSHOT_ID: usize = 255;

/// Evaluates the configuration against a state.
pub(super) type Evaluate = Arc<dyn Fn(&State) -> Result<Evaluated, String> + Send + Sync>;

/// A snapshot to take: the database object (`type_name`, `id`), the new snapshot's
/// identifier and tags.
pub(super) struct SnapshotOrder {
    pub(super) type_name: String,
    pub(super) id: String,
    pub(super) snapshot_id: String,
    pub(super) tags: BTreeMap<String, String>,
    pub(super) timeout: Duration,
}

/// Takes a snapshot and waits until it is usable; answers the snapshot's identifier.
pub(super) type Snapshotter = Arc<
    dyn Fn(SnapshotOrder) -> Pin<Box<dyn Future<Output = Result<String, ProviderError>> + Send>>
        + Send
        + Sync,
>;

/// Snapshots through `provider`'s [`Provider::snapshot_database`].
pub(super) fn provider_snapshotter<P: Provider + Clone + 'static>(provider: P) -> Snapshotter {
    Arc::new(move |o: SnapshotOrder| {
        let p = provider.clone();
        Box::pin(async move {
            p.snapshot_database(SnapshotRequest {
                type_name: &o.type_name,
                id: &o.id,
                snapshot_id: &o.snapshot_id,
                tags: &o.tags,
                timeout: o.timeout,
            })
            .await
        })
    })
}

/// The stage over the workspace's configuration.
pub(super) struct ConfigStage {
    pub(super) evaluate: Evaluate,
    pub(super) env: Vec<(String, String)>,
    pub(super) audit: Audit,
    /// Takes the `snapshot_before` snapshots.
    pub(super) snapshot: Snapshotter,
}

/// The identifier of a `snapshot_before` snapshot of instance `db` for migration block
/// `block` (its name) at `at`: `<db>-terrace-<block>-<UTC yyyymmddhhmmss>`, made valid for
/// RDS: lower-case ASCII letters, digits and single hyphens, starting with a letter, no
/// trailing hyphen, at most 255 characters (the timestamp always kept).
pub(super) fn snapshot_identifier(db: &str, block: &str, at: SystemTime) -> String {
    let stamp: String = crate::state::rfc3339_utc(at)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let mut head = String::new();
    for c in format!("{db}-terrace-{block}").chars() {
        if c.is_ascii_alphanumeric() {
            if !head.is_empty() || c.is_ascii_alphabetic() {
                head.push(c.to_ascii_lowercase());
            }
        } else if !head.is_empty() && !head.ends_with('-') {
            head.push('-');
        }
    }
    if head.is_empty() {
        head.push_str("terrace");
    }
    head.truncate(MAX_SNAPSHOT_ID - stamp.len() - 1);
    let head = head.trim_end_matches('-');
    format!("{head}-{stamp}")
}

/// A status line for a runner event.
fn describe(e: &MigrateEvent<'_>) -> String {
    match e {
        MigrateEvent::WaitingForLock { holder: Some(h) } => {
            format!("waiting for the migration lock held by {h}")
        }
        MigrateEvent::WaitingForLock { holder: None } => "waiting for the migration lock".into(),
        MigrateEvent::LockAcquired { waited } => {
            format!("lock acquired after {}s", waited.as_secs())
        }
        MigrateEvent::Started { file } => format!("running {}", file.file_name()),
        MigrateEvent::Finished { file, execution_ms } => {
            format!("{} done in {execution_ms} ms", file.file_name())
        }
        MigrateEvent::Failed { file } => format!("{} failed", file.file_name()),
    }
}

impl ConfigStage {
    async fn run_block(&self, addr: &str, state: State, status: StageStatus) -> StageResult {
        let fail = |e: String| StageResult {
            records: Vec::new(),
            history: None,
            error: Some(e),
        };
        let evaluated = match (self.evaluate)(&state) {
            Ok(e) => e,
            Err(e) => return fail(e),
        };
        let Some(m) = evaluated
            .migrations
            .iter()
            .find(|m| m.addr.to_string() == addr)
        else {
            return fail(format!("{addr} is no longer in the configuration"));
        };
        let db = m
            .database
            .as_ref()
            .and_then(|d| state.get(d))
            .map(|r| r.value());
        let env = |k: &str| {
            self.env
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let setup = match migration_target(&m.value, db.as_ref(), addr, &env) {
            Ok(s) => s,
            Err(e) => return fail(e.to_string()),
        };
        let files = match migrate::discover(&setup.source) {
            Ok(f) => f,
            Err(e) => return fail(format!("{addr}: {e}")),
        };
        if setup.snapshot_before {
            if let Err(e) =
                snapshot_if_pending(m, &state, &setup, &files, &self.snapshot, status.as_ref())
                    .await
            {
                return fail(e);
            }
        }
        let opts = setup.run_options(self.audit.clone());
        let progress = move |e: &MigrateEvent<'_>| status(&describe(e));
        match migrate::up(&setup.target, &files, None, &opts, &progress).await {
            Ok(report) => StageResult {
                records: report.ran.iter().map(|r| r.to_record(addr)).collect(),
                history: Some(report.history.iter().map(|r| r.to_record(addr)).collect()),
                error: None,
            },
            Err(e) => StageResult {
                records: e.ran.iter().map(|r| r.to_record(addr)).collect(),
                history: None,
                error: Some(format!("{}: {}", setup.target.describe(), e.error)),
            },
        }
    }
}

/// Snapshots block `m`'s database instance (found in `state`) when migrations are pending,
/// reporting progress through `status`; answers the snapshot's identifier. Takes none (and
/// answers `None`) when nothing is pending, or when the history disagrees with the files
/// (`up` then refuses to run). An error means no migration may run.
pub(super) async fn snapshot_if_pending(
    m: &MigrationValue,
    state: &State,
    setup: &MigrationSetup,
    files: &[MigrationFile],
    snapshot: &Snapshotter,
    status: &(dyn Fn(&str) + Send + Sync),
) -> Result<Option<String>, String> {
    let addr = m.addr.to_string();
    let found = migrate::status(&setup.target, files, setup.allow_out_of_order)
        .await
        .map_err(|e| format!("{}: {e}", setup.target.describe()))?;
    if found.pending.is_empty() || !found.problems.is_empty() {
        return Ok(None);
    }
    let Some(db) = m.database.as_ref() else {
        return Err(format!(
            "{addr}: snapshot_before is set, but the block names no database instance to \
             snapshot; no migration ran"
        ));
    };
    let Some(r) = state.get(db) else {
        return Err(format!(
            "{addr}: snapshot_before is set, but {db} is not in the state; no migration ran"
        ));
    };
    let value = r.value();
    let text = |k: &str| {
        value
            .get_attr(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let Some(id) = r
        .provider_id
        .clone()
        .or_else(|| text("identifier"))
        .or_else(|| text("id"))
    else {
        return Err(format!(
            "{addr}: snapshot_before is set, but {db} has no identifier in the state; no \
             migration ran"
        ));
    };
    let name = match &m.addr {
        NodeAddr::Migration { name, .. } => name.as_str(),
        _ => addr.as_str(),
    };
    let snapshot_id = snapshot_identifier(&id, name, SystemTime::now());
    status(&format!("creating snapshot {snapshot_id} of {id}"));
    let order = SnapshotOrder {
        type_name: r.type_name.clone(),
        id: id.clone(),
        snapshot_id: snapshot_id.clone(),
        tags: BTreeMap::from([(SNAPSHOT_TAG.to_string(), addr.clone())]),
        timeout: SNAPSHOT_TIMEOUT,
    };
    let taken = snapshot(order).await.map_err(|e| {
        format!(
            "{addr}: the snapshot {snapshot_id} of {db} ({id}) failed, so no migration ran: {e}"
        )
    })?;
    status(&format!("snapshot {taken} created"));
    Ok(Some(taken))
}

impl MigrationStage for ConfigStage {
    fn run<'a>(
        &'a self,
        addr: &'a str,
        state: State,
        status: StageStatus,
    ) -> Pin<Box<dyn Future<Output = StageResult> + Send + 'a>> {
        Box::pin(self.run_block(addr, state, status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    /// 2024-02-29T23:59:59Z.
    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_709_251_199)
    }

    fn valid(id: &str) -> bool {
        id.len() <= MAX_SNAPSHOT_ID
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !id.contains("--")
            && !id.ends_with('-')
    }

    #[test]
    fn snapshot_identifiers_follow_rds_rules() {
        assert_eq!(
            snapshot_identifier("shop-db", "app_schema", at()),
            "shop-db-terrace-app-schema-20240229235959"
        );
        assert_eq!(
            snapshot_identifier("Shop--DB-", "x", at()),
            "shop-db-terrace-x-20240229235959"
        );
        assert_eq!(
            snapshot_identifier("9db", "_s_", at()),
            "db-terrace-s-20240229235959"
        );
        let long = snapshot_identifier(&"d".repeat(300), "schema", at());
        assert_eq!(long.len(), MAX_SNAPSHOT_ID);
        assert!(long.ends_with("d-20240229235959"), "{long}");
        let cut = snapshot_identifier(&format!("{}-x", "d".repeat(239)), "s", at());
        assert!(cut.ends_with("d-20240229235959"), "{cut}");
        for id in [long, cut, snapshot_identifier("", "", at())] {
            assert!(valid(&id), "{id}");
        }
    }
}
