//! [`AwsProvider`]: the [`Provider`] implementation, dispatching by resource type to the EC2
//! resources (`ec2`), the RDS resources (`rds`) and the data sources (`data`).

use super::common::sdk;
use super::{data, ec2, rds, AwsClients};
use crate::eval::Value;
use crate::provider::{
    CloudObject, CreateRequest, DeleteRequest, InventoryScope, Provider, ProviderError,
    SnapshotRequest, UpdateRequest,
};
use std::collections::BTreeMap;

/// Which family implements a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// The types in [`ec2::TYPES`], implemented in `ec2/`.
    Ec2,
    /// `aws_db_*` ([`rds::RDS_TYPES`]), implemented in `rds/`.
    Rds,
}

fn family(type_name: &str) -> Option<Family> {
    if ec2::TYPES.contains(&type_name) {
        Some(Family::Ec2)
    } else if rds::RDS_TYPES.contains(&type_name) {
        Some(Family::Rds)
    } else {
        None
    }
}

/// The EC2 resource types this provider implements (the RDS ones are `rds::RDS_TYPES`).
pub const SUPPORTED_TYPES: &[&str] = ec2::TYPES;

/// The data sources this provider implements.
pub const SUPPORTED_DATA_SOURCES: &[&str] = &[
    "aws_ami",
    "aws_availability_zones",
    "aws_subnets",
    "aws_vpc",
];

/// The AWS provider over one set of SDK clients (one region, one account). Cloning is cheap:
/// the clones share the SDK clients and the waiters' batching.
#[derive(Debug, Clone)]
pub struct AwsProvider {
    clients: AwsClients,
    account: tokio::sync::OnceCell<String>,
}

impl AwsProvider {
    pub fn new(clients: AwsClients) -> AwsProvider {
        AwsProvider {
            clients,
            account: tokio::sync::OnceCell::new(),
        }
    }

    pub fn clients(&self) -> &AwsClients {
        &self.clients
    }

    pub(crate) fn ec2(&self) -> &aws_sdk_ec2::Client {
        &self.clients.ec2
    }

    pub(crate) fn region(&self) -> &str {
        &self.clients.region
    }

    /// The account id (for ARNs the API does not return), learned once from the owner of the
    /// region's security groups.
    pub(crate) async fn account_id(&self) -> Result<String, ProviderError> {
        self.account
            .get_or_try_init(|| async {
                let out = self
                    .ec2()
                    .describe_security_groups()
                    .max_results(5)
                    .send()
                    .await
                    .map_err(sdk)?;
                Ok(out
                    .security_groups()
                    .iter()
                    .find_map(|g| g.owner_id())
                    .unwrap_or_default()
                    .to_string())
            })
            .await
            .cloned()
    }

    /// `arn:<partition>:ec2:<region>:<account>:<resource>`.
    pub(crate) fn arn(&self, account: &str, resource: &str) -> String {
        super::common::ec2_arn(self.region(), account, resource)
    }
}

/// The error for an operation on a type this provider does not implement.
pub(super) fn unsupported(type_name: &str, operation: &'static str) -> ProviderError {
    ProviderError::Unsupported {
        type_name: type_name.to_string(),
        operation,
    }
}

impl Provider for AwsProvider {
    async fn create(&self, req: CreateRequest<'_>) -> Result<Value, ProviderError> {
        let t = req.addr.resource.type_name.as_str();
        match family(t) {
            Some(Family::Ec2) => ec2::create(self, t, &req).await,
            Some(Family::Rds) => rds::create(&self.clients, &req).await,
            None => Err(unsupported(t, "create")),
        }
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Value, ProviderError> {
        let t = req.addr.resource.type_name.as_str();
        match family(t) {
            Some(Family::Ec2) => ec2::update(self, t, &req).await,
            Some(Family::Rds) => rds::update(&self.clients, &req).await,
            None => Err(unsupported(t, "update")),
        }
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let t = req.type_name;
        match family(t) {
            Some(Family::Ec2) => ec2::delete(self, t, &req).await,
            Some(Family::Rds) => rds::delete(&self.clients, &req).await,
            None => Err(unsupported(t, "delete")),
        }
    }

    async fn read(
        &self,
        type_name: &str,
        priors: &[(String, Value)],
    ) -> Result<BTreeMap<String, Value>, ProviderError> {
        if priors.is_empty() {
            return Ok(BTreeMap::new());
        }
        match family(type_name) {
            Some(Family::Ec2) => ec2::read(self, type_name, priors).await,
            Some(Family::Rds) => rds::read(&self.clients, type_name, priors).await,
            None => Err(unsupported(type_name, "read")),
        }
    }

    async fn find_owned(
        &self,
        type_name: &str,
        lineage: &str,
    ) -> Result<Vec<(String, String)>, ProviderError> {
        super::owned::find_owned(self, type_name, lineage).await
    }

    async fn prepare_adoption(
        &self,
        req: CreateRequest<'_>,
        id: &str,
    ) -> Result<(), ProviderError> {
        match req.addr.resource.type_name.as_str() {
            "aws_security_group" => ec2::prepare_adoption(self, &req, id).await,
            _ => Ok(()),
        }
    }

    async fn snapshot_database(&self, req: SnapshotRequest<'_>) -> Result<String, ProviderError> {
        match family(req.type_name) {
            Some(Family::Rds) => rds::snapshot(&self.clients, &req).await,
            _ => Err(unsupported(req.type_name, "snapshot")),
        }
    }

    async fn inventory(
        &self,
        scope: InventoryScope<'_>,
    ) -> Result<Vec<CloudObject>, ProviderError> {
        super::inventory::inventory(self, scope).await
    }

    fn api_calls(&self) -> BTreeMap<String, u64> {
        self.clients.calls.snapshot()
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        data::read(self, type_name, config).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_type_has_a_family_and_a_schema() {
        for t in SUPPORTED_TYPES {
            assert!(family(t).is_some(), "{t}");
            assert!(crate::schema::resource(t).is_some(), "{t}");
        }
        for t in SUPPORTED_DATA_SOURCES {
            assert!(crate::schema::data_source(t).is_some(), "{t}");
        }
        assert_eq!(family("aws_db_instance"), Some(Family::Rds));
        assert_eq!(family("aws_nope"), None);
    }
}
