//! Settings of the running service, from flags and `MOTGIFT_`-prefixed environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use sea_orm::DatabaseConnection;

use crate::auth::Authenticator;
use crate::rate_limit::RateLimit;

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

    /// The most hidden monthly counts of a panel's year that are audited as one system; a
    /// larger year is audited municipality by municipality, which is quicker and finds less.
    /// Every instance on one database must use the same.
    #[arg(long, env = "MOTGIFT_AUDIT_LIMIT", default_value_t = motgift_schema::disclosure::AUDIT_LIMIT)]
    pub audit_limit: usize,

    /// After a start, publish every dashboard panel of this many calendar years (this one and
    /// those before) for analysts in the background, so their first dashboards need not wait
    /// (0: none).
    #[arg(long, env = "MOTGIFT_PUBLISH_AHEAD_YEARS", default_value_t = 2)]
    pub publish_ahead_years: u16,

    /// Where to listen for PostgreSQL's notifications of new data versions, which let kept
    /// answers of figures be confirmed without a read each: unset, the server of
    /// `DATABASE_URL`; a URL that reaches the server directly, when `DATABASE_URL` goes through
    /// a pooler in transaction mode (which does not pass notifications on); `off` to confirm
    /// every kept answer with a read.
    #[arg(long, env = "MOTGIFT_VERSION_NOTIFICATIONS")]
    pub version_notifications: Option<String>,

    /// PostgreSQL cuts any statement of the service that runs longer than this, in seconds
    /// (0: no limit). The client gets `SERVICE_UNAVAILABLE`.
    #[arg(long, env = "MOTGIFT_STATEMENT_TIMEOUT_SECONDS", default_value_t = 10)]
    pub statement_timeout_seconds: u64,

    /// After SIGTERM or Ctrl-C, how long requests in flight may take to finish, in seconds.
    #[arg(long, env = "MOTGIFT_SHUTDOWN_GRACE_SECONDS", default_value_t = crate::app::SHUTDOWN_GRACE.as_secs())]
    pub shutdown_grace_seconds: u64,

    /// GraphQL requests each caller may make per minute on average (0: no limit). Signed-in
    /// callers are counted by subject, anonymous ones by address.
    #[arg(long, env = "MOTGIFT_RATE_LIMIT_PER_MINUTE", default_value_t = 600)]
    pub rate_limit_per_minute: u32,

    /// Requests a caller may make at once before the per-minute rate applies (0: one
    /// minute's worth).
    #[arg(long, env = "MOTGIFT_RATE_LIMIT_BURST", default_value_t = 100)]
    pub rate_limit_burst: u32,

    /// Serve `/metrics` on this address only (for example `0.0.0.0:9090` on the internal
    /// network) instead of on the main address.
    #[arg(long, env = "MOTGIFT_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Export each request's span to this OpenTelemetry collector over OTLP/HTTP with protobuf
    /// (for example `http://otel-collector:4318`: spans go to `/v1/traces` under it). Off when
    /// unset.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,

    /// The `service.name` of the exported spans.
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = crate::telemetry::DEFAULT_SERVICE_NAME)]
    pub otlp_service_name: String,
}

/// What the HTTP application needs, independent of how it was configured. The default is
/// the in-process one of tests: no rate limit, no pool gauges.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub max_body_bytes: usize,
    pub request_timeout: std::time::Duration,
    /// Who may call: the trusted issuers.
    pub auth: Arc<Authenticator>,
    /// Requests per caller; `None`: unlimited.
    pub rate_limit: Option<RateLimit>,
    /// Whether `/metrics` is served beside GraphQL (off when it has a listener of its own).
    pub metrics_on_main_port: bool,
    /// The store's pool, sampled for the pool gauges on `/metrics`.
    pub database: Option<DatabaseConnection>,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            request_timeout: std::time::Duration::from_secs(30),
            auth: Arc::new(Authenticator::default()),
            rate_limit: None,
            metrics_on_main_port: true,
            database: None,
        }
    }
}
