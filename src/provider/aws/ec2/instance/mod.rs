//! `aws_instance`: one EC2 instance, its volumes' tags and attributes, and its option
//! blocks.
//!
//! Blocks terraform-provider-aws treats as optional and computed (`root_block_device`,
//! `metadata_options`, `cpu_options`, ...) are reported only when configured, filled with
//! what the API returns, so an unconfigured block never shows as a difference.
//!
//! Here: lookups, waits, the request pieces create and update share, delete and read.
//! [`create`](create()) launches, [`update`](update()) changes in place (refusing what it
//! cannot change), [`attrs`] turns an instance into attributes. Terminated instances are
//! gone for every purpose except a waiter's.

mod attrs;
mod create;
mod update;

pub(crate) use create::create;
pub(crate) use update::update;

use super::common::*;
use crate::eval::Value;
use crate::provider::aws::coalescer::Fetch;
use crate::provider::aws::AwsProvider;
use crate::provider::{DeleteRequest, ProviderError};
use attrs::{instance_attrs, wants_volumes};
use aws_sdk_ec2::types::{
    HttpTokensState, IamInstanceProfileSpecification, Instance, InstanceMetadataEndpointState,
    InstanceMetadataOptionsRequest, InstanceMetadataProtocolState, InstanceMetadataTagsState,
    Volume,
};
use base64::Engine;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// Instances by id: ceil(N/1000) DescribeInstances calls. Terminated instances are left
/// out. Returns each instance with its reservation's owner.
async fn describe_instances(
    p: &AwsProvider,
    ids: &[String],
) -> Result<Vec<(Instance, String)>, ProviderError> {
    let ec2 = p.ec2();
    let flatten = |rs: Vec<aws_sdk_ec2::types::Reservation>| -> Vec<(Instance, String)> {
        rs.iter()
            .flat_map(|r| {
                r.instances()
                    .iter()
                    .map(move |i| (i.clone(), r.owner_id().unwrap_or_default().to_string()))
            })
            .collect()
    };
    let all = batched(
        ids,
        IDS_PER_CALL,
        |page| async move {
            Ok(flatten(all_items!(ec2
                .describe_instances()
                .set_instance_ids(Some(page)))?))
        },
        |page| async move {
            Ok(flatten(all_items!(ec2
                .describe_instances()
                .filters(filter("instance-id", page)))?))
        },
    )
    .await?;
    Ok(all
        .into_iter()
        .filter(|(i, _)| state_of(i) != "terminated")
        .collect())
}

/// The volumes attached to the given instances: one DescribeVolumes call per 200 instances.
async fn describe_volumes(
    p: &AwsProvider,
    instance_ids: &[String],
) -> Result<Vec<Volume>, ProviderError> {
    let ec2 = p.ec2();
    by_filter_pages(instance_ids, |page| async move {
        all_items!(ec2
            .describe_volumes()
            .filters(filter("attachment.instance-id", page)))
    })
    .await
}

fn state_of(i: &Instance) -> String {
    i.state()
        .and_then(|s| s.name())
        .map(|n| n.as_str().to_string())
        .unwrap_or_default()
}

/// Instances by id for waiters, through the command's [`Coalescer`]: one DescribeInstances
/// call (by `instance-id` filter, which tolerates ids not visible yet) per page of every
/// instance being waited on at that moment. Terminated instances are included.
///
/// [`Coalescer`]: crate::provider::aws::coalescer::Coalescer
async fn describe_for_wait(
    p: &AwsProvider,
    id: &str,
) -> Result<Option<(Instance, String)>, ProviderError> {
    let ec2 = p.ec2().clone();
    let fetch: Fetch<(Instance, String)> = Arc::new(move |ids: Vec<String>| {
        let ec2 = ec2.clone();
        Box::pin(async move {
            let mut out = HashMap::new();
            for page in ids.chunks(FILTER_VALUES_PER_CALL) {
                let rs = all_items!(ec2
                    .describe_instances()
                    .filters(filter("instance-id", page)))?;
                for r in &rs {
                    let owner = r.owner_id().unwrap_or_default().to_string();
                    for i in r.instances() {
                        if let Some(id) = i.instance_id() {
                            out.insert(id.to_string(), (i.clone(), owner.clone()));
                        }
                    }
                }
            }
            Ok(out)
        })
    });
    p.clients().waits.instances.get(id, fetch).await
}

/// Waits until the instance reaches `target` (`running`, `stopped`); a terminated instance
/// is an error. Polls are batched with every other instance waiter.
async fn wait_state(
    p: &AwsProvider,
    id: &str,
    target: &str,
    timeout: Duration,
) -> Result<(Instance, String), ProviderError> {
    poll(
        timeout,
        &format!("instance {id} to be {target}"),
        || async {
            // Missing right after RunInstances: eventual consistency.
            let Some((i, owner)) = describe_for_wait(p, id).await? else {
                return Ok(None);
            };
            let state = state_of(&i);
            if state == target {
                return Ok(Some((i, owner)));
            }
            if matches!(state.as_str(), "terminated" | "shutting-down") {
                let reason = i
                    .state_reason()
                    .and_then(|r| r.message())
                    .unwrap_or("no reason given");
                return Err(ProviderError::Api {
                    code: i
                        .state_reason()
                        .and_then(|r| r.code())
                        .unwrap_or("InstanceTerminated")
                        .to_string(),
                    message: format!(
                        "instance {id} is {state} while waiting for {target}: {reason}"
                    ),
                });
            }
            Ok(None)
        },
    )
    .await
}

