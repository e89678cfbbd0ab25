//! Tenant isolation, field by field. Kristiansund records through the API; Molde then attacks
//! every Query and Mutation field with Kristiansund's ids, filters and site, and must be
//! refused or shown its own rows only, with nothing of Kristiansund's in any response.
//! The fields are read from the schema by introspection: a field without a case here fails.

use std::collections::BTreeSet;

use motgift_schema::graphql::GlobalId;
use motgift_tests::{Backend, TestApp, on_both_databases};
use serde_json::{Map, Value, json};

on_both_databases!(
    molde_reaches_nothing_of_kristiansund_through_any_field,
    anonymous_callers_reach_reference_data_only,
);

/// Reference data: readable by anyone, holding no municipality's detail rows.
const PUBLIC_FIELDS: &[&str] = &[
    "Query.municipalities",
    "Query.municipality",
    "Query.plans",
    "Query.plan",
    "Query.codeLists",
];

/// The callers who attack, each acting for Molde only.
const ATTACKERS: &[&str] = &["1506:coordinator", "1506:registrar"];

/// What an attack must get.
enum Expect {
    /// An answer without errors, for anyone.
    Public,
    /// `FORBIDDEN` or `NOT_FOUND`.
    Refused,
    /// The caller's own rows only; a caller whose role may not read them is refused.
    OwnRows,
    /// A foreign site in the input is refused exactly like a site that never existed.
    UnknownSite,
    /// Counts across municipalities for any signed-in caller, with Kristiansund's small
    /// figures suppressed.
    Aggregates,
}

/// One request on one root field, such as `Query.node` or `Mutation.createAction`.
struct Case {
    field: &'static str,
    expect: Expect,
    query: String,
    variables: Value,
}

fn query(field: &'static str, expect: Expect, query: &str, variables: Value) -> Case {
    let query = query.to_owned();
    Case {
        field,
        expect,
        query,
        variables,
    }
}

/// A mutation case: the field with `input`, answering its record's fields.
fn mutate(field: &'static str, expect: Expect, input: Value) -> Case {
    let name = field_name(field);
    let fields = match name {
        n if n.contains("Action") => ACTION,
        n if n.contains("OverdoseIncident") => INCIDENT,
        n if n.contains("NaloxoneDistribution") => DISTRIBUTION,
        n if n.contains("FocusArea") => "id name",
        n if n.contains("Measure") => "id code name",
        other => panic!("`mutate` does not know what {other} returns"),
    };
    let query = mutation(name, fields);
    let variables = json!({ "input": input });
    Case {
        field,
        expect,
        query,
        variables,
    }
}

/// Every mutation takes an `input` named after it; retractions share `RetractInput`.
fn mutation(name: &str, fields: &str) -> String {
    let input = match name.strip_prefix("retract") {
        Some(_) => "RetractInput".to_owned(),
        None => format!("{}{}Input", name[..1].to_uppercase(), &name[1..]),
    };
    format!("mutation($input: {input}!) {{ {name}(input: $input) {{ {fields} }} }}")
}

fn list(name: &str, filter: &str, fields: &str) -> String {
    format!(
        "query($filter: {filter}) {{ {name}(filter: $filter, first: 100) {{
           totalCount nodes {{ {fields} }} }} }}"
    )
}

/// `node` of `Query.node`: the field's key in `data`.
fn field_name(field: &str) -> &str {
    field.split_once('.').map_or(field, |(_, name)| name)
}

const ACTION: &str = "id version title description status notes { text } retractionReason \
    municipality { kommunenummer }";
const INCIDENT: &str = "id version notes retractionReason municipality { kommunenummer }";
const DISTRIBUTION: &str =
    "id version kits notes retractionReason site { id name } municipality { kommunenummer }";
const AUDIT: &str = "id kommunenummer recordId recordType before after hash";
const ACCESS: &str = "id kommunenummer actor role requestId operation access recordType rowCount";
const MUNICIPALITIES: &str = "{ municipalities { kommunenummer name validFrom validTo synthetic
    populations { year population estimated } } }";
