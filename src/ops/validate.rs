//! `terrace validate`: load, evaluate and order the configuration; report every problem.

use super::workspace::{load, LoadOptions, Workspace};
use crate::diag::{Diagnostics, SourceMap};
use crate::eval::inputs::VarArg;
use crate::eval::EvalMode;

#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    pub vars: Vec<VarArg>,
}

/// The outcome: diagnostics and the sources they point into.
pub struct ValidateReport {
    pub diags: Diagnostics,
    pub sources: SourceMap,
    pub resource_instances: usize,
}

impl ValidateReport {
    pub fn is_valid(&self) -> bool {
        !self.diags.has_errors()
    }
}

pub fn validate(ws: &Workspace, opts: &ValidateOptions) -> ValidateReport {
    let loaded = load(
        ws,
        &LoadOptions {
            vars: opts.vars.clone(),
            mode: EvalMode::Validate,
        },
    );
    ValidateReport {
        resource_instances: loaded.evaluated.instances.len(),
        diags: loaded.diags,
        sources: loaded.config.sources,
    }
}
