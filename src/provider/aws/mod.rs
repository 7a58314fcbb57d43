//! The AWS provider: clients from aws-config (standard credential chain, region from the
//! provider block or `AWS_REGION`, endpoints from `AWS_ENDPOINT_URL*` or `endpoints {}`),
//! standard retries with bounded backoff, and the per-service resource implementations.

mod client;
mod coalescer;
mod common;
mod data;
mod ec2;
mod inventory;
mod owned;
mod provider;
pub mod rds;

pub use client::{ApiCalls, AwsClients, AwsSettings, Waits};
pub(crate) use ec2::rule_atoms;
pub use provider::{AwsProvider, SUPPORTED_DATA_SOURCES, SUPPORTED_TYPES};
