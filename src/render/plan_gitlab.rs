//! GitLab's Terraform report artifact (`artifacts:reports:terraform`), read by the merge
//! request widget: `{"create": N, "update": N, "delete": N}`.
//!
//! GitLab documents it as the output of
//! `jq '([.resource_changes[]?.change.actions?]|flatten)|{"create":(map(select(.=="create"))|length),"update":(map(select(.=="update"))|length),"delete":(map(select(.=="delete"))|length)}'`
//! over `terraform show -json`: every action of every resource change is counted, so a
//! replacement (`["delete","create"]`) counts once in `create` and once in `delete`, and
//! no-ops and data source reads count nowhere. The counts here come from the same
//! `actions` arrays that `show -json` writes ([`crate::plan::Action::terraform_actions`]),
//! and the text is jq's: keys in that order, two-space indentation, a final newline.

use crate::plan::Plan;
use serde::Serialize;

/// The report's three counts, in jq's key order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GitlabReport {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
}

/// Counts the actions of every resource change of `plan`, as GitLab's jq filter does.
pub fn gitlab_report(plan: &Plan) -> GitlabReport {
    let mut r = GitlabReport::default();
    for action in plan
        .changes
        .iter()
        .flat_map(|c| c.action.terraform_actions())
    {
        match *action {
            "create" => r.create += 1,
            "update" => r.update += 1,
            "delete" => r.delete += 1,
            _ => {}
        }
    }
    r
}

/// The report file's text.
pub fn render_plan_gitlab(plan: &Plan) -> String {
    let r = gitlab_report(plan);
    format!(
        "{{\n  \"create\": {},\n  \"update\": {},\n  \"delete\": {}\n}}\n",
        r.create, r.update, r.delete
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, ResourceChange};

    fn change(addr: &str, action: Action) -> ResourceChange {
        ResourceChange {
            addr: addr.parse().unwrap(),
            action,
            before: None,
            after: None,
            changed: Vec::new(),
            forces: Vec::new(),
            reason: None,
            provider_id: None,
            create_before_destroy: false,
            timeouts: Default::default(),
            importing: None,
        }
    }

    fn plan(actions: &[Action]) -> Plan {
        Plan {
            changes: actions
                .iter()
                .enumerate()
                .map(|(i, a)| change(&format!("aws_vpc.v{i}"), *a))
                .collect(),
            outputs: Vec::new(),
            migrations: Vec::new(),
            prior_lineage: None,
            prior_serial: None,
            destroy: false,
            targets: Vec::new(),
            drift: Vec::new(),
            refresh_only: false,
        }
    }

    /// GitLab's jq filter, written out over the `resource_changes` of the plan JSON.
    fn jq_filter(doc: &serde_json::Value) -> serde_json::Value {
        let actions: Vec<&str> = doc["resource_changes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["change"]["actions"].as_array())
            .flatten()
            .filter_map(|a| a.as_str())
            .collect();
        let n = |w: &str| actions.iter().filter(|a| **a == w).count();
        serde_json::json!({"create": n("create"), "update": n("update"), "delete": n("delete")})
    }

    #[test]
    fn replacements_count_in_create_and_delete() {
        let p = plan(&[
            Action::Create,
            Action::Create,
            Action::Update,
            Action::DeleteThenCreate,
            Action::CreateThenDelete,
            Action::Delete,
            Action::NoOp,
            Action::Read,
        ]);
        assert_eq!(
            gitlab_report(&p),
            GitlabReport {
                create: 4,
                update: 1,
                delete: 3
            }
        );
        let text = render_plan_gitlab(&p);
        assert_eq!(
            text,
            "{\n  \"create\": 4,\n  \"update\": 1,\n  \"delete\": 3\n}\n"
        );
        // The same numbers as GitLab's jq over `show -json`, and the same text as serde's
        // pretty printer in declaration order (jq's layout).
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, jq_filter(&super::super::plan_json(&p, None)));
        assert_eq!(
            format!(
                "{}\n",
                serde_json::to_string_pretty(&gitlab_report(&p)).unwrap()
            ),
            text
        );
    }

    #[test]
    fn empty_plan_is_all_zero() {
        assert_eq!(
            render_plan_gitlab(&plan(&[Action::NoOp])),
            "{\n  \"create\": 0,\n  \"update\": 0,\n  \"delete\": 0\n}\n"
        );
    }
}
