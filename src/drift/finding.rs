//! What a drift run finds, and the report it produces. These types are the JSON report's
//! schema (`state/drift-report.schema.json`): field names and enum spellings are stable
//! within a `format_version`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The JSON report's format version; bumped on any incompatible change.
pub const DRIFT_REPORT_VERSION: u32 = 1;

/// What kind of difference a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// An attribute of a managed object differs between state and the cloud.
    Changed,
    /// A managed object is gone from the cloud (terminated instances count as gone).
    Deleted,
    /// An object inside a managed VPC that no state knows.
    Unmanaged,
    /// An object tagged with this state's lineage that the state lacks: left by an
    /// interrupted apply; the next apply adopts it.
    Untracked,
}

impl FindingKind {
    pub const ALL: [FindingKind; 4] = [
        FindingKind::Changed,
        FindingKind::Deleted,
        FindingKind::Unmanaged,
        FindingKind::Untracked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Changed => "changed",
            FindingKind::Deleted => "deleted",
            FindingKind::Unmanaged => "unmanaged",
            FindingKind::Untracked => "untracked",
        }
    }
}

/// How much a finding matters. Ordered: `Low < Medium < High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Tag-only differences.
    Low,
    /// Everything not low or high.
    Medium,
    /// Security-relevant: the world admitted on a port other than 80/443, a database made
    /// publicly accessible, SSH opened beyond the sources the state allowed.
    High,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            _ => Err(format!(
                "unknown severity {s:?}: expected high, medium or low"
            )),
        }
    }
}

/// One difference between the state and the cloud.
///
/// `changed` findings carry an attribute `path` (plan notation: `instance_type`,
/// `tags["Owner"]`, `ingress` for a set element) and the value on each side; a value absent
/// on one side (a tag or rule added or removed) is `None`. Sensitive values are never
/// carried: both sides are `None` and `sensitive` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// The resource address in state; `None` for unmanaged objects.
    pub address: Option<String>,
    pub resource_type: String,
    /// The cloud id (`i-…`, `sg-…`, DB identifier).
    pub resource_id: String,
    /// For `changed`: the attribute path.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
    /// For `changed`: the value recorded in state.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub state_value: Option<serde_json::Value>,
    /// For `changed`: the value in the cloud. For `unmanaged`/`untracked`: the object.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cloud_value: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub sensitive: bool,
    /// Why the severity is what it is, when not obvious (e.g. "admits 0.0.0.0/0 on port
    /// 5432").
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// For unmanaged/untracked objects: the VPC they are in and their `Name` tag.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vpc_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// For untracked objects: the address their ownership tag names.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tagged_address: Option<String>,
}

/// Counts of findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftSummary {
    pub total: usize,
    /// By kind (`changed`, `deleted`, `unmanaged`, `untracked`), every kind present.
    pub by_kind: BTreeMap<String, usize>,
    /// By severity (`high`, `medium`, `low`), every severity present.
    pub by_severity: BTreeMap<String, usize>,
}

impl DriftSummary {
    pub fn of(findings: &[Finding]) -> DriftSummary {
        let mut s = DriftSummary {
            total: findings.len(),
            by_kind: FindingKind::ALL
                .iter()
                .map(|k| (k.as_str().to_string(), 0))
                .collect(),
            by_severity: Severity::ALL
                .iter()
                .map(|k| (k.as_str().to_string(), 0))
                .collect(),
        };
        for f in findings {
            *s.by_kind.entry(f.kind.as_str().to_string()).or_default() += 1;
            *s.by_severity
                .entry(f.severity.as_str().to_string())
                .or_default() += 1;
        }
        s
    }
}

/// The result of one `terrace drift` run: the JSON report as documented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub format_version: u32,
    pub terrace_version: String,
    /// RFC 3339 UTC time the run started.
    pub started_at: String,
    pub duration_ms: u64,
    pub workspace: String,
    /// The state read (unchanged by the run).
    pub lineage: Option<String>,
    pub serial: Option<u64>,
    /// Managed objects compared with the cloud.
    pub resources_checked: usize,
    /// Cloud API requests the run made (retries included), and by operation.
    pub api_calls: u64,
    pub api_calls_by_operation: BTreeMap<String, u64>,
    pub summary: DriftSummary,
    /// Sorted by kind, then address (or type and id), then path.
    pub findings: Vec<Finding>,
}

impl DriftReport {
    /// Whether any finding is at least `min` severe (what `--fail-on` decides exit 2 by).
    pub fn has_drift_at(&self, min: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= min)
    }
}
