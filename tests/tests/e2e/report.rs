//! The annual report: every section, on the demo data, with the dashboards' figures for the
//! same year and the same disclosure control.

use chrono::Datelike;
use motgift_schema::store::Store;
use motgift_seed::SeedOptions;
use motgift_tests::{Backend, TestApp, error_code, first_error, on_both_databases};
use serde_json::{Value, json};

use super::dashboard::{assert_nothing_derivable, chart_with_year};

on_both_databases!(
    the_report_has_every_section_and_the_dashboards_figures,
    a_bad_year_or_municipality_is_refused_with_its_field,
    a_submitted_report_keeps_its_figures_and_shows_later_changes,
    measures_stand_as_they_did_when_the_year_ended,
    actions_created_and_noted_through_the_api_count_in_the_report,
    the_report_logs_only_the_actions_it_shows,
);

const REPORT: &str = "query($municipality: String) {
  annualReport(year: 2025, municipality: $municipality) {
    year municipality { kommunenummer name } municipalities
    measures { focusArea { position name } measure { code name } kommunenummer status
      actionsByStatus { status count } actionsInYear { title status } plannedNext { title } }
    incidents { ...table } naloxone { ...table }
    monthlyIncidents { series { kommunenummer values } ...months }
    monthlyNaloxoneKits { series { kommunenummer values } ...months }
    indicators { indicator { code kind target } year values { kommunenummer value suppressed met } }
    dataQuality { corrections { kommunenummer count } retractions { kommunenummer count }
      measuresWithoutAction { measure { code } kommunenummer }
      monthsWithoutRecords { kommunenummer months } }
    methodNotes } }
fragment table on ReportTable { key title rows { kommunenummer category label value previous
  change suppressed previousSuppressed ratePer10k } }
fragment months on CountPanel { periods { period { label } cells { kommunenummer value }
  categoryTotals { value } } }";

/// The same panels from `dashboard` for the year and the year before, by year.
fn dashboard_query(panels: &[&str], municipalities: &[&str]) -> String {
    let cell = "{ kommunenummer category value suppressed ratePer10k }";
    let panel = |name: &str| {
        format!(
            "{name} {{ periods {{ cells {cell} municipalityTotals {cell} categoryTotals {cell} \
             total {cell} }} }}"
        )
    };
    let all: Vec<String> = panels.iter().map(|p| panel(p)).collect();
    format!(
        "{{ dashboard(from: \"2025-01-01\", to: \"2025-12-31\", bucket: YEAR, municipalities: {}) \
         {{ {} previousYear {{ {} }} }} }}",
        json!(municipalities),
        all.join(" "),
        all.join(" ")
    )
}

/// A panel's one period as the report lists it: cells, municipality totals, category totals
/// and the total.
fn flatten(period: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for part in ["cells", "municipalityTotals", "categoryTotals"] {
        out.extend(period[part].as_array().unwrap().iter().cloned());
    }
    out.push(period["total"].clone());
    out
}

pub(crate) async fn with_demo_data(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    let options = SeedOptions {
        demo: true,
        ..SeedOptions::default()
    };
    motgift_seed::run(&Store::new(app.db.db.clone()), options)
        .await
        .expect("demo data");
    app
}

