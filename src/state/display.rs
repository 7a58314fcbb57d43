//! Human-readable, HCL-like rendering of state values, for `state show` and `output`.

use super::ResourceState;
use crate::addr::Mode;
use serde_json::Value as Json;

/// Shown instead of a sensitive value by `state show`.
pub const SENSITIVE_ATTRIBUTE: &str = "(sensitive value)";
/// Shown instead of a sensitive output by `output`.
pub const SENSITIVE_OUTPUT: &str = "<sensitive>";

struct Fmt<'a> {
    unit: &'a str,
    marker: &'a str,
    sensitive: &'a [Vec<String>],
}

impl Fmt<'_> {
    fn is_sensitive(&self, path: &[String]) -> bool {
        self.sensitive.iter().any(|p| p.as_slice() == path)
    }

    fn value(&self, v: &Json, path: &mut Vec<String>, depth: usize, out: &mut String) {
        if self.is_sensitive(path) {
            out.push_str(self.marker);
            return;
        }
        match v {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(&b.to_string()),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => self.string(s, depth, out),
            Json::Array(items) if items.is_empty() => out.push_str("[]"),
            Json::Array(items) => {
                out.push_str("[\n");
                for (i, x) in items.iter().enumerate() {
                    self.indent(depth + 1, out);
                    path.push(i.to_string());
                    self.value(x, path, depth + 1, out);
                    path.pop();
                    out.push_str(",\n");
                }
                self.indent(depth, out);
                out.push(']');
            }
            Json::Object(m) if m.is_empty() => out.push_str("{}"),
            Json::Object(m) => {
                out.push_str("{\n");
                let entries: Vec<(String, &str, &Json)> = sorted(m)
                    .into_iter()
                    .map(|(k, v)| (quote(k), k.as_str(), v))
                    .collect();
                self.entries(&entries, path, depth + 1, out);
                self.indent(depth, out);
                out.push('}');
            }
        }
    }

    /// `key = value` lines with aligned `=`: (rendered key, raw key, value).
    fn entries(
        &self,
        entries: &[(String, &str, &Json)],
        path: &mut Vec<String>,
        depth: usize,
        out: &mut String,
    ) {
        let width = entries
            .iter()
            .map(|(k, _, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, raw, v) in entries {
            self.indent(depth, out);
            out.push_str(k);
            for _ in k.chars().count()..width {
                out.push(' ');
            }
            out.push_str(" = ");
            path.push(raw.to_string());
            self.value(v, path, depth, out);
            path.pop();
            out.push('\n');
        }
    }

    fn string(&self, s: &str, depth: usize, out: &mut String) {
        let body = s.strip_suffix('\n').unwrap_or(s);
        if body.contains('\n') && !body.lines().any(|l| l.trim() == "EOT") {
            out.push_str("<<-EOT\n");
            for line in body.split('\n') {
                if !line.is_empty() {
                    self.indent(depth + 1, out);
                }
                out.push_str(line);
                out.push('\n');
            }
            self.indent(depth, out);
            out.push_str("EOT");
        } else {
            out.push_str(&quote(s));
        }
    }

    fn indent(&self, depth: usize, out: &mut String) {
        for _ in 0..depth {
            out.push_str(self.unit);
        }
    }
}

