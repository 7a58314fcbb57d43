//! `aws_db_parameter_group` (id = name) and its `parameter` blocks: the parameters a user
//! set (`Source=user`). `apply_method` is an instruction, not state: it is kept from the
//! configuration or prior value. Removed parameters go back to the engine default. A create
//! that finds the name taken adopts the group when it carries this create's ownership tags
//! and has the same family. `skip_destroy` forgets the group instead of deleting it.

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::common::{
    finish_resource, get_blocks, get_bool, get_nonempty, get_str, prior_ids, prior_tags,
    retry_codes, set_tags_created, set_tags_read, start, vs, Obj,
};
use crate::provider::aws::AwsClients;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_rds::types::{ApplyMethod, DbParameterGroup, Parameter};
use std::collections::{BTreeMap, BTreeSet};

/// Parameters per `ModifyDBParameterGroup` / `ResetDBParameterGroup` call (the API's limit).
const PARAMETERS_PER_CALL: usize = 20;

const PARAMETER_GROUP: &str = "aws_db_parameter_group";

/// One `parameter` block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Param {
    name: String,
    value: String,
    apply_method: String,
}

/// The `parameter` blocks of a configuration or prior value.
fn params_of(v: &Value) -> Vec<Param> {
    get_blocks(v, "parameter")
        .into_iter()
        .filter_map(|b| {
            Some(Param {
                name: get_str(b, "name")?,
                value: get_str(b, "value")?,
                apply_method: get_nonempty(b, "apply_method")
                    .unwrap_or_else(|| "immediate".to_string()),
            })
        })
        .collect()
}

fn param_value(p: &Param) -> Value {
    Value::map([
        ("apply_method", Value::from(p.apply_method.as_str())),
        ("name", Value::from(p.name.as_str())),
        ("value", Value::from(p.value.as_str())),
    ])
}

fn sdk_param(p: &Param) -> Parameter {
    Parameter::builder()
        .parameter_name(&p.name)
        .parameter_value(&p.value)
        .apply_method(ApplyMethod::from(p.apply_method.as_str()))
        .build()
}

/// The user-set parameters of a group, as `parameter` blocks. `apply_method` is an
/// instruction, not state: it is kept from `base` for a parameter of the same name.
fn params_from_api(api: &[Parameter], base: &Value) -> Vec<Param> {
    let configured: BTreeMap<String, String> = params_of(base)
        .into_iter()
        .map(|p| (p.name.to_lowercase(), p.apply_method))
        .collect();
    api.iter()
        .filter_map(|p| {
            let name = p.parameter_name()?.to_string();
            let apply_method = configured
                .get(&name.to_lowercase())
                .cloned()
                .or_else(|| p.apply_method().map(|a| a.as_str().to_string()))
                .unwrap_or_else(|| "immediate".to_string());
            Some(Param {
                value: p.parameter_value().unwrap_or_default().to_string(),
                name,
                apply_method,
            })
        })
        .collect()
}

fn parameter_group_obj(g: &DbParameterGroup, params: &[Parameter], base: &Value) -> Obj {
    let mut m = start(base);
    let name = g.db_parameter_group_name().unwrap_or_default();
    m.insert("id".into(), Value::from(name));
    m.insert("name".into(), Value::from(name));
    m.insert("arn".into(), vs(g.db_parameter_group_arn()));
    m.insert("family".into(), vs(g.db_parameter_group_family()));
    m.insert("description".into(), vs(g.description()));
    let params = params_from_api(params, base);
    m.insert(
        "parameter".into(),
        Value::set(params.iter().map(param_value).collect()),
    );
    m
}

async fn describe_parameter_group(
    c: &aws_sdk_rds::Client,
    name: &str,
) -> Result<DbParameterGroup, ProviderError> {
    let out = c
        .describe_db_parameter_groups()
        .db_parameter_group_name(name)
        .send()
        .await
        .map_err(err)?;
    out.db_parameter_groups()
        .first()
        .cloned()
        .ok_or_else(|| ProviderError::NotFound {
            what: format!("DB parameter group {name}"),
        })
}

