//! A database outage: readiness says so, liveness does not, and the service recovers by itself.

use std::time::{Duration, Instant};

use motgift_schema::Store;
use motgift_schema::store::{DbConfig, VERSIONS_MAX_AGE, connect};
use motgift_tests::proxy::CuttableProxy;
use motgift_tests::{Backend, TestApp, TestDb};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_gives_503_ready_and_recovers_without_restart() {
    let (app, proxy) = served_through_a_proxy().await;

    let query = "{ municipalities { kommunenummer } }";
    assert_eq!(app.get("/readyz").await.status(), 200);
    assert!(app.graphql(query, json!({})).await.get("errors").is_none());

    proxy.cut().await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    assert_eq!(app.get("/healthz").await.status(), 200);
    // The reference data may still be answered from memory while the versions as last
    // notified are trusted (VERSIONS_MAX_AGE at most); then the outage shows.
    let during = unconfirmed_until_refused(&app, query).await;
    assert_eq!(
        during["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{during:#}"
    );

    proxy.restore();
    let mut ready = false;
    for _ in 0..50 {
        if app.get("/readyz").await.status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the service did not recover");
    let after = app.query(query, json!({})).await;
    assert_eq!(after["municipalities"].as_array().unwrap().len(), 3);
}

/// The ledger keeps a connection of its own for the reads that confirm kept answers. Cut
/// while that connection is in use, a kept answer is not sent unconfirmed (beyond the moment
/// for which versions as notified are trusted), and once the database is back the ledger
/// confirms kept answers again on a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_answers_are_confirmed_again_after_an_outage() {
    let (app, proxy) = served_through_a_proxy().await;
    let app = app.with_caller(":analyst");

    let query = "{ municipalities { kommunenummer } }";
    app.query(query, json!({})).await;
    let kept = app.kept_answers_served().await;
    app.query(query, json!({})).await;
    assert_eq!(app.kept_answers_served().await, kept + 1, "served as kept");

    // At once, so the ledger's connection is still the one it keeps. The versions as last
    // notified may still be taken as known for a moment (until the listener finds its
    // connection gone, at most VERSIONS_MAX_AGE after they were read); then nothing is sent
    // that the database has not confirmed.
    proxy.cut().await;
    let during = unconfirmed_until_refused(&app, query).await;
    assert_eq!(
        during["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "an answer that cannot be confirmed is not sent: {during:#}"
    );
    let served = app.kept_answers_served().await;
    assert!(app.graphql(query, json!({})).await.get("errors").is_some());
    assert_eq!(app.kept_answers_served().await, served);

    proxy.restore();
    let mut answered = false;
    for _ in 0..50 {
        if app.graphql(query, json!({})).await.get("errors").is_none() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "the service did not recover");
    let before = app.kept_answers_served().await;
    let again = app.query(query, json!({})).await;
    assert_eq!(again["municipalities"].as_array().unwrap().len(), 3);
    assert!(
        app.kept_answers_served().await > before,
        "kept answers are confirmed again"
    );
}

/// Asks `query` until it is refused, just after the database was cut off, and gives the
/// refusal: answers from versions known before the cut are allowed for as long as such
/// versions are trusted, and no longer.
async fn unconfirmed_until_refused(app: &TestApp, query: &str) -> serde_json::Value {
    let cut = Instant::now();
    loop {
        let during = app.graphql(query, json!({})).await;
        if during.get("errors").is_some() {
            return during;
        }
        assert!(
            cut.elapsed() < VERSIONS_MAX_AGE * 2,
            "answers were sent unconfirmed for too long"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The service on a new PostgreSQL test database reached through a proxy the test can cut,
/// with a short acquire timeout so requests fail fast while it is cut.
async fn served_through_a_proxy() -> (TestApp, CuttableProxy) {
    let db = TestDb::new(Backend::Postgres).await;
    let proxy = CuttableProxy::start("127.0.0.1:5432".parse().unwrap()).await;
    let proxied_url = db
        .service_url
        .replace("127.0.0.1:5432", &proxy.address.to_string());
    assert_ne!(
        proxied_url, db.service_url,
        "the test database must be on 127.0.0.1:5432"
    );
    let mut config = DbConfig::new(proxied_url);
    config.acquire_timeout = Duration::from_millis(500);
    let store = Store::new(connect(&config).await.unwrap());
    (TestApp::serve(db, store).await, proxy)
}
