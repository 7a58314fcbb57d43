//! Changing an `aws_db_instance` in place: tags first (the ARN changes with a rename), then
//! one ModifyDBInstance call with every changed argument, then a wait that, with
//! `apply_immediately`, also waits out the pending modifications asked for.

use super::super::common::*;
use super::attrs::instance_obj;
use super::{describe_instance, nonempty, wait_available, INSTANCE};
use crate::eval::Value;
use crate::provider::aws::common::{
    finish_resource, get_bool, get_i32, get_nonempty, get_strs, prior_tags, set_tags_created,
};
use crate::provider::aws::AwsClients;
use crate::provider::{ProviderError, UpdateRequest};
use aws_sdk_rds::types::{
    CloudwatchLogsExportConfiguration, DatabaseInsightsMode, DbInstance, ReplicaMode,
};
use std::collections::BTreeSet;
use std::time::Instant;

/// Whether a modification of one of `changed` is still pending on the instance.
fn modification_pending(db: &DbInstance, changed: &[String]) -> bool {
    let Some(p) = db.pending_modified_values() else {
        return false;
    };
    changed.iter().any(|k| match k.as_str() {
        "instance_class" => p.db_instance_class().is_some(),
        "allocated_storage" => p.allocated_storage().is_some(),
        "storage_type" => p.storage_type().is_some(),
        "iops" => p.iops().is_some(),
        "storage_throughput" => p.storage_throughput().is_some(),
        "multi_az" => p.multi_az().is_some(),
        "port" => p.port().is_some(),
        "identifier" => p.db_instance_identifier().is_some(),
        "engine_version" => p.engine_version().is_some(),
        "backup_retention_period" => p.backup_retention_period().is_some(),
        "password" | "password_wo_version" => p.master_user_password().is_some(),
        "ca_cert_identifier" => p.ca_certificate_identifier().is_some(),
        "db_subnet_group_name" => p.db_subnet_group_name().is_some(),
        "license_model" => p.license_model().is_some(),
        "iam_database_authentication_enabled" => p.iam_database_authentication_enabled().is_some(),
        _ => false,
    })
}

