//! `terrace drift`: compare the state with the cloud, read-only.
//!
//! Invariants: the run reads the state as a snapshot ([`Backend::load_snapshot`](crate::state::Backend::load_snapshot):
//! no lock, no write, no journal recovery), makes only Describe/List calls (the provider's
//! batched `read` per type and one `inventory` listing per type), and never writes the
//! state or the cloud. Whatever it finds is data ([`DriftReport`]); rendering is the
//! caller's.

use super::workspace::{load_config, Workspace};
use crate::addr::{Mode, ResourceInstanceAddr};
use crate::config::{Config, IgnoreChanges};
use crate::diag::{Diagnostic, Diagnostics};
use crate::drift::{
    attribute_changes, rule_changes, rule_resource_atoms, rule_resource_group, AttrChange,
    DriftReport, DriftSummary, Finding, FindingKind, SecurityBaseline, Severity,
    DRIFT_REPORT_VERSION, RULE_TYPES,
};
use crate::eval::inputs::VarArg;
use crate::eval::Value;
use crate::plan::Drift;
use crate::provider::{CloudObject, InventoryScope, Provider, OWNERSHIP_TAG_PREFIX};
use crate::state::{select_backend, State};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Instant, SystemTime};

#[derive(Debug, Clone, Default)]
pub struct DriftOptions {
    pub vars: Vec<VarArg>,
}

/// The outcome of one run: the report (`None` when the run failed: see `diags`), and the
/// unmanaged objects (for generated configuration).
pub struct DriftRun {
    pub report: Option<DriftReport>,
    pub unmanaged: Vec<CloudObject>,
    pub diags: Diagnostics,
    pub config: Config,
}

/// Runs drift detection for the workspace against AWS.
pub fn drift(ws: &Workspace, opts: &DriftOptions) -> DriftRun {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let mut diags = Diagnostics::new();
    let (cfg, inputs) = load_config(ws, &opts.vars, &mut diags);
    let fail = |mut diags: Diagnostics, cfg: Config| {
        diags.sort_dedup();
        DriftRun {
            report: None,
            unmanaged: Vec::new(),
            diags,
            config: cfg,
        }
    };
    if diags.has_errors() {
        return fail(diags, cfg);
    }
    let Ok(backend) = select_backend(&cfg.root.module, &ws.dir, &ws.name, &mut diags) else {
        return fail(diags, cfg);
    };
    let state = match backend.load_snapshot() {
        Ok(Some(s)) => s,
        Ok(None) => {
            diags.push(Diagnostic::error("No state").detail(format!(
                "Workspace {:?} has no state in {}: there is nothing to compare with the cloud. Run terrace drift where terrace apply ran (see -chdir), or apply first.",
                ws.name,
                backend.path().display()
            )));
            return fail(diags, cfg);
        }
        Err(e) => {
            diags.push(e.to_diagnostic());
            return fail(diags, cfg);
        }
    };
    let connected = match super::connect::connect(ws, &cfg, &inputs, super::connect::aws) {
        Ok(c) => c,
        Err(e) => {
            diags.push(Diagnostic::error("Cannot configure the AWS provider").detail(e));
            return fail(diags, cfg);
        }
    };
    let provider = &connected.provider;
    let found = connected.runtime.block_on(async {
        let mut refreshed = state.clone();
        let drifts = super::refresh::refresh(provider, &mut refreshed).await?;
        let scope = Scope::of(&state);
        let objects = provider
            .inventory(InventoryScope {
                vpc_ids: &scope.vpc_ids,
                db_subnet_groups: &scope.db_subnet_groups,
            })
            .await?;
        Ok::<_, crate::provider::ProviderError>((drifts, objects))
    });
    let (drifts, objects) = match found {
        Ok(x) => x,
        Err(e) => {
            diags.push(Diagnostic::error("Cannot read the cloud").detail(format!(
                "Drift detection stopped: {e}. Nothing was changed."
            )));
            return fail(diags, cfg);
        }
    };
    let (mut findings, unmanaged) = findings(&cfg, &state, &drifts, objects);
    findings.sort_by(|a, b| {
        (
            a.kind,
            &a.address,
            &a.resource_type,
            &a.resource_id,
            &a.path,
        )
            .cmp(&(
                b.kind,
                &b.address,
                &b.resource_type,
                &b.resource_id,
                &b.path,
            ))
    });
    let api_calls_by_operation = provider.api_calls();
    let report = DriftReport {
        format_version: DRIFT_REPORT_VERSION,
        terrace_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: crate::state::rfc3339_utc(started_at),
        duration_ms: clock.elapsed().as_millis() as u64,
        workspace: ws.name.clone(),
        lineage: Some(state.lineage.clone()),
        serial: Some(state.serial),
        resources_checked: managed(&state).count(),
        api_calls: api_calls_by_operation.values().sum(),
        api_calls_by_operation,
        summary: DriftSummary::of(&findings),
        findings,
    };
    diags.sort_dedup();
    DriftRun {
        report: Some(report),
        unmanaged,
        diags,
        config: cfg,
    }
}