async fn the_report_has_every_section_and_the_dashboards_figures(backend: Backend) {
    let app = with_demo_data(backend).await;
    for (who, municipality, rows) in [
        ("1506:coordinator", json!("1506"), vec!["1506"]),
        ("1505:coordinator", json!("1506"), vec!["1506"]),
        (":analyst", Value::Null, vec!["1505", "1506", "1508"]),
        (
            "1506:coordinator",
            Value::Null,
            vec!["1505", "1506", "1508"],
        ),
    ] {
        let caller = app.clone().with_caller(who);
        let data = caller
            .query(REPORT, json!({ "municipality": municipality }))
            .await;
        let report = &data["annualReport"];
        let context = format!("{who} on {municipality}");
        assert_eq!(report["year"], 2025);
        assert_eq!(report["municipalities"], json!(rows), "{context}");

        // Every section is there.
        let measures = report["measures"].as_array().unwrap();
        assert!(
            measures.len() >= 20,
            "{context}: the plan's measures: {}",
            measures.len()
        );
        let own_actions = who == "1506:coordinator";
        let molde_measures = measures.iter().filter(|m| m["kommunenummer"] == "1506");
        for measure in molde_measures {
            assert_eq!(
                measure["actionsInYear"].is_array(),
                own_actions,
                "{context}: actions only for the caller's own municipality: {measure}"
            );
        }
        assert!(
            measures.iter().any(|m| m["status"] != "NOT_STARTED"),
            "{context}: the demo data has actions"
        );
        assert_eq!(
            report["monthlyIncidents"]["periods"]
                .as_array()
                .unwrap()
                .len(),
            12
        );
        assert!(!report["indicators"].as_array().unwrap().is_empty());
        assert_eq!(
            report["dataQuality"]["monthsWithoutRecords"]
                .as_array()
                .unwrap()
                .len(),
            rows.len()
        );
        assert!(report["methodNotes"].as_array().unwrap().len() >= 4);

        // The figures are the dashboards' for 2025, and the year before 2024's.
        let tables: Vec<&Value> = report["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .chain(report["naloxone"].as_array().unwrap())
            .collect();
        let keys: Vec<&str> = tables.iter().map(|t| t["key"].as_str().unwrap()).collect();
        let dashboard = caller
            .query(&dashboard_query(&keys, &rows), json!({}))
            .await;
        let dashboard = &dashboard["dashboard"];
        for table in tables {
            let key = table["key"].as_str().unwrap();
            let now = flatten(&dashboard[key]["periods"][0]);
            let before = flatten(&dashboard["previousYear"][key]["periods"][0]);
            let report_rows = table["rows"].as_array().unwrap();
            assert_eq!(report_rows.len(), now.len(), "{context}: {key}");
            for ((row, now), before) in report_rows.iter().zip(&now).zip(&before) {
                let what = format!("{context}: {key} {row}");
                assert_eq!(row["kommunenummer"], now["kommunenummer"], "{what}");
                assert_eq!(row["category"], now["category"], "{what}");
                assert_eq!(row["value"], now["value"], "{what}");
                assert_eq!(row["suppressed"], now["suppressed"], "{what}");
                assert_eq!(row["ratePer10k"], now["ratePer10k"], "{what}");
                assert_eq!(row["previous"], before["value"], "{what}");
                let change = match (now["value"].as_i64(), before["value"].as_i64()) {
                    (Some(a), Some(b)) => json!(a - b),
                    _ => Value::Null,
                };
                assert_eq!(row["change"], change, "{what}");
            }
        }
        // The charts' months beside the year's figures: none they hide follows from the year,
        // and they are the dashboard's by month (a month shown in one and hidden in the other
        // would let the two be differenced).
        let own: Vec<&str> = who
            .split(':')
            .next()
            .filter(|k| !k.is_empty())
            .into_iter()
            .collect();
        let by_month = caller
            .query(
                &format!(
                    "{{ dashboard(from: \"2025-01-01\", to: \"2025-12-31\", municipalities: {}) {{
                       incidents {{ ...months }} naloxoneKits {{ ...months }} }} }}
                     fragment months on CountPanel {{ periods {{ cells {{ value }}
                       categoryTotals {{ value }} }} }}",
                    json!(rows)
                ),
                json!({}),
            )
            .await;
        for (chart, key) in [
            ("monthlyIncidents", "incidents"),
            ("monthlyNaloxoneKits", "naloxoneKits"),
        ] {
            let table = chart_with_year(report, key, &report[chart]["periods"]);
            assert_nothing_derivable(&table, 12, &own, &format!("{context}: {chart}"));
            let months = report[chart]["periods"].as_array().unwrap();
            let dashboard = by_month["dashboard"][key]["periods"].as_array().unwrap();
            for (m, (month, dashboard)) in months.iter().zip(dashboard).enumerate() {
                for part in ["cells", "categoryTotals"] {
                    let shown = |p: &Value| -> Vec<Option<u64>> {
                        p[part]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|c| c["value"].as_u64())
                            .collect()
                    };
                    assert_eq!(
                        shown(month),
                        shown(dashboard),
                        "{context}: {chart} month {m} {part}, and the dashboard by month"
                    );
                }
            }
        }

        // Another municipality's report hides Molde's small figures like the dashboards do.
        if who == "1505:coordinator" {
            let shown_small = report["incidents"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|t| t["rows"].as_array().unwrap())
                .any(|r| r["value"].as_u64().is_some_and(|v| (1..=4).contains(&v)));
            assert!(
                !shown_small,
                "{context}: small figures of another municipality"
            );
        }
    }
}

