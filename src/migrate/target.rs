//! The database a migration block runs against, and opening a connection to it.

use super::error::MigrateError;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::ConnectOptions;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The database engine, by wire protocol: MariaDB speaks MySQL's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    /// Reads a migration block's `engine` or an RDS instance's `engine`: `postgres`,
    /// `postgresql`, `aurora-postgresql` are PostgreSQL; `mysql`, `mariadb`, `aurora-mysql`,
    /// `aurora` are MySQL. `None` for anything else (e.g. `oracle-ee`, `sqlserver-se`).
    pub fn parse(s: &str) -> Option<Engine> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "aurora-postgresql" => Some(Engine::Postgres),
            "mysql" | "mariadb" | "aurora-mysql" | "aurora" => Some(Engine::Mysql),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }
}

/// Transport security, named like libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TlsMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, else plain TCP; the certificate is not verified.
    #[default]
    Prefer,
    /// TLS or fail; the certificate is not verified.
    Require,
    /// TLS, with the certificate chain verified against the system's roots (Mozilla's) plus
    /// [`Target::ca_cert`], and the host name checked.
    VerifyFull,
}

impl TlsMode {
    /// `disable`, `prefer`, `require` or `verify-full`.
    pub fn parse(s: &str) -> Option<TlsMode> {
        match s {
            "disable" => Some(TlsMode::Disable),
            "prefer" => Some(TlsMode::Prefer),
            "require" => Some(TlsMode::Require),
            "verify-full" => Some(TlsMode::VerifyFull),
            _ => None,
        }
    }
}

/// Where and how to connect. The password is never displayed: `Debug` and
/// [`Target::describe`] leave it out, and errors name the target by `describe`.
#[derive(Clone)]
pub struct Target {
    pub engine: Engine,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: Option<String>,
    /// The database (PostgreSQL) or schema (MySQL) holding the history table.
    pub database: String,
    pub tls: TlsMode,
    /// A PEM file of extra certificate authorities for `verify-full`, e.g. the RDS bundle
    /// (`global-bundle.pem`), whose roots are not in the public trust stores.
    pub ca_cert: Option<PathBuf>,
    /// How long to wait for the server to accept the connection.
    pub connect_timeout: Duration,
}

/// The default [`Target::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

impl Target {
    /// A target with TLS `prefer`, no password, and the default connect timeout.
    pub fn new(
        engine: Engine,
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        database: impl Into<String>,
    ) -> Target {
        Target {
            engine,
            host: host.into(),
            port,
            username: username.into(),
            password: None,
            database: database.into(),
            tls: TlsMode::Prefer,
            ca_cert: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// `postgres://user@host:port/database`, without the password.
    pub fn describe(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "{}://{}@{}:{}/{}",
            self.engine.as_str(),
            self.username,
            host,
            self.port,
            self.database
        )
    }

    /// Opens one connection, within `connect_timeout`.
    pub(crate) async fn connect(&self) -> Result<Conn, MigrateError> {
        let connect = async {
            match self.engine {
                Engine::Postgres => self.pg_options().connect().await.map(Conn::Pg),
                Engine::Mysql => self.mysql_options().connect().await.map(Conn::Mysql),
            }
        };
        match tokio::time::timeout(self.connect_timeout, connect).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(source)) => Err(MigrateError::Connect {
                target: self.describe(),
                source,
            }),
            Err(_) => Err(MigrateError::ConnectTimeout {
                target: self.describe(),
                timeout: self.connect_timeout,
            }),
        }
    }

    fn pg_options(&self) -> PgConnectOptions {
        let mut o = PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(self.port)
            .username(&self.username)
            .database(&self.database)
            .application_name("terrace migrate")
            .ssl_mode(match self.tls {
                TlsMode::Disable => PgSslMode::Disable,
                TlsMode::Prefer => PgSslMode::Prefer,
                TlsMode::Require => PgSslMode::Require,
                TlsMode::VerifyFull => PgSslMode::VerifyFull,
            })
            // Migrations may hold secrets (CREATE ROLE ... PASSWORD): never log statements.
            .disable_statement_logging();
        if let Some(p) = &self.password {
            o = o.password(p);
        }
        if let Some(ca) = &self.ca_cert {
            o = o.ssl_root_cert(ca);
        }
        o
    }

    fn mysql_options(&self) -> MySqlConnectOptions {
        let mut o = MySqlConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .username(&self.username)
            .database(&self.database)
            .ssl_mode(match self.tls {
                TlsMode::Disable => MySqlSslMode::Disabled,
                TlsMode::Prefer => MySqlSslMode::Preferred,
                TlsMode::Require => MySqlSslMode::Required,
                TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
            })
            // The session as the mysql client sets it up: `||` stays OR, the server's
            // sql_mode and time zone stay as configured.
            .pipes_as_concat(false)
            .no_engine_substitution(false)
            .timezone(None)
            .disable_statement_logging();
        if let Some(p) = &self.password {
            o = o.password(p);
        }
        if let Some(ca) = &self.ca_cert {
            o = o.ssl_ca(ca);
        }
        o
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("engine", &self.engine)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(sensitive)"))
            .field("database", &self.database)
            .field("tls", &self.tls)
            .field("ca_cert", &self.ca_cert)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// An open connection to either engine.
pub(crate) enum Conn {
    Pg(PgConnection),
    Mysql(MySqlConnection),
}

impl Conn {
    /// Closes the connection politely; errors are irrelevant at that point (the server
    /// drops the session, and with it any lock, either way).
    pub(crate) async fn close(self) {
        use sqlx::Connection;
        let _ = match self {
            Conn::Pg(c) => c.close().await,
            Conn::Mysql(c) => c.close().await,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_and_tls_modes_parse_from_block_and_rds_names() {
        assert_eq!(Engine::parse("mariadb"), Some(Engine::Mysql));
        assert_eq!(Engine::parse("aurora-postgresql"), Some(Engine::Postgres));
        assert_eq!(Engine::parse("sqlserver-se"), None);
        assert_eq!(TlsMode::parse("verify-full"), Some(TlsMode::VerifyFull));
        assert_eq!(TlsMode::parse("verify-ca"), None);
    }

    #[test]
    fn the_password_is_never_displayed() {
        let mut t = Target::new(Engine::Postgres, "db.internal", 5432, "app", "app");
        t.password = Some("hunter2-secret".into());
        assert!(!format!("{t:?}").contains("hunter2"));
        assert_eq!(t.describe(), "postgres://app@db.internal:5432/app");
        t.host = "::1".into();
        assert_eq!(t.describe(), "postgres://app@[::1]:5432/app");
    }
}
