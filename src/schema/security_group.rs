//! Security groups and their rules: `aws_security_group` (with inline `ingress` / `egress`),
//! `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`,
//! `aws_vpc_security_group_egress_rule`.
//!
//! Source: terraform-provider-aws `internal/service/ec2/vpc_security_group.go`,
//! `vpc_security_group_rule.go`, `vpc_security_group_ingress_rule.go` (shared by the egress
//! rule).

use super::builder::{arn, boolean, list_of_strings, number, set_of_strings, string};
use super::{AttrSchema as A, BlockSchema, ResourceSchema, Validator as V};
use crate::eval::{format_number, Value};

pub(super) fn schemas() -> Vec<ResourceSchema> {
    vec![
        security_group(),
        security_group_rule(),
        vpc_security_group_rule("aws_vpc_security_group_ingress_rule"),
        vpc_security_group_rule("aws_vpc_security_group_egress_rule"),
    ]
}

/// Ports, or ICMP type / code where -1 means "all".
const PORT: V = V::IntRange(-1, 65535);

/// Protocol names the EC2 API accepts besides protocol numbers.
const PROTOCOL_NAMES: &[&str] = &["-1", "all", "tcp", "udp", "icmp", "icmpv6", "ah", "esp"];

/// An IP protocol: a name (`tcp`, `udp`, `icmp`, `icmpv6`, `all`, ...) or a number from -1 to
/// 255, as the provider's `ProtocolForValue` accepts.
pub(super) fn ip_protocol(v: &Value) -> Result<(), String> {
    let s = match v {
        Value::Number(n) => format_number(*n),
        v => v
            .as_str()
            .ok_or_else(|| format!("expected a string; got {}", v.type_name()))?
            .to_string(),
    };
    if PROTOCOL_NAMES.contains(&s.to_ascii_lowercase().as_str()) {
        return Ok(());
    }
    match s.parse::<i64>() {
        Ok(n) if (-1..=255).contains(&n) => Ok(()),
        _ => Err(format!(
            "{s:?} is not a valid protocol; expected tcp, udp, icmp, icmpv6, all (or -1), \
             or a protocol number from 0 to 255"
        )),
    }
}

/// `validSecurityGroupRuleDescription`: at most 255 characters from the set EC2 allows.
fn rule_description(v: &Value) -> Result<(), String> {
    let Some(s) = v.as_str() else {
        return Ok(());
    };
    if s.chars().count() > 255 {
        return Err("a rule description cannot be longer than 255 characters".to_string());
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c);
    match s.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(format!(
            "a rule description may only contain letters, digits, spaces and ._-:/()#,@[]+=&;{{}}!$*; \
             found {c:?}"
        )),
        None => Ok(()),
    }
}

fn group_name_rule(s: &str, max: usize) -> Result<(), String> {
    if s.chars().count() > max {
        return Err(format!("cannot be longer than {max} characters"));
    }
    if s.starts_with("sg-") {
        return Err("cannot begin with sg-".to_string());
    }
    Ok(())
}

/// Security group name: at most 255 characters, not starting with `sg-`.
fn group_name(v: &Value) -> Result<(), String> {
    v.as_str().map_or(Ok(()), |s| group_name_rule(s, 255))
}

/// Name prefix: leaves room for the 26-character unique suffix.
fn group_name_prefix(v: &Value) -> Result<(), String> {
    v.as_str().map_or(Ok(()), |s| group_name_rule(s, 255 - 26))
}

/// `ingress` / `egress` blocks of `aws_security_group`.
fn rule_block(name: &'static str) -> BlockSchema {
    BlockSchema::set(
        name,
        vec![
            A::optional("cidr_blocks", list_of_strings()).validate(V::CidrV4),
            A::optional("description", string()).validate(V::Custom(rule_description)),
            A::required("from_port", number()).validate(PORT),
            A::optional("ipv6_cidr_blocks", list_of_strings()).validate(V::CidrV6),
            A::optional("prefix_list_ids", list_of_strings()),
            A::required("protocol", string()).validate(V::Custom(ip_protocol)),
            A::optional("security_groups", set_of_strings()),
            A::optional("self", boolean()).default(false),
            A::required("to_port", number()).validate(PORT),
        ],
    )
}

