//! The AWS provider: clients from aws-config (standard credential chain, region from the
//! provider block or `AWS_REGION`, endpoints from `AWS_ENDPOINT_URL*` or `endpoints {}`),
//! adaptive retries, and the per-service resource implementations.

mod client;

pub use client::{AwsClients, AwsSettings};
