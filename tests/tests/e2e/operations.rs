//! Operations: `/metrics` after a few requests (kept panels' hits and misses included), rate
//! limits per caller, PostgreSQL's statement timeout surfacing as `SERVICE_UNAVAILABLE`, and
//! graceful shutdown with a request in flight.

use std::time::Duration;

use motgift_api::app::{AppState, router, serve};
use motgift_api::auth::settings::AuthSettings;
use motgift_api::config::AppConfig;
use motgift_api::rate_limit::RateLimit;
use motgift_schema::store::{DbConfig, connect};
use motgift_schema::{Role, Store};
use motgift_tests::{Backend, TestApp, TestDb, error_code, first_error, on_both_databases};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, TransactionTrait,
};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

on_both_databases!(metrics_count_operations_errors_http_and_the_pool);

/// The application on a pool of its own, whose gauges `/metrics` shows.
async fn app_with_pool(
    backend: Backend,
    statement_timeout: Option<Duration>,
    configure: impl FnOnce(&mut AppConfig),
) -> TestApp {
    let db = TestDb::new(backend).await;
    let mut config = DbConfig::new(&db.service_url);
    config.statement_timeout = statement_timeout;
    let pool = connect(&config).await.expect("connect");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let store = Store::new(pool.clone());
    TestApp::serve_configured(listener, db, store, &AuthSettings::default(), |c| {
        c.database = Some(pool);
        configure(c);
    })
    .await
}

/// The value of the exposition line that starts with `series ` (name and labels exactly).
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no `{series}` in:\n{metrics}"))
        .parse()
        .expect("a number")
}