const MUNICIPALITY: &str = "{ municipality(kommunenummer: \"1505\") { kommunenummer name
    populations { year population } } }";
const CODE_LISTS: &str = "{ codeLists { name values { code label } } }";
const SITES: &str = "query($municipalities: [String!]) {
    distributionSites(municipalities: $municipalities) {
      id name municipality { kommunenummer } } }";
const DASHBOARD: &str = "query($municipalities: [String!]) {
    dashboard(from: \"2025-01-01\", to: \"2025-12-31\", municipalities: $municipalities) {
      municipalities
      incidents { ...panel } incidentsByOutcome { ...panel } followUpOffered { ...panel }
      naloxoneKits { ...panel } naloxoneKitsByFirstTime { ...panel }
      previousYear { incidents { ...panel } }
      planProgress { actionsByStatus { kommunenummer status count }
        measuresWithoutAction { kommunenummer measure { code } } }
      indicators { year values { kommunenummer value suppressed met } } } }
    fragment panel on CountPanel { periods { cells { ...cell } municipalityTotals { ...cell }
      categoryTotals { ...cell } total { ...cell } } }
    fragment cell on CountCell { kommunenummer category value suppressed ratePer10k share }";
const REPORT: &str = "query($municipality: String) {
    annualReport(year: 2025, municipality: $municipality) { municipalities
      measures { kommunenummer status actionsByStatus { status count }
        actionsInYear { id title description notes { text } } plannedNext { id title } }
      incidents { ...table } naloxone { ...table }
      monthlyIncidents { series { kommunenummer category values } }
      indicators { values { kommunenummer value suppressed } }
      dataQuality { corrections { kommunenummer count } retractions { kommunenummer count }
        monthsWithoutRecords { kommunenummer months } } } }
    fragment table on ReportTable { rows { kommunenummer category value previous change } }";
const PLAN: &str = "{ plan { id code name periodStart periodEnd focusAreas { id name
    measures { id code name responsibleMunicipalities { kommunenummer name } } } } }";

/// Everything Kristiansund's coordinator sees, which the attacks must leave as it is, one list
/// per request so a difference points at its list.
const SNAPSHOT: &[&str] = &[
    "{ actions(filter: { state: ALL }, first: 100) { totalCount nodes {
       id version title description status notes { notedOn text } retractedAt
       retractionReason updatedAt } } }",
    "{ overdoseIncidents(filter: { state: ALL }, first: 100) { totalCount nodes {
       id version occurredOn outcome suspectedSubstances notes retractedAt retractionReason
       updatedAt } } }",
    "{ naloxoneDistributions(filter: { state: ALL }, first: 100) { totalCount nodes {
       id version kits notes site { id name } retractedAt retractionReason updatedAt } } }",
    "{ distributionSites { id name active } }",
    "{ auditTrail(first: 100) { totalCount nodes { id seq recordId hash } } }",
];

async fn snapshot(kristiansund: &TestApp) -> Value {
    let mut all = Map::new();
    for query in SNAPSHOT {
        if let Value::Object(data) = kristiansund.query(query, json!({})).await {
            all.extend(data);
        }
    }
    Value::Object(all)
}

/// What Kristiansund recorded, and what of it must never reach Molde.
struct Kristiansund {
    snapshot: Value,
    site: String,
    /// The measure its actions are on, and that measure's focus area (public ids).
    measure: String,
    focus_area: String,
    /// `(id, version)` of each record, retracted ones included.
    actions: Vec<(Value, Value)>,
    incidents: Vec<(Value, Value)>,
    distributions: Vec<(Value, Value)>,
    /// The global ids of its rows and audit events.
    ids: Vec<String>,
    /// Those ids, their raw UUIDs (as audit events hold them), its chain's hashes and the
    /// marker in its texts: none may appear in an answer to anyone else.
    secrets: Vec<String>,
    /// Create inputs with Kristiansund's idempotency keys, for Molde to replay.
    action_replay: Value,
    incident_replay: Value,
}

