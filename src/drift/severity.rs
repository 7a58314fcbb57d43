//! How severe a finding is.
//!
//! `high` is security-relevant: a rule admitting the world (`0.0.0.0/0` or `::/0`) on a port
//! other than 80/443 (or on every port), a database made publicly accessible, SSH (22)
//! opened to a CIDR the state allowed SSH from nowhere (the bastion's sources). Tag-only
//! changes are `low`; everything else `medium`.

use super::rules::{cidr_source, covers_port, value_atoms};
use super::{AttrChange, Severity};
use crate::eval::Value;
use crate::provider::aws::rule_atoms::RuleKey;
use std::collections::BTreeSet;

/// What the severity rules need to know about the state as a whole.
#[derive(Debug, Default, Clone)]
pub(crate) struct SecurityBaseline {
    /// CIDRs the state's rules admit on port 22 (inline or rule resources).
    pub(crate) ssh_sources: BTreeSet<String>,
}

impl SecurityBaseline {
    /// Records the state's rule atoms.
    pub(crate) fn add_atoms<'a>(&mut self, atoms: impl IntoIterator<Item = &'a RuleKey>) {
        for k in atoms {
            if covers_port(k, 22) {
                if let Some(c) = cidr_source(k) {
                    self.ssh_sources.insert(c.to_string());
                }
            }
        }
    }

    /// Why an ingress rule atom is a risk, if it is.
    pub(crate) fn exposure(&self, k: &RuleKey) -> Option<String> {
        let cidr = cidr_source(k)?;
        if cidr == "0.0.0.0/0" || cidr == "::/0" {
            let web_only = k.from == k.to && (k.from == 80 || k.from == 443) && k.proto == "tcp";
            let ports = matches!(k.proto.as_str(), "-1" | "tcp" | "udp");
            if ports && !web_only {
                return Some(format!("admits {cidr} on {}", ports_text(k)));
            }
        }
        if covers_port(k, 22) && !self.ssh_sources.contains(cidr) {
            let allowed = if self.ssh_sources.is_empty() {
                "no CIDR".to_string()
            } else {
                self.ssh_sources
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Some(format!(
                "opens SSH (22) to {cidr}, beyond the sources the state allows ({allowed})"
            ));
        }
        None
    }

    /// The severity of a changed attribute of a `type_name` object (`group_id` for rules
    /// of a security group) and why it is high.
    pub(crate) fn change(
        &self,
        type_name: &str,
        group_id: &str,
        c: &AttrChange,
    ) -> (Severity, Option<String>) {
        if c.path.starts_with("tags[") || c.path.starts_with("tags_all[") {
            return (Severity::Low, None);
        }
        if type_name == "aws_db_instance"
            && c.path == "publicly_accessible"
            && c.after.as_ref().and_then(Value::as_bool) == Some(true)
        {
            return (
                Severity::High,
                Some("the database is now publicly accessible".into()),
            );
        }
        if type_name == "aws_security_group" && c.path == "ingress" {
            if let Some(rule) = &c.after {
                if let Some(why) = value_atoms(rule, group_id)
                    .iter()
                    .find_map(|k| self.exposure(k))
                {
                    return (Severity::High, Some(why));
                }
            }
        }
        (Severity::Medium, None)
    }

    /// The severity of an ingress rule resource whose cloud value is now `atoms`.
    pub(crate) fn rule_resource(&self, atoms: &[RuleKey]) -> Option<String> {
        atoms.iter().find_map(|k| self.exposure(k))
    }

    /// The severity of an object no state knows, from its value.
    pub(crate) fn unmanaged(
        &self,
        type_name: &str,
        id: &str,
        v: &Value,
    ) -> (Severity, Option<String>) {
        match type_name {
            "aws_security_group" => {
                let blocks = match v.get_attr("ingress").map(Value::peel) {
                    Some(Value::List(x) | Value::Set(x)) => x.clone(),
                    _ => Vec::new(),
                };
                let why = blocks
                    .iter()
                    .flat_map(|b| value_atoms(b, id))
                    .find_map(|k| self.exposure(&k));
                match why {
                    Some(w) => (Severity::High, Some(w)),
                    None => (Severity::Medium, None),
                }
            }
            "aws_db_instance"
                if v.get_attr("publicly_accessible").and_then(Value::as_bool) == Some(true) =>
            {
                (
                    Severity::High,
                    Some("a publicly accessible database".into()),
                )
            }
            _ => (Severity::Medium, None),
        }
    }
}

