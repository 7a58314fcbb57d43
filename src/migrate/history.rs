//! The history table `terrace_schema_history`: an append-only audit trail of every migration
//! run, in the target database itself.
//!
//! Invariants: rows are ordered by `id` (insertion order); a version is applied when its
//! latest successful `versioned`/`undo` row is a `versioned` one; a repeatable's current
//! checksum is that of its latest successful row; a row with `success = false` exists only
//! on MySQL/MariaDB (PostgreSQL rolls the whole migration back) and blocks further runs until
//! `repair` deletes it. `applied_at` is the migration's start in UTC, in the database's
//! clock, as RFC 3339 with microseconds.

use super::error::MigrateError;
use super::target::{Conn, Target};
use super::MigrationKind;
use crate::state::MigrationRecord;
// `Executor::execute` rather than `RawSql::execute`: the latter's future is not `Send` for
// every lifetime, which would keep callers from spawning the run.
use sqlx::{Executor, Row};

/// The table's name.
pub const HISTORY_TABLE: &str = "terrace_schema_history";

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryRow {
    /// Insertion order.
    pub id: i64,
    /// `None` for repeatables.
    pub version: Option<String>,
    pub description: String,
    pub kind: MigrationKind,
    /// sha256 of the file's normalised content, hex.
    pub checksum: String,
    pub applied_at: String,
    /// The OS user or CI identity that ran it.
    pub applied_by: String,
    /// HEAD of the configuration's git repository, when it is one.
    pub git_commit: Option<String>,
    pub execution_ms: u64,
    pub success: bool,
}

impl HistoryRow {
    /// The row as the state's record for the migration block at `migration` (e.g.
    /// `migration.app_schema`).
    pub fn to_record(&self, migration: &str) -> MigrationRecord {
        MigrationRecord {
            migration: migration.to_string(),
            version: self.version.clone(),
            description: self.description.clone(),
            kind: self.kind.as_str().to_string(),
            checksum: self.checksum.clone(),
            applied_at: self.applied_at.clone(),
            applied_by: self.applied_by.clone(),
            git_commit: self.git_commit.clone(),
            execution_ms: self.execution_ms,
            success: self.success,
        }
    }

    /// The row a state record mirrors, numbered `id` (records keep the history's order);
    /// `None` when the record's kind is not one the runner writes.
    pub fn from_record(record: &MigrationRecord, id: i64) -> Option<HistoryRow> {
        Some(HistoryRow {
            id,
            version: record.version.clone(),
            description: record.description.clone(),
            kind: MigrationKind::parse(&record.kind)?,
            checksum: record.checksum.clone(),
            applied_at: record.applied_at.clone(),
            applied_by: record.applied_by.clone(),
            git_commit: record.git_commit.clone(),
            execution_ms: record.execution_ms,
            success: record.success,
        })
    }

    /// The file name the row's migration has by the naming convention.
    pub fn file_name(&self) -> String {
        let desc = self.description.replace(' ', "_");
        match (self.kind, &self.version) {
            (MigrationKind::Repeatable, _) | (_, None) => format!("R__{desc}.sql"),
            (MigrationKind::Versioned, Some(v)) => format!("V{v}__{desc}.sql"),
            (MigrationKind::Undo, Some(v)) => format!("U{v}__{desc}.sql"),
        }
    }
}

/// What a new row records; `id`, `applied_at` and `success` come from the database and the
/// run.
pub(crate) struct NewRow<'a> {
    pub version: Option<&'a str>,
    pub description: &'a str,
    pub kind: MigrationKind,
    pub checksum: &'a str,
    pub applied_by: &'a str,
    pub git_commit: Option<&'a str>,
}

const PG_CREATE: &str = "CREATE TABLE terrace_schema_history (
  id BIGSERIAL PRIMARY KEY,
  version VARCHAR(64),
  description TEXT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  checksum CHAR(64) NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  applied_by TEXT NOT NULL,
  git_commit VARCHAR(64),
  execution_ms BIGINT NOT NULL,
  success BOOLEAN NOT NULL
)";

const MYSQL_CREATE: &str = "CREATE TABLE terrace_schema_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  version VARCHAR(64) NULL,
  description TEXT NOT NULL,
  kind VARCHAR(16) NOT NULL,
  checksum CHAR(64) NOT NULL,
  applied_at DATETIME(6) NOT NULL,
  applied_by TEXT NOT NULL,
  git_commit VARCHAR(64) NULL,
  execution_ms BIGINT NOT NULL,
  success BOOLEAN NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

const PG_COLUMNS: &str = "id, version, description, kind, checksum, \
  to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS applied_at, \
  applied_by, git_commit, execution_ms, success";

