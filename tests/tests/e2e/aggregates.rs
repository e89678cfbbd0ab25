//! The monthly counts stay exact: after a random sequence of creates, corrections and
//! retractions, they equal a recount from the detail rows that are in force.

use std::collections::BTreeMap;

use motgift_tests::{Backend, TestApp, on_both_databases};
use sea_orm::{FromQueryResult, Statement};
use serde_json::{Value, json};

on_both_databases!(monthly_counts_equal_a_recount_after_random_writes);

/// A small deterministic generator, so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % sides as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.roll(from.len())]
    }
}

const OUTCOMES: &[&str] = &["NON_FATAL", "FATAL", "UNKNOWN"];
const SUBSTANCES: &[&str] = &["HEROIN", "NITAZENE", "BENZODIAZEPINE", "ALCOHOL", "GHB_GBL"];
const RECIPIENTS: &[&str] = &["PERSON_WHO_USES_DRUGS", "NEXT_OF_KIN", "STAFF"];
const REASONS: &[&str] = &["USED_ON_OVERDOSE", "LOST", "EXPIRED"];

fn day(dice: &mut Dice) -> String {
    format!("2025-{:02}-{:02}", 1 + dice.roll(9), 1 + dice.roll(28))
}

fn incident(dice: &mut Dice) -> Value {
    let outcome = dice.pick(OUTCOMES);
    let mut substances = vec![dice.pick(SUBSTANCES)];
    let second = dice.pick(SUBSTANCES);
    if second != substances[0] {
        substances.push(second);
    }
    // Naloxone given or not; where given, the giver named or not (then counted as UNKNOWN).
    let given = dice.pick(&["YES", "YES", "NO", "UNKNOWN"]);
    let by = match (given, dice.pick(&["AMBULANCE", "UNKNOWN", "", ""])) {
        ("YES", named) if !named.is_empty() => json!(named),
        _ => Value::Null,
    };
    json!({
        "occurredOn": day(dice), "placeType": "PRIVATE_HOME", "outcome": outcome,
        "suspectedSubstances": substances, "naloxoneGiven": given, "naloxoneGivenBy": by,
        "disposition": if outcome == "FATAL" { "DIED" } else { "TREATED_ON_SCENE" },
        "ageBand": "UNKNOWN", "sex": "UNKNOWN", "followUpOffered": "NO", "source": "OTHER",
    })
}

fn distribution(dice: &mut Dice, site: &str) -> Value {
    let first_time = dice.roll(2) == 0;
    json!({
        "distributedOn": day(dice), "siteId": site, "kits": 1 + dice.roll(3),
        "recipientCategory": dice.pick(RECIPIENTS), "firstTime": first_time,
        "refillReason": if first_time { Value::Null } else { json!(dice.pick(REASONS)) },
        "trainingGiven": false,
    })
}

type Counts = BTreeMap<(String, String, String), i64>;

fn month(date: &Value) -> String {
    format!("{}-01", &date.as_str().unwrap()[..7])
}

/// The recount, from the rows in force as the API lists them.
async fn recount(app: &TestApp) -> Counts {
    let data = app
        .query(
            "{ overdoseIncidents(first: 100) { totalCount nodes { occurredOn outcome suspectedSubstances naloxoneGiven naloxoneGivenBy } }
               naloxoneDistributions(first: 100) { totalCount nodes { distributedOn kits recipientCategory refillReason } } }",
            json!({}),
        )
        .await;
    // An unfiltered total comes from the kept counts; it must equal the rows listed.
    for list in ["overdoseIncidents", "naloxoneDistributions"] {
        let listed = data[list]["nodes"].as_array().unwrap().len();
        assert!(listed < 100, "the page holds every row");
        assert_eq!(data[list]["totalCount"], json!(listed), "{list}");
    }
    let mut counts = Counts::new();
    let mut add = |metric: &str, month: String, category: &str, value: i64| {
        *counts
            .entry((metric.to_owned(), month, category.to_owned()))
            .or_default() += value;
    };
    let mut unnamed = 0;
    for i in data["overdoseIncidents"]["nodes"].as_array().unwrap() {
        let m = month(&i["occurredOn"]);
        add("incidents", m.clone(), "ALL", 1);
        add(
            "incidents_by_outcome",
            m.clone(),
            i["outcome"].as_str().unwrap(),
            1,
        );
        for s in i["suspectedSubstances"].as_array().unwrap() {
            add("incidents_by_substance", m.clone(), s.as_str().unwrap(), 1);
        }
        let given = i["naloxoneGiven"].as_str().unwrap();
        add("incidents_by_naloxone_given", m.clone(), given, 1);
        if given == "YES" {
            unnamed += usize::from(i["naloxoneGivenBy"].is_null());
            let by = i["naloxoneGivenBy"].as_str().unwrap_or("UNKNOWN");
            add("incidents_by_naloxone_given_by", m.clone(), by, 1);
        }
    }
    assert!(unnamed > 0, "an incident with naloxone given names nobody");
    for d in data["naloxoneDistributions"]["nodes"].as_array().unwrap() {
        let m = month(&d["distributedOn"]);
        let kits = d["kits"].as_i64().unwrap();
        add("naloxone_kits", m.clone(), "ALL", kits);
        add(
            "naloxone_kits_by_recipient",
            m.clone(),
            d["recipientCategory"].as_str().unwrap(),
            kits,
        );
        if let Some(reason) = d["refillReason"].as_str() {
            add("naloxone_refills_by_reason", m.clone(), reason, 1);
        }
    }
    counts
}

