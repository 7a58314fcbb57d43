//! Attribute schemas of the supported resource types and data sources, following
//! terraform-provider-aws: which attributes exist, their types, whether they are required,
//! optional or computed, whether changing them forces a replacement, and value validators.
//!
//! Invariant: every schema lists `id` as a computed attribute, and every taggable managed
//! resource has `tags` (optional map of string) and `tags_all` (computed).

mod builder;
mod data_sources;
mod instance;
mod rds;
mod security_group;
mod validator;
mod vpc;

pub use builder::ResourceBuilder;
pub use validator::Validator;

use crate::eval::Type;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Managed resource (`resource`) or data source (`data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaKind {
    Managed,
    Data,
}

/// Whether the user must, may, or cannot set an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Set by the cloud only; setting it in configuration is an error.
    Computed,
    /// May be set; when unset, the cloud chooses (unknown until apply).
    OptionalComputed,
}

/// One attribute of a resource or nested block.
#[derive(Debug, Clone)]
pub struct AttrSchema {
    pub name: &'static str,
    pub ty: Type,
    pub presence: Presence,
    /// Changing the value replaces the resource.
    pub force_new: bool,
    /// Values are masked in output (e.g. `password`).
    pub sensitive: bool,
    /// Checks on known values; all must pass.
    pub validators: Vec<Validator>,
    /// Names of attributes that must not be set together with this one.
    pub conflicts_with: &'static [&'static str],
    /// Value used when the attribute is unset (instead of null / unknown).
    pub default: Option<crate::eval::Value>,
}

/// How a nested block may repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; its value is an object (or null).
    Single,
    /// A list of objects, in order.
    List,
    /// A set of objects.
    Set,
}

/// A nested block type (e.g. `ingress` in `aws_security_group`).
#[derive(Debug, Clone)]
pub struct BlockSchema {
    pub name: &'static str,
    pub nesting: Nesting,
    pub min_items: usize,
    /// `None` = unbounded.
    pub max_items: Option<usize>,
    pub force_new: bool,
    /// When the configuration writes no block of this type, the cloud's blocks are kept
    /// rather than removed (the provider's "attributes as blocks", e.g. `route`, `ingress`).
    pub computed_when_absent: bool,
    pub body: BodySchema,
}

/// The attributes and nested blocks allowed in a body.
#[derive(Debug, Clone, Default)]
pub struct BodySchema {
    pub attrs: Vec<AttrSchema>,
    pub blocks: Vec<BlockSchema>,
}

impl BodySchema {
    pub fn attr(&self, name: &str) -> Option<&AttrSchema> {
        self.attrs.iter().find(|a| a.name == name)
    }
    pub fn block(&self, name: &str) -> Option<&BlockSchema> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// The schema of one resource type or data source.
#[derive(Debug, Clone)]
pub struct ResourceSchema {
    pub type_name: &'static str,
    pub kind: SchemaKind,
    pub body: BodySchema,
    /// Carries `tags` / `tags_all` and receives provider `default_tags`.
    pub taggable: bool,
    /// Supports a `timeouts {}` block with these operation names (e.g. `["create", "delete"]`).
    pub timeouts: &'static [&'static str],
    /// Groups of top-level arguments of which exactly one must be set (the provider's
    /// `ExactlyOneOf`), e.g. the destination of an `aws_route`.
    pub exactly_one_of: Vec<&'static [&'static str]>,
    /// Top-level arguments the provider still accepts but has deprecated, with the message it
    /// shows when one is set (e.g. `vpc` of `aws_eip`: "use domain attribute instead").
    pub deprecated: Vec<(&'static str, &'static str)>,
}

impl BodySchema {
    /// Attributes that configuration must set.
    pub fn required_attrs(&self) -> impl Iterator<Item = &AttrSchema> {
        self.attrs
            .iter()
            .filter(|a| a.presence == Presence::Required)
    }

    /// Attributes whose value the cloud may choose (computed or optional+computed).
    pub fn computed_attrs(&self) -> impl Iterator<Item = &AttrSchema> {
        self.attrs.iter().filter(|a| a.is_computed())
    }
}

impl ResourceSchema {
    pub fn attr(&self, name: &str) -> Option<&AttrSchema> {
        self.body.attr(name)
    }

    pub fn block(&self, name: &str) -> Option<&BlockSchema> {
        self.body.block(name)
    }

    pub fn is_managed(&self) -> bool {
        self.kind == SchemaKind::Managed
    }

    /// Top-level attributes whose value the cloud may choose (known after apply when unset).
    pub fn computed_attrs(&self) -> impl Iterator<Item = &AttrSchema> {
        self.body.computed_attrs()
    }

    /// Names of the top-level attributes and blocks whose change replaces the resource.
    pub fn force_new_names(&self) -> Vec<&'static str> {
        let attrs = self
            .body
            .attrs
            .iter()
            .filter(|a| a.force_new)
            .map(|a| a.name);
        let blocks = self
            .body
            .blocks
            .iter()
            .filter(|b| b.force_new)
            .map(|b| b.name);
        attrs.chain(blocks).collect()
    }

    /// Whether changing the attribute or block at `path` replaces the resource: true when the
    /// top-level element, or any nested block or attribute along the path, is force-new.
    /// `path` names attributes and blocks only (no indexes), e.g. `["root_block_device",
    /// "encrypted"]`.
    pub fn requires_replace(&self, path: &[&str]) -> bool {
        let mut body = &self.body;
        for (i, name) in path.iter().enumerate() {
            if let Some(a) = body.attr(name) {
                return a.force_new;
            }
            let Some(b) = body.block(name) else {
                return false;
            };
            if b.force_new {
                return true;
            }
            if i + 1 == path.len() {
                return false;
            }
            body = &b.body;
        }
        false
    }

    /// The deprecation message of the top-level argument `name`, if it is deprecated.
    pub fn deprecation(&self, name: &str) -> Option<&'static str> {
        self.deprecated
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
    }

    /// Whether `op` (e.g. `"create"`) may be set in the `timeouts {}` block.
    pub fn supports_timeout(&self, op: &str) -> bool {
        self.timeouts.contains(&op)
    }
}