fn managed(state: &State) -> impl Iterator<Item = &crate::state::ResourceState> {
    state
        .resources
        .iter()
        .filter(|r| r.address.resource.mode == Mode::Managed && r.provider_id.is_some())
}

/// Where unmanaged objects are looked for: the VPCs the state's objects are in, and its DB
/// subnet groups.
struct Scope {
    vpc_ids: Vec<String>,
    db_subnet_groups: Vec<String>,
}

impl Scope {
    fn of(state: &State) -> Scope {
        let mut vpcs = BTreeSet::new();
        let mut groups = BTreeSet::new();
        for r in managed(state) {
            let v = r.value();
            match r.type_name.as_str() {
                "aws_vpc" => {
                    vpcs.extend(r.provider_id.clone());
                }
                "aws_db_subnet_group" => {
                    groups.extend(r.provider_id.clone());
                }
                _ => {}
            }
            if let Some(id) = v.get_attr("vpc_id").and_then(Value::as_str) {
                if !id.is_empty() {
                    vpcs.insert(id.to_string());
                }
            }
        }
        Scope {
            vpc_ids: vpcs.into_iter().collect(),
            db_subnet_groups: groups.into_iter().collect(),
        }
    }
}

/// The resource's `ignore_changes`, from its block in the configuration.
fn ignore_for<'c>(cfg: &'c Config, addr: &ResourceInstanceAddr) -> &'c IgnoreChanges {
    static NONE: IgnoreChanges = IgnoreChanges::None;
    let path: Vec<String> = addr.module.0.iter().map(|s| s.name.clone()).collect();
    cfg.root
        .get(&path)
        .and_then(|m| m.module.resources.get(&addr.resource))
        .map_or(&NONE, |r| &r.lifecycle.ignore_changes)
}

/// Sensitive values never leave as JSON.
fn json_of(v: &Option<Value>) -> (Option<serde_json::Value>, bool) {
    match v {
        Some(v) if v.contains_sensitive() => (None, true),
        Some(v) => (Some(v.to_json()), false),
        None => (None, false),
    }
}

fn changed(
    addr: &str,
    type_name: &str,
    id: &str,
    c: AttrChange,
    sev: (Severity, Option<String>),
) -> Finding {
    let (state_value, s1) = json_of(&c.before);
    let (cloud_value, s2) = json_of(&c.after);
    Finding {
        kind: FindingKind::Changed,
        severity: sev.0,
        address: Some(addr.to_string()),
        resource_type: type_name.to_string(),
        resource_id: id.to_string(),
        path: Some(c.path),
        state_value,
        cloud_value,
        sensitive: s1 || s2,
        reason: sev.1,
        vpc_id: None,
        name: None,
        tagged_address: None,
    }
}

