//! What every migrate command starts from: the configuration evaluated against the state,
//! the selected migration blocks, and mirroring their histories back into the state.

use super::migrate::{
    run_error, BlockOutcome, BlockRun, MigrateCmdError, MigrateCmdOptions, MigrateReport,
};
use super::migration_stage::{provider_snapshotter, Snapshotter};
use super::migration_target::{migration_target, MigrationSetup};
use super::workspace::{evaluate_config, load_config, Workspace};
use crate::addr::NodeAddr;
use crate::diag::{did_you_mean, Diagnostics, SourceMap};
use crate::eval::{EvalMode, MigrationValue, Value};
use crate::migrate::{self, discover, Audit, HistoryRow, MigrateError, MigrationFile, RunError};
use crate::plan::{PlanOptions, Planner};
use crate::state::{select_backend, Backend, LockGuard, MigrationRecord, State, StateError};
use std::collections::HashMap;
use std::path::Path;

/// What to write into state for one block.
pub(super) enum Mirror {
    /// The block's whole history.
    Replace(Vec<HistoryRow>),
    /// Rows to add to the block's records (the history could not be read back).
    Append(Vec<HistoryRow>),
}

/// The loaded configuration, state and selected blocks of one command.
pub(super) struct Context {
    pub(super) blocks: Vec<MigrationValue>,
    state: State,
    had_state: bool,
    backend: Backend,
    _lock: Option<LockGuard>,
    diags: std::cell::RefCell<Diagnostics>,
    sources: SourceMap,
    runtime: tokio::runtime::Runtime,
    pub(super) audit: Audit,
    env: Vec<(String, String)>,
    /// The evaluated `provider "aws"` blocks, for `snapshot_before` snapshots.
    providers: HashMap<Option<String>, Value>,
    snapshotter: std::cell::OnceCell<Snapshotter>,
}

