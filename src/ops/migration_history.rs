//! Plan's view of a migration block's database: its history table, read with the block's
//! connection settings, so `plan` lists what the database itself has not applied.
//!
//! Reading never takes the migration lock and never creates the history table. A database
//! that does not answer within [`PLAN_CONNECT_TIMEOUT`] is reported as unreachable (plan
//! then warns and falls back to the history recorded in state).

use super::migration_target::migration_target;
use crate::eval::{MigrationValue, Value};
use crate::plan::{History, HistoryReader};
use std::cell::OnceCell;
use std::time::Duration;

/// How long plan waits for a migration database to accept a connection.
pub const PLAN_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads histories from the databases, with the workspace's environment for passwords.
pub(super) struct DatabaseHistory<'a> {
    pub(super) env: &'a [(String, String)],
    /// Created on the first read: plans without migration blocks start no runtime.
    runtime: OnceCell<std::io::Result<tokio::runtime::Runtime>>,
}

impl<'a> DatabaseHistory<'a> {
    pub(super) fn new(env: &'a [(String, String)]) -> Self {
        DatabaseHistory {
            env,
            runtime: OnceCell::new(),
        }
    }
}

impl HistoryReader for DatabaseHistory<'_> {
    fn history(&self, block: &MigrationValue, db: Option<&Value>) -> History {
        let env = |k: &str| {
            self.env
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        let setup = match migration_target(&block.value, db, &block.addr.to_string(), &env) {
            Ok(s) => s,
            Err(e) => {
                return History::Unreachable {
                    error: e.to_string(),
                }
            }
        };
        let mut target = setup.target;
        target.connect_timeout = target.connect_timeout.min(PLAN_CONNECT_TIMEOUT);
        let runtime = self.runtime.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        });
        let runtime = match runtime {
            Ok(r) => r,
            Err(e) => {
                return History::Unreachable {
                    error: format!("cannot start the async runtime: {e}"),
                }
            }
        };
        match runtime.block_on(crate::migrate::history(&target)) {
            Ok(rows) => History::Read {
                target: target.describe(),
                rows,
            },
            Err(e) => History::Unreachable {
                error: e.to_string(),
            },
        }
    }
}
