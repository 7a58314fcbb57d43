//! Importing existing objects: `terrace import ADDR ID` writes one object into state; the
//! plan stage reads the objects of `import {}` blocks so the plan can show and apply them.
//!
//! An object is read through [`Provider::read`], batched per type, with the prior value an
//! import needs ([`import_prior`]); what the read leaves to configuration (`tags`) is then
//! taken from the cloud, as Terraform's import does ([`imported_value`]).

use super::connect::Connected;
use super::workspace::{evaluate_config, load_config, Workspace};
use crate::addr::{Mode, ModulePath, NodeAddr, ResourceInstanceAddr};
use crate::config::{resolve_target, Config, TargetError};
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::inputs::{InputValues, VarArg};
use crate::eval::{evaluate_imports, evaluate_providers, EvalMode, EvalOptions, NodeInfo, Value};
use crate::plan::{mark_imports, Importing, Plan};
use crate::provider::{strip_ownership_tags, Provider, ProviderError};
use crate::state::{select_backend, value_to_state_json, ResourceState, State};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

/// Why objects could not be read for import.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("Terrace cannot import {type_name} objects: {reason}")]
    Unsupported {
        type_name: String,
        reason: &'static str,
    },
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

/// The prior value to read an object of `type_name` with when no state knows it. Reads keep
/// what the prior value says is managed: a security group's rules are read only for a
/// direction whose prior value has blocks, so the prior of an import has one block per
/// direction that matches no rule (and therefore every rule is reported). Rule resources
/// are found through their group, which an import id does not name.
pub fn import_prior(type_name: &str) -> Result<Value, ImportError> {
    let unsupported = |reason| ImportError::Unsupported {
        type_name: type_name.to_string(),
        reason,
    };
    if crate::schema::resource(type_name).is_none() {
        return Err(unsupported("the resource type is not supported"));
    }
    match type_name {
        "aws_security_group" => {
            let no_rule = Value::map([
                ("protocol", Value::from("-1")),
                ("from_port", Value::Number(0.0)),
                ("to_port", Value::Number(0.0)),
            ]);
            Ok(Value::map([
                ("ingress", Value::set(vec![no_rule.clone()])),
                ("egress", Value::set(vec![no_rule])),
            ]))
        }
        "aws_security_group_rule"
        | "aws_vpc_security_group_ingress_rule"
        | "aws_vpc_security_group_egress_rule" => Err(unsupported(
            "reading a rule needs its security group, which an import id does not name; import the security group instead (its rules become ingress and egress blocks)",
        )),
        _ => Ok(Value::Null),
    }
}

