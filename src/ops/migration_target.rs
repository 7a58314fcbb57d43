//! A migration block's connection: the evaluated block's arguments over its database
//! instance's attributes.
//!
//! Every connection argument the block leaves null defaults from the `aws_db_instance` it
//! names: `engine` from the instance's `engine` (aurora variants included), `host` from
//! `address`, `port` from `port`, `username` from `username`, `database_name` from
//! `db_name`. The password comes from, in order: the block's `password`; the environment
//! variable `TERRACE_MIGRATION_PASSWORD_<NAME>` (the block name upper-cased, other
//! characters as `_`); the instance's `password` when the block keeps the instance's master
//! `username`; `PGPASSWORD` (PostgreSQL) or `MYSQL_PWD` (MySQL/MariaDB). The password is
//! never part of an error or a `Debug` output.

use crate::eval::Value;
use crate::migrate::{Audit, Engine, RunOptions, Target, TlsMode, DEFAULT_LOCK_TIMEOUT};
use std::path::PathBuf;
use std::time::Duration;

/// What running one migration block needs besides its files.
#[derive(Debug, Clone)]
pub struct MigrationSetup {
    pub target: Target,
    /// The migration directory as configured (relative paths resolve from the working
    /// directory, like the block's validation does).
    pub source: PathBuf,
    pub allow_out_of_order: bool,
    /// How long to wait for another run's migration lock.
    pub lock_timeout: Duration,
    /// Snapshot the instance before pending migrations run (the apply stage's job).
    pub snapshot_before: bool,
    /// Where the password came from (for messages; never the password itself).
    pub password_source: PasswordSource,
}

impl MigrationSetup {
    /// The runner's options, with `audit` recorded in the history rows.
    pub fn run_options(&self, audit: Audit) -> RunOptions {
        RunOptions {
            allow_out_of_order: self.allow_out_of_order,
            lock_timeout: self.lock_timeout,
            audit,
        }
    }
}

/// Where a migration block's password came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// The block's `password` argument.
    Block,
    /// The named environment variable.
    Env(String),
    /// The database instance's `password` attribute in state (its master password).
    Instance,
    /// No password was found: the connection is attempted without one.
    None,
}

/// Why a migration block's connection cannot be worked out. Each names the block and the
/// argument concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrationTargetError {
    /// The argument (or the instance attribute it defaults from) is not known yet.
    #[error("{block}: the value of {field} is not known yet: {reason}")]
    Unknown {
        block: String,
        field: &'static str,
        reason: String,
    },
    /// Neither the block nor its database instance gives the argument.
    #[error("{block}: no {field}: {reason}")]
    Missing {
        block: String,
        field: &'static str,
        reason: String,
    },
    /// The database instance is not in state (not created yet), and the block leaves these
    /// connection arguments to it.
    #[error("{block}: the database instance is not in the state yet (terrace apply creates it); apply first, or set {} in the block to reach a server that exists", fields.join(", "))]
    NotInState {
        block: String,
        fields: Vec<&'static str>,
    },
    /// The argument has a value that cannot be used.
    #[error("{block}: invalid {field}: {message}")]
    Invalid {
        block: String,
        field: &'static str,
        message: String,
    },
}

const UNKNOWN_REASON: &str = "it depends on a value known only after apply, or on a variable without a value (set it with -var or -var-file)";