impl Context {
    /// Loads the configuration and state (taking the state lock for `op` when writing),
    /// evaluates the configuration against the state, and selects the blocks `name` names
    /// (every block when `None`).
    pub(super) fn open(
        ws: &Workspace,
        opts: &MigrateCmdOptions,
        name: Option<&str>,
        op: Option<&str>,
    ) -> Result<Context, MigrateCmdError> {
        let mut diags = Diagnostics::new();
        let (cfg, inputs) = load_config(ws, &opts.vars, &mut diags);
        let config_error = |mut diags: Diagnostics, sources| {
            diags.sort_dedup();
            MigrateCmdError::Config { diags, sources }
        };
        if diags.has_errors() {
            return Err(config_error(diags, cfg.sources));
        }
        let Ok(backend) = select_backend(&cfg.root.module, &ws.dir, &ws.name, &mut diags) else {
            return Err(config_error(diags, cfg.sources));
        };
        let lock = match op {
            Some(op) if opts.lock => Some(backend.lock(op, opts.lock_timeout)?),
            _ => None,
        };
        let loaded = backend.load()?;
        let had_state = loaded.is_some();
        let state = loaded.unwrap_or_default();
        let plan_opts = PlanOptions::default();
        let planner = Planner::new(state.clone(), &plan_opts);
        let (evaluated, _) = evaluate_config(
            ws,
            &cfg,
            &inputs,
            EvalMode::Validate,
            Some(&planner),
            &mut diags,
        );
        if diags.has_errors() {
            return Err(config_error(diags, cfg.sources));
        }
        let providers = evaluated.providers;
        let blocks = select(evaluated.migrations, name)?;
        let dir = if ws.dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            ws.dir.as_path()
        };
        Ok(Context {
            blocks,
            state,
            had_state,
            backend,
            _lock: lock,
            diags: std::cell::RefCell::new(diags),
            sources: cfg.sources,
            runtime: super::connect::runtime().map_err(MigrateCmdError::Runtime)?,
            audit: Audit::detect(dir),
            env: ws.env.clone(),
            providers,
            snapshotter: std::cell::OnceCell::new(),
        })
    }

    /// The state the blocks were evaluated against.
    pub(super) fn state(&self) -> &State {
        &self.state
    }

    /// Takes `snapshot_before` snapshots through the AWS provider of the configuration's
    /// provider block (built on first use).
    pub(super) fn snapshotter(&self) -> Result<Snapshotter, String> {
        if let Some(s) = self.snapshotter.get() {
            return Ok(s.clone());
        }
        let provider = self
            .runtime
            .block_on(super::connect::aws(self.providers.clone()))?;
        Ok(self
            .snapshotter
            .get_or_init(|| provider_snapshotter(provider))
            .clone())
    }

    pub(super) fn addrs(&self) -> Vec<String> {
        self.blocks.iter().map(|b| b.addr.to_string()).collect()
    }

    pub(super) fn each<T>(
        &self,
        mut f: impl FnMut(&MigrationValue) -> Result<T, MigrateCmdError>,
    ) -> Vec<BlockOutcome<T>> {
        self.blocks
            .iter()
            .map(|b| BlockOutcome {
                addr: b.addr.to_string(),
                result: f(b),
            })
            .collect()
    }

    pub(super) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// The state attributes of the block's database instance.
    fn instance(&self, b: &MigrationValue) -> Option<Value> {
        let addr = b.database.as_ref()?;
        self.state.get(addr).map(|r| r.value())
    }

    /// The database instance does not exist yet and the block does not point elsewhere.
    pub(super) fn not_created(&self, b: &MigrationValue) -> bool {
        self.instance(b).is_none() && b.value.get_attr("host").is_none_or(Value::is_null)
    }

    pub(super) fn target(&self, b: &MigrationValue) -> Result<MigrationSetup, MigrateCmdError> {
        let env = |k: &str| {
            self.env
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let db = self.instance(b);
        Ok(migration_target(
            &b.value,
            db.as_ref(),
            &b.addr.to_string(),
            &env,
        )?)
    }

    pub(super) fn files(
        &self,
        b: &MigrationValue,
        dir: &Path,
    ) -> Result<Vec<MigrationFile>, MigrateCmdError> {
        discover(dir).map_err(|message| MigrateCmdError::Source {
            block: b.addr.to_string(),
            message,
        })
    }

    pub(super) fn setup(
        &self,
        b: &MigrationValue,
    ) -> Result<(MigrationSetup, Vec<MigrationFile>), MigrateCmdError> {
        let setup = self.target(b)?;
        let files = self.files(b, &setup.source)?;
        Ok((setup, files))
    }

    /// The outcome of `up`/`down`, recording what to mirror into state. After a failure the
    /// history is read back; when that fails too, the rows the run wrote are added.
    pub(super) fn after_run(
        &self,
        b: &MigrationValue,
        setup: &MigrationSetup,
        result: Result<migrate::RunReport, RunError>,
        mirror: &mut Vec<(String, Mirror)>,
    ) -> Result<BlockRun, MigrateCmdError> {
        let addr = b.addr.to_string();
        match result {
            Ok(report) => {
                mirror.push((addr, Mirror::Replace(report.history)));
                Ok(BlockRun {
                    target: setup.target.describe(),
                    ran: report.ran,
                    snapshot: None,
                })
            }
            Err(RunError { error, ran }) => {
                let connected = !matches!(
                    error,
                    MigrateError::Connect { .. } | MigrateError::ConnectTimeout { .. }
                );
                if connected {
                    match self.block_on(migrate::history(&setup.target)) {
                        Ok(rows) => mirror.push((addr, Mirror::Replace(rows))),
                        Err(_) if !ran.is_empty() => {
                            mirror.push((addr, Mirror::Append(ran.clone())))
                        }
                        Err(_) => {}
                    }
                }
                Err(run_error(b, setup, error, ran))
            }
        }
    }

    /// Writes the blocks' histories into state (the state as loaded, under the lock).
    /// Nothing is written when nothing changed, nor a new state holding no record.
    pub(super) fn mirror(&mut self, mirror: Vec<(String, Mirror)>) -> Option<StateError> {
        if mirror.is_empty() {
            return None;
        }
        let mut st = self.state.clone();
        for (addr, m) in mirror {
            match m {
                Mirror::Replace(rows) => replace_records(&mut st.migrations, &addr, &rows),
                Mirror::Append(rows) => st
                    .migrations
                    .extend(rows.iter().map(|r| r.to_record(&addr))),
            }
        }
        if st == self.state || (!self.had_state && st.migrations.is_empty()) {
            return None;
        }
        match self.backend.write(&mut st) {
            Ok(()) => {
                self.state = st;
                None
            }
            Err(e) => Some(e),
        }
    }

    pub(super) fn finish<T>(self, blocks: Vec<BlockOutcome<T>>) -> MigrateReport<T> {
        let mut diags = self.diags.into_inner();
        diags.sort_dedup();
        MigrateReport {
            blocks,
            diags,
            sources: self.sources,
            state_error: None,
        }
    }
}

/// Replaces the records of the block at `addr` with `rows`, where its records were (at the
/// end when it had none), leaving other blocks' records as they are.
fn replace_records(records: &mut Vec<MigrationRecord>, addr: &str, rows: &[HistoryRow]) {
    // Every record before the block's first one belongs to another block, so the index
    // survives the removal.
    let at = records
        .iter()
        .position(|r| r.migration == addr)
        .unwrap_or(records.len());
    records.retain(|r| r.migration != addr);
    records.splice(at..at, rows.iter().map(|r| r.to_record(addr)));
}