/// All schemas, by kind and type name; built on first use.
static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::build);

struct Registry {
    managed: BTreeMap<&'static str, ResourceSchema>,
    data: BTreeMap<&'static str, ResourceSchema>,
}

impl Registry {
    fn build() -> Registry {
        let mut managed = BTreeMap::new();
        let mut data = BTreeMap::new();
        let all = vpc::schemas()
            .into_iter()
            .chain(security_group::schemas())
            .chain(instance::schemas())
            .chain(rds::schemas())
            .chain(data_sources::schemas());
        for s in all {
            let table = match s.kind {
                SchemaKind::Managed => &mut managed,
                SchemaKind::Data => &mut data,
            };
            let previous = table.insert(s.type_name, s);
            debug_assert!(previous.is_none(), "schema defined twice");
        }
        Registry { managed, data }
    }
}

/// The schema of a managed resource type (`resource "aws_vpc" ...`).
pub fn resource(type_name: &str) -> Option<&'static ResourceSchema> {
    REGISTRY.managed.get(type_name)
}

/// The schema of a data source (`data "aws_ami" ...`).
pub fn data_source(type_name: &str) -> Option<&'static ResourceSchema> {
    REGISTRY.data.get(type_name)
}

/// The resource or data source schema whose top-level body is `body` (the very same
/// object, not an equal one), for checks that need more than the body schema.
pub fn owning(body: &BodySchema) -> Option<&'static ResourceSchema> {
    REGISTRY
        .managed
        .values()
        .chain(REGISTRY.data.values())
        .find(|s| std::ptr::eq(&s.body, body))
}

/// The supported managed resource types, sorted.
pub fn managed_types() -> Vec<&'static str> {
    REGISTRY.managed.keys().copied().collect()
}

/// The supported data sources, sorted.
pub fn data_types() -> Vec<&'static str> {
    REGISTRY.data.keys().copied().collect()
}

