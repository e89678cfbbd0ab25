//! Nested fields load through DataLoaders: a page of 100 actions with nested fields costs the
//! same small number of SQL statements as a page of 10.

use std::sync::atomic::Ordering;

use motgift_schema::domain::{ActionStatus, Kommunenummer};
use motgift_schema::store::{NewAction, RecordMeta, TenantScope};
use motgift_tests::{Backend, TestApp, TestDb, on_both_databases};
use serde_json::json;

on_both_databases!(a_page_of_actions_costs_a_constant_number_of_statements);

/// The most statements one page may cost, whatever its size.
const STATEMENT_BUDGET: usize = 12;

const PAGE: &str = "query($first: Int!) { actions(first: $first) { totalCount edges { node {
    title status
    measure { code name focusArea { name } responsibleMunicipalities { name } }
    municipality { name population(year: 2024) }
    notes { notedOn text } } } } }";

async fn add_actions(db: &TestDb, count: usize) {
    let store = db.store();
    let reference = store.reference_data().await.unwrap();
    let measures = reference.measures();
    let molde: Kommunenummer = "1506".parse().unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let actions: Vec<NewAction> = (0..count)
        .map(|i| NewAction {
            meta: RecordMeta {
                id: uuid::Uuid::now_v7(),
                kommunenummer: molde.clone(),
                created_at: chrono::Utc::now(),
                synthetic: true,
                idempotency_key: None,
            },
            measure_id: measures[i % measures.len()].id,
            title: format!("Tiltak {i}"),
            description: None,
            responsible_unit: None,
            status: ActionStatus::InProgress,
            planned_start: None,
            planned_end: None,
            actual_start: Some(day),
            actual_end: None,
            progress_percent: 50,
            output_label: None,
            output_value: None,
            notes: vec![(day, "Startet".to_owned()), (day, "Godt i gang".to_owned())],
        })
        .collect();
    store
        .system_tenant(TenantScope::new([molde]))
        .insert_actions(&actions)
        .await
        .unwrap();
}

async fn a_page_of_actions_costs_a_constant_number_of_statements(backend: Backend) {
    let db = TestDb::new(backend).await;
    add_actions(&db, 120).await;
    let (store, statements) = db.counted_store().await;
    let app = TestApp::serve(db, store)
        .await
        .with_caller("1506:coordinator");

    // The first request loads the process's copy of the reference data; later ones check its
    // version only.
    app.query(PAGE, json!({ "first": 1 })).await;
    let mut cost = Vec::new();
    for first in [10, 100] {
        statements.store(0, Ordering::SeqCst);
        let data = app.query(PAGE, json!({ "first": first })).await;
        let edges = data["actions"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), first);
        assert_eq!(data["actions"]["totalCount"], 120);
        assert!(edges.iter().all(|e| {
            let node = &e["node"];
            node["measure"]["focusArea"]["name"].is_string()
                && node["notes"].as_array().unwrap().len() == 2
                && node["municipality"]["population"] == 32800
        }));
        cost.push(statements.load(Ordering::SeqCst));
    }
    eprintln!("statements for pages of 10 and 100 actions: {cost:?}");
    assert_eq!(cost[0], cost[1], "the cost does not grow with the page");
    assert!(
        cost[1] <= STATEMENT_BUDGET,
        "a page of 100 actions took {} statements",
        cost[1]
    );
}
