//! The migration lock: one run at a time per database, held on the run's connection for the
//! whole run, so two applies or two CI jobs never run the same migration twice.
//!
//! PostgreSQL: a session advisory lock (`pg_try_advisory_lock`), which PostgreSQL scopes to
//! the current database. MySQL/MariaDB: a named lock (`GET_LOCK`), server-wide, so its name
//! includes the database. Both are released by the server when the session ends, so a run
//! that dies never leaves the lock behind. Waiting polls until `lock_timeout` (at most half a
//! second between attempts) and reports who holds the lock.

use super::error::MigrateError;
use super::progress::{MigrateEvent, Progress};
use super::target::{Conn, Engine, Target};
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The PostgreSQL advisory lock key: the first 8 bytes of sha256("terrace_schema_history").
fn pg_key() -> i64 {
    let d = Sha256::digest(b"terrace_schema_history");
    i64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// The MySQL lock name: `terrace_schema_history:<database>`, hashed when longer than
/// MySQL's 64-character limit.
fn mysql_name(database: &str) -> String {
    let name = format!("terrace_schema_history:{database}");
    if name.len() <= 64 {
        return name;
    }
    let hex: String = Sha256::digest(database.as_bytes())
        .iter()
        .take(20)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("terrace_schema_history:{hex}")
}

/// How the lock shows in the database, for messages.
pub fn lock_name(target: &Target) -> String {
    match target.engine {
        Engine::Postgres => format!(
            "pg_advisory_lock({}) in database {}",
            pg_key(),
            target.database
        ),
        Engine::Mysql => format!("GET_LOCK('{}')", mysql_name(&target.database)),
    }
}

fn db_err(target: &Target, context: &'static str) -> impl FnOnce(sqlx::Error) -> MigrateError {
    let target = target.describe();
    move |source| MigrateError::Database {
        target,
        context,
        source,
    }
}

async fn try_lock(conn: &mut Conn, target: &Target) -> Result<bool, MigrateError> {
    let err = db_err(target, "taking the migration lock");
    match conn {
        Conn::Pg(c) => sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
            .bind(pg_key())
            .fetch_one(c)
            .await
            .map_err(err),
        Conn::Mysql(c) => {
            sqlx::query_scalar::<_, Option<i64>>("SELECT CAST(GET_LOCK(?, 0) AS SIGNED)")
                .bind(mysql_name(&target.database))
                .fetch_one(c)
                .await
                .map(|r| r == Some(1))
                .map_err(err)
        }
    }
}

/// Who holds the lock, as far as the server tells this user; `None` when it cannot.
async fn holder(conn: &mut Conn, target: &Target) -> Option<String> {
    match conn {
        Conn::Pg(c) => {
            let key = pg_key();
            sqlx::query_scalar::<_, String>(
                "SELECT format('pid %s, user %s, application %s%s', a.pid, a.usename, \
                   coalesce(nullif(a.application_name, ''), '?'), \
                   coalesce(', from ' || host(a.client_addr), '')) \
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                   AND l.classid::bigint = $1 AND l.objid::bigint = $2 \
                 LIMIT 1",
            )
            .bind(i64::from((key >> 32) as u32))
            .bind(i64::from(key as u32))
            .fetch_optional(c)
            .await
            .ok()
            .flatten()
        }
        Conn::Mysql(c) => {
            let id = sqlx::query_scalar::<_, Option<i64>>("SELECT CAST(IS_USED_LOCK(?) AS SIGNED)")
                .bind(mysql_name(&target.database))
                .fetch_one(&mut *c)
                .await
                .ok()
                .flatten()?;
            let who = sqlx::query_scalar::<_, String>(
                "SELECT CONCAT(USER, '@', HOST) FROM information_schema.PROCESSLIST WHERE ID = ?",
            )
            .bind(id)
            .fetch_optional(&mut *c)
            .await
            .ok()
            .flatten();
            Some(match who {
                Some(w) => format!("connection {id}, {w}"),
                None => format!("connection {id}"),
            })
        }
    }
}

/// Takes the lock, waiting at most `timeout`.
pub(crate) async fn acquire(
    conn: &mut Conn,
    target: &Target,
    timeout: Duration,
    progress: &dyn Progress,
) -> Result<(), MigrateError> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(25);
    let mut reported = false;
    loop {
        if try_lock(conn, target).await? {
            progress.event(&MigrateEvent::LockAcquired {
                waited: start.elapsed(),
            });
            return Ok(());
        }
        let elapsed = start.elapsed();
        if elapsed >= timeout {
            return Err(MigrateError::LockTimeout {
                lock: lock_name(target),
                waited: timeout,
                holder: holder(conn, target).await,
            });
        }
        if !reported {
            reported = true;
            let h = holder(conn, target).await;
            progress.event(&MigrateEvent::WaitingForLock {
                holder: h.as_deref(),
            });
        }
        tokio::time::sleep(delay.min(timeout - elapsed)).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// Releases the lock. Errors are ignored: ending the session releases it too.
pub(crate) async fn release(conn: &mut Conn, target: &Target) {
    let _ = match conn {
        Conn::Pg(c) => sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(pg_key())
            .execute(c)
            .await
            .map(drop),
        Conn::Mysql(c) => sqlx::query("SELECT RELEASE_LOCK(?)")
            .bind(mysql_name(&target.database))
            .execute(c)
            .await
            .map(drop),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_lock_names_fit_in_64_characters() {
        assert_eq!(mysql_name("app"), "terrace_schema_history:app");
        let long = mysql_name(&"x".repeat(60));
        assert_eq!(long.len(), 63);
        assert_ne!(long, mysql_name(&"y".repeat(60)));
    }
}
