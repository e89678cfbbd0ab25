//! PostgreSQL restarts under a steady stream of creates: clients retry what failed with the
//! same idempotency key, and afterwards every acknowledged write is stored exactly once, with
//! the id the client was given, and nothing else is.
//!
//! The restart is of a private server (`PgServer`), never of the cluster the other tests share.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use motgift_schema::graphql::GlobalId;
use motgift_schema::store::{DbConfig, TenantScope, connect};
use motgift_schema::{Role, Store};
use motgift_tests::pg_server::PgServer;
use motgift_tests::{TestApp, TestDb};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use tokio::task::JoinHandle;

/// The streaming clients, each acting for one municipality. Several share each municipality's
/// audit chain, so at any moment some wait inside a transaction for the chain's lock: a
/// restart always cuts transactions in flight, even when the server is back before a pool's
/// acquire timeout has passed for the requests that arrived while it was down.
const CLIENTS: [&str; 8] = [
    "1505", "1506", "1508", "1505", "1506", "1508", "1505", "1506",
];

/// Writes acknowledged before the restart starts, and after it has finished.
const BEFORE: usize = 40;
const AFTER: usize = 40;
/// The longest a client keeps retrying one write before the test fails.
const RETRY_DEADLINE: Duration = Duration::from_secs(60);
/// An attempt without an answer after this long is a hang.
const HANG: Duration = Duration::from_secs(10);

const CREATE_INCIDENT: &str = "mutation($input: CreateOverdoseIncidentInput!) {
    createOverdoseIncident(input: $input) { id } }";
const CREATE_DISTRIBUTION: &str = "mutation($input: CreateNaloxoneDistributionInput!) {
    createNaloxoneDistribution(input: $input) { id } }";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Incident,
    Distribution,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Kind::Incident => "createOverdoseIncident",
            Kind::Distribution => "createNaloxoneDistribution",
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Kind::Incident => "OverdoseIncident",
            Kind::Distribution => "NaloxoneDistribution",
        }
    }
}

/// One write the client must get acknowledged: the same request, byte for byte, on each try.
#[derive(Clone)]
struct Write {
    kind: Kind,
    kommunenummer: &'static str,
    key: String,
    body: Value,
}

/// An acknowledged write.
#[derive(Debug, Clone)]
struct Ack {
    kind: Kind,
    kommunenummer: &'static str,
    key: String,
    /// The global id the service answered with.
    id: String,
    attempts: usize,
    /// The request, to replay it.
    body: Value,
}

/// What one attempt gave.
enum Outcome {
    Acked(String),
    /// The request failed; the string classifies how (a GraphQL code, `connection`, `HTTP n`,
    /// `hang`, ...), the detail is for the failure message.
    Failed(String, String),
}

/// Failure classes a client may see while the database restarts: anything else (an
/// `INTERNAL` error, an HTTP 500, a hang) is a fault of the service.
const EXPECTED_FAILURES: &[&str] = &["SERVICE_UNAVAILABLE", "connection"];

#[derive(Default)]
struct Tally {
    acked: AtomicUsize,
    stop: AtomicBool,
}

#[derive(Default)]
struct ClientReport {
    acks: Vec<Ack>,
    /// Failure class -> how many, with one example each.
    failures: BTreeMap<String, (usize, String)>,
    slowest: Duration,
}

fn write(client: usize, seq: usize, kommunenummer: &'static str, site: &str) -> Write {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let key = format!("fault-{client}-{seq}-{}", &unique[..12]);
    let day = format!("2025-{:02}-{:02}", 1 + (seq + client) % 9, 1 + seq % 28);
    if seq.is_multiple_of(2) {
        let outcomes = ["NON_FATAL", "FATAL", "UNKNOWN"];
        let outcome = outcomes[(seq / 2 + client) % 3];
        let substances = [["HEROIN", "BENZODIAZEPINE"], ["NITAZENE", "ALCOHOL"]];
        Write {
            kind: Kind::Incident,
            kommunenummer,
            body: json!({ "query": CREATE_INCIDENT, "variables": { "input": {
                "occurredOn": day, "placeType": "PUBLIC_OUTDOOR", "outcome": outcome,
                "suspectedSubstances": substances[seq / 2 % 2], "naloxoneGiven": "NO",
                "disposition": if outcome == "FATAL" { "DIED" } else { "TREATED_ON_SCENE" },
                "ageBand": "UNKNOWN", "sex": "UNKNOWN", "followUpOffered": "NO",
                "source": "OTHER", "idempotencyKey": key,
            } } }),
            key,
        }
    } else {
        let first_time = seq.is_multiple_of(3);
        let recipients = ["PERSON_WHO_USES_DRUGS", "NEXT_OF_KIN", "STAFF"];
        Write {
            kind: Kind::Distribution,
            kommunenummer,
            body: json!({ "query": CREATE_DISTRIBUTION, "variables": { "input": {
                "distributedOn": day, "siteId": site, "kits": 1 + seq % 3,
                "recipientCategory": recipients[seq % 3], "firstTime": first_time,
                "refillReason": if first_time { Value::Null } else { json!("USED_ON_OVERDOSE") },
                "trainingGiven": false, "idempotencyKey": key,
            } } }),
            key,
        }
    }
}

