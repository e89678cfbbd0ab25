//! The change audit: every mutation leaves an event with before and after, the hash chain
//! verifies, and editing or removing an event is detected. And the access log: every read of
//! detail rows is recorded with its row count.

use clap::Parser;
use motgift_api::cli::Cli;
use motgift_tests::{Backend, TestApp, on_both_databases};
use sea_orm::ConnectionTrait;
use serde_json::json;

on_both_databases!(
    every_change_is_audited_and_the_chain_detects_tampering,
    concurrent_writers_keep_one_unbroken_chain,
    reads_of_detail_rows_are_in_the_access_log,
    lists_read_side_by_side_are_each_logged,
    reading_the_audit_trail_is_in_the_access_log,
);

async fn audit_verify(app: &TestApp) -> anyhow::Result<()> {
    Cli::try_parse_from(["motgift", "--database-url", &app.db.url, "audit", "verify"])
        .expect("valid command line")
        .run()
        .await
}

async fn every_change_is_audited_and_the_chain_detects_tampering(backend: Backend) {
    let molde = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let kristiansund = molde.clone().with_caller("1505:registrar");
    let site = kristiansund.add_site("1505", "Legevakten").await;
    let create = "mutation($input: CreateNaloxoneDistributionInput!) {
        createNaloxoneDistribution(input: $input) { id version } }";
    let input = |day: &str| {
        json!({ "input": {
            "distributedOn": day, "siteId": site, "kits": 1,
            "recipientCategory": "NEXT_OF_KIN", "firstTime": true, "trainingGiven": true,
            "trainingMinutes": 4 } })
    };
    let a =
        kristiansund.query(create, input("2025-02-02")).await["createNaloxoneDistribution"].clone();
    kristiansund.query(create, input("2025-02-03")).await;
    kristiansund
        .query(
            "mutation($input: CorrectNaloxoneDistributionInput!) {
               correctNaloxoneDistribution(input: $input) { version } }",
            json!({ "input": { "id": a["id"], "version": 1, "kits": 2 } }),
        )
        .await;
    kristiansund
        .query(
            "mutation($input: RetractInput!) { retractNaloxoneDistribution(input: $input) { version } }",
            json!({ "input": { "id": a["id"], "version": 2, "reason": "Dobbeltregistrert" } }),
        )
        .await;
    let measure = molde
        .query("{ plan { focusAreas { measures { id } } } }", json!({}))
        .await["plan"]["focusAreas"][0]["measures"][0]["id"]
        .clone();
    molde
        .query(
            "mutation($input: CreateActionInput!) { createAction(input: $input) { id } }",
            json!({ "input": { "measureId": measure, "title": "Kartlegging av overdosesituasjonen" } }),
        )
        .await;

    // Kristiansund's chain, read by its coordinator: every change, with before and after.
    let coordinator = molde.clone().with_caller("1505:coordinator");
    let trail = coordinator
        .query(
            "{ auditTrail { totalCount nodes { seq operation recordType role actor before after prevHash hash } } }",
            json!({}),
        )
        .await["auditTrail"]
        .clone();
    assert_eq!(trail["totalCount"], 4);
    let events = trail["nodes"].as_array().unwrap();
    let operations: Vec<&str> = events
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations, ["RETRACT", "CORRECT", "CREATE", "CREATE"]);
    assert!(events.iter().all(|e| e["role"] == "registrar"));
    assert!(events.iter().all(|e| e["after"].is_object()));
    assert_eq!(events[1]["before"]["kits"], 1);
    assert_eq!(events[1]["after"]["kits"], 2);
    assert_eq!(events[0]["after"]["retraction_reason"], "Dobbeltregistrert");
    assert_eq!(events[0]["prevHash"], events[1]["hash"]);
    assert_eq!(events[3]["prevHash"], "0".repeat(64));

    audit_verify(&molde)
        .await
        .expect("the untouched chain verifies");

    // Editing an event's content breaks its hash.
    molde
        .db
        .db
        .execute_unprepared(
            "UPDATE audit_events SET \"after\" = '{\"kits\": 9}' \
             WHERE kommunenummer = '1505' AND seq = 2",
        )
        .await
        .unwrap();
    assert!(audit_verify(&molde).await.is_err());
    let verification = molde.db.store().verify_audit().await.unwrap();
    let chains: Vec<(&str, bool)> = verification
        .chains
        .iter()
        .map(|c| (c.kommunenummer.as_str(), c.problem.is_none()))
        .collect();
    assert_eq!(chains, [("1505", false), ("1506", true)]);

    // Removing the last event is detected through the chain's head.
    molde
        .db
        .db
        .execute_unprepared("DELETE FROM audit_events WHERE kommunenummer = '1506'")
        .await
        .unwrap();
    let verification = molde.db.store().verify_audit().await.unwrap();
    let molde_chain = &verification.chains[1];
    assert_eq!(molde_chain.kommunenummer, "1506");
    assert!(
        molde_chain
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("removed")),
        "{molde_chain:?}"
    );
}

async fn concurrent_writers_keep_one_unbroken_chain(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let site = app.add_site("1506", "Ambulerende team").await;
    let writes = (0..12).map(|i| {
        let app = app.clone();
        let site = site.clone();
        async move {
            app.query(
                "mutation($input: CreateNaloxoneDistributionInput!) {
                   createNaloxoneDistribution(input: $input) { id } }",
                json!({ "input": {
                    "distributedOn": "2025-09-01", "siteId": site, "kits": 1 + i % 3,
                    "recipientCategory": "STAFF", "firstTime": true, "trainingGiven": false,
                    "idempotencyKey": format!("parallel-{i}") } }),
            )
            .await
        }
    });
    futures::future::join_all(writes).await;
    let trail = app
        .query("{ auditTrail { totalCount nodes { seq } } }", json!({}))
        .await;
    assert_eq!(trail["auditTrail"]["totalCount"], 12);
    let seqs: Vec<i64> = trail["auditTrail"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=12).rev().collect::<Vec<_>>());
    audit_verify(&app).await.expect("one unbroken chain");
}