/// Findings from the refresh's differences and the inventory of the managed VPCs.
fn findings(
    cfg: &Config,
    state: &State,
    drifts: &[Drift],
    objects: Vec<CloudObject>,
) -> (Vec<Finding>, Vec<CloudObject>) {
    // Rule atoms of the rule resources in state, by group; the baseline of SSH sources.
    let mut baseline = SecurityBaseline::default();
    let mut group_rules: BTreeMap<String, Vec<(&'static str, _)>> = BTreeMap::new();
    for r in managed(state) {
        let v = r.value();
        if RULE_TYPES.contains(&r.type_name.as_str()) {
            if let Some((group, dir)) = rule_resource_group(&r.type_name, &v) {
                let atoms = rule_resource_atoms(&r.type_name, &v, &group);
                if dir == "ingress" {
                    baseline.add_atoms(&atoms);
                }
                group_rules
                    .entry(group)
                    .or_default()
                    .extend(atoms.into_iter().map(|k| (dir, k)));
            }
        } else if r.type_name == "aws_security_group" {
            let id = r.provider_id.clone().unwrap_or_default();
            baseline.add_atoms(&crate::drift::group_atoms(&v, "ingress", &id));
        }
    }
    let cloud: BTreeMap<&str, &CloudObject> = objects.iter().map(|o| (o.id.as_str(), o)).collect();
    let known: BTreeSet<&str> = managed(state)
        .filter_map(|r| r.provider_id.as_deref())
        .collect();
    let mut out = Vec::new();
    for d in drifts {
        let Some(r) = state.get(&d.addr) else {
            continue;
        };
        let id = r.provider_id.clone().unwrap_or_default();
        let addr = d.addr.to_string();
        let (Some(before), Some(schema)) = (&d.before, crate::schema::resource(&r.type_name))
        else {
            continue;
        };
        let Some(after) = &d.after else {
            out.push(Finding {
                kind: FindingKind::Deleted,
                severity: Severity::Medium,
                address: Some(addr),
                resource_type: r.type_name.clone(),
                resource_id: id,
                path: None,
                state_value: None,
                cloud_value: None,
                sensitive: false,
                reason: None,
                vpc_id: None,
                name: None,
                tagged_address: None,
            });
            continue;
        };
        // A group listed in full compares its rules as atoms below.
        let skip: &[&str] =
            if r.type_name == "aws_security_group" && cloud.contains_key(id.as_str()) {
                &["ingress", "egress"]
            } else {
                &[]
            };
        let ignore = ignore_for(cfg, &d.addr);
        for c in attribute_changes(before, after, schema, ignore, skip) {
            let mut sev = baseline.change(&r.type_name, &id, &c);
            if r.type_name != "aws_vpc_security_group_egress_rule"
                && RULE_TYPES.contains(&r.type_name.as_str())
                && sev.0 == Severity::Medium
            {
                if let Some((group, "ingress")) = rule_resource_group(&r.type_name, after) {
                    if let Some(why) =
                        baseline.rule_resource(&rule_resource_atoms(&r.type_name, after, &group))
                    {
                        sev = (Severity::High, Some(why));
                    }
                }
            }
            out.push(changed(&addr, &r.type_name, &id, c, sev));
        }
    }
    // Security group rules, as atoms, for every managed group the inventory listed.
    for r in managed(state).filter(|r| r.type_name == "aws_security_group") {
        let id = r.provider_id.clone().unwrap_or_default();
        let Some(obj) = cloud.get(id.as_str()) else {
            continue;
        };
        if matches!(ignore_for(cfg, &r.address), IgnoreChanges::All) {
            continue;
        }
        let resources = group_rules.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        for c in rule_changes(&id, &r.value(), &obj.value, resources) {
            let sev = baseline.change(&r.type_name, &id, &c);
            out.push(changed(&r.address.to_string(), &r.type_name, &id, c, sev));
        }
    }
    // Objects no state knows.
    let mut unmanaged = Vec::new();
    for o in objects {
        if known.contains(o.id.as_str()) {
            continue;
        }
        let lineage = o.tags.get(&format!("{OWNERSHIP_TAG_PREFIX}lineage"));
        let kind = match lineage {
            Some(l) if *l == state.lineage => FindingKind::Untracked,
            // Another Terrace state manages it.
            Some(_) => continue,
            None => FindingKind::Unmanaged,
        };
        let (severity, reason) = match kind {
            FindingKind::Untracked => (Severity::Medium, None),
            _ => baseline.unmanaged(&o.type_name, &o.id, &o.value),
        };
        let (cloud_value, sensitive) = json_of(&Some(o.value.clone()));
        out.push(Finding {
            kind,
            severity,
            address: None,
            resource_type: o.type_name.clone(),
            resource_id: o.id.clone(),
            path: None,
            state_value: None,
            cloud_value,
            sensitive,
            reason,
            vpc_id: o.vpc_id.clone(),
            // A group without a Name tag goes by its group name.
            name: o.tags.get("Name").cloned().or_else(|| {
                o.value
                    .get_attr("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }),
            tagged_address: o
                .tags
                .get(&format!("{OWNERSHIP_TAG_PREFIX}address"))
                .cloned(),
        });
        if kind == FindingKind::Unmanaged {
            unmanaged.push(o);
        }
    }
    (out, unmanaged)
}
