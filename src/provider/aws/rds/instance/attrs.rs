//! An `aws_db_instance`'s attributes from DescribeDBInstances over a base value. What the API
//! never returns ([`INSTANCE_KEPT`]) comes from the base; a configured engine version or
//! replica source keeps its spelling when the API's value matches it.

use crate::eval::Value;
use crate::provider::aws::common::{get_bool, get_str, vb, vn, vs, vs_nonempty, vset, Obj};
use aws_sdk_rds::primitives::DateTimeFormat;
use aws_sdk_rds::types::{DatabaseInsightsMode, DbInstance, ReplicaMode};

/// Attributes the API never returns: kept from the configuration or prior value.
const INSTANCE_KEPT: &[&str] = &[
    "allow_major_version_upgrade",
    "apply_immediately",
    "blue_green_update",
    "delete_automated_backups",
    "final_snapshot_identifier",
    "identifier_prefix",
    "password",
    // `password_wo` is write-only: never kept. Its version is what plans compare.
    "password_wo_version",
    "restore_to_point_in_time",
    "s3_import",
    "skip_final_snapshot",
    "snapshot_identifier",
    "upgrade_storage_config",
];

/// The instance's attributes from the API over `base` (configuration or prior value); tags
/// are set by the caller.
pub(super) fn instance_obj(db: &DbInstance, base: &Value) -> Obj {
    let mut m = Obj::new();
    for k in INSTANCE_KEPT {
        if let Some(v) = base.get_attr(k) {
            m.insert((*k).to_string(), v.clone());
        }
    }
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    let id = db.db_instance_identifier().unwrap_or_default();
    put("id", Value::from(id));
    put("identifier", Value::from(id));
    put("arn", vs(db.db_instance_arn()));
    put("resource_id", vs(db.dbi_resource_id()));
    put("status", vs(db.db_instance_status()));
    put("instance_class", vs(db.db_instance_class()));
    put(
        "engine",
        db.engine()
            .map_or(Value::Null, |e| Value::from(e.to_lowercase().as_str())),
    );
    let actual_version = db.engine_version();
    put("engine_version_actual", vs(actual_version));
    // A configured `16` matches an actual `16.3`: keep what was configured.
    let version = match (get_str(base, "engine_version"), actual_version) {
        (Some(want), Some(have)) if have == want || have.starts_with(&format!("{want}.")) => {
            Value::from(want.as_str())
        }
        (_, have) => vs(have),
    };
    put("engine_version", version);
    put("username", vs(db.master_username()));
    put("db_name", vs(db.db_name()));
    put("allocated_storage", vn(db.allocated_storage()));
    put("max_allocated_storage", vn(db.max_allocated_storage()));
    put("storage_type", vs(db.storage_type()));
    put("iops", vn(db.iops()));
    put("storage_throughput", vn(db.storage_throughput()));
    put("storage_encrypted", vb(db.storage_encrypted()));
    put("kms_key_id", vs(db.kms_key_id()));
    put("availability_zone", vs(db.availability_zone()));
    put("multi_az", vb(db.multi_az()));
    put("publicly_accessible", vb(db.publicly_accessible()));
    put("backup_retention_period", vn(db.backup_retention_period()));
    put("backup_window", vs(db.preferred_backup_window()));
    put("backup_target", vs(db.backup_target()));
    put("maintenance_window", vs(db.preferred_maintenance_window()));
    put(
        "auto_minor_version_upgrade",
        vb(db.auto_minor_version_upgrade()),
    );
    put("copy_tags_to_snapshot", vb(db.copy_tags_to_snapshot()));
    put("deletion_protection", vb(db.deletion_protection()));
    put("license_model", vs(db.license_model()));
    put("character_set_name", vs(db.character_set_name()));
    put(
        "nchar_character_set_name",
        vs(db.nchar_character_set_name()),
    );
    put("timezone", vs(db.timezone()));
    put("ca_cert_identifier", vs(db.ca_certificate_identifier()));
    put("network_type", vs(db.network_type()));
    put("monitoring_interval", vn(db.monitoring_interval()));
    put("monitoring_role_arn", vs(db.monitoring_role_arn()));
    put(
        "iam_database_authentication_enabled",
        vb(db.iam_database_authentication_enabled()),
    );
    put(
        "performance_insights_enabled",
        vb(db.performance_insights_enabled()),
    );
    put(
        "performance_insights_kms_key_id",
        vs(db.performance_insights_kms_key_id()),
    );
    put(
        "performance_insights_retention_period",
        vn(db.performance_insights_retention_period()),
    );
    put(
        "enabled_cloudwatch_logs_exports",
        vset(db.enabled_cloudwatch_logs_exports()),
    );
    put(
        "custom_iam_instance_profile",
        vs(db.custom_iam_instance_profile()),
    );
    put(
        "customer_owned_ip_enabled",
        vb(db.customer_owned_ip_enabled()),
    );
    put(
        "replica_mode",
        vs(db.replica_mode().map(ReplicaMode::as_str)),
    );
    put(
        "replicas",
        Value::List(
            db.read_replica_db_instance_identifiers()
                .iter()
                .map(|s| Value::from(s.as_str()))
                .collect(),
        ),
    );
    // A source given as an ARN stays as written.
    let source = db.read_replica_source_db_instance_identifier();
    let source = match (get_str(base, "replicate_source_db"), source) {
        (Some(want), Some(have)) if want.ends_with(&format!(":{have}")) => {
            Value::from(want.as_str())
        }
        (_, have) => vs(have),
    };
    put("replicate_source_db", source);
    put(
        "db_subnet_group_name",
        vs(db.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
    );
    put(
        "parameter_group_name",
        vs(db
            .db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name())),
    );
    put(
        "option_group_name",
        vs(db
            .option_group_memberships()
            .first()
            .and_then(|g| g.option_group_name())),
    );
    put(
        "vpc_security_group_ids",
        vset(
            db.vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id()),
        ),
    );
    let domain = db.domain_memberships().first();
    put("domain", vs(domain.and_then(|d| d.domain())));
    put(
        "domain_iam_role_name",
        vs(domain.and_then(|d| d.iam_role_name())),
    );
    put("domain_fqdn", vs(domain.and_then(|d| d.fqdn())));
    put("domain_ou", vs(domain.and_then(|d| d.ou())));
    put(
        "domain_auth_secret_arn",
        vs(domain.and_then(|d| d.auth_secret_arn())),
    );
    put(
        "domain_dns_ips",
        match domain.map(|d| d.dns_ips()).filter(|ips| !ips.is_empty()) {
            Some(ips) => Value::List(ips.iter().map(|ip| Value::from(ip.as_str())).collect()),
            None => Value::Null,
        },
    );
    put(
        "database_insights_mode",
        vs(db
            .database_insights_mode()
            .map(DatabaseInsightsMode::as_str)),
    );
    put("dedicated_log_volume", vb(db.dedicated_log_volume()));
    put(
        "engine_lifecycle_support",
        vs(db.engine_lifecycle_support()),
    );
    put(
        "latest_restorable_time",
        vs(db
            .latest_restorable_time()
            .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
            .as_deref()),
    );
    // Endpoint.
    let ep = db.endpoint();
    let address = ep.and_then(|e| e.address());
    let port = ep
        .and_then(|e| e.port())
        .or(db.db_instance_port().filter(|p| *p > 0));
    put("address", vs_nonempty(address));
    put("port", vn(port));
    put("hosted_zone_id", vs(ep.and_then(|e| e.hosted_zone_id())));
    put(
        "endpoint",
        match (address, port) {
            (Some(a), Some(p)) if !a.is_empty() => Value::from(format!("{a}:{p}").as_str()),
            _ => Value::Null,
        },
    );
    put(
        "listener_endpoint",
        Value::List(
            db.listener_endpoint()
                .map(|e| {
                    Value::map([
                        ("address", vs(e.address())),
                        ("hosted_zone_id", vs(e.hosted_zone_id())),
                        ("port", vn(e.port())),
                    ])
                })
                .into_iter()
                .collect(),
        ),
    );
    // Managed master password.
    match db.master_user_secret() {
        Some(s) => {
            put("manage_master_user_password", Value::Bool(true));
            put("master_user_secret_kms_key_id", vs(s.kms_key_id()));
            put(
                "master_user_secret",
                Value::List(vec![Value::map([
                    ("kms_key_id", vs(s.kms_key_id())),
                    ("secret_arn", vs(s.secret_arn())),
                    ("secret_status", vs(s.secret_status())),
                ])]),
            );
        }
        None => {
            let keep = get_bool(base, "manage_master_user_password").filter(|b| !*b);
            put("manage_master_user_password", vb(keep));
            put("master_user_secret_kms_key_id", Value::Null);
            put("master_user_secret", Value::List(Vec::new()));
        }
    }
    m
}