fn ports_text(k: &RuleKey) -> String {
    match k.proto.as_str() {
        "-1" => "every port".into(),
        p if k.from == k.to => format!("port {}/{p}", k.from),
        p => format!("ports {}-{}/{p}", k.from, k.to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drift::rules::atom_value;
    use crate::provider::aws::rule_atoms::Source;

    fn atom(proto: &str, from: i32, to: i32, cidr: &str) -> RuleKey {
        RuleKey {
            proto: proto.into(),
            from,
            to,
            source: Source::V4(cidr.into()),
        }
    }

    fn baseline() -> SecurityBaseline {
        let mut b = SecurityBaseline::default();
        b.add_atoms(&[
            atom("tcp", 22, 22, "203.0.113.0/24"),
            atom("tcp", 443, 443, "0.0.0.0/0"),
        ]);
        b
    }

    #[test]
    fn world_on_a_web_port_is_not_high() {
        let b = baseline();
        assert_eq!(b.exposure(&atom("tcp", 443, 443, "0.0.0.0/0")), None);
        assert_eq!(b.exposure(&atom("tcp", 80, 80, "0.0.0.0/0")), None);
    }

    #[test]
    fn world_on_other_ports_is_high() {
        let b = baseline();
        assert_eq!(
            b.exposure(&atom("tcp", 5432, 5432, "0.0.0.0/0")).as_deref(),
            Some("admits 0.0.0.0/0 on port 5432/tcp")
        );
        assert!(b.exposure(&atom("-1", 0, 0, "0.0.0.0/0")).is_some());
        assert!(b.exposure(&atom("tcp", 80, 443, "0.0.0.0/0")).is_some());
        assert_eq!(b.exposure(&atom("icmp", 8, 0, "0.0.0.0/0")), None);
    }

    #[test]
    fn ssh_beyond_the_bastion_sources_is_high() {
        let b = baseline();
        assert_eq!(b.exposure(&atom("tcp", 22, 22, "203.0.113.0/24")), None);
        let why = b.exposure(&atom("tcp", 20, 25, "10.0.0.0/8")).unwrap();
        assert!(
            why.contains("10.0.0.0/8") && why.contains("203.0.113.0/24"),
            "{why}"
        );
        assert_eq!(b.exposure(&atom("tcp", 5432, 5432, "10.0.0.0/8")), None);
    }

    #[test]
    fn tags_are_low_and_public_databases_high() {
        let b = baseline();
        let c = |path: &str, after: Value| AttrChange {
            path: path.into(),
            before: None,
            after: Some(after),
        };
        assert_eq!(
            b.change(
                "aws_instance",
                "",
                &c("tags[\"Owner\"]", Value::string("x"))
            )
            .0,
            Severity::Low
        );
        assert_eq!(
            b.change("aws_instance", "", &c("instance_type", Value::string("x")))
                .0,
            Severity::Medium
        );
        assert_eq!(
            b.change(
                "aws_db_instance",
                "",
                &c("publicly_accessible", Value::Bool(true))
            )
            .0,
            Severity::High
        );
        let open = atom_value(&atom("tcp", 5432, 5432, "0.0.0.0/0"), "sg-1");
        assert_eq!(
            b.change("aws_security_group", "sg-1", &c("ingress", open))
                .0,
            Severity::High
        );
    }
}
