//! Resource and data source instances: expansion, body evaluation against the schema, and
//! provider default tags.

use super::scope::InstanceScope;
use super::{Evaluation, Expansion, Slot};
use crate::addr::{InstanceKey, Mode, ModulePath, ResourceAddr, ResourceInstanceAddr};
use crate::config::{IgnoreChanges, Resource};
use crate::diag::{did_you_mean, Diagnostic, SrcSpan};
use crate::eval::body::BodyEval;
use crate::eval::value::Value;
use crate::schema::{self, ResourceSchema};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The evaluated instances of one resource in one module instance.
///
/// Invariant: `aggregate` holds every instance value exactly once, shaped by `expansion`
/// (the object, a list for `count`, a map for `for_each`, unknown when not expanded).
#[derive(Debug)]
pub struct ResourceResult {
    pub expansion: Expansion,
    /// What a reference to the whole resource sees.
    pub aggregate: Value,
}

impl ResourceResult {
    /// The instance keys, in order.
    pub fn keys(&self) -> Vec<InstanceKey> {
        self.expansion
            .instances()
            .into_iter()
            .map(|(k, _, _)| k)
            .collect()
    }

    /// Splits the aggregate into (key, value) pairs, consuming it.
    pub fn into_instances(self) -> Vec<(InstanceKey, Value)> {
        match (self.expansion, self.aggregate) {
            (Expansion::Single, v) => vec![(InstanceKey::None, v)],
            (Expansion::Count(_), Value::List(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (InstanceKey::Int(i as i64), v))
                .collect(),
            (Expansion::ForEach(_), Value::Map(m)) => m
                .into_iter()
                .map(|(k, v)| (InstanceKey::Str(k), v))
                .collect(),
            _ => Vec::new(),
        }
    }
}

fn schema_for(addr: &ResourceAddr) -> Option<&'static ResourceSchema> {
    match addr.mode {
        Mode::Managed => schema::resource(&addr.type_name),
        Mode::Data => schema::data_source(&addr.type_name),
    }
}