pub(crate) async fn update(
    c: &AwsClients,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let start_at = Instant::now();
    let changed = |k: &str| req.changed.iter().any(|x| x == k);
    let apply_now = get_bool(cfg, "apply_immediately").unwrap_or(false);

    // Tags first: the ARN changes with a rename.
    let arn = match get_nonempty(req.prior, "arn") {
        Some(a) => a,
        None => describe_instance(c, req.id)
            .await?
            .and_then(|db| db.db_instance_arn().map(str::to_string))
            .ok_or_else(|| ProviderError::NotFound {
                what: format!("{INSTANCE} {}", req.id),
            })?,
    };
    sync_tags(&c.rds, &arn, &prior_tags(req.prior), req.tags).await?;

    let s = |k: &str| get_nonempty(cfg, k);
    let n = |k: &str| get_i32(cfg, k);
    let b = |k: &str| get_bool(cfg, k).unwrap_or(false);
    let mut m = c
        .rds
        .modify_db_instance()
        .db_instance_identifier(req.id)
        .apply_immediately(apply_now);
    let mut any = false;
    macro_rules! when {
        ($attr:literal, $value:expr, $setter:ident) => {
            if changed($attr) {
                if let Some(v) = $value {
                    m = m.$setter(v);
                    any = true;
                }
            }
        };
    }
    when!("instance_class", s("instance_class"), db_instance_class);
    when!(
        "allocated_storage",
        n("allocated_storage"),
        allocated_storage
    );
    when!(
        "max_allocated_storage",
        Some(n("max_allocated_storage").unwrap_or(0)),
        max_allocated_storage
    );
    if changed("storage_type") || changed("iops") || changed("storage_throughput") {
        // io1/io2/gp3 changes need the related storage settings in the same request.
        if let Some(t) = s("storage_type") {
            m = m.storage_type(t);
        }
        if let Some(i) = n("iops") {
            m = m.iops(i);
        }
        if let Some(t) = n("storage_throughput") {
            m = m.storage_throughput(t);
        }
        any = true;
    }
    if changed("engine_version") {
        if let Some(v) = s("engine_version") {
            m = m
                .engine_version(v)
                .allow_major_version_upgrade(b("allow_major_version_upgrade"));
            any = true;
        }
    }
    when!("password", s("password"), master_user_password);
    // A write-only password is sent when its version changes.
    when!(
        "password_wo_version",
        s("password_wo"),
        master_user_password
    );
    when!(
        "manage_master_user_password",
        Some(b("manage_master_user_password")),
        manage_master_user_password
    );
    when!(
        "master_user_secret_kms_key_id",
        s("master_user_secret_kms_key_id"),
        master_user_secret_kms_key_id
    );
    when!("identifier", s("identifier"), new_db_instance_identifier);
    when!("port", n("port"), db_port_number);
    when!(
        "db_subnet_group_name",
        s("db_subnet_group_name"),
        db_subnet_group_name
    );
    when!(
        "parameter_group_name",
        s("parameter_group_name"),
        db_parameter_group_name
    );
    when!(
        "option_group_name",
        s("option_group_name"),
        option_group_name
    );
    if changed("vpc_security_group_ids") {
        m = m.set_vpc_security_group_ids(Some(get_strs(cfg, "vpc_security_group_ids")));
        any = true;
    }
    when!("multi_az", Some(b("multi_az")), multi_az);
    when!(
        "publicly_accessible",
        Some(b("publicly_accessible")),
        publicly_accessible
    );
    when!(
        "backup_retention_period",
        n("backup_retention_period"),
        backup_retention_period
    );
    when!("backup_window", s("backup_window"), preferred_backup_window);
    when!(
        "maintenance_window",
        s("maintenance_window"),
        preferred_maintenance_window
    );
    when!(
        "auto_minor_version_upgrade",
        get_bool(cfg, "auto_minor_version_upgrade"),
        auto_minor_version_upgrade
    );
    when!(
        "copy_tags_to_snapshot",
        Some(b("copy_tags_to_snapshot")),
        copy_tags_to_snapshot
    );
    when!(
        "deletion_protection",
        Some(b("deletion_protection")),
        deletion_protection
    );
    when!(
        "iam_database_authentication_enabled",
        Some(b("iam_database_authentication_enabled")),
        enable_iam_database_authentication
    );
    when!("license_model", s("license_model"), license_model);
    when!(
        "ca_cert_identifier",
        s("ca_cert_identifier"),
        ca_certificate_identifier
    );
    when!("network_type", s("network_type"), network_type);
    when!(
        "monitoring_interval",
        Some(n("monitoring_interval").unwrap_or(0)),
        monitoring_interval
    );
    when!(
        "monitoring_role_arn",
        s("monitoring_role_arn"),
        monitoring_role_arn
    );
    when!(
        "performance_insights_enabled",
        Some(b("performance_insights_enabled")),
        enable_performance_insights
    );
    when!(
        "performance_insights_kms_key_id",
        s("performance_insights_kms_key_id"),
        performance_insights_kms_key_id
    );
    when!(
        "performance_insights_retention_period",
        n("performance_insights_retention_period"),
        performance_insights_retention_period
    );
    when!(
        "replica_mode",
        s("replica_mode").map(|x| ReplicaMode::from(x.as_str())),
        replica_mode
    );
    when!("domain", s("domain"), domain);
    if changed("domain") && s("domain").is_none() {
        m = m.disable_domain(true);
        any = true;
    }
    when!("domain_fqdn", s("domain_fqdn"), domain_fqdn);
    when!("domain_ou", s("domain_ou"), domain_ou);
    when!(
        "domain_auth_secret_arn",
        s("domain_auth_secret_arn"),
        domain_auth_secret_arn
    );
    if changed("domain_dns_ips") {
        m = m.set_domain_dns_ips(nonempty(get_strs(cfg, "domain_dns_ips")));
        any = true;
    }
    when!(
        "database_insights_mode",
        s("database_insights_mode").map(|x| DatabaseInsightsMode::from(x.as_str())),
        database_insights_mode
    );
    when!(
        "dedicated_log_volume",
        Some(b("dedicated_log_volume")),
        dedicated_log_volume
    );
    when!(
        "engine_lifecycle_support",
        s("engine_lifecycle_support"),
        engine_lifecycle_support
    );
    when!(
        "domain_iam_role_name",
        s("domain_iam_role_name"),
        domain_iam_role_name
    );
    when!(
        "customer_owned_ip_enabled",
        Some(b("customer_owned_ip_enabled")),
        enable_customer_owned_ip
    );
    if changed("enabled_cloudwatch_logs_exports") {
        let old: BTreeSet<String> = get_strs(req.prior, "enabled_cloudwatch_logs_exports")
            .into_iter()
            .collect();
        let new: BTreeSet<String> = get_strs(cfg, "enabled_cloudwatch_logs_exports")
            .into_iter()
            .collect();
        m = m.cloudwatch_logs_export_configuration(
            CloudwatchLogsExportConfiguration::builder()
                .set_enable_log_types(Some(new.difference(&old).cloned().collect()))
                .set_disable_log_types(Some(old.difference(&new).cloned().collect()))
                .build(),
        );
        any = true;
    }
    let renamed_to = s("identifier").filter(|i| changed("identifier") && i != req.id);
    if any {
        m.send().await.map_err(err)?;
    }
    // After a rename the instance answers to its new identifier (at once, or once the
    // pending rename is applied): look under both, the new one first.
    let mut ids: Vec<&str> = Vec::new();
    if let Some(r) = &renamed_to {
        ids.push(r.as_str());
    }
    ids.push(req.id);
    let pending = |db: &DbInstance| apply_now && modification_pending(db, req.changed);
    let db = wait_available(c, &ids, remaining(start_at, req.timeout), &pending).await?;
    let mut v = instance_obj(&db, cfg);
    set_tags_created(&mut v, cfg, &tags_of(db.tag_list()));
    Ok(finish_resource(INSTANCE, v))
}
