//! Loading of Terraform-syntax configuration: `.tf` files of a directory and its local
//! modules, decoded into typed blocks that keep source spans. Nothing is evaluated here.

mod body;
mod decode;
mod fmt;
mod fmt_lex;
mod import;
mod loader;
mod module;

pub use body::{Attr, Block, Body, Expr};
pub use decode::{is_valid_name, parse_duration};
pub use fmt::{format_source, FmtError};
pub use import::{resolve_target, TargetError};
pub use loader::{clean_path, load, load_file_set, Config, ModuleTree};
pub use module::{
    Backend, IgnoreChanges, Import, Lifecycle, Migration, Module, ModuleCall, Output,
    ProviderConfig, Resource, Settings, Timeouts, Validation, Variable,
};
