//! Recording through GraphQL: each record type created, listed, changed and retracted;
//! idempotency keys, stale versions, validation, and the audit trail.

use motgift_schema::graphql::GlobalId;
use motgift_tests::{Backend, TestApp, error_code, first_error, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(
    incidents_are_created_listed_corrected_and_retracted,
    actions_are_created_updated_noted_and_retracted,
    naloxone_distributions_single_and_bulk,
    bulk_distribution_is_all_or_nothing_with_every_bad_row,
    repeated_create_with_the_same_key_stores_one_row,
    stale_version_is_a_conflict_and_changes_nothing,
    invalid_inputs_are_typed_errors_and_store_nothing,
    access_needs_a_caller_and_a_role,
);

const INCIDENT_FIELDS: &str = "id version occurredOn outcome placeType suspectedSubstances \
    naloxoneGiven notes retractedAt retractionReason municipality { kommunenummer }";

const CREATE_INCIDENT: &str = "mutation($input: CreateOverdoseIncidentInput!) {
    createOverdoseIncident(input: $input) {
      id version occurredOn outcome placeType suspectedSubstances naloxoneGiven notes
      retractedAt retractionReason municipality { kommunenummer } } }";

const CORRECT_INCIDENT: &str = "mutation($input: CorrectOverdoseIncidentInput!) {
    correctOverdoseIncident(input: $input) {
      id version occurredOn outcome suspectedSubstances notes } }";

const RETRACT_INCIDENT: &str = "mutation($input: RetractInput!) {
    retractOverdoseIncident(input: $input) { id version retractedAt retractionReason } }";

fn incident(occurred_on: &str, outcome: &str) -> Value {
    json!({
        "occurredOn": occurred_on,
        "occurredHour": 22,
        "placeType": "PUBLIC_OUTDOOR",
        "outcome": outcome,
        "suspectedSubstances": ["HEROIN", "BENZODIAZEPINE"],
        "naloxoneGiven": "YES",
        "naloxoneDoses": 2,
        "naloxoneGivenBy": "AMBULANCE",
        "disposition": if outcome == "FATAL" { "DIED" } else { "TRANSPORTED_TO_HOSPITAL" },
        "ageBand": "AGE_25_34",
        "sex": "MALE",
        "followUpOffered": if outcome == "FATAL" { "NO" } else { "YES" },
        "source": "AMBULANCE_DISPATCH",
        "notes": "Funnet ved busstasjonen, puster etter nalokson.",
    })
}

async fn create_incident(app: &TestApp, input: Value) -> Value {
    app.query(CREATE_INCIDENT, json!({ "input": input })).await["createOverdoseIncident"].clone()
}