/// Sends one attempt and classifies the answer. The request id (the key and the attempt)
/// finds the service's log lines of a failure.
async fn attempt(app: &TestApp, token: &str, w: &Write, number: usize) -> Outcome {
    let sent = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .bearer_auth(token)
        .header("x-request-id", format!("{}/{number}", w.key))
        .timeout(HANG)
        .json(&w.body)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) if err.is_timeout() => return Outcome::Failed("hang".into(), err.to_string()),
        Err(err) => return Outcome::Failed("connection".into(), err.to_string()),
    };
    let status = response.status().as_u16();
    let text = match response.text().await {
        Ok(text) => text,
        Err(err) if err.is_timeout() => return Outcome::Failed("hang".into(), err.to_string()),
        Err(err) => return Outcome::Failed("connection".into(), err.to_string()),
    };
    if status >= 500 && status != 503 {
        return Outcome::Failed(format!("HTTP {status}"), text);
    }
    let Ok(body) = serde_json::from_str::<Value>(&text) else {
        return Outcome::Failed(format!("HTTP {status}, not JSON"), text);
    };
    if let Some(error) = body["errors"].get(0) {
        let code = error["extensions"]["code"]
            .as_str()
            .unwrap_or("no code")
            .to_owned();
        return Outcome::Failed(code, body.to_string());
    }
    match body["data"][w.kind.field()]["id"].as_str() {
        Some(id) if status == 200 => Outcome::Acked(id.to_owned()),
        _ => Outcome::Failed(format!("HTTP {status}, no id"), body.to_string()),
    }
}

/// Streams writes until told to stop, retrying each until it is acknowledged.
async fn client(
    app: TestApp,
    token: String,
    number: usize,
    kommunenummer: &'static str,
    site: String,
    tally: Arc<Tally>,
) -> ClientReport {
    let mut report = ClientReport::default();
    let mut seq = 0;
    while !tally.stop.load(Ordering::SeqCst) {
        let w = write(number, seq, kommunenummer, &site);
        seq += 1;
        let started = Instant::now();
        let mut attempts = 0;
        let id = loop {
            attempts += 1;
            let sent = Instant::now();
            let outcome = attempt(&app, &token, &w, attempts).await;
            report.slowest = report.slowest.max(sent.elapsed());
            match outcome {
                Outcome::Acked(id) => break id,
                Outcome::Failed(class, detail) => {
                    report
                        .failures
                        .entry(class.clone())
                        .or_insert((0, detail))
                        .0 += 1;
                    assert!(
                        started.elapsed() < RETRY_DEADLINE,
                        "client {number}: write {} not acknowledged after {attempts} attempts in \
                         {RETRY_DEADLINE:?}; last failure {class}; failures so far: {:#?}",
                        w.key,
                        report.failures
                    );
                    let backoff = 20 * attempts.min(10) as u64;
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                }
            }
        };
        tally.acked.fetch_add(1, Ordering::SeqCst);
        report.acks.push(Ack {
            kind: w.kind,
            kommunenummer: w.kommunenummer,
            key: w.key,
            id,
            attempts,
            body: w.body,
        });
    }
    report
}

