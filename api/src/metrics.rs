//! Prometheus metrics, served as text at `GET /metrics`: GraphQL requests and their latency by
//! operation name, errors by code, HTTP requests by route and status, the database pool, and the
//! kept dashboard panels and reference data (how often a panel is served as kept or computed
//! afresh from the counts, and how often the reference data is read again).
//!
//! Label values come from clients (operation names), so they are bounded: a name must look
//! like a GraphQL name of at most 64 characters, and after [`MAX_OPERATION_NAMES`] distinct
//! names every new one is counted as `other`.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use motgift_schema::store::CacheStats;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::app::AppState;

/// Distinct operation names kept as label values; later ones are counted as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// The label of a request without an operation name.
pub const ANONYMOUS: &str = "anonymous";
/// The label of a name that is not kept (malformed, too long, or past the bound).
pub const OTHER: &str = "other";

/// Latency buckets in seconds, from a cached panel to the request timeout.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The service's metrics, in a registry of their own (so tests can run several services).
pub struct Metrics {
    registry: Registry,
    graphql_requests: IntCounterVec,
    graphql_duration: HistogramVec,
    graphql_errors: IntCounterVec,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    pool: IntGaugeVec,
    cache_lookups: IntCounterVec,
    cache_kept_on: IntCounterVec,
    cache_size: IntGaugeVec,
    reference_loads: IntCounter,
    ledger_requests: IntCounter,
    ledger_round_trips: IntCounter,
    versions_known: IntCounter,
    versions_notified: IntCounter,
    versions_listening: IntGauge,
    /// The cache counters are sampled when scraped; one scrape at a time moves them.
    cache_sampling: Mutex<()>,
    operations: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let graphql_requests = IntCounterVec::new(
            Opts::new(
                "motgift_graphql_requests_total",
                "GraphQL requests executed, by operation name",
            ),
            &["operation"],
        )
        .expect("valid metric");
        let graphql_duration = HistogramVec::new(
            HistogramOpts::new(
                "motgift_graphql_request_duration_seconds",
                "Time to execute a GraphQL request (after sign-in), by operation name",
            )
            .buckets(BUCKETS.to_vec()),
            &["operation"],
        )
        .expect("valid metric");
        let graphql_errors = IntCounterVec::new(
            Opts::new(
                "motgift_graphql_errors_total",
                "GraphQL errors answered, by extensions.code",
            ),
            &["code"],
        )
        .expect("valid metric");
        let http_requests = IntCounterVec::new(
            Opts::new(
                "motgift_http_requests_total",
                "HTTP requests answered, by route and status",
            ),
            &["route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "motgift_http_request_duration_seconds",
                "Time to answer an HTTP request, by route",
            )
            .buckets(BUCKETS.to_vec()),
            &["route"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "motgift_db_pool_connections",
                "Database pool connections: open (size), idle, in_use, and the max allowed",
            ),
            &["state"],
        )
        .expect("valid metric");
        let cache_lookups = IntCounterVec::new(
            Opts::new(
                "motgift_cache_lookups_total",
                "Lookups in the kept dashboard panels and answers, by cache and result: hit \
                 (served as kept), miss (computed afresh) or shared (not kept when asked for, \
                 served as a concurrent request built it meanwhile)",
            ),
            &["cache", "result"],
        )
        .expect("valid metric");
        let cache_kept_on = IntCounterVec::new(
            Opts::new(
                "motgift_cache_kept_on_total",
                "Kept values whose data changed, but not the part they were built from (a \
                 panel's counts), kept on without being built again; each was a miss first",
            ),
            &["cache"],
        )
        .expect("valid metric");
        let cache_size = IntGaugeVec::new(
            Opts::new(
                "motgift_cache_size",
                "What the kept panels and answers hold: entries, and their weight in the \
                 budget's unit (figures for panels, bytes for answers)",
            ),
            &["cache", "unit"],
        )
        .expect("valid metric");
        let reference_loads = IntCounter::new(
            "motgift_reference_data_loads_total",
            "Times the reference data (municipalities, populations, the plan) was read from the \
             database: at start and after each change to it",
        )
        .expect("valid metric");
        let ledger_requests = IntCounter::new(
            "motgift_ledger_requests_total",
            "Reads that went through the ledger: access-log entries written, and the data \
             versions read for kept answers",
        )
        .expect("valid metric");
        let ledger_round_trips = IntCounter::new(
            "motgift_ledger_round_trips_total",
            "Round trips to the database that settled them: concurrent reads share one",
        )
        .expect("valid metric");
        let versions_known = IntCounter::new(
            "motgift_versions_known_total",
            "Kept answers of figures confirmed with the data versions as PostgreSQL last \
             notified them, with no round trip",
        )
        .expect("valid metric");
        let versions_notified = IntCounter::new(
            "motgift_versions_notifications_total",
            "PostgreSQL's notifications of new data versions received",
        )
        .expect("valid metric");
        let versions_listening = IntGauge::new(
            "motgift_versions_listening",
            "1 while the service listens for PostgreSQL's notifications of new data versions",
        )
        .expect("valid metric");
        for collector in [
            Box::new(graphql_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(graphql_duration.clone()),
            Box::new(graphql_errors.clone()),
            Box::new(http_requests.clone()),
            Box::new(http_duration.clone()),
            Box::new(pool.clone()),
            Box::new(cache_lookups.clone()),
            Box::new(cache_kept_on.clone()),
            Box::new(cache_size.clone()),
            Box::new(reference_loads.clone()),
            Box::new(ledger_requests.clone()),
            Box::new(ledger_round_trips.clone()),
            Box::new(versions_known.clone()),
            Box::new(versions_notified.clone()),
            Box::new(versions_listening.clone()),
        ] {
            registry
                .register(collector)
                .expect("metric registered once");
        }
        Self {
            registry,
            graphql_requests,
            graphql_duration,
            graphql_errors,
            http_requests,
            http_duration,
            pool,
            cache_lookups,
            cache_kept_on,
            cache_size,
            reference_loads,
            ledger_requests,
            ledger_round_trips,
            versions_known,
            versions_notified,
            versions_listening,
            cache_sampling: Mutex::new(()),
            operations: Mutex::new(HashSet::new()),
        }
    }

