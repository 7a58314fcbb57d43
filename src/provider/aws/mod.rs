//! The AWS provider: clients from aws-config (standard credential chain, region from the
//! provider block or `AWS_REGION`, endpoints from `AWS_ENDPOINT_URL*` or `endpoints {}`),
//! adaptive retries, and the per-service resource implementations.

mod client;
mod common;
mod data;
mod instance;
mod provider;
pub mod rds;
mod security_group;
mod vpc;

pub use client::{AwsClients, AwsSettings};
pub use provider::{AwsProvider, SUPPORTED_DATA_SOURCES, SUPPORTED_TYPES};
