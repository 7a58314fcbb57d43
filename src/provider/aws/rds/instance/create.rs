//! Creating an `aws_db_instance`: one CreateDBInstance call, then a wait for `available`.
//! Read replicas and restores (snapshot, point in time, S3) are refused before any call. An
//! identifier already taken by an instance carrying this create's ownership tags (an
//! interrupted earlier attempt) is adopted.

use super::super::common::*;
use super::attrs::instance_obj;
use super::{describe_instance, no_pending, nonempty, wait_available, INSTANCE};
use crate::eval::Value;
use crate::provider::aws::common::{
    finish_resource, get_blocks, get_bool, get_i32, get_nonempty, get_strs, set_tags_created,
};
use crate::provider::aws::AwsClients;
use crate::provider::{CreateRequest, ProviderError};
use aws_sdk_rds::types::DatabaseInsightsMode;
use std::time::Instant;

pub(crate) async fn create(
    c: &AwsClients,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let start_at = Instant::now();
    for (k, how) in [
        ("replicate_source_db", "read replicas"),
        ("snapshot_identifier", "restores from snapshots"),
    ] {
        if get_nonempty(cfg, k).is_some() {
            return Err(ProviderError::Other(format!(
                "{}: {INSTANCE} with {k} ({how}) is not supported yet",
                req.addr
            )));
        }
    }
    for (k, how) in [
        ("restore_to_point_in_time", "point-in-time restores"),
        ("s3_import", "imports from S3"),
    ] {
        if !get_blocks(cfg, k).is_empty() {
            return Err(ProviderError::Other(format!(
                "{}: {INSTANCE} with a {k} block ({how}) is not supported yet",
                req.addr
            )));
        }
    }
    let id = new_name(cfg, "identifier", "identifier_prefix", req.client_token);
    let s = |k: &str| get_nonempty(cfg, k);
    let n = |k: &str| get_i32(cfg, k);
    let created = c
        .rds
        .create_db_instance()
        .db_instance_identifier(&id)
        .set_db_instance_class(s("instance_class"))
        .set_engine(s("engine"))
        .set_engine_version(s("engine_version"))
        .set_allocated_storage(n("allocated_storage"))
        .set_max_allocated_storage(n("max_allocated_storage").filter(|x| *x > 0))
        .set_storage_type(s("storage_type"))
        .set_iops(n("iops"))
        .set_storage_throughput(n("storage_throughput"))
        .set_storage_encrypted(get_bool(cfg, "storage_encrypted"))
        .set_kms_key_id(s("kms_key_id"))
        .set_master_username(s("username"))
        .set_master_user_password(s("password").or_else(|| s("password_wo")))
        .set_manage_master_user_password(get_bool(cfg, "manage_master_user_password"))
        .set_master_user_secret_kms_key_id(s("master_user_secret_kms_key_id"))
        .set_db_name(s("db_name"))
        .set_port(n("port"))
        .set_db_subnet_group_name(s("db_subnet_group_name"))
        .set_db_parameter_group_name(s("parameter_group_name"))
        .set_option_group_name(s("option_group_name"))
        .set_vpc_security_group_ids(nonempty(get_strs(cfg, "vpc_security_group_ids")))
        .set_availability_zone(s("availability_zone"))
        .set_multi_az(get_bool(cfg, "multi_az"))
        .set_publicly_accessible(get_bool(cfg, "publicly_accessible"))
        .set_backup_retention_period(n("backup_retention_period"))
        .set_preferred_backup_window(s("backup_window"))
        .set_backup_target(s("backup_target"))
        .set_preferred_maintenance_window(s("maintenance_window"))
        .set_auto_minor_version_upgrade(get_bool(cfg, "auto_minor_version_upgrade"))
        .set_copy_tags_to_snapshot(get_bool(cfg, "copy_tags_to_snapshot"))
        .set_deletion_protection(get_bool(cfg, "deletion_protection"))
        .set_license_model(s("license_model"))
        .set_character_set_name(s("character_set_name"))
        .set_nchar_character_set_name(s("nchar_character_set_name"))
        .set_timezone(s("timezone"))
        .set_ca_certificate_identifier(s("ca_cert_identifier"))
        .set_network_type(s("network_type"))
        .set_monitoring_interval(n("monitoring_interval"))
        .set_monitoring_role_arn(s("monitoring_role_arn"))
        .set_enable_iam_database_authentication(get_bool(
            cfg,
            "iam_database_authentication_enabled",
        ))
        .set_enable_performance_insights(get_bool(cfg, "performance_insights_enabled"))
        .set_performance_insights_kms_key_id(s("performance_insights_kms_key_id"))
        .set_performance_insights_retention_period(n("performance_insights_retention_period"))
        .set_enable_cloudwatch_logs_exports(nonempty(get_strs(
            cfg,
            "enabled_cloudwatch_logs_exports",
        )))
        .set_custom_iam_instance_profile(s("custom_iam_instance_profile"))
        .set_enable_customer_owned_ip(get_bool(cfg, "customer_owned_ip_enabled"))
        .set_domain(s("domain"))
        .set_domain_iam_role_name(s("domain_iam_role_name"))
        .set_domain_fqdn(s("domain_fqdn"))
        .set_domain_ou(s("domain_ou"))
        .set_domain_auth_secret_arn(s("domain_auth_secret_arn"))
        .set_domain_dns_ips(nonempty(get_strs(cfg, "domain_dns_ips")))
        .set_database_insights_mode(
            s("database_insights_mode").map(|m| DatabaseInsightsMode::from(m.as_str())),
        )
        .set_dedicated_log_volume(get_bool(cfg, "dedicated_log_volume"))
        .set_engine_lifecycle_support(s("engine_lifecycle_support"))
        .set_tags(Some(rds_tags(req.tags)))
        .send()
        .await
        .map_err(err);
    match created {
        Ok(_) => {}
        Err(e)
            if has_code(
                &e,
                &["DBInstanceAlreadyExists", "DBInstanceAlreadyExistsFault"],
            ) =>
        {
            // Adopt the instance an interrupted attempt at this create started.
            let existing = describe_instance(c, &id).await?;
            if !existing.is_some_and(|db| owned(&tags_of(db.tag_list()), req.tags)) {
                return Err(e);
            }
        }
        Err(e) => return Err(e),
    }
    let db = wait_available(
        c,
        &[id.as_str()],
        remaining(start_at, req.timeout),
        &no_pending,
    )
    .await?;
    let mut m = instance_obj(&db, cfg);
    set_tags_created(&mut m, cfg, &tags_of(db.tag_list()));
    Ok(finish_resource(INSTANCE, m))
}
