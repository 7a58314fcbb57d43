//! Rendering of template files for `templatefile()`.

use super::expr::{EmptyScope, Evaluator};
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
    let t = hcl_edit::parser::parse_template(text).map_err(|e| {
        format!(
            "template syntax error at line {}, column {}: {}",
            e.location().line(),
            e.location().column(),
            e.message()
        )
    })?;
    let scope = EmptyScope(base_dir);
    // The file id is never used for lookups here: errors are converted to text below.
    let mut ev = Evaluator::new(&scope, FileId(u32::MAX));
    for (k, v) in vars {
        ev.bind(k, v.clone());
    }
    let expr = hcl_edit::expr::Expression::StringTemplate(
        hcl_edit::template::StringTemplate::from(t.iter().cloned().collect::<Vec<_>>()),
    );
    ev.eval(&expr).map_err(|d| {
        let at = d.span.map(|s| {
            let mut m = crate::diag::SourceMap::new();
            let id = m.add("template", text);
            let lc = m.get(id).map(|f| f.line_col(s.range.start));
            lc.map_or(String::new(), |lc| {
                format!(" at line {}, column {}", lc.line, lc.col)
            })
        });
        format!(
            "{}{}: {}",
            d.summary,
            at.unwrap_or_default(),
            d.detail.unwrap_or_default()
        )
    })
}

#[cfg(test)]
mod tests {
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
        assert!(err.contains("line 1"), "{err}");
    }
}