async fn metrics_count_operations_errors_http_and_the_pool(backend: Backend) {
    let app = app_with_pool(backend, None, |_| {})
        .await
        .with_caller("1506:coordinator");

    app.query("query Towns { municipalities { name } }", json!({}))
        .await;
    // The client's `operationName` chooses among several operations.
    let chosen = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .json(&json!({
            "query": "query Towns { municipalities { name } } query Plan { plan { name } }",
            "operationName": "Towns",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), 200);
    app.query("{ plan { name } }", json!({})).await;
    let bad = app.graphql("query Broken { noSuchField }", json!({})).await;
    assert_eq!(error_code(&bad), "BAD_REQUEST", "{bad}");
    let (status, body) = app
        .clone()
        .anonymous()
        .graphql_with_status("query Secret { actions { totalCount } }", json!({}))
        .await;
    assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));
    // A name longer than 64 characters is not a label of its own.
    let long = "L".repeat(65);
    app.query(&format!("query {long} {{ plan {{ name }} }}"), json!({}))
        .await;

    // No token needed.
    let response = app.clone().anonymous().get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let metrics = response.text().await.unwrap();

    let requests = "motgift_graphql_requests_total";
    assert_eq!(
        sample(&metrics, &format!("{requests}{{operation=\"Towns\"}}")),
        2.0
    );
    assert_eq!(
        sample(&metrics, &format!("{requests}{{operation=\"anonymous\"}}")),
        1.0
    );
    assert_eq!(
        sample(&metrics, &format!("{requests}{{operation=\"Broken\"}}")),
        1.0
    );
    assert_eq!(
        sample(&metrics, &format!("{requests}{{operation=\"other\"}}")),
        1.0
    );
    assert!(!metrics.contains(&long), "{metrics}");

    let latency = "motgift_graphql_request_duration_seconds";
    assert_eq!(
        sample(&metrics, &format!("{latency}_count{{operation=\"Towns\"}}")),
        2.0
    );
    assert_eq!(
        sample(
            &metrics,
            &format!("{latency}_bucket{{operation=\"Towns\",le=\"+Inf\"}}")
        ),
        2.0
    );
    assert!(sample(&metrics, &format!("{latency}_sum{{operation=\"Towns\"}}")) > 0.0);

    let errors = "motgift_graphql_errors_total";
    assert_eq!(
        sample(&metrics, &format!("{errors}{{code=\"BAD_REQUEST\"}}")),
        1.0
    );
    assert_eq!(
        sample(&metrics, &format!("{errors}{{code=\"UNAUTHENTICATED\"}}")),
        1.0
    );

    let http = "motgift_http_requests_total";
    assert_eq!(
        sample(
            &metrics,
            &format!("{http}{{route=\"/graphql\",status=\"200\"}}")
        ),
        5.0
    );
    assert_eq!(
        sample(
            &metrics,
            &format!("{http}{{route=\"/graphql\",status=\"401\"}}")
        ),
        1.0
    );
    assert!(metrics.contains("motgift_http_request_duration_seconds_bucket{route=\"/graphql\""));

    let pool = "motgift_db_pool_connections";
    assert_eq!(sample(&metrics, &format!("{pool}{{state=\"max\"}}")), 16.0);
    let size = sample(&metrics, &format!("{pool}{{state=\"size\"}}"));
    let idle = sample(&metrics, &format!("{pool}{{state=\"idle\"}}"));
    let in_use = sample(&metrics, &format!("{pool}{{state=\"in_use\"}}"));
    assert!(size >= 1.0, "the requests opened a connection:\n{metrics}");
    assert_eq!(idle + in_use, size);

    // A dashboard: its panel computed from the counts and its answer kept; the same request
    // again is answered as kept; another shape of answer over the same panel reuses the panel.
    let dashboard = "{ dashboard(from: \"2024-01-01\", to: \"2024-12-31\") { incidents { periods { total { value } } } } }";
    let other_shape = "{ dashboard(from: \"2024-01-01\", to: \"2024-12-31\") { incidents { periods { total { suppressed } } } } }";
    app.query(dashboard, json!({})).await;
    app.query(dashboard, json!({})).await;
    app.query(other_shape, json!({})).await;

    // The scrape itself is counted on the next one, by its route.
    let again = app.get("/metrics").await.text().await.unwrap();
    // Every query by a signed-in caller is looked up among the kept answers: the requests
    // above were too, so these count from the scrape before the dashboards.
    let lookups = |cache: &str, result: &str| {
        let name = format!("motgift_cache_lookups_total{{cache=\"{cache}\",result=\"{result}\"}}");
        let before = if metrics.contains(&format!("{name} ")) {
            sample(&metrics, &name)
        } else {
            0.0
        };
        sample(&again, &name) - before
    };
    assert_eq!(lookups("answers", "miss"), 2.0, "{again}");
    assert_eq!(lookups("answers", "hit"), 1.0);
    assert_eq!(lookups("panels", "miss"), 1.0);
    assert_eq!(lookups("panels", "hit"), 1.0);
    let size = |text: &str, cache: &str, unit: &str| {
        sample(
            text,
            &format!("motgift_cache_size{{cache=\"{cache}\",unit=\"{unit}\"}}"),
        )
    };
    // The year's incidents by month are kept as published beside the year: its months, its
    // quarters and the year itself.
    assert_eq!(size(&again, "panels", "entries"), 3.0);
    assert!(size(&again, "panels", "figures") > 0.0);
    // The two shapes of the dashboard are the answers kept since.
    let answers = size(&again, "answers", "entries") - size(&metrics, "answers", "entries");
    assert_eq!(answers, 2.0);
    assert!(size(&again, "answers", "bytes") > size(&metrics, "answers", "bytes"));
    // Read once, at the first request that needed it; nothing changed it since.
    assert_eq!(sample(&again, "motgift_reference_data_loads_total"), 1.0);
    // Every dashboard above took the versions: read through the ledger, in as many round
    // trips or fewer, or as PostgreSQL notified them.
    let settled = sample(&again, "motgift_ledger_requests_total");
    let round_trips = sample(&again, "motgift_ledger_round_trips_total");
    let known = sample(&again, "motgift_versions_known_total");
    assert!(
        settled + known >= 3.0 && round_trips >= 1.0 && round_trips <= settled,
        "{again}"
    );
    assert!(
        sample(
            &again,
            &format!("{http}{{route=\"/metrics\",status=\"200\"}}")
        ) >= 1.0
    );
}