/// Waits until `count` writes are acknowledged; a client that gave up fails the test at once.
async fn until_acked(
    tally: &Tally,
    clients: &mut Vec<JoinHandle<ClientReport>>,
    count: usize,
    what: &str,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while tally.acked.load(Ordering::SeqCst) < count {
        if let Some(at) = clients.iter().position(JoinHandle::is_finished) {
            let ended = clients.swap_remove(at).await;
            panic!(
                "{what}: a client stopped early: {}",
                ended
                    .err()
                    .map_or("without an error".to_owned(), |e| e.to_string())
            );
        }
        assert!(
            Instant::now() < deadline,
            "{what}: only {} of {count} writes acknowledged after a minute",
            tally.acked.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Rows as `(kommunenummer, idempotency key or "", id)`, as the owner (through RLS).
async fn stored(owner: &mut PgConnection, table: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT kommunenummer, COALESCE(idempotency_key, ''), id::text FROM {table}"
    )))
    .fetch_all(owner)
    .await
    .unwrap_or_else(|err| panic!("read {table}: {err}"))
}

/// The kept monthly counts of the recounted metrics, and the same recounted from the rows.
const KEPT_AND_RECOUNT: &str = "
    WITH recount AS (
        SELECT kommunenummer, 'incidents' AS metric, date_trunc('month', occurred_on)::date AS month,
               'ALL' AS category, count(*) AS value
          FROM overdose_incidents WHERE retracted_at IS NULL GROUP BY 1, 3
        UNION ALL
        SELECT kommunenummer, 'incidents_by_outcome', date_trunc('month', occurred_on)::date,
               outcome, count(*)
          FROM overdose_incidents WHERE retracted_at IS NULL GROUP BY 1, 3, 4
        UNION ALL
        SELECT i.kommunenummer, 'incidents_by_substance', date_trunc('month', i.occurred_on)::date,
               s.substance, count(*)
          FROM overdose_incidents i
          JOIN incident_substances s ON s.kommunenummer = i.kommunenummer AND s.incident_id = i.id
         WHERE i.retracted_at IS NULL GROUP BY 1, 3, 4
        UNION ALL
        SELECT kommunenummer, 'naloxone_distributions', date_trunc('month', distributed_on)::date,
               'ALL', count(*)
          FROM naloxone_distributions WHERE retracted_at IS NULL GROUP BY 1, 3
        UNION ALL
        SELECT kommunenummer, 'naloxone_kits', date_trunc('month', distributed_on)::date,
               'ALL', sum(kits)
          FROM naloxone_distributions WHERE retracted_at IS NULL GROUP BY 1, 3
        UNION ALL
        SELECT kommunenummer, 'naloxone_kits_by_recipient', date_trunc('month', distributed_on)::date,
               recipient_category, sum(kits)
          FROM naloxone_distributions WHERE retracted_at IS NULL GROUP BY 1, 3, 4
        UNION ALL
        SELECT kommunenummer, 'naloxone_refills_by_reason', date_trunc('month', distributed_on)::date,
               refill_reason, count(*)
          FROM naloxone_distributions
         WHERE retracted_at IS NULL AND refill_reason IS NOT NULL GROUP BY 1, 3, 4
    )
    SELECT 'kept' AS side, kommunenummer, metric, month::text, category, value::bigint
      FROM monthly_counts
     WHERE value <> 0 AND metric IN ('incidents', 'incidents_by_outcome',
           'incidents_by_substance', 'naloxone_distributions', 'naloxone_kits',
           'naloxone_kits_by_recipient', 'naloxone_refills_by_reason')
    UNION ALL
    SELECT 'recount', kommunenummer, metric, month::text, category, value::bigint FROM recount
     WHERE value <> 0";

type Counts = BTreeMap<(String, String, String, String), i64>;