/// Works out the connection and options of the migration block at `addr` (e.g.
/// `migration.app_schema`) from its evaluated value `block` (unset arguments null) and the
/// state attributes `db` of its `aws_db_instance` (`None` when the instance is not in state).
/// `env` looks up environment variables (for the password).
pub fn migration_target(
    block: &Value,
    db: Option<&Value>,
    addr: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<MigrationSetup, MigrationTargetError> {
    let b = Fields { addr, block, db };
    if db.is_none() {
        let fields: Vec<&'static str> = ["engine", "host", "username", "database_name"]
            .into_iter()
            .filter(|f| block.get_attr(f).is_none_or(Value::is_null))
            .collect();
        if !fields.is_empty() {
            return Err(MigrationTargetError::NotInState {
                block: addr.to_string(),
                fields,
            });
        }
    }
    let source = b
        .block_str("source")?
        .ok_or_else(|| b.missing("source", "set source to the migration directory"))?;
    let engine = match b.block_str("engine")? {
        Some(e) => Engine::parse(&e).ok_or_else(|| {
            b.invalid("engine", format!("{e:?}: use postgres, mysql or mariadb"))
        })?,
        None => match b.db_str("engine", "engine")? {
            Some(e) => Engine::parse(&e).ok_or_else(|| {
                b.invalid("engine", format!("the database instance's engine {e:?} is not supported: migrations run on PostgreSQL, MySQL and MariaDB (including Aurora)"))
            })?,
            None => return Err(b.missing_from_db("engine", "engine")),
        },
    };
    let host = match b.block_str("host")? {
        Some(h) => h,
        None => b
            .db_str("host", "address")?
            .ok_or_else(|| b.missing_from_db("host", "address"))?,
    };
    let port = match b.port(b.block.get_attr("port"), "port")? {
        Some(p) => p,
        None => b
            .port(b.db.and_then(|d| d.get_attr("port")), "port")?
            .unwrap_or(match engine {
                Engine::Postgres => 5432,
                Engine::Mysql => 3306,
            }),
    };
    let own_username = b.block_str("username")?;
    let username = match &own_username {
        Some(u) => u.clone(),
        None => b
            .db_str("username", "username")?
            .ok_or_else(|| b.missing_from_db("username", "username"))?,
    };
    let database = match b.block_str("database_name")? {
        Some(d) => d,
        None => b
            .db_str("database_name", "db_name")?
            .ok_or_else(|| b.missing_from_db("database_name", "db_name"))?,
    };
    let tls = match b.block_str("tls")? {
        Some(t) => TlsMode::parse(&t).ok_or_else(|| {
            b.invalid(
                "tls",
                format!("{t:?}: use disable, prefer, require or verify-full"),
            )
        })?,
        None => TlsMode::Prefer,
    };
    let lock_timeout = match b.block_str("lock_timeout")? {
        Some(t) => crate::config::parse_duration(&t).ok_or_else(|| {
            b.invalid(
                "lock_timeout",
                format!("{t:?} is not a duration; write e.g. \"5m\" or \"30s\""),
            )
        })?,
        None => DEFAULT_LOCK_TIMEOUT,
    };
    let (password, password_source) = password(&b, engine, own_username.is_none(), env);
    let mut target = Target::new(engine, host, port, username, database);
    target.password = password;
    target.tls = tls;
    Ok(MigrationSetup {
        target,
        source: PathBuf::from(source),
        allow_out_of_order: b.block_bool("allow_out_of_order")?,
        lock_timeout,
        snapshot_before: b.block_bool("snapshot_before")?,
        password_source,
    })
}

/// The environment variable holding the password of the block at `addr`:
/// `TERRACE_MIGRATION_PASSWORD_APP_SCHEMA` for `migration.app_schema` (in any module).
pub fn password_env_var(addr: &str) -> String {
    let name = addr.rsplit("migration.").next().unwrap_or(addr);
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("TERRACE_MIGRATION_PASSWORD_{name}")
}

fn password(
    b: &Fields<'_>,
    engine: Engine,
    master_user: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<String>, PasswordSource) {
    // An unknown password (a variable without a value) falls through to the environment.
    if let Some(p) = b.block.get_attr("password").and_then(Value::as_str) {
        return (Some(p.to_string()), PasswordSource::Block);
    }
    let var = password_env_var(b.addr);
    if let Some(p) = env(&var).filter(|p| !p.is_empty()) {
        return (Some(p), PasswordSource::Env(var));
    }
    if master_user {
        if let Some(p) =
            b.db.and_then(|d| d.get_attr("password"))
                .and_then(Value::as_str)
        {
            return (Some(p.to_string()), PasswordSource::Instance);
        }
    }
    let fallback = match engine {
        Engine::Postgres => "PGPASSWORD",
        Engine::Mysql => "MYSQL_PWD",
    };
    match env(fallback).filter(|p| !p.is_empty()) {
        Some(p) => (Some(p), PasswordSource::Env(fallback.to_string())),
        None => (None, PasswordSource::None),
    }
}

/// Reads the block's arguments and the instance's attributes, with errors naming the block.
struct Fields<'a> {
    addr: &'a str,
    block: &'a Value,
    db: Option<&'a Value>,
}

