//! Drift detection: what changed in the cloud outside Terrace.
//!
//! A drift run is read-only: it reads the state without locking or writing it, refreshes
//! the state's objects with the provider's batched reads, lists the managed VPCs for objects
//! no state knows, and turns the differences into [`Finding`]s with a [`Severity`]. The
//! orchestration is `ops::drift`; rendering lives in `render`.

mod compare;
mod finding;
mod generate;
mod rules;
mod severity;

pub use compare::{attribute_changes, AttrChange};
pub use finding::{
    DriftReport, DriftSummary, Finding, FindingKind, Severity, DRIFT_REPORT_VERSION,
};
pub use generate::generate_config;
pub(crate) use rules::{
    group_atoms, rule_changes, rule_resource_atoms, rule_resource_group, RULE_TYPES,
};
pub(crate) use severity::SecurityBaseline;