async fn a_bad_year_or_municipality_is_refused_with_its_field(backend: Backend) {
    let app = TestApp::spawn(backend).await.with_caller(":analyst");
    for (arguments, field) in [
        ("year: 2025, municipality: \"9999\"", "municipality"),
        ("year: 1000000", "year"),
    ] {
        let body = app
            .graphql(
                &format!("{{ annualReport({arguments}) {{ year }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{arguments}: {body:#}");
        assert_eq!(first_error(&body)["extensions"]["field"], field, "{body:#}");
    }
    let anonymous = app
        .anonymous()
        .graphql("{ annualReport(year: 2025) { year } }", json!({}))
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

const SUBMITTED: &str = "query { annualReport(year: 2025, municipality: \"1506\") {
    incidents { key rows { kommunenummer category value } }
    submission { version submittedBy role submittedAt
      tables { key rows { kommunenummer category value } }
      changedSinceSubmission { key kommunenummer category submitted current difference } } } }";

/// Molde's total in a table, from its rows.
fn total(tables: &Value, key: &str) -> u64 {
    let table = tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("table {key}"));
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kommunenummer"] == "1506" && r["category"].is_null())
        .and_then(|r| r["value"].as_u64())
        .expect("Molde's total")
}

async fn a_submitted_report_keeps_its_figures_and_shows_later_changes(backend: Backend) {
    let app = with_demo_data(backend).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let submit = "mutation { submitAnnualReport(year: 2025) { version submittedBy
        tables { key } changedSinceSubmission { key } } }";
    let first = molde.query(submit, json!({})).await;
    assert_eq!(first["submitAnnualReport"]["version"], 1);
    assert_eq!(
        first["submitAnnualReport"]["changedSinceSubmission"],
        json!([])
    );
    let before = molde.query(SUBMITTED, json!({})).await["annualReport"].clone();
    let submitted_total = total(&before["incidents"], "incidents");

    // A late registration in 2025 after the report was submitted, then a correction of it.
    let created = molde
        .query(
            "mutation($i: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $i) { id } }",
            json!({ "i": { "occurredOn": "2025-06-10", "placeType": "PRIVATE_HOME",
                "outcome": "NON_FATAL", "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "NO",
                "disposition": "TREATED_ON_SCENE", "ageBand": "AGE_35_44", "sex": "FEMALE",
                "followUpOffered": "YES", "source": "MUNICIPAL_SERVICE" } }),
        )
        .await["createOverdoseIncident"]["id"]
        .clone();
    molde
        .query(
            "mutation($i: CorrectOverdoseIncidentInput!) { correctOverdoseIncident(input: $i) { id } }",
            json!({ "i": { "id": created, "version": 1, "placeType": "SHELTER" } }),
        )
        .await;
    let after = molde.query(SUBMITTED, json!({})).await["annualReport"].clone();
    let submission = &after["submission"];
    assert_eq!(
        total(&after["incidents"], "incidents"),
        submitted_total + 1,
        "the live report"
    );
    assert_eq!(
        total(&submission["tables"], "incidents"),
        submitted_total,
        "the submitted figures stay as they were"
    );
    assert_eq!(submission["version"], 1);
    assert_eq!(submission["role"], "coordinator");
    let changes = submission["changedSinceSubmission"].as_array().unwrap();
    let change = changes
        .iter()
        .find(|c| {
            c["key"] == "incidents" && c["kommunenummer"] == "1506" && c["category"].is_null()
        })
        .unwrap_or_else(|| panic!("the total shows as changed: {changes:#?}"));
    assert_eq!(change["submitted"], json!(submitted_total));
    assert_eq!(change["current"], json!(submitted_total + 1));
    assert_eq!(change["difference"], 1);
    assert!(
        changes
            .iter()
            .any(|c| c["key"] == "incidentsByOutcome" && c["category"] == "NON_FATAL"),
        "{changes:#?}"
    );

    // Submitting again adds a version with nothing changed since.
    let second = molde.query(submit, json!({})).await;
    assert_eq!(second["submitAnnualReport"]["version"], 2);
    assert_eq!(
        second["submitAnnualReport"]["changedSinceSubmission"],
        json!([])
    );

    // Only Molde's coordinator submits Molde's report, and only Molde sees its submission.
    let kristiansund = app.clone().with_caller("1505:coordinator");
    let foreign = kristiansund
        .graphql(
            "mutation { submitAnnualReport(year: 2025, municipality: \"1506\") { version } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&foreign), "FORBIDDEN");
    let registrar = app.clone().with_caller("1506:registrar");
    assert_eq!(
        error_code(&registrar.graphql(submit, json!({})).await),
        "FORBIDDEN"
    );
    let read = kristiansund.query(SUBMITTED, json!({})).await;
    assert_eq!(read["annualReport"]["submission"], Value::Null);
}