const MYSQL_COLUMNS: &str = "id, version, description, kind, checksum, \
  DATE_FORMAT(applied_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS applied_at, \
  applied_by, git_commit, execution_ms, success";

fn db_err(target: &Target, context: &'static str) -> impl FnOnce(sqlx::Error) -> MigrateError {
    let target = target.describe();
    move |source| MigrateError::Database {
        target,
        context,
        source,
    }
}

/// Whether the table exists (in PostgreSQL's search path / MySQL's current database).
pub(crate) async fn exists(conn: &mut Conn, target: &Target) -> Result<bool, MigrateError> {
    let err = db_err(target, "looking for the history table");
    match conn {
        Conn::Pg(c) => sqlx::query_scalar::<_, bool>(
            "SELECT to_regclass('terrace_schema_history') IS NOT NULL",
        )
        .fetch_one(c)
        .await
        .map_err(err),
        Conn::Mysql(c) => sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_name = 'terrace_schema_history'",
        )
        .fetch_one(c)
        .await
        .map(|n| n > 0)
        .map_err(err),
    }
}

/// Creates the table unless it exists. Call with the migration lock held.
pub(crate) async fn ensure(conn: &mut Conn, target: &Target) -> Result<(), MigrateError> {
    if exists(conn, target).await? {
        return Ok(());
    }
    let err = db_err(target, "creating the history table");
    match conn {
        Conn::Pg(c) => c.execute(sqlx::raw_sql(PG_CREATE)).await.map(drop),
        Conn::Mysql(c) => c.execute(sqlx::raw_sql(MYSQL_CREATE)).await.map(drop),
    }
    .map_err(err)
}

/// Every row, in `id` order; empty when the table does not exist.
pub(crate) async fn read(
    conn: &mut Conn,
    target: &Target,
) -> Result<Vec<HistoryRow>, MigrateError> {
    if !exists(conn, target).await? {
        return Ok(Vec::new());
    }
    let err = db_err(target, "reading the history table");
    match conn {
        Conn::Pg(c) => {
            let sql = format!("SELECT {PG_COLUMNS} FROM terrace_schema_history ORDER BY id");
            let rows = sqlx::query(&sql).fetch_all(c).await.map_err(err)?;
            rows.iter().map(|r| pg_row(r, target)).collect()
        }
        Conn::Mysql(c) => {
            let sql = format!("SELECT {MYSQL_COLUMNS} FROM terrace_schema_history ORDER BY id");
            let rows = sqlx::query(&sql).fetch_all(c).await.map_err(err)?;
            rows.iter().map(|r| mysql_row(r, target)).collect()
        }
    }
}

macro_rules! decode_row {
    ($row:expr, $target:expr) => {{
        let row = $row;
        let err = db_err($target, "reading the history table");
        let id: i64 = row.try_get("id").map_err(err)?;
        let get = |name: &str| -> Result<Option<String>, MigrateError> {
            row.try_get::<Option<String>, _>(name)
                .map_err(db_err($target, "reading the history table"))
        };
        let kind_text = get("kind")?.unwrap_or_default();
        let kind =
            MigrationKind::parse(&kind_text).ok_or_else(|| MigrateError::HistoryCorrupt {
                id,
                message: format!("unknown kind {kind_text:?}"),
            })?;
        let execution_ms: i64 = row
            .try_get("execution_ms")
            .map_err(db_err($target, "reading the history table"))?;
        let success: bool = row
            .try_get("success")
            .map_err(db_err($target, "reading the history table"))?;
        let version = get("version")?;
        if kind != MigrationKind::Repeatable
            && version
                .as_deref()
                .and_then(super::VersionKey::parse)
                .is_none()
        {
            return Err(MigrateError::HistoryCorrupt {
                id,
                message: format!(
                    "{} row without a valid version ({version:?})",
                    kind.as_str()
                ),
            });
        }
        Ok(HistoryRow {
            id,
            version,
            description: get("description")?.unwrap_or_default(),
            kind,
            checksum: get("checksum")?.unwrap_or_default().trim().to_string(),
            applied_at: get("applied_at")?.unwrap_or_default(),
            applied_by: get("applied_by")?.unwrap_or_default(),
            git_commit: get("git_commit")?,
            execution_ms: u64::try_from(execution_ms).unwrap_or(0),
            success,
        })
    }};
}

fn pg_row(row: &sqlx::postgres::PgRow, target: &Target) -> Result<HistoryRow, MigrateError> {
    decode_row!(row, target)
}