async fn incidents_are_created_listed_corrected_and_retracted(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let march = create_incident(&app, incident("2025-03-01", "NON_FATAL")).await;
    let july = create_incident(&app, incident("2025-07-15", "FATAL")).await;
    let august = create_incident(&app, incident("2025-08-01", "NON_FATAL")).await;
    assert_eq!(march["version"], 1);
    assert_eq!(march["municipality"]["kommunenummer"], "1506");
    assert_eq!(
        march["suspectedSubstances"],
        json!(["HEROIN", "BENZODIAZEPINE"])
    );

    // Filters and paging: newest first, two per page.
    let list = format!(
        "query($filter: OverdoseIncidentFilter, $first: Int, $after: String, $last: Int) {{
           overdoseIncidents(filter: $filter, first: $first, after: $after, last: $last) {{
             totalCount pageInfo {{ hasNextPage hasPreviousPage endCursor }}
             edges {{ cursor node {{ {INCIDENT_FIELDS} }} }} }} }}"
    );
    let page = app
        .query(
            &list,
            json!({ "first": 2, "filter": { "from": "2025-01-01" } }),
        )
        .await["overdoseIncidents"]
        .clone();
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["edges"][0]["node"]["id"], august["id"]);
    assert_eq!(page["edges"][1]["node"]["id"], july["id"]);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let next = app
        .query(
            &list,
            json!({ "first": 2, "after": page["pageInfo"]["endCursor"] }),
        )
        .await["overdoseIncidents"]
        .clone();
    assert_eq!(next["edges"].as_array().unwrap().len(), 1);
    assert_eq!(next["edges"][0]["node"]["id"], march["id"]);
    assert_eq!(next["pageInfo"]["hasNextPage"], false);
    assert_eq!(next["pageInfo"]["hasPreviousPage"], true);
    let last = app.query(&list, json!({ "last": 1 })).await["overdoseIncidents"].clone();
    assert_eq!(last["edges"][0]["node"]["id"], march["id"]);

    let fatal = app
        .query(&list, json!({ "filter": { "outcomes": ["FATAL"] } }))
        .await["overdoseIncidents"]
        .clone();
    assert_eq!(fatal["totalCount"], 1);
    assert_eq!(fatal["edges"][0]["node"]["id"], july["id"]);
    let summer = app
        .query(
            &list,
            json!({ "filter": { "from": "2025-07-01", "to": "2025-07-31" } }),
        )
        .await["overdoseIncidents"]
        .clone();
    assert_eq!(summer["totalCount"], 1);
    let benzo = app
        .query(
            &list,
            json!({ "filter": { "substances": ["NITAZENE", "BENZODIAZEPINE"] } }),
        )
        .await["overdoseIncidents"]
        .clone();
    assert_eq!(benzo["totalCount"], 3);

    // Correct: the new version carries the change, substances included.
    let corrected = app
        .query(
            CORRECT_INCIDENT,
            json!({ "input": {
                "id": march["id"], "version": 1,
                "suspectedSubstances": ["NITAZENE"], "notes": null } }),
        )
        .await["correctOverdoseIncident"]
        .clone();
    assert_eq!(corrected["version"], 2);
    assert_eq!(corrected["suspectedSubstances"], json!(["NITAZENE"]));
    assert_eq!(corrected["notes"], Value::Null);
    assert_eq!(corrected["occurredOn"], "2025-03-01");

    // Retract: gone from the default list, still there in the history.
    let retracted = app
        .query(
            RETRACT_INCIDENT,
            json!({ "input": { "id": july["id"], "version": 1, "reason": "Registrert to ganger" } }),
        )
        .await["retractOverdoseIncident"]
        .clone();
    assert_eq!(retracted["version"], 2);
    assert_eq!(retracted["retractionReason"], "Registrert to ganger");
    assert!(retracted["retractedAt"].is_string());
    let active = app.query(&list, json!({})).await["overdoseIncidents"].clone();
    assert_eq!(active["totalCount"], 2);
    let history = app
        .query(&list, json!({ "filter": { "state": "RETRACTED" } }))
        .await["overdoseIncidents"]
        .clone();
    assert_eq!(history["totalCount"], 1);
    assert_eq!(history["edges"][0]["node"]["id"], july["id"]);
    let node = app
        .query(
            "query($id: ID!) { node(id: $id) { id ... on OverdoseIncident { retractedAt } } }",
            json!({ "id": july["id"] }),
        )
        .await;
    assert!(node["node"]["retractedAt"].is_string());

    // The audit trail holds every change with before and after.
    let trail = app
        .query(
            "query($id: ID!) { auditTrail(filter: { recordId: $id }) { totalCount
               nodes { seq operation recordType recordId actor role before after } } }",
            json!({ "id": march["id"] }),
        )
        .await["auditTrail"]
        .clone();
    assert_eq!(trail["totalCount"], 2);
    let events = trail["nodes"].as_array().unwrap();
    assert_eq!(events[0]["operation"], "CORRECT");
    assert_eq!(events[1]["operation"], "CREATE");
    assert_eq!(events[1]["before"], Value::Null);
    assert_eq!(events[0]["recordId"], march["id"]);
    assert_eq!(events[0]["role"], "coordinator");
    assert_eq!(
        events[0]["before"]["suspected_substances"],
        json!(["HEROIN", "BENZODIAZEPINE"])
    );
    assert_eq!(
        events[0]["after"]["suspected_substances"],
        json!(["NITAZENE"])
    );

    // Another municipality sees none of it.
    let kristiansund = app.clone().with_caller("1505:coordinator");
    let foreign = kristiansund
        .graphql(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": march["id"] }),
        )
        .await;
    assert_eq!(error_code(&foreign), "NOT_FOUND");
    let theirs = kristiansund.query(&list, json!({})).await["overdoseIncidents"].clone();
    assert_eq!(theirs["totalCount"], 0);
}