/// Reads the objects `ids` of `type_name` for import: one batched read. Ids missing from the
/// result do not exist. Values are as the provider returns them; see [`imported_value`].
pub async fn read_objects<P: Provider>(
    provider: &P,
    type_name: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Value>, ImportError> {
    let prior = import_prior(type_name)?;
    let priors: Vec<(String, Value)> = ids.iter().map(|id| (id.clone(), prior.clone())).collect();
    Ok(provider.read(type_name, &priors).await?)
}

/// The state value of an imported object read by [`read_objects`]: ownership tags removed,
/// `tags` = every tag of the object except the provider's `default_tags` with the same value
/// (null when none is left), typed by the schema, sensitive attributes marked.
pub fn imported_value(type_name: &str, read: Value, default_tags: Option<&Value>) -> Value {
    let Some(schema) = crate::schema::resource(type_name) else {
        return read;
    };
    let Value::Map(mut m) = strip_ownership_tags(read) else {
        return Value::Null;
    };
    if schema.taggable {
        let defaults = default_tags.and_then(Value::as_map);
        let tags: BTreeMap<String, Value> = match m.get("tags_all").map(Value::peel) {
            Some(Value::Map(all)) => all
                .iter()
                .filter(|(k, v)| defaults.and_then(|d| d.get(*k)) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => BTreeMap::new(),
        };
        let tags = if tags.is_empty() {
            Value::Null
        } else {
            Value::Map(tags)
        };
        m.insert("tags".into(), tags);
    }
    for a in schema.body.attrs.iter().filter(|a| a.sensitive) {
        if let Some(x) = m.remove(a.name) {
            m.insert(a.name.to_string(), x.sensitive());
        }
    }
    crate::plan::conform(Value::Map(m), &schema.body)
}

/// The state record of an object imported at `addr`.
fn record(addr: &ResourceInstanceAddr, id: &str, value: &Value, cbd: bool) -> ResourceState {
    let (attributes, sensitive_attributes) = value_to_state_json(value);
    ResourceState {
        address: addr.clone(),
        mode: "managed".into(),
        type_name: addr.resource.type_name.clone(),
        provider_id: Some(
            value
                .get_attr("id")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string(),
        ),
        attributes,
        sensitive_attributes,
        dependencies: Vec::new(),
        create_before_destroy: cbd,
        tainted: false,
    }
}

/// The `default_tags` of the provider configuration the resource at `addr` uses.
fn default_tags_for(
    cfg: &Config,
    providers: &HashMap<Option<String>, Value>,
    addr: &ResourceInstanceAddr,
) -> Option<Value> {
    let alias = resolve_target(&cfg.root, addr)
        .ok()
        .and_then(|r| r.provider_alias.as_ref().map(|(a, _)| a.clone()));
    providers
        .get(&alias)?
        .get_attr("default_tags")?
        .get_attr("tags")
        .cloned()
}

/// The import blocks of a plan: their objects as read, to be planned as if in state.
#[derive(Debug, Default)]
pub struct PlannedImports(Vec<(ResourceInstanceAddr, Importing, bool)>);

impl PlannedImports {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts the imported objects into `state`, the copy the planner plans against (never
    /// written: apply records the objects from the plan).
    pub fn add_to(&self, state: &mut State) {
        for (addr, i, cbd) in &self.0 {
            state.upsert(record(addr, &i.id, &i.object, *cbd));
        }
    }

    /// Marks the planned changes of the imported addresses (see [`mark_imports`]).
    pub fn mark(self, plan: &mut Plan, diags: &mut Diagnostics) {
        let imports = self.0.into_iter().map(|(a, i, _)| (a, i)).collect();
        mark_imports(plan, imports, diags);
    }
}

/// Evaluates the configuration's `import` blocks and reads the objects of those whose
/// target is not in `state` yet (one read per type). A target already in state with the
/// same id is done; with another id, or an object that does not exist, is an error in
/// `diags`. Nothing is imported with `-destroy`.
pub fn plan_imports<P: Provider>(
    ws: &Workspace,
    cfg: &Config,
    inputs: &InputValues,
    connected: Option<&Connected<P>>,
    state: &State,
    destroy: bool,
    diags: &mut Diagnostics,
) -> PlannedImports {
    if destroy || cfg.root.module.imports.is_empty() {
        return PlannedImports::default();
    }
    let opts = || EvalOptions {
        mode: EvalMode::Plan,
        workspace: ws.name.clone(),
        inputs,
        planner: None,
    };
    let blocks = evaluate_imports(cfg, opts(), diags);
    let mut by_type: BTreeMap<&str, Vec<(&ResourceInstanceAddr, String, &crate::diag::SrcSpan)>> =
        BTreeMap::new();
    for b in &blocks {
        let Some(id) = &b.id else { continue };
        match state.get(&b.to) {
            Some(r) if r.provider_id.as_deref() == Some(id.as_str()) => {}
            Some(r) => diags.push(
                Diagnostic::error("Import target already managed")
                    .detail(format!(
                        "{} is already in state with id {:?}, but this import block gives {id:?}. Remove the import block, or remove the object from state (terrace state rm {}) to import the other one.",
                        b.to,
                        r.provider_id.as_deref().unwrap_or(""),
                        b.to
                    ))
                    .at(&b.span),
            ),
            None => by_type
                .entry(b.to.resource.type_name.as_str())
                .or_default()
                .push((&b.to, id.clone(), &b.span)),
        }
    }
    if by_type.is_empty() || diags.has_errors() {
        return PlannedImports::default();
    }
    let Some(c) = connected else {
        diags.push(Diagnostic::error("Cannot plan imports").detail(
            "Import blocks name objects that are not in state yet; reading them needs AWS.",
        ));
        return PlannedImports::default();
    };
    let providers = evaluate_providers(cfg, opts());
    let mut out = Vec::new();
    for (type_name, targets) in by_type {
        let ids: Vec<String> = targets.iter().map(|(_, id, _)| id.clone()).collect();
        let read = match c
            .runtime
            .block_on(read_objects(&c.provider, type_name, &ids))
        {
            Ok(r) => r,
            Err(e) => {
                for (addr, _, span) in &targets {
                    diags.push(
                        Diagnostic::error("Cannot read the object to import")
                            .detail(format!("Importing {addr}: {e}"))
                            .at(span),
                    );
                }
                continue;
            }
        };
        for (addr, id, span) in targets {
            let Some(v) = read.get(&id) else {
                diags.push(not_found(addr, &id).at(span));
                continue;
            };
            let tags = default_tags_for(cfg, &providers, addr);
            let object = imported_value(type_name, v.clone(), tags.as_ref());
            let cbd =
                resolve_target(&cfg.root, addr).is_ok_and(|r| r.lifecycle.create_before_destroy);
            out.push((addr.clone(), Importing { id, object }, cbd));
        }
    }
    PlannedImports(out)
}

fn not_found(addr: &ResourceInstanceAddr, id: &str) -> Diagnostic {
    Diagnostic::error("Cannot import non-existent remote object").detail(format!(
        "While attempting to import an existing object to {:?}, the provider detected that no object exists with the given id {id:?}. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use \"terrace apply\" to create a new remote object for this resource.",
        addr.to_string()
    ))
}

/// Options of `terrace import`.
#[derive(Debug, Clone)]
pub struct ImportCmdOptions {
    pub vars: Vec<VarArg>,
    /// Take the state lock (`-lock`).
    pub lock: bool,
    pub lock_timeout: Duration,
}

impl Default for ImportCmdOptions {
    fn default() -> Self {
        ImportCmdOptions {
            vars: Vec::new(),
            lock: true,
            lock_timeout: Duration::ZERO,
        }
    }
}

/// The outcome of `terrace import`: the object written to state, or why not.
pub struct ImportReport {
    pub imported: Option<ResourceState>,
    pub diags: Diagnostics,
    pub config: Config,
}

/// `terrace import ADDR ID`: reads object `id` through the provider `make_provider` builds
/// and writes it into state at `addr`, under the state lock. The configuration must have a
/// managed resource block for `addr`; `addr` must not be in state yet.
pub fn import<P, F, Fut>(
    ws: &Workspace,
    addr: &str,
    id: &str,
    opts: &ImportCmdOptions,
    make_provider: F,
) -> ImportReport
where
    P: Provider,
    F: FnOnce(HashMap<Option<String>, Value>) -> Fut,
    Fut: Future<Output = Result<P, String>>,
{
    let mut diags = Diagnostics::new();
    let (cfg, inputs) = load_config(ws, &opts.vars, &mut diags);
    let fail = |diags: Diagnostics, config: Config| ImportReport {
        imported: None,
        diags,
        config,
    };
    if diags.has_errors() {
        return fail(diags, cfg);
    }
    let target: ResourceInstanceAddr = match addr.parse() {
        Ok(a) => a,
        Err(e) => {
            diags.push(Diagnostic::error("Invalid address").detail(format!("{e}. An import address is a resource instance address, like aws_instance.web, aws_subnet.public[0] or module.net.aws_vpc.main.")));
            return fail(diags, cfg);
        }
    };
    if target.resource.mode == Mode::Data {
        diags.push(Diagnostic::error("Invalid address").detail(format!(
            "{target} is a data source; only managed resources can be imported."
        )));
        return fail(diags, cfg);
    }
    let cbd = match resolve_target(&cfg.root, &target) {
        Ok(r) => r.lifecycle.create_before_destroy,
        Err(e) => {
            diags.push(target_error(&target, e));
            return fail(diags, cfg);
        }
    };
    // The configuration must be valid and produce the instance (count and for_each).
    let (evaluated, _) = evaluate_config(ws, &cfg, &inputs, EvalMode::Validate, None, &mut diags);
    if diags.has_errors() {
        return fail(diags, cfg);
    }
    if !produces(&evaluated.nodes, &target) {
        diags.push(Diagnostic::error("Configuration for import target does not exist").detail(format!("The configuration does not produce the instance {target}: check the count or for_each of its resource or module. All target instances must have an associated configuration to be imported.")));
        return fail(diags, cfg);
    }
    let Ok(backend) = select_backend(&cfg.root.module, &ws.dir, &ws.name, &mut diags) else {
        return fail(diags, cfg);
    };
    let _lock = if opts.lock {
        match backend.lock("import", opts.lock_timeout) {
            Ok(g) => Some(g),
            Err(e) => {
                diags.push(e.to_diagnostic());
                return fail(diags, cfg);
            }
        }
    } else {
        None
    };
    let mut state = match backend.load() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            diags.push(e.to_diagnostic());
            return fail(diags, cfg);
        }
    };
    if state.get(&target).is_some() {
        diags.push(Diagnostic::error("Resource already managed by Terrace").detail(format!("Terrace is already managing a remote object for {target}. To import to this address you must first remove the existing object from the state (terrace state rm {target}).")));
        return fail(diags, cfg);
    }
    let connected = match super::connect::connect(ws, &cfg, &inputs, make_provider) {
        Ok(c) => c,
        Err(e) => {
            diags.push(Diagnostic::error("Cannot configure the AWS provider").detail(e));
            return fail(diags, cfg);
        }
    };
    let type_name = target.resource.type_name.clone();
    let read = connected.runtime.block_on(read_objects(
        &connected.provider,
        &type_name,
        &[id.to_string()],
    ));
    let raw = match read {
        Ok(mut found) => match found.remove(id) {
            Some(v) => v,
            None => {
                diags.push(not_found(&target, id));
                return fail(diags, cfg);
            }
        },
        Err(e) => {
            diags.push(
                Diagnostic::error("Cannot read the object to import")
                    .detail(format!("Importing {target}: {e}")),
            );
            return fail(diags, cfg);
        }
    };
    let providers = evaluate_providers(
        &cfg,
        EvalOptions {
            mode: EvalMode::Plan,
            workspace: ws.name.clone(),
            inputs: &inputs,
            planner: None,
        },
    );
    let tags = default_tags_for(&cfg, &providers, &target);
    let value = imported_value(&type_name, raw, tags.as_ref());
    if let Some(other) = state.resources.iter().find(|r| {
        r.type_name == type_name
            && r.provider_id.as_deref() == value.get_attr("id").and_then(Value::as_str)
    }) {
        diags.push(Diagnostic::warning("Object already managed at another address").detail(format!("{id} is also in state as {}; two addresses managing one object will fight over it. Remove one of them with terrace state rm.", other.address)));
    }
    let rec = record(&target, id, &value, cbd);
    state.upsert(rec.clone());
    if let Err(e) = backend.write(&mut state) {
        diags.push(e.to_diagnostic());
        return fail(diags, cfg);
    }
    ImportReport {
        imported: Some(rec),
        diags,
        config: cfg,
    }
}

/// Whether evaluation produced the instance `target`, or could not expand its resource yet
/// (an unknown count: the instance may exist).
fn produces(nodes: &[NodeInfo], target: &ResourceInstanceAddr) -> bool {
    let names = |m: &ModulePath| m.0.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    nodes.iter().any(|n| match &n.addr {
        NodeAddr::Resource(r) => r == target,
        NodeAddr::Unexpanded { module, resource } => {
            resource == &target.resource && names(module) == names(&target.module)
        }
        _ => false,
    })
}

/// The error for an import address the configuration has no resource block for.
fn target_error(target: &ResourceInstanceAddr, e: TargetError) -> Diagnostic {
    match e {
        TargetError::Missing { suggestion, .. } => {
            let r = &target.resource;
            let mut d = Diagnostic::error("Import to non-existent resource address").detail(format!(
                "Resource address {:?} does not exist in the configuration. Before importing this resource, create its configuration{}. For example:\n\nresource {:?} {:?} {{\n  # (resource arguments)\n}}",
                target.to_string(),
                if target.module.is_root() { " in the root module".to_string() } else { format!(" in {}", target.module) },
                r.type_name,
                r.name
            ));
            if let Some(s) = suggestion {
                d = d.hint(format!("did you mean {s}?"));
            }
            d
        }
        TargetError::Key { what, want } => Diagnostic::error("Invalid address")
            .detail(format!("The import address must give {what} {want}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_tags_leave_out_default_and_ownership_tags() {
        let read = Value::map([
            ("id", Value::from("subnet-1")),
            ("cidr_block", Value::from("10.0.0.0/24")),
            ("tags", Value::Null),
            (
                "tags_all",
                Value::map([
                    ("Name", Value::from("a")),
                    ("Env", Value::from("prod")),
                    ("Team", Value::from("x")),
                    ("terrace:lineage", Value::from("l")),
                ]),
            ),
        ]);
        let defaults = Value::map([("Env", Value::from("prod")), ("Team", Value::from("y"))]);
        let v = imported_value("aws_subnet", read.clone(), Some(&defaults));
        assert_eq!(
            v.get_attr("tags"),
            Some(&Value::map([
                ("Name", Value::from("a")),
                ("Team", Value::from("x"))
            ]))
        );
        assert!(v
            .get_attr("tags_all")
            .and_then(Value::as_map)
            .is_some_and(|m| m.len() == 3));
        let untagged = Value::map([
            ("id", Value::from("subnet-2")),
            ("tags_all", Value::Map(Default::default())),
        ]);
        assert_eq!(
            imported_value("aws_subnet", untagged, None).get_attr("tags"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn rule_types_cannot_be_imported_by_id() {
        for t in [
            "aws_security_group_rule",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ] {
            let e = import_prior(t).unwrap_err().to_string();
            assert!(e.contains(t) && e.contains("security group"), "{e}");
        }
        assert!(import_prior("aws_nope").is_err());
        assert_eq!(import_prior("aws_instance").unwrap(), Value::Null);
        let sg = import_prior("aws_security_group").unwrap();
        assert!(sg.get_attr("ingress").is_some() && sg.get_attr("egress").is_some());
    }
}