impl Fields<'_> {
    fn unknown(&self, field: &'static str, reason: &str) -> MigrationTargetError {
        MigrationTargetError::Unknown {
            block: self.addr.to_string(),
            field,
            reason: reason.to_string(),
        }
    }

    fn missing(&self, field: &'static str, reason: &str) -> MigrationTargetError {
        MigrationTargetError::Missing {
            block: self.addr.to_string(),
            field,
            reason: reason.to_string(),
        }
    }

    fn invalid(&self, field: &'static str, message: String) -> MigrationTargetError {
        MigrationTargetError::Invalid {
            block: self.addr.to_string(),
            field,
            message,
        }
    }

    /// `field` is unset in the block, and the instance (in state) does not give `attr`.
    fn missing_from_db(&self, field: &'static str, attr: &str) -> MigrationTargetError {
        self.missing(
            field,
            &format!("the database instance has no {attr} in the state; set {field} in the block"),
        )
    }

    /// A string argument of the block; `None` when null.
    fn block_str(&self, field: &'static str) -> Result<Option<String>, MigrationTargetError> {
        self.string(self.block.get_attr(field), field, UNKNOWN_REASON)
    }

    /// A string attribute of the instance, defaulting `field`; `None` when null or absent.
    fn db_str(
        &self,
        field: &'static str,
        attr: &str,
    ) -> Result<Option<String>, MigrationTargetError> {
        let reason = format!("the database instance's {attr} is known only after apply; run terrace apply first, or set {field} in the block");
        self.string(self.db.and_then(|d| d.get_attr(attr)), field, &reason)
    }

    fn string(
        &self,
        v: Option<&Value>,
        field: &'static str,
        unknown_reason: &str,
    ) -> Result<Option<String>, MigrationTargetError> {
        match v.map(Value::peel) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Unknown) => Err(self.unknown(field, unknown_reason)),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.invalid(
                field,
                format!("expected a string, got a {}", other.type_name()),
            )),
        }
    }

    /// A port number (block argument or instance attribute); `None` when null.
    fn port(
        &self,
        v: Option<&Value>,
        field: &'static str,
    ) -> Result<Option<u16>, MigrationTargetError> {
        let n = match v.map(Value::peel) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Unknown) => return Err(self.unknown(field, UNKNOWN_REASON)),
            Some(Value::Number(n)) => *n,
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| self.invalid(field, format!("{s:?} is not a number")))?,
            Some(other) => {
                return Err(self.invalid(
                    field,
                    format!("expected a number, got a {}", other.type_name()),
                ))
            }
        };
        if n.fract() != 0.0 || !(1.0..=65535.0).contains(&n) {
            return Err(self.invalid(
                field,
                format!(
                    "{} is not a port number (1 to 65535)",
                    crate::eval::format_number(n)
                ),
            ));
        }
        Ok(Some(n as u16))
    }

    fn block_bool(&self, field: &'static str) -> Result<bool, MigrationTargetError> {
        match self.block.get_attr(field).map(Value::peel) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::Unknown) => Err(self.unknown(field, UNKNOWN_REASON)),
            Some(other) => Err(self.invalid(
                field,
                format!("expected a bool, got a {}", other.type_name()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    fn instance() -> Value {
        obj(&[
            ("address", s("app.abc.eu-west-1.rds.amazonaws.com")),
            ("port", Value::Number(5432.0)),
            ("username", s("admin")),
            ("db_name", s("app")),
            ("engine", s("aurora-postgresql")),
            ("password", s("master-secret").sensitive()),
        ])
    }

    fn block(pairs: &[(&str, Value)]) -> Value {
        let mut all = vec![("source", s("./migrations"))];
        all.extend(pairs.iter().cloned());
        obj(&all)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_come_from_the_instance() {
        let db = instance();
        let m = migration_target(&block(&[]), Some(&db), "migration.app_schema", &no_env).unwrap();
        assert_eq!(
            m.target.describe(),
            "postgres://admin@app.abc.eu-west-1.rds.amazonaws.com:5432/app"
        );
        assert_eq!(m.target.password.as_deref(), Some("master-secret"));
        assert_eq!(m.password_source, PasswordSource::Instance);
        assert_eq!(m.target.tls, TlsMode::Prefer);
        assert_eq!(m.source, PathBuf::from("./migrations"));
        assert_eq!(m.lock_timeout, DEFAULT_LOCK_TIMEOUT);
        assert!(!m.allow_out_of_order && !m.snapshot_before);
        assert!(!format!("{m:?}").contains("master-secret"));
    }

    #[test]
    fn the_block_overrides_every_field() {
        let db = instance();
        let b = block(&[
            ("engine", s("mariadb")),
            ("host", s("127.0.0.1")),
            ("port", Value::Number(13306.0)),
            ("username", s("migrator")),
            ("password", s("pw").sensitive()),
            ("database_name", s("shop")),
            ("tls", s("verify-full")),
            ("lock_timeout", s("30s")),
            ("allow_out_of_order", Value::Bool(true)),
            ("snapshot_before", Value::Bool(true)),
        ]);
        let m = migration_target(&b, Some(&db), "module.db.migration.schema", &no_env).unwrap();
        assert_eq!(m.target.describe(), "mysql://migrator@127.0.0.1:13306/shop");
        assert_eq!(m.target.password.as_deref(), Some("pw"));
        assert_eq!(m.password_source, PasswordSource::Block);
        assert_eq!(m.target.tls, TlsMode::VerifyFull);
        assert_eq!(m.lock_timeout, Duration::from_secs(30));
        let opts = m.run_options(Audit {
            applied_by: "ci".into(),
            git_commit: None,
        });
        assert!(opts.allow_out_of_order && m.snapshot_before);
    }

    #[test]
    fn password_fallbacks_in_order() {
        let db = instance();
        let env = |k: &str| match k {
            "TERRACE_MIGRATION_PASSWORD_APP_SCHEMA" => Some("from-block-env".to_string()),
            "PGPASSWORD" => Some("from-pg".to_string()),
            _ => None,
        };
        // An unknown password (variable without a value) falls through to the environment.
        let b = block(&[("password", Value::Unknown.sensitive())]);
        let m = migration_target(&b, Some(&db), "migration.app_schema", &env).unwrap();
        assert_eq!(m.target.password.as_deref(), Some("from-block-env"));
        assert_eq!(
            m.password_source,
            PasswordSource::Env("TERRACE_MIGRATION_PASSWORD_APP_SCHEMA".into())
        );
        // Another user than the master one: the master password is not used.
        let b = block(&[("username", s("app_rw"))]);
        let m = migration_target(&b, Some(&db), "migration.other", &env).unwrap();
        assert_eq!(m.target.password.as_deref(), Some("from-pg"));
        let m = migration_target(&b, Some(&db), "migration.other", &no_env).unwrap();
        assert_eq!(
            (m.target.password, m.password_source),
            (None, PasswordSource::None)
        );
        assert_eq!(
            password_env_var("module.db[\"a\"].migration.app-schema"),
            "TERRACE_MIGRATION_PASSWORD_APP_SCHEMA"
        );
    }

    #[test]
    fn engines_map_from_rds_names_and_ports_default_per_engine() {
        let db = obj(&[
            ("address", s("h")),
            ("port", Value::Null),
            ("username", s("u")),
            ("db_name", s("d")),
            ("engine", s("aurora-mysql")),
        ]);
        let m = migration_target(&block(&[]), Some(&db), "migration.m", &no_env).unwrap();
        assert_eq!(m.target.describe(), "mysql://u@h:3306/d");
        let oracle = obj(&[("engine", s("oracle-ee"))]);
        let e = migration_target(&block(&[]), Some(&oracle), "migration.m", &no_env).unwrap_err();
        assert!(
            matches!(
                &e,
                MigrationTargetError::Invalid {
                    field: "engine",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("oracle-ee"), "{e}");
    }

    #[test]
    fn errors_name_the_block_and_the_field() {
        // No instance in state, and not every override.
        let e = migration_target(
            &block(&[("engine", s("postgres"))]),
            None,
            "migration.app",
            &no_env,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "migration.app: the database instance is not in the state yet (terrace apply creates it); apply first, or set host, username, database_name in the block to reach a server that exists"
        );
        let all = block(&[
            ("engine", s("postgres")),
            ("host", s("h")),
            ("username", s("u")),
            ("database_name", s("d")),
        ]);
        let m = migration_target(&all, None, "migration.app", &no_env).unwrap();
        assert_eq!(m.target.describe(), "postgres://u@h:5432/d");
        // The instance has no db_name.
        let db = obj(&[
            ("address", s("h")),
            ("username", s("u")),
            ("engine", s("postgres")),
        ]);
        let e = migration_target(&block(&[]), Some(&db), "migration.app", &no_env).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "migration.app: no database_name: the database instance has no db_name"
            ),
            "{e}"
        );
        // An unknown override.
        let e = migration_target(
            &block(&[("host", Value::Unknown)]),
            Some(&db),
            "migration.app",
            &no_env,
        )
        .unwrap_err();
        assert!(
            matches!(e, MigrationTargetError::Unknown { field: "host", .. }),
            "{e}"
        );
        // Bad values.
        for (field, v) in [
            ("port", Value::Number(70000.0)),
            ("port", Value::Number(5432.5)),
            ("lock_timeout", s("soon")),
            ("tls", s("verify-ca")),
        ] {
            let e = migration_target(
                &block(&[(field, v)]),
                Some(&instance()),
                "migration.app",
                &no_env,
            )
            .unwrap_err();
            assert!(
                matches!(&e, MigrationTargetError::Invalid { field: f, .. } if *f == field),
                "{e}"
            );
        }
        let e =
            migration_target(&obj(&[]), Some(&instance()), "migration.app", &no_env).unwrap_err();
        assert!(matches!(
            e,
            MigrationTargetError::Missing {
                field: "source",
                ..
            }
        ));
    }
}