async fn actions_are_created_updated_noted_and_retracted(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let measures = app
        .query(
            "{ plan { focusAreas { measures { id code } } } }",
            json!({}),
        )
        .await;
    let measure = measures["plan"]["focusAreas"][2]["measures"][0]["id"].clone();
    let fields = "id version title status progressPercent actualStart actualEnd retractedAt
        measure { id code focusArea { name } } municipality { kommunenummer }
        notes { notedOn text }";
    let created = app
        .query(
            &format!(
                "mutation($input: CreateActionInput!) {{ createAction(input: $input) {{ {fields} }} }}"
            ),
            json!({ "input": {
                "measureId": measure,
                "title": "Nalokson ved løslatelse fra Hustad fengsel",
                "responsibleUnit": "Oppfølgingstjenesten",
                "status": "IN_PROGRESS",
                "actualStart": "2025-02-01",
                "progressPercent": 30,
            } }),
        )
        .await["createAction"]
        .clone();
    assert_eq!(created["measure"]["code"], "3.1");
    assert_eq!(created["measure"]["focusArea"]["name"], "Nalokson");
    assert_eq!(created["status"], "IN_PROGRESS");

    let update = format!(
        "mutation($input: UpdateActionInput!) {{ updateAction(input: $input) {{ {fields} }} }}"
    );
    let updated = app
        .query(
            &update,
            json!({ "input": {
                "id": created["id"], "version": 1, "status": "COMPLETED",
                "progressPercent": 100, "actualEnd": "2025-10-31" } }),
        )
        .await["updateAction"]
        .clone();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["status"], "COMPLETED");
    assert_eq!(updated["actualStart"], "2025-02-01");

    let noted = app
        .query(
            &format!(
                "mutation($input: AddActionNoteInput!) {{ addActionNote(input: $input) {{ {fields} }} }}"
            ),
            json!({ "input": {
                "actionId": created["id"], "version": 2, "notedOn": "2025-11-01",
                "text": "Rutinen er tatt i bruk ved alle løslatelser." } }),
        )
        .await["addActionNote"]
        .clone();
    assert_eq!(noted["version"], 3);
    assert_eq!(
        noted["notes"],
        json!([{ "notedOn": "2025-11-01", "text": "Rutinen er tatt i bruk ved alle løslatelser." }])
    );

    let list =
        "query($filter: ActionFilter) { actions(filter: $filter) { totalCount nodes { id } } }";
    let completed = app
        .query(
            list,
            json!({ "filter": { "statuses": ["COMPLETED"], "measureIds": [measure] } }),
        )
        .await;
    assert_eq!(completed["actions"]["totalCount"], 1);
    let via_measure = app
        .query(
            "query($id: ID!) { node(id: $id) { ... on Measure { actions { id } } } }",
            json!({ "id": measure }),
        )
        .await;
    assert_eq!(via_measure["node"]["actions"][0]["id"], created["id"]);

    let retracted = app
        .query(
            "mutation($input: RetractInput!) { retractAction(input: $input) { version retractedAt } }",
            json!({ "input": { "id": created["id"], "version": 3, "reason": "Feil tiltak valgt" } }),
        )
        .await;
    assert_eq!(retracted["retractAction"]["version"], 4);
    assert_eq!(app.query(list, json!({})).await["actions"]["totalCount"], 0);
    assert_eq!(
        app.query(list, json!({ "filter": { "state": "ALL" } }))
            .await["actions"]["totalCount"],
        1
    );
}

const NALOXONE_FIELDS: &str = "id version distributedOn kits firstTime refillReason \
    trainingGiven trainingMinutes recipientCategory retractedAt site { id name }";

