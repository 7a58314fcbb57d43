//! Helpers the EC2 resource modules share. Everything in the provider-wide
//! [`crate::provider::aws::common`] is re-exported here, so `use super::common::*` in a
//! resource module brings in both.

use crate::eval::Value;
pub(crate) use crate::provider::aws::common::*;
use crate::provider::UpdateRequest;
use aws_sdk_ec2::types::AttributeBooleanValue;

/// How long an object created a moment ago may stay invisible to other calls (eventual
/// consistency): `NotFound` for it is retried this long at most.
pub(crate) const PROPAGATION: std::time::Duration = std::time::Duration::from_secs(120);

/// A boolean for the Modify*Attribute calls.
pub(crate) fn attr_bool(b: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(b).build()
}

/// The planned value for an update with unknowns taken from the prior value.
pub(crate) fn update_base(config: &Value, prior: &Value) -> Obj {
    let mut m = start(config);
    if let Some(p) = prior.as_map() {
        for (k, v) in m.iter_mut() {
            if !v.is_known() {
                if let Some(pv) = p.get(k) {
                    *v = pv.clone();
                }
            }
        }
    }
    m
}

/// Whether `name` differs between the prior value and the configuration.
pub(crate) fn changed(req: &UpdateRequest<'_>, name: &str) -> bool {
    req.changed.iter().any(|c| c == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_base_fills_unknowns_from_prior() {
        let c = Value::map([("a", Value::Unknown), ("b", Value::from("new"))]);
        let p = Value::map([("a", Value::from("old")), ("b", Value::from("old"))]);
        let m = update_base(&c, &p);
        assert_eq!(m["a"], Value::from("old"));
        assert_eq!(m["b"], Value::from("new"));
    }
}