/// A Molde coordinator's app, with three naloxone distributions recorded.
async fn molde_with_three_distributions(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let site = app.add_site("1506", "Lavterskel").await;
    for day in ["2025-03-01", "2025-03-02", "2025-03-03"] {
        app.query(
            "mutation($input: CreateNaloxoneDistributionInput!) {
               createNaloxoneDistribution(input: $input) { id } }",
            json!({ "input": {
                "distributedOn": day, "siteId": site, "kits": 1,
                "recipientCategory": "STAFF", "firstTime": true, "trainingGiven": false } }),
        )
        .await;
    }
    app
}

async fn reads_of_detail_rows_are_in_the_access_log(backend: Backend) {
    let app = molde_with_three_distributions(backend).await;
    let registrar = app.clone().with_caller("1506:registrar");
    let (status, body) = registrar
        .graphql_with_status(
            "query Utdelinger { naloxoneDistributions(first: 2) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Aggregates and reference data are not logged; nor is a list that returned nothing.
    registrar
        .query("{ municipalities { name } plan { name } }", json!({}))
        .await;
    registrar
        .query("{ overdoseIncidents { totalCount } }", json!({}))
        .await;

    let log = app
        .query(
            "{ accessLog { totalCount nodes { kommunenummer actor role operation access
               recordType rowCount requestId } } }",
            json!({}),
        )
        .await["accessLog"]
        .clone();
    assert_eq!(log["totalCount"], 1, "{log:#}");
    let entry = &log["nodes"][0];
    assert_eq!(entry["kommunenummer"], "1506");
    assert_eq!(entry["role"], "registrar");
    assert_eq!(entry["operation"], "Utdelinger");
    assert_eq!(entry["access"], "list");
    assert_eq!(entry["recordType"], "NaloxoneDistribution");
    assert_eq!(entry["rowCount"], 2);
    assert!(entry["actor"].as_str().unwrap().starts_with("dev|"));
    assert!(!entry["requestId"].as_str().unwrap().is_empty());

    let forbidden = registrar
        .graphql("{ accessLog { totalCount } }", json!({}))
        .await;
    assert_eq!(motgift_tests::error_code(&forbidden), "FORBIDDEN");
}

async fn lists_read_side_by_side_are_each_logged(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1505:coordinator");
    let site = app.add_site("1505", "Legevakten").await;
    app.query(
        "mutation($d: CreateNaloxoneDistributionInput!, $i: CreateOverdoseIncidentInput!) {
           createNaloxoneDistribution(input: $d) { id }
           createOverdoseIncident(input: $i) { id } }",
        json!({
            "d": { "distributedOn": "2025-03-01", "siteId": site, "kits": 1,
                   "recipientCategory": "STAFF", "firstTime": true, "trainingGiven": false },
            "i": { "occurredOn": "2025-03-01", "placeType": "SHELTER", "outcome": "NON_FATAL",
                   "suspectedSubstances": ["UNKNOWN"], "naloxoneGiven": "NO",
                   "disposition": "OBSERVED_2H_PLUS", "ageBand": "UNKNOWN", "sex": "UNKNOWN",
                   "followUpOffered": "NO", "source": "SELF_REPORT" },
        }),
    )
    .await;
    // Two lists in one request read in parallel; each writes its access-log entry.
    for _ in 0..5 {
        app.query(
            "{ overdoseIncidents { nodes { id } } naloxoneDistributions { nodes { id } } }",
            json!({}),
        )
        .await;
    }
    let log = app.query("{ accessLog { totalCount } }", json!({})).await;
    assert_eq!(log["accessLog"]["totalCount"], 10);
}

/// Audit events carry whole records (before and after each change, notes included), so the
/// trail is logged when read, like the records.
async fn reading_the_audit_trail_is_in_the_access_log(backend: Backend) {
    let app = molde_with_three_distributions(backend).await;
    let trail = app
        .query(
            "query Spor { auditTrail(first: 2) { nodes { id after } } }",
            json!({}),
        )
        .await;
    assert_eq!(trail["auditTrail"]["nodes"].as_array().unwrap().len(), 2);
    let event = trail["auditTrail"]["nodes"][0]["id"].clone();
    let one = app
        .query(
            "query Hendelse($id: ID!) { node(id: $id) { id } }",
            json!({ "id": event }),
        )
        .await;
    assert_eq!(one["node"]["id"], event);

    let log = app
        .query(
            "{ accessLog { totalCount nodes { kommunenummer operation access recordType
               rowCount } } }",
            json!({}),
        )
        .await["accessLog"]
        .clone();
    assert_eq!(log["totalCount"], 2, "{log:#}");
    let entries: Vec<_> = log["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap().to_owned(),
                e["access"].as_str().unwrap().to_owned(),
                e["recordType"].as_str().unwrap().to_owned(),
                e["rowCount"].as_i64().unwrap(),
            )
        })
        .collect();
    let entry = |operation: &str, access: &str, rows: i64| {
        (
            operation.to_owned(),
            access.to_owned(),
            "AuditEvent".to_owned(),
            rows,
        )
    };
    assert!(entries.contains(&entry("Spor", "list", 2)), "{log:#}");
    assert!(entries.contains(&entry("Hendelse", "read", 1)), "{log:#}");
}
