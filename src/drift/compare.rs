//! Attribute-level differences between an object in state and the same object in the
//! cloud, as drift reports them.
//!
//! Invariants:
//! - Computed-only attributes (the cloud sets them: timestamps, association ids, endpoint
//!   status) are never drift: configuration can neither cause nor fix them. Nor is an
//!   optional-and-computed attribute (or "attributes as blocks" block, like `route`) the
//!   state holds no value for: the cloud filled in what the configuration left open (an
//!   elastic IP's `network_interface` once a NAT gateway uses it, a route an `aws_route`
//!   added to its table).
//! - Attributes under the resource's `ignore_changes` are never drift (`all` ignores every
//!   attribute).
//! - Maps (tags) differ per key, sets and lists of objects (nested blocks) per element;
//!   anything else as a whole. `tags_all` reports only keys `tags` does not (provider
//!   `default_tags`), so one edited tag is one finding.

use crate::config::IgnoreChanges;
use crate::eval::Value;
use crate::plan::values_equal;
use crate::schema::ResourceSchema;

/// One difference: the attribute path in plan notation (`instance_type`, `tags["Owner"]`,
/// `ingress`) and each side's value; `None` when absent on that side (a key or element
/// added or removed).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The differences between `prior` (state) and `now` (cloud) worth reporting, leaving out
/// the attributes named in `skip` (compared elsewhere, e.g. security group rules).
pub fn attribute_changes(
    prior: &Value,
    now: &Value,
    schema: &ResourceSchema,
    ignore: &IgnoreChanges,
    skip: &[&str],
) -> Vec<AttrChange> {
    let ignored_paths: Vec<&[String]> = match ignore {
        IgnoreChanges::All => return Vec::new(),
        IgnoreChanges::None => Vec::new(),
        IgnoreChanges::Paths(p) => p.iter().map(|(path, _)| path.as_slice()).collect(),
    };
    let ignored = |name: &str, key: Option<&str>| {
        ignored_paths.iter().any(|p| match p {
            [n] => n == name,
            [n, k, ..] => n == name && Some(k.as_str()) == key,
            [] => false,
        })
    };
    // (name, whether the cloud may fill it in when the configuration leaves it unset)
    let settable = schema
        .body
        .attrs
        .iter()
        // `tags_all` is computed, but from configuration: the provider's default tags.
        .filter(|a| a.is_settable() || a.name == "tags_all")
        .map(|a| (a.name, a.is_computed() && a.name != "tags_all"))
        .chain(
            schema
                .body
                .blocks
                .iter()
                .map(|b| (b.name, b.computed_when_absent)),
        )
        .filter(|(n, _)| !skip.contains(n));
    let null = Value::Null;
    let mut out = Vec::new();
    let mut tag_keys: Vec<String> = Vec::new();
    for (name, cloud_fills) in settable {
        if ignored(name, None) {
            continue;
        }
        let a = prior.get_attr(name).unwrap_or(&null);
        let b = now.get_attr(name).unwrap_or(&null);
        if values_equal(a, b) || (cloud_fills && values_equal(a, &null)) {
            continue;
        }
        match (a.peel(), b.peel()) {
            (Value::Map(_) | Value::Null, Value::Map(_)) | (Value::Map(_), Value::Null) => {
                for c in map_changes(name, a, b) {
                    let key = c.0.as_str();
                    if ignored(name, Some(key))
                        || (name == "tags_all" && tag_keys.iter().any(|k| k == key))
                    {
                        continue;
                    }
                    if name == "tags" {
                        tag_keys.push(key.to_string());
                    }
                    out.push(AttrChange {
                        path: format!("{name}[{}]", quoted(key)),
                        before: c.1,
                        after: c.2,
                    });
                }
            }
            (x, y) if is_object_collection(x) || is_object_collection(y) => {
                let (removed, added) = element_changes(a, b);
                out.extend(removed.into_iter().map(|e| AttrChange {
                    path: name.to_string(),
                    before: Some(e),
                    after: None,
                }));
                out.extend(added.into_iter().map(|e| AttrChange {
                    path: name.to_string(),
                    before: None,
                    after: Some(e),
                }));
            }
            _ => out.push(AttrChange {
                path: name.to_string(),
                before: (!a.is_null()).then(|| a.clone()),
                after: (!b.is_null()).then(|| b.clone()),
            }),
        }
    }
    out
}

/// A map key as HCL writes it in an index: `"Owner"`.
fn quoted(key: &str) -> String {
    serde_json::Value::String(key.to_string()).to_string()
}

/// (key, before, after) for each key whose value differs.
fn map_changes(_name: &str, a: &Value, b: &Value) -> Vec<(String, Option<Value>, Option<Value>)> {
    let empty = std::collections::BTreeMap::new();
    let am = a.as_map().unwrap_or(&empty);
    let bm = b.as_map().unwrap_or(&empty);
    let mut keys: Vec<&String> = am.keys().chain(bm.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (am.get(k), bm.get(k));
            let same = match (x, y) {
                (Some(x), Some(y)) => values_equal(x, y),
                (None, None) => true,
                _ => false,
            };
            (!same).then(|| (k.clone(), x.cloned(), y.cloned()))
        })
        .collect()
}

fn is_object_collection(v: &Value) -> bool {
    match v {
        Value::List(items) | Value::Set(items) => {
            items.iter().any(|i| matches!(i.peel(), Value::Map(_)))
        }
        _ => false,
    }
}

