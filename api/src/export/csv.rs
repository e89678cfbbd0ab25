//! The report as one CSV file with sections, as Norwegian Excel opens it: UTF-8 with a
//! byte-order mark, `;` between fields, and each table under a `#` heading line followed by
//! its header row. A blank line ends a section.

use serde_json::Value;

use super::{shown, title};

const BOM: &str = "\u{feff}";

/// Writes rows with `;` between fields, quoting where a field needs it.
fn write(out: &mut Vec<u8>, records: &[Vec<String>]) {
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_writer(out);
    for record in records {
        // Writing to memory cannot fail.
        let _ = writer.write_record(record);
    }
    let _ = writer.flush();
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn render(report: &Value) -> String {
    let mut records: Vec<Vec<String>> = vec![vec![format!("# {}", title(report))], vec![]];
    let tables = report["incidents"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(report["naloxone"].as_array().into_iter().flatten());
    for table in tables {
        records.push(vec![format!("# {}", text(&table["title"]))]);
        records.push(
            [
                "Kommune",
                "Kategori",
                "Etikett",
                "I år",
                "I fjor",
                "Endring",
                "Per 10 000",
            ]
            .map(str::to_owned)
            .to_vec(),
        );
        for row in table["rows"].as_array().into_iter().flatten() {
            let kommune = row["kommunenummer"].as_str().unwrap_or("Felles").to_owned();
            records.push(vec![
                kommune,
                text(&row["category"]),
                text(&row["label"]),
                shown(&row["value"], &row["suppressed"]),
                shown(&row["previous"], &row["previousSuppressed"]),
                text(&row["change"]),
                text(&row["ratePer10k"]).replace('.', ","),
            ]);
        }
        records.push(vec![]);
    }
    records.push(vec!["# Tiltak".to_owned()]);
    records.push(
        ["Innsatsområde", "Tiltak", "Kode", "Kommune", "Status"]
            .map(str::to_owned)
            .to_vec(),
    );
    for measure in report["measures"].as_array().into_iter().flatten() {
        records.push(vec![
            text(&measure["focusArea"]["name"]),
            text(&measure["measure"]["name"]),
            text(&measure["measure"]["code"]),
            text(&measure["kommunenummer"]),
            text(&measure["status"]),
        ]);
    }
    records.push(vec![]);
    records.push(vec!["# Indikatorer".to_owned()]);
    records.push(
        ["Kode", "Indikator", "År", "Kommune", "Verdi", "Mål", "Nådd"]
            .map(str::to_owned)
            .to_vec(),
    );
    for indicator in report["indicators"].as_array().into_iter().flatten() {
        for value in indicator["values"].as_array().into_iter().flatten() {
            records.push(vec![
                text(&indicator["indicator"]["code"]),
                text(&indicator["indicator"]["name"]),
                text(&indicator["year"]),
                value["kommunenummer"]
                    .as_str()
                    .unwrap_or("Felles")
                    .to_owned(),
                shown(&value["value"], &value["suppressed"]).replace('.', ","),
                text(&indicator["indicator"]["target"]).replace('.', ","),
                match value["met"].as_bool() {
                    Some(true) => "ja".to_owned(),
                    Some(false) => "nei".to_owned(),
                    None => String::new(),
                },
            ]);
        }
    }
    let mut out = BOM.as_bytes().to_vec();
    write(&mut out, &records);
    String::from_utf8(out).unwrap_or_default()
}