/// The parameters a user set on a group (`Source=user`), all pages.
async fn user_parameters(
    c: &aws_sdk_rds::Client,
    name: &str,
) -> Result<Vec<Parameter>, ProviderError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = c
            .describe_db_parameters()
            .db_parameter_group_name(name)
            .source("user")
            .max_records(PAGE_SIZE)
            .set_marker(marker)
            .send()
            .await
            .map_err(err)?;
        out.extend(page.parameters().iter().cloned());
        match page.marker().filter(|m| !m.is_empty()) {
            Some(m) => marker = Some(m.to_string()),
            None => return Ok(out),
        }
    }
}

/// Sets `params` on the group, [`PARAMETERS_PER_CALL`] at a time.
async fn modify_parameters(
    c: &aws_sdk_rds::Client,
    name: &str,
    params: &[Param],
) -> Result<(), ProviderError> {
    for chunk in params.chunks(PARAMETERS_PER_CALL) {
        c.modify_db_parameter_group()
            .db_parameter_group_name(name)
            .set_parameters(Some(chunk.iter().map(sdk_param).collect()))
            .send()
            .await
            .map_err(err)?;
    }
    Ok(())
}

pub(super) async fn create(
    c: &AwsClients,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let name = new_name(cfg, "name", "name_prefix", req.client_token);
    let family = get_str(cfg, "family").unwrap_or_default();
    let description =
        get_nonempty(cfg, "description").unwrap_or_else(|| "Managed by Terraform".to_string());
    let created = c
        .rds
        .create_db_parameter_group()
        .db_parameter_group_name(&name)
        .db_parameter_group_family(&family)
        .description(&description)
        .set_tags(Some(rds_tags(req.tags)))
        .send()
        .await
        .map_err(err);
    let group = match created {
        Ok(out) => match out.db_parameter_group {
            Some(g) => g,
            None => describe_parameter_group(&c.rds, &name).await?,
        },
        Err(e) if has_code(&e, &["DBParameterGroupAlreadyExists"]) => {
            let g = describe_parameter_group(&c.rds, &name).await?;
            let arn = g.db_parameter_group_arn().unwrap_or_default().to_string();
            let tags = list_tags(&c.rds, &arn).await?;
            if !owned(&tags, req.tags) || g.db_parameter_group_family() != Some(family.as_str()) {
                return Err(e);
            }
            sync_tags(&c.rds, &arn, &tags, req.tags).await?;
            g
        }
        Err(e) => return Err(e),
    };
    modify_parameters(&c.rds, &name, &params_of(cfg)).await?;
    let params = user_parameters(&c.rds, &name).await?;
    let mut m = parameter_group_obj(&group, &params, cfg);
    set_tags_created(&mut m, cfg, req.tags);
    Ok(finish_resource(PARAMETER_GROUP, m))
}

pub(super) async fn update(
    c: &AwsClients,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let cfg = req.config;
    let name = req.id;
    if req.changed.iter().any(|k| k == "parameter") {
        let old = params_of(req.prior);
        let new = params_of(cfg);
        let new_names: BTreeSet<String> = new.iter().map(|p| p.name.to_lowercase()).collect();
        // Parameters no longer configured go back to the engine default.
        let removed: Vec<&Param> = old
            .iter()
            .filter(|p| !new_names.contains(&p.name.to_lowercase()))
            .collect();
        for chunk in removed.chunks(PARAMETERS_PER_CALL) {
            let params = chunk
                .iter()
                .map(|p| {
                    Parameter::builder()
                        .parameter_name(&p.name)
                        .apply_method(ApplyMethod::from(p.apply_method.as_str()))
                        .build()
                })
                .collect();
            c.rds
                .reset_db_parameter_group()
                .db_parameter_group_name(name)
                .set_parameters(Some(params))
                .send()
                .await
                .map_err(err)?;
        }
        let set: Vec<Param> = new.into_iter().filter(|p| !old.contains(p)).collect();
        modify_parameters(&c.rds, name, &set).await?;
    }
    let group = describe_parameter_group(&c.rds, name).await?;
    let arn = group
        .db_parameter_group_arn()
        .unwrap_or_default()
        .to_string();
    sync_tags(&c.rds, &arn, &prior_tags(req.prior), req.tags).await?;
    let params = user_parameters(&c.rds, name).await?;
    let mut m = parameter_group_obj(&group, &params, cfg);
    set_tags_created(&mut m, cfg, req.tags);
    Ok(finish_resource(PARAMETER_GROUP, m))
}

