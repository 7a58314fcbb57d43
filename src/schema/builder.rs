//! Builder helpers that keep the schema definitions short:
//!
//! ```ignore
//! AttrSchema::required("vpc_id", string()).force_new()
//! BlockSchema::list("root_block_device", vec![...]).max_items(1)
//! ResourceSchema::managed("aws_vpc").attrs(vec![...]).tagged().build()
//! ```

use super::{
    AttrSchema, BlockSchema, BodySchema, Nesting, Presence, ResourceSchema, SchemaKind, Validator,
};
use crate::eval::{Type, Value};

// ----------------------------------------------------------------------------------------------
// Type shorthands.

pub(super) fn string() -> Type {
    Type::String
}

pub(super) fn number() -> Type {
    Type::Number
}

pub(super) fn boolean() -> Type {
    Type::Bool
}

pub(super) fn list_of_strings() -> Type {
    Type::list(Type::String)
}

pub(super) fn set_of_strings() -> Type {
    Type::set(Type::String)
}

pub(super) fn map_of_strings() -> Type {
    Type::map(Type::String)
}

// ----------------------------------------------------------------------------------------------
// Attributes.

impl AttrSchema {
    /// An attribute with no flags, validators, conflicts or default.
    pub fn new(name: &'static str, ty: Type, presence: Presence) -> AttrSchema {
        AttrSchema {
            name,
            ty,
            presence,
            force_new: false,
            sensitive: false,
            validators: Vec::new(),
            conflicts_with: &[],
            default: None,
        }
    }

    /// Must be set in configuration.
    pub fn required(name: &'static str, ty: Type) -> AttrSchema {
        AttrSchema::new(name, ty, Presence::Required)
    }

    /// May be set; null when unset (or [`AttrSchema::default`] when given).
    pub fn optional(name: &'static str, ty: Type) -> AttrSchema {
        AttrSchema::new(name, ty, Presence::Optional)
    }

    /// Set by the cloud only.
    pub fn computed(name: &'static str, ty: Type) -> AttrSchema {
        AttrSchema::new(name, ty, Presence::Computed)
    }

    /// May be set; when unset the cloud chooses.
    pub fn optional_computed(name: &'static str, ty: Type) -> AttrSchema {
        AttrSchema::new(name, ty, Presence::OptionalComputed)
    }

    /// Changing the value replaces the resource.
    pub fn force_new(mut self) -> AttrSchema {
        self.force_new = true;
        self
    }

    /// Values are masked in output.
    pub fn sensitive(mut self) -> AttrSchema {
        self.sensitive = true;
        self
    }

    /// Adds a validator (all must pass).
    pub fn validate(mut self, v: Validator) -> AttrSchema {
        self.validators.push(v);
        self
    }

    /// Names of attributes that must not be set together with this one.
    pub fn conflicts(mut self, names: &'static [&'static str]) -> AttrSchema {
        self.conflicts_with = names;
        self
    }

    /// The value used when the attribute is unset.
    pub fn default(mut self, v: impl Into<Value>) -> AttrSchema {
        self.default = Some(v.into());
        self
    }

    /// Whether configuration may set the attribute.
    pub fn is_settable(&self) -> bool {
        self.presence != Presence::Computed
    }

    /// Whether the cloud may choose the value (computed or optional+computed).
    pub fn is_computed(&self) -> bool {
        matches!(
            self.presence,
            Presence::Computed | Presence::OptionalComputed
        )
    }

    pub fn is_required(&self) -> bool {
        self.presence == Presence::Required
    }
}

/// The computed `id` attribute every schema has.
pub(super) fn id() -> AttrSchema {
    AttrSchema::computed("id", string())
}

/// A computed `arn` attribute.
pub(super) fn arn() -> AttrSchema {
    AttrSchema::computed("arn", string())
}

/// `tags` as data sources have it: may be given to filter, else reported by the cloud.
pub(super) fn data_tags() -> AttrSchema {
    AttrSchema::optional_computed("tags", map_of_strings())
}

