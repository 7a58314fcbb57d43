//! RDS: `aws_db_instance`, `aws_db_subnet_group`, `aws_db_parameter_group`.
//!
//! Source: terraform-provider-aws `internal/service/rds/instance.go`, `subnet_group.go`,
//! `parameter_group.go`, `validate.go`.

use super::builder::{arn, boolean, list_of_strings, number, set_of_strings, string};
use super::{AttrSchema as A, BlockSchema, ResourceSchema, Validator as V};
use crate::eval::{format_number, Type, Value};

pub(super) fn schemas() -> Vec<ResourceSchema> {
    vec![db_instance(), db_subnet_group(), db_parameter_group()]
}

/// Engines `CreateDBInstance` accepts.
pub(super) const ENGINES: &[&str] = &[
    "aurora-mysql",
    "aurora-postgresql",
    "custom-oracle-ee",
    "custom-oracle-ee-cdb",
    "custom-oracle-se2",
    "custom-oracle-se2-cdb",
    "custom-sqlserver-dev",
    "custom-sqlserver-ee",
    "custom-sqlserver-se",
    "custom-sqlserver-web",
    "db2-ae",
    "db2-se",
    "mariadb",
    "mysql",
    "oracle-ee",
    "oracle-ee-cdb",
    "oracle-se2",
    "oracle-se2-cdb",
    "postgres",
    "sqlserver-dev-ee",
    "sqlserver-ee",
    "sqlserver-ex",
    "sqlserver-se",
    "sqlserver-web",
];

const STORAGE_TYPES: &[&str] = &["standard", "gp2", "gp3", "io1", "io2"];

// ----------------------------------------------------------------------------------------------
// Name rules (`validate.go`).

fn text(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Shared rules of RDS names: allowed characters, first character a letter, no `--`, and
/// optionally no trailing hyphen; at most `max` characters.
fn name_rules(
    s: &str,
    max: usize,
    allowed: fn(char) -> bool,
    allowed_desc: &str,
    check_end: bool,
) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".to_string());
    }
    if s.chars().count() > max {
        return Err(format!("cannot be longer than {max} characters"));
    }
    if !s.chars().all(allowed) {
        return Err(format!("only {allowed_desc} allowed"));
    }
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err("first character must be a letter".to_string());
    }
    if s.contains("--") {
        return Err("cannot contain two consecutive hyphens".to_string());
    }
    if check_end && s.ends_with('-') {
        return Err("cannot end with a hyphen".to_string());
    }
    Ok(())
}

fn lower_alnum_hyphen(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

const LOWER_ALNUM_HYPHEN: &str = "lowercase alphanumeric characters and hyphens";

/// `validIdentifier`: DB instance identifier, at most 63 characters.
pub(super) fn db_identifier(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| {
        name_rules(s, 63, lower_alnum_hyphen, LOWER_ALNUM_HYPHEN, true)
    })
}

/// `validIdentifierPrefix`: leaves room for the 26-character unique suffix.
fn db_identifier_prefix(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| {
        name_rules(s, 63 - 26, lower_alnum_hyphen, LOWER_ALNUM_HYPHEN, false)
    })
}

fn final_snapshot_identifier(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| {
        name_rules(
            s,
            255,
            |c| c.is_ascii_alphanumeric() || c == '-',
            "alphanumeric characters and hyphens",
            true,
        )
    })
}

fn subnet_group_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || "_ .-".contains(c)
}

fn subnet_group_rules(s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() || !s.chars().all(subnet_group_char) {
        return Err(
            "only lowercase alphanumeric characters, hyphens, underscores, periods, and spaces \
             allowed"
                .to_string(),
        );
    }
    if s.chars().count() > max {
        return Err(format!("cannot be longer than {max} characters"));
    }
    Ok(())
}

/// `validSubnetGroupName`.
fn subnet_group_name(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| {
        subnet_group_rules(s, 255)?;
        if s.eq_ignore_ascii_case("default") {
            return Err("\"default\" is not allowed as a DB subnet group name".to_string());
        }
        Ok(())
    })
}

