//! EC2 resources, one module per resource type (the two VPC security group rule types share
//! [`vpc_rule`]), and the dispatch from a type name to its module.
//!
//! Every type module has the same four operations, `create`, `update`, `delete` and `read`;
//! `read` is batched (one Describe call per page of ids; each module states its cost). Shared
//! pieces live in [`common`] (helpers), [`route_spec`] (routes) and [`rules`] (rule atoms).

mod common;
mod eip;
pub(crate) mod instance;
pub(crate) mod internet_gateway;
mod key_pair;
pub(crate) mod nat_gateway;
mod route;
mod route_spec;
pub(crate) mod route_table;
mod route_table_association;
mod rules;
pub(crate) mod security_group;
mod security_group_rule;
pub(crate) mod subnet;
mod vpc;
mod vpc_rule;

/// Security group rules as comparable atoms, for code outside the provider (drift).
pub(crate) mod rule_atoms {
    pub(crate) use super::rules::{block_atoms, RuleKey, Source};
    pub(crate) use super::vpc_rule::vpc_rule_atom;
}

pub(crate) use security_group::prepare_adoption;

use super::provider::unsupported;
use super::AwsProvider;
use crate::eval::Value;
use crate::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use std::collections::BTreeMap;

/// The EC2 resource types implemented here, sorted.
pub(crate) const TYPES: &[&str] = &[
    "aws_eip",
    "aws_instance",
    "aws_internet_gateway",
    "aws_key_pair",
    "aws_nat_gateway",
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
];

/// Calls operation `$op` of the module implementing type `$t` with `($p, $x)`; `vpc_rule`
/// also gets the type name. A type not in [`TYPES`] is `Unsupported`.
macro_rules! by_type {
    ($t:expr, $op:ident($p:expr, $x:expr)) => {
        match $t {
            "aws_eip" => eip::$op($p, $x).await,
            "aws_instance" => instance::$op($p, $x).await,
            "aws_internet_gateway" => internet_gateway::$op($p, $x).await,
            "aws_key_pair" => key_pair::$op($p, $x).await,
            "aws_nat_gateway" => nat_gateway::$op($p, $x).await,
            "aws_route" => route::$op($p, $x).await,
            "aws_route_table" => route_table::$op($p, $x).await,
            "aws_route_table_association" => route_table_association::$op($p, $x).await,
            "aws_security_group" => security_group::$op($p, $x).await,
            "aws_security_group_rule" => security_group_rule::$op($p, $x).await,
            "aws_subnet" => subnet::$op($p, $x).await,
            "aws_vpc" => vpc::$op($p, $x).await,
            t @ ("aws_vpc_security_group_egress_rule" | "aws_vpc_security_group_ingress_rule") => {
                vpc_rule::$op($p, t, $x).await
            }
            t => Err(unsupported(t, stringify!($op))),
        }
    };
}

/// Creates an object of EC2 type `t`; returns its full value.
pub(crate) async fn create(
    p: &AwsProvider,
    t: &str,
    req: &CreateRequest<'_>,
) -> Result<Value, ProviderError> {
    by_type!(t, create(p, req))
}

/// Changes an object of EC2 type `t` in place; returns its new value.
pub(crate) async fn update(
    p: &AwsProvider,
    t: &str,
    req: &UpdateRequest<'_>,
) -> Result<Value, ProviderError> {
    by_type!(t, update(p, req))
}

/// Deletes an object of EC2 type `t`; one that is already gone is deleted.
pub(crate) async fn delete(
    p: &AwsProvider,
    t: &str,
    req: &DeleteRequest<'_>,
) -> Result<(), ProviderError> {
    by_type!(t, delete(p, req))
}

/// Reads objects of EC2 type `t` by id, batched; ids missing from the result are gone.
pub(crate) async fn read(
    p: &AwsProvider,
    t: &str,
    priors: &[(String, Value)],
) -> Result<BTreeMap<String, Value>, ProviderError> {
    by_type!(t, read(p, priors))
}
