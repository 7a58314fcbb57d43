//! The merge request comment: order, flags, escaping, secrets, the length limit.

use super::*;
use crate::eval::Value;
use crate::plan::{Importing, PendingMigration};
use serde_json::json;

fn change(
    addr: &str,
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> ResourceChange {
    ResourceChange {
        addr: addr.parse().unwrap(),
        action,
        before,
        after,
        changed: Vec::new(),
        forces: Vec::new(),
        reason: None,
        provider_id: None,
        create_before_destroy: false,
        timeouts: Default::default(),
        importing: None,
    }
}

fn obj(j: serde_json::Value) -> Option<Value> {
    Some(Value::from_json(&j))
}

fn plan(changes: Vec<ResourceChange>) -> Plan {
    Plan {
        changes,
        outputs: Vec::new(),
        migrations: Vec::new(),
        prior_lineage: None,
        prior_serial: Some(7),
        destroy: false,
        targets: Vec::new(),
        drift: Vec::new(),
        refresh_only: false,
    }
}

/// A create, an update, a replacement and a destroy, in address order.
fn mixed() -> Plan {
    let mut update = change(
        "aws_instance.app",
        Action::Update,
        obj(json!({"id": "i-1", "instance_type": "t3.micro"})),
        obj(json!({"id": "i-1", "instance_type": "t3.small"})),
    );
    update.changed = vec!["instance_type".into()];
    let mut replace = change(
        "aws_subnet.a",
        Action::DeleteThenCreate,
        obj(json!({"id": "subnet-1", "cidr_block": "10.0.1.0/24"})),
        Some(Value::map([
            ("id", Value::Unknown),
            ("cidr_block", Value::from("10.0.2.0/24")),
        ])),
    );
    replace.changed = vec!["cidr_block".into(), "id".into()];
    replace.forces = vec!["cidr_block".into()];
    replace.reason = Some(Reason::ReplaceForced);
    let mut delete = change(
        "aws_subnet.old",
        Action::Delete,
        obj(json!({"id": "subnet-2", "cidr_block": "10.0.9.0/24"})),
        None,
    );
    delete.reason = Some(Reason::DeleteNotInConfig);
    let create = change(
        "aws_vpc.b",
        Action::Create,
        None,
        Some(Value::map([
            ("id", Value::Unknown),
            ("cidr_block", Value::from("10.1.0.0/16")),
        ])),
    );
    let unchanged = change(
        "aws_vpc.main",
        Action::NoOp,
        obj(json!({"id": "vpc-1"})),
        obj(json!({"id": "vpc-1"})),
    );
    plan(vec![update, replace, delete, create, unchanged])
}

#[test]
fn summary_first_destroys_and_replacements_first_and_flagged() {
    let md = render_plan_markdown(&mixed(), "production");
    assert!(
        md.starts_with(
            "### Plan: 2 to add, 1 to change, 2 to destroy, 0 migrations to run.\n\nWorkspace `production`, planned against state serial 7.\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("⚠️ **This plan destroys 2 objects: 1 destroyed, 1 replaced.**"),
        "{md}"
    );
    let summaries: Vec<&str> = md
        .lines()
        .filter_map(|l| l.strip_prefix("<details><summary>"))
        .collect();
    assert_eq!(
        summaries,
        [
            "⚠️ <code>aws_subnet.old</code> will be <b>destroyed</b> (not in the configuration)</summary>",
            "⚠️ <code>aws_subnet.a</code> will be <b>replaced</b> (forced by <code>cidr_block</code>)</summary>",
            "<code>aws_vpc.b</code> will be created</summary>",
            "<code>aws_instance.app</code> will be updated in-place: <code>instance_type</code></summary>",
        ]
    );
    // No-ops are not listed.
    assert!(!md.contains("aws_vpc.main"), "{md}");
}

#[test]
fn diffs_are_fenced_with_symbols_in_the_first_column() {
    let md = render_plan_markdown(&mixed(), "default");
    let replace = md
        .split("<details>")
        .find(|d| d.contains("aws_subnet.a</code>"))
        .unwrap();
    let fenced = replace
        .split("```diff\n")
        .nth(1)
        .and_then(|r| r.split("\n```\n").next())
        .unwrap();
    assert_eq!(
        fenced,
        "  # aws_subnet.a must be replaced\n\
         -/+ resource \"aws_subnet\" \"a\" {\n\
         !       cidr_block = \"10.0.1.0/24\" -> \"10.0.2.0/24\" # forces replacement\n\
         !       id         = \"subnet-1\" -> (known after apply)\n\
         \x20   }"
    );
    let create = md
        .split("<details>")
        .find(|d| d.contains("aws_vpc.b</code>"))
        .unwrap();
    assert!(
        create.contains("+   resource \"aws_vpc\" \"b\" {\n+       cidr_block = \"10.1.0.0/16\"\n"),
        "{create}"
    );
    // Each <details> opens and closes, with blank lines around the fence so that both
    // GitHub and GitLab render the markdown inside.
    assert_eq!(md.matches("<details>").count(), 4);
    assert_eq!(md.matches("</summary>\n\n```diff\n").count(), 4);
    assert_eq!(md.matches("```\n\n</details>\n").count(), 4);
}

#[test]
fn diff_line_moves_the_symbol_and_keeps_the_columns() {
    assert_eq!(diff_line("      + a = 1"), "+       a = 1");
    assert_eq!(diff_line("      - a = 1 -> null"), "-       a = 1 -> null");
    assert_eq!(
        diff_line("  ~ resource \"x\" \"y\" {"),
        "!   resource \"x\" \"y\" {"
    );
    assert_eq!(
        diff_line("-/+ resource \"x\" \"y\" {"),
        "-/+ resource \"x\" \"y\" {"
    );
    assert_eq!(
        diff_line(" <= data \"x\" \"y\" {"),
        " <= data \"x\" \"y\" {"
    );
    assert_eq!(
        diff_line("  # (2 unchanged attributes hidden)"),
        "  # (2 unchanged attributes hidden)"
    );
    assert_eq!(diff_line("    }"), "    }");
    assert_eq!(diff_line("      +x"), "      +x");
    for l in ["      + a = 1", "  ~ resource", "        - \"é\","] {
        assert_eq!(diff_line(l).chars().count(), l.chars().count());
    }
}

#[test]
fn sensitive_values_never_appear() {
    let mut db = change(
        "aws_db_instance.db",
        Action::Update,
        Some(Value::map([
            ("id", Value::from("db-1")),
            ("password", Value::from("old-secret-1").sensitive()),
        ])),
        Some(Value::map([
            ("id", Value::from("db-1")),
            ("password", Value::from("new-secret-2").sensitive()),
        ])),
    );
    db.changed = vec!["password".into()];
    let mut new_db = change(
        "aws_db_instance.other",
        Action::Create,
        None,
        Some(Value::map([(
            "password",
            Value::from("new-secret-3").sensitive(),
        )])),
    );
    new_db.changed = vec![];
    let mut p = plan(vec![db, new_db]);
    p.outputs.push(OutputChange {
        name: "dsn".into(),
        action: Action::Create,
        before: None,
        after: Some(Value::from("postgres://u:new-secret-4@h/db").sensitive()),
        sensitive: true,
    });
    let md = render_plan_markdown(&p, "default");
    assert!(md.contains("!       password = (sensitive value)"), "{md}");
    for secret in [
        "old-secret-1",
        "new-secret-2",
        "new-secret-3",
        "new-secret-4",
    ] {
        assert!(!md.contains(secret), "{secret} in {md}");
    }
    assert!(md.contains("- `dsn` added"), "{md}");
}

#[test]
fn text_from_the_configuration_cannot_break_the_markup() {
    let c = change(
        "aws_vpc.v[\"<b>&`x`\"]",
        Action::Create,
        None,
        Some(Value::map([("description", Value::from("a ``` fence"))])),
    );
    let mut p = plan(vec![c]);
    p.migrations.push(MigrationChange {
        addr: "migration.schema".into(),
        database: None,
        source: "./migrations".into(),
        pending: vec![PendingMigration {
            kind: crate::migrate::MigrationKind::Versioned,
            version: Some("1".into()),
            description: "add *users* <table>".into(),
            file: "./migrations/V1__add_`users`.sql".into(),
            checksum: "0".into(),
        }],
        basis: "the database will be created, so every migration is pending".into(),
    });
    let md = render_plan_markdown(&p, "default");
    assert!(
        md.contains("<summary><code>aws_vpc.v[&quot;&lt;b&gt;&amp;`x`&quot;]</code> will be created</summary>"),
        "{md}"
    );
    // The fence is longer than the run of backticks in the value.
    assert!(md.contains("\n````diff\n"), "{md}");
    assert!(md.contains("\n````\n\n</details>"), "{md}");
    assert!(
        md.contains("- `V1` add \\*users\\* \\<table\\> (``./migrations/V1__add_`users`.sql``)"),
        "{md}"
    );
}

#[test]
fn migrations_drift_and_imports_are_listed() {
    let mut imported = change(
        "aws_vpc.legacy",
        Action::NoOp,
        None,
        obj(json!({"id": "vpc-9"})),
    );
    imported.importing = Some(Importing {
        id: "vpc-9".into(),
        object: Value::from_json(&json!({"id": "vpc-9", "cidr_block": "10.9.0.0/16"})),
    });
    let mut p = plan(vec![imported]);
    p.migrations.push(MigrationChange {
        addr: "module.database.migration.schema".into(),
        database: Some("module.database.aws_db_instance.this".into()),
        source: "./migrations".into(),
        pending: vec![
            PendingMigration {
                kind: crate::migrate::MigrationKind::Versioned,
                version: Some("2".into()),
                description: "create orders".into(),
                file: "./migrations/V2__create_orders.sql".into(),
                checksum: "0".into(),
            },
            PendingMigration {
                kind: crate::migrate::MigrationKind::Repeatable,
                version: None,
                description: "views".into(),
                file: "./migrations/R__views.sql".into(),
                checksum: "0".into(),
            },
        ],
        basis: "from the history table of postgres://db:5432/app".into(),
    });
    p.drift.push(Drift {
        addr: "aws_vpc.main".parse().unwrap(),
        before: obj(json!({"id": "vpc-1", "tags": {"Name": "a"}})),
        after: obj(json!({"id": "vpc-1", "tags": {"Name": "secret-ish"}})),
        changed: vec!["tags".into()],
    });
    p.drift.push(Drift {
        addr: "aws_subnet.gone".parse().unwrap(),
        before: obj(json!({"id": "subnet-1"})),
        after: None,
        changed: vec![],
    });
    let md = render_plan_markdown(&p, "default");
    assert!(
        md.starts_with(
            "### Plan: 1 to import, 0 to add, 0 to change, 0 to destroy, 2 migrations to run.\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("<summary><code>aws_vpc.legacy</code> will be imported</summary>"),
        "{md}"
    );
    assert!(
        md.contains(
            "#### Migrations (2 to run)\n\n`module.database.migration.schema` will run 2 migrations (from the history table of postgres://db:5432/app):\n\n- `V2` create orders (`./migrations/V2__create_orders.sql`)\n- `R` views (`./migrations/R__views.sql`)\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("#### Changed outside Terrace (2)\n\n- `aws_vpc.main` has changed: `tags`\n- `aws_subnet.gone` has been deleted\n"),
        "{md}"
    );
    // Drift lists attribute names, not values.
    assert!(!md.contains("secret-ish"), "{md}");
    assert!(!md.contains("⚠️"), "{md}");
}

#[test]
fn no_changes_is_one_line_and_the_workspace() {
    let md = render_plan_markdown(&plan(vec![]), "staging");
    assert_eq!(
        md,
        "### No changes. Your infrastructure matches the configuration.\n\nWorkspace `staging`, planned against state serial 7.\n\n"
    );
}

#[test]
fn long_plans_leave_diffs_out_and_stay_under_the_limit() {
    let changes: Vec<ResourceChange> = (0..400)
        .map(|i| {
            change(
                &format!("aws_vpc.v{i:03}"),
                Action::Create,
                None,
                Some(Value::map([
                    ("cidr_block", Value::from("10.0.0.0/16")),
                    ("tags", Value::map([("Name", Value::from("x".repeat(200)))])),
                ])),
            )
        })
        .collect();
    let p = plan(changes);
    let limit = 20_000;
    let md = render_with_limit(&p, "default", limit);
    assert!(md.chars().count() <= limit, "{}", md.chars().count());
    let with_diff = md.matches("<details>").count();
    assert!(with_diff > 0 && with_diff < 400, "{with_diff}");
    let listed = md
        .lines()
        .filter(|l| l.starts_with("- <code>aws_vpc.v"))
        .count();
    let rest: usize = md
        .lines()
        .find_map(|l| l.strip_prefix("- … and "))
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .unwrap_or(0);
    // Every change is accounted for: with its diff, listed, or counted.
    assert_eq!(with_diff + listed + rest, 400, "{md}");
    assert!(
        md.contains(&format!(
            "The diffs of the {} changes below are left out",
            400 - with_diff
        )),
        "{md}"
    );
    // The full text fits the default limit with every diff.
    let small = plan(p.changes[..3].to_vec());
    assert_eq!(
        render_plan_markdown(&small, "default")
            .matches("<details>")
            .count(),
        3
    );
}

#[test]
fn refresh_only_plans_list_the_drift_and_no_actions() {
    let mut p = plan(vec![change(
        "aws_vpc.main",
        Action::NoOp,
        obj(json!({"id": "vpc-1"})),
        obj(json!({"id": "vpc-1"})),
    )]);
    p.refresh_only = true;
    p.drift.push(Drift {
        addr: "aws_vpc.main".parse().unwrap(),
        before: obj(json!({"id": "vpc-1", "tags": {}})),
        after: obj(json!({"id": "vpc-1", "tags": {"Owner": "x"}})),
        changed: vec!["tags".into()],
    });
    let md = render_plan_markdown(&p, "default");
    assert!(
        md.starts_with("### Refresh-only plan: 1 object changed outside Terrace, 0 outputs changed; applying records them in the state.\n"),
        "{md}"
    );
    assert!(
        md.contains("- `aws_vpc.main` has changed: `tags`\n"),
        "{md}"
    );
    assert!(md.contains("changes nothing in the cloud"), "{md}");
    assert!(!md.contains("<details>"), "{md}");
}
