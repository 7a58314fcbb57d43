//! `terrace graph`: the dependency graph of the configuration.

use super::workspace::{load, LoadOptions, Workspace};
use crate::diag::{Diagnostics, SourceMap};
use crate::eval::inputs::VarArg;
use crate::eval::EvalMode;
use crate::graph::DepGraph;

#[derive(Debug, Clone, Default)]
pub struct GraphOptions {
    pub vars: Vec<VarArg>,
}

pub struct GraphReport {
    pub graph: DepGraph,
    pub diags: Diagnostics,
    pub sources: SourceMap,
}

pub fn graph(ws: &Workspace, opts: &GraphOptions) -> GraphReport {
    let loaded = load(
        ws,
        &LoadOptions {
            vars: opts.vars.clone(),
            mode: EvalMode::Validate,
        },
    );
    GraphReport {
        graph: loaded.graph,
        diags: loaded.diags,
        sources: loaded.config.sources,
    }
}
