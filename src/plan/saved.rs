//! Saved plan files (`plan -out FILE`): the plan, the state it was made against (lineage and
//! serial), a hash of the configuration, and the variable values used. Sensitive values are
//! never written: sensitive variables are recorded by source only and must be supplied
//! again at apply, where the configuration is re-evaluated and checked against the plan.

use super::{Plan, PlanOptions};
use crate::addr::ResourceInstanceAddr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SAVED_PLAN_FORMAT: &str = "terrace-plan";
pub const SAVED_PLAN_VERSION: u32 = 1;

/// How a variable value was given, without revealing sensitive values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedVariable {
    /// The value as a constant expression (`"text"`, `3`, `["a"]`), for non-sensitive inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default)]
    pub sensitive: bool,
    /// `cli`, `env`, or the variables file it came from.
    pub source: String,
}

/// The options a plan was made with, so apply can repeat them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedOptions {
    pub destroy: bool,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub replace: Vec<String>,
    /// `-refresh-only`: applying records the refresh in state and changes nothing else.
    #[serde(default)]
    pub refresh_only: bool,
}

impl From<&PlanOptions> for SavedOptions {
    fn from(o: &PlanOptions) -> Self {
        SavedOptions {
            destroy: o.destroy,
            targets: o.targets.clone(),
            replace: o
                .replace
                .iter()
                .map(ResourceInstanceAddr::to_string)
                .collect(),
            refresh_only: false,
        }
    }
}

/// The content of a saved plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    pub format_version: u32,
    pub terrace_version: String,
    pub created_at: String,
    pub workspace: String,
    /// sha256 over the configuration files (paths and contents).
    pub config_hash: String,
    pub variables: BTreeMap<String, SavedVariable>,
    pub options: SavedOptions,
    pub plan: Plan,
}

/// Why a saved plan file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read plan file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a Terrace plan file: {reason}")]
    Invalid { path: String, reason: String },
    #[error("{path} was written by a newer Terrace (plan format {found}); this build reads format {SAVED_PLAN_VERSION}")]
    Version { path: String, found: u32 },
}

impl SavedPlan {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plans serialise")
    }

    pub fn read(path: &std::path::Path) -> Result<SavedPlan, SavedPlanError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SavedPlanError::Io {
            path: p.clone(),
            source,
        })?;
        let head: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| SavedPlanError::Invalid {
                path: p.clone(),
                reason: e.to_string(),
            })?;
        if head.get("format").and_then(|f| f.as_str()) != Some(SAVED_PLAN_FORMAT) {
            return Err(SavedPlanError::Invalid {
                path: p,
                reason: "missing \"format\": \"terrace-plan\"".into(),
            });
        }
        let version = head
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as u32;
        if version != SAVED_PLAN_VERSION {
            return Err(SavedPlanError::Version {
                path: p,
                found: version,
            });
        }
        serde_json::from_value(head).map_err(|e| SavedPlanError::Invalid {
            path: p,
            reason: e.to_string(),
        })
    }
}