/// Molde's actions by status on a measure, in a year's report.
async fn statuses(app: &TestApp, year: i32, code: &str) -> Value {
    let data = app
        .query(
            &format!(
                "{{ annualReport(year: {year}, municipality: \"1506\") {{
                   measures {{ measure {{ code }} actionsByStatus {{ status count }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    data["annualReport"]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"]["code"] == code)
        .map(|m| m["actionsByStatus"].clone())
        .unwrap_or_else(|| panic!("measure {code} in {year}"))
}

async fn measures_stand_as_they_did_when_the_year_ended(backend: Backend) {
    let app = with_demo_data(backend).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let listed = molde
        .query(
            "{ actions(first: 100) { nodes { id version status createdAt measure { code } } } }",
            json!({}),
        )
        .await;
    // An action recorded before 2025 ended, not yet completed.
    let action = listed["actions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["createdAt"].as_str() < Some("2025-12-01") && a["status"] != "COMPLETED")
        .expect("a demo action from before 2025 ended")
        .clone();
    let code = action["measure"]["code"].as_str().unwrap().to_owned();
    let year_end = statuses(&molde, 2025, &code).await;

    // Completed now, in 2026: the 2025 report still shows how it stood then.
    molde
        .query(
            "mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }",
            json!({ "i": { "id": action["id"], "version": action["version"],
                "status": "COMPLETED", "actualEnd": "2026-11-01" } }),
        )
        .await;
    assert_eq!(
        statuses(&molde, 2025, &code).await,
        year_end,
        "as the year ended"
    );
    let now = statuses(&molde, 2026, &code).await;
    assert_ne!(now, year_end, "the 2026 report has the change");
    assert!(
        now.as_array()
            .unwrap()
            .iter()
            .any(|s| s["status"] == "COMPLETED"),
        "{now}"
    );
}

/// The count of `status` for a measure in a report's `actionsByStatus`, zero when absent.
fn count_of(statuses: &Value, status: &str) -> i64 {
    statuses
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == status)
        .map_or(0, |s| s["count"].as_i64().unwrap())
}

/// An action created through the API, and one given a progress note, stand in the report of
/// the year as they are: their audit events carry the row beside its notes, or a note only.
async fn actions_created_and_noted_through_the_api_count_in_the_report(backend: Backend) {
    let app = with_demo_data(backend).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let plan = molde
        .query(
            "{ plan { focusAreas { measures { id code } } } }",
            json!({}),
        )
        .await;
    let measure = &plan["plan"]["focusAreas"][0]["measures"][0];
    let code = measure["code"].as_str().unwrap().to_owned();
    // The report of the current year: the action is created today.
    let year = chrono::Utc::now().year();
    let before = count_of(&statuses(&molde, year, &code).await, "IN_PROGRESS");

    let created = molde
        .query(
            "mutation($i: CreateActionInput!) { createAction(input: $i) { id version } }",
            json!({ "i": { "measureId": measure["id"], "title": "Oppsøkende team",
                "status": "IN_PROGRESS" } }),
        )
        .await;
    let created = &created["createAction"];
    assert_eq!(
        count_of(&statuses(&molde, year, &code).await, "IN_PROGRESS"),
        before + 1,
        "a created action counts"
    );

    molde
        .query(
            "mutation($i: AddActionNoteInput!) { addActionNote(input: $i) { id } }",
            json!({ "i": { "actionId": created["id"], "version": created["version"],
                "notedOn": chrono::Utc::now().date_naive().to_string(),
                "text": "Første runde gjennomført" } }),
        )
        .await;
    assert_eq!(
        count_of(&statuses(&molde, year, &code).await, "IN_PROGRESS"),
        before + 1,
        "a note leaves it counted"
    );
}

/// A coordinator of two municipalities reporting on one reads, and is logged for, that one's
/// actions only.
async fn the_report_logs_only_the_actions_it_shows(backend: Backend) {
    let app = with_demo_data(backend).await;
    let both = app.clone().with_caller("1505,1506:coordinator");
    let report = both
        .query(
            "query Rapport { annualReport(year: 2025, municipality: \"1506\") {
               measures { kommunenummer actionsInYear { title } } } }",
            json!({}),
        )
        .await;
    let shown = report["annualReport"]["measures"].as_array().unwrap();
    assert!(shown.iter().all(|m| m["kommunenummer"] == "1506"));
    let log = both
        .query(
            "{ accessLog(first: 100) { nodes { kommunenummer operation recordType rowCount } } }",
            json!({}),
        )
        .await;
    let entries: Vec<&Value> = log["accessLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["operation"] == "Rapport")
        .collect();
    assert!(
        !entries.is_empty(),
        "the report's actions are logged: {log:#}"
    );
    assert!(
        entries.iter().all(|e| e["kommunenummer"] == "1506"),
        "only Molde's actions were handed out: {entries:#?}"
    );
}
