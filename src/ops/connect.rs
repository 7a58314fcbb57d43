//! Connecting to the cloud for a command: a tokio runtime and a provider built from the
//! evaluated `provider "aws"` blocks, usable from the synchronous planning code.

use super::workspace::Workspace;
use crate::config::Config;
use crate::eval::inputs::InputValues;
use crate::eval::{evaluate_providers, EvalMode, EvalOptions, Value};
use crate::plan::DataReader;
use crate::provider::Provider;
use std::collections::HashMap;
use std::future::Future;

/// A provider and the runtime its futures run on.
pub struct Connected<P> {
    pub runtime: tokio::runtime::Runtime,
    pub provider: P,
}

/// The runtime every cloud-facing command uses: two workers (the machine's cores) and large
/// stacks, because configuration evaluation recurses along reference chains.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(64 * 1024 * 1024)
        .enable_all()
        .build()
}

/// Evaluates the provider blocks and builds the provider with `make`.
pub fn connect<P, F, Fut>(
    ws: &Workspace,
    cfg: &Config,
    inputs: &InputValues,
    make: F,
) -> Result<Connected<P>, String>
where
    P: Provider,
    F: FnOnce(HashMap<Option<String>, Value>) -> Fut,
    Fut: Future<Output = Result<P, String>>,
{
    let runtime = runtime().map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let configs = evaluate_providers(
        cfg,
        EvalOptions {
            mode: EvalMode::Plan,
            workspace: ws.name.clone(),
            inputs,
            planner: None,
        },
    );
    let provider = runtime.block_on(make(configs))?;
    Ok(Connected { runtime, provider })
}

impl<P: Provider> DataReader for Connected<P> {
    fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, String> {
        self.runtime
            .block_on(self.provider.read_data(type_name, config))
            .map_err(|e| e.to_string())
    }
}

/// The AWS provider from the default `provider "aws"` block (and the environment).
pub async fn aws(
    configs: HashMap<Option<String>, Value>,
) -> Result<crate::provider::aws::AwsProvider, String> {
    use crate::provider::aws::{AwsClients, AwsProvider, AwsSettings};
    let settings = AwsSettings::from_provider(configs.get(&None));
    Ok(AwsProvider::new(AwsClients::new(&settings).await))
}