/// Posts a query with the given bearer token (or none) and returns the raw response.
async fn post(app: &TestApp, token: Option<&str>, query: &str) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("POST /graphql")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_over_its_rate_limit_gets_429_and_others_do_not() {
    // Two at once, then one a minute.
    let app = app_with_pool(Backend::Sqlite, None, |c| {
        c.rate_limit = RateLimit::from_settings(1, 2);
    })
    .await;
    let query = "{ municipalities { name } }";
    let molde = app
        .dev_issuer
        .token(&["1506".parse().unwrap()], &[Role::Coordinator], 1);
    let alesund = app
        .dev_issuer
        .token(&["1508".parse().unwrap()], &[Role::Coordinator], 1);

    for _ in 0..2 {
        assert_eq!(post(&app, Some(&molde), query).await.status(), 200);
    }
    let refused = post(&app, Some(&molde), query).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in whole seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    assert_eq!(
        first_error(&body)["extensions"]["retryAfterSeconds"],
        retry_after
    );
    assert_eq!(body["data"], Value::Null);

    // Another caller has a budget of its own; anonymous callers are counted by address.
    assert_eq!(post(&app, Some(&alesund), query).await.status(), 200);
    for _ in 0..2 {
        assert_eq!(post(&app, None, query).await.status(), 200);
    }
    assert_eq!(post(&app, None, query).await.status(), 429);

    // Probes and metrics are never limited.
    for _ in 0..5 {
        assert_eq!(app.get("/healthz").await.status(), 200);
        assert_eq!(app.get("/readyz").await.status(), 200);
        assert_eq!(app.get("/metrics").await.status(), 200);
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(
        sample(
            &metrics,
            "motgift_graphql_errors_total{code=\"RATE_LIMITED\"}"
        ),
        2.0
    );
    assert_eq!(
        sample(
            &metrics,
            "motgift_http_requests_total{route=\"/graphql\",status=\"429\"}"
        ),
        2.0
    );
}

/// Holds an exclusive lock on `municipalities` as the owner until the transaction ends, so
/// the service's next read of it waits.
async fn lock_municipalities(db: &TestDb) -> DatabaseTransaction {
    let txn = db.db.begin().await.unwrap();
    txn.execute_unprepared("LOCK TABLE municipalities IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    txn
}

/// Returns once some session of this database waits for a lock.
async fn wait_for_a_waiting_statement(db: &DatabaseConnection) {
    let sql = "SELECT count(*)::bigint AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
               WHERE NOT l.granted AND d.datname = current_database()";
    for _ in 0..400 {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        if row.try_get::<i64>("", "n").unwrap() > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no statement started waiting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_cut_by_the_timeout_is_service_unavailable() {
    let app = app_with_pool(Backend::Postgres, Some(Duration::from_secs(1)), |_| {}).await;
    let query = "{ municipalities { name } }";
    let lock = lock_municipalities(&app.db).await;

    let (status, body) = app.graphql_with_status(query, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    let message = first_error(&body)["message"].as_str().unwrap();
    assert!(message.contains("took too long"), "{message}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(
        sample(
            &metrics,
            "motgift_graphql_errors_total{code=\"SERVICE_UNAVAILABLE\"}"
        ),
        1.0
    );

    lock.rollback().await.unwrap();
    let after = app.query(query, json!({})).await;
    assert_eq!(after["municipalities"].as_array().unwrap().len(), 3);

    // The setting is on every pooled connection of the service, whatever the statement.
    let mut config = DbConfig::new(&app.db.service_url);
    config.statement_timeout = Some(Duration::from_secs(1));
    let pool = connect(&config).await.unwrap();
    let err = pool
        .execute_unprepared("SELECT pg_sleep(2)")
        .await
        .expect_err("cut by the statement timeout");
    let err = motgift_schema::Error::from(err);
    assert!(
        matches!(err, motgift_schema::Error::StatementTimeout),
        "{err:?}"
    );
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
}

/// The service on PostgreSQL, served by the binary's own `serve` with a shutdown trigger.
struct Served {
    db: TestDb,
    address: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn serve_until_stopped(grace: Duration) -> Served {
    let db = TestDb::new(Backend::Postgres).await;
    let state = AppState::new(db.store(), AppConfig::default());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        router(state),
        async move {
            let _ = stopped.await;
        },
        grace,
    ));
    Served {
        db,
        address,
        stop,
        server,
    }
}

fn query_municipalities(address: std::net::SocketAddr) -> tokio::task::JoinHandle<Value> {
    tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("http://{address}/graphql"))
            .json(&json!({ "query": "{ municipalities { name } }" }))
            .send()
            .await
            .expect("answered")
            .json::<Value>()
            .await
            .expect("JSON")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_in_flight_finishes_after_shutdown_starts() {
    let served = serve_until_stopped(Duration::from_secs(60)).await;
    let lock = lock_municipalities(&served.db).await;
    let in_flight = query_municipalities(served.address);
    wait_for_a_waiting_statement(&served.db.db).await;

    served.stop.send(()).unwrap();
    // New connections are refused once the server stops accepting.
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(served.address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "the server still accepts connections");
    assert!(!served.server.is_finished(), "a request is still in flight");

    lock.rollback().await.unwrap();
    let body = in_flight.await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["municipalities"].as_array().unwrap().len(), 3);
    served.server.await.unwrap().expect("clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_waiting_after_the_grace_period() {
    let served = serve_until_stopped(Duration::from_millis(200)).await;
    let lock = lock_municipalities(&served.db).await;
    let in_flight = query_municipalities(served.address);
    wait_for_a_waiting_statement(&served.db.db).await;

    served.stop.send(()).unwrap();
    // The request is still held by the lock, but the server returns once the grace is over.
    tokio::time::timeout(Duration::from_secs(30), served.server)
        .await
        .expect("the server stops after its grace period")
        .unwrap()
        .expect("clean stop");
    in_flight.abort();
    lock.rollback().await.unwrap();
}
