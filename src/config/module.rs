//! Typed top-level blocks of one module (one directory of `.tf` files).

use super::body::{Body, Expr};
use crate::addr::ResourceAddr;
use crate::diag::{FileId, SrcSpan};
use indexmap::IndexMap;
use std::path::PathBuf;
use std::time::Duration;

/// All blocks of one module directory.
#[derive(Debug, Default)]
pub struct Module {
    /// The directory, as given (relative paths stay relative).
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub settings: Vec<Settings>,
    pub providers: Vec<ProviderConfig>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, super::Attr>,
    pub outputs: IndexMap<String, Output>,
    pub resources: IndexMap<ResourceAddr, Resource>,
    pub module_calls: IndexMap<String, ModuleCall>,
    pub migrations: IndexMap<String, Migration>,
    /// `import {}` blocks, in source order (only the root module's are used).
    pub imports: Vec<Import>,
}

/// A `terraform {}` block.
#[derive(Debug, Clone)]
pub struct Settings {
    pub span: SrcSpan,
    pub required_version: Option<(String, SrcSpan)>,
    pub backend: Option<Backend>,
}

/// A `backend "TYPE" {}` block inside `terraform {}`; settings validated, used by the state
/// stage.
#[derive(Debug, Clone)]
pub struct Backend {
    pub kind: String,
    pub span: SrcSpan,
    pub body: Body,
}

/// A `provider "aws" {}` block.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub span: SrcSpan,
    pub body: Body,
}

/// A `variable "name" {}` block.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub span: SrcSpan,
    pub type_expr: Option<Expr>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
}

/// A `validation { condition, error_message }` block.
#[derive(Debug, Clone)]
pub struct Validation {
    pub span: SrcSpan,
    pub condition: Expr,
    pub error_message: Expr,
}

/// An `output "name" {}` block.
#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub span: SrcSpan,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<Expr>,
}

/// `ignore_changes` of a lifecycle block.
#[derive(Debug, Clone, Default)]
pub enum IgnoreChanges {
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// Attribute paths such as `tags["Name"]` or `ami`, with their spans.
    Paths(Vec<(Vec<String>, SrcSpan)>),
}

/// The `lifecycle {}` block of a resource.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub span: Option<SrcSpan>,
    pub create_before_destroy: bool,
    pub prevent_destroy: bool,
    pub prevent_destroy_span: Option<SrcSpan>,
    pub ignore_changes: IgnoreChanges,
    pub replace_triggered_by: Vec<Expr>,
    /// `precondition` / `postcondition` blocks: (condition, error_message).
    pub conditions: Vec<Validation>,
}

/// The `timeouts {}` block of a resource.
#[derive(Debug, Clone, Default)]
pub struct Timeouts {
    pub span: Option<SrcSpan>,
    /// Operation name (`create`, `update`, `delete`, `read`) to duration, with the span.
    pub values: Vec<(String, Duration, SrcSpan)>,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct Resource {
    pub addr: ResourceAddr,
    /// Header span: `resource "aws_vpc" "main"`.
    pub span: SrcSpan,
    pub type_span: SrcSpan,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// `provider = aws.alias`: the alias.
    pub provider_alias: Option<(String, SrcSpan)>,
    pub lifecycle: Lifecycle,
    pub timeouts: Timeouts,
    /// Everything except meta-arguments and the lifecycle/timeouts blocks.
    pub body: Body,
}

/// A `module "name" {}` call.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub span: SrcSpan,
    pub source: String,
    pub source_span: SrcSpan,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// Input variables: the remaining attributes.
    pub inputs: Vec<super::Attr>,
}

/// A `migration "name" {}` block (Terrace extension): SQL migrations run once `database`
/// is available. Attribute checking happens in evaluation.
#[derive(Debug, Clone)]
pub struct Migration {
    pub name: String,
    pub span: SrcSpan,
    pub body: Body,
    pub depends_on: Vec<Expr>,
}

/// An `import {}` block: bring the existing object `id` under management at `to`.
/// `to` is a literal resource instance address (checked against the configuration during
/// evaluation); `id` is evaluated at plan time and must be a known string.
#[derive(Debug, Clone)]
pub struct Import {
    /// The `import` keyword, where diagnostics about the whole block point.
    pub span: SrcSpan,
    /// The target, relative to the module the block is in.
    pub to: crate::addr::ResourceInstanceAddr,
    pub to_span: SrcSpan,
    pub id: Expr,
}