/// The schema for `kind` and `type_name`.
pub fn lookup(kind: SchemaKind, type_name: &str) -> Option<&'static ResourceSchema> {
    match kind {
        SchemaKind::Managed => resource(type_name),
        SchemaKind::Data => data_source(type_name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Value;

    const MANAGED: &[&str] = &[
        "aws_db_instance",
        "aws_db_parameter_group",
        "aws_db_subnet_group",
        "aws_eip",
        "aws_instance",
        "aws_internet_gateway",
        "aws_key_pair",
        "aws_nat_gateway",
        "aws_route",
        "aws_route_table",
        "aws_route_table_association",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_subnet",
        "aws_vpc",
        "aws_vpc_security_group_egress_rule",
        "aws_vpc_security_group_ingress_rule",
    ];
    const DATA: &[&str] = &[
        "aws_ami",
        "aws_availability_zones",
        "aws_subnets",
        "aws_vpc",
    ];

    fn all() -> impl Iterator<Item = &'static ResourceSchema> {
        managed_types()
            .into_iter()
            .map(|t| resource(t).unwrap())
            .chain(data_types().into_iter().map(|t| data_source(t).unwrap()))
    }

    fn visit_bodies<'a>(
        path: String,
        body: &'a BodySchema,
        f: &mut impl FnMut(&str, &'a BodySchema),
    ) {
        f(&path, body);
        for b in &body.blocks {
            visit_bodies(format!("{path}.{}", b.name), &b.body, f);
        }
    }

    #[test]
    fn every_type_is_present() {
        assert_eq!(managed_types(), MANAGED);
        assert_eq!(data_types(), DATA);
        for t in MANAGED {
            let s = resource(t).unwrap_or_else(|| panic!("{t} missing"));
            assert_eq!(s.type_name, *t);
            assert_eq!(s.kind, SchemaKind::Managed);
            assert!(s.is_managed());
            assert!(std::ptr::eq(lookup(SchemaKind::Managed, t).unwrap(), s));
        }
        for t in DATA {
            let s = data_source(t).unwrap_or_else(|| panic!("{t} missing"));
            assert_eq!(s.type_name, *t);
            assert_eq!(s.kind, SchemaKind::Data);
        }
        assert!(resource("aws_ami").is_none());
        assert!(data_source("aws_instance").is_none());
        assert!(resource("aws_nope").is_none());
        // `aws_vpc` exists as both kinds, with different schemas.
        assert!(resource("aws_vpc")
            .unwrap()
            .attr("default_route_table_id")
            .is_some());
        assert!(data_source("aws_vpc").unwrap().attr("default").is_some());
    }

    #[test]
    fn every_schema_has_computed_id() {
        for s in all() {
            let id = s
                .attr("id")
                .unwrap_or_else(|| panic!("{} has no id", s.type_name));
            assert_eq!(id.ty, Type::String, "{}", s.type_name);
            assert!(id.is_computed(), "{}: id must be computed", s.type_name);
            assert!(!id.force_new && !id.sensitive, "{}", s.type_name);
        }
    }

    #[test]
    fn taggable_resources_have_tags_and_tags_all() {
        for s in all() {
            let tags = s.attr("tags");
            let tags_all = s.attr("tags_all");
            if s.taggable {
                assert!(
                    s.is_managed(),
                    "{}: only managed resources get default_tags",
                    s.type_name
                );
                let tags = tags.unwrap_or_else(|| panic!("{} lacks tags", s.type_name));
                assert_eq!(tags.presence, Presence::Optional, "{}", s.type_name);
                assert_eq!(tags.ty, Type::map(Type::String));
                assert!(!tags.force_new, "{}", s.type_name);
                let all = tags_all.unwrap_or_else(|| panic!("{} lacks tags_all", s.type_name));
                assert_eq!(all.presence, Presence::Computed, "{}", s.type_name);
                assert_eq!(all.ty, Type::map(Type::String));
            } else {
                assert!(
                    tags_all.is_none(),
                    "{}: tags_all without taggable",
                    s.type_name
                );
                if s.is_managed() {
                    assert!(tags.is_none(), "{}: tags without taggable", s.type_name);
                }
            }
        }
        // Resources that AWS cannot tag.
        for t in [
            "aws_route",
            "aws_route_table_association",
            "aws_security_group_rule",
        ] {
            assert!(!resource(t).unwrap().taggable, "{t}");
        }
    }

    #[test]
    fn no_duplicate_names_in_any_body() {
        for s in all() {
            visit_bodies(s.type_name.to_string(), &s.body, &mut |path, body| {
                let mut seen = std::collections::HashSet::new();
                for name in body
                    .attrs
                    .iter()
                    .map(|a| a.name)
                    .chain(body.blocks.iter().map(|b| b.name))
                {
                    assert!(seen.insert(name), "{path}: {name} defined twice");
                }
                assert!(
                    body.block("timeouts").is_none(),
                    "{path}: timeouts is not a block here"
                );
            });
        }
    }

    #[test]
    fn exactly_one_of_names_settable_optional_attributes() {
        for s in all() {
            for names in &s.exactly_one_of {
                assert!(names.len() >= 2, "{}", s.type_name);
                for n in *names {
                    let a = s
                        .attr(n)
                        .unwrap_or_else(|| panic!("{}: no attribute {n}", s.type_name));
                    assert!(
                        a.is_settable() && !a.is_required() && a.default.is_none(),
                        "{}.{n}",
                        s.type_name
                    );
                }
            }
        }
        assert_eq!(resource("aws_route").unwrap().exactly_one_of.len(), 2);
        let found = owning(&resource("aws_route").unwrap().body).map(|s| s.type_name);
        assert_eq!(found, Some("aws_route"));
        assert!(owning(&resource("aws_route").unwrap().body.clone()).is_none());
    }

    #[test]
    fn attribute_flags_are_consistent() {
        for s in all() {
            visit_bodies(s.type_name.to_string(), &s.body, &mut |path, body| {
                for a in &body.attrs {
                    let at = format!("{path}.{}", a.name);
                    if a.is_required() {
                        assert!(a.default.is_none(), "{at}: required with a default");
                    }
                    if a.presence == Presence::Computed {
                        assert!(a.default.is_none(), "{at}: computed with a default");
                        assert!(a.validators.is_empty(), "{at}: computed with validators");
                        assert!(!a.force_new, "{at}: computed-only cannot force replacement");
                        assert!(a.conflicts_with.is_empty(), "{at}");
                    }
                    if let Some(d) = &a.default {
                        assert!(
                            a.ty.convert(d.clone()).is_ok(),
                            "{at}: default of wrong type"
                        );
                        for v in &a.validators {
                            assert_eq!(v.check(d), Ok(()), "{at}: default fails its validator");
                        }
                    }
                    for other in a.conflicts_with {
                        assert!(
                            body.attr(other).is_some() || body.block(other).is_some(),
                            "{at}: conflicts with unknown {other}"
                        );
                    }
                }
                for b in &body.blocks {
                    if let Some(max) = b.max_items {
                        assert!(b.min_items <= max, "{path}.{}", b.name);
                    }
                    if b.nesting == Nesting::Single {
                        assert_eq!(b.max_items, Some(1), "{path}.{}", b.name);
                    }
                }
            });
        }
    }

    #[test]
    fn data_sources_only_take_optional_arguments() {
        for t in data_types() {
            let s = data_source(t).unwrap();
            assert!(!s.taggable, "{t}");
            for a in &s.body.attrs {
                assert!(
                    !a.is_required(),
                    "{t}.{}: data source argument must be optional",
                    a.name
                );
                assert!(!a.force_new, "{t}.{}", a.name);
            }
            for b in &s.body.blocks {
                assert_eq!(b.min_items, 0, "{t}.{}", b.name);
            }
            assert_eq!(s.timeouts, &["read"], "{t}");
        }
    }

    #[test]
    fn timeouts_follow_the_provider() {
        let cases: &[(&str, &[&str])] = &[
            ("aws_vpc", &[]),
            ("aws_subnet", &["create", "delete"]),
            ("aws_internet_gateway", &["create", "update", "delete"]),
            ("aws_eip", &["read", "update", "delete"]),
            ("aws_nat_gateway", &["create", "update", "delete"]),
            ("aws_route_table", &["create", "update", "delete"]),
            ("aws_route", &["create", "update", "delete"]),
            (
                "aws_route_table_association",
                &["create", "update", "delete"],
            ),
            ("aws_security_group", &["create", "delete"]),
            ("aws_security_group_rule", &["create"]),
            ("aws_vpc_security_group_ingress_rule", &[]),
            ("aws_key_pair", &[]),
            ("aws_instance", &["create", "update", "delete"]),
            ("aws_db_instance", &["create", "update", "delete"]),
            ("aws_db_subnet_group", &[]),
            ("aws_db_parameter_group", &[]),
        ];
        for (t, ops) in cases {
            assert_eq!(resource(t).unwrap().timeouts, *ops, "{t}");
        }
        let i = resource("aws_instance").unwrap();
        assert!(i.supports_timeout("create") && !i.supports_timeout("read"));
    }

    #[test]
    fn representative_force_new_flags() {
        let fnew = |t: &str, a: &str| {
            let s = resource(t).unwrap();
            s.attr(a)
                .unwrap_or_else(|| panic!("{t}.{a} missing"))
                .force_new
        };
        assert!(fnew("aws_vpc", "cidr_block"));
        assert!(!fnew("aws_vpc", "enable_dns_hostnames"));
        assert!(fnew("aws_subnet", "cidr_block"));
        assert!(fnew("aws_subnet", "vpc_id"));
        assert!(!fnew("aws_subnet", "map_public_ip_on_launch"));
        assert!(fnew("aws_instance", "ami"));
        assert!(fnew("aws_instance", "subnet_id"));
        assert!(!fnew("aws_instance", "instance_type"));
        assert!(!fnew("aws_instance", "vpc_security_group_ids"));
        assert!(fnew("aws_security_group", "name"));
        assert!(fnew("aws_security_group", "description"));
        assert!(fnew("aws_security_group", "vpc_id"));
        assert!(fnew("aws_db_instance", "engine"));
        assert!(!fnew("aws_db_instance", "instance_class"));
        assert!(!fnew("aws_db_instance", "engine_version"));
        assert!(fnew("aws_key_pair", "public_key"));
        assert!(fnew("aws_route", "destination_cidr_block"));
        assert!(!fnew("aws_route", "gateway_id"));
        assert!(!fnew("aws_route_table_association", "route_table_id"));

        let i = resource("aws_instance").unwrap();
        assert!(i.requires_replace(&["ami"]));
        assert!(!i.requires_replace(&["instance_type"]));
        assert!(i.requires_replace(&["root_block_device", "encrypted"]));
        assert!(!i.requires_replace(&["root_block_device", "volume_size"]));
        assert!(i.requires_replace(&["ebs_block_device", "volume_size"]));
        assert!(i.requires_replace(&["launch_template", "version"]));
        assert!(!i.requires_replace(&["nope"]));
        assert!(i.force_new_names().contains(&"ami"));
        assert!(i.force_new_names().contains(&"launch_template"));
        assert!(!i.force_new_names().contains(&"instance_type"));
        assert!(i.computed_attrs().any(|a| a.name == "public_ip"));
        assert!(!i
            .computed_attrs()
            .any(|a| a.name == "user_data_replace_on_change"));
    }

    #[test]
    fn sensitive_and_defaults() {
        let db = resource("aws_db_instance").unwrap();
        assert!(db.attr("password").unwrap().sensitive);
        assert!(!db.attr("username").unwrap().sensitive);
        let sg = resource("aws_security_group").unwrap();
        assert_eq!(
            sg.attr("description").unwrap().default,
            Some(Value::from("Managed by Terraform"))
        );
        assert_eq!(
            resource("aws_vpc")
                .unwrap()
                .attr("instance_tenancy")
                .unwrap()
                .default,
            Some(Value::from("default"))
        );
        assert!(db.body.required_attrs().any(|a| a.name == "instance_class"));
    }
}