/// Molde's own distribution, which an attack tries to move to Kristiansund's site.
struct Molde {
    site: String,
    distribution: Value,
}

fn incident(notes: Option<&str>) -> Value {
    json!({
        "occurredOn": "2025-07-14", "occurredHour": 23, "placeType": "PUBLIC_OUTDOOR",
        "outcome": "NON_FATAL", "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "YES",
        "naloxoneDoses": 2, "naloxoneGivenBy": "AMBULANCE",
        "disposition": "TRANSPORTED_TO_HOSPITAL", "ageBand": "AGE_25_34", "sex": "MALE",
        "followUpOffered": "YES", "source": "AMBULANCE_DISPATCH", "notes": notes,
    })
}

fn distribution(site: &str, notes: Option<&str>) -> Value {
    json!({
        "distributedOn": "2025-06-02", "siteId": site, "kits": 1,
        "recipientCategory": "PERSON_WHO_USES_DRUGS", "firstTime": true,
        "trainingGiven": true, "trainingMinutes": 5, "notes": notes,
    })
}

/// A create input claiming Kristiansund as its municipality.
fn as_kristiansund(mut input: Value) -> Value {
    input["municipality"] = json!("1505");
    input
}

/// Runs a mutation that must succeed; its record's (or records') id and version.
async fn record(app: &TestApp, name: &str, input: Value) -> Value {
    let query = mutation(name, "id version");
    app.query(&query, json!({ "input": input })).await[name].clone()
}

/// A marker without digits, so the personal-data guard (digit runs) never trips on it.
fn marker() -> String {
    let letters: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .map(|c| c.to_digit(10).map_or(c, |d| char::from(b'g' + d as u8)))
        .collect();
    format!("KSU-SECRET-{letters}")
}

/// Kristiansund records one of each kind, then changes and retracts some, so that its
/// records have several versions and it has an audit trail.
async fn kristiansund_records(app: &TestApp) -> Kristiansund {
    let k = app.clone().with_caller("1505:coordinator");
    let marker = marker();
    let site = app.add_site("1505", &format!("{marker} lavterskel")).await;
    let plan = k
        .query("{ plan { focusAreas { id measures { id } } } }", json!({}))
        .await;
    let area = &plan["plan"]["focusAreas"][0];
    let focus_area = area["id"].as_str().unwrap().to_owned();
    let measure = area["measures"][0]["id"].as_str().unwrap().to_owned();

    // Replayed by Molde, so without the marker: Molde may hold this content too.
    let key = |kind: &str| format!("{kind}-{}", uuid::Uuid::new_v4());
    let action_replay = json!({ "measureId": measure, "title": "Nalokson ved løslatelse",
        "idempotencyKey": key("action") });
    let mut incident_replay = incident(None);
    incident_replay["idempotencyKey"] = json!(key("incident"));

    let a = record(&k, "createAction", action_replay.clone()).await;
    let title = format!("{marker} tiltak");
    let change = json!({ "id": a["id"], "version": 1, "title": title, "description": marker });
    record(&k, "updateAction", change).await;
    let note = json!({ "actionId": a["id"], "version": 2, "notedOn": "2025-11-01",
        "text": format!("{marker} notat") });
    record(&k, "addActionNote", note).await;
    let b = json!({ "measureId": measure, "title": format!("{marker} avlyst") });
    let b = record(&k, "createAction", b).await;
    let retract = json!({ "id": b["id"], "version": 1, "reason": marker });
    record(&k, "retractAction", retract).await;

    let i1 = record(&k, "createOverdoseIncident", incident_replay.clone()).await;
    let correct = json!({ "id": i1["id"], "version": 1, "notes": marker });
    record(&k, "correctOverdoseIncident", correct).await;
    let i2 = record(&k, "createOverdoseIncident", incident(Some(&marker))).await;
    let retract = json!({ "id": i2["id"], "version": 1, "reason": marker });
    record(&k, "retractOverdoseIncident", retract).await;

    let d1 = distribution(&site, Some(&marker));
    let d1 = record(&k, "createNaloxoneDistribution", d1).await;
    let correct = json!({ "id": d1["id"], "version": 1, "kits": 2 });
    record(&k, "correctNaloxoneDistribution", correct).await;
    let bulk = json!({ "distributions": [distribution(&site, Some(&marker))] });
    let d2 = record(&k, "createNaloxoneDistributions", bulk).await;
    let retract = json!({ "id": d2[0]["id"], "version": 1, "reason": marker });
    record(&k, "retractNaloxoneDistribution", retract).await;

    let snapshot = snapshot(&k).await;
    assert_eq!(snapshot["auditTrail"]["totalCount"], 13, "{snapshot:#}");
    let records = |list: &str| -> Vec<(Value, Value)> {
        let nodes = snapshot[list]["nodes"].as_array().expect("nodes");
        nodes
            .iter()
            .map(|n| (n["id"].clone(), n["version"].clone()))
            .collect()
    };
    let ids = Vec::from_iter(strings_under(&snapshot, &["id", "recordId"]));
    let uuid = |id: &String| GlobalId::decode(id, "id").unwrap().id.to_string();
    let mut secrets: Vec<String> = ids.iter().map(uuid).chain(ids.iter().cloned()).collect();
    secrets.extend(strings_under(&snapshot, &["hash"]));
    secrets.push(marker);
    Kristiansund {
        actions: records("actions"),
        incidents: records("overdoseIncidents"),
        distributions: records("naloxoneDistributions"),
        snapshot,
        site,
        measure,
        focus_area,
        ids,
        secrets,
        action_replay,
        incident_replay,
    }
}