/// The blocks `name` selects, in address order: every block when `None`; else the block
/// with that address (`migration.app_schema`, `module.database.migration.schema`), or the
/// one block of that name (`app_schema`, or `migration.app_schema` for a block in a module)
/// when it is unique.
fn select(
    mut all: Vec<MigrationValue>,
    name: Option<&str>,
) -> Result<Vec<MigrationValue>, MigrateCmdError> {
    all.sort_by_key(|b| b.addr.to_string());
    if all.is_empty() {
        return Err(MigrateCmdError::Select(
            "the configuration has no migration blocks".to_string(),
        ));
    }
    let Some(name) = name else {
        return Ok(all);
    };
    let addrs: Vec<String> = all.iter().map(|b| b.addr.to_string()).collect();
    if let Some(i) = addrs.iter().position(|a| a == name) {
        return Ok(vec![all.swap_remove(i)]);
    }
    let short = name.strip_prefix("migration.").unwrap_or(name);
    let matching: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(&b.addr, NodeAddr::Migration { name, .. } if name == short))
        .map(|(i, _)| i)
        .collect();
    match matching.as_slice() {
        [i] => Ok(vec![all.swap_remove(*i)]),
        [] => {
            let by_name = || {
                let names = all.iter().filter_map(|b| match &b.addr {
                    NodeAddr::Migration { name, .. } => Some(name.as_str()),
                    _ => None,
                });
                let close = did_you_mean(short, names)?;
                let i = all.iter().position(
                    |b| matches!(&b.addr, NodeAddr::Migration { name, .. } if name == close),
                )?;
                Some(addrs[i].as_str())
            };
            let hint = did_you_mean(name, addrs.iter().map(String::as_str))
                .or_else(by_name)
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            Err(MigrateCmdError::Select(format!(
                "no migration block {name:?}{hint}; the configuration has {}",
                addrs.join(", ")
            )))
        }
        many => Err(MigrateCmdError::Select(format!(
            "{name:?} names several migration blocks: {}; use the full address",
            many.iter()
                .map(|i| addrs[*i].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::MigrationKind;

    fn block(module: &str, name: &str) -> MigrationValue {
        MigrationValue {
            addr: NodeAddr::Migration {
                module: if module.is_empty() {
                    Default::default()
                } else {
                    module.parse().unwrap()
                },
                name: name.into(),
            },
            value: Value::Null,
            database: None,
            span: None,
        }
    }

    fn selected(name: Option<&str>) -> Result<Vec<String>, String> {
        let all = vec![
            block("module.db", "schema"),
            block("", "app_schema"),
            block("module.other", "schema"),
            block("module.db", "audit"),
        ];
        select(all, name)
            .map(|v| v.iter().map(|b| b.addr.to_string()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn blocks_by_address_or_unique_name() {
        assert_eq!(
            selected(None).unwrap(),
            [
                "migration.app_schema",
                "module.db.migration.audit",
                "module.db.migration.schema",
                "module.other.migration.schema"
            ]
        );
        assert_eq!(
            selected(Some("app_schema")).unwrap(),
            ["migration.app_schema"]
        );
        assert_eq!(
            selected(Some("migration.audit")).unwrap(),
            ["module.db.migration.audit"]
        );
        assert_eq!(
            selected(Some("module.other.migration.schema")).unwrap(),
            ["module.other.migration.schema"]
        );
        assert_eq!(
            selected(Some("schema")).unwrap_err(),
            "\"schema\" names several migration blocks: module.db.migration.schema, module.other.migration.schema; use the full address"
        );
        let e = selected(Some("app_shema")).unwrap_err();
        assert!(
            e.starts_with("no migration block \"app_shema\" (did you mean"),
            "{e}"
        );
        let e = select(Vec::new(), None).unwrap_err().to_string();
        assert_eq!(e, "the configuration has no migration blocks");
    }

    fn row(id: i64, version: &str) -> HistoryRow {
        HistoryRow {
            id,
            version: Some(version.into()),
            description: "d".into(),
            kind: MigrationKind::Versioned,
            checksum: "c".into(),
            applied_at: "t".into(),
            applied_by: "u".into(),
            git_commit: None,
            execution_ms: 0,
            success: true,
        }
    }

    #[test]
    fn records_are_replaced_in_place() {
        let mut records = vec![
            row(1, "1").to_record("migration.a"),
            row(1, "1").to_record("migration.b"),
            row(2, "2").to_record("migration.b"),
            row(2, "2").to_record("migration.a"),
            row(1, "1").to_record("migration.c"),
        ];
        replace_records(&mut records, "migration.b", &[row(1, "1"), row(3, "3")]);
        replace_records(&mut records, "migration.new", &[row(1, "9")]);
        replace_records(&mut records, "migration.c", &[]);
        let got: Vec<(&str, Option<&str>)> = records
            .iter()
            .map(|r| (r.migration.as_str(), r.version.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("migration.a", Some("1")),
                ("migration.b", Some("1")),
                ("migration.b", Some("3")),
                ("migration.a", Some("2")),
                ("migration.new", Some("9")),
            ]
        );
    }
}