fn distribution(site: &str, day: &str) -> Value {
    json!({
        "distributedOn": day,
        "siteId": site,
        "kits": 1,
        "recipientCategory": "PERSON_WHO_USES_DRUGS",
        "firstTime": false,
        "refillReason": "USED_ON_OVERDOSE",
        "trainingGiven": true,
        "trainingMinutes": 5,
        "sex": "FEMALE",
        "ageBand": "AGE_35_44",
    })
}

const BULK: &str = "mutation($input: CreateNaloxoneDistributionsInput!) {
    createNaloxoneDistributions(input: $input) { id kits } }";

async fn count_distributions(app: &TestApp) -> i64 {
    app.query(
        "{ naloxoneDistributions(filter: { state: ALL }) { totalCount } }",
        json!({}),
    )
    .await["naloxoneDistributions"]["totalCount"]
        .as_i64()
        .unwrap()
}

async fn naloxone_distributions_single_and_bulk(backend: Backend) {
    let app = TestApp::spawn(backend).await.with_caller("1505:registrar");
    let site = app
        .add_site("1505", "Lavterskeltilbudet Kristiansund")
        .await;
    let single = app
        .query(
            &format!(
                "mutation($input: CreateNaloxoneDistributionInput!) {{
                   createNaloxoneDistribution(input: $input) {{ {NALOXONE_FIELDS} }} }}"
            ),
            json!({ "input": distribution(&site, "2025-06-02") }),
        )
        .await["createNaloxoneDistribution"]
        .clone();
    assert_eq!(single["site"]["name"], "Lavterskeltilbudet Kristiansund");
    assert_eq!(single["refillReason"], "USED_ON_OVERDOSE");

    let shift = app
        .query(
            BULK,
            json!({ "input": { "distributions": [
                distribution(&site, "2025-06-03"),
                distribution(&site, "2025-06-03"),
                distribution(&site, "2025-06-03"),
            ] } }),
        )
        .await["createNaloxoneDistributions"]
        .clone();
    assert_eq!(shift.as_array().unwrap().len(), 3);
    assert_eq!(count_distributions(&app).await, 4);

    let sites = app
        .query("{ distributionSites { id name } }", json!({}))
        .await;
    assert_eq!(sites["distributionSites"][0]["id"], site);

    let corrected = app
        .query(
            &format!(
                "mutation($input: CorrectNaloxoneDistributionInput!) {{
                   correctNaloxoneDistribution(input: $input) {{ {NALOXONE_FIELDS} }} }}"
            ),
            json!({ "input": {
                "id": single["id"], "version": 1, "kits": 2,
                "firstTime": true, "refillReason": null } }),
        )
        .await["correctNaloxoneDistribution"]
        .clone();
    assert_eq!(corrected["kits"], 2);
    assert_eq!(corrected["firstTime"], true);
    assert_eq!(corrected["refillReason"], Value::Null);

    let filtered = app
        .query(
            "{ naloxoneDistributions(filter: { firstTime: true }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(filtered["naloxoneDistributions"]["totalCount"], 1);

    let retracted = app
        .query(
            "mutation($input: RetractInput!) { retractNaloxoneDistribution(input: $input) { retractedAt } }",
            json!({ "input": { "id": single["id"], "version": 2, "reason": "Feil dato" } }),
        )
        .await;
    assert!(retracted["retractNaloxoneDistribution"]["retractedAt"].is_string());
    let active = app
        .query("{ naloxoneDistributions { totalCount } }", json!({}))
        .await;
    assert_eq!(active["naloxoneDistributions"]["totalCount"], 3);
}