async fn molde_records(app: &TestApp) -> Molde {
    let molde = app.clone().with_caller("1506:coordinator");
    let site = app.add_site("1506", "Feltpleien Molde").await;
    let input = distribution(&site, None);
    let distribution = record(&molde, "createNaloxoneDistribution", input).await;
    Molde { site, distribution }
}

/// The attack table: every Query and Mutation field, and what Molde tries on it. Kept out of
/// rustfmt so that it reads as a table, one attack a line.
#[rustfmt::skip]
fn cases(k: &Kristiansund, m: &Molde) -> Vec<Case> {
    use Expect::*;
    let none = || json!({});
    let filter = |filter: Value| json!({ "filter": filter });
    let node = format!(
        "query($id: ID!) {{ node(id: $id) {{ __typename id
           ... on Action {{ {ACTION} }} ... on OverdoseIncident {{ {INCIDENT} }}
           ... on NaloxoneDistribution {{ {DISTRIBUTION} }} ... on AuditEvent {{ {AUDIT} }}
           ... on DistributionSite {{ name municipality {{ kommunenummer }} }}
           ... on Measure {{ actions {{ {ACTION} }} }} }} }}");
    let nested = format!("{{ plan {{ focusAreas {{ measures {{ actions {{ {ACTION} }} }} }} }} }}");
    let actions = list("actions", "ActionFilter", ACTION);
    let incidents = list("overdoseIncidents", "OverdoseIncidentFilter", INCIDENT);
    let distributions = list("naloxoneDistributions", "NaloxoneDistributionFilter", DISTRIBUTION);
    let audit = list("auditTrail", "AuditTrailFilter", AUDIT);
    let access_log = list("accessLog", "AccessLogFilter", ACCESS);
    let their_site = json!({ "siteIds": [k.site], "state": "ALL" });
    let their_site_and_rows = json!({ "siteIds": [k.site], "municipalities": ["1505"] });
    let their_action = json!({ "measureId": k.measure, "title": "Molde for Kristiansund" });
    let their_row = distribution(&k.site, None);
    let mixed_rows = json!({ "distributions": [distribution(&m.site, None), their_row] });
    let their_rows = json!({ "distributions": [their_row] });
    let new_focus_area = json!({ "position": 9, "name": "Molde", "nameEn": "Molde" });
    let new_measure = json!({ "focusAreaId": k.focus_area, "code": "9.9", "position": 9,
        "name": "Molde", "nameEn": "Molde", "responsibleMunicipalities": ["1506"] });
    let only_molde = json!({ "id": k.measure, "responsibleMunicipalities": ["1506"] });
    let own_to_their_site = json!({ "id": m.distribution["id"],
        "version": m.distribution["version"], "siteId": k.site });

    let mut cases = vec![
        query("Query.municipalities", Public, MUNICIPALITIES, none()),
        query("Query.municipality", Public, MUNICIPALITY, none()),
        query("Query.plans", Public, &PLAN.replacen("plan", "plans", 1), none()),
        query("Query.plan", Public, PLAN, none()),
        query("Query.codeLists", Public, CODE_LISTS, none()),
        query("Query.dashboard", Aggregates, DASHBOARD, json!({ "municipalities": ["1505", "1506"] })),
        query("Query.dashboard", Aggregates, DASHBOARD, none()),
        query("Query.annualReport", Aggregates, REPORT, json!({ "municipality": "1505" })),
        query("Query.annualReport", Aggregates, REPORT, none()),
        // Reference data with actions nested: the caller's own only.
        query("Query.plan", OwnRows, &nested, none()),
        query("Query.node", OwnRows, &node, json!({ "id": k.measure })),
        query("Query.actions", OwnRows, &actions, filter(json!({ "measureIds": [k.measure] }))),
        query("Query.naloxoneDistributions", OwnRows, &distributions, filter(their_site)),
        query("Query.naloxoneDistributions", Refused, &distributions, filter(their_site_and_rows)),
        query("Query.distributionSites", Refused, SITES, json!({ "municipalities": ["1505"] })),
        query("Query.distributionSites", OwnRows, SITES, none()),
        mutate("Mutation.createAction", Refused, as_kristiansund(their_action)),
        // Kristiansund's idempotency key creates Molde's own record, never returns theirs.
        mutate("Mutation.createAction", OwnRows, k.action_replay.clone()),
        mutate("Mutation.createOverdoseIncident", Refused, as_kristiansund(incident(None))),
        mutate("Mutation.createOverdoseIncident", OwnRows, k.incident_replay.clone()),
        mutate("Mutation.createNaloxoneDistribution", Refused, as_kristiansund(their_row.clone())),
        mutate("Mutation.createNaloxoneDistribution", UnknownSite, their_row),
        mutate("Mutation.createNaloxoneDistributions", Refused, as_kristiansund(their_rows)),
        mutate("Mutation.createNaloxoneDistributions", UnknownSite, mixed_rows),
        mutate("Mutation.correctNaloxoneDistribution", UnknownSite, own_to_their_site),
        // The shared plan, which only plan administrators change.
        mutate("Mutation.createFocusArea", Refused, new_focus_area),
        mutate("Mutation.updateFocusArea", Refused, json!({ "id": k.focus_area, "name": "Molde" })),
        mutate("Mutation.createMeasure", Refused, new_measure),
        mutate("Mutation.updateMeasure", Refused, only_molde),
        query("Mutation.submitAnnualReport", Refused,
            "mutation { submitAnnualReport(year: 2025, municipality: \"1505\") { version } }", none()),
    ];

    // Lists: Kristiansund, alone or beside Molde, is refused; without it, Molde's rows only.
    let all = json!({ "state": "ALL" });
    let lists = [
        ("Query.actions", &actions, all.clone()),
        ("Query.overdoseIncidents", &incidents, all.clone()),
        ("Query.naloxoneDistributions", &distributions, all),
        ("Query.auditTrail", &audit, json!({})),
        ("Query.accessLog", &access_log, json!({})),
    ];
    for (field, list, all) in lists {
        for municipalities in [json!(["1505"]), json!(["1506", "1505"])] {
            let mut foreign = all.clone();
            foreign["municipalities"] = municipalities;
            cases.push(query(field, Refused, list, filter(foreign)));
        }
        cases.push(query(field, OwnRows, list, filter(all)));
    }

    // Every id Kristiansund has, through `node`; every record's events through the trail.
    for id in &k.ids {
        cases.push(query("Query.node", Refused, &node, json!({ "id": id })));
    }
    for (id, _) in k.actions.iter().chain(&k.incidents).chain(&k.distributions) {
        let theirs = json!({ "recordId": id, "municipalities": ["1505"] });
        cases.push(query("Query.auditTrail", OwnRows, &audit, filter(json!({ "recordId": id }))));
        cases.push(query("Query.auditTrail", Refused, &audit, filter(theirs)));
    }

    // Every change to every record, with the version Kristiansund's coordinator sees.
    let retract = json!({ "reason": "Molde trekker tilbake" });
    let note = json!({ "notedOn": "2025-11-02", "text": "Molde var her" });
    let changes = [
        ("Mutation.updateAction", "id", &k.actions, json!({ "title": "Molde sin" })),
        ("Mutation.addActionNote", "actionId", &k.actions, note),
        ("Mutation.retractAction", "id", &k.actions, retract.clone()),
        ("Mutation.correctOverdoseIncident", "id", &k.incidents, json!({ "outcome": "FATAL" })),
        ("Mutation.retractOverdoseIncident", "id", &k.incidents, retract.clone()),
        ("Mutation.correctNaloxoneDistribution", "id", &k.distributions,
            json!({ "kits": 3, "siteId": m.site })),
        ("Mutation.retractNaloxoneDistribution", "id", &k.distributions, retract),
    ];
    for (field, id_field, records, change) in changes {
        for (id, version) in records {
            let mut input = change.clone();
            input[id_field] = id.clone();
            input["version"] = version.clone();
            cases.push(mutate(field, Refused, input));
        }
    }
    cases
}