#[derive(FromQueryResult)]
struct Row {
    metric: String,
    month: chrono::NaiveDate,
    category: String,
    value: i64,
}

/// What the service keeps, for the metrics the recount covers.
async fn kept(app: &TestApp) -> Counts {
    let sql = "SELECT metric, month, category, value FROM monthly_counts
               WHERE kommunenummer = '1506' AND value <> 0 AND metric IN ('incidents',
               'incidents_by_outcome', 'incidents_by_substance', 'incidents_by_naloxone_given',
               'incidents_by_naloxone_given_by', 'naloxone_kits',
               'naloxone_kits_by_recipient', 'naloxone_refills_by_reason')";
    Row::find_by_statement(Statement::from_string(
        app.db.db.get_database_backend(),
        sql,
    ))
    .all(&app.db.db)
    .await
    .unwrap()
    .into_iter()
    .map(|r| ((r.metric, r.month.to_string(), r.category), r.value))
    .collect()
}

async fn monthly_counts_equal_a_recount_after_random_writes(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let site = app.add_site("1506", "Lavterskel").await;
    let mut dice = Dice(20_251_123);
    // (id, version, is an incident)
    let mut records: Vec<(String, i64, bool)> = Vec::new();
    for _ in 0..70 {
        match dice.roll(5) {
            0 | 1 => {
                let created = app
                    .query(
                        "mutation($i: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $i) { id version } }",
                        json!({ "i": incident(&mut dice) }),
                    )
                    .await["createOverdoseIncident"]
                    .clone();
                records.push((created["id"].as_str().unwrap().to_owned(), 1, true));
            }
            2 => {
                let created = app
                    .query(
                        "mutation($d: CreateNaloxoneDistributionInput!) { createNaloxoneDistribution(input: $d) { id version } }",
                        json!({ "d": distribution(&mut dice, &site) }),
                    )
                    .await["createNaloxoneDistribution"]
                    .clone();
                records.push((created["id"].as_str().unwrap().to_owned(), 1, false));
            }
            3 if !records.is_empty() => {
                let at = dice.roll(records.len());
                let (id, version, is_incident) = records[at].clone();
                let (mutation, mut input) = if is_incident {
                    ("correctOverdoseIncident", incident(&mut dice))
                } else {
                    (
                        "correctNaloxoneDistribution",
                        distribution(&mut dice, &site),
                    )
                };
                input["id"] = json!(id);
                input["version"] = json!(version);
                let input_type = if is_incident {
                    "CorrectOverdoseIncidentInput"
                } else {
                    "CorrectNaloxoneDistributionInput"
                };
                app.query(
                    &format!(
                        "mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ version }} }}"
                    ),
                    json!({ "i": input }),
                )
                .await;
                records[at].1 += 1;
            }
            4 if !records.is_empty() => {
                let (id, version, is_incident) = records.swap_remove(dice.roll(records.len()));
                let mutation = if is_incident {
                    "retractOverdoseIncident"
                } else {
                    "retractNaloxoneDistribution"
                };
                app.query(
                    &format!(
                        "mutation($i: RetractInput!) {{ {mutation}(input: $i) {{ version }} }}"
                    ),
                    json!({ "i": { "id": id, "version": version, "reason": "Feilregistrering" } }),
                )
                .await;
            }
            _ => {}
        }
    }
    let expected = recount(&app).await;
    assert!(expected.len() > 20, "the sequence left a varied picture");
    assert_eq!(kept(&app).await, expected);

    // A recount from scratch (what bulk loads use) gives the same.
    app.db
        .store()
        .system_tenant(motgift_schema::store::TenantScope::new(["1506"
            .parse()
            .unwrap()]))
        .rebuild_aggregates("1506")
        .await
        .unwrap();
    assert_eq!(kept(&app).await, expected);
}