    /// The label value for a client's operation name.
    pub fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        if !is_graphql_name(name) {
            return OTHER.to_owned();
        }
        let mut known = self.operations.lock().unwrap_or_else(|e| e.into_inner());
        if known.contains(name) {
            return name.to_owned();
        }
        if known.len() >= MAX_OPERATION_NAMES {
            return OTHER.to_owned();
        }
        known.insert(name.to_owned());
        name.to_owned()
    }

    /// One executed GraphQL request: its operation's label, time and error codes.
    pub fn graphql_request<'a>(
        &self,
        operation: &str,
        elapsed: Duration,
        error_codes: impl IntoIterator<Item = &'a str>,
    ) {
        self.graphql_requests.with_label_values(&[operation]).inc();
        self.graphql_duration
            .with_label_values(&[operation])
            .observe(elapsed.as_secs_f64());
        for code in error_codes {
            self.graphql_error(code);
        }
    }

    /// One error answered, by its `extensions.code` (a fixed set chosen by the service).
    pub fn graphql_error(&self, code: &str) {
        self.graphql_errors.with_label_values(&[code]).inc();
    }

    fn http_request(&self, route: &str, status: StatusCode, elapsed: Duration) {
        self.http_requests
            .with_label_values(&[route, status.as_str()])
            .inc();
        self.http_duration
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
    }

    /// The pool's state now.
    fn sample_pool(&self, db: &DatabaseConnection) {
        let (size, idle, max) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => return,
        };
        let size = i64::from(size);
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.pool.with_label_values(&["size"]).set(size);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool
            .with_label_values(&["in_use"])
            .set((size - idle).max(0));
        self.pool.with_label_values(&["max"]).set(i64::from(max));
    }

    /// The caches' counters now: the store counts, the counters here follow.
    fn sample_caches(&self, stats: CacheStats) {
        let _one_at_a_time = self
            .cache_sampling
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let follow = |counter: &IntCounter, now: u64| {
            counter.inc_by(now.saturating_sub(counter.get()));
        };
        for (cache, kept, unit) in [
            ("panels", stats.panels, "figures"),
            ("answers", stats.answers, "bytes"),
        ] {
            let lookups = |result: &str| self.cache_lookups.with_label_values(&[cache, result]);
            follow(&lookups("hit"), kept.hits);
            follow(&lookups("miss"), kept.misses);
            follow(&lookups("shared"), kept.shared);
            follow(
                &self.cache_kept_on.with_label_values(&[cache]),
                kept.kept_on,
            );
            let gauge = |unit: &str, value: u64| {
                self.cache_size
                    .with_label_values(&[cache, unit])
                    .set(i64::try_from(value).unwrap_or(i64::MAX));
            };
            gauge("entries", kept.entries);
            gauge(unit, kept.weight);
        }
        follow(&self.reference_loads, stats.reference_loads);
        follow(&self.ledger_requests, stats.ledger.requests);
        follow(&self.ledger_round_trips, stats.ledger.round_trips);
        follow(&self.versions_known, stats.ledger.known);
        follow(&self.versions_notified, stats.ledger.notified);
        self.versions_listening
            .set(i64::from(stats.ledger.listening));
    }

    /// Everything, in Prometheus' text exposition format.
    pub fn render(&self, db: Option<&DatabaseConnection>, caches: CacheStats) -> String {
        if let Some(db) = db {
            self.sample_pool(db);
        }
        self.sample_caches(caches);
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::error!(error = %err, "encoding metrics failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// `^[A-Za-z_][A-Za-z0-9_]{0,63}$`: a GraphQL name, at most 64 characters.
fn is_graphql_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `GET /metrics`.
pub async fn serve_metrics(State(state): State<AppState>) -> Response {
    let body = state
        .metrics
        .render(state.config.database.as_ref(), state.store.cache_stats());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Counts every HTTP request by its route (the path pattern, never the raw path) and status.
pub async fn track_http(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .http_request(&route, response.status(), started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded() {
        let metrics = Metrics::new();
        assert_eq!(metrics.operation_label(None), ANONYMOUS);
        assert_eq!(metrics.operation_label(Some("Dashboard_2")), "Dashboard_2");
        assert_eq!(metrics.operation_label(Some("2fast")), OTHER);
        assert_eq!(metrics.operation_label(Some("a-b")), OTHER);
        assert_eq!(metrics.operation_label(Some(&"x".repeat(65))), OTHER);
        assert_eq!(
            metrics.operation_label(Some(&"x".repeat(64))),
            "x".repeat(64)
        );
        for i in 0..MAX_OPERATION_NAMES {
            metrics.operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(metrics.operation_label(Some("OneTooMany")), OTHER);
        assert_eq!(metrics.operation_label(Some("Dashboard_2")), "Dashboard_2");
    }
}
