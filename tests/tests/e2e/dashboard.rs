//! Dashboards on a small fixed dataset: figures equal hand-computed expectations on both
//! databases, and disclosure control holds for other municipalities and analysts.

use motgift_schema::dashboard::publish_ahead;
use motgift_tests::{Backend, TestApp, error_code, first_error, on_both_databases};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both_databases!(
    figures_equal_hand_computed_expectations,
    others_see_small_counts_suppressed_and_nothing_can_be_worked_out,
    answers_over_different_municipalities_cannot_be_differenced,
    a_years_indicators_beside_its_months_give_nothing_the_months_do_not,
    answers_by_month_quarter_and_year_cannot_be_differenced,
    a_quarter_can_be_shown_where_its_months_are_hidden,
    a_categorys_year_less_its_shown_months_gives_no_hidden_month,
    the_givers_add_up_to_the_incidents_with_naloxone_given,
    no_substances_shown_pin_hidden_incidents_down,
    no_refill_reasons_shown_pin_hidden_kits_down,
    no_people_trained_shown_pin_hidden_hand_outs_down,
    no_hand_outs_shown_pin_hidden_kits_down,
    no_people_trained_and_refills_shown_pin_hidden_hand_outs_down,
    audited_municipality_by_municipality_no_people_trained_pin_hand_outs_down,
    bad_ranges_and_unknown_municipalities_are_refused_with_their_field,
    kept_panels_follow_every_write,
    requests_asking_at_once_publish_each_panel_once,
    panels_published_ahead_serve_an_analysts_first_dashboards,
    panels_kept_on_after_writes_elsewhere_equal_panels_published_afresh,
    kept_reference_data_follows_every_change,
    kept_answers_follow_actions_and_callers_and_never_skip_the_access_log,
);

const ROWS: [&str; 3] = ["1505", "1506", "1508"];

/// Who asks in the tests of bounds between panels, with the row of `ROWS` each owns: an
/// analyst (none), and Molde's and Kristiansund's coordinators.
const BOUND_CALLERS: [(&str, Option<usize>); 3] = [
    (":analyst", None),
    ("1506:coordinator", Some(1)),
    ("1505:coordinator", Some(0)),
];

/// The dashboard of 2025 with the panels `names`, as each of `BOUND_CALLERS` by year, quarter
/// and month: who asked, the row it owns, the bucket and the dashboard.
async fn bound_answers(
    app: &TestApp,
    names: &[&str],
) -> Vec<(&'static str, Option<usize>, &'static str, Value)> {
    let panels: Vec<String> = names.iter().map(|name| panel(name)).collect();
    let mut answers = Vec::new();
    for (who, own) in BOUND_CALLERS {
        let caller = app.clone().with_caller(who);
        for bucket in ["YEAR", "QUARTER", "MONTH"] {
            let query = dashboard_query(
                &format!("from: \"2025-01-01\", to: \"2025-12-31\", bucket: {bucket}"),
                &panels.join(" "),
            );
            let dashboard = caller.query(&query, json!({})).await["dashboard"].clone();
            answers.push((who, own, bucket, dashboard));
        }
    }
    answers
}

fn incident(on: &str, outcome: &str, follow_up: &str) -> Value {
    json!({
        "occurredOn": on, "placeType": "PUBLIC_OUTDOOR", "outcome": outcome,
        "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "YES", "naloxoneDoses": 1,
        "naloxoneGivenBy": "AMBULANCE", "disposition": "TRANSPORTED_TO_HOSPITAL",
        "ageBand": "AGE_25_34", "sex": "MALE", "followUpOffered": follow_up,
        "source": "AMBULANCE_DISPATCH",
    })
}

async fn create_incidents(app: &TestApp, caller: &str, count: usize, input: Value) {
    let app = app.clone().with_caller(caller);
    for _ in 0..count {
        app.query(
            "mutation($i: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    }
}

/// The fixed dataset, all in 2024 (SSB populations: Kristiansund 24,400, Molde 32,800,
/// Ålesund 58,500):
/// - Molde: 5 non-fatal in February (follow-up offered), 3 non-fatal in March (2 offered,
///   1 not), and one more in March that is retracted; naloxone in March: 2 kits first time
///   with training, 1 kit refilled after use on an overdose; one action on measure 1.1.
/// - Kristiansund: 8 non-fatal in March, follow-up not offered.
/// - Ålesund: 10 non-fatal (offered) and 1 fatal in March.
async fn fixed_dataset(app: &TestApp) {
    create_incidents(
        app,
        "1506:coordinator",
        5,
        incident("2024-02-10", "NON_FATAL", "YES"),
    )
    .await;
    create_incidents(
        app,
        "1506:coordinator",
        2,
        incident("2024-03-05", "NON_FATAL", "YES"),
    )
    .await;
    create_incidents(
        app,
        "1506:coordinator",
        1,
        incident("2024-03-06", "NON_FATAL", "NO"),
    )
    .await;
    create_incidents(
        app,
        "1505:coordinator",
        8,
        incident("2024-03-07", "NON_FATAL", "NO"),
    )
    .await;
    create_incidents(
        app,
        "1508:coordinator",
        10,
        incident("2024-03-08", "NON_FATAL", "YES"),
    )
    .await;
    create_incidents(
        app,
        "1508:coordinator",
        1,
        incident("2024-03-09", "FATAL", "NO"),
    )
    .await;

    let molde = app.clone().with_caller("1506:coordinator");
    let retracted = molde
        .query(
            "mutation($i: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $i) { id } }",
            json!({ "i": incident("2024-03-10", "NON_FATAL", "YES") }),
        )
        .await["createOverdoseIncident"]["id"]
        .clone();
    molde
        .query(
            "mutation($i: RetractInput!) { retractOverdoseIncident(input: $i) { id } }",
            json!({ "i": { "id": retracted, "version": 1, "reason": "registrert to ganger" } }),
        )
        .await;

    let site = app.add_site("1506", "Lavterskel Molde").await;
    let distribute = |extra: Value| {
        let mut input = json!({ "distributedOn": "2024-03-12", "siteId": site,
            "recipientCategory": "PERSON_WHO_USES_DRUGS", "trainingGiven": false });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        input
    };
    for input in [
        distribute(json!({ "kits": 2, "firstTime": true, "trainingGiven": true,
            "trainingMinutes": 5 })),
        distribute(
            json!({ "kits": 1, "firstTime": false, "refillReason": "USED_ON_OVERDOSE",
            "recipientCategory": "NEXT_OF_KIN" }),
        ),
    ] {
        molde
            .query(
                "mutation($i: CreateNaloxoneDistributionInput!) { createNaloxoneDistribution(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
    }

    let plan = molde
        .query(
            "{ plan { focusAreas { measures { id code } } } }",
            json!({}),
        )
        .await;
    let measure = plan["plan"]["focusAreas"][0]["measures"][0]["id"].clone();
    molde
        .query(
            "mutation($i: CreateActionInput!) { createAction(input: $i) { id } }",
            json!({ "i": { "measureId": measure, "title": "Kartlegging av overdoser",
                "status": "IN_PROGRESS" } }),
        )
        .await;
}

const CELL: &str = "kommunenummer category value suppressed ratePer10k share";

fn dashboard_query(range: &str, panels: &str) -> String {
    format!(
        "{{ dashboard({range}, municipalities: [\"1505\", \"1506\", \"1508\"]) {{ {panels} }} }}"
    )
}

fn panel(name: &str) -> String {
    format!(
        "{name} {{ categories {{ code }} periods {{ period {{ label from to }}
           cells {{ {CELL} }} municipalityTotals {{ {CELL} }}
           categoryTotals {{ {CELL} }} total {{ {CELL} }} }} }}"
    )
}

/// The values of a period's cells, row by row, with `None` for a suppressed one.
fn values(cells: &Value) -> Vec<Option<u64>> {
    cells
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| c["value"].as_u64())
        .collect()
}

pub(crate) fn figure(cell: &Value) -> Option<u64> {
    cell["value"].as_u64()
}