/// The `filter { name = ..., values = [...] }` blocks of EC2 data sources.
pub(super) fn filter_block() -> BlockSchema {
    BlockSchema::set(
        "filter",
        vec![
            AttrSchema::required("name", string()),
            AttrSchema::required("values", set_of_strings()),
        ],
    )
}

// ----------------------------------------------------------------------------------------------
// Blocks and bodies.

impl BodySchema {
    /// A body with the given attributes and no nested blocks.
    pub fn new(attrs: Vec<AttrSchema>) -> BodySchema {
        BodySchema {
            attrs,
            blocks: Vec::new(),
        }
    }

    /// Adds nested block types.
    pub fn with_blocks(mut self, blocks: Vec<BlockSchema>) -> BodySchema {
        self.blocks.extend(blocks);
        self
    }

    /// Sorts attributes and blocks by name, recursively (the order Terraform shows them in).
    fn sorted(mut self) -> BodySchema {
        self.attrs.sort_by_key(|a| a.name);
        self.blocks.sort_by_key(|b| b.name);
        self.blocks = self
            .blocks
            .into_iter()
            .map(|mut b| {
                b.body = b.body.sorted();
                b
            })
            .collect();
        self
    }
}

impl BlockSchema {
    fn new(name: &'static str, nesting: Nesting, attrs: Vec<AttrSchema>) -> BlockSchema {
        BlockSchema {
            name,
            nesting,
            min_items: 0,
            max_items: if nesting == Nesting::Single {
                Some(1)
            } else {
                None
            },
            force_new: false,
            computed_when_absent: false,
            body: BodySchema::new(attrs),
        }
    }

    /// A block that may appear at most once; its value is an object.
    pub fn single(name: &'static str, attrs: Vec<AttrSchema>) -> BlockSchema {
        BlockSchema::new(name, Nesting::Single, attrs)
    }

    /// Repeated blocks kept in order (`max_items(1)` for the provider's "list of one").
    pub fn list(name: &'static str, attrs: Vec<AttrSchema>) -> BlockSchema {
        BlockSchema::new(name, Nesting::List, attrs)
    }

    /// Repeated blocks forming a set.
    pub fn set(name: &'static str, attrs: Vec<AttrSchema>) -> BlockSchema {
        BlockSchema::new(name, Nesting::Set, attrs)
    }

    pub fn min_items(mut self, n: usize) -> BlockSchema {
        self.min_items = n;
        self
    }

    pub fn max_items(mut self, n: usize) -> BlockSchema {
        self.max_items = Some(n);
        self
    }

    /// Leaving the blocks out keeps whatever the cloud has (see the field's doc).
    pub fn computed_when_absent(mut self) -> BlockSchema {
        self.computed_when_absent = true;
        self
    }

    /// Changing the blocks replaces the resource.
    pub fn force_new(mut self) -> BlockSchema {
        self.force_new = true;
        self
    }

    /// Adds nested block types inside this block.
    pub fn blocks(mut self, blocks: Vec<BlockSchema>) -> BlockSchema {
        self.body.blocks.extend(blocks);
        self
    }
}

// ----------------------------------------------------------------------------------------------
// Resources.

/// Collects the parts of a [`ResourceSchema`]; see [`ResourceSchema::managed`].
pub struct ResourceBuilder {
    schema: ResourceSchema,
}

impl ResourceSchema {
    /// Starts a managed resource schema.
    pub fn managed(type_name: &'static str) -> ResourceBuilder {
        ResourceBuilder::new(type_name, SchemaKind::Managed)
    }

    /// Starts a data source schema.
    pub fn data(type_name: &'static str) -> ResourceBuilder {
        ResourceBuilder::new(type_name, SchemaKind::Data)
    }
}

impl ResourceBuilder {
    fn new(type_name: &'static str, kind: SchemaKind) -> ResourceBuilder {
        ResourceBuilder {
            schema: ResourceSchema {
                type_name,
                kind,
                body: BodySchema::default(),
                taggable: false,
                timeouts: &[],
                exactly_one_of: Vec::new(),
                deprecated: Vec::new(),
            },
        }
    }

