//! Settings of the running service, from flags and `MOTGIFT_`-prefixed environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::auth::Authenticator;

/// Where the embedded database lives when `DATABASE_URL` is not set.
pub const EMBEDDED_DATA_DIR: &str = "data";
pub const EMBEDDED_DATABASE_FILE: &str = "motgift.db";

/// How to reach the database.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `postgres://user@host/db` or `sqlite://path/file.db`. When unset, an
    /// embedded SQLite file under `./data/` is created, migrated and loaded with demo data.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "MOTGIFT_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,
}

impl DatabaseArgs {
    /// The URL to use; `None` when the embedded default applies.
    pub fn explicit_url(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
    }

    pub fn embedded_path() -> PathBuf {
        PathBuf::from(EMBEDDED_DATA_DIR).join(EMBEDDED_DATABASE_FILE)
    }

    pub fn embedded_url() -> String {
        format!("sqlite://{}?mode=rwc", Self::embedded_path().display())
    }
}

/// Settings of `motgift serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MOTGIFT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Run pending migrations at start (always on for the embedded database).
    #[arg(long, env = "MOTGIFT_MIGRATE_ON_START")]
    pub migrate_on_start: bool,

    /// Trust the OIDC issuers described in this TOML file (see `deploy/auth/`).
    #[arg(long, env = "MOTGIFT_AUTH_CONFIG")]
    pub auth_config: Option<PathBuf>,

    /// Trust the built-in development issuer and print ready-made tokens at start-up. On by
    /// default for the embedded database on a loopback address.
    #[arg(long, env = "MOTGIFT_DEV_ISSUER")]
    pub dev_issuer: bool,

    /// The development issuer's key file (created when missing); `motgift dev-token` must use
    /// the same one.
    #[arg(long, env = "MOTGIFT_DEV_ISSUER_KEY", default_value = crate::auth::dev_issuer::DEFAULT_KEY_FILE)]
    pub dev_issuer_key: PathBuf,

    /// Trust the development issuer even on an address other machines can reach. Never in
    /// production: anyone with the key file can sign in as anyone.
    #[arg(long, env = "MOTGIFT_DEV_ISSUER_ON_ANY_ADDRESS")]
    pub dev_issuer_on_any_address: bool,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "MOTGIFT_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,

    /// Longest a request may take, in seconds, before it is cut with an error.
    #[arg(long, env = "MOTGIFT_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    pub request_timeout_seconds: u64,

    /// Dashboards suppress other municipalities' counts from 1 up to this number.
    #[arg(long, env = "MOTGIFT_DISCLOSURE_THRESHOLD", default_value_t = motgift_schema::disclosure::DEFAULT_THRESHOLD)]
    pub disclosure_threshold: u64,
}

/// What the HTTP application needs, independent of how it was configured.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub max_body_bytes: usize,
    pub request_timeout: std::time::Duration,
    /// Who may call: the trusted issuers.
    pub auth: Arc<Authenticator>,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            auth: Arc::new(Authenticator::default()),
        }
    }
}
