//! Parsing of textual addresses (`FromStr`).

use super::{
    InstanceKey, Mode, ModulePath, ModuleStep, NodeAddr, ResourceAddr, ResourceInstanceAddr,
};
use std::str::FromStr;

/// An address that does not follow `[module.NAME[KEY].]...[data.]TYPE.NAME[KEY]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address {input:?}: {reason}")]
pub struct AddrParseError {
    pub input: String,
    pub reason: String,
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self, reason: impl Into<String>) -> AddrParseError {
        AddrParseError {
            input: self.s.to_string(),
            reason: reason.into(),
        }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn ident(&mut self) -> Result<&'a str, AddrParseError> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(i, c)| {
                !(c.is_alphanumeric() || *c == '_' || *c == '-') || (*i == 0 && c.is_ascii_digit())
            })
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            return Err(self.err(format!("expected a name at position {}", self.pos + 1)));
        }
        self.pos += len;
        Ok(&rest[..len])
    }

    fn dot(&mut self) -> Result<(), AddrParseError> {
        if self.rest().starts_with('.') {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected '.' at position {}", self.pos + 1)))
        }
    }

    fn key(&mut self) -> Result<InstanceKey, AddrParseError> {
        if !self.rest().starts_with('[') {
            return Ok(InstanceKey::None);
        }
        self.pos += 1;
        let rest = self.rest();
        let key = if rest.starts_with('"') {
            let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
            let s = match de.next() {
                Some(Ok(s)) => s,
                _ => return Err(self.err("unterminated string key")),
            };
            self.pos += de.byte_offset();
            InstanceKey::Str(s)
        } else {
            let len = rest.find(']').ok_or_else(|| self.err("missing ']'"))?;
            let n: i64 = rest[..len]
                .parse()
                .map_err(|_| self.err(format!("invalid index {:?}", &rest[..len])))?;
            self.pos += len;
            InstanceKey::Int(n)
        };
        if !self.rest().starts_with(']') {
            return Err(self.err("missing ']'"));
        }
        self.pos += 1;
        Ok(key)
    }
}

/// Parses the module prefix and returns the cursor at the first non-module step.
fn parse_module(c: &mut Cursor<'_>) -> Result<ModulePath, AddrParseError> {
    let mut steps = Vec::new();
    while c.rest().starts_with("module.") {
        c.pos += "module.".len();
        let name = c.ident()?.to_string();
        let key = c.key()?;
        steps.push(ModuleStep { name, key });
        if c.at_end() {
            break;
        }
        c.dot()?;
    }
    Ok(ModulePath(steps))
}

impl FromStr for ModulePath {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut c = Cursor { s, pos: 0 };
        let m = parse_module(&mut c)?;
        if !c.at_end() {
            return Err(c.err("expected only module steps"));
        }
        Ok(m)
    }
}

fn parse_resource(c: &mut Cursor<'_>) -> Result<ResourceAddr, AddrParseError> {
    let mut mode = Mode::Managed;
    let mut type_name = c.ident()?;
    if type_name == "data" {
        mode = Mode::Data;
        c.dot()?;
        type_name = c.ident()?;
    }
    c.dot()?;
    let name = c.ident()?;
    Ok(ResourceAddr {
        mode,
        type_name: type_name.to_string(),
        name: name.to_string(),
    })
}

impl FromStr for ResourceInstanceAddr {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut c = Cursor { s, pos: 0 };
        let module = parse_module(&mut c)?;
        if c.at_end() {
            return Err(c.err("expected a resource after the module path"));
        }
        let resource = parse_resource(&mut c)?;
        let key = c.key()?;
        if !c.at_end() {
            return Err(c.err(format!("unexpected {:?}", c.rest())));
        }
        Ok(ResourceInstanceAddr {
            module,
            resource,
            key,
        })
    }
}

impl FromStr for NodeAddr {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut c = Cursor { s, pos: 0 };
        let module = parse_module(&mut c)?;
        if c.at_end() {
            return Err(c.err("expected a resource, output or migration after the module path"));
        }
        for (prefix, is_output) in [("output.", true), ("migration.", false)] {
            if let Some(rest) = c.rest().strip_prefix(prefix) {
                c.pos += prefix.len();
                let name = c.ident()?.to_string();
                if !c.at_end() {
                    return Err(c.err(format!("unexpected {:?}", c.rest())));
                }
                let _ = rest;
                return Ok(if is_output {
                    NodeAddr::Output { module, name }
                } else {
                    NodeAddr::Migration { module, name }
                });
            }
        }
        let resource = parse_resource(&mut c)?;
        if c.rest() == "[*]" {
            return Ok(NodeAddr::Unexpanded { module, resource });
        }
        let key = c.key()?;
        if !c.at_end() {
            return Err(c.err(format!("unexpected {:?}", c.rest())));
        }
        Ok(NodeAddr::Resource(ResourceInstanceAddr {
            module,
            resource,
            key,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in [
            "aws_vpc.main",
            "data.aws_ami.ubuntu",
            "aws_subnet.public[0]",
            "module.net.aws_subnet.public[1]",
            r#"module.hosts["web.a"].module.inner[2].aws_instance.this["x]y"]"#,
        ] {
            let a: ResourceInstanceAddr = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
            let n: NodeAddr = s.parse().unwrap();
            assert_eq!(n.to_string(), s);
        }
        for s in [
            "output.vpc_id",
            "module.db.migration.app_schema",
            "module.net.output.ids",
            "aws_subnet.x[*]",
        ] {
            let n: NodeAddr = s.parse().unwrap();
            assert_eq!(n.to_string(), s);
        }
        let m: ModulePath = r#"module.a[0].module.b["k"]"#.parse().unwrap();
        assert_eq!(m.to_string(), r#"module.a[0].module.b["k"]"#);
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "aws_vpc",
            "aws_vpc.",
            "aws_vpc.x[",
            "aws_vpc.x[a]",
            "module.",
            "aws_vpc.x.y",
            "module.a.b",
        ] {
            assert!(s.parse::<ResourceInstanceAddr>().is_err(), "{s}");
        }
    }
}