impl Evaluation<'_> {
    /// A reference `TYPE.NAME` / `data.TYPE.NAME` from module instance `module`.
    pub(super) fn resource_ref(
        &self,
        module: &ModulePath,
        addr: &ResourceAddr,
        span: &SrcSpan,
    ) -> Result<Value, Diagnostic> {
        let m = &self.tree(module).module;
        if !m.resources.contains_key(addr) {
            let kind = if addr.mode == Mode::Data {
                "data resource"
            } else {
                "resource"
            };
            let mut d = Diagnostic::error(format!("Reference to undeclared {kind}"))
                .detail(format!(
                    "A {kind} {:?} {:?} has not been declared in this module.",
                    addr.type_name, addr.name
                ))
                .at(span);
            let same_mode: Vec<String> = m
                .resources
                .keys()
                .filter(|a| a.mode == addr.mode)
                .map(ToString::to_string)
                .collect();
            if let Some(s) = did_you_mean(&addr.to_string(), same_mode.iter().map(String::as_str)) {
                d = d.hint(format!("did you mean {s}?"));
            } else if addr.mode == Mode::Managed
                && schema::resource(&addr.type_name).is_none()
                && schema::data_source(&addr.type_name).is_none()
                && !addr.type_name.contains('_')
            {
                d = d.summary_replace("Reference to undeclared name");
                d.detail = Some(format!("There is no object named {:?} in this scope; references start with var., local., module., data., or a resource type.", addr.type_name));
            }
            return Err(d);
        }
        Ok(self.resource_result(module, addr).aggregate.clone())
    }

    /// Evaluates (once) all instances of a resource.
    pub(super) fn resource_result(
        &self,
        module: &ModulePath,
        addr: &ResourceAddr,
    ) -> Rc<ResourceResult> {
        let key = (module.clone(), addr.clone());
        match self.memo.borrow().resources.get(&key) {
            Some(Slot::Done(r)) => return r.clone(),
            Some(Slot::InProgress) => {
                return Rc::new(ResourceResult {
                    expansion: Expansion::Unknown,
                    aggregate: Value::Unknown,
                });
            }
            None => {}
        }
        self.memo
            .borrow_mut()
            .resources
            .insert(key.clone(), Slot::InProgress);
        let r = &self.tree(module).module.resources[addr];
        let result = Rc::new(self.eval_resource(module, r));
        self.memo
            .borrow_mut()
            .resources
            .insert(key, Slot::Done(result.clone()));
        result
    }

    fn eval_resource(&self, module: &ModulePath, r: &Resource) -> ResourceResult {
        let schema = schema_for(&r.addr);
        if schema.is_none() {
            self.push(unsupported_type(r));
        }
        if let Some(s) = schema {
            self.check_meta(r, s);
        }
        let default_tags = self.providers.default_tags(r, &mut |d| self.push(d));
        let scope = InstanceScope::new(self, module);
        let expansion = self.expansion(&scope, r.count.as_ref(), r.for_each.as_ref());
        let eval_instance = |key: Option<InstanceKey>,
                             count: Option<Value>,
                             each: Option<(Value, Value)>|
         -> Value {
            self.eval_instance(module, r, schema, default_tags.as_ref(), key, count, each)
        };
        let aggregate = match &expansion {
            Expansion::Unknown => {
                // Check the body once with unknown count.index / each.
                let count = r.count.as_ref().map(|_| Value::Unknown);
                let each = r
                    .for_each
                    .as_ref()
                    .map(|_| (Value::Unknown, Value::Unknown));
                eval_instance(None, count, each);
                Value::Unknown
            }
            Expansion::Single => eval_instance(Some(InstanceKey::None), None, None),
            Expansion::Count(_) => Value::List(
                expansion
                    .instances()
                    .into_iter()
                    .map(|(k, c, e)| eval_instance(Some(k), c, e))
                    .collect(),
            ),
            Expansion::ForEach(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            eval_instance(
                                Some(InstanceKey::Str(k.clone())),
                                None,
                                Some((Value::String(k.clone()), v.clone())),
                            ),
                        )
                    })
                    .collect(),
            ),
        };
        ResourceResult {
            expansion,
            aggregate,
        }
    }

    /// Evaluates one instance: its body against the schema, `tags_all`, then the planner.
    /// `key` is `None` for the check of an unexpanded resource (no planner call).
    #[allow(clippy::too_many_arguments)]
    fn eval_instance(
        &self,
        module: &ModulePath,
        r: &Resource,
        schema: Option<&'static ResourceSchema>,
        default_tags: Option<&Value>,
        key: Option<InstanceKey>,
        count: Option<Value>,
        each: Option<(Value, Value)>,
    ) -> Value {
        let Some(schema) = schema else {
            return Value::Unknown;
        };
        let what = format!(
            "a {} block",
            if r.addr.mode == Mode::Data {
                "data"
            } else {
                "resource"
            }
        );
        let scope = InstanceScope {
            ev: self,
            module: module.clone(),
            count,
            each,
        };
        let mut diags = Vec::new();
        let mut be = BodyEval {
            scope: &scope,
            bound: Vec::new(),
            diags: &mut diags,
        };
        let mut v = be.eval(&r.body, &schema.body, &r.span, &what);
        for d in diags {
            self.push(d);
        }
        if schema.taggable {
            add_tags_all(&mut v, default_tags);
        }
        match (self.opts.planner, key) {
            (Some(p), Some(key)) => {
                let addr = ResourceInstanceAddr {
                    module: module.clone(),
                    resource: r.addr.clone(),
                    key,
                };
                p.plan_instance(&addr, v, schema, r)
            }
            _ => v,
        }
    }

    /// Evaluates only instance `addr` and, lazily, what it refers to; not its resource's other
    /// instances nor anything else. `None` when the configuration no longer declares it (its
    /// module instance, resource or key is gone, or its expansion is unknown).
    pub(super) fn single_instance(&self, addr: &ResourceInstanceAddr) -> Option<Value> {
        if !self.module_instance_exists(&addr.module) {
            return None;
        }
        let r = self
            .tree(&addr.module)
            .module
            .resources
            .get(&addr.resource)?;
        let schema = schema_for(&r.addr)?;
        let default_tags = self.providers.default_tags(r, &mut |d| self.push(d));
        let scope = InstanceScope::new(self, &addr.module);
        let expansion = self.expansion(&scope, r.count.as_ref(), r.for_each.as_ref());
        let (key, count, each) = expansion
            .instances()
            .into_iter()
            .find(|(k, _, _)| k == &addr.key)?;
        Some(self.eval_instance(
            &addr.module,
            r,
            Some(schema),
            default_tags.as_ref(),
            Some(key),
            count,
            each,
        ))
    }

    /// Whether every step of `path` is an instance of its module call.
    fn module_instance_exists(&self, path: &ModulePath) -> bool {
        let mut parent = ModulePath::root();
        for step in &path.0 {
            let tree = self.tree(&parent);
            if !tree.children.contains_key(&step.name) {
                return false;
            }
            let exp = self.call_expansion(&parent, &step.name);
            if !exp.instances().iter().any(|(k, _, _)| k == &step.key) {
                return false;
            }
            parent = parent.child(&step.name, step.key.clone());
        }
        true
    }

    /// Checks lifecycle and timeouts against the schema.
    fn check_meta(&self, r: &Resource, s: &ResourceSchema) {
        if let IgnoreChanges::Paths(paths) = &r.lifecycle.ignore_changes {
            for (p, span) in paths {
                let Some(first) = p.first() else { continue };
                if s.body.attr(first).is_none() && s.body.block(first).is_none() {
                    let mut d = Diagnostic::error("Unsupported attribute in ignore_changes")
                        .detail(format!("{} has no attribute {first:?}.", r.addr.type_name))
                        .at(span);
                    if let Some(x) = did_you_mean(first, s.body.attrs.iter().map(|a| a.name)) {
                        d = d.hint(format!("did you mean {x:?}?"));
                    }
                    self.push(d);
                }
            }
        }
        for (op, _, span) in &r.timeouts.values {
            if !s.timeouts.contains(&op.as_str()) {
                let allowed = if s.timeouts.is_empty() {
                    "none".to_string()
                } else {
                    s.timeouts.join(", ")
                };
                self.push(
                    Diagnostic::error("Unsupported timeout")
                        .detail(format!(
                            "{} does not support a {op:?} timeout; supported: {allowed}.",
                            r.addr.type_name
                        ))
                        .at(span),
                );
            }
        }
        if r.timeouts.span.is_some() && s.timeouts.is_empty() {
            if let Some(span) = &r.timeouts.span {
                self.push(
                    Diagnostic::error("Unsupported block type")
                        .detail(format!(
                            "{} does not support a timeouts block.",
                            r.addr.type_name
                        ))
                        .at(span),
                );
            }
        }
    }
}