async fn bulk_distribution_is_all_or_nothing_with_every_bad_row(backend: Backend) {
    let app = TestApp::spawn(backend).await.with_caller("1505:registrar");
    let site = app.add_site("1505", "Oppsøkende tjeneste").await;
    let mut too_many = distribution(&site, "2025-06-03");
    too_many["kits"] = json!(60);
    let mut no_reason = distribution(&site, "2025-06-03");
    no_reason["refillReason"] = Value::Null;
    let body = app
        .graphql(
            BULK,
            json!({ "input": { "distributions": [
                distribution(&site, "2025-06-03"), too_many, no_reason,
            ] } }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION");
    let fields = error_fields(&body);
    assert_eq!(
        fields,
        ["distributions[1].kits", "distributions[2].refillReason"]
    );
    assert_eq!(count_distributions(&app).await, 0, "nothing was stored");

    // Sites are checked as each row is inserted: rows before a bad one are taken back too,
    // and every bad site is named.
    let nowhere = || {
        let id = GlobalId::encode("DistributionSite", uuid::Uuid::now_v7()).0;
        distribution(&id, "2025-06-03")
    };
    let good = || distribution(&site, "2025-06-03");
    let body = app
        .graphql(
            BULK,
            json!({ "input": { "distributions": [good(), nowhere(), good(), nowhere()] } }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION");
    let fields = error_fields(&body);
    assert_eq!(
        fields,
        ["distributions[1].siteId", "distributions[3].siteId"]
    );
    assert_eq!(count_distributions(&app).await, 0, "nothing was stored");
    let figures = app
        .query("{ naloxoneDistributions { totalCount } }", json!({}))
        .await;
    assert_eq!(
        figures["naloxoneDistributions"]["totalCount"], 0,
        "the kept counts were not touched"
    );
}

/// The fields a `VALIDATION` error names, in order.
fn error_fields(body: &Value) -> Vec<&str> {
    first_error(body)["extensions"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

async fn repeated_create_with_the_same_key_stores_one_row(backend: Backend) {
    let app = TestApp::spawn(backend).await.with_caller("1506:registrar");
    let mut input = incident("2025-05-05", "NON_FATAL");
    input["idempotencyKey"] = json!("3f0e0f7c-shift-42");
    let first = create_incident(&app, input.clone()).await;
    let second = create_incident(&app, input.clone()).await;
    assert_eq!(first["id"], second["id"]);
    let count = app
        .query("{ overdoseIncidents { totalCount } }", json!({}))
        .await;
    assert_eq!(count["overdoseIncidents"]["totalCount"], 1);

    input["outcome"] = json!("UNKNOWN");
    let reused = app
        .graphql(CREATE_INCIDENT, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&reused), "CONFLICT");

    let site = app.add_site("1506", "Feltpleien").await;
    let list = json!({ "input": {
        "idempotencyKey": "shift-2025-06-03",
        "distributions": [distribution(&site, "2025-06-03"), distribution(&site, "2025-06-03")],
    } });
    let a = app.query(BULK, list.clone()).await;
    let b = app.query(BULK, list).await;
    assert_eq!(a, b);
    assert_eq!(count_distributions(&app).await, 2);
}

async fn stale_version_is_a_conflict_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let created = create_incident(&app, incident("2025-04-04", "NON_FATAL")).await;
    app.query(
        CORRECT_INCIDENT,
        json!({ "input": { "id": created["id"], "version": 1, "outcome": "UNKNOWN" } }),
    )
    .await;
    let stale = app
        .graphql(
            CORRECT_INCIDENT,
            json!({ "input": { "id": created["id"], "version": 1, "outcome": "FATAL" } }),
        )
        .await;
    assert_eq!(error_code(&stale), "CONFLICT");
    let stale_retract = app
        .graphql(
            RETRACT_INCIDENT,
            json!({ "input": { "id": created["id"], "version": 1, "reason": "Test" } }),
        )
        .await;
    assert_eq!(error_code(&stale_retract), "CONFLICT");
    let stored = app
        .query(
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on OverdoseIncident {{ {INCIDENT_FIELDS} }} }} }}"),
            json!({ "id": created["id"] }),
        )
        .await["node"]
        .clone();
    assert_eq!(stored["version"], 2);
    assert_eq!(stored["outcome"], "UNKNOWN");
    assert_eq!(stored["retractedAt"], Value::Null);
}