fn sorted(m: &serde_json::Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// An HCL string literal: JSON escapes plus `$${` and `%%{` for template sequences.
fn quote(s: &str) -> String {
    Json::String(s.to_string())
        .to_string()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// A value in HCL-like form, indented by `unit` per level, with the values at `sensitive`
/// paths replaced by `(sensitive value)`.
pub fn render_value(v: &Json, sensitive: &[Vec<String>], unit: &str) -> String {
    let f = Fmt {
        unit,
        marker: SENSITIVE_ATTRIBUTE,
        sensitive,
    };
    let mut out = String::new();
    f.value(v, &mut Vec::new(), 0, &mut out);
    out
}

/// An output value as `terrace output` shows it (two-space indents; no masking: the caller
/// decides whether to show [`SENSITIVE_OUTPUT`] instead).
pub fn render_output_value(v: &Json) -> String {
    render_value(v, &[], "  ")
}

/// A resource instance as `terrace state show` prints it: a comment with the address, then a
/// `resource "TYPE" "NAME" {}` block of its attributes (null ones left out), sensitive
/// values shown as `(sensitive value)`.
pub fn render_resource(r: &ResourceState) -> String {
    let f = Fmt {
        unit: "    ",
        marker: SENSITIVE_ATTRIBUTE,
        sensitive: &r.sensitive_attributes,
    };
    let mut out = format!(
        "# {}:{}\n",
        r.address,
        if r.tainted { " (tainted)" } else { "" }
    );
    let kw = match r.address.resource.mode {
        Mode::Managed => "resource",
        Mode::Data => "data",
    };
    out.push_str(&format!(
        "{kw} {} {} {{\n",
        quote(&r.address.resource.type_name),
        quote(&r.address.resource.name)
    ));
    match &r.attributes {
        Json::Object(m) => {
            let entries: Vec<(String, &str, &Json)> = sorted(m)
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let ident = !k.is_empty()
                        && !k.starts_with(|c: char| c.is_ascii_digit())
                        && k.chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                    (if ident { k.clone() } else { quote(k) }, k.as_str(), v)
                })
                .collect();
            f.entries(&entries, &mut Vec::new(), 1, &mut out);
        }
        other => {
            f.indent(1, &mut out);
            f.value(other, &mut Vec::new(), 1, &mut out);
            out.push('\n');
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(addr: &str, attrs: Json, sensitive: Vec<Vec<String>>) -> ResourceState {
        let address: crate::addr::ResourceInstanceAddr = addr.parse().unwrap();
        ResourceState {
            mode: "managed".into(),
            type_name: address.resource.type_name.clone(),
            address,
            provider_id: None,
            attributes: attrs,
            sensitive_attributes: sensitive,
            dependencies: vec![],
            create_before_destroy: false,
            tainted: false,
        }
    }

    #[test]
    fn shows_a_resource_like_terraform() {
        let r = res(
            "module.db.aws_db_instance.main[0]",
            json!({
                "identifier": "app",
                "password": "hunter2",
                "port": 5432,
                "multi_az": false,
                "replicate_source_db": null,
                "tags": {"Name": "app", "a b": "${x}"},
                "vpc_security_group_ids": ["sg-1", "sg-2"],
                "empty": [],
                "user_data": "#!/bin/sh\necho hi\n",
                "nested": [{"secret": "s", "plain": "p"}]
            }),
            vec![
                vec!["password".into()],
                vec!["nested".into(), "0".into(), "secret".into()],
            ],
        );
        let text = render_resource(&r);
        let expected = r#"# module.db.aws_db_instance.main[0]:
resource "aws_db_instance" "main" {
    empty                  = []
    identifier             = "app"
    multi_az               = false
    nested                 = [
        {
            "plain"  = "p"
            "secret" = (sensitive value)
        },
    ]
    password               = (sensitive value)
    port                   = 5432
    tags                   = {
        "Name" = "app"
        "a b"  = "$${x}"
    }
    user_data              = <<-EOT
        #!/bin/sh
        echo hi
    EOT
    vpc_security_group_ids = [
        "sg-1",
        "sg-2",
    ]
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn data_sources_and_whole_sensitive_values() {
        let mut r = res(
            "data.aws_ami.ubuntu",
            json!({"id": "ami-1", "tags": {"k": "v"}}),
            vec![vec!["tags".into()]],
        );
        r.tainted = true;
        assert_eq!(
            render_resource(&r),
            "# data.aws_ami.ubuntu: (tainted)\ndata \"aws_ami\" \"ubuntu\" {\n    id   = \"ami-1\"\n    tags = (sensitive value)\n}\n"
        );
    }

    #[test]
    fn output_values_use_two_space_indents() {
        assert_eq!(render_output_value(&json!("x")), "\"x\"");
        assert_eq!(
            render_output_value(&json!({"ids": ["a"], "n": 1})),
            "{\n  \"ids\" = [\n    \"a\",\n  ]\n  \"n\"   = 1\n}"
        );
    }
}