fn mysql_row(row: &sqlx::mysql::MySqlRow, target: &Target) -> Result<HistoryRow, MigrateError> {
    decode_row!(row, target)
}

/// PostgreSQL: records a successful migration inside its transaction (`applied_at` is the
/// transaction's start, i.e. the migration's).
pub(crate) async fn insert_pg(
    tx: &mut sqlx::PgConnection,
    target: &Target,
    row: &NewRow<'_>,
    execution_ms: u64,
) -> Result<HistoryRow, MigrateError> {
    let sql = format!(
        "INSERT INTO terrace_schema_history \
         (version, description, kind, checksum, applied_at, applied_by, git_commit, execution_ms, success) \
         VALUES ($1, $2, $3, $4, now(), $5, $6, $7, TRUE) RETURNING {PG_COLUMNS}"
    );
    let r = sqlx::query(&sql)
        .bind(row.version)
        .bind(row.description)
        .bind(row.kind.as_str())
        .bind(row.checksum)
        .bind(row.applied_by)
        .bind(row.git_commit)
        .bind(i64::try_from(execution_ms).unwrap_or(i64::MAX))
        .fetch_one(tx)
        .await
        .map_err(db_err(
            target,
            "recording the migration in the history table",
        ))?;
    pg_row(&r, target)
}

/// MySQL: records a migration as failed before it starts, so that a run that dies half way
/// (DDL cannot be rolled back) leaves a row that blocks the next run. Returns the row's id.
pub(crate) async fn insert_started_mysql(
    c: &mut sqlx::MySqlConnection,
    target: &Target,
    row: &NewRow<'_>,
) -> Result<i64, MigrateError> {
    let done = sqlx::query(
        "INSERT INTO terrace_schema_history \
         (version, description, kind, checksum, applied_at, applied_by, git_commit, execution_ms, success) \
         VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), ?, ?, 0, FALSE)",
    )
    .bind(row.version)
    .bind(row.description)
    .bind(row.kind.as_str())
    .bind(row.checksum)
    .bind(row.applied_by)
    .bind(row.git_commit)
    .execute(&mut *c)
    .await
    .map_err(db_err(target, "recording the migration in the history table"))?;
    Ok(i64::try_from(done.last_insert_id()).unwrap_or(i64::MAX))
}

/// MySQL: the outcome of the migration started as row `id`; returns the row.
pub(crate) async fn finish_mysql(
    c: &mut sqlx::MySqlConnection,
    target: &Target,
    id: i64,
    success: bool,
    execution_ms: u64,
) -> Result<HistoryRow, MigrateError> {
    sqlx::query("UPDATE terrace_schema_history SET success = ?, execution_ms = ? WHERE id = ?")
        .bind(success)
        .bind(i64::try_from(execution_ms).unwrap_or(i64::MAX))
        .bind(id)
        .execute(&mut *c)
        .await
        .map_err(db_err(
            target,
            "recording the migration's outcome in the history table",
        ))?;
    let sql = format!("SELECT {MYSQL_COLUMNS} FROM terrace_schema_history WHERE id = ?");
    let r = sqlx::query(&sql)
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .map_err(db_err(target, "reading the history table"))?;
    mysql_row(&r, target)
}

/// Deletes the rows `ids` (repair of failed migrations).
pub(crate) async fn delete(conn: &mut Conn, target: &Target, id: i64) -> Result<(), MigrateError> {
    let err = db_err(target, "deleting a failed row from the history table");
    match conn {
        Conn::Pg(c) => sqlx::query("DELETE FROM terrace_schema_history WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(drop)
            .map_err(err),
        Conn::Mysql(c) => sqlx::query("DELETE FROM terrace_schema_history WHERE id = ?")
            .bind(id)
            .execute(c)
            .await
            .map(drop)
            .map_err(err),
    }
}

/// Sets the checksum of row `id` (repair accepting a changed file).
pub(crate) async fn set_checksum(
    conn: &mut Conn,
    target: &Target,
    id: i64,
    checksum: &str,
) -> Result<(), MigrateError> {
    let err = db_err(target, "updating a checksum in the history table");
    match conn {
        Conn::Pg(c) => sqlx::query("UPDATE terrace_schema_history SET checksum = $1 WHERE id = $2")
            .bind(checksum)
            .bind(id)
            .execute(c)
            .await
            .map(drop)
            .map_err(err),
        Conn::Mysql(c) => {
            sqlx::query("UPDATE terrace_schema_history SET checksum = ? WHERE id = ?")
                .bind(checksum)
                .bind(id)
                .execute(c)
                .await
                .map(drop)
                .map_err(err)
        }
    }
}
