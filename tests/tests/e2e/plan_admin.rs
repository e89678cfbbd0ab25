//! The plan is data: a plan administrator adds and changes focus areas and measures, every
//! change is audited in the plan's own chain, and nobody else may change it.

use motgift_tests::{Backend, TestApp, error_code, first_error, on_both_databases};
use serde_json::json;

on_both_databases!(a_plan_administrator_changes_the_plan_and_nobody_else_can);

const CREATE_AREA: &str = "mutation($input: CreateFocusAreaInput!) {
    createFocusArea(input: $input) { id position name } }";
const CREATE_MEASURE: &str = "mutation($input: CreateMeasureInput!) {
    createMeasure(input: $input) { id code name responsibleMunicipalities { kommunenummer } } }";
const UPDATE_MEASURE: &str = "mutation($input: UpdateMeasureInput!) {
    updateMeasure(input: $input) { id code name responsibleMunicipalities { kommunenummer } } }";

async fn a_plan_administrator_changes_the_plan_and_nobody_else_can(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.clone().with_caller(":plan_admin");
    let area = admin
        .query(
            CREATE_AREA,
            json!({ "input": { "position": 11, "name": "Rusmiddelanalyse", "nameEn": "Drug checking" } }),
        )
        .await["createFocusArea"]
        .clone();
    let measure = admin
        .query(
            CREATE_MEASURE,
            json!({ "input": {
                "focusAreaId": area["id"], "code": "11.1", "position": 1,
                "name": "Gratis analyse av brukerdoser", "nameEn": "Free analysis of user doses",
                "responsibleMunicipalities": ["1505", "1506"] } }),
        )
        .await["createMeasure"]
        .clone();
    assert_eq!(
        measure["responsibleMunicipalities"],
        json!([{ "kommunenummer": "1505" }, { "kommunenummer": "1506" }])
    );
    let updated = admin
        .query(
            UPDATE_MEASURE,
            json!({ "input": { "id": measure["id"], "name": "Analyse av brukerdoser",
                               "responsibleMunicipalities": ["1506"] } }),
        )
        .await["updateMeasure"]
        .clone();
    assert_eq!(updated["code"], "11.1");
    assert_eq!(
        updated["responsibleMunicipalities"],
        json!([{ "kommunenummer": "1506" }])
    );

    // Everyone reads the new plan, without signing in.
    let plan = app
        .clone()
        .anonymous()
        .query(
            "{ plan { focusAreas { name measures { code name } } } }",
            json!({}),
        )
        .await;
    let areas = plan["plan"]["focusAreas"].as_array().unwrap();
    assert_eq!(areas.len(), 11);
    assert_eq!(areas[10]["measures"][0]["name"], "Analyse av brukerdoser");

    // Mistakes are typed errors.
    let duplicate = admin
        .graphql(
            CREATE_MEASURE,
            json!({ "input": {
                "focusAreaId": area["id"], "code": "11.1", "position": 2, "name": "Dobbel",
                "nameEn": "Double", "responsibleMunicipalities": [] } }),
        )
        .await;
    assert_eq!(error_code(&duplicate), "CONFLICT");
    let unknown = admin
        .graphql(
            UPDATE_MEASURE,
            json!({ "input": { "id": measure["id"], "responsibleMunicipalities": ["1507"] } }),
        )
        .await;
    assert_eq!(error_code(&unknown), "VALIDATION");
    assert_eq!(
        first_error(&unknown)["extensions"]["field"],
        "responsibleMunicipalities"
    );

    // Only plan administrators change the plan.
    for caller in ["1506:coordinator", ":analyst"] {
        let refused = app
            .clone()
            .with_caller(caller)
            .graphql(
                CREATE_AREA,
                json!({ "input": { "position": 12, "name": "X", "nameEn": "X" } }),
            )
            .await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{caller}");
    }
    let anonymous = app
        .clone()
        .anonymous()
        .graphql(
            CREATE_AREA,
            json!({ "input": { "position": 12, "name": "X", "nameEn": "X" } }),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");

    // The plan's changes form their own audit chain, which verifies.
    let verification = app.db.store().verify_audit().await.unwrap();
    let plan_chain = verification
        .chains
        .iter()
        .find(|c| c.kommunenummer == "0000")
        .expect("the plan's chain");
    assert_eq!(plan_chain.events, 3);
    assert!(verification.intact(), "{verification:?}");
}