/// `validSubnetGroupNamePrefix`.
fn subnet_group_name_prefix(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| subnet_group_rules(s, 255 - 26))
}

/// `validParamGroupName`: lowercase letters, digits, periods and hyphens.
fn param_group_name(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| {
        name_rules(
            s,
            255,
            |c| lower_alnum_hyphen(c) || c == '.',
            "lowercase alphanumeric characters, periods, and hyphens",
            true,
        )
    })
}

/// `validParamGroupNamePrefix`.
fn param_group_name_prefix(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| {
        name_rules(s, 255 - 26, lower_alnum_hyphen, LOWER_ALNUM_HYPHEN, false)
    })
}

// ----------------------------------------------------------------------------------------------
// Time windows (`verify.ValidOnceADayWindowFormat`, `ValidOnceAWeekWindowFormat`).

fn is_hh_mm(s: &str) -> bool {
    let Some((h, m)) = s.split_once(':') else {
        return false;
    };
    let two_digits = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
    two_digits(h)
        && two_digits(m)
        && h.parse::<u8>().is_ok_and(|h| h < 24)
        && m.parse::<u8>().is_ok_and(|m| m < 60)
}

fn is_day_hh_mm(s: &str) -> bool {
    const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    match s.split_once(':') {
        Some((d, rest)) => DAYS.contains(&d.to_ascii_lowercase().as_str()) && is_hh_mm(rest),
        None => false,
    }
}

/// `hh24:mi-hh24:mi` in UTC, e.g. `09:46-10:16`.
pub(super) fn daily_window(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| match s.split_once('-') {
        Some((a, b)) if is_hh_mm(a) && is_hh_mm(b) => Ok(()),
        _ => Err(format!(
            "{s:?} must satisfy the format of \"hh24:mi-hh24:mi\" (like \"09:46-10:16\")"
        )),
    })
}

/// `ddd:hh24:mi-ddd:hh24:mi` in UTC, e.g. `Mon:00:00-Mon:03:00`.
pub(super) fn weekly_window(v: &Value) -> Result<(), String> {
    text(v).map_or(Ok(()), |s| match s.split_once('-') {
        Some((a, b)) if is_day_hh_mm(a) && is_day_hh_mm(b) => Ok(()),
        _ => Err(format!(
            "{s:?} must satisfy the format of \"ddd:hh24:mi-ddd:hh24:mi\" (like \
             \"Mon:00:00-Mon:03:00\")"
        )),
    })
}