fn security_group() -> ResourceSchema {
    ResourceSchema::managed("aws_security_group")
        .attrs(vec![
            arn(),
            A::optional("description", string())
                .force_new()
                .default("Managed by Terraform")
                .validate(V::StringLen(0, 255)),
            A::optional_computed("name", string())
                .force_new()
                .validate(V::Custom(group_name))
                .conflicts(&["name_prefix"]),
            A::optional_computed("name_prefix", string())
                .force_new()
                .validate(V::Custom(group_name_prefix))
                .conflicts(&["name"]),
            A::computed("owner_id", string()),
            A::optional("revoke_rules_on_delete", boolean()).default(false),
            A::optional_computed("vpc_id", string()).force_new(),
        ])
        .blocks(vec![
            rule_block("egress").computed_when_absent(),
            rule_block("ingress").computed_when_absent(),
        ])
        .tagged()
        .timeouts(&["create", "delete"])
        .build()
}

fn security_group_rule() -> ResourceSchema {
    ResourceSchema::managed("aws_security_group_rule")
        .attrs(vec![
            A::optional("cidr_blocks", list_of_strings())
                .force_new()
                .validate(V::CidrV4)
                .conflicts(&["source_security_group_id", "self"]),
            A::optional("description", string()).validate(V::Custom(rule_description)),
            A::required("from_port", number())
                .force_new()
                .validate(PORT),
            A::optional("ipv6_cidr_blocks", list_of_strings())
                .force_new()
                .validate(V::CidrV6)
                .conflicts(&["source_security_group_id", "self"]),
            A::optional("prefix_list_ids", list_of_strings()).force_new(),
            A::required("protocol", string())
                .force_new()
                .validate(V::Custom(ip_protocol)),
            A::required("security_group_id", string()).force_new(),
            A::computed("security_group_rule_id", string()),
            A::optional("self", boolean())
                .force_new()
                .default(false)
                .conflicts(&[
                    "cidr_blocks",
                    "ipv6_cidr_blocks",
                    "source_security_group_id",
                ]),
            A::optional_computed("source_security_group_id", string())
                .force_new()
                .conflicts(&["cidr_blocks", "ipv6_cidr_blocks", "self"]),
            A::required("to_port", number()).force_new().validate(PORT),
            A::required("type", string())
                .force_new()
                .validate(V::OneOf(&["ingress", "egress"])),
        ])
        .timeouts(&["create"])
        .build()
}

/// `aws_vpc_security_group_ingress_rule` and `..._egress_rule` share one schema; exactly one
/// of the four sources / destinations is set.
fn vpc_security_group_rule(type_name: &'static str) -> ResourceSchema {
    ResourceSchema::managed(type_name)
        .attrs(vec![
            arn(),
            A::optional("cidr_ipv4", string())
                .validate(V::CidrV4)
                .conflicts(&[
                    "cidr_ipv6",
                    "prefix_list_id",
                    "referenced_security_group_id",
                ]),
            A::optional("cidr_ipv6", string())
                .validate(V::CidrV6)
                .conflicts(&[
                    "cidr_ipv4",
                    "prefix_list_id",
                    "referenced_security_group_id",
                ]),
            A::optional("description", string()),
            A::optional("from_port", number()).validate(PORT),
            A::required("ip_protocol", string()).validate(V::Custom(ip_protocol)),
            A::optional("prefix_list_id", string()).conflicts(&[
                "cidr_ipv4",
                "cidr_ipv6",
                "referenced_security_group_id",
            ]),
            A::optional("referenced_security_group_id", string()).conflicts(&[
                "cidr_ipv4",
                "cidr_ipv6",
                "prefix_list_id",
            ]),
            A::required("security_group_id", string()).force_new(),
            A::computed("security_group_rule_id", string()),
            A::optional("to_port", number()).validate(PORT),
        ])
        .exactly_one_of(&[
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
            "referenced_security_group_id",
        ])
        .tagged()
        .build()
}

#[cfg(test)]
mod tests {
    use super::super::{resource, Nesting, Presence};
    use super::*;

    fn check_all(a: &A, v: &Value) -> Result<(), String> {
        a.validators.iter().try_for_each(|val| val.check(v))
    }

