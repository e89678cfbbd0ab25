//! On PostgreSQL an instance learns of new data versions from the database's notifications
//! and confirms kept answers of figures without a round trip. What it answers still follows
//! every write: its own at once, another instance's once notified, and within a heartbeat
//! when no notification comes at all (a writer without the trigger, a lost connection).

use std::time::{Duration, Instant};

use motgift_schema::store::{VERSION_LISTENER_NAME, VERSIONS_MAX_AGE, VersionNotifications};
use motgift_tests::{Backend, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// Molde's own incidents of 2025, exact for its coordinator.
const FIGURES: &str = "{ dashboard(from: \"2025-01-01\", to: \"2025-12-31\", bucket: YEAR,
    municipalities: [\"1506\"]) { incidents { periods { total { value } } } } }";

const CREATE: &str = "mutation($i: CreateOverdoseIncidentInput!) {
    createOverdoseIncident(input: $i) { id } }";

/// Longer than any wait the service's watch allows itself (a heartbeat; versions are not
/// taken as known once read longer ago than `VERSIONS_MAX_AGE`).
const PATIENCE: Duration = VERSIONS_MAX_AGE.saturating_mul(3);

fn incident() -> Value {
    json!({ "i": {
        "occurredOn": "2025-03-01", "placeType": "SHELTER", "outcome": "NON_FATAL",
        "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "NO",
        "disposition": "OBSERVED_2H_PLUS", "ageBand": "UNKNOWN", "sex": "UNKNOWN",
        "followUpOffered": "NO", "source": "SELF_REPORT",
    } })
}

async fn incidents(caller: &TestApp) -> u64 {
    let data = caller.query(FIGURES, json!({})).await;
    data["dashboard"]["incidents"]["periods"][0]["total"]["value"]
        .as_u64()
        .expect("an exact figure")
}

/// Asks `probe` until it gives `expected`, failing after [`PATIENCE`].
async fn eventually<T: PartialEq + std::fmt::Debug>(
    what: &str,
    expected: T,
    mut probe: impl AsyncFnMut() -> T,
) {
    let started = Instant::now();
    loop {
        let now = probe().await;
        if now == expected {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{what}: still {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asks until an answer is confirmed with the versions as notified: the state in which a
/// stale answer could be sent if the watch were wrong.
async fn until_known(instance: &TestApp, caller: &TestApp) {
    let known = instance.metric("motgift_versions_known_total").await;
    eventually("a kept answer confirmed as notified", true, async || {
        incidents(caller).await;
        instance.metric("motgift_versions_known_total").await > known
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_instance_follows_every_write_without_reading_versions_per_request() {
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = first.another_instance().await;
    let molde_first = first.clone().with_caller("1506:coordinator");
    let molde_second = second.clone().with_caller("1506:coordinator");
    assert_eq!(incidents(&molde_second).await, 0);
    eventually("the second instance listens", 1, async || {
        second.metric("motgift_versions_listening").await
    })
    .await;
    until_known(&second, &molde_second).await;

    // Kept answers are confirmed without the ledger's round trips.
    let round_trips = second.metric("motgift_ledger_round_trips_total").await;
    let known = second.metric("motgift_versions_known_total").await;
    for _ in 0..5 {
        assert_eq!(incidents(&molde_second).await, 0);
    }
    assert!(second.metric("motgift_versions_known_total").await > known);
    assert!(second.metric("motgift_ledger_round_trips_total").await < round_trips + 5);

    // Another instance's write: notified, and seen.
    let notified = second.metric("motgift_versions_notifications_total").await;
    molde_first.query(CREATE, incident()).await;
    eventually("the first instance's write", 1, async || {
        incidents(&molde_second).await
    })
    .await;
    assert!(second.metric("motgift_versions_notifications_total").await > notified);

    // An instance's own write shows in its next answer.
    until_known(&second, &molde_second).await;
    let notified = second.metric("motgift_versions_notifications_total").await;
    molde_second.query(CREATE, incident()).await;
    assert_eq!(incidents(&molde_second).await, 2, "its own write, at once");
    // Its notification reaches every listener, its own too, a little later: heard before
    // the write below, of which nothing must be heard.
    eventually("its own write notified", true, async || {
        second.metric("motgift_versions_notifications_total").await > notified
    })
    .await;

    // A write nobody notified (an instance with notifications off) shows within a heartbeat.
    let silent = first
        .another_instance_with(|store| store.with_version_notifications(VersionNotifications::Off))
        .await
        .with_caller("1506:coordinator");
    until_known(&second, &molde_second).await;
    let notified = second.metric("motgift_versions_notifications_total").await;
    silent.query(CREATE, incident()).await;
    eventually("a write nobody notified", 3, async || {
        incidents(&molde_second).await
    })
    .await;
    assert_eq!(
        second.metric("motgift_versions_notifications_total").await,
        notified,
        "nothing was notified"
    );

    // An instance that hears no notification (it listens on another database) still sees its
    // own write in its next answer.
    let elsewhere = format!("{}/postgres", first.db.url.rsplit_once('/').unwrap().0);
    let deaf_instance = first
        .another_instance_with(|store| {
            store.with_version_notifications(
                VersionNotifications::from_setting(Some(&elsewhere)).unwrap(),
            )
        })
        .await;
    let deaf = deaf_instance.clone().with_caller("1506:coordinator");
    until_known(&deaf_instance, &deaf).await;
    deaf.query(CREATE, incident()).await;
    assert_eq!(incidents(&deaf).await, 4, "its own write, at once");

    // The listeners' connections cut: each listens again, and nothing is missed meanwhile.
    until_known(&second, &molde_second).await;
    let cut = first
        .db
        .db
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = '{VERSION_LISTENER_NAME}' AND datname = current_database()"
        ))
        .await
        .unwrap();
    assert!(cut.rows_affected() >= 1, "the instances listen");
    molde_first.query(CREATE, incident()).await;
    eventually("a write while the listener was cut", 5, async || {
        incidents(&molde_second).await
    })
    .await;
    eventually("listening again", 1, async || {
        second.metric("motgift_versions_listening").await
    })
    .await;
    let notified = second.metric("motgift_versions_notifications_total").await;
    molde_first.query(CREATE, incident()).await;
    eventually("notified again", true, async || {
        second.metric("motgift_versions_notifications_total").await > notified
    })
    .await;
    eventually("the write after", 6, async || {
        incidents(&molde_second).await
    })
    .await;

    // Quiet for longer than versions read are trusted: the heartbeat's reads keep them known.
    tokio::time::sleep(VERSIONS_MAX_AGE + Duration::from_millis(500)).await;
    until_known(&second, &molde_second).await;
}

/// With notifications off (`MOTGIFT_VERSION_NOTIFICATIONS=off`), every kept answer is
/// confirmed with a read: another instance's write shows in the very next answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_notifications_off_every_kept_answer_is_confirmed_with_a_read() {
    let first = TestApp::spawn(Backend::Postgres).await;
    let strict = first
        .another_instance_with(|store| store.with_version_notifications(VersionNotifications::Off))
        .await;
    let molde_first = first.clone().with_caller("1506:coordinator");
    let molde_strict = strict.clone().with_caller("1506:coordinator");
    assert_eq!(incidents(&molde_strict).await, 0);
    for expected in 1..=3 {
        assert_eq!(incidents(&molde_strict).await, expected - 1);
        molde_first.query(CREATE, incident()).await;
        assert_eq!(incidents(&molde_strict).await, expected, "at once");
    }
    assert!(strict.kept_answers_served().await >= 3);
    assert_eq!(strict.metric("motgift_versions_listening").await, 0);
    assert_eq!(strict.metric("motgift_versions_known_total").await, 0);
}