/// The engine, in any letter case (the API is case-insensitive; state keeps lower case).
fn engine_name(v: &Value) -> Result<(), String> {
    match text(v) {
        Some(s) if !ENGINES.contains(&s.to_ascii_lowercase().as_str()) => Err(format!(
            "expected one of {}; got {s:?}",
            ENGINES
                .iter()
                .map(|e| format!("{e:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Ok(()),
    }
}

/// Enhanced monitoring interval in seconds.
fn monitoring_interval(v: &Value) -> Result<(), String> {
    match v.as_f64() {
        Some(n) if ![0.0, 1.0, 5.0, 10.0, 15.0, 30.0, 60.0].contains(&n) => Err(format!(
            "expected one of 0, 1, 5, 10, 15, 30, 60; got {}",
            format_number(n)
        )),
        _ => Ok(()),
    }
}

fn custom_iam_instance_profile(v: &Value) -> Result<(), String> {
    match text(v) {
        Some(s) if !s.starts_with("AWSRDSCustom") => Err("must begin with AWSRDSCustom".into()),
        _ => Ok(()),
    }
}

// ----------------------------------------------------------------------------------------------
// Schemas.

fn db_instance() -> ResourceSchema {
    ResourceSchema::managed("aws_db_instance")
        .attrs(vec![
            A::computed("address", string()),
            A::optional_computed("allocated_storage", number()).validate(V::IntRange(5, 65536)),
            A::optional("allow_major_version_upgrade", boolean()),
            A::optional("apply_immediately", boolean()).default(false),
            arn(),
            A::optional("auto_minor_version_upgrade", boolean()).default(true),
            A::optional_computed("availability_zone", string()).force_new(),
            A::optional_computed("backup_retention_period", number()).validate(V::IntRange(0, 35)),
            A::optional_computed("backup_target", string())
                .force_new()
                .validate(V::OneOf(&["region", "outposts"])),
            A::optional_computed("backup_window", string()).validate(V::Custom(daily_window)),
            A::optional_computed("ca_cert_identifier", string()),
            A::optional_computed("character_set_name", string()).force_new(),
            A::optional("copy_tags_to_snapshot", boolean()).default(false),
            A::optional("custom_iam_instance_profile", string())
                .force_new()
                .validate(V::Custom(custom_iam_instance_profile)),
            A::optional("customer_owned_ip_enabled", boolean()),
            A::optional_computed("database_insights_mode", string())
                .validate(V::OneOf(&["standard", "advanced"])),
            A::optional_computed("db_name", string())
                .force_new()
                .conflicts(&["replicate_source_db"]),
            A::optional_computed("db_subnet_group_name", string()),
            A::optional("dedicated_log_volume", boolean()),
            A::optional("delete_automated_backups", boolean()).default(true),
            A::optional("deletion_protection", boolean()),
            A::optional("domain", string()),
            A::optional("domain_auth_secret_arn", string()),
            A::optional("domain_dns_ips", list_of_strings()),
            A::optional_computed("domain_fqdn", string()),
            A::optional("domain_iam_role_name", string()),
            A::optional("domain_ou", string()),
            A::optional("enabled_cloudwatch_logs_exports", set_of_strings()).validate(V::OneOf(&[
                "agent",
                "alert",
                "audit",
                "diag.log",
                "error",
                "general",
                "iam-db-auth-error",
                "listener",
                "notify.log",
                "oemagent",
                "postgresql",
                "slowquery",
                "trace",
                "upgrade",
            ])),
            A::computed("endpoint", string()),
            // The provider lower-cases the engine in state (`StateFunc`), and the API takes
            // any case, so configuration may write e.g. "MySQL".
            A::optional_computed("engine", string())
                .force_new()
                .validate(V::Custom(engine_name)),
            A::optional_computed("engine_lifecycle_support", string()).validate(V::OneOf(&[
                "open-source-rds-extended-support",
                "open-source-rds-extended-support-disabled",
            ])),
            A::optional_computed("engine_version", string()),
            A::computed("engine_version_actual", string()),
            A::optional("final_snapshot_identifier", string())
                .validate(V::Custom(final_snapshot_identifier)),
            A::computed("hosted_zone_id", string()),
            A::optional("iam_database_authentication_enabled", boolean()),
            // Renaming is an in-place update since provider v5.
            A::optional_computed("identifier", string())
                .validate(V::Custom(db_identifier))
                .conflicts(&["identifier_prefix"]),
            A::optional_computed("identifier_prefix", string())
                .validate(V::Custom(db_identifier_prefix))
                .conflicts(&["identifier"]),
            A::required("instance_class", string()),
            A::optional_computed("iops", number()),
            A::optional_computed("kms_key_id", string()).force_new(),
            A::computed("latest_restorable_time", string()),
            A::optional_computed("license_model", string()),
            A::computed(
                "listener_endpoint",
                Type::list(Type::object(&[
                    ("address", string()),
                    ("hosted_zone_id", string()),
                    ("port", number()),
                ])),
            ),
            A::optional_computed("maintenance_window", string()).validate(V::Custom(weekly_window)),
            A::optional("manage_master_user_password", boolean())
                .conflicts(&["password", "password_wo"]),
            A::computed(
                "master_user_secret",
                Type::list(Type::object(&[
                    ("kms_key_id", string()),
                    ("secret_arn", string()),
                    ("secret_status", string()),
                ])),
            ),
            A::optional_computed("master_user_secret_kms_key_id", string())
                .validate(V::StringLen(1, 2048)),
            A::optional("max_allocated_storage", number()).validate(V::IntRange(0, 65536)),
            A::optional("monitoring_interval", number())
                .default(0_i64)
                .validate(V::Custom(monitoring_interval)),
            A::optional_computed("monitoring_role_arn", string()),
            A::optional_computed("multi_az", boolean()),
            A::optional_computed("nchar_character_set_name", string()).force_new(),
            A::optional_computed("network_type", string()).validate(V::OneOf(&["IPV4", "DUAL"])),
            A::optional_computed("option_group_name", string()),
            A::optional_computed("parameter_group_name", string()),
            A::optional("password", string())
                .sensitive()
                .conflicts(&["manage_master_user_password", "password_wo"]),
            // Write-only (Terraform 1.11+): sent to the API, never kept in plan or state.
            A::optional("password_wo", string())
                .sensitive()
                .conflicts(&["manage_master_user_password", "password"]),
            A::optional("password_wo_version", number()),
            A::optional("performance_insights_enabled", boolean()).default(false),
            A::optional_computed("performance_insights_kms_key_id", string()),
            A::optional_computed("performance_insights_retention_period", number()),
            A::optional_computed("port", number()).validate(V::IntRange(1150, 65535)),
            A::optional("publicly_accessible", boolean()).default(false),
            A::optional_computed("replica_mode", string())
                .validate(V::OneOf(&["open-read-only", "mounted"])),
            A::computed("replicas", list_of_strings()),
            A::optional("replicate_source_db", string()),
            A::computed("resource_id", string()),
            A::optional("skip_final_snapshot", boolean()).default(false),
            A::optional_computed("snapshot_identifier", string()).force_new(),
            A::computed("status", string()),
            A::optional("storage_encrypted", boolean()).force_new(),
            A::optional_computed("storage_throughput", number()),
            A::optional_computed("storage_type", string()).validate(V::OneOf(STORAGE_TYPES)),
            A::optional_computed("timezone", string()).force_new(),
            A::optional("upgrade_storage_config", boolean()),
            A::optional_computed("username", string())
                .force_new()
                .conflicts(&["replicate_source_db"]),
            A::optional_computed("vpc_security_group_ids", set_of_strings()),
        ])
        .blocks(vec![
            BlockSchema::list("blue_green_update", vec![A::optional("enabled", boolean())])
                .max_items(1),
            BlockSchema::list(
                "restore_to_point_in_time",
                vec![
                    A::optional("restore_time", string())
                        .conflicts(&["use_latest_restorable_time"]),
                    A::optional("source_db_instance_automated_backups_arn", string()),
                    A::optional("source_db_instance_identifier", string()),
                    A::optional("source_dbi_resource_id", string()),
                    A::optional("use_latest_restorable_time", boolean())
                        .conflicts(&["restore_time"]),
                ],
            )
            .max_items(1)
            .force_new(),
            BlockSchema::list(
                "s3_import",
                vec![
                    A::required("bucket_name", string()).force_new(),
                    A::optional("bucket_prefix", string()).force_new(),
                    A::required("ingestion_role", string()).force_new(),
                    A::required("source_engine", string()).force_new(),
                    A::required("source_engine_version", string()).force_new(),
                ],
            )
            .max_items(1),
        ])
        .tagged()
        .timeouts(&["create", "update", "delete"])
        .build()
}

fn db_subnet_group() -> ResourceSchema {
    ResourceSchema::managed("aws_db_subnet_group")
        .attrs(vec![
            arn(),
            A::optional("description", string()).default("Managed by Terraform"),
            A::optional_computed("name", string())
                .force_new()
                .validate(V::Custom(subnet_group_name))
                .conflicts(&["name_prefix"]),
            A::optional_computed("name_prefix", string())
                .force_new()
                .validate(V::Custom(subnet_group_name_prefix))
                .conflicts(&["name"]),
            A::required("subnet_ids", set_of_strings()),
            A::computed("supported_network_types", set_of_strings()),
            A::computed("vpc_id", string()),
        ])
        .tagged()
        .build()
}

fn db_parameter_group() -> ResourceSchema {
    ResourceSchema::managed("aws_db_parameter_group")
        .attrs(vec![
            arn(),
            A::optional("description", string())
                .force_new()
                .default("Managed by Terraform"),
            A::required("family", string()).force_new(),
            A::optional_computed("name", string())
                .force_new()
                .validate(V::Custom(param_group_name))
                .conflicts(&["name_prefix"]),
            A::optional_computed("name_prefix", string())
                .force_new()
                .validate(V::Custom(param_group_name_prefix))
                .conflicts(&["name"]),
            A::optional("skip_destroy", boolean()).default(false),
        ])
        .blocks(vec![BlockSchema::set(
            "parameter",
            vec![
                A::optional("apply_method", string())
                    .default("immediate")
                    .validate(V::OneOf(&["immediate", "pending-reboot"])),
                A::required("name", string()),
                A::required("value", string()),
            ],
        )])
        .tagged()
        .build()
}

#[cfg(test)]
mod tests {
    use super::super::{resource, Nesting, Presence};
    use super::*;

    fn check(t: &str, attr: &str, v: Value) -> Result<(), String> {
        let a = resource(t).unwrap().attr(attr).unwrap();
        a.validators.iter().try_for_each(|val| val.check(&v))
    }

    #[test]
    fn db_instance_flags() {
        let db = resource("aws_db_instance").unwrap();
        assert!(db.taggable);
        assert_eq!(db.timeouts, &["create", "update", "delete"]);
        assert!(db.attr("engine").unwrap().force_new);
        assert!(!db.attr("instance_class").unwrap().force_new);
        assert!(db.attr("instance_class").unwrap().is_required());
        assert!(!db.attr("identifier").unwrap().force_new);
        assert!(db.attr("username").unwrap().force_new);
        assert!(db.attr("storage_encrypted").unwrap().force_new);
        assert!(db.attr("kms_key_id").unwrap().force_new);
        assert!(!db.attr("allocated_storage").unwrap().force_new);
        let pw = db.attr("password").unwrap();
        assert!(pw.sensitive && pw.presence == Presence::Optional);
        assert_eq!(
            pw.conflicts_with,
            &["manage_master_user_password", "password_wo"]
        );
        let wo = db.attr("password_wo").unwrap();
        assert!(wo.sensitive && wo.presence == Presence::Optional);
        for name in [
            "address",
            "endpoint",
            "arn",
            "hosted_zone_id",
            "resource_id",
            "status",
        ] {
            assert_eq!(
                db.attr(name).unwrap().presence,
                Presence::Computed,
                "{name}"
            );
        }
        assert_eq!(
            db.attr("skip_final_snapshot").unwrap().default,
            Some(Value::Bool(false))
        );
        assert!(db.requires_replace(&["restore_to_point_in_time", "restore_time"]));
    }

    #[test]
    fn db_instance_validators() {
        let t = "aws_db_instance";
        for good in ["mysql", "postgres", "mariadb", "oracle-se2", "sqlserver-ex"] {
            assert_eq!(check(t, "engine", good.into()), Ok(()), "{good}");
        }
        // The API takes engines in any case; the provider lower-cases them in state.
        for good in ["MySQL", "Postgres", "MariaDB"] {
            assert_eq!(check(t, "engine", good.into()), Ok(()), "{good}");
        }
        assert!(check(t, "database_insights_mode", "advanced".into()).is_ok());
        assert!(check(t, "database_insights_mode", "full".into()).is_err());
        assert!(check(t, "engine", "mongodb".into())
            .unwrap_err()
            .starts_with("expected one of \"aurora-mysql\""));
        assert!(check(t, "storage_type", "gp3".into()).is_ok());
        assert!(check(t, "storage_type", "ssd".into()).is_err());
        assert!(check(t, "allocated_storage", Value::Number(20.0)).is_ok());
        assert!(check(t, "allocated_storage", Value::Number(1.0)).is_err());
        assert!(check(t, "allocated_storage", Value::Number(70000.0)).is_err());
        assert!(check(t, "backup_retention_period", Value::Number(36.0)).is_err());
        assert!(check(t, "port", Value::Number(5432.0)).is_ok());
        assert!(check(t, "port", Value::Number(80.0)).is_err());
        assert!(check(t, "monitoring_interval", Value::Number(60.0)).is_ok());
        assert_eq!(
            check(t, "monitoring_interval", Value::Number(2.0)).unwrap_err(),
            "expected one of 0, 1, 5, 10, 15, 30, 60; got 2"
        );
        assert!(check(t, "backup_window", "09:46-10:16".into()).is_ok());
        assert!(check(t, "backup_window", "9:46-10:16".into()).is_err());
        assert!(check(t, "backup_window", "24:00-01:00".into()).is_err());
        assert!(check(t, "maintenance_window", "Mon:00:00-Mon:03:00".into()).is_ok());
        assert!(check(t, "maintenance_window", "sun:23:30-mon:00:30".into()).is_ok());
        assert!(check(t, "maintenance_window", "Funday:00:00-Mon:03:00".into()).is_err());
        assert!(check(t, "final_snapshot_identifier", "final-Snap-1".into()).is_ok());
        assert!(check(t, "final_snapshot_identifier", "1final".into()).is_err());
        assert!(check(
            t,
            "enabled_cloudwatch_logs_exports",
            Value::set(vec!["error".into()])
        )
        .is_ok());
        // A sensitive password is accepted and never validated into a message.
        assert!(check(t, "password", Value::from("p4ssw0rd!").sensitive()).is_ok());
    }

    #[test]
    fn identifier_format() {
        let t = "aws_db_instance";
        for good in ["db", "my-db-1", "a", &"a".repeat(63)] {
            assert_eq!(check(t, "identifier", good.into()), Ok(()), "{good}");
        }
        let cases = [
            (
                "MyDB",
                "only lowercase alphanumeric characters and hyphens allowed",
            ),
            (
                "my_db",
                "only lowercase alphanumeric characters and hyphens allowed",
            ),
            ("1db", "first character must be a letter"),
            ("-db", "first character must be a letter"),
            ("my--db", "cannot contain two consecutive hyphens"),
            ("mydb-", "cannot end with a hyphen"),
            ("", "must not be empty"),
        ];
        for (bad, msg) in cases {
            assert_eq!(
                check(t, "identifier", bad.into()).unwrap_err(),
                msg,
                "{bad}"
            );
        }
        assert_eq!(
            check(t, "identifier", "a".repeat(64).as_str().into()).unwrap_err(),
            "cannot be longer than 63 characters"
        );
        assert_eq!(check(t, "identifier_prefix", "app-".into()), Ok(()));
        assert!(check(t, "identifier_prefix", "a".repeat(38).as_str().into()).is_err());
        assert_eq!(check(t, "identifier", Value::Unknown), Ok(()));
    }

    #[test]
    fn subnet_and_parameter_groups() {
        let sg = resource("aws_db_subnet_group").unwrap();
        assert!(sg.attr("subnet_ids").unwrap().is_required());
        assert!(!sg.attr("description").unwrap().force_new);
        assert!(check("aws_db_subnet_group", "name", "main db_group.1".into()).is_ok());
        assert!(check("aws_db_subnet_group", "name", "Main".into()).is_err());
        assert!(check("aws_db_subnet_group", "name", "default".into()).is_err());

        let pg = resource("aws_db_parameter_group").unwrap();
        assert!(pg.attr("family").unwrap().force_new);
        assert!(pg.attr("description").unwrap().force_new);
        let p = pg.block("parameter").unwrap();
        assert_eq!(p.nesting, Nesting::Set);
        let names: Vec<_> = p.body.attrs.iter().map(|a| a.name).collect();
        assert_eq!(names, ["apply_method", "name", "value"]);
        let am = p.body.attr("apply_method").unwrap();
        assert_eq!(am.default, Some(Value::from("immediate")));
        assert!(am.validators[0].check(&"pending-reboot".into()).is_ok());
        assert!(am.validators[0].check(&"later".into()).is_err());
        assert!(check("aws_db_parameter_group", "name", "pg.mysql-8".into()).is_ok());
        assert!(check("aws_db_parameter_group", "name", "pg_mysql".into()).is_err());
    }
}