/// Every Query and Mutation field of the running service's schema.
async fn schema_fields(app: &TestApp) -> BTreeSet<String> {
    let data = app
        .query(
            "{ __schema { queryType { name fields { name } }
                          mutationType { name fields { name } } } }",
            json!({}),
        )
        .await;
    let mut fields = BTreeSet::new();
    for root in ["queryType", "mutationType"] {
        let root = &data["__schema"][root];
        for field in root["fields"].as_array().into_iter().flatten() {
            fields.insert(format!(
                "{}.{}",
                root["name"].as_str().unwrap(),
                field["name"].as_str().unwrap()
            ));
        }
    }
    fields
}

/// The table covers the schema exactly, and only the listed reference fields are public.
fn assert_table_covers(schema: &BTreeSet<String>, cases: &[Case]) {
    let covered: BTreeSet<&str> = cases.iter().map(|c| c.field).collect();
    let missing: Vec<&String> = schema
        .iter()
        .filter(|f| !covered.contains(f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "schema fields with no tenant-isolation case: {missing:?}. Add attacks on them to \
         `cases` in tests/tests/e2e/isolation.rs (foreign ids, municipality filters, sites), \
         or, for reference data, a public case and an entry in PUBLIC_FIELDS."
    );
    let stale: Vec<&&str> = covered.iter().filter(|f| !schema.contains(**f)).collect();
    assert!(
        stale.is_empty(),
        "cases for fields the schema does not have: {stale:?}"
    );
    for field in PUBLIC_FIELDS {
        let public = cases
            .iter()
            .any(|c| c.field == *field && matches!(c.expect, Expect::Public));
        assert!(public, "{field} is in PUBLIC_FIELDS but has no public case");
    }
    for c in cases.iter().filter(|c| matches!(c.expect, Expect::Public)) {
        assert!(
            PUBLIC_FIELDS.contains(&c.field),
            "{} is public but not in PUBLIC_FIELDS",
            c.field
        );
    }
}

/// Both municipalities' records, and the attack table checked against the schema.
async fn setup(backend: Backend) -> (TestApp, Kristiansund, Vec<Case>) {
    let app = TestApp::spawn(backend).await;
    let kristiansund = kristiansund_records(&app).await;
    let molde = molde_records(&app).await;
    let cases = cases(&kristiansund, &molde);
    let schema = schema_fields(&app.clone().with_caller("1506:coordinator")).await;
    assert_table_covers(&schema, &cases);
    (app, kristiansund, cases)
}

async fn molde_reaches_nothing_of_kristiansund_through_any_field(backend: Backend) {
    let (app, kristiansund, cases) = setup(backend).await;
    for who in ATTACKERS {
        let caller = app.clone().with_caller(who);
        for case in &cases {
            attack(&caller, who, case, &kristiansund).await;
        }
    }
    assert_kristiansund_unchanged(&app, &kristiansund).await;
}

async fn anonymous_callers_reach_reference_data_only(backend: Backend) {
    let (app, kristiansund, cases) = setup(backend).await;
    let anonymous = app.clone().anonymous();
    for case in &cases {
        attack(&anonymous, "anonymous", case, &kristiansund).await;
    }
    assert_kristiansund_unchanged(&app, &kristiansund).await;
}

/// Sends one case as `who` and checks the answer: what the case expects (anonymous callers:
/// `UNAUTHENTICATED` for everything but reference data), and nothing of Kristiansund's.
async fn attack(app: &TestApp, who: &str, case: &Case, k: &Kristiansund) {
    let body = app.graphql(&case.query, case.variables.clone()).await;
    let context = format!("{} as {who} with {}", case.field, case.variables);
    assert_no_leak(&body, k, &context);
    let name = field_name(case.field);
    match case.expect {
        Expect::Public => assert!(
            body.get("errors").is_none(),
            "{context}: reference data answers anyone: {body:#}"
        ),
        _ if who == "anonymous" => assert_refused(&body, name, &["UNAUTHENTICATED"], &context),
        Expect::Refused => assert_refused(&body, name, &["FORBIDDEN", "NOT_FOUND"], &context),
        Expect::OwnRows => assert_own_rows(&body, who == "1506:coordinator", &context),
        Expect::Aggregates => assert_kristiansund_suppressed(&body, &context),
        Expect::UnknownSite => {
            let codes = ["VALIDATION", "FORBIDDEN", "NOT_FOUND"];
            assert_refused(&body, name, &codes, &context);
            let never_existed = GlobalId::encode("DistributionSite", uuid::Uuid::now_v7()).0;
            let variables = case.variables.to_string().replace(&k.site, &never_existed);
            let variables = serde_json::from_str(&variables).unwrap();
            let unknown = app.graphql(&case.query, variables).await;
            assert_eq!(
                body["errors"], unknown["errors"],
                "{context}: a foreign site must be refused exactly like one that never existed"
            );
        }
    }
}

/// An answer without errors in which no figure of Kristiansund's from 1 to 4 is shown:
/// Kristiansund has one incident and two kits in force, so every figure of its is small.
fn assert_kristiansund_suppressed(body: &Value, context: &str) {
    assert!(body.get("errors").is_none(), "{context}: {body:#}");
    let mut shown = Vec::new();
    small_figures_of(&body["data"], "1505", &mut shown);
    assert!(
        shown.is_empty(),
        "{context}: Kristiansund's small figures shown: {shown:?}"
    );
    let text = body.to_string();
    assert!(
        text.contains("\"1505\""),
        "{context}: Kristiansund's row is there: {body:#}"
    );
}

fn small_figures_of(value: &Value, kommunenummer: &str, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            let small = map
                .get("value")
                .and_then(Value::as_u64)
                .is_some_and(|v| (1..=4).contains(&v));
            if map.get("kommunenummer").and_then(Value::as_str) == Some(kommunenummer) && small {
                out.push(value.clone());
            }
            map.values()
                .for_each(|v| small_figures_of(v, kommunenummer, out));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| small_figures_of(v, kommunenummer, out)),
        _ => {}
    }
}

