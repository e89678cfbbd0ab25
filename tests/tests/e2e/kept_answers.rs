//! Kept answers of pages of records: served again only while nothing they show has changed,
//! never to a caller who may see other rows, and logged in the access log every time they are
//! sent, also when many are read at once.

use std::collections::BTreeSet;

use motgift_tests::{Backend, TestApp, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    a_kept_page_follows_every_write_and_is_logged_every_time,
    reads_side_by_side_are_each_logged_once,
);

const PAGE: &str = "query Page { overdoseIncidents(first: 10) {
    totalCount nodes { id version notes suspectedSubstances municipality { name } } } }";

const CREATE: &str = "mutation($i: CreateOverdoseIncidentInput!) {
    createOverdoseIncident(input: $i) { id version } }";

fn incident(notes: &str) -> Value {
    json!({
        "occurredOn": "2025-03-01", "placeType": "SHELTER", "outcome": "NON_FATAL",
        "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "NO",
        "disposition": "OBSERVED_2H_PLUS", "ageBand": "UNKNOWN", "sex": "UNKNOWN",
        "followUpOffered": "NO", "source": "SELF_REPORT", "notes": notes,
    })
}

/// The entries of Molde's access log written for the operation `Page`: (request id, rows).
async fn page_reads(coordinator: &TestApp) -> Vec<(String, i64)> {
    let log = coordinator
        .query(
            "{ accessLog(first: 100) { nodes { operation requestId rowCount } } }",
            json!({}),
        )
        .await;
    log["accessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "Page")
        .map(|e| {
            (
                e["requestId"].as_str().unwrap().to_owned(),
                e["rowCount"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn notes(page: &Value) -> Vec<Value> {
    page["overdoseIncidents"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["notes"].clone())
        .collect()
}

async fn a_kept_page_follows_every_write_and_is_logged_every_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let registrar = app.clone().with_caller("1506:registrar");
    let kristiansund = app.clone().with_caller("1505:coordinator");
    let first = molde
        .query(CREATE, json!({ "i": incident("Første") }))
        .await;
    molde.query(CREATE, json!({ "i": incident("Andre") })).await;
    let page = async |caller: &TestApp| caller.query(PAGE, json!({})).await;

    let fresh = page(&molde).await;
    assert_eq!(fresh["overdoseIncidents"]["totalCount"], 2);
    let served_as_kept = app.kept_answers_served().await;
    assert_eq!(page(&molde).await, fresh);
    assert_eq!(app.kept_answers_served().await, served_as_kept + 1, "kept");

    // A correction that changes no count still shows at once.
    let id = first["createOverdoseIncident"]["id"].clone();
    molde
        .query(
            "mutation($c: CorrectOverdoseIncidentInput!) {
               correctOverdoseIncident(input: $c) { version } }",
            json!({ "c": { "id": id, "version": 1, "notes": "Rettet" } }),
        )
        .await;
    let corrected = page(&molde).await;
    assert!(
        notes(&corrected).contains(&json!("Rettet")),
        "{corrected:#}"
    );
    assert!(!notes(&corrected).contains(&json!("Første")));

    // Neither another municipality's coordinator nor another role gets Molde's kept page.
    let elsewhere = page(&kristiansund).await;
    assert_eq!(elsewhere["overdoseIncidents"]["totalCount"], 0);
    let as_registrar = page(&registrar).await;
    assert_eq!(
        as_registrar["overdoseIncidents"],
        corrected["overdoseIncidents"]
    );

    // A retraction removes the row from the page at once.
    molde
        .query(
            "mutation($r: RetractInput!) { retractOverdoseIncident(input: $r) { version } }",
            json!({ "r": { "id": id, "version": 2, "reason": "Registrert to ganger" } }),
        )
        .await;
    let retracted = page(&molde).await;
    assert_eq!(retracted["overdoseIncidents"]["totalCount"], 1);
    assert_eq!(page(&molde).await, retracted, "kept again");

    // Every page of Molde's rows sent, kept or not, is in the log with its own request id:
    // five to the coordinator, one to the registrar (Kristiansund's page had no rows).
    let logged = page_reads(&molde).await;
    let requests: BTreeSet<&str> = logged.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(logged.len(), 6, "{logged:?}");
    assert_eq!(requests.len(), logged.len());
    assert_eq!(
        logged.iter().map(|(_, rows)| *rows).collect::<Vec<_>>(),
        [1, 1, 2, 2, 2, 2],
        "newest first"
    );
}

async fn reads_side_by_side_are_each_logged_once(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    app.query(CREATE, json!({ "i": incident("Én") })).await;
    // The first few are answered afresh, the rest as kept; they share round trips.
    let reads = (0..24).map(|_| app.query(PAGE, json!({})));
    let pages = futures::future::join_all(reads).await;
    assert!(
        pages
            .iter()
            .all(|p| p["overdoseIncidents"]["totalCount"] == 1)
    );
    let logged = page_reads(&app).await;
    let requests: BTreeSet<&str> = logged.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(logged.len(), 24, "{logged:?}");
    assert_eq!(requests.len(), 24);
}
