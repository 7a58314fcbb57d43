//! The plan: a pure function of configuration values and prior state, giving typed changes
//! with their reasons. Apply executes exactly a plan.

pub(crate) mod diff;
mod import;
mod migrations;
mod planner;
pub mod refresh_only;
mod saved;
pub mod simulate;
pub mod value_serde;

pub use diff::{
    apply_ignore, changed_attrs, conform, conform_marks, forcing, merge_prior, values_equal,
};
pub use import::{mark_imports, Importing};
pub use migrations::{plan_migrations, History, HistoryReader};
pub use planner::{DataReader, PlanOptions, Planner};
pub use saved::{
    SavedOptions, SavedPlan, SavedPlanError, SavedVariable, SAVED_PLAN_FORMAT, SAVED_PLAN_VERSION,
};

use crate::addr::ResourceInstanceAddr;
use crate::eval::Value;
use serde::{Deserialize, Serialize};

/// What happens to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    /// A data source read during apply.
    Read,
    Update,
    DeleteThenCreate,
    CreateThenDelete,
    Delete,
}

impl Action {
    /// Terraform's `actions` array in plan JSON.
    pub fn terraform_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The symbol in human output.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
        }
    }
}

/// Why an action was chosen, when it is not obvious from the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Replaced because these attributes changed and cannot be updated in place.
    ReplaceForced,
    /// Replaced because the state marks it tainted.
    ReplaceTainted,
    /// Replaced because of `-replace`.
    ReplaceRequested,
    /// Replaced because of `replace_triggered_by`.
    ReplaceTriggered,
    /// Deleted: the resource is no longer in the configuration.
    DeleteNotInConfig,
    /// Deleted: the instance key is no longer produced by count/for_each.
    DeleteWrongKey,
    /// Deleted: the module instance is gone.
    DeleteModuleGone,
    /// Deleted: `-destroy`.
    DeleteDestroy,
    /// Read during apply because its arguments are not known yet.
    ReadDeferred,
}

/// The planned change of one resource instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    #[serde(with = "addr_string")]
    pub addr: ResourceInstanceAddr,
    pub action: Action,
    #[serde(with = "value_serde::opt")]
    pub before: Option<Value>,
    #[serde(with = "value_serde::opt")]
    pub after: Option<Value>,
    /// Top-level attributes that change (update and replace).
    #[serde(default)]
    pub changed: Vec<String>,
    /// The subset of `changed` that forces replacement.
    #[serde(default)]
    pub forces: Vec<String>,
    #[serde(default)]
    pub reason: Option<Reason>,
    /// The cloud id of the existing object.
    #[serde(default)]
    pub provider_id: Option<String>,
    #[serde(default)]
    pub create_before_destroy: bool,
    /// The resource's `timeouts {}`: operation (`create`, `update`, `delete`) to seconds.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub timeouts: std::collections::BTreeMap<String, u64>,
    /// The existing object an `import` block brings under management at this address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<Importing>,
}

impl ResourceChange {
    /// The time limit for `operation` set in `timeouts {}`, if any.
    pub fn timeout(&self, operation: &str) -> Option<std::time::Duration> {
        self.timeouts
            .get(operation)
            .map(|s| std::time::Duration::from_secs(*s))
    }
}

/// The planned change of a root module output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    #[serde(with = "value_serde::opt")]
    pub before: Option<Value>,
    #[serde(with = "value_serde::opt")]
    pub after: Option<Value>,
    pub sensitive: bool,
}

/// One migration file that will run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMigration {
    pub kind: crate::migrate::MigrationKind,
    pub version: Option<String>,
    pub description: String,
    pub file: String,
    pub checksum: String,
}

/// The migrations a migration block will run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationChange {
    /// Address of the migration block.
    pub addr: String,
    pub database: Option<String>,
    pub source: String,
    pub pending: Vec<PendingMigration>,
    /// How `pending` was determined (database being created, from the recorded history, ...).
    pub basis: String,
}

/// A complete plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Every resource instance of the configuration and state, sorted by address.
    pub changes: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    pub migrations: Vec<MigrationChange>,
    /// The state the plan was made against.
    pub prior_lineage: Option<String>,
    pub prior_serial: Option<u64>,
    pub destroy: bool,
    #[serde(default)]
    pub targets: Vec<String>,
    /// Differences the refresh found between the state and the cloud, before planning.
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// `-refresh-only`: the plan only records `drift` (and the outputs it changes) in state;
    /// every resource change is a no-op and nothing in the cloud changes.
    #[serde(default)]
    pub refresh_only: bool,
}

/// An object that changed outside Terrace since it was last applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    #[serde(with = "addr_string")]
    pub addr: ResourceInstanceAddr,
    #[serde(with = "value_serde::opt")]
    pub before: Option<Value>,
    /// `None` when the object is gone.
    #[serde(with = "value_serde::opt")]
    pub after: Option<Value>,
    /// Top-level attributes that differ.
    pub changed: Vec<String>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects imported (an import can also be updated or replaced: it counts there too).
    pub import: usize,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub migrations: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            s.import += usize::from(c.importing.is_some());
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        s.migrations = self.migrations.iter().map(|m| m.pending.len()).sum();
        s
    }

    /// True when applying would change anything (resources, outputs or migrations; for a
    /// refresh-only plan, the state: drift was found or outputs change).
    pub fn has_changes(&self) -> bool {
        if self.refresh_only {
            return !self.drift.is_empty() || self.outputs.iter().any(|o| o.action != Action::NoOp);
        }
        let s = self.summary();
        s.import + s.add + s.change + s.destroy + s.migrations > 0
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
            || self.changes.iter().any(|c| c.action == Action::Read)
    }
}

mod addr_string {
    use crate::addr::ResourceInstanceAddr;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(a: &ResourceInstanceAddr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&a.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ResourceInstanceAddr, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