async fn kept_and_recount(owner: &mut PgConnection) -> (Counts, Counts) {
    let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(KEPT_AND_RECOUNT)
        .fetch_all(owner)
        .await
        .expect("kept counts and recount");
    let (mut kept, mut recount) = (Counts::new(), Counts::new());
    for (side, kommunenummer, metric, month, category, value) in rows {
        let target = if side == "kept" {
            &mut kept
        } else {
            &mut recount
        };
        target.insert((kommunenummer, metric, month, category), value);
    }
    (kept, recount)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restart_under_writes_keeps_every_acknowledged_write_exactly_once() {
    // Declared first, so it is dropped last: after the app and the test database.
    let server = PgServer::start().await;
    let db = TestDb::new_on(&server.admin_url).await;
    // A short acquire timeout: while the server is down, requests fail fast instead of
    // queueing for a connection.
    let mut config = DbConfig::new(db.service_url.clone());
    config.acquire_timeout = Duration::from_millis(500);
    let store = Store::new(connect(&config).await.expect("service pool"));
    let owner_url = db.url.clone();
    let app = TestApp::serve(db, store).await;

    let mut sites = BTreeMap::new();
    for kommunenummer in ["1505", "1506", "1508"] {
        let site = app.add_site(kommunenummer, "Lavterskeltilbudet").await;
        sites.insert(kommunenummer, site);
    }

    let tally = Arc::new(Tally::default());
    let mut clients = Vec::new();
    for (number, kommunenummer) in CLIENTS.into_iter().enumerate() {
        let token = app.dev_issuer.token(
            &[kommunenummer.parse().expect("kommunenummer")],
            &[Role::Coordinator],
            1,
        );
        clients.push(tokio::spawn(client(
            app.clone(),
            token,
            number,
            kommunenummer,
            sites[kommunenummer].clone(),
            tally.clone(),
        )));
    }

    until_acked(&tally, &mut clients, BEFORE, "before the restart").await;
    let acked_before = tally.acked.load(Ordering::SeqCst);
    let restart_started = Instant::now();
    server.restart().await;
    let restart_took = restart_started.elapsed();
    let acked_at_restart_end = tally.acked.load(Ordering::SeqCst);
    until_acked(
        &tally,
        &mut clients,
        acked_at_restart_end + AFTER,
        "after the restart",
    )
    .await;
    tally.stop.store(true, Ordering::SeqCst);

    let mut acks: Vec<Ack> = Vec::new();
    let mut failures: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut slowest = Duration::ZERO;
    for handle in clients {
        let report = handle.await.expect("a client failed");
        acks.extend(report.acks);
        slowest = slowest.max(report.slowest);
        for (class, (count, example)) in report.failures {
            failures.entry(class).or_insert((0, example)).0 += count;
        }
    }
    let failed_attempts: usize = failures.values().map(|(n, _)| n).sum();
    let retried_writes = acks.iter().filter(|a| a.attempts > 1).count();
    let counts: BTreeMap<&str, usize> = failures
        .iter()
        .map(|(c, (n, _))| (c.as_str(), *n))
        .collect();
    eprintln!(
        "fault test: {} writes acknowledged ({acked_before} before the restart, {} during it \
         ({restart_took:?}), {} after); {failed_attempts} failed attempts over {retried_writes} \
         retried writes, by class {counts:?}; slowest attempt {slowest:?}",
        acks.len(),
        acked_at_restart_end - acked_before,
        acks.len() - acked_at_restart_end,
    );

    // The restart must have been felt, or the test proved nothing.
    assert!(
        failed_attempts > 0 && retried_writes > 0,
        "no request failed while PostgreSQL restarted: the stream was not dense enough"
    );
    // Failures are retryable ones: never an internal error, a 500 or a hang.
    let unexpected: BTreeMap<&String, &(usize, String)> = failures
        .iter()
        .filter(|(class, _)| !EXPECTED_FAILURES.contains(&class.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "during the restart the service answered other than SERVICE_UNAVAILABLE or a \
         connection error (class -> (count, example)): {unexpected:#?}"
    );
    assert!(
        slowest < HANG,
        "an attempt took {slowest:?}: requests hang during the outage"
    );

    // Every acknowledged key is stored exactly once, with the id acknowledged; no other row.
    let mut owner = PgConnection::connect(&owner_url)
        .await
        .expect("connect as the owner");
    let mut acked_by_key: BTreeMap<(&str, &str), &Ack> = BTreeMap::new();
    for ack in &acks {
        assert!(
            acked_by_key
                .insert((ack.kommunenummer, ack.key.as_str()), ack)
                .is_none(),
            "key {} acknowledged twice",
            ack.key
        );
    }
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut rows_total = 0;
    for (kind, table) in [
        (Kind::Incident, "overdose_incidents"),
        (Kind::Distribution, "naloxone_distributions"),
    ] {
        let rows = stored(&mut owner, table).await;
        rows_total += rows.len();
        for (kommunenummer, key, id) in rows {
            let ack = acked_by_key
                .get(&(kommunenummer.as_str(), key.as_str()))
                .unwrap_or_else(|| {
                    panic!(
                        "{table} holds a row no client was told about: municipality \
                         {kommunenummer}, key {key:?}, id {id}"
                    )
                });
            assert_eq!(ack.kind, kind, "key {key} stored as the wrong record type");
            let uuid = id.parse().expect("uuid");
            assert_eq!(
                ack.id,
                GlobalId::encode(kind.type_name(), uuid).0,
                "key {key}: the stored id is not the one acknowledged"
            );
            assert!(
                seen.insert((kommunenummer, key.clone())),
                "key {key} is stored twice"
            );
        }
    }
    assert_eq!(
        rows_total,
        acks.len(),
        "every acknowledged write is stored (rows {rows_total}, acknowledged {})",
        acks.len()
    );

    // Each write has one CREATE event in its municipality's audit chain, and the chains hold.
    let events: Vec<(String, i64)> = sqlx::query_as(
        "SELECT record_id::text, count(*) FROM audit_events
          WHERE operation = 'CREATE' AND record_type IN ('OverdoseIncident', 'NaloxoneDistribution')
          GROUP BY record_id",
    )
    .fetch_all(&mut owner)
    .await
    .expect("audit events");
    assert_eq!(events.len(), acks.len(), "one CREATE event per write");
    assert!(
        events.iter().all(|(_, n)| *n == 1),
        "a write has several CREATE events"
    );
    // The request id of a create's event (`key/attempt`) tells which attempt stored it: an
    // attempt the client saw fail means the commit went through while the answer was lost, and
    // the retry was answered by a replay.
    let creators: Vec<(String,)> = sqlx::query_as(
        "SELECT request_id FROM audit_events
          WHERE operation = 'CREATE' AND record_type IN ('OverdoseIncident', 'NaloxoneDistribution')",
    )
    .fetch_all(&mut owner)
    .await
    .expect("audit request ids");
    let attempts_by_key: BTreeMap<&str, usize> =
        acks.iter().map(|a| (a.key.as_str(), a.attempts)).collect();
    let stored_by_a_failed_attempt = creators
        .iter()
        .filter(|(request_id,)| {
            let (key, attempt) = request_id.rsplit_once('/').expect("key/attempt");
            attempt.parse::<usize>().expect("attempt") < attempts_by_key[key]
        })
        .count();
    eprintln!(
        "fault test: {stored_by_a_failed_attempt} writes were stored by an attempt the client saw \
         fail, and acknowledged by the replay of a retry"
    );
    // Checked through a pool opened now, as the owner's connection is: the test database's
    // own pool lived through the restart unused, and is not what is under test here.
    let checker = Store::new(
        connect(&DbConfig::new(app.db.service_url.clone()))
            .await
            .expect("checking pool"),
    );
    let verification = checker.verify_audit().await.expect("verify audit");
    assert!(
        verification.intact(),
        "audit chains broken: {:?}",
        verification.chains
    );

    // The kept monthly counts equal a recount from the rows, and a rebuild changes nothing.
    let (kept, recount) = kept_and_recount(&mut owner).await;
    assert!(!recount.is_empty());
    assert_eq!(kept, recount, "monthly counts differ from a recount");
    for kommunenummer in ["1505", "1506", "1508"] {
        checker
            .system_tenant(TenantScope::new([kommunenummer.parse().unwrap()]))
            .rebuild_aggregates(kommunenummer)
            .await
            .expect("rebuild aggregates");
    }
    assert_eq!(kept_and_recount(&mut owner).await.0, kept);

    // A replay of acknowledged writes returns the same id and adds nothing: the retried ones
    // first, then a few of each type.
    let mut replays: Vec<&Ack> = acks.iter().filter(|a| a.attempts > 1).take(6).collect();
    replays.extend(acks.iter().filter(|a| a.kind == Kind::Incident).take(2));
    replays.extend(acks.iter().filter(|a| a.kind == Kind::Distribution).take(2));
    for ack in replays {
        let w = Write {
            kind: ack.kind,
            kommunenummer: ack.kommunenummer,
            key: ack.key.clone(),
            body: ack.body.clone(),
        };
        let token = app.dev_issuer.token(
            &[ack.kommunenummer.parse().unwrap()],
            &[Role::Coordinator],
            1,
        );
        match attempt(&app, &token, &w, 0).await {
            Outcome::Acked(id) => assert_eq!(id, ack.id, "replay of {} gave another id", ack.key),
            Outcome::Failed(class, detail) => {
                panic!("replay of {} failed: {class}: {detail}", ack.key)
            }
        }
    }
    let mut after_replays = 0;
    for table in ["overdose_incidents", "naloxone_distributions"] {
        after_replays += stored(&mut owner, table).await.len();
    }
    assert_eq!(after_replays, acks.len(), "a replay added a row");

    drop(owner);
    drop(app);
    drop(server);
}