/// Elements of `a` missing from `b` (removed) and of `b` missing from `a` (added).
fn element_changes(a: &Value, b: &Value) -> (Vec<Value>, Vec<Value>) {
    let items = |v: &Value| -> Vec<Value> {
        match v.peel() {
            Value::List(x) | Value::Set(x) => x.clone(),
            _ => Vec::new(),
        }
    };
    let (xa, xb) = (items(a), items(b));
    let missing = |from: &[Value], other: &[Value]| -> Vec<Value> {
        from.iter()
            .filter(|e| !other.iter().any(|o| values_equal(e, o)))
            .cloned()
            .collect()
    };
    (missing(&xa, &xb), missing(&xb, &xa))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn schema(t: &str) -> &'static ResourceSchema {
        crate::schema::resource(t).expect("schema")
    }

    #[test]
    fn computed_only_attributes_are_not_drift() {
        let prior = Value::map([("instance_type", s("t3.micro")), ("private_dns", s("a"))]);
        let now = Value::map([("instance_type", s("t3.large")), ("private_dns", s("b"))]);
        let got = attribute_changes(
            &prior,
            &now,
            schema("aws_instance"),
            &IgnoreChanges::None,
            &[],
        );
        assert_eq!(
            got,
            [AttrChange {
                path: "instance_type".into(),
                before: Some(s("t3.micro")),
                after: Some(s("t3.large")),
            }]
        );
    }

    #[test]
    fn tags_differ_per_key_and_tags_all_only_for_default_tags() {
        let tags = |owner: &str| Value::map([("Name", s("web")), ("Owner", s(owner))]);
        let prior = Value::map([
            ("tags", tags("alice")),
            (
                "tags_all",
                Value::map([("Name", s("web")), ("Owner", s("alice")), ("team", s("a"))]),
            ),
        ]);
        let now = Value::map([
            ("tags", tags("bob")),
            (
                "tags_all",
                Value::map([("Name", s("web")), ("Owner", s("bob")), ("team", s("b"))]),
            ),
        ]);
        let got = attribute_changes(
            &prior,
            &now,
            schema("aws_instance"),
            &IgnoreChanges::None,
            &[],
        );
        let paths: Vec<&str> = got.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, [r#"tags["Owner"]"#, r#"tags_all["team"]"#]);
    }

    #[test]
    fn ignore_changes_hides_attributes_and_keys() {
        let prior = Value::map([
            ("instance_type", s("t3.micro")),
            ("tags", Value::map([("Owner", s("a")), ("Env", s("x"))])),
        ]);
        let now = Value::map([
            ("instance_type", s("t3.large")),
            ("tags", Value::map([("Owner", s("b")), ("Env", s("y"))])),
        ]);
        let span = crate::diag::SrcSpan::new(crate::diag::FileId(0), 0..0);
        let ignore = IgnoreChanges::Paths(vec![
            (vec!["instance_type".into()], span.clone()),
            (vec!["tags".into(), "Owner".into()], span),
        ]);
        let got = attribute_changes(&prior, &now, schema("aws_instance"), &ignore, &[]);
        let paths: Vec<&str> = got.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, [r#"tags["Env"]"#]);
        let all = attribute_changes(
            &prior,
            &now,
            schema("aws_instance"),
            &IgnoreChanges::All,
            &[],
        );
        assert!(all.is_empty());
    }

    #[test]
    fn values_the_cloud_fills_in_are_not_drift() {
        let prior = Value::map([("network_interface", Value::Null)]);
        let now = Value::map([("network_interface", s("eni-1"))]);
        let got = attribute_changes(&prior, &now, schema("aws_eip"), &IgnoreChanges::None, &[]);
        assert!(got.is_empty(), "{got:?}");
        let empty = Value::map([("route", Value::set(vec![]))]);
        let filled = Value::map([(
            "route",
            Value::set(vec![Value::map([("cidr_block", s("0.0.0.0/0"))])]),
        )]);
        let got = attribute_changes(
            &empty,
            &filled,
            schema("aws_route_table"),
            &IgnoreChanges::None,
            &[],
        );
        assert!(got.is_empty(), "{got:?}");
        // Once the state holds a value, a change to it is drift.
        let got = attribute_changes(
            &filled,
            &empty,
            schema("aws_route_table"),
            &IgnoreChanges::None,
            &[],
        );
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn block_elements_added_and_removed() {
        let route =
            |cidr: &str, gw: &str| Value::map([("cidr_block", s(cidr)), ("gateway_id", s(gw))]);
        let prior = Value::map([("route", Value::set(vec![route("0.0.0.0/0", "igw-1")]))]);
        let now = Value::map([(
            "route",
            Value::set(vec![
                route("0.0.0.0/0", "igw-1"),
                route("10.9.0.0/16", "igw-1"),
            ]),
        )]);
        let got = attribute_changes(
            &prior,
            &now,
            schema("aws_route_table"),
            &IgnoreChanges::None,
            &[],
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "route");
        assert_eq!(got[0].before, None);
        assert_eq!(got[0].after, Some(route("10.9.0.0/16", "igw-1")));
        let skipped = attribute_changes(
            &prior,
            &now,
            schema("aws_route_table"),
            &IgnoreChanges::None,
            &["route"],
        );
        assert!(skipped.is_empty());
    }
}
