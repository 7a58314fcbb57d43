//! Typed addresses of module instances, resources and their instances.
//!
//! Invariant: `Display` and `FromStr` round-trip: `addr.to_string().parse() == Ok(addr)`.
//! The textual form is Terraform's: `module.net["a"].aws_subnet.public[0]`,
//! `data.aws_ami.ubuntu`, `module.db.migration.app_schema`.

mod parse;

use std::fmt;

pub use parse::AddrParseError;

/// The key of one instance of a resource or module expanded with `count` or `for_each`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    /// Not expanded: neither `count` nor `for_each`.
    None,
    /// `count` index.
    Int(i64),
    /// `for_each` key.
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::String(s.clone())),
        }
    }
}

/// One step of a module instance path: `module.NAME[KEY]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    pub name: String,
    pub key: InstanceKey,
}

/// The path of a module instance; empty for the root module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModulePath(pub Vec<ModuleStep>);

impl ModulePath {
    pub fn root() -> Self {
        ModulePath(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child(&self, name: &str, key: InstanceKey) -> ModulePath {
        let mut steps = self.0.clone();
        steps.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        ModulePath(steps)
    }

    pub fn parent(&self) -> Option<ModulePath> {
        if self.0.is_empty() {
            None
        } else {
            Some(ModulePath(self.0[..self.0.len() - 1].to_vec()))
        }
    }

    /// True when `self` is `other` or inside it.
    pub fn starts_with(&self, other: &ModulePath) -> bool {
        self.0.starts_with(&other.0)
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ".")?;
            }
            write!(f, "module.{}{}", s.name, s.key)?;
        }
        Ok(())
    }
}

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

/// A resource within a module: `aws_vpc.main` or `data.aws_ami.ubuntu`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn managed(type_name: &str, name: &str) -> Self {
        ResourceAddr {
            mode: Mode::Managed,
            type_name: type_name.to_string(),
            name: name.to_string(),
        }
    }

    pub fn data(type_name: &str, name: &str) -> Self {
        ResourceAddr {
            mode: Mode::Data,
            ..ResourceAddr::managed(type_name, name)
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == Mode::Data {
            write!(f, "data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// One instance of a resource in one module instance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceInstanceAddr {
    pub module: ModulePath,
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl fmt::Display for ResourceInstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}{}", self.resource, self.key)
    }
}

/// A node of the dependency graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeAddr {
    /// A resource or data source instance.
    Resource(ResourceInstanceAddr),
    /// A resource whose instances cannot be enumerated yet (count/for_each unknown):
    /// shown as `aws_subnet.public[*]`.
    Unexpanded {
        module: ModulePath,
        resource: ResourceAddr,
    },
    /// An output value of a module instance (the root module's outputs included).
    Output { module: ModulePath, name: String },
    /// A migration stage.
    Migration { module: ModulePath, name: String },
}

impl NodeAddr {
    pub fn module(&self) -> &ModulePath {
        match self {
            NodeAddr::Resource(r) => &r.module,
            NodeAddr::Unexpanded { module, .. }
            | NodeAddr::Output { module, .. }
            | NodeAddr::Migration { module, .. } => module,
        }
    }
}

impl fmt::Display for NodeAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (module, rest) = match self {
            NodeAddr::Resource(r) => return write!(f, "{r}"),
            NodeAddr::Unexpanded { module, resource } => (module, format!("{resource}[*]")),
            NodeAddr::Output { module, name } => (module, format!("output.{name}")),
            NodeAddr::Migration { module, name } => (module, format!("migration.{name}")),
        };
        if module.is_root() {
            write!(f, "{rest}")
        } else {
            write!(f, "{module}.{rest}")
        }
    }
}