/// No id, raw UUID, audit hash or marker text of Kristiansund's anywhere in the answer.
fn assert_no_leak(body: &Value, k: &Kristiansund, context: &str) {
    let text = body.to_string();
    if let Some(secret) = k.secrets.iter().find(|s| text.contains(s.as_str())) {
        panic!("{context}: the answer holds Kristiansund's {secret:?}: {body:#}");
    }
}

/// Errors only of the given codes. A refusal at the root leaves no data for the field; one
/// deeper (actions under the public plan) leaves the reference data around it.
fn assert_refused(body: &Value, field: &str, codes: &[&str], context: &str) {
    let errors = body["errors"].as_array().map_or(&[][..], Vec::as_slice);
    assert!(
        !errors.is_empty(),
        "{context}: expected {codes:?}, got {body:#}"
    );
    for error in errors {
        let code = error["extensions"]["code"].as_str().unwrap_or("none");
        assert!(
            codes.contains(&code),
            "{context}: expected {codes:?}, got {body:#}"
        );
    }
    if errors.iter().any(|e| e["path"] == json!([field])) {
        assert!(
            body["data"][field].is_null(),
            "{context}: refused, yet data: {body:#}"
        );
    }
}

/// Only Molde's rows, counted without foreign ones: every page here holds all its rows, so a
/// `totalCount` above the rows shown would count Kristiansund's. A coordinator may read all
/// of it; a registrar is refused what needs the coordinator role.
fn assert_own_rows(body: &Value, coordinator: bool, context: &str) {
    for error in body["errors"].as_array().into_iter().flatten() {
        assert!(
            !coordinator,
            "{context}: a coordinator reads its own rows: {body:#}"
        );
        let code = error["extensions"]["code"].as_str();
        assert_eq!(code, Some("FORBIDDEN"), "{context}: {body:#}");
    }
    for object in objects(&body["data"]) {
        if let Some(kommunenummer) = object.get("kommunenummer") {
            assert_eq!(kommunenummer, "1506", "{context}: a foreign row: {body:#}");
        }
        if let (Some(total), Some(Value::Array(nodes))) =
            (object.get("totalCount"), object.get("nodes"))
        {
            assert_eq!(
                total,
                &json!(nodes.len()),
                "{context}: counts rows not shown: {body:#}"
            );
        }
    }
}

/// Kristiansund's records, notes, sites and audit trail are exactly as before the attacks,
/// and its access log has no read by Molde (development subjects name the municipality).
async fn assert_kristiansund_unchanged(app: &TestApp, k: &Kristiansund) {
    let kristiansund = app.clone().with_caller("1505:coordinator");
    let now = snapshot(&kristiansund).await;
    assert_eq!(
        now, k.snapshot,
        "Kristiansund's data changed under the attacks"
    );
    let log = kristiansund
        .query("{ accessLog(first: 100) { nodes { actor } } }", json!({}))
        .await;
    for actor in strings_under(&log, &["actor"]) {
        assert!(
            !actor.contains("1506"),
            "Molde read Kristiansund's rows: {log:#}"
        );
    }
}

/// Every JSON object in `value`, nested ones included.
fn objects(value: &Value) -> Vec<&Map<String, Value>> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                found.push(map);
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The distinct strings held under any of `keys` anywhere in `value`.
fn strings_under(value: &Value, keys: &[&str]) -> BTreeSet<String> {
    objects(value)
        .into_iter()
        .flat_map(|map| keys.iter().filter_map(|k| map.get(*k)?.as_str()))
        .map(str::to_owned)
        .collect()
}