async fn figures_equal_hand_computed_expectations(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let molde = app.clone().with_caller("1506:coordinator");

    let panels = [
        panel("incidents"),
        panel("followUpOffered"),
        panel("naloxoneKits"),
        panel("naloxoneKitsByFirstTime"),
        panel("naloxoneRefillsByReason"),
        panel("naloxonePeopleTrained"),
        format!("previousYear {{ from to {} }}", panel("incidents")),
        "periods { label }".to_owned(),
        "series: incidents { series { kommunenummer category values ratesPer10k shares } }"
            .to_owned(),
    ]
    .join(" ");
    let data = molde
        .query(
            &dashboard_query("from: \"2024-02-01\", to: \"2024-03-31\"", &panels),
            json!({}),
        )
        .await;
    let d = &data["dashboard"];
    assert_eq!(
        d["periods"],
        json!([{ "label": "2024-02" }, { "label": "2024-03" }])
    );

    // Incidents, by month: the retracted one never counts.
    let feb = &d["incidents"]["periods"][0];
    let mar = &d["incidents"]["periods"][1];
    assert_eq!(values(&feb["cells"]), [Some(0), Some(5), Some(0)]);
    assert_eq!(figure(&feb["total"]), Some(5));
    assert_eq!(values(&mar["cells"]), [Some(8), Some(3), Some(11)]);
    assert_eq!(
        values(&mar["municipalityTotals"]),
        [Some(8), Some(3), Some(11)]
    );
    assert_eq!(figure(&mar["total"]), Some(22));
    // Rates per 10,000 by 2024's populations: 8/24,400, 3/32,800, 11/58,500 and 22/115,700.
    let rates: Vec<Value> = mar["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ratePer10k"].clone())
        .collect();
    assert_eq!(rates, [json!(3.28), json!(0.91), json!(1.88)]);
    assert_eq!(mar["total"]["ratePer10k"], json!(1.9));

    // The same figures as series for charts: Molde's incidents, then the joint total.
    let series = d["series"]["series"].as_array().unwrap();
    let molde_series = series
        .iter()
        .find(|s| s["kommunenummer"] == "1506" && s["category"] == "ALL")
        .unwrap();
    assert_eq!(molde_series["values"], json!([5, 3]));
    assert_eq!(molde_series["ratesPer10k"], json!([1.52, 0.91]));
    assert_eq!(molde_series["shares"], json!([1.0, 1.0]));
    let joint = series.last().unwrap();
    assert_eq!(
        (&joint["kommunenummer"], &joint["category"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(joint["values"], json!([5, 22]));

    // Non-fatal incidents in March by follow-up offered (YES, NO, UNKNOWN), row by row. Their
    // municipality totals are the NON_FATAL cells of incidentsByOutcome, which Molde may not
    // see for Kristiansund (8 of 8 incidents) and Ålesund (10 of 11): with the incidents and
    // the unknown outcomes they would give the deaths. So those totals are hidden here too,
    // and with each the cell that would give it back (the 8 and the 10; zeros are kept).
    let follow_up = &d["followUpOffered"]["periods"][1];
    assert_eq!(
        values(&follow_up["cells"]),
        [
            Some(0),
            None,
            Some(0),
            Some(2),
            Some(1),
            Some(0),
            None,
            Some(0),
            Some(0)
        ]
    );
    assert_eq!(
        values(&follow_up["municipalityTotals"]),
        [None, Some(3), None]
    );
    // The joint YES and NO less Molde's own would give those two cells back, and the joint
    // total (the joint NON_FATAL of incidentsByOutcome) closes the cycle the two deaths
    // figures move around: each hidden figure has another value consistent with the rest.
    assert_eq!(values(&follow_up["categoryTotals"]), [None, None, Some(0)]);
    assert_eq!(
        follow_up["cells"][3]["share"],
        json!(0.6667),
        "2 of Molde's 3"
    );
    assert_eq!(follow_up["categoryTotals"][0]["share"], Value::Null);
    assert_eq!(figure(&follow_up["total"]), None);

    // Naloxone in March: Molde's 3 kits, 2 first time and 1 refill after use; 1 trained.
    let march = |name: &str| d[name]["periods"][1].clone();
    assert_eq!(
        values(&march("naloxoneKits")["cells"]),
        [Some(0), Some(3), Some(0)]
    );
    assert_eq!(
        values(&march("naloxoneKitsByFirstTime")["cells"]),
        [Some(0), Some(0), Some(2), Some(1), Some(0), Some(0)]
    );
    let refills = march("naloxoneRefillsByReason");
    let used = refills["categoryTotals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "USED_ON_OVERDOSE")
        .unwrap();
    assert_eq!(figure(used), Some(1));
    assert_eq!(figure(&refills["total"]), Some(1));
    assert_eq!(figure(&march("naloxonePeopleTrained")["total"]), Some(1));

    // A year earlier: the same months of 2023, without records.
    let earlier = &d["previousYear"];
    assert_eq!(
        (earlier["from"].as_str(), earlier["to"].as_str()),
        (Some("2023-02-01"), Some("2023-03-31"))
    );
    assert_eq!(
        figure(&earlier["incidents"]["periods"][1]["total"]),
        Some(0)
    );

    // By quarter: January to March together.
    let quarter = molde
        .query(
            &dashboard_query(
                "from: \"2024-01-01\", to: \"2024-03-31\", bucket: QUARTER",
                &panel("incidents"),
            ),
            json!({}),
        )
        .await;
    let q1 = &quarter["dashboard"]["incidents"]["periods"][0];
    assert_eq!(
        q1["period"],
        json!({ "label": "2024-Q1", "from": "2024-01-01", "to": "2024-03-31" })
    );
    assert_eq!(values(&q1["cells"]), [Some(8), Some(8), Some(11)]);
    assert_eq!(figure(&q1["total"]), Some(27));

    // Plan progress and indicators.
    let progress = molde
        .query(
            &dashboard_query(
                "from: \"2024-01-01\", to: \"2024-12-31\", bucket: YEAR",
                "planProgress { actionsByStatus { focusArea { position } kommunenummer status count }
                   measuresWithoutAction { measure { code } kommunenummer } }
                 indicators { indicator { kind target } year
                   values { kommunenummer value suppressed met } }",
            ),
            json!({}),
        )
        .await;
    let progress = &progress["dashboard"];
    assert_eq!(
        progress["planProgress"]["actionsByStatus"],
        json!([{ "focusArea": { "position": 1 }, "kommunenummer": "1506",
                 "status": "IN_PROGRESS", "count": 1 }])
    );
    let gaps = progress["planProgress"]["measuresWithoutAction"]
        .as_array()
        .unwrap();
    let gap = |code: &str, k: &str| {
        gaps.iter()
            .any(|g| g["measure"]["code"] == code && g["kommunenummer"] == k)
    };
    assert!(!gap("1.1", "1506") && gap("1.1", "1505"), "{gaps:?}");
    let indicator = |kind: &str| {
        progress["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["indicator"]["kind"] == kind && i["year"] == 2024)
            .unwrap_or_else(|| panic!("no {kind} for 2024"))
            .clone()
    };
    let molde_value = |i: &Value| i["values"][1].clone();
    // 3 kits per 32,800 inhabitants; Molde offered follow-up after 7 of its 8 non-fatal.
    let kits = indicator("NALOXONE_KITS_PER_10K");
    assert_eq!(molde_value(&kits)["value"], json!(0.91));
    assert_eq!(molde_value(&kits)["met"], json!(false));
    let follow = indicator("FOLLOW_UP_OFFERED_PERCENT");
    assert_eq!(molde_value(&follow)["value"], json!(87.5));
    assert_eq!(molde_value(&follow)["met"], json!(true));

    // Indicators are yearly: a range of March alone has 2024's whole-year figure (7 of 8), not
    // March's (2 of 3), which would be a part of the year to difference against the rest.
    let march = molde
        .query(
            &dashboard_query(
                "from: \"2024-03-01\", to: \"2024-03-31\"",
                "indicators { indicator { kind } year values { kommunenummer value } }",
            ),
            json!({}),
        )
        .await;
    let march_follow = march["dashboard"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"]["kind"] == "FOLLOW_UP_OFFERED_PERCENT")
        .cloned()
        .unwrap();
    assert_eq!(march_follow["year"], 2024);
    assert_eq!(molde_value(&march_follow)["value"], json!(87.5));
}

/// Every published equation (a row, a column, the totals) checked the way a reader would:
/// a figure with one unknown term, or with the rest of a known sum zero, is worked out. No
/// suppressed figure may be.
pub(crate) fn assert_nothing_derivable(
    period: &Value,
    columns: usize,
    own: &[&str],
    context: &str,
) {
    let rows = period["municipalityTotals"].as_array().unwrap().len();
    let cells = period["cells"].as_array().unwrap();
    let mut figures: Vec<(Option<u64>, bool)> = Vec::new();
    let mut push = |cell: &Value| {
        let owned = cell["kommunenummer"]
            .as_str()
            .is_some_and(|k| own.contains(&k));
        figures.push((figure(cell), owned));
    };
    cells.iter().for_each(&mut push);
    period["municipalityTotals"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(&mut push);
    period["categoryTotals"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(&mut push);
    push(&period["total"]);
    let cell = |r: usize, c: usize| r * columns + c;
    let row = |r: usize| rows * columns + r;
    let column = |c: usize| rows * columns + rows + c;
    let total = rows * columns + rows + columns;
    let mut equations: Vec<Vec<usize>> = Vec::new();
    for r in 0..rows {
        equations.push((0..columns).map(|c| cell(r, c)).chain([row(r)]).collect());
    }
    for c in 0..columns {
        equations.push((0..rows).map(|r| cell(r, c)).chain([column(c)]).collect());
    }
    equations.push((0..rows).map(row).chain([total]).collect());
    equations.push((0..columns).map(column).chain([total]).collect());

    // The reader knows what is published and its own figures; hidden own figures never occur.
    let hidden: Vec<bool> = figures.iter().map(|(v, _)| v.is_none()).collect();
    let mut known: Vec<bool> = figures
        .iter()
        .map(|(v, owned)| v.is_some() || *owned)
        .collect();
    assert!(
        figures.iter().all(|(v, owned)| v.is_some() || !owned),
        "{context}: own figures are never suppressed"
    );
    loop {
        let mut progressed = false;
        for terms in &equations {
            let unknown: Vec<usize> = terms.iter().copied().filter(|v| !known[*v]).collect();
            let (sum, parts) = terms.split_last().unwrap();
            let known_parts: u64 = parts
                .iter()
                .filter(|v| known[**v])
                .filter_map(|v| figures[*v].0)
                .sum();
            let zero_rest = known[*sum] && figures[*sum].0 == Some(known_parts);
            let derived = match unknown.len() {
                0 => continue,
                1 => unknown,
                _ if zero_rest => unknown,
                _ => continue,
            };
            for v in derived {
                assert!(
                    !hidden[v],
                    "{context}: suppressed figure {v} can be worked out: {period:#}"
                );
                known[v] = true;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
}

/// The panels share figures: a municipality's incidents are the total of every incident panel,
/// and its non-fatal incidents a cell of incidentsByOutcome and the total of followUpOffered.
/// They must agree on what is hidden, and the deaths withheld from incidentsByOutcome must not
/// follow from the incidents less the non-fatal and the unknown outcomes (Ålesund's March:
/// 11 − 10 − 0 gave its death before the two panels were published together).
fn assert_deaths_do_not_follow_from_other_panels(d: &Value, own: &[&str], who: &str) {
    for (p, by_outcome) in d["incidentsByOutcome"]["periods"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let incidents = &d["incidents"]["periods"][p];
        let follow_up = &d["followUpOffered"]["periods"][p];
        for (r, k) in ROWS.iter().enumerate() {
            let total = figure(&incidents["municipalityTotals"][r]);
            assert_eq!(
                figure(&by_outcome["municipalityTotals"][r]),
                total,
                "{who}: {k}'s incidents alike in both panels"
            );
            let non_fatal = figure(&by_outcome["cells"][r * 3]);
            assert_eq!(
                figure(&follow_up["municipalityTotals"][r]),
                non_fatal,
                "{who}: {k}'s non-fatal incidents alike in both panels"
            );
            let (fatal, unknown) = (
                &by_outcome["cells"][r * 3 + 1],
                figure(&by_outcome["cells"][r * 3 + 2]),
            );
            assert_eq!(fatal["category"], "FATAL");
            if !own.contains(k) && total != Some(0) {
                assert_eq!(fatal["value"], Value::Null, "{who}: {k}'s deaths");
                assert!(
                    total.is_none() || non_fatal.is_none() || unknown.is_none(),
                    "{who}: {k}'s deaths follow from {total:?} - {non_fatal:?} - {unknown:?}"
                );
            }
        }
        assert_eq!(
            figure(&follow_up["total"]),
            figure(&by_outcome["categoryTotals"][0]),
            "{who}: the joint non-fatal incidents alike in both panels"
        );
    }
}

async fn others_see_small_counts_suppressed_and_nothing_can_be_worked_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let query = dashboard_query(
        "from: \"2024-02-01\", to: \"2024-03-31\"",
        &[
            panel("incidents"),
            panel("incidentsByOutcome"),
            panel("followUpOffered"),
            panel("naloxoneKits"),
        ]
        .join(" "),
    );
    let molde_row = 1;
    for (who, own) in [
        ("1506:coordinator", &["1506"][..]),
        ("1505:coordinator", &["1505"][..]),
        ("1508:registrar", &["1508"][..]),
        (":analyst", &[][..]),
    ] {
        let data = app.clone().with_caller(who).query(&query, json!({})).await;
        let d = &data["dashboard"];
        let march = &d["incidents"]["periods"][1];
        let molde_march = &march["cells"][molde_row];
        if own.contains(&"1506") {
            assert_eq!(figure(molde_march), Some(3), "{who} sees its own 3");
        } else {
            assert_eq!(molde_march["value"], Value::Null, "{who}: {march:#}");
            assert_eq!(molde_march["suppressed"], json!(true));
            assert_eq!(
                molde_march["ratePer10k"],
                Value::Null,
                "a rate on a suppressed count"
            );
            // Molde's 3 kits too.
            assert_eq!(
                d["naloxoneKits"]["periods"][1]["cells"][molde_row]["value"],
                Value::Null
            );
        }
        // Others' deaths are never shown per municipality: Ålesund's fatal overdose.
        let by_outcome = &d["incidentsByOutcome"]["periods"][1];
        let alesund_fatal = &by_outcome["cells"][2 * 3 + 1];
        assert_eq!(alesund_fatal["category"], "FATAL");
        assert_eq!(
            alesund_fatal["suppressed"],
            json!(!own.contains(&"1508")),
            "{who}: {by_outcome:#}"
        );
        assert_deaths_do_not_follow_from_other_panels(d, own, who);
        for (name, columns) in [
            ("incidents", 1),
            ("incidentsByOutcome", 3),
            ("followUpOffered", 3),
            ("naloxoneKits", 1),
        ] {
            for period in d[name]["periods"].as_array().unwrap() {
                let context = format!("{who}, {name} {}", period["period"]["label"]);
                assert_nothing_derivable(period, columns, own, &context);
            }
        }
    }

    let anonymous = app.clone().anonymous().graphql(&query, json!({})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

/// An analyst, and Kristiansund's coordinator, ask for March by outcome over every set of the
/// three municipalities. Each municipality's figure must be shown or hidden alike in every
/// answer, and no joint figure may leave exactly one hidden term to work out from the figures
/// the other answers show (Molde and Ålesund together, less Ålesund alone, was Molde).
async fn answers_over_different_municipalities_cannot_be_differenced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    for (who, own) in [(":analyst", None), ("1505:coordinator", Some("1505"))] {
        let caller = app.clone().with_caller(who);
        let mut answers = Vec::new();
        for bits in 1..8usize {
            let rows: Vec<&str> = (0..3)
                .filter(|i| bits & 1 << i != 0)
                .map(|i| ROWS[i])
                .collect();
            let query = format!(
                "{{ dashboard(from: \"2024-03-01\", to: \"2024-03-31\", municipalities: {}) {{ {} }} }}",
                json!(rows),
                panel("incidentsByOutcome")
            );
            let data = caller.query(&query, json!({})).await;
            answers.push((
                rows,
                data["dashboard"]["incidentsByOutcome"]["periods"][0].clone(),
            ));
        }
        // What any answer shows of a municipality's figure (a category, or its total: null).
        let mut known: std::collections::HashMap<(String, Value), Option<u64>> = Default::default();
        for (rows, period) in &answers {
            let figures = period["cells"].as_array().unwrap().iter();
            for cell in figures.chain(period["municipalityTotals"].as_array().unwrap()) {
                let key = (
                    cell["kommunenummer"].as_str().unwrap().to_owned(),
                    cell["category"].clone(),
                );
                let value = figure(cell);
                let before = *known.entry(key.clone()).or_insert(value);
                assert_eq!(
                    before, value,
                    "{who}: {key:?} differs in the answer for {rows:?}"
                );
            }
        }
        for (rows, period) in &answers {
            let joints = period["categoryTotals"].as_array().unwrap().iter();
            for joint in joints.chain([&period["total"]]) {
                if figure(joint).is_none() {
                    continue;
                }
                let unknown: Vec<&&str> = rows
                    .iter()
                    .filter(|k| Some(**k) != own)
                    .filter(|k| known[&(k.to_string(), joint["category"].clone())].is_none())
                    .collect();
                assert_ne!(
                    unknown.len(),
                    1,
                    "{who}: the joint {} of {rows:?} gives {unknown:?} away",
                    joint["category"]
                );
            }
        }
    }
}

/// Indicators are yearly. Beside an answer's months they are one more equation on them: Molde's
/// 9 kits of 2024, less June's 6, would give March's hidden 3. So an answer by month shows a
/// year's figure of another municipality only as far as its months give it (and the months,
/// published with their year, hide June too).
async fn a_years_indicators_beside_its_months_give_nothing_the_months_do_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let site = app.add_site("1506", "Legevakt Molde").await;
    app.clone()
        .with_caller("1506:coordinator")
        .query(
            "mutation($i: CreateNaloxoneDistributionInput!) { createNaloxoneDistribution(input: $i) { id } }",
            json!({ "i": { "distributedOn": "2024-06-03", "siteId": site, "kits": 6,
                "firstTime": true, "recipientCategory": "NEXT_OF_KIN", "trainingGiven": false } }),
        )
        .await;
    let query = |range: &str| {
        dashboard_query(
            range,
            &format!(
                "{} indicators {{ indicator {{ kind }} year values {{ kommunenummer value suppressed }} }}",
                panel("naloxoneKits")
            ),
        )
    };
    let kits_rate = |answer: &Value, row: usize| {
        let kits = answer["dashboard"]["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["indicator"]["kind"] == "NALOXONE_KITS_PER_10K" && i["year"] == 2024)
            .expect("the kits indicator of 2024")
            .clone();
        kits["values"][row].clone()
    };
    let molde_kits_rate = |answer: &Value| kits_rate(answer, 1);
    let joint_kits_rate = |answer: &Value| kits_rate(answer, 3);
    let year = "from: \"2024-01-01\", to: \"2024-12-31\"";
    let kristiansund = app.clone().with_caller("1505:coordinator");

    // By year: 9 kits per 32,800 inhabitants.
    let by_year = kristiansund
        .query(&query(&format!("{year}, bucket: YEAR")), json!({}))
        .await;
    assert_eq!(molde_kits_rate(&by_year)["value"], json!(2.74));
    assert_eq!(joint_kits_rate(&by_year)["suppressed"], json!(false));

    // By month: March is hidden, and June with it, or the year's 9 less June would give
    // March. The year's rate is not shown beside them: they do not give it.
    let by_month = kristiansund.query(&query(year), json!({})).await;
    let months = by_month["dashboard"]["naloxoneKits"]["periods"]
        .as_array()
        .unwrap();
    let molde_in = |m: usize| figure(&months[m]["cells"][1]);
    assert_eq!((molde_in(2), molde_in(5)), (None, None));
    let year_2024 = &by_year["dashboard"]["naloxoneKits"]["periods"][0];
    assert_nothing_derivable(
        &months_beside_their_year(
            &by_month["dashboard"]["naloxoneKits"]["periods"],
            year_2024["municipalityTotals"].as_array().unwrap(),
            &year_2024["total"],
        ),
        12,
        &["1505"],
        "Kristiansund's dashboards of 2024 by month and by year",
    );
    assert_eq!(
        molde_kits_rate(&by_month),
        json!({ "kommunenummer": "1506", "value": null, "suppressed": true })
    );
    assert_eq!(
        joint_kits_rate(&by_month),
        json!({ "kommunenummer": null, "value": null, "suppressed": true })
    );
    // Every figure missing here is missing because it is suppressed (no total is zero).
    for indicator in by_month["dashboard"]["indicators"].as_array().unwrap() {
        for value in indicator["values"].as_array().unwrap() {
            assert_eq!(value["suppressed"], value["value"].is_null(), "{indicator}");
        }
    }

    // Molde's coordinator sees its own year in an answer by month too.
    let molde = app.clone().with_caller("1506:coordinator");
    let own = molde.query(&query(year), json!({})).await;
    assert_eq!(molde_kits_rate(&own)["value"], json!(2.74));

    // Molde's annual report shows the year beside its months: its chart hides June too.
    let report = kristiansund
        .query(
            "{ annualReport(year: 2024, municipality: \"1506\") {
                 naloxone { key rows { kommunenummer category value } }
                 monthlyNaloxoneKits { periods { cells { kommunenummer value }
                   categoryTotals { value } } } } }",
            json!({}),
        )
        .await;
    let report = &report["annualReport"];
    let chart = &report["monthlyNaloxoneKits"]["periods"];
    let molde_in = |m: usize| figure(&chart[m]["cells"][0]);
    assert_eq!((molde_in(2), molde_in(5)), (None, None));
    let kits = chart_with_year(report, "naloxoneKits", chart);
    assert_eq!(figure(&kits["municipalityTotals"][0]), Some(9));
    assert_nothing_derivable(&kits, 12, &["1505"], "Molde's report, by Kristiansund");
}

/// Kristiansund's coordinator and an analyst ask for the incidents of 2024 by year, by quarter
/// and by month. Molde's year of 8 is shown; were its February's 5 shown by month, the year
/// less it would give March's 3. No answer may give away what another hides, nor hide what
/// the others give.
async fn answers_by_month_quarter_and_year_cannot_be_differenced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    for (who, own) in [("1505:coordinator", &["1505"][..]), (":analyst", &[][..])] {
        let [by_year, by_quarter, by_month] =
            by_year_quarter_and_month(&app, who, "incidents", 2024).await;
        assert_eq!(
            figure(&by_year[0]["cells"][1]),
            Some(8),
            "{who}: Molde's year"
        );
        let molde_in = |m: usize| figure(&by_month[m]["cells"][1]);
        assert_eq!(
            (molde_in(1), molde_in(2)),
            (None, None),
            "{who}: {by_month:#}"
        );
        assert_protected_together(&by_year, &by_quarter, &by_month, own, who);
    }
}

/// Molde had 2 incidents in each of January, February and March 2023 and 3 in each of April and
/// May; Ålesund 6 and 7 in January and February, and again in April and May. Molde's months
/// are hidden from others, but its quarters of 6 are shown: a quarter is protected as a figure
/// of its own beside its year, not only as the sum of its months.
async fn a_quarter_can_be_shown_where_its_months_are_hidden(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (caller, on, count) in [
        ("1506:coordinator", "2023-01-10", 2),
        ("1506:coordinator", "2023-02-10", 2),
        ("1506:coordinator", "2023-03-10", 2),
        ("1506:coordinator", "2023-04-10", 3),
        ("1506:coordinator", "2023-05-10", 3),
        ("1508:coordinator", "2023-01-12", 6),
        ("1508:coordinator", "2023-02-12", 7),
        ("1508:coordinator", "2023-04-12", 6),
        ("1508:coordinator", "2023-05-12", 7),
    ] {
        create_incidents(&app, caller, count, incident(on, "NON_FATAL", "YES")).await;
    }
    for (who, own) in [("1505:coordinator", &["1505"][..]), (":analyst", &[][..])] {
        let [by_year, by_quarter, by_month] =
            by_year_quarter_and_month(&app, who, "incidents", 2023).await;
        assert_eq!(
            figure(&by_year[0]["cells"][1]),
            Some(12),
            "{who}: Molde's year"
        );
        let molde = |periods: &Value, p: usize| figure(&periods[p]["cells"][1]);
        assert_eq!(
            (molde(&by_quarter, 0), molde(&by_quarter, 1)),
            (Some(6), Some(6)),
            "{who}: {by_quarter:#}"
        );
        assert!(
            (0..5).all(|m| molde(&by_month, m).is_none()),
            "{who}: {by_month:#}"
        );
        assert_protected_together(&by_year, &by_quarter, &by_month, own, who);
    }
}

/// Molde had 5 incidents outdoors and 6 at home in February 2022, 3 outdoors and 6 at home in
/// March; Ålesund 7 and 5, then 8 and 9. By year Molde's 8 outdoors is shown; were its
/// February's 5 outdoors shown by month, the year less it would give March's 3. So for each
/// category, municipality by municipality and jointly, no year less its shown quarters or
/// months, and no quarter less its shown months, leaves one hidden figure (or hidden ones
/// that must all be zero), across answers by year, quarter and month.
async fn a_categorys_year_less_its_shown_months_gives_no_hidden_month(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (caller, on, place, count) in [
        ("1506:coordinator", "2022-02-10", "PUBLIC_OUTDOOR", 5),
        ("1506:coordinator", "2022-02-11", "PRIVATE_HOME", 6),
        ("1506:coordinator", "2022-03-10", "PUBLIC_OUTDOOR", 3),
        ("1506:coordinator", "2022-03-11", "PRIVATE_HOME", 6),
        ("1508:coordinator", "2022-02-12", "PUBLIC_OUTDOOR", 7),
        ("1508:coordinator", "2022-02-13", "PRIVATE_HOME", 5),
        ("1508:coordinator", "2022-03-12", "PUBLIC_OUTDOOR", 8),
        ("1508:coordinator", "2022-03-13", "PRIVATE_HOME", 9),
    ] {
        let mut input = incident(on, "NON_FATAL", "YES");
        input["placeType"] = json!(place);
        create_incidents(&app, caller, count, input).await;
    }
    for who in ["1505:coordinator", ":analyst"] {
        let answers = by_year_quarter_and_month(&app, who, "incidentsByPlaceType", 2022).await;
        let outdoor = answers[0][0]["cells"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c["kommunenummer"] == "1506" && c["category"] == "PUBLIC_OUTDOOR")
            .expect("Molde's outdoor incidents");
        assert_eq!(figure(&answers[0][0]["cells"][outdoor]), Some(8), "{who}");
        let molde_march = figure(&answers[2][2]["cells"][outdoor]);
        assert_eq!(molde_march, None, "{who}: Molde's March outdoors");
        for part in ["cells", "categoryTotals", "municipalityTotals"] {
            let figures = answers[0][0][part].as_array().unwrap().len();
            for i in 0..figures {
                let line = |answer: &Value| -> Vec<Option<u64>> {
                    answer
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|period| figure(&period[part][i]))
                        .collect()
                };
                let (year, quarters, months) =
                    (line(&answers[0]), line(&answers[1]), line(&answers[2]));
                let context = format!("{who}: {part} {i}: {year:?} {quarters:?} {months:?}");
                assert_sum_gives_nothing(year[0], &quarters, &context);
                assert_sum_gives_nothing(year[0], &months, &context);
                for (q, quarter) in quarters.iter().enumerate() {
                    assert_sum_gives_nothing(*quarter, &months[3 * q..3 * q + 3], &context);
                }
            }
        }
    }
}

/// Who gave naloxone splits the incidents with naloxone given (one not named counts as
/// `UNKNOWN`, one without naloxone not at all): by year, quarter and month, every caller finds
/// a municipality's givers' total equal to its cell of naloxone given, hidden where that is
/// hidden, and nothing hidden can be worked out from either table, nor from the givers' year
/// less the months or quarters of naloxone given (the leak while they were published apart).
async fn the_givers_add_up_to_the_incidents_with_naloxone_given(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let mut unnamed = incident("2024-03-20", "NON_FATAL", "NO");
    unnamed["naloxoneGivenBy"] = Value::Null;
    create_incidents(&app, "1506:coordinator", 2, unnamed).await;
    let mut without = incident("2024-03-21", "NON_FATAL", "NO");
    without["naloxoneGiven"] = json!("NO");
    without["naloxoneDoses"] = Value::Null;
    without["naloxoneGivenBy"] = Value::Null;
    create_incidents(&app, "1506:coordinator", 2, without).await;
    let givers = [
        "PEER_OR_BYSTANDER",
        "NEXT_OF_KIN",
        "MUNICIPAL_STAFF",
        "AMBULANCE",
    ];
    let columns = givers.len() + 3;
    for (who, own) in [
        ("1506:coordinator", &["1506"][..]),
        ("1505:coordinator", &["1505"][..]),
        (":analyst", &[][..]),
    ] {
        let caller = app.clone().with_caller(who);
        // By year, quarter and month: (naloxone given, givers).
        let mut answers = Vec::new();
        for bucket in ["YEAR", "QUARTER", "MONTH"] {
            let query = dashboard_query(
                &format!("from: \"2024-01-01\", to: \"2024-12-31\", bucket: {bucket}"),
                &[
                    panel("incidentsByNaloxoneGiven"),
                    panel("incidentsByNaloxoneGivenBy"),
                ]
                .join(" "),
            );
            let d = &caller.query(&query, json!({})).await["dashboard"];
            let by = &d["incidentsByNaloxoneGivenBy"];
            let codes: Vec<&str> = by["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].as_str().unwrap())
                .collect();
            assert_eq!(codes[..givers.len()], givers);
            assert_eq!(codes.len(), columns);
            let unknown = codes.iter().position(|c| *c == "UNKNOWN").unwrap();
            for (p, given) in d["incidentsByNaloxoneGiven"]["periods"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
            {
                let period = &by["periods"][p];
                let context = format!("{who}, {}", period["period"]["label"]);
                for r in 0..ROWS.len() {
                    assert_eq!(
                        figure(&period["municipalityTotals"][r]),
                        figure(&given["cells"][r * 3]),
                        "{context}: {}'s givers and incidents with naloxone given",
                        ROWS[r]
                    );
                }
                assert_eq!(
                    figure(&period["total"]),
                    figure(&given["categoryTotals"][0]),
                    "{context}: the joint figures"
                );
                assert_nothing_derivable(period, columns, own, &context);
                assert_nothing_derivable(given, 3, own, &context);
            }
            // Molde's March: three named the ambulance, two named nobody, two had none.
            if let Some(march) = match bucket {
                "MONTH" => Some(2),
                "QUARTER" => Some(0),
                _ => None,
            } {
                let molde = &by["periods"][march]["cells"];
                let (ambulance, unknown) = (&molde[columns + 3], &molde[columns + unknown]);
                if own.contains(&"1506") {
                    let (ambulance, unknown) = (figure(ambulance), figure(unknown));
                    let expected = if bucket == "MONTH" { 3 } else { 8 };
                    let total = figure(&by["periods"][march]["municipalityTotals"][1]);
                    assert_eq!(
                        (ambulance, unknown, total),
                        (Some(expected), Some(2), Some(expected + 2)),
                        "{who}, {bucket}"
                    );
                } else {
                    assert_eq!(unknown["value"], Value::Null, "{who}: Molde's 2");
                }
            }
            answers.push((
                d["incidentsByNaloxoneGiven"]["periods"].clone(),
                by["periods"].clone(),
            ));
        }
        // The givers' year (and quarters) less the months (and quarters) of naloxone given.
        let [(_, year), (given_quarters, quarters), (given_months, _)] = &answers[..] else {
            panic!("three answers");
        };
        for (r, k) in ROWS.iter().enumerate() {
            let yes = |periods: &Value| -> Vec<Option<u64>> {
                let periods = periods.as_array().unwrap();
                periods.iter().map(|p| figure(&p["cells"][r * 3])).collect()
            };
            let (by_quarter, by_month) = (yes(given_quarters), yes(given_months));
            let context = format!("{who}: {k}'s givers against naloxone given");
            let year_total = figure(&year[0]["municipalityTotals"][r]);
            assert_sum_gives_nothing(year_total, &by_quarter, &context);
            assert_sum_gives_nothing(year_total, &by_month, &context);
            for (q, quarter) in quarters.as_array().unwrap().iter().enumerate() {
                let quarter_total = figure(&quarter["municipalityTotals"][r]);
                assert_sum_gives_nothing(quarter_total, &by_month[3 * q..3 * q + 3], &context);
            }
        }
    }
}

/// An incident names one or more suspected substances, `UNKNOWN` only alone, so a
/// municipality's substances bound its incidents: `UNKNOWN` with any one substance at most
/// them, all its substances together at least them. In March 2025 Kristiansund had 7 incidents
/// of heroin alone, Molde 2 of fentanyl, benzodiazepines and cocaine, Ålesund 6 of fentanyl, 6
/// of benzodiazepines and 5 of cocaine. Molde's 2 incidents hide Kristiansund's 7 beside them,
/// but Molde's substances are hidden beside Ålesund's: published apart, Kristiansund's heroin
/// and its substances' total (7 and 7) showed its hidden incidents.
async fn no_substances_shown_pin_hidden_incidents_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut march = incident("2025-03-10", "NON_FATAL", "NO");
    create_incidents(&app, "1505:coordinator", 7, march.clone()).await;
    march["suspectedSubstances"] = json!(["FENTANYL_OR_ANALOGUE", "BENZODIAZEPINE", "COCAINE"]);
    create_incidents(&app, "1506:coordinator", 2, march.clone()).await;
    for (substance, count) in [
        ("FENTANYL_OR_ANALOGUE", 6),
        ("BENZODIAZEPINE", 6),
        ("COCAINE", 5),
    ] {
        march["suspectedSubstances"] = json!([substance]);
        create_incidents(&app, "1508:coordinator", count, march.clone()).await;
    }
    assert_substances_pin_no_incidents_down(&app, 2, [(7, 7), (2, 6)]).await;
}

/// By year, quarter and month of 2025, as an analyst and as Molde's and Kristiansund's
/// coordinators: no hidden incidents figure is met from both sides in its period, from below by
/// the substances shown (`UNKNOWN` with any one substance) or by the shown figures of a panel
/// of incidents by another field (their sum), from above by the substances' total (or the sum
/// of its substances, all shown). Kristiansund's and Molde's own figures are exact: their
/// incidents and their substances' total in `month` (0 for January), and none elsewhere.
async fn assert_substances_pin_no_incidents_down(
    app: &TestApp,
    month: usize,
    own_figures: [(u64, u64); 2],
) {
    let by_field = [
        "incidentsByOutcome",
        "incidentsByPlaceType",
        "incidentsByNaloxoneGiven",
        "incidentsByDisposition",
    ];
    let names: Vec<&str> = ["incidents", "incidentsBySubstance"]
        .into_iter()
        .chain(by_field)
        .collect();
    for (who, own, bucket, d) in bound_answers(app, &names).await {
        let codes = |name: &str| -> Vec<String> {
            d[name]["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].as_str().unwrap().to_owned())
                .collect()
        };
        let columns = codes("incidentsBySubstance").len();
        let unknown = codes("incidentsBySubstance")
            .iter()
            .position(|c| c == "UNKNOWN")
            .unwrap();
        let periods = d["incidents"]["periods"].as_array().unwrap();
        for (p, incidents) in periods.iter().enumerate() {
            let substances = &d["incidentsBySubstance"]["periods"][p];
            let context = format!("{who}, {}", incidents["period"]["label"]);
            for r in 0..ROWS.len() {
                let named = |c: usize| figure(&substances["cells"][r * columns + c]);
                let count = figure(&incidents["municipalityTotals"][r]);
                let named_total = figure(&substances["municipalityTotals"][r]);
                if own == Some(r) {
                    let in_month = match bucket {
                        "MONTH" => p == month,
                        "QUARTER" => p == month / 3,
                        _ => true,
                    };
                    let (incidents, named) = if in_month { own_figures[r] } else { (0, 0) };
                    assert_eq!(count, Some(incidents), "{context}: its own incidents");
                    assert_eq!(named_total, Some(named), "{context}: its own substances");
                    continue;
                }
                if count.is_some() {
                    continue;
                }
                let alone = named(unknown).unwrap_or(0);
                let by_substance = (0..columns)
                    .filter(|c| *c != unknown)
                    .filter_map(named)
                    .map(|n| alone + n)
                    .max()
                    .unwrap_or(alone);
                let by_fields = by_field.iter().map(|name| {
                    let width = codes(name).len();
                    let cells = &d[*name]["periods"][p]["cells"];
                    (0..width)
                        .filter_map(|c| figure(&cells[r * width + c]))
                        .sum()
                });
                let at_least = by_fields.fold(by_substance, u64::max);
                let at_most = named_total.or_else(|| (0..columns).map(named).sum());
                assert_ne!(
                    at_most,
                    Some(at_least),
                    "{context}: {}'s hidden incidents follow from its substances: {:?}",
                    ROWS[r],
                    (0..columns).map(named).collect::<Vec<_>>()
                );
            }
        }
    }
}

/// Hands naloxone out in municipality `k` as its coordinator, at a site of its own, one
/// distribution per input (given its `siteId` here).
async fn hand_out_at_a_site(app: &TestApp, k: &str, inputs: impl IntoIterator<Item = Value>) {
    let site = app.add_site(k, "Lavterskeltilbud").await;
    let coordinator = app.clone().with_caller(&format!("{k}:coordinator"));
    for mut input in inputs {
        input["siteId"] = json!(site);
        coordinator
            .query(
                "mutation($i: CreateNaloxoneDistributionInput!) { createNaloxoneDistribution(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
    }
}

/// One municipality's hand-outs of a month: the month (1 for January), the kits each gave,
/// and how many of their recipients were trained.
type HandOutsOfMonth = (u32, &'static [u64], u64);

/// A month's figure of one municipality in a panel of the hand-outs.
fn of_hand_outs(panel: &str, (_, kits, trained): &HandOutsOfMonth) -> u64 {
    match panel {
        "naloxoneKits" => kits.iter().sum(),
        "naloxoneDistributions" => kits.len() as u64,
        "naloxonePeopleTrained" => *trained,
        _ => panic!("{panel} is not a panel of the hand-outs"),
    }
}

/// Hands naloxone out in 2025, by municipality (`ROWS`) and month.
async fn hand_out_by_month(app: &TestApp, by_month: &[&[HandOutsOfMonth]; 3]) {
    for (k, months) in ROWS.iter().zip(by_month) {
        let inputs = months.iter().flat_map(|(month, kits, trained)| {
            kits.iter().enumerate().map(move |(i, kits)| {
                json!({ "distributedOn": format!("2025-{month:02}-12"), "kits": kits,
                    "recipientCategory": "PERSON_WHO_USES_DRUGS", "firstTime": true,
                    "trainingGiven": (i as u64) < *trained })
            })
        });
        hand_out_at_a_site(app, k, inputs).await;
    }
}

/// A hand-out trains its recipient or not, so a municipality's people trained are at most
/// its hand-outs. In 2025 Kristiansund handed out 7 kits in March, 3 in September and 7 in
/// November, Molde 5 in March and 2 in November, Ålesund 2 in September, one kit each, every
/// recipient trained but 3 of Kristiansund's in November. Molde's 2 hand-outs in November
/// hide its and Kristiansund's first quarter beside them, while the people trained there (7
/// and 5) are shown: published apart, they met the hidden hand-outs (12 together) from below.
async fn no_people_trained_shown_pin_hidden_hand_outs_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let by_month: [&[HandOutsOfMonth]; 3] = [
        &[(3, &[1; 7], 7), (9, &[1; 3], 3), (11, &[1; 7], 4)],
        &[(3, &[1; 5], 5), (11, &[1; 2], 2)],
        &[(9, &[1; 2], 2)],
    ];
    hand_out_by_month(&app, &by_month).await;
    let panels = ["naloxoneDistributions", "naloxonePeopleTrained"];
    assert_at_most_pins_nothing_down(&app, panels, &by_month).await;
}

/// A hand-out gives one kit or more, so a municipality's hand-outs are at most its kits. The
/// people trained's case with kits for hand-outs and hand-outs for people trained: in 2025
/// Kristiansund handed out 7 kits in March, 3 in September and 7 in November, Molde 5 in March
/// and 2 in November, Ålesund 2 in September, one kit a hand-out but Kristiansund's 7 in
/// November (4 hand-outs). Published apart, Kristiansund's and Molde's kits of the first
/// quarter were hidden (beside Molde's 2 in November) and met from below by their hand-outs
/// shown (7 and 5, 12 kits together).
async fn no_hand_outs_shown_pin_hidden_kits_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let by_month: [&[HandOutsOfMonth]; 3] = [
        &[(3, &[1; 7], 0), (9, &[1; 3], 0), (11, &[1, 2, 2, 2], 0)],
        &[(3, &[1; 5], 0), (11, &[1; 2], 0)],
        &[(9, &[1; 2], 0)],
    ];
    hand_out_by_month(&app, &by_month).await;
    let panels = ["naloxoneKits", "naloxoneDistributions"];
    assert_at_most_pins_nothing_down(&app, panels, &by_month).await;
}

/// A hand-out trains its recipient or not, and a first-time hand-out gives one first-time kit
/// or more, so a municipality's hand-outs are at least its people trained and at most its
/// refills and kits first time together. In March 2025 Kristiansund handed out 8 kits first
/// time and 6 refilled (5 refills after a loss), Molde 14 first time (13 hand-outs) and 4
/// refilled (after expiry), Ålesund 2 first time and 1 refilled (expired), one kit a hand-out
/// but where said; everyone was trained but Ålesund's recipients. Ålesund's 3 hand-outs hide
/// Kristiansund's 13 beside them. Published beside the kits and hand-outs only, the people
/// trained showed Kristiansund's 13, which the refills (5) and kits first time (8) shown met
/// from above: both hidden hand-outs followed, Ålesund's 3 too.
async fn no_people_trained_and_refills_shown_pin_hidden_hand_outs_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let march = hand_out_in_march_where_trained_and_refills_meet(&app).await;
    let (pinned, hidden) = hand_outs_pinned_from_both_sides(&app, &march).await;
    assert!(pinned.is_empty(), "{pinned:#?}");
    assert!(hidden > 0, "no hidden hand-outs were checked");
}

/// The data of `no_people_trained_and_refills_shown_pin_hidden_hand_outs_down`, on an instance
/// that audits every year municipality by municipality (an audit limit of 0), as a year of the
/// national set is audited: Kristiansund's hand-outs were pinned down by its own people trained
/// from below and its own refills and kits first time from above, which its figures alone
/// show, so its own audit finds them.
async fn audited_municipality_by_municipality_no_people_trained_pin_hand_outs_down(
    backend: Backend,
) {
    let app = TestApp::spawn(backend)
        .await
        .another_instance_with(|store| store.with_audit_limit(0))
        .await;
    let march = hand_out_in_march_where_trained_and_refills_meet(&app).await;
    let (pinned, hidden) = hand_outs_pinned_from_both_sides(&app, &march).await;
    assert!(pinned.is_empty(), "{pinned:#?}");
    assert!(hidden > 0, "no hidden hand-outs were checked");
}

/// Hands out the kits of `no_people_trained_and_refills_shown_pin_hidden_hand_outs_down` in
/// March 2025: each municipality's kits, hand-outs, refills and people trained.
async fn hand_out_in_march_where_trained_and_refills_meet(
    app: &TestApp,
) -> [(u64, u64, u64, u64); 3] {
    let hand_out = |first_time: bool, kits: u64, trained: bool, reason: &str| {
        json!({ "distributedOn": "2025-03-12", "kits": kits,
            "recipientCategory": "PERSON_WHO_USES_DRUGS", "firstTime": first_time,
            "refillReason": if first_time { Value::Null } else { json!(reason) },
            "trainingGiven": trained })
    };
    let repeat = |n, input: Value| std::iter::repeat_n(input, n);
    let first_time = |n, kits| repeat(n, hand_out(true, kits, true, ""));
    let refills = |n, kits, reason| repeat(n, hand_out(false, kits, true, reason));
    let kristiansund = first_time(8, 1)
        .chain(refills(1, 2, "LOST"))
        .chain(refills(4, 1, "LOST"));
    hand_out_at_a_site(app, "1505", kristiansund).await;
    let molde = first_time(12, 1)
        .chain(first_time(1, 2))
        .chain(refills(4, 1, "EXPIRED"));
    hand_out_at_a_site(app, "1506", molde).await;
    let alesund =
        repeat(2, hand_out(true, 1, false, "")).chain([hand_out(false, 1, false, "EXPIRED")]);
    hand_out_at_a_site(app, "1508", alesund).await;
    [(14, 13, 5, 13), (18, 17, 4, 17), (3, 3, 1, 0)]
}

/// By year, quarter and month of 2025, as an analyst and as Molde's and Kristiansund's
/// coordinators: the hidden hand-outs that have one value only (not zero) given the figures
/// shown in their period: the people trained (the hand-outs are at least them), the kits and
/// the refills with the kits first time (the hand-outs are at most them) and the hand-outs'
/// joint total. Each with what was shown, and how many hidden hand-outs figures there were.
/// The callers' own kits, hand-outs, refills and people trained are exact: `march` in March,
/// none in other months.
async fn hand_outs_pinned_from_both_sides(
    app: &TestApp,
    march: &[(u64, u64, u64, u64); 3],
) -> (Vec<String>, usize) {
    let names = [
        "naloxoneKits",
        "naloxoneKitsByFirstTime",
        "naloxoneDistributions",
        "naloxoneRefillsByReason",
        "naloxonePeopleTrained",
    ];
    let (mut found, mut hidden) = (Vec::new(), 0);
    for (who, own, bucket, d) in bound_answers(app, &names).await {
        let periods = d["naloxoneKits"]["periods"].as_array().unwrap().len();
        for p in 0..periods {
            let of = |name: &str| &d[name]["periods"][p];
            let context = format!("{who}, {}", of("naloxoneKits")["period"]["label"]);
            let totals = |name: &str| values(&of(name)["municipalityTotals"]);
            let (kits, hand_outs, refills, trained) = (
                totals("naloxoneKits"),
                totals("naloxoneDistributions"),
                totals("naloxoneRefillsByReason"),
                totals("naloxonePeopleTrained"),
            );
            let by_first_time = values(&of("naloxoneKitsByFirstTime")["cells"]);
            if let Some(r) = own {
                let in_march = matches!((bucket, p), ("YEAR", _) | ("QUARTER", 0) | ("MONTH", 2));
                let (k, h, f, t) = if in_march { march[r] } else { (0, 0, 0, 0) };
                let figures = [kits[r], hand_outs[r], refills[r], trained[r]];
                assert_eq!(
                    figures,
                    [k, h, f, t].map(Some),
                    "{context}: its own figures"
                );
            }
            let bounds: Vec<(u64, Option<u64>)> = (0..ROWS.len())
                .map(|r| {
                    let first_time = by_first_time[2 * r];
                    let above = [kits[r], refills[r].zip(first_time).map(|(r, f)| r + f)];
                    (trained[r].unwrap_or(0), above.into_iter().flatten().min())
                })
                .collect();
            let joint = figure(&of("naloxoneDistributions")["total"]);
            hidden += hand_outs.iter().filter(|h| h.is_none()).count();
            let pinned = pinned_between(&hand_outs, joint, &bounds);
            if !pinned.is_empty() {
                found.push(format!(
                    "{context}: hidden hand-outs of {pinned:?} follow from the kits \
                     {kits:?}, kits by first time {by_first_time:?}, refills {refills:?} \
                     and people trained {trained:?} shown, hand-outs {hand_outs:?}"
                ));
            }
        }
    }
    (found, hidden)
}

/// The rows whose hidden figure (of `shown`, with the joint `total` if shown) has one value
/// other than zero given that each row's figure lies within its `bounds` (at least, at most).
/// A figure bounded at zero is known to be zero anyway.
fn pinned_between(
    shown: &[Option<u64>],
    total: Option<u64>,
    bounds: &[(u64, Option<u64>)],
) -> Vec<usize> {
    let hidden: Vec<usize> = (0..shown.len()).filter(|r| shown[*r].is_none()).collect();
    let left = total.map(|t| t - shown.iter().flatten().sum::<u64>());
    hidden
        .iter()
        .copied()
        .filter(|r| {
            let (mut low, mut high) = (bounds[*r].0, bounds[*r].1.unwrap_or(u64::MAX));
            if let Some(left) = left {
                let others = hidden.iter().filter(|o| *o != r);
                let others_low: u64 = others.clone().map(|o| bounds[*o].0).sum();
                let others_high = others
                    .map(|o| bounds[*o].1)
                    .sum::<Option<u64>>()
                    .unwrap_or(u64::MAX);
                low = low.max(left.saturating_sub(others_high));
                high = high.min(left.saturating_sub(others_low));
            }
            assert!(
                low <= high,
                "no counts agree with the figures shown: {shown:?}"
            );
            low == high && high > 0
        })
        .collect()
}

/// By year, quarter and month of 2025, as an analyst and as Molde's and Kristiansund's
/// coordinators: no hidden figure of two panels of the hand-outs (`panels`, the second at most
/// the first in every municipality's month) has one value only given both panels' figures
/// shown in its period, in every period whose joint totals both show (at least one in each
/// answer). The callers' own figures are exact.
async fn assert_at_most_pins_nothing_down(
    app: &TestApp,
    panels: [&str; 2],
    by_month: &[&[HandOutsOfMonth]; 3],
) {
    for (who, own, bucket, d) in bound_answers(app, &panels).await {
        let periods = d[panels[0]]["periods"].as_array().unwrap().len();
        let mut checked = 0;
        for p in 0..periods {
            let of = |name: &str| &d[name]["periods"][p];
            let context = format!("{who}, {}", of(panels[0])["period"]["label"]);
            let shown = panels.map(|name| values(&of(name)["municipalityTotals"]));
            if let Some(r) = own {
                let months = match bucket {
                    "MONTH" => p + 1..p + 2,
                    "QUARTER" => 3 * p + 1..3 * p + 4,
                    _ => 1..13,
                };
                let in_period = || {
                    by_month[r]
                        .iter()
                        .filter(|m| months.contains(&(m.0 as usize)))
                };
                let expected =
                    panels.map(|name| Some(in_period().map(|m| of_hand_outs(name, m)).sum()));
                let own_figures = [shown[0][r], shown[1][r]];
                assert_eq!(own_figures, expected, "{context}: its own figures");
            }
            let joint = panels.map(|name| figure(&of(name)["total"]));
            let [Some(larger), Some(smaller)] = joint else {
                continue;
            };
            checked += 1;
            let determined = determined_given_at_most(&shown, [larger, smaller]);
            assert!(
                determined.is_empty(),
                "{context}: hidden figures (municipality, panel) {determined:?} follow from \
                 the {} {:?} and {} {:?} shown",
                panels[0],
                shown[0],
                panels[1],
                shown[1]
            );
        }
        assert!(
            checked > 0,
            "{who} by {bucket}: no period with both joint totals"
        );
    }
}

/// The hidden figures of one period's two panels, each as (row, panel), that have one value
/// only given the figures `shown` of both, their joint totals and that no municipality's
/// figure in the second is more than its figure in the first. The counts behind them are one
/// such way, so there is one at least.
fn determined_given_at_most(shown: &[Vec<Option<u64>>; 2], joint: [u64; 2]) -> Vec<(usize, usize)> {
    // Every way the figures could be: what the joint total leaves shared among the hidden.
    let ways = |panel: usize| -> Vec<Vec<u64>> {
        let figures = &shown[panel];
        let left = joint[panel].checked_sub(figures.iter().flatten().sum());
        let hidden = figures.iter().filter(|f| f.is_none()).count();
        let shares = left.map_or_else(Vec::new, |left| shares_of(left, hidden));
        shares
            .into_iter()
            .map(|share| {
                let mut share = share.into_iter();
                figures
                    .iter()
                    .map(|f| f.or_else(|| share.next()).unwrap_or(0))
                    .collect()
            })
            .collect()
    };
    let rows = shown[0].len();
    let mut values = vec![[std::collections::BTreeSet::new(), Default::default()]; rows];
    let (larger, smaller) = (ways(0), ways(1));
    for l in &larger {
        for s in smaller
            .iter()
            .filter(|s| s.iter().zip(l).all(|(s, l)| s <= l))
        {
            for r in 0..rows {
                values[r][0].insert(l[r]);
                values[r][1].insert(s[r]);
            }
        }
    }
    assert!(
        values.iter().all(|v| !v[0].is_empty()),
        "no counts agree with the figures shown: {shown:?}, joint {joint:?}"
    );
    (0..rows)
        .flat_map(|r| [(r, 0), (r, 1)])
        .filter(|(r, panel)| shown[*panel][*r].is_none() && values[*r][*panel].len() == 1)
        .collect()
}

/// Every way to share `total` among `parts` figures, in order.
fn shares_of(total: u64, parts: usize) -> Vec<Vec<u64>> {
    match parts {
        0 if total == 0 => vec![Vec::new()],
        0 => Vec::new(),
        1 => vec![vec![total]],
        _ => (0..=total)
            .flat_map(|first| {
                shares_of(total - first, parts - 1)
                    .into_iter()
                    .map(move |mut rest| {
                        rest.insert(0, first);
                        rest
                    })
            })
            .collect(),
    }
}

/// A refill names its reason and a hand-out gives one kit or more, so a municipality's refill
/// reasons (refill hand-outs) are at most its refilled kits, and its hand-outs less its
/// refills (first-time hand-outs) at most its first-time kits. In March 2025 Kristiansund
/// handed out 3 kits first time and 7 refilled after being lost, Molde 2 and 8 (expired),
/// Ålesund 10 and 6 (used on an overdose), each hand-out one kit. Kristiansund's and
/// Molde's small first-time kits hide their refilled kits beside them; published apart, the
/// refill reasons (7) and the hand-outs (10) beside the kits (10) showed both.
async fn no_refill_reasons_shown_pin_hidden_kits_down(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (k, first_time, refills) in [
        ("1505", 3, vec![("LOST", 7)]),
        ("1506", 2, vec![("EXPIRED", 8)]),
        ("1508", 10, vec![("USED_ON_OVERDOSE", 6)]),
    ] {
        let hand_out = |reason: Option<&str>| {
            json!({ "distributedOn": "2025-03-12", "kits": 1,
                "recipientCategory": "PERSON_WHO_USES_DRUGS", "trainingGiven": false,
                "firstTime": reason.is_none(), "refillReason": reason })
        };
        let reasons = refills
            .iter()
            .flat_map(|(r, n)| std::iter::repeat_n(Some(*r), *n));
        let inputs = std::iter::repeat_n(None, first_time).chain(reasons);
        hand_out_at_a_site(&app, k, inputs.map(hand_out)).await;
    }
    let names = [
        "naloxoneKits",
        "naloxoneDistributions",
        "naloxoneKitsByFirstTime",
        "naloxoneRefillsByReason",
    ];
    for (who, own, bucket, d) in bound_answers(&app, &names).await {
        let reasons = d["naloxoneRefillsByReason"]["categories"]
            .as_array()
            .unwrap()
            .len();
        let periods = d["naloxoneKits"]["periods"].as_array().unwrap();
        for (p, kits) in periods.iter().enumerate() {
            let context = format!("{who}, {}", kits["period"]["label"]);
            let of = |name: &str| &d[name]["periods"][p];
            for r in 0..ROWS.len() {
                let kits = figure(&kits["municipalityTotals"][r]);
                let hand_outs = figure(&of("naloxoneDistributions")["municipalityTotals"][r]);
                let by_first_time = &of("naloxoneKitsByFirstTime")["cells"];
                let (first, refilled) = (
                    figure(&by_first_time[r * 2]),
                    figure(&by_first_time[r * 2 + 1]),
                );
                let refills = of("naloxoneRefillsByReason");
                let refills_total = figure(&refills["municipalityTotals"][r]);
                let refills_shown: u64 = (0..reasons)
                    .filter_map(|c| figure(&refills["cells"][r * reasons + c]))
                    .sum();
                if own == Some(r) {
                    let in_march = match bucket {
                        "MONTH" => p == 2,
                        "QUARTER" => p == 0,
                        _ => true,
                    };
                    let expected = [(3, 7, 10), (2, 8, 10)][r];
                    let expected = if in_march { expected } else { (0, 0, 0) };
                    assert_eq!(
                        (first, refilled, refills_total, hand_outs),
                        (
                            Some(expected.0),
                            Some(expected.1),
                            Some(expected.1),
                            Some(expected.2)
                        ),
                        "{context}: its own figures"
                    );
                    continue;
                }
                // From below: the refills shown, and the hand-outs less the refills.
                // From above: the kits less the other column's lower bound.
                let (Some(kits), None, None) = (kits, first, refilled) else {
                    continue;
                };
                let refilled_at_least = refills_total.unwrap_or(refills_shown);
                let first_at_least = match (hand_outs, refills_total) {
                    (Some(hand_outs), Some(refills)) => hand_outs.saturating_sub(refills),
                    _ => 0,
                };
                assert_ne!(
                    kits.saturating_sub(first_at_least),
                    refilled_at_least,
                    "{context}: {}'s hidden refilled kits follow from its refill reasons \
                     and hand-outs: refills {refills_total:?}, hand-outs {hand_outs:?}, \
                     kits {kits}",
                    ROWS[r]
                );
            }
        }
    }
}

/// A sum and its terms as published: with the sum shown, no lone term is hidden and hidden
/// terms are not all that is left of zero; with the sum hidden, some term is.
fn assert_sum_gives_nothing(sum: Option<u64>, terms: &[Option<u64>], context: &str) {
    let hidden = terms.iter().filter(|t| t.is_none()).count();
    let shown: u64 = terms.iter().flatten().sum();
    match sum {
        Some(sum) => assert!(
            hidden == 0 || (hidden > 1 && sum > shown),
            "{context}: a hidden term follows from the sum"
        ),
        None => assert!(
            hidden > 0,
            "{context}: the hidden sum follows from its terms"
        ),
    }
}

/// A panel's periods in one calendar year as `who` sees them by year, by quarter and by month.
async fn by_year_quarter_and_month(app: &TestApp, who: &str, name: &str, year: i32) -> [Value; 3] {
    let caller = app.clone().with_caller(who);
    let range = format!("from: \"{year}-01-01\", to: \"{year}-12-31\"");
    let mut answers = Vec::new();
    for bucket in ["YEAR", "QUARTER", "MONTH"] {
        let query = dashboard_query(&format!("{range}, bucket: {bucket}"), &panel(name));
        let data = caller.query(&query, json!({})).await;
        answers.push(data["dashboard"][name]["periods"].clone());
    }
    <[Value; 3]>::try_from(answers).expect("three answers")
}

/// A year's incidents by year, quarter and month, from three answers, checked equation by
/// equation: the quarters beside the year, each quarter's months beside the quarter, the
/// months beside the year. Nothing hidden can be worked out, and a quarter whose months are
/// shown is their sum.
fn assert_protected_together(
    by_year: &Value,
    by_quarter: &Value,
    by_month: &Value,
    own: &[&str],
    who: &str,
) {
    let year = &by_year[0];
    let year_totals = year["municipalityTotals"].as_array().unwrap();
    let context = format!("{who}: months beside the year");
    let months = months_beside_their_year(by_month, year_totals, &year["total"]);
    assert_nothing_derivable(&months, 12, own, &context);
    let context = format!("{who}: quarters beside the year");
    let quarters = months_beside_their_year(by_quarter, year_totals, &year["total"]);
    assert_nothing_derivable(&quarters, 4, own, &context);
    let by_month = by_month.as_array().unwrap();
    for (q, quarter) in by_quarter.as_array().unwrap().iter().enumerate() {
        let context = format!("{who}: the months of quarter {q} beside it");
        let its_months = Value::from(by_month[3 * q..3 * q + 3].to_vec());
        let quarter_totals = quarter["municipalityTotals"].as_array().unwrap();
        let months = months_beside_their_year(&its_months, quarter_totals, &quarter["total"]);
        assert_nothing_derivable(&months, 3, own, &context);
        for part in ["cells", "categoryTotals"] {
            for (i, shown) in quarter[part].as_array().unwrap().iter().enumerate() {
                let months: Option<u64> = by_month[3 * q..3 * q + 3]
                    .iter()
                    .map(|m| figure(&m[part][i]))
                    .sum();
                if months.is_some() {
                    assert_eq!(figure(shown), months, "{who}: quarter {q} {part} {i}");
                }
            }
        }
    }
}

/// A report's monthly chart of a panel of one category with the year's figures from its table
/// `key`, as one table to check ([`months_beside_their_year`]).
pub(crate) fn chart_with_year(report: &Value, key: &str, chart: &Value) -> Value {
    let table = ["incidents", "naloxone"]
        .iter()
        .filter_map(|section| report[section].as_array())
        .flatten()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("the report's table {key}"));
    let rows = table["rows"].as_array().unwrap();
    let municipality_totals: Vec<Value> = rows
        .iter()
        .filter(|r| r["kommunenummer"].is_string() && r["category"].is_null())
        .cloned()
        .collect();
    let joint = |row: &&Value| row["kommunenummer"].is_null() && row["category"].is_null();
    let total = rows.iter().find(joint).expect("the joint total");
    months_beside_their_year(chart, &municipality_totals, total)
}

/// The months of a panel of one category (its periods) with its year's figures, as one table
/// to check: a row per municipality, a column per month, the year as the municipality totals
/// and the joint total.
pub(crate) fn months_beside_their_year(
    months: &Value,
    municipality_totals: &[Value],
    total: &Value,
) -> Value {
    let months = months.as_array().unwrap();
    let municipalities = months[0]["cells"].as_array().unwrap().len();
    let cells: Vec<Value> = (0..municipalities)
        .flat_map(|r| months.iter().map(move |m| m["cells"][r].clone()))
        .collect();
    json!({
        "cells": cells,
        "municipalityTotals": municipality_totals,
        "categoryTotals": months.iter().map(|m| m["categoryTotals"][0].clone()).collect::<Vec<_>>(),
        "total": total,
    })
}

async fn bad_ranges_and_unknown_municipalities_are_refused_with_their_field(backend: Backend) {
    let app = TestApp::spawn(backend).await.with_caller(":analyst");
    for (arguments, field) in [
        ("from: \"2024-01-02\", to: \"2024-01-31\"", "from"),
        ("from: \"2024-01-01\", to: \"2024-01-30\"", "to"),
        ("from: \"2024-03-01\", to: \"2024-01-31\"", "to"),
        ("from: \"1990-01-01\", to: \"2024-12-31\"", "to"),
        // Periods are whole calendar periods, so no answer publishes a part of one.
        (
            "from: \"2024-02-01\", to: \"2024-06-30\", bucket: QUARTER",
            "from",
        ),
        (
            "from: \"2024-01-01\", to: \"2024-02-29\", bucket: YEAR",
            "to",
        ),
        // Signed years parse; a range at the calendar's end once looped until memory ran out.
        ("from: \"+262142-12-01\", to: \"+262142-12-31\"", "from"),
        (
            "from: \"2024-01-01\", to: \"2024-01-31\", municipalities: [\"1506\", \"9999\"]",
            "municipalities[1]",
        ),
        (
            "from: \"2024-01-01\", to: \"2024-01-31\", municipalities: []",
            "municipalities",
        ),
    ] {
        let body = app
            .graphql(
                &format!("{{ dashboard({arguments}) {{ from }} }}"),
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{arguments}: {body:#}");
        assert_eq!(first_error(&body)["extensions"]["field"], field, "{body:#}");
        assert_eq!(body["data"], Value::Null);
    }
}

/// Published panels are kept between requests; every write, correction and retraction in any
/// municipality shows in the next answer.
async fn kept_panels_follow_every_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let query = dashboard_query(
        "from: \"2024-03-01\", to: \"2024-03-31\"",
        &panel("incidents"),
    );
    let march = async || {
        let data = molde.query(&query, json!({})).await;
        let period = &data["dashboard"]["incidents"]["periods"][0];
        (values(&period["cells"]), figure(&period["total"]))
    };
    assert_eq!(march().await, (vec![Some(8), Some(3), Some(11)], Some(22)));
    assert_eq!(
        march().await,
        (vec![Some(8), Some(3), Some(11)], Some(22)),
        "kept"
    );

    // Kristiansund records one more: Molde's kept panel must not hide it.
    let kristiansund = app.clone().with_caller("1505:coordinator");
    let created = kristiansund
        .query(
            "mutation($i: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $i) { id } }",
            json!({ "i": incident("2024-03-20", "NON_FATAL", "NO") }),
        )
        .await["createOverdoseIncident"]["id"]
        .clone();
    assert_eq!(march().await, (vec![Some(9), Some(3), Some(11)], Some(23)));

    // A correction that moves it to April, then back, then a retraction.
    let correct = |version: i64, on: &str| json!({ "i": { "id": created, "version": version, "occurredOn": on } });
    let correction =
        "mutation($i: CorrectOverdoseIncidentInput!) { correctOverdoseIncident(input: $i) { id } }";
    kristiansund
        .query(correction, correct(1, "2024-04-02"))
        .await;
    // Its April's 1 is hidden, and its March's 8 with it (its year's 9 less 8 would give
    // April away), and Ålesund's 11 with that (March's 22 less 3 and 11 would give the 8).
    // The joint March goes too: Kristiansund's first quarter can only move against the
    // joint quarters, as Ålesund has no April to move the other way.
    assert_eq!(march().await, (vec![None, Some(3), None], None));
    kristiansund
        .query(correction, correct(2, "2024-03-21"))
        .await;
    assert_eq!(march().await, (vec![Some(9), Some(3), Some(11)], Some(23)));
    kristiansund
        .query(
            "mutation($i: RetractInput!) { retractOverdoseIncident(input: $i) { id } }",
            json!({ "i": { "id": created, "version": 3, "reason": "feilregistrert" } }),
        )
        .await;
    assert_eq!(march().await, (vec![Some(8), Some(3), Some(11)], Some(22)));
}

/// Every count panel of the dashboard.
const COUNT_PANELS: [&str; 14] = [
    "incidents",
    "incidentsByOutcome",
    "incidentsBySubstance",
    "incidentsByPlaceType",
    "incidentsByNaloxoneGiven",
    "incidentsByNaloxoneGivenBy",
    "incidentsByDisposition",
    "followUpOffered",
    "naloxoneDistributions",
    "naloxoneKits",
    "naloxoneKitsByRecipient",
    "naloxoneKitsByFirstTime",
    "naloxoneRefillsByReason",
    "naloxonePeopleTrained",
];

/// Requests that ask at once for panels nobody has published yet publish each of them once:
/// the others wait for it and take it as published. Each answer equals a lone request's, and
/// together they publish about as many panels as it did (a panel published beside another is
/// looked up or not depending on which of the request's panels comes first; publishing each
/// of them for each request, they published two to three and a half times as many).
async fn requests_asking_at_once_publish_each_panel_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let panels = COUNT_PANELS.map(panel).join(" ");
    let query = dashboard_query("from: \"2024-01-01\", to: \"2025-12-31\"", &panels);
    let alone = app.another_instance().await.with_caller(":analyst");
    let answer = alone.query(&query, json!({})).await;
    let published_alone = alone.panel_misses().await;
    assert!(published_alone > 0);

    let together = app.another_instance().await.with_caller(":analyst");
    let asked = (0..6).map(|_| together.query(&query, json!({})));
    for answered in futures::future::join_all(asked).await {
        assert_eq!(answered, answer);
    }
    let published_together = together.panel_misses().await;
    assert!(
        published_together * 4 <= published_alone * 5,
        "{published_together} panels published together, {published_alone} alone"
    );
    let shared = "motgift_cache_lookups_total{cache=\"panels\",result=\"shared\"}";
    assert!(
        together.metric(shared).await > 0,
        "the requests met: some waited for a panel another published"
    );
}

/// Panels published ahead for analysts, as a start does, serve an analyst's first dashboards
/// of those years by month, quarter and year without publishing anything, and the answers are
/// those of an instance that publishes at the request.
async fn panels_published_ahead_serve_an_analysts_first_dashboards(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let ahead = app.another_instance().await;
    let published = publish_ahead(ahead.store(), [2025, 2024]).await;
    assert_eq!(published.expect("published"), 2 * COUNT_PANELS.len());
    let analyst = ahead.with_caller(":analyst");
    let published_ahead = analyst.panel_misses().await;
    assert!(published_ahead > 0);

    let at_request = app.another_instance().await.with_caller(":analyst");
    let panels = COUNT_PANELS.map(panel).join(" ");
    for bucket in ["MONTH", "QUARTER", "YEAR"] {
        let range = format!("from: \"2024-01-01\", to: \"2025-12-31\", bucket: {bucket}");
        let query = dashboard_query(&range, &panels);
        let published_at_request = at_request.query(&query, json!({})).await;
        let answer = analyst.query(&query, json!({})).await;
        assert_eq!(answer, published_at_request, "{bucket}");
    }
    assert_eq!(analyst.panel_misses().await, published_ahead);
}

/// A calendar year's panels are kept while the year's versions are unchanged (a write of
/// another year leaves them kept), and kept on when the year's counts behind them are (a write
/// of another metric); after every kind of write, and after a write of a service that raises
/// no year's versions (an older one, during a rolling upgrade), every answer of the instance
/// that kept them equals the answer of an instance that publishes everything afresh.
async fn panels_kept_on_after_writes_elsewhere_equal_panels_published_afresh(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    create_incidents(
        &app,
        "1505:coordinator",
        6,
        incident("2025-05-02", "NON_FATAL", "YES"),
    )
    .await;
    create_incidents(
        &app,
        "1508:coordinator",
        2,
        incident("2025-11-20", "FATAL", "NO"),
    )
    .await;
    let site = app.add_site("1506", "Apotek").await;
    let panels = [
        "incidents",
        "incidentsByOutcome",
        "followUpOffered",
        "incidentsBySubstance",
        "naloxoneKits",
        "naloxoneKitsByRecipient",
    ]
    .map(panel)
    .join(" ");
    let queries = ["MONTH", "QUARTER", "YEAR"].map(|bucket| {
        dashboard_query(
            &format!("from: \"2024-01-01\", to: \"2025-12-31\", bucket: {bucket}"),
            &panels,
        )
    });
    let callers = [":analyst", "1506:coordinator"];
    let answers = async |app: &TestApp| {
        let mut answers = Vec::new();
        for caller in callers {
            let app = app.clone().with_caller(caller);
            for query in &queries {
                answers.push(app.query(query, json!({})).await);
            }
        }
        answers
    };
    let kept = answers(&app).await;
    assert_eq!(kept, answers(&app.another_instance().await).await);

    let kristiansund = app.clone().with_caller("1505:coordinator");
    let created = kristiansund
        .query(
            "mutation($i: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $i) { id } }",
            json!({ "i": incident("2025-05-03", "NON_FATAL", "NO") }),
        )
        .await["createOverdoseIncident"]["id"]
        .clone();
    let correction =
        "mutation($i: CorrectOverdoseIncidentInput!) { correctOverdoseIncident(input: $i) { id } }";
    let molde = app.clone().with_caller("1506:coordinator");
    let writes = [
        (
            "a correction into the other year",
            (
                &kristiansund,
                correction,
                json!({ "i": {
                "id": created, "version": 1, "occurredOn": "2024-06-03" } }),
            ),
        ),
        (
            "kits, another metric",
            (
                &molde,
                "mutation($i: CreateNaloxoneDistributionInput!) { createNaloxoneDistribution(input: $i) { id } }",
                json!({ "i": { "distributedOn": "2025-02-01", "siteId": site,
                    "recipientCategory": "NEXT_OF_KIN", "kits": 3, "firstTime": true,
                    "trainingGiven": false } }),
            ),
        ),
        (
            "a retraction",
            (
                &kristiansund,
                "mutation($i: RetractInput!) { retractOverdoseIncident(input: $i) { id } }",
                json!({ "i": { "id": created, "version": 2, "reason": "feilregistrert" } }),
            ),
        ),
    ];
    // The write of 2025 above left 2024's versions, and so its kept panels, as they were: a
    // dashboard of 2024 is answered from them, not one published again.
    let misses = app.panel_misses().await;
    let of_2024 = dashboard_query(
        "from: \"2024-01-01\", to: \"2024-12-31\", bucket: MONTH",
        &panels,
    );
    app.clone()
        .with_caller(":analyst")
        .query(&of_2024, json!({}))
        .await;
    assert_eq!(app.panel_misses().await, misses, "2024's panels are kept");
    let mut before = app.panels_kept_on().await;
    assert_eq!(before, 0, "nothing was kept on before a write");
    let after_create = answers(&app).await;
    assert_eq!(after_create, answers(&app.another_instance().await).await);
    assert_ne!(after_create, kept, "the write shows");
    for (write, (caller, mutation, input)) in writes {
        caller.query(mutation, input).await;
        if write == "a retraction" {
            // As a service from before the years' versions writes during a rolling upgrade:
            // its count version raised, no year's.
            app.db
                .db
                .execute_unprepared(
                    "UPDATE count_year_versions SET version = version - 1 \
                     WHERE kommunenummer = '1505' AND year = 2024;
                     UPDATE count_versions SET attributed = attributed - 1 \
                     WHERE kommunenummer = '1505'",
                )
                .await
                .unwrap();
        }
        before = app.panels_kept_on().await;
        assert_eq!(
            answers(&app).await,
            answers(&app.another_instance().await).await,
            "after {write}"
        );
        if write == "kits, another metric" {
            assert!(
                app.panels_kept_on().await > before,
                "the incidents' panels are kept on after a write of kits"
            );
        }
    }
}

/// Reference data and the rates built on it are kept in memory: a change to a population, a
/// municipality's name or the plan, however it is made, shows once the service has read the
/// versions again.
async fn kept_reference_data_follows_every_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let query = format!(
        "{{ municipality(kommunenummer: \"1506\") {{ name population(year: 2024) }}
            plan {{ focusAreas {{ name }} }}
            {} }}",
        dashboard_query(
            "from: \"2024-03-01\", to: \"2024-03-31\"",
            "incidents { periods { municipalityTotals { ratePer10k } } }"
        )
        .trim_start_matches('{')
        .trim_end_matches('}')
    );
    let read = async || {
        let data = molde.query(&query, json!({})).await;
        (
            data["municipality"]["name"].as_str().unwrap().to_owned(),
            data["municipality"]["population"].as_i64(),
            data["plan"]["focusAreas"][0]["name"]
                .as_str()
                .unwrap()
                .to_owned(),
            data["dashboard"]["incidents"]["periods"][0]["municipalityTotals"][1]["ratePer10k"]
                .as_f64(),
        )
    };
    let before = read().await;
    assert_eq!(before.1, Some(32_800));
    assert_eq!(read().await, before, "kept");

    // Changed behind the service's back, as a seed, an import or an operator would.
    for sql in [
        "UPDATE municipality_populations SET population = 16400 \
         WHERE kommunenummer = '1506' AND year = 2024",
        "UPDATE municipalities SET name = 'Molde kommune' WHERE kommunenummer = '1506'",
        "UPDATE focus_areas SET name = 'Endret' WHERE position = 1",
    ] {
        app.db.db.execute_unprepared(sql).await.expect(sql);
    }
    // Nobody notifies a change by hand: the service sees it at its next read of the versions
    // (within a second on PostgreSQL), which this asks for at once.
    app.forget_known_versions();
    let after = read().await;
    assert_eq!(after.0, "Molde kommune");
    assert_eq!(after.1, Some(16_400));
    assert_eq!(after.2, "Endret");
    let (rate_before, rate_after) = (before.3.unwrap(), after.3.unwrap());
    assert!(
        (rate_after - 2.0 * rate_before).abs() < 0.02,
        "the rate follows the population: {rate_before} -> {rate_after}"
    );
}

/// Whole answers are kept too: the same request again is served from memory until an action,
/// a count or reference data changes; another caller never gets an answer kept for someone
/// who sees more; and a request that reaches records is answered afresh, and logged, each time.
async fn kept_answers_follow_actions_and_callers_and_never_skip_the_access_log(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    fixed_dataset(&app).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let kristiansund = app.clone().with_caller("1505:coordinator");
    let query = dashboard_query(
        "from: \"2024-03-01\", to: \"2024-03-31\"",
        &format!(
            "{} planProgress {{ actionsByStatus {{ kommunenummer status count }} }}",
            panel("incidents")
        ),
    );
    let read = async |caller: &TestApp| {
        let data = caller.query(&query, json!({})).await;
        let d = &data["dashboard"];
        (
            values(&d["incidents"]["periods"][0]["cells"]),
            d["planProgress"]["actionsByStatus"].clone(),
        )
    };
    let in_progress = json!([{ "kommunenummer": "1506", "status": "IN_PROGRESS", "count": 1 }]);
    let first = read(&molde).await;
    assert_eq!(
        first,
        (vec![Some(8), Some(3), Some(11)], in_progress.clone())
    );
    assert_eq!(read(&molde).await, first, "kept");
    // The same request from Kristiansund: Molde's 3 stays suppressed (and Ålesund's 11 with
    // it, or the total would give it away).
    assert_eq!(
        read(&kristiansund).await,
        (vec![Some(8), None, None], in_progress)
    );

    // Molde's action is delayed: plan progress follows at once.
    let actions = molde
        .query("{ actions(first: 1) { nodes { id version } } }", json!({}))
        .await;
    let action = &actions["actions"]["nodes"][0];
    molde
        .query(
            "mutation($i: UpdateActionInput!) { updateAction(input: $i) { id } }",
            json!({ "i": { "id": action["id"], "version": action["version"],
                "status": "DELAYED" } }),
        )
        .await;
    let delayed = json!([{ "kommunenummer": "1506", "status": "DELAYED", "count": 1 }]);
    assert_eq!(read(&molde).await.1, delayed);
    assert_eq!(read(&kristiansund).await.1, delayed);

    // Actions reached through the dashboard are records: every such read is logged.
    let through_plan = dashboard_query(
        "from: \"2024-03-01\", to: \"2024-03-31\"",
        "planProgress { actionsByStatus { focusArea { measures { actions { title } } } } }",
    );
    let logged = async || {
        molde.query("{ accessLog { totalCount } }", json!({})).await["accessLog"]["totalCount"]
            .as_i64()
            .unwrap()
    };
    // Whether reading the log is itself logged is the log's business: measured, not assumed.
    let before = logged().await;
    let reading_the_log = logged().await - before;
    let before = logged().await;
    for _ in 0..2 {
        let data = molde.query(&through_plan, json!({})).await;
        let areas = &data["dashboard"]["planProgress"]["actionsByStatus"];
        assert_eq!(
            areas[0]["focusArea"]["measures"][0]["actions"][0]["title"],
            "Kartlegging av overdoser"
        );
    }
    assert_eq!(logged().await - before, 2 + reading_the_log);
}