    pub fn attrs(mut self, attrs: Vec<AttrSchema>) -> ResourceBuilder {
        self.schema.body.attrs.extend(attrs);
        self
    }

    pub fn blocks(mut self, blocks: Vec<BlockSchema>) -> ResourceBuilder {
        self.schema.body.blocks.extend(blocks);
        self
    }

    /// Adds `tags` (optional map of string) and `tags_all` (computed) and marks the resource
    /// as receiving provider `default_tags`.
    pub fn tagged(mut self) -> ResourceBuilder {
        self.schema.taggable = true;
        self.schema
            .body
            .attrs
            .push(AttrSchema::optional("tags", map_of_strings()));
        self.schema
            .body
            .attrs
            .push(AttrSchema::computed("tags_all", map_of_strings()));
        self
    }

    /// Operation names allowed in the `timeouts {}` block.
    pub fn timeouts(mut self, ops: &'static [&'static str]) -> ResourceBuilder {
        self.schema.timeouts = ops;
        self
    }

    /// Requires exactly one of the arguments `names` to be set.
    pub fn exactly_one_of(mut self, names: &'static [&'static str]) -> ResourceBuilder {
        self.schema.exactly_one_of.push(names);
        self
    }

    /// Marks the top-level argument `name` as deprecated: setting it is allowed but warned
    /// about with `message`.
    pub fn deprecated(mut self, name: &'static str, message: &'static str) -> ResourceBuilder {
        self.schema.deprecated.push((name, message));
        self
    }

    /// Finishes the schema: adds the computed `id` unless the definition has its own, and
    /// sorts attributes and blocks by name.
    pub fn build(mut self) -> ResourceSchema {
        if self.schema.body.attr("id").is_none() {
            self.schema.body.attrs.push(id());
        }
        self.schema.body = self.schema.body.sorted();
        self.schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_set_flags() {
        let a = AttrSchema::required("name", string())
            .force_new()
            .sensitive()
            .conflicts(&["other"]);
        assert!(a.force_new && a.sensitive && a.is_required() && a.is_settable());
        assert_eq!(a.conflicts_with, &["other"]);
        let d = AttrSchema::optional("enabled", boolean()).default(true);
        assert_eq!(d.default, Some(Value::Bool(true)));
        assert!(!d.is_computed());
        assert!(AttrSchema::computed("arn", string()).is_computed());
        assert!(!AttrSchema::computed("arn", string()).is_settable());
    }

    #[test]
    fn build_adds_id_and_tags_and_sorts() {
        let s = ResourceSchema::managed("aws_thing")
            .attrs(vec![
                AttrSchema::optional("zeta", string()),
                AttrSchema::optional("alpha", number()),
            ])
            .blocks(vec![BlockSchema::list("b", vec![]).max_items(1)])
            .tagged()
            .timeouts(&["create"])
            .exactly_one_of(&["alpha", "zeta"])
            .build();
        assert_eq!(s.exactly_one_of, [&["alpha", "zeta"][..]]);
        let names: Vec<_> = s.body.attrs.iter().map(|a| a.name).collect();
        assert_eq!(names, ["alpha", "id", "tags", "tags_all", "zeta"]);
        assert!(s.taggable);
        assert_eq!(s.timeouts, &["create"]);
        assert_eq!(s.body.block("b").unwrap().max_items, Some(1));
        let single = BlockSchema::single("s", vec![]);
        assert_eq!(single.max_items, Some(1));
    }

    #[test]
    fn build_keeps_explicit_id() {
        let s = ResourceSchema::data("aws_thing")
            .attrs(vec![AttrSchema::optional_computed("id", string())])
            .build();
        assert_eq!(s.body.attrs.len(), 1);
        assert_eq!(
            s.body.attr("id").unwrap().presence,
            Presence::OptionalComputed
        );
    }
}
