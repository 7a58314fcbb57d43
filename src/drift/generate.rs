//! Configuration for objects no state manages: a `resource` block per object with the
//! attributes a person would write (the settable ones of its schema, as the cloud has them)
//! and an `import {}` block that brings it under management at that address.
//!
//! Invariants of the output:
//! - it is canonically formatted: two-space indents, `=` aligned within each run of
//!   single-line attributes (as `terraform fmt` aligns them), a blank line between blocks;
//! - applying it imports every object without changing it: every attribute written has the
//!   object's value, and every attribute left out (computed-only, null, empty, equal to
//!   its default, or the computed side of a conflicting pair) plans as unchanged;
//! - references stay literal ids (`subnet_id = "subnet-0abc"`): the objects may belong to
//!   configuration elsewhere;
//! - resource names are valid, unique identifiers per type;
//! - sensitive attributes are never written.

use crate::eval::{format_number, Value};
use crate::plan::values_equal;
use crate::provider::{CloudObject, OWNERSHIP_TAG_PREFIX};
use crate::schema::{AttrSchema, BodySchema, Presence};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Resource and import blocks for `objects`, in the order given. Objects of types without a
/// schema get a comment saying so instead.
pub fn generate_config(objects: &[CloudObject]) -> String {
    let mut out = String::from("# __generated__ by Terrace\n");
    let mut used: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for o in objects {
        out.push('\n');
        let Some(schema) = crate::schema::resource(&o.type_name) else {
            let _ = writeln!(
                out,
                "# Terrace cannot generate configuration for {} {:?}: the type is not supported.",
                o.type_name, o.id
            );
            continue;
        };
        let name = unique(
            used.entry(o.type_name.as_str()).or_default(),
            resource_name(o),
        );
        let mut items = body_items(&schema.body, &o.value, true);
        if schema.taggable {
            items.retain(|i| !matches!(i, Item::Attr(k, _) if k == "tags"));
            if let Some(tags) = user_tags(o) {
                // Last of the attributes, where people write them.
                let pos = items
                    .iter()
                    .position(|i| matches!(i, Item::Block(..)))
                    .unwrap_or(items.len());
                items.insert(pos, Item::Attr("tags".into(), tags));
            }
        }
        let _ = writeln!(out, "# __generated__ by Terrace from {}", quote(&o.id));
        let _ = writeln!(out, "resource {} {} {{", quote(&o.type_name), quote(&name));
        write_items(&items, 1, &mut out);
        out.push_str("}\n\nimport {\n");
        write_items(
            &[
                Item::Attr("to".into(), vec![format!("{}.{name}", o.type_name)]),
                Item::Attr("id".into(), vec![quote(&o.id)]),
            ],
            1,
            &mut out,
        );
        out.push_str("}\n");
    }
    out
}

/// What a body holds: an attribute (its value as lines: one for a single-line value) or a
/// nested block.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Attr(String, Vec<String>),
    Block(String, Vec<Item>),
}

