//! The foundation: reference data through GraphQL, health endpoints, request ids.

use motgift_tests::{Backend, TestApp, on_both_databases};
use serde_json::json;

on_both_databases!(
    municipalities_are_listed_with_population,
    plan_focus_areas_and_measures_are_readable,
    health_and_readiness_answer,
    responses_carry_a_request_id,
    graphiql_is_served,
    code_lists_carry_bokmal_labels,
);

async fn municipalities_are_listed_with_population(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .query(
            "{ municipalities { kommunenummer name population(year: 2024) } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["municipalities"],
        json!([
            { "kommunenummer": "1505", "name": "Kristiansund", "population": 24400 },
            { "kommunenummer": "1506", "name": "Molde", "population": 32800 },
            { "kommunenummer": "1508", "name": "Ålesund", "population": 58500 },
        ])
    );
}

async fn plan_focus_areas_and_measures_are_readable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .query(
            "{ plan { code draft focusAreas { position name nameEn measures {
                 code name responsibleMunicipalities { kommunenummer } } } } }",
            json!({}),
        )
        .await;
    let areas = data["plan"]["focusAreas"].as_array().expect("focus areas");
    assert_eq!(areas.len(), 10);
    assert_eq!(areas[2]["name"], "Nalokson");
    assert_eq!(areas[2]["measures"][0]["code"], "3.1");
    assert_eq!(
        areas[2]["measures"][0]["name"],
        "Nalokson tilbys ved hver løslatelse fra fengsel"
    );
    assert_eq!(
        areas[2]["measures"][0]["responsibleMunicipalities"],
        json!([{ "kommunenummer": "1505" }, { "kommunenummer": "1506" }, { "kommunenummer": "1508" }])
    );
    assert!(data["plan"]["draft"].as_bool().unwrap());
    let measures: usize = areas
        .iter()
        .map(|a| a["measures"].as_array().unwrap().len())
        .sum();
    assert_eq!(measures, 21);
}

async fn health_and_readiness_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

async fn responses_carry_a_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID request id, got {id}");

    let kept = app
        .client
        .get(format!("{}/healthz", app.base_url))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-me-123");

    // An id the logs could not keep as sent is replaced, and the request's writes go through.
    let long = "x".repeat(65);
    let molde: motgift_schema::domain::Kommunenummer = "1506".parse().unwrap();
    let token = app
        .dev_issuer
        .token(&[molde], &[motgift_schema::Role::Coordinator], 1);
    let input = serde_json::json!({
        "occurredOn": "2025-05-01", "placeType": "PRIVATE_HOME", "outcome": "NON_FATAL",
        "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "NO", "disposition": "TRANSPORTED_TO_HOSPITAL",
        "ageBand": "AGE_25_34", "sex": "FEMALE", "followUpOffered": "YES", "source": "AMBULANCE_DISPATCH",
    });
    let replaced = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("x-request-id", &long)
        .bearer_auth(token)
        .json(&serde_json::json!({
            "query": "mutation($i: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $i) { id } }",
            "variables": { "i": input },
        }))
        .send()
        .await
        .unwrap();
    let id = replaced.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID instead of {long}");
    let body: serde_json::Value = replaced.json().await.unwrap();
    assert!(
        body["data"]["createOverdoseIncident"]["id"].is_string(),
        "{body}"
    );
}

async fn graphiql_is_served(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let page = app.get("/graphql").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("graphiql"));
}

async fn code_lists_carry_bokmal_labels(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let data = app
        .query("{ codeLists { name values { code label } } }", json!({}))
        .await;
    let outcome = data["codeLists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Outcome")
        .expect("Outcome list");
    assert_eq!(
        outcome["values"][1],
        json!({ "code": "FATAL", "label": "Dødelig" })
    );
}
