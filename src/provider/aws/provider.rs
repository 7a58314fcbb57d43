//! [`AwsProvider`]: the [`Provider`] implementation over the EC2 API, dispatching by resource
//! type to the family modules (`vpc`, `security_group`, `instance`, `data`).

use super::common::sdk;
use super::{data, instance, security_group, vpc, AwsClients};
use crate::eval::Value;
use crate::provider::{CreateRequest, DeleteRequest, Provider, ProviderError, UpdateRequest};
use std::collections::BTreeMap;

/// Which family implements a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Vpc,
    SecurityGroup,
    Instance,
    /// `aws_db_*`, implemented in `rds.rs`.
    Rds,
}

fn family(type_name: &str) -> Option<Family> {
    match type_name {
        "aws_vpc"
        | "aws_subnet"
        | "aws_internet_gateway"
        | "aws_route_table"
        | "aws_route"
        | "aws_route_table_association"
        | "aws_eip"
        | "aws_nat_gateway" => Some(Family::Vpc),
        "aws_security_group"
        | "aws_security_group_rule"
        | "aws_vpc_security_group_ingress_rule"
        | "aws_vpc_security_group_egress_rule" => Some(Family::SecurityGroup),
        "aws_key_pair" | "aws_instance" => Some(Family::Instance),
        t if super::rds::RDS_TYPES.contains(&t) => Some(Family::Rds),
        _ => None,
    }
}

/// The EC2 resource types this provider implements (the RDS ones are `rds::RDS_TYPES`).
pub const SUPPORTED_TYPES: &[&str] = &[
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

/// The data sources this provider implements.
pub const SUPPORTED_DATA_SOURCES: &[&str] = &[
    "aws_ami",
    "aws_availability_zones",
    "aws_subnets",
    "aws_vpc",
];

/// The AWS provider over one set of SDK clients (one region, one account).
#[derive(Debug)]
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

fn unsupported(type_name: &str, operation: &'static str) -> ProviderError {
    ProviderError::Unsupported {
        type_name: type_name.to_string(),
        operation,
    }
}

impl Provider for AwsProvider {
    async fn create(&self, req: CreateRequest<'_>) -> Result<Value, ProviderError> {
        let t = req.addr.resource.type_name.as_str();
        match family(t) {
            Some(Family::Vpc) => vpc::create(self, t, &req).await,
            Some(Family::SecurityGroup) => security_group::create(self, t, &req).await,
            Some(Family::Instance) => instance::create(self, t, &req).await,
            Some(Family::Rds) => super::rds::create(&self.clients, &req).await,
            None => Err(unsupported(t, "create")),
        }
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Value, ProviderError> {
        let t = req.addr.resource.type_name.as_str();
        match family(t) {
            Some(Family::Vpc) => vpc::update(self, t, &req).await,
            Some(Family::SecurityGroup) => security_group::update(self, t, &req).await,
            Some(Family::Instance) => instance::update(self, t, &req).await,
            Some(Family::Rds) => super::rds::update(&self.clients, &req).await,
            None => Err(unsupported(t, "update")),
        }
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let t = req.type_name;
        match family(t) {
            Some(Family::Vpc) => vpc::delete(self, t, &req).await,
            Some(Family::SecurityGroup) => security_group::delete(self, t, &req).await,
            Some(Family::Instance) => instance::delete(self, t, &req).await,
            Some(Family::Rds) => super::rds::delete(&self.clients, &req).await,
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
            Some(Family::Vpc) => vpc::read(self, type_name, priors).await,
            Some(Family::SecurityGroup) => security_group::read(self, type_name, priors).await,
            Some(Family::Instance) => instance::read(self, type_name, priors).await,
            Some(Family::Rds) => super::rds::read(&self.clients, type_name, priors).await,
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
            "aws_security_group" => security_group::prepare_adoption(self, &req, id).await,
            _ => Ok(()),
        }
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
