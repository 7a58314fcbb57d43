//! Building SDK clients from the `provider "aws"` block and the environment.

use super::coalescer::Coalescer;
use crate::eval::Value;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
// The interceptor types as the EC2 crate re-exports them (they are the smithy runtime's,
// shared by every service client).
use aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Retries when the provider block sets no `max_retries`. With the standard retry mode's
/// jittered exponential backoff (100 ms doubling, at most 5 s between attempts) this rides out
/// throttling on a large share of calls, and an unreachable endpoint fails within half a minute.
pub const DEFAULT_MAX_RETRIES: u32 = 10;

/// Connection settings taken from the evaluated `provider "aws"` block. Unset values fall
/// back to the SDK's standard chain (environment, shared config, instance metadata).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub max_retries: Option<u32>,
    pub endpoint_ec2: Option<String>,
    pub endpoint_rds: Option<String>,
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get_attr(p)?;
    }
    cur.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

impl AwsSettings {
    /// Reads the settings from an evaluated provider block (unknown or null values are unset).
    pub fn from_provider(v: Option<&Value>) -> AwsSettings {
        let Some(v) = v else {
            return AwsSettings::default();
        };
        AwsSettings {
            region: text(v, &["region"]),
            profile: text(v, &["profile"]),
            access_key: text(v, &["access_key"]),
            secret_key: text(v, &["secret_key"]),
            max_retries: v
                .get_attr("max_retries")
                .and_then(Value::as_f64)
                .filter(|n| *n >= 0.0)
                .map(|n| n as u32),
            endpoint_ec2: text(v, &["endpoints", "ec2"]),
            endpoint_rds: text(v, &["endpoints", "rds"]),
        }
    }
}

/// The SDK clients one command uses.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub ec2: aws_sdk_ec2::Client,
    pub rds: aws_sdk_rds::Client,
    pub region: String,
    /// Batched lookups shared by every waiter of this command.
    pub waits: Arc<Waits>,
    /// Requests sent by `ec2` and `rds` (and by every client built from their
    /// configurations), counted by the interceptor these clients were built with.
    pub calls: ApiCalls,
}

/// Counts every request the SDK clients send, by operation name (`DescribeInstances`), retries
/// included: an SDK interceptor that sees each attempt just before it is transmitted. Clones
/// share the counters.
#[derive(Debug, Clone, Default)]
pub struct ApiCalls(Arc<Mutex<BTreeMap<String, u64>>>);

impl ApiCalls {
    /// The counts so far.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts().clone()
    }

    /// Adds one request of `operation`.
    fn record(&self, operation: &str) {
        *self.counts().entry(operation.to_string()).or_default() += 1;
    }

    /// The counters. A panic elsewhere while they were locked leaves them consistent (each
    /// update is a single insert), so a poisoned lock is used as is.
    fn counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Intercept for ApiCalls {
    fn name(&self) -> &'static str {
        "TerraceApiCalls"
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Every generated operation stores its metadata in the bag; "unknown" would only
        // show up for a request made outside the generated operations.
        let op = cfg.load::<Metadata>().map_or("unknown", Metadata::name);
        self.record(op);
        Ok(())
    }
}

/// One [`Coalescer`] per kind of object that waiters poll: waiters polling at the same
/// moment share one Describe call.
#[derive(Debug, Default)]
pub struct Waits {
    pub(crate) instances: Coalescer<(aws_sdk_ec2::types::Instance, String)>,
    pub(crate) nat_gateways: Coalescer<aws_sdk_ec2::types::NatGateway>,
    pub(crate) db_instances: Coalescer<aws_sdk_rds::types::DbInstance>,
}

impl AwsClients {
    /// Loads the shared SDK configuration and builds the service clients. `AWS_ENDPOINT_URL`,
    /// `AWS_ENDPOINT_URL_EC2` and `AWS_ENDPOINT_URL_RDS` are honoured by aws-config itself;
    /// `endpoints {}` in the provider block takes precedence over them.
    pub async fn new(s: &AwsSettings) -> AwsClients {
        // Standard mode, not adaptive: the SDK's adaptive client-side rate limiter drops to
        // 0.5 requests per second after a throttle when the measured send rate is low (as it is
        // for a provisioner's bursts), which made a 40-resource apply with 30% of calls
        // throttled take over a minute instead of seconds. Terraform's AWS provider also uses
        // standard mode.
        let retries = RetryConfig::standard()
            .with_max_attempts(
                s.max_retries
                    .unwrap_or(DEFAULT_MAX_RETRIES)
                    .saturating_add(1),
            )
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(5));
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retries);
        if let Some(r) = &s.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &s.profile {
            loader = loader.profile_name(p);
        }
        if let (Some(a), Some(k)) = (&s.access_key, &s.secret_key) {
            loader = loader.credentials_provider(aws_sdk_ec2::config::Credentials::new(
                a,
                k,
                None,
                None,
                "terrace-provider-block",
            ));
        }
        let shared = loader.load().await;
        let region = shared
            .region()
            .map_or_else(|| "us-east-1".to_string(), ToString::to_string);
        let calls = ApiCalls::default();
        let mut ec2 = aws_sdk_ec2::config::Builder::from(&shared).interceptor(calls.clone());
        if let Some(e) = &s.endpoint_ec2 {
            ec2 = ec2.endpoint_url(e);
        }
        let mut rds = aws_sdk_rds::config::Builder::from(&shared).interceptor(calls.clone());
        if let Some(e) = &s.endpoint_rds {
            rds = rds.endpoint_url(e);
        }
        AwsClients {
            ec2: aws_sdk_ec2::Client::from_conf(ec2.build()),
            rds: aws_sdk_rds::Client::from_conf(rds.build()),
            region,
            waits: Arc::default(),
            calls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_from_provider_block() {
        let v = Value::map([
            ("region", Value::from("eu-west-1")),
            ("max_retries", Value::Number(3.0)),
            (
                "endpoints",
                Value::map([
                    ("ec2", Value::from("http://127.0.0.1:5000")),
                    ("rds", Value::Null),
                ]),
            ),
            ("profile", Value::Unknown),
        ]);
        let s = AwsSettings::from_provider(Some(&v));
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.max_retries, Some(3));
        assert_eq!(s.endpoint_ec2.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(s.endpoint_rds, None);
        assert_eq!(s.profile, None);
    }
}
