//! One function per command. Functions take a [`Workspace`] and options, and return data;
//! they never print.

mod apply;
mod connect;
mod drift;
mod fmt;
mod graph;
mod import;
pub mod init;
mod migrate;
mod migrate_context;
mod migration_history;
mod migration_stage;
mod migration_target;
mod output;
mod plan;
mod refresh;
mod refresh_only;
mod state;
mod state_access;
mod validate;
mod workspace;
mod workspace_cmd;

pub use apply::{apply, ApplyCmdOptions, ApplyReport};
pub use connect::{aws as aws_provider, connect, runtime, Connected};
pub use drift::{drift, DriftOptions, DriftRun};
pub use fmt::{fmt, fmt_text, unified_diff, FmtFile, FmtOptions, FmtReport};
pub use graph::{graph, GraphOptions, GraphReport};
pub use import::{
    import, import_prior, imported_value, plan_imports, read_objects, ImportCmdOptions,
    ImportError, ImportReport, PlannedImports,
};
pub use migrate::{
    migrate_down, migrate_history, migrate_repair, migrate_status, migrate_up, BlockHistory,
    BlockOutcome, BlockRepair, BlockRun, BlockStatus, MigrateCmdError, MigrateCmdOptions,
    MigrateProgress, MigrateReport,
};
pub use migration_target::{
    migration_target, password_env_var, MigrationSetup, MigrationTargetError, PasswordSource,
};
pub use output::{json_type, output, outputs, outputs_json, raw_output};
pub use plan::{config_hash, plan, plan_against, PlanCmdOptions, PlanReport, Planned};
pub use refresh::refresh;
pub use state::{
    force_unlock, open_state, state_list, state_mv, state_rm, state_show, StateCommandError,
    StateOptions,
};
pub use state_access::current_state;
pub use validate::{validate, ValidateOptions, ValidateReport};
pub use workspace::{
    evaluate_config, load, load_config, load_with, selected_workspace, LoadOptions, Loaded,
    Workspace, ENVIRONMENT_FILE, WORKSPACE_ENV_VAR,
};
pub use workspace_cmd::{
    create_workspace_state, delete_workspace_state, list_workspaces, record_selection,
    workspace_delete, workspace_exists, workspace_list, workspace_new, workspace_select, Selected,
    WorkspaceError, WorkspaceList, WorkspaceLock,
};