/// The attributes and blocks of `v` worth writing under `body` (see the module invariants).
/// `top` marks the resource body, whose `tags` and `tags_all` are handled by the caller.
fn body_items(body: &BodySchema, v: &Value, top: bool) -> Vec<Item> {
    let Some(m) = v.as_map() else {
        return Vec::new();
    };
    let null = Value::Null;
    // Settable, non-sensitive, meaningful attributes: plain ones first, so that of two
    // conflicting attributes the one the cloud cannot choose is kept.
    let mut wanted: Vec<&AttrSchema> = body
        .attrs
        .iter()
        .filter(|a| a.is_settable() && !a.sensitive && a.name != "id")
        .filter(|a| !(top && matches!(a.name, "tags" | "tags_all")))
        .filter(|a| worth_writing(a, m.get(a.name).unwrap_or(&null)))
        .collect();
    wanted.sort_by_key(|a| a.presence == Presence::OptionalComputed);
    let deprecated = crate::schema::owning(body)
        .map(|s| s.deprecated.iter().map(|(n, _)| *n).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut kept: Vec<&AttrSchema> = Vec::new();
    for a in wanted {
        let computed = a.presence == Presence::OptionalComputed;
        let conflicts = kept
            .iter()
            .any(|k| a.conflicts_with.contains(&k.name) || k.conflicts_with.contains(&a.name));
        if computed && (conflicts || deprecated.contains(&a.name)) {
            continue;
        }
        kept.push(a);
    }
    kept.sort_by_key(|a| a.name);
    let mut items: Vec<Item> = kept
        .into_iter()
        .map(|a| Item::Attr(a.name.to_string(), value_lines(&m[a.name])))
        .collect();
    for b in &body.blocks {
        let elems: Vec<&Value> = match m.get(b.name).map(Value::peel) {
            Some(Value::List(x) | Value::Set(x)) => x.iter().collect(),
            Some(x @ Value::Map(_)) => vec![x],
            _ => Vec::new(),
        };
        for e in elems {
            let inner = body_items(&b.body, e, false);
            if !inner.is_empty() {
                items.push(Item::Block(b.name.to_string(), inner));
            }
        }
    }
    items
}

/// Whether `v` says something an omitted attribute would not: not null, not empty, not
/// the default, and (without a default) not the zero value the cloud reports for unset.
/// Required attributes are always written.
fn worth_writing(a: &AttrSchema, v: &Value) -> bool {
    if v.is_null() || !v.is_wholly_known() || v.is_sensitive() {
        return false;
    }
    if a.presence == Presence::Required {
        return true;
    }
    match &a.default {
        Some(d) => !values_equal(v, d),
        None => !values_equal(v, &Value::Null),
    }
}

/// The object's tags minus Terrace's ownership tags, as a map value; `None` when empty.
fn user_tags(o: &CloudObject) -> Option<Vec<String>> {
    let tags: BTreeMap<&String, &String> = o
        .tags
        .iter()
        .filter(|(k, _)| !k.starts_with(OWNERSHIP_TAG_PREFIX))
        .collect();
    if tags.is_empty() {
        return None;
    }
    let v = Value::Map(
        tags.into_iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect(),
    );
    Some(value_lines(&v))
}

/// An HCL literal for `v`: one line, except non-empty maps (one entry per line, aligned).
fn value_lines(v: &Value) -> Vec<String> {
    match v.peel() {
        Value::Map(m) if !m.is_empty() => {
            let entries: Vec<Item> = m
                .iter()
                .map(|(k, x)| Item::Attr(map_key(k), value_lines(x)))
                .collect();
            let mut inner = String::new();
            write_items(&entries, 1, &mut inner);
            let mut lines = vec!["{".to_string()];
            lines.extend(inner.lines().map(str::to_string));
            lines.push("}".to_string());
            lines
        }
        other => vec![inline(other)],
    }
}

/// A value on one line.
fn inline(v: &Value) -> String {
    match v.peel() {
        Value::Null | Value::Unknown | Value::Sensitive(_) => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::String(s) => quote(s),
        Value::List(items) | Value::Set(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(m) if m.is_empty() => "{}".into(),
        Value::Map(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, x)| format!("{} = {}", map_key(k), inline(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A map key: bare when it is an identifier without dashes (`Name`, `team_id`), quoted
/// otherwise (`"cost-centre"`, `"aws:cloudformation:stack-name"`), so no key can read as an
/// expression.
fn map_key(k: &str) -> String {
    let mut chars = k.chars();
    let bare = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if bare {
        k.to_string()
    } else {
        quote(k)
    }
}

/// An HCL quoted string: JSON escapes, plus `$${` and `%%{` so nothing is interpolated.
fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string())
        .to_string()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// Writes `items` at `depth` (two spaces each): `=` aligned within runs of single-line
/// attributes; a multi-line attribute or a block ends a run; blocks are set off by blank
/// lines.
fn write_items(items: &[Item], depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Attr(k, lines) if lines.len() == 1 => {
                let run: Vec<(&String, &String)> = items[i..]
                    .iter()
                    .map_while(|it| match it {
                        Item::Attr(k, l) if l.len() == 1 => Some((k, &l[0])),
                        _ => None,
                    })
                    .collect();
                let width = run.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
                for (k, v) in &run {
                    let _ = writeln!(out, "{pad}{k:<width$} = {v}");
                }
                let _ = k;
                i += run.len();
                continue;
            }
            Item::Attr(k, lines) => {
                let _ = writeln!(out, "{pad}{k} = {}", lines[0]);
                for l in &lines[1..] {
                    let _ = writeln!(out, "{pad}{l}");
                }
            }
            Item::Block(name, body) => {
                if i > 0 {
                    out.push('\n');
                }
                let _ = writeln!(out, "{pad}{name} {{");
                write_items(body, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
                if matches!(items.get(i + 1), Some(Item::Attr(..))) {
                    out.push('\n');
                }
            }
        }
        i += 1;
    }
}

/// A name for the object's resource block: its `Name` tag, else a type-specific name
/// attribute (a security group's or key pair's name, a DB instance's identifier), else
/// `unmanaged_<id>`; sanitised to a lowercase identifier.
fn resource_name(o: &CloudObject) -> String {
    let attr = |k: &str| {
        o.value
            .get_attr(k)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let short = o.type_name.strip_prefix("aws_").unwrap_or(&o.type_name);
    let candidates = [
        o.tags.get("Name").cloned(),
        match o.type_name.as_str() {
            "aws_security_group" | "aws_db_subnet_group" | "aws_db_parameter_group" => attr("name"),
            "aws_key_pair" => attr("key_name"),
            "aws_db_instance" => attr("identifier"),
            _ => None,
        },
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|s| sanitize(&s, short))
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| sanitize(&format!("unmanaged_{}", o.id), short))
}

/// Lowercase; every run of characters other than `a-z`, `0-9` and `_` becomes one `_`;
/// no leading or trailing `_`; prefixed with `prefix_` when it starts with a digit.
fn sanitize(s: &str, prefix: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}_{out}")
    } else {
        out
    }
}

/// `name`, or `name_2`, `name_3`, ... : the first not yet in `used` (which records it).
fn unique(used: &mut BTreeSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while used.contains(&candidate) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    used.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(type_name: &str, id: &str, tags: &[(&str, &str)], value: Value) -> CloudObject {
        CloudObject {
            type_name: type_name.into(),
            id: id.into(),
            vpc_id: None,
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    #[test]
    fn names_are_sanitised_unique_identifiers() {
        let mut used = BTreeSet::new();
        assert_eq!(sanitize("Web Server (prod)", "instance"), "web_server_prod");
        assert_eq!(sanitize("1st-host", "instance"), "instance_1st_host");
        assert_eq!(unique(&mut used, "web".into()), "web");
        assert_eq!(unique(&mut used, "web".into()), "web_2");
        assert_eq!(unique(&mut used, "web".into()), "web_3");
        let o = object(
            "aws_instance",
            "i-0ab-12",
            &[],
            Value::Map(Default::default()),
        );
        assert_eq!(resource_name(&o), "unmanaged_i_0ab_12");
        let o = object(
            "aws_security_group",
            "sg-1",
            &[],
            Value::map([("name", Value::from("db-access"))]),
        );
        assert_eq!(resource_name(&o), "db_access");
        let o = object(
            "aws_subnet",
            "subnet-1",
            &[("Name", "---")],
            Value::Map(Default::default()),
        );
        assert_eq!(resource_name(&o), "unmanaged_subnet_1");
    }

    #[test]
    fn subnet_block_is_formatted_and_minimal() {
        let value = Value::map([
            ("id", Value::from("subnet-1")),
            ("arn", Value::from("arn:aws:ec2:x")),
            ("vpc_id", Value::from("vpc-1")),
            ("cidr_block", Value::from("10.0.1.0/24")),
            ("availability_zone", Value::from("ca-west-1a")),
            ("availability_zone_id", Value::from("caw1-az1")),
            ("map_public_ip_on_launch", Value::Bool(true)),
            ("assign_ipv6_address_on_creation", Value::Bool(false)),
            ("ipv6_cidr_block", Value::Null),
            ("tags", Value::map([("Name", Value::from("app a"))])),
            ("tags_all", Value::map([("Name", Value::from("app a"))])),
        ]);
        let o = object(
            "aws_subnet",
            "subnet-1",
            &[
                ("Name", "app a"),
                ("terrace:lineage", "x"),
                ("cost-centre", "7"),
            ],
            value,
        );
        let text = generate_config(&[o]);
        assert_eq!(
            text,
            r#"# __generated__ by Terrace

# __generated__ by Terrace from "subnet-1"
resource "aws_subnet" "app_a" {
  availability_zone       = "ca-west-1a"
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
  vpc_id                  = "vpc-1"
  tags = {
    Name          = "app a"
    "cost-centre" = "7"
  }
}

import {
  to = aws_subnet.app_a
  id = "subnet-1"
}
"#
        );
    }

    #[test]
    fn blocks_keep_required_zero_values_and_strings_are_escaped() {
        let rule = Value::map([
            ("protocol", Value::from("-1")),
            ("from_port", Value::Number(0.0)),
            ("to_port", Value::Number(0.0)),
            ("cidr_blocks", Value::List(vec![Value::from("0.0.0.0/0")])),
            ("self", Value::Bool(false)),
            ("description", Value::Null),
        ]);
        let value = Value::map([
            ("name", Value::from("web")),
            ("description", Value::from("say ${hi}")),
            ("vpc_id", Value::from("vpc-1")),
            ("egress", Value::set(vec![rule])),
            ("ingress", Value::set(vec![])),
        ]);
        let text = generate_config(&[object("aws_security_group", "sg-1", &[], value)]);
        assert!(
            text.contains(
                r#"resource "aws_security_group" "web" {
  description = "say $${hi}"
  name        = "web"
  vpc_id      = "vpc-1"

  egress {
    cidr_blocks = ["0.0.0.0/0"]
    from_port   = 0
    protocol    = "-1"
    to_port     = 0
  }
}
"#
            ),
            "{text}"
        );
        assert!(!text.contains("ingress"), "{text}");
    }
}
