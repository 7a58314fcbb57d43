//! `aws_key_pair`: a public key imported into EC2 (id = key name).
//!
//! The public key and the ARN are not re-read: they are kept from the prior value. Reads are
//! batched (see [`describe_key_pairs`]).

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::AwsProvider;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{KeyPairInfo, ResourceType};
use std::collections::BTreeMap;

/// Key pairs by name: ceil(N/1000) DescribeKeyPairs calls.
async fn describe_key_pairs(
    p: &AwsProvider,
    names: &[String],
) -> Result<Vec<KeyPairInfo>, ProviderError> {
    let ec2 = p.ec2();
    batched(
        names,
        IDS_PER_CALL,
        |page| async move {
            Ok(ec2
                .describe_key_pairs()
                .set_key_names(Some(page))
                .send()
                .await
                .map_err(sdk)?
                .key_pairs()
                .to_vec())
        },
        |page| async move {
            Ok(ec2
                .describe_key_pairs()
                .filters(filter("key-name", page))
                .send()
                .await
                .map_err(sdk)?
                .key_pairs()
                .to_vec())
        },
    )
    .await
}

fn key_type_of(public_key: &str) -> &'static str {
    if public_key.trim_start().starts_with("ssh-ed25519") {
        "ed25519"
    } else {
        "rsa"
    }
}

fn key_pair_attrs(m: &mut Obj, k: &KeyPairInfo) {
    m.insert("id".into(), vs(k.key_name()));
    m.insert("key_name".into(), vs(k.key_name()));
    m.insert("key_pair_id".into(), vs(k.key_pair_id()));
    m.insert("fingerprint".into(), vs(k.key_fingerprint()));
    if let Some(t) = k.key_type() {
        m.insert("key_type".into(), Value::from(t.as_str()));
    }
}

pub(crate) async fn create(
    p: &AwsProvider,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let name = get_str(c, "key_name").unwrap_or_else(|| {
        let prefix = get_str(c, "key_name_prefix").unwrap_or_else(|| "terraform-".to_string());
        unique_name(&prefix, req.client_token)
    });
    let public_key = get_str(c, "public_key").unwrap_or_default();
    let out = p
        .ec2()
        .import_key_pair()
        .key_name(&name)
        .public_key_material(Blob::new(public_key.as_bytes()))
        .set_tag_specifications(tag_spec(ResourceType::KeyPair, req.tags).map(|t| vec![t]))
        .send()
        .await
        .map_err(sdk)?;
    let account = p.account_id().await?;
    let mut m = start(c);
    m.insert("id".into(), Value::from(name.as_str()));
    m.insert("key_name".into(), Value::from(name.as_str()));
    m.insert("key_pair_id".into(), vs(out.key_pair_id()));
    m.insert("fingerprint".into(), vs(out.key_fingerprint()));
    m.insert("key_type".into(), Value::from(key_type_of(&public_key)));
    m.insert(
        "arn".into(),
        Value::from(p.arn(&account, &format!("key-pair/{name}"))),
    );
    if get(c, "key_name_prefix").is_none() {
        m.insert("key_name_prefix".into(), Value::Null);
    }
    let all = if out.tags().is_empty() {
        req.tags.clone()
    } else {
        tags_of(out.tags())
    };
    set_tags_created(&mut m, c, &all);
    Ok(finish_resource("aws_key_pair", m))
}

pub(crate) async fn update(
    p: &AwsProvider,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    let c = req.config;
    let key_id = get_str(req.prior, "key_pair_id").unwrap_or_else(|| req.id.to_string());
    sync_tags(p.ec2(), &key_id, &prior_tags(req.prior), req.tags).await?;
    let mut m = update_base(c, req.prior);
    set_tags_created(&mut m, c, req.tags);
    Ok(finish_resource("aws_key_pair", m))
}

/// Cost: see [`describe_key_pairs`]; the public key and ARN are kept from the prior value.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_key_pairs(p, &prior_ids(priors)).await?;
    let by_name: BTreeMap<&str, &KeyPairInfo> = found
        .iter()
        .filter_map(|k| Some((k.key_name()?, k)))
        .collect();
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some(k) = by_name.get(id.as_str()) else {
            continue;
        };
        let mut m = start(prior);
        key_pair_attrs(&mut m, k);
        set_tags_read(&mut m, prior, &tags_of(k.tags()));
        out.insert(id.clone(), finish_resource("aws_key_pair", m));
    }
    Ok(out)
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let r = p
        .ec2()
        .delete_key_pair()
        .key_name(req.id)
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    ignore_not_found(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types() {
        assert_eq!(key_type_of("ssh-ed25519 AAAA x"), "ed25519");
        assert_eq!(key_type_of("ssh-rsa AAAA x"), "rsa");
    }
}