    #[test]
    fn security_group_shape() {
        let sg = resource("aws_security_group").unwrap();
        assert!(sg.taggable);
        assert_eq!(sg.timeouts, &["create", "delete"]);
        let desc = sg.attr("description").unwrap();
        assert!(desc.force_new);
        assert_eq!(desc.default, Some(Value::from("Managed by Terraform")));
        assert!(sg.attr("vpc_id").unwrap().force_new);
        assert_eq!(sg.attr("name").unwrap().conflicts_with, &["name_prefix"]);
        assert!(!sg.attr("revoke_rules_on_delete").unwrap().force_new);
        for name in ["ingress", "egress"] {
            let b = sg.block(name).unwrap();
            assert_eq!(b.nesting, Nesting::Set);
            let names: Vec<_> = b.body.attrs.iter().map(|a| a.name).collect();
            assert_eq!(
                names,
                [
                    "cidr_blocks",
                    "description",
                    "from_port",
                    "ipv6_cidr_blocks",
                    "prefix_list_ids",
                    "protocol",
                    "security_groups",
                    "self",
                    "to_port"
                ]
            );
            assert_eq!(
                b.body.attr("from_port").unwrap().presence,
                Presence::Required
            );
        }
    }

    #[test]
    fn rule_validators() {
        let ingress = &resource("aws_security_group")
            .unwrap()
            .block("ingress")
            .unwrap()
            .body;
        let cidrs = ingress.attr("cidr_blocks").unwrap();
        let good = Value::List(vec!["0.0.0.0/0".into(), "10.0.0.0/8".into()]);
        assert_eq!(check_all(cidrs, &good), Ok(()));
        let bad = Value::List(vec!["0.0.0.0/0".into(), "10.0.0.1/8".into()]);
        assert_eq!(
            check_all(cidrs, &bad).unwrap_err(),
            "element 1: 10.0.0.1/8 is not a valid CIDR block: the address is not the network \
             address (did you mean 10.0.0.0/8?)"
        );
        let port = ingress.attr("from_port").unwrap();
        assert_eq!(check_all(port, &Value::Number(-1.0)), Ok(()));
        assert_eq!(check_all(port, &Value::Number(443.0)), Ok(()));
        assert!(check_all(port, &Value::Number(65536.0)).is_err());
        let proto = ingress.attr("protocol").unwrap();
        for good in ["tcp", "UDP", "icmp", "-1", "all", "6", "255"] {
            assert_eq!(check_all(proto, &good.into()), Ok(()), "{good}");
        }
        assert_eq!(check_all(proto, &Value::Number(17.0)), Ok(()));
        assert_eq!(
            check_all(proto, &"http".into()).unwrap_err(),
            "\"http\" is not a valid protocol; expected tcp, udp, icmp, icmpv6, all (or -1), \
             or a protocol number from 0 to 255"
        );
        assert!(check_all(proto, &"256".into()).is_err());
        let desc = ingress.attr("description").unwrap();
        assert_eq!(check_all(desc, &"SSH from office (HQ)".into()), Ok(()));
        assert!(check_all(desc, &"naïve".into()).is_err());
    }

    #[test]
    fn group_names() {
        let sg = resource("aws_security_group").unwrap();
        let name = sg.attr("name").unwrap();
        assert_eq!(check_all(name, &"web".into()), Ok(()));
        assert_eq!(
            check_all(name, &"sg-web".into()).unwrap_err(),
            "cannot begin with sg-"
        );
        assert!(check_all(name, &"x".repeat(256).as_str().into()).is_err());
        let prefix = sg.attr("name_prefix").unwrap();
        assert!(check_all(prefix, &"x".repeat(230).as_str().into()).is_err());
    }

    #[test]
    fn security_group_rule_type() {
        let r = resource("aws_security_group_rule").unwrap();
        let ty = r.attr("type").unwrap();
        assert!(ty.force_new && ty.is_required());
        assert_eq!(check_all(ty, &"ingress".into()), Ok(()));
        assert_eq!(check_all(ty, &"egress".into()), Ok(()));
        assert_eq!(
            check_all(ty, &"inbound".into()).unwrap_err(),
            "expected one of \"ingress\", \"egress\"; got \"inbound\""
        );
        assert!(!r.attr("description").unwrap().force_new);
        assert!(r.attr("from_port").unwrap().force_new);
        assert!(!r.taggable);
    }

    #[test]
    fn vpc_rules() {
        for t in [
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ] {
            let r = resource(t).unwrap();
            assert!(r.taggable, "{t}");
            assert!(r.attr("security_group_id").unwrap().force_new);
            assert!(!r.attr("cidr_ipv4").unwrap().force_new);
            assert!(r.attr("ip_protocol").unwrap().is_required());
            assert!(check_all(r.attr("cidr_ipv4").unwrap(), &"10.0.0.0/16".into()).is_ok());
            assert!(check_all(r.attr("cidr_ipv4").unwrap(), &"10.0.0.1/16".into()).is_err());
            assert!(check_all(r.attr("to_port").unwrap(), &Value::Number(-1.0)).is_ok());
        }
    }
}
