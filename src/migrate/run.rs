//! Running one migration file and recording it.
//!
//! PostgreSQL: the statements and the history row share one transaction; a failure rolls it
//! all back, so nothing is recorded. MySQL/MariaDB (DDL commits implicitly): the history row
//! is written as failed before the first statement and marked successful after the last, so
//! a failure, or a run that dies half way, leaves a failed row that blocks the next run until
//! `repair`.

use super::audit::Audit;
use super::error::MigrateError;
use super::history::{self, HistoryRow, NewRow};
use super::split::{split, Dialect, Statement};
use super::target::{Conn, Engine, Target};
use super::MigrationFile;
// `Executor::execute` rather than `RawSql::execute`, whose future is not `Send` for every
// lifetime (callers spawn the run).
use sqlx::{Connection, Executor};
use std::time::Instant;

/// A migration file read and split, ready to run.
pub(crate) struct Prepared<'f> {
    pub file: &'f MigrationFile,
    /// Checksum of the content read now (what runs, and what the history records).
    pub checksum: String,
    pub statements: Vec<Statement>,
}

/// Reads and splits `file` for `engine`.
pub(crate) fn prepare(file: &MigrationFile, engine: Engine) -> Result<Prepared<'_>, MigrateError> {
    let bytes = std::fs::read(&file.path).map_err(|source| MigrateError::ReadFile {
        file: file.path.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let dialect = match engine {
        Engine::Postgres => Dialect::Postgres,
        Engine::Mysql => Dialect::Mysql,
    };
    let statements = split(text, dialect).map_err(|e| MigrateError::Split {
        file: file.path.clone(),
        line: e.line,
        message: e.message,
    })?;
    Ok(Prepared {
        file,
        checksum: super::checksum(&bytes),
        statements,
    })
}

/// A failed migration: the error, and on MySQL the history row marking it failed.
pub(crate) struct Failure {
    pub error: MigrateError,
    pub row: Option<HistoryRow>,
}

impl From<MigrateError> for Failure {
    fn from(error: MigrateError) -> Failure {
        Failure { error, row: None }
    }
}

/// Runs `m` and records it in the history; returns its row.
pub(crate) async fn execute(
    conn: &mut Conn,
    target: &Target,
    m: &Prepared<'_>,
    audit: &Audit,
) -> Result<HistoryRow, Failure> {
    let new = NewRow {
        version: m.file.version.as_deref(),
        description: &m.file.description,
        kind: m.file.kind,
        checksum: &m.checksum,
        applied_by: &audit.applied_by,
        git_commit: audit.git_commit.as_deref(),
    };
    match conn {
        Conn::Pg(c) => {
            let tx_err = |source| MigrateError::Database {
                target: target.describe(),
                context: "running the migration's transaction",
                source,
            };
            let mut tx = c.begin().await.map_err(tx_err)?;
            let started = Instant::now();
            for st in &m.statements {
                if let Err(e) = tx.execute(sqlx::raw_sql(&st.text)).await {
                    let _ = tx.rollback().await;
                    return Err(statement_failed(m, st, &e, true).into());
                }
            }
            let ms = elapsed_ms(started);
            let row = match history::insert_pg(&mut tx, target, &new, ms).await {
                Ok(row) => row,
                Err(e) => {
                    let _ = tx.rollback().await;
                    return Err(e.into());
                }
            };
            tx.commit().await.map_err(tx_err)?;
            Ok(row)
        }
        Conn::Mysql(c) => {
            let id = history::insert_started_mysql(c, target, &new).await?;
            let started = Instant::now();
            for st in &m.statements {
                if let Err(e) = c.execute(sqlx::raw_sql(&st.text)).await {
                    let error = statement_failed(m, st, &e, false);
                    let ms = elapsed_ms(started);
                    let row = history::finish_mysql(c, target, id, false, ms).await.ok();
                    return Err(Failure { error, row });
                }
            }
            let ms = elapsed_ms(started);
            Ok(history::finish_mysql(c, target, id, true, ms).await?)
        }
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The error for statement `st` of `m`, with the line the server points at when it does.
fn statement_failed(
    m: &Prepared<'_>,
    st: &Statement,
    e: &sqlx::Error,
    rolled_back: bool,
) -> MigrateError {
    let mut line = st.line;
    let (message, code) = match e {
        sqlx::Error::Database(db) => {
            let mut message = db.message().to_string();
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                if let Some(sqlx::postgres::PgErrorPosition::Original(pos)) = pg.position() {
                    line += st
                        .text
                        .chars()
                        .take(pos.saturating_sub(1))
                        .filter(|&c| c == '\n')
                        .count();
                }
                if let Some(d) = pg.detail() {
                    message.push_str(&format!(" ({d})"));
                }
                if let Some(h) = pg.hint() {
                    message.push_str(&format!("; hint: {h}"));
                }
            } else if let Some(n) = mysql_error_line(&message) {
                line += n.saturating_sub(1);
            }
            (message, db.code().map(|c| c.into_owned()))
        }
        other => (other.to_string(), None),
    };
    MigrateError::Failed {
        file: m.file.path.clone(),
        statement_line: st.line,
        line,
        statement: excerpt(&st.text),
        message,
        code,
        rolled_back,
    }
}

/// MySQL syntax errors end with `at line N` (a line of the statement).
fn mysql_error_line(message: &str) -> Option<usize> {
    let (_, n) = message.rsplit_once(" at line ")?;
    n.trim().parse().ok()
}

/// The statement's first line, shortened to 100 characters.
fn excerpt(text: &str) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    let short: String = first.chars().take(100).collect();
    if short.len() < first.len() || text.trim_end().contains('\n') {
        format!("{short} …")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_and_mysql_lines() {
        assert_eq!(excerpt("SELECT 1"), "SELECT 1");
        assert_eq!(
            excerpt("CREATE TABLE t (\n  x int\n)"),
            "CREATE TABLE t ( …"
        );
        assert_eq!(excerpt(&"x".repeat(150)).chars().count(), 102);
        assert_eq!(
            mysql_error_line("You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'TABL x' at line 2"),
            Some(2)
        );
        assert_eq!(mysql_error_line("Table 'x' already exists"), None);
    }
}