pub(super) async fn delete(c: &AwsClients, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    if get_bool(req.prior, "skip_destroy") == Some(true) {
        // Terraform's skip_destroy: forget the group, keep it in the account.
        return Ok(());
    }
    // A group still used by an instance that is being deleted answers
    // InvalidDBParameterGroupState until the instance is gone.
    let r = retry_codes(req.timeout, &["InvalidDBParameterGroupState"], || async {
        c.rds
            .delete_db_parameter_group()
            .db_parameter_group_name(req.id)
            .send()
            .await
            .map(|_| ())
            .map_err(err)
    })
    .await;
    found(r).map(|_| ())
}

pub(super) async fn read(
    c: &AwsClients,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let names = prior_ids(priors);
    let groups = by_name_or_listing(
        &names,
        DbParameterGroup::db_parameter_group_name,
        |name| async move {
            describe_parameter_group(&c.rds, &name)
                .await
                .map(|g| vec![g])
        },
        |marker| async move {
            let out = c
                .rds
                .describe_db_parameter_groups()
                .max_records(PAGE_SIZE)
                .set_marker(marker)
                .send()
                .await
                .map_err(err)?;
            Ok((
                out.db_parameter_groups().to_vec(),
                out.marker().map(str::to_string),
            ))
        },
    )
    .await?;
    let rds = c.rds.clone();
    let detailed = concurrent(groups.into_iter().collect(), |(name, g)| {
        let rds = rds.clone();
        async move {
            let arn = g.db_parameter_group_arn().unwrap_or_default().to_string();
            let group_name = g.db_parameter_group_name().unwrap_or_default().to_string();
            let params = found(user_parameters(&rds, &group_name).await)?;
            let tags = match params {
                Some(_) => found(list_tags(&rds, &arn).await)?,
                None => None,
            };
            Ok((name, g, params, tags))
        }
    })
    .await?;
    let prior_of: BTreeMap<&String, &Value> = priors.iter().map(|(id, v)| (id, v)).collect();
    let mut out = BTreeMap::new();
    for (name, g, params, tags) in detailed {
        let (Some(params), Some(tags), Some(prior)) = (params, tags, prior_of.get(&name)) else {
            continue;
        };
        let mut m = parameter_group_obj(&g, &params, prior);
        set_tags_read(&mut m, prior, &tags);
        out.insert(name, finish_resource(PARAMETER_GROUP, m));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_keep_the_configured_apply_method() {
        let base = Value::map([(
            "parameter",
            Value::set(vec![Value::map([
                ("name", Value::from("max_connections")),
                ("value", Value::from("100")),
                ("apply_method", Value::from("pending-reboot")),
            ])]),
        )]);
        let api = vec![
            Parameter::builder()
                .parameter_name("max_connections")
                .parameter_value("200")
                .apply_method(ApplyMethod::Immediate)
                .build(),
            Parameter::builder()
                .parameter_name("log_min_duration_statement")
                .parameter_value("5")
                .build(),
        ];
        let got = params_from_api(&api, &base);
        assert_eq!(got[0].apply_method, "pending-reboot");
        assert_eq!(got[0].value, "200");
        assert_eq!(got[1].apply_method, "immediate");
    }
}