/// `tags_all` = provider default tags merged with the resource's `tags`.
fn add_tags_all(v: &mut Value, default_tags: Option<&Value>) {
    let Value::Map(m) = v else { return };
    let tags = m.get("tags").cloned().unwrap_or(Value::Null);
    let all = match (default_tags, tags) {
        (_, Value::Unknown) | (Some(Value::Unknown), _) => Value::Unknown,
        (d, t) => {
            let mut out = BTreeMap::new();
            if let Some(Value::Map(d)) = d.map(Value::peel) {
                out.extend(d.clone());
            }
            if let Value::Map(t) = t.peel() {
                out.extend(t.clone());
            }
            Value::Map(out)
        }
    };
    m.insert("tags_all".to_string(), all);
}

fn unsupported_type(r: &Resource) -> Diagnostic {
    let (kind, names) = match r.addr.mode {
        Mode::Managed => ("resource type", schema::managed_types()),
        Mode::Data => ("data source", schema::data_types()),
    };
    let mut d = Diagnostic::error(format!("Unsupported {kind}"))
        .detail(format!(
            "Terrace does not support the {kind} {:?}. Supported: {}.",
            r.addr.type_name,
            names.join(", ")
        ))
        .at(&r.type_span);
    if let Some(s) = did_you_mean(&r.addr.type_name, names.iter().copied()) {
        d = d.hint(format!("did you mean {s:?}?"));
    } else if r.addr.mode == Mode::Managed && schema::data_source(&r.addr.type_name).is_some() {
        d = d.hint(format!(
            "{:?} is a data source: declare it with a data block",
            r.addr.type_name
        ));
    }
    d
}