async fn invalid_inputs_are_typed_errors_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let site = app.add_site("1506", "Lavterskel").await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "future date",
            json!({ "occurredOn": tomorrow }),
            "occurredOn",
        ),
        (
            "before the plan's window",
            json!({ "occurredOn": "2019-06-01" }),
            "occurredOn",
        ),
        ("unknown enum", json!({ "outcome": "ALIVE" }), "outcome"),
        (
            "negative doses",
            json!({ "naloxoneDoses": -1 }),
            "naloxoneDoses",
        ),
        ("hour 24", json!({ "occurredHour": 24 }), "occurredHour"),
        (
            "huge doses",
            json!({ "naloxoneDoses": 100_000 }),
            "naloxoneDoses",
        ),
        (
            "doses beyond Int",
            json!({ "naloxoneDoses": 10_000_000_000_i64 }),
            "naloxoneDoses",
        ),
        (
            "overlong notes",
            json!({ "notes": "x".repeat(2_001) }),
            "notes",
        ),
        (
            "identity number in notes",
            json!({ "notes": "Pasienten (fnr 01010150074) ble kjørt til legevakten" }),
            "notes",
        ),
        (
            "phone number in notes",
            json!({ "notes": "Ring mor på 912 34 567" }),
            "notes",
        ),
        (
            "no substances",
            json!({ "suspectedSubstances": [] }),
            "suspectedSubstances",
        ),
        (
            "malformed date",
            json!({ "occurredOn": "01.03.2025" }),
            "occurredOn",
        ),
    ];
    for (case, change, field) in cases {
        let mut input = incident("2025-03-01", "NON_FATAL");
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let body = app
            .graphql(CREATE_INCIDENT, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{case}: {body:#}");
        assert_eq!(
            first_error(&body)["extensions"]["field"],
            field,
            "{case}: {body:#}"
        );
        assert!(
            !first_error(&body)["message"].as_str().unwrap().is_empty(),
            "{case}"
        );
    }
    let notes = app
        .graphql(
            CREATE_INCIDENT,
            json!({ "input": { "notes": "01010150074" } }),
        )
        .await;
    assert!(
        notes["errors"].is_array(),
        "missing required fields are refused"
    );

    let mut kits = distribution(&site, "2025-06-03");
    kits["kits"] = json!(-3);
    let body = app
        .graphql(
            "mutation($input: CreateNaloxoneDistributionInput!) { createNaloxoneDistribution(input: $input) { id } }",
            json!({ "input": kits }),
        )
        .await;
    assert_eq!(first_error(&body)["extensions"]["field"], "kits");
    let personal = app
        .graphql(
            "mutation($input: CreateActionInput!) { createAction(input: $input) { id } }",
            json!({ "input": {
                "measureId": app.query("{ plan { focusAreas { measures { id } } } }", json!({}))
                    .await["plan"]["focusAreas"][0]["measures"][0]["id"],
                "title": "Samtale med pårørende, tlf +47 71 23 45 67",
            } }),
        )
        .await;
    assert_eq!(first_error(&personal)["extensions"]["field"], "title");
    assert!(
        first_error(&personal)["message"]
            .as_str()
            .unwrap()
            .contains("personal data")
    );

    let counts = app
        .query(
            "{ overdoseIncidents(filter: { state: ALL }) { totalCount }
               naloxoneDistributions(filter: { state: ALL }) { totalCount }
               actions(filter: { state: ALL }) { totalCount }
               auditTrail { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        counts,
        json!({
            "overdoseIncidents": { "totalCount": 0 },
            "naloxoneDistributions": { "totalCount": 0 },
            "actions": { "totalCount": 0 },
            "auditTrail": { "totalCount": 0 },
        })
    );
}

async fn access_needs_a_caller_and_a_role(backend: Backend) {
    let anonymous = TestApp::spawn(backend).await;
    let body = anonymous
        .graphql("{ overdoseIncidents { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    let registrar = anonymous.clone().with_caller("1506:registrar");
    let body = registrar
        .graphql("{ actions { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = registrar
        .graphql("{ auditTrail { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = registrar
        .graphql(
            "{ overdoseIncidents(filter: { municipalities: [\"1505\"] }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let analyst = anonymous.clone().with_caller("1506:analyst");
    let body = analyst
        .graphql("{ overdoseIncidents { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
}
