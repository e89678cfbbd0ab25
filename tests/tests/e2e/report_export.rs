//! The annual report as files: JSON parses, CSV opens as columns, the HTML page renders in
//! headless Chromium with its headings, tables and charts; over HTTP and from the command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use motgift_api::cli::Cli;
use motgift_tests::{Backend, on_both_databases};
use serde_json::{Value, json};

use crate::report::with_demo_data;

on_both_databases!(exports_show_the_reports_figures_in_each_format);

const TABLE: &str = "query($m: String) { annualReport(year: 2025, municipality: $m) {
    incidents { key title rows { kommunenummer category value suppressed } } } }";

/// The tables as `TABLE` selects them, from a fuller answer.
fn tables(incidents: &Value) -> Value {
    let keep = |row: &Value| {
        json!({ "kommunenummer": row["kommunenummer"], "category": row["category"],
                "value": row["value"], "suppressed": row["suppressed"] })
    };
    incidents
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            json!({ "key": t["key"], "title": t["title"],
            "rows": t["rows"].as_array().unwrap().iter().map(keep).collect::<Vec<_>>() })
        })
        .collect()
}

fn target_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/report-export");
    std::fs::create_dir_all(&dir).expect("target/report-export");
    dir
}

/// The sections of the CSV file: each `#` heading with the records under it.
fn sections(csv: &str) -> Vec<(String, Vec<Vec<String>>)> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let mut sections: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for record in reader.records() {
        let record: Vec<String> = record
            .expect("a CSV record")
            .iter()
            .map(str::to_owned)
            .collect();
        match record.first().map(String::as_str) {
            Some(first) if first.starts_with("# ") => {
                sections.push((first[2..].to_owned(), Vec::new()))
            }
            Some("") | None => {}
            Some(_) => sections.last_mut().expect("a section").1.push(record),
        }
    }
    sections
}

/// Loads a page in headless Chromium: its DOM after rendering, and a screenshot.
fn render_in_chromium(page: &Path, screenshot: &Path) -> String {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("headless Chromium is needed: apt-get install chromium (scripts/test does)");
    let url = format!("file://{}", page.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
    ];
    let dom = Command::new(chromium)
        .args(common)
        .args(["--virtual-time-budget=2000", "--dump-dom", &url])
        .output()
        .expect("chromium --dump-dom");
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let shot = Command::new(chromium)
        .args(common)
        .arg(format!("--screenshot={}", screenshot.display()))
        .args(["--window-size=1240,1754", &url])
        .output()
        .expect("chromium --screenshot");
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    String::from_utf8(dom.stdout).expect("the DOM is UTF-8")
}

async fn exports_show_the_reports_figures_in_each_format(backend: Backend) {
    let app = with_demo_data(backend).await;
    let molde = app.clone().with_caller("1506:coordinator");
    let expected = molde.query(TABLE, json!({ "m": "1506" })).await;
    let outcome = expected["annualReport"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "incidentsByOutcome")
        .unwrap()
        .clone();

    // JSON: the report query's answer.
    let response = molde.get("/reports/2025/1506.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let report: Value = response.json().await.expect("JSON parses");
    assert_eq!(
        tables(&report["incidents"]),
        expected["annualReport"]["incidents"]
    );

    // CSV: a byte-order mark, `;` between fields, each table a section of whole columns.
    let response = molde.get("/reports/2025/1506.csv").await;
    assert_eq!(response.status(), 200);
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "UTF-8 with a byte-order mark");
    let sections = sections(csv.trim_start_matches('\u{feff}'));
    let (_, rows) = sections
        .iter()
        .find(|(title, _)| *title == outcome["title"])
        .expect("the outcome table is a section");
    assert_eq!(rows[0][..4], ["Kommune", "Kategori", "Etikett", "I år"]);
    assert!(
        rows.iter().all(|r| r.len() == rows[0].len()),
        "every row has every column"
    );
    let total = rows
        .iter()
        .find(|r| r[0] == "Felles" && r[1].is_empty())
        .expect("joint total");
    let expected_total = outcome["rows"].as_array().unwrap().last().unwrap()["value"].to_string();
    assert_eq!(total[3], expected_total);
    assert!(
        sections.iter().any(|(t, _)| t == "Tiltak")
            && sections.iter().any(|(t, _)| t == "Indikatorer")
    );

    // HTML, the joint report as an analyst reads it, rendered in Chromium.
    let analyst = app.clone().with_caller(":analyst");
    let response = analyst.get("/reports/2025/felles.html").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let dir = target_dir();
    let page = dir.join(format!("arsrapport-2025-felles-{backend:?}.html"));
    std::fs::write(&page, &html).unwrap();
    let screenshot = dir.join(format!("arsrapport-2025-felles-{backend:?}.png"));
    let dom = render_in_chromium(&page, &screenshot);
    for heading in [
        "<h1>Årsrapport 2025: felles handlingsplan</h1>",
        "<h2>Tiltak i planen</h2>",
        "<h2>Overdoser</h2>",
        "<h2>Nalokson</h2>",
        "<h2>Indikatorer</h2>",
        "<h2>Datakvalitet</h2>",
    ] {
        assert!(dom.contains(heading), "{heading} in the rendered page");
    }
    assert!(
        dom.matches("<table").count() >= 10,
        "the tables are rendered"
    );
    assert_eq!(dom.matches("<svg").count(), 2, "two charts");
    assert!(
        dom.matches("class=\"bar").count() >= 24,
        "a bar for each month of both charts"
    );
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real screenshot"
    );

    // Refusals: no token, a file that is no report, a municipality that does not exist.
    assert_eq!(
        app.clone()
            .anonymous()
            .get("/reports/2025/felles.html")
            .await
            .status(),
        401
    );
    assert_eq!(analyst.get("/reports/2025/felles.pdf").await.status(), 400);
    let unknown = analyst.get("/reports/2025/9999.json").await;
    assert_eq!(unknown.status(), 400);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["field"], "municipality");

    // The command line writes the same files.
    let out = dir.join(format!("cli-1506-{backend:?}.json"));
    Cli::try_parse_from([
        "motgift",
        "--database-url",
        app.db.url.as_str(),
        "report",
        "--year",
        "2025",
        "--municipality",
        "1506",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ])
    .expect("a valid command line")
    .run()
    .await
    .expect("motgift report");
    let from_cli: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(
        tables(&from_cli["incidents"]),
        expected["annualReport"]["incidents"]
    );
}
