//! Opening the database named by a URL, with the pool settings the service relies on.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::{Error, Result};

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `postgres://...` or `sqlite://path?mode=rwc`.
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before it is told the database is
    /// unavailable. Short, so an outage gives quick errors rather than hanging requests.
    pub acquire_timeout: Duration,
    /// PostgreSQL cuts any statement that runs longer than this.
    pub statement_timeout: Option<Duration>,
}

impl DbConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 16,
            acquire_timeout: Duration::from_secs(3),
            statement_timeout: Some(Duration::from_secs(10)),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }
}

/// How long a pooled connection may sit unused before it is checked with a round trip
/// before its next use (HikariCP's bypass window): one in steady use is not, one left idle
/// across a server restart is.
pub(crate) const IDLE_BEFORE_PING: Duration = Duration::from_millis(500);

/// Opens a pool. The pool connects lazily, so the service starts (and answers `/healthz`)
/// while the database is still down, and reconnects by itself once it is back.
pub async fn connect(config: &DbConfig) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.max_connections)
        .min_connections(0)
        .acquire_timeout(config.acquire_timeout)
        .connect_timeout(config.acquire_timeout)
        // A connection in steady use is not pinged before each checkout (a round trip per
        // request); one idle long enough to have been dropped by the server or a firewall is.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false);
    if config.is_sqlite() {
        // One file shared by the pool: WAL lets readers run beside the single writer, and a
        // busy timeout queues writers instead of failing them.
        options.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    } else {
        options.connect_lazy(true);
        if let Some(timeout) = config.statement_timeout {
            options.statement_timeout(timeout);
        }
    }
    Database::connect(options).await.map_err(Error::from)
}
