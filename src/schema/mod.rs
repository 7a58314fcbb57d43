//! Attribute schemas of the supported resource types and data sources, following
//! terraform-provider-aws: which attributes exist, their types, whether they are required,
//! optional or computed, whether changing them forces a replacement, and value validators.
//!
//! Invariant: every schema lists `id` as a computed attribute, and every taggable managed
//! resource has `tags` (optional map of string) and `tags_all` (computed).

mod validator;

pub use validator::Validator;

use crate::eval::Type;

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
}
