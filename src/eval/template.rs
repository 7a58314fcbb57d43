//! Rendering of template files for `templatefile()`.

use super::expr::{EmptyScope, Evaluator, UNBOUND_NAME};
use super::value::Value;
use crate::diag::FileId;
use std::collections::BTreeMap;
use std::path::Path;

/// Renders template text with `vars` as the only names in scope. Errors are sentences that
/// include the line and column within the template.
pub fn render_template(
    text: &str,
    vars: &BTreeMap<String, Value>,
    base_dir: &Path,
) -> Result<Value, String> {
    render_template_file(text, "template", vars, base_dir)
}

/// Like [`render_template`], for the template file `name` (used in messages, as
/// `name:line,column`). A reference to a name that is not in `vars` fails with a message
/// starting with [`super::functions::MISSING_TEMPLATE_VAR`], which `templatefile` reports on its `vars`
/// argument.
pub fn render_template_file(
    text: &str,
    name: &str,
    vars: &BTreeMap<String, Value>,
    base_dir: &Path,
) -> Result<Value, String> {
    let t = hcl_edit::parser::parse_template(text).map_err(|e| {
        format!(
            "template syntax error at {name}:{},{}: {}",
            e.location().line(),
            e.location().column(),
            e.message()
        )
    })?;
    let scope = EmptyScope(base_dir);
    // The file id is never used for lookups here: errors are converted to text below.
    let mut ev = Evaluator::new(&scope, FileId(u32::MAX));
    ev.only_bound_names();
    for (k, v) in vars {
        ev.bind(k, v.clone());
    }
    let expr = hcl_edit::expr::Expression::StringTemplate(
        hcl_edit::template::StringTemplate::from(t.iter().cloned().collect::<Vec<_>>()),
    );
    ev.eval(&expr).map_err(|d| {
        let mut m = crate::diag::SourceMap::new();
        let id = m.add(name, text);
        let at = d.span.as_ref().and_then(|s| {
            let f = m.get(id)?;
            let (from, to) = (f.line_col(s.range.start), f.line_col(s.range.end));
            Some(if from.line == to.line && to.col > from.col {
                format!("{name}:{},{}-{}", from.line, from.col, to.col)
            } else {
                format!("{name}:{},{}", from.line, from.col)
            })
        });
        let detail = d.detail.unwrap_or_default();
        if d.summary == UNBOUND_NAME {
            match at {
                Some(at) => format!("{detail}, referenced at {at}"),
                None => detail,
            }
        } else {
            match at {
                Some(at) => format!("{} at {at}: {detail}", d.summary),
                None => format!("{}: {detail}", d.summary),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::functions::MISSING_TEMPLATE_VAR;
    use super::*;

    #[test]
    fn renders_with_vars() {
        let vars = BTreeMap::from([
            ("name".to_string(), Value::from("web")),
            (
                "ports".to_string(),
                Value::List(vec![Value::Number(80.0), Value::Number(443.0)]),
            ),
        ]);
        let out = render_template(
            "host ${name}\n%{ for p in ports ~}\nport ${p}\n%{ endfor ~}\n",
            &vars,
            Path::new("."),
        )
        .unwrap();
        assert_eq!(out, Value::from("host web\nport 80\nport 443\n"));
        let err = render_template("${nope}", &vars, Path::new(".")).unwrap_err();
        assert!(err.contains("template:1,3"), "{err}");
    }

    #[test]
    fn names_not_in_vars_are_missing_keys() {
        let vars = BTreeMap::from([("name".to_string(), Value::from("web"))]);
        let render = |t: &str| render_template_file(t, "t.tftpl", &vars, Path::new("."));
        assert_eq!(
            render("port ${port}\n").unwrap_err(),
            "vars map does not contain key \"port\", referenced at t.tftpl:1,8-12"
        );
        let err = render("${name}\n${var.x}").unwrap_err();
        assert!(err.starts_with(MISSING_TEMPLATE_VAR), "{err}");
        assert!(
            err.contains("\"var\", referenced at t.tftpl:2,3-6"),
            "{err}"
        );
        let err = render("${upper(aws_vpc.x.id)}").unwrap_err();
        assert!(err.contains("\"aws_vpc\""), "{err}");
        // Names bound by for directives and for expressions are in scope.
        assert_eq!(
            render("%{ for c in [name] }${c}${join(\",\", [for x in [c] : x])}%{ endfor }"),
            Ok(Value::from("webweb"))
        );
        let err = render("${1 + \"a\"}").unwrap_err();
        assert!(err.contains("t.tftpl:1,7"), "{err}");
        assert!(!err.starts_with(MISSING_TEMPLATE_VAR), "{err}");
    }
}