fn opt_bool(v: &Value, k: &str) -> Option<bool> {
    get_bool(v, k)
}

/// The single object of a list-of-one block.
fn one<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    get_blocks(v, k).into_iter().next()
}

fn user_data_b64(c: &Value) -> Option<String> {
    if let Some(u) = get_str(c, "user_data") {
        return Some(base64::engine::general_purpose::STANDARD.encode(u.as_bytes()));
    }
    get_str(c, "user_data_base64")
}

fn user_data_bytes(c: &Value) -> Vec<u8> {
    if let Some(u) = get_str(c, "user_data") {
        return u.into_bytes();
    }
    get_str(c, "user_data_base64")
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .unwrap_or_default()
}

fn metadata_options(b: &Value) -> InstanceMetadataOptionsRequest {
    InstanceMetadataOptionsRequest::builder()
        .set_http_endpoint(
            get_str(b, "http_endpoint").map(|s| InstanceMetadataEndpointState::from(s.as_str())),
        )
        .set_http_protocol_ipv6(
            get_str(b, "http_protocol_ipv6")
                .map(|s| InstanceMetadataProtocolState::from(s.as_str())),
        )
        .set_http_put_response_hop_limit(get_i32(b, "http_put_response_hop_limit"))
        .set_http_tokens(get_str(b, "http_tokens").map(|s| HttpTokensState::from(s.as_str())))
        .set_instance_metadata_tags(
            get_str(b, "instance_metadata_tags")
                .map(|s| InstanceMetadataTagsState::from(s.as_str())),
        )
        .build()
}

fn iam_profile(name_or_arn: String) -> IamInstanceProfileSpecification {
    if name_or_arn.starts_with("arn:") {
        IamInstanceProfileSpecification::builder()
            .arn(name_or_arn)
            .build()
    } else {
        IamInstanceProfileSpecification::builder()
            .name(name_or_arn)
            .build()
    }
}

pub(crate) async fn delete(p: &AwsProvider, req: &DeleteRequest<'_>) -> Result<(), ProviderError> {
    let id = req.id;
    let ec2 = p.ec2();
    let r = ec2
        .terminate_instances()
        .instance_ids(id)
        .send()
        .await
        .map(drop)
        .map_err(sdk);
    match r {
        Err(ProviderError::NotFound { .. }) => return Ok(()),
        r => r?,
    }
    // Until it is `terminated`, the instance still holds its interfaces (and so its
    // security groups and subnet).
    poll(
        req.timeout,
        &format!("instance {id} to terminate"),
        || async {
            Ok(describe_for_wait(p, id)
                .await?
                .is_none_or(|(i, _)| state_of(&i) == "terminated")
                .then_some(()))
        },
    )
    .await
}

/// Cost: see [`describe_instances`], plus [`describe_volumes`] for the instances whose prior
/// value has `root_block_device` or `ebs_block_device` blocks. User data, API termination
/// and stop protection and the shutdown behaviour are kept from the prior value.
pub(crate) async fn read(
    p: &AwsProvider,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    let found = describe_instances(p, &prior_ids(priors)).await?;
    let by_id: BTreeMap<&str, &(Instance, String)> = found
        .iter()
        .filter_map(|x| Some((x.0.instance_id()?, x)))
        .collect();
    let with_volumes: Vec<String> = distinct(
        priors
            .iter()
            .filter(|(id, v)| by_id.contains_key(id.as_str()) && wants_volumes(v))
            .map(|(id, _)| id.clone()),
    );
    let volumes = if with_volumes.is_empty() {
        Vec::new()
    } else {
        describe_volumes(p, &with_volumes).await?
    };
    let mut out = BTreeMap::new();
    for (id, prior) in priors {
        let Some((i, owner)) = by_id.get(id.as_str()) else {
            continue;
        };
        out.insert(id.clone(), read_value(p, Some(prior), i, owner, &volumes));
    }
    Ok(out)
}

/// The value [`read`] gives `i` (whose reservation belongs to `owner`) over its prior value
/// (see [`read_base`] for `None`). Volume blocks are filled from `volumes` only when the base
/// value has them.
pub(crate) fn read_value(
    p: &AwsProvider,
    prior: Option<&Value>,
    i: &Instance,
    owner: &str,
    volumes: &[Volume],
) -> Value {
    let tags = tags_of(i.tags());
    let base = read_base(prior, &tags);
    let mut m = start(&base);
    instance_attrs(p, &mut m, i, owner, volumes);
    set_tags_read(&mut m, &base, &tags);
    finish_resource("aws_instance", m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_data() {
        let c = Value::map([
            ("user_data", Value::from("#!/bin/sh\n")),
            ("user_data_base64", Value::Null),
        ]);
        assert_eq!(user_data_b64(&c).as_deref(), Some("IyEvYmluL3NoCg=="));
        assert_eq!(user_data_bytes(&c), b"#!/bin/sh\n");
        let c = Value::map([
            ("user_data", Value::Null),
            ("user_data_base64", Value::from("IyEvYmluL3NoCg==")),
        ]);
        assert_eq!(user_data_bytes(&c), b"#!/bin/sh\n");
    }
}
