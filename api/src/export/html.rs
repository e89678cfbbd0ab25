//! The report as a printable page: bokmål headings following the plan, tables, and small
//! inline SVG bar charts of the monthly series. Prints to A4 from any browser.

use std::fmt::Write;

use motgift_schema::domain::{ActionStatus, Coded};
use serde_json::Value;

use super::{shown, title};

const STYLE: &str = "
@page { size: A4; margin: 16mm 14mm; }
body { font-family: 'Source Sans 3', 'Segoe UI', system-ui, sans-serif; font-size: 10pt;
  color: #1b1b1b; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 18pt; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 8mm 0 2mm; break-after: avoid; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 5mm 0 1mm; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; break-inside: avoid; }
th, td { padding: 1px 4px; border-bottom: 1px solid #ddd; text-align: right; vertical-align: top; }
th { border-bottom: 1px solid #666; font-weight: 600; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tr.total td { font-weight: 600; }
figure { margin: 2mm 0; break-inside: avoid; }
figcaption { font-size: 9pt; color: #555; }
.note { font-size: 9pt; color: #555; }
@media print { a { color: inherit; text-decoration: none; } }
";

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

fn status_label(code: &Value) -> String {
    ActionStatus::ALL
        .iter()
        .find(|s| Some(s.code()) == code.as_str())
        .map_or_else(|| text(code), |s| s.label_nb().to_owned())
}

fn municipality(value: &Value) -> String {
    value["kommunenummer"]
        .as_str()
        .map_or_else(|| "Felles".to_owned(), esc)
}

/// A bar chart of one series over the months; a suppressed month is an outlined bar with a dot.
fn chart(panel: &Value, caption: &str) -> String {
    let labels: Vec<String> = panel["periods"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["period"]["label"].as_str().unwrap_or_default().to_owned())
        .collect();
    // The last series is the joint total.
    let values: Vec<Option<u64>> = panel["series"]
        .as_array()
        .and_then(|s| s.last())
        .and_then(|s| s["values"].as_array())
        .map(|v| v.iter().map(Value::as_u64).collect())
        .unwrap_or_default();
    let (width, height, bottom) = (640.0, 160.0, 18.0);
    let top = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let slot = width / values.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"100%\" role=\"img\" aria-label=\"{}\">",
        esc(caption)
    );
    for (i, value) in values.iter().enumerate() {
        let x = i as f64 * slot + slot * 0.15;
        let w = slot * 0.7;
        let label = labels.get(i).map_or("", |l| l.get(5..).unwrap_or(l));
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
            x + w / 2.0,
            height - 4.0,
            esc(label)
        );
        match value {
            Some(v) => {
                let h = (*v as f64 / top) * (height - bottom - 14.0);
                let y = height - bottom - h;
                let _ = write!(
                    svg,
                    "<rect class=\"bar\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" \
                     fill=\"#2f6690\"><title>{}: {v}</title></rect>\
                     <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{v}</text>",
                    esc(labels.get(i).map_or("", String::as_str)),
                    x + w / 2.0,
                    y - 2.0
                );
            }
            None => {
                let y = height - bottom - 10.0;
                let _ = write!(
                    svg,
                    "<rect class=\"bar suppressed\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" \
                     height=\"10\" fill=\"none\" stroke=\"#888\"><title>prikket</title></rect>"
                );
            }
        }
    }
    svg.push_str("</svg>");
    format!(
        "<figure class=\"chart\">{svg}<figcaption>{}</figcaption></figure>",
        esc(caption)
    )
}

fn figure_table(table: &Value) -> String {
    let mut html = format!(
        "<h3>{}</h3><table><thead><tr><th>Kommune</th><th>Kategori</th><th>I år</th>\
         <th>I fjor</th><th>Endring</th><th>Per 10 000</th></tr></thead><tbody>",
        text(&table["title"])
    );
    for row in table["rows"].as_array().into_iter().flatten() {
        let class = if row["category"].is_null() {
            " class=\"total\""
        } else {
            ""
        };
        let _ = write!(
            html,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            municipality(row),
            text(&row["label"]),
            esc(&shown(&row["value"], &row["suppressed"])),
            esc(&shown(&row["previous"], &row["previousSuppressed"])),
            text(&row["change"]),
            text(&row["ratePer10k"]).replace('.', ",")
        );
    }
    html.push_str("</tbody></table>");
    html
}

fn measures(report: &Value) -> String {
    let mut html = String::from("<section id=\"tiltak\"><h2>Tiltak i planen</h2>");
    let mut area = String::new();
    for m in report["measures"].as_array().into_iter().flatten() {
        let name = format!(
            "{}. {}",
            m["focusArea"]["position"],
            m["focusArea"]["name"].as_str().unwrap_or_default()
        );
        if name != area {
            if !area.is_empty() {
                html.push_str("</tbody></table>");
            }
            let _ = write!(
                html,
                "<h3>{}</h3><table><thead><tr><th>Tiltak</th><th>Kommune</th><th>Status</th>\
                 <th>Gjort i året</th><th>Planlagt videre</th></tr></thead><tbody>",
                esc(&name)
            );
            area = name;
        }
        let titles = |list: &Value| -> String {
            list.as_array().map_or_else(
                || "–".to_owned(),
                |items| {
                    items
                        .iter()
                        .map(|a| text(&a["title"]))
                        .collect::<Vec<_>>()
                        .join("<br>")
                },
            )
        };
        let _ = write!(
            html,
            "<tr><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&m["measure"]["code"]),
            text(&m["measure"]["name"]),
            text(&m["kommunenummer"]),
            status_label(&m["status"]),
            titles(&m["actionsInYear"]),
            titles(&m["plannedNext"])
        );
    }
    if !area.is_empty() {
        html.push_str("</tbody></table>");
    }
    html.push_str("</section>");
    html
}

fn indicators(report: &Value) -> String {
    let mut html = String::from(
        "<section id=\"indikatorer\"><h2>Indikatorer</h2><table><thead><tr><th>Indikator</th>\
         <th>Kommune</th><th>Verdi</th><th>Mål</th><th>Nådd</th></tr></thead><tbody>",
    );
    for indicator in report["indicators"].as_array().into_iter().flatten() {
        for value in indicator["values"].as_array().into_iter().flatten() {
            let met = match value["met"].as_bool() {
                Some(true) => "ja",
                Some(false) => "nei",
                None => "",
            };
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{met}</td></tr>",
                text(&indicator["indicator"]["name"]),
                municipality(value),
                esc(&shown(&value["value"], &value["suppressed"])).replace('.', ","),
                text(&indicator["indicator"]["target"]).replace('.', ",")
            );
        }
    }
    html.push_str("</tbody></table></section>");
    html
}

fn data_quality(report: &Value) -> String {
    let quality = &report["dataQuality"];
    let mut html = String::from(
        "<section id=\"datakvalitet\"><h2>Datakvalitet</h2><table><thead><tr><th>Kommune</th>\
         <th>Rettet</th><th>Trukket tilbake</th><th>Måneder uten registreringer</th></tr>\
         </thead><tbody>",
    );
    let count = |list: &Value, k: &Value| -> String {
        list.as_array()
            .into_iter()
            .flatten()
            .find(|c| c["kommunenummer"] == *k)
            .map_or_else(String::new, |c| text(&c["count"]))
    };
    for months in quality["monthsWithoutRecords"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let k = &months["kommunenummer"];
        let list: Vec<String> = months["months"]
            .as_array()
            .into_iter()
            .flatten()
            .map(text)
            .collect();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(k),
            count(&quality["corrections"], k),
            count(&quality["retractions"], k),
            if list.is_empty() {
                "ingen".to_owned()
            } else {
                list.join(", ")
            }
        );
    }
    let gaps = quality["measuresWithoutAction"]
        .as_array()
        .map_or(0, Vec::len);
    let _ = write!(
        html,
        "</tbody></table><p class=\"note\">Tiltak uten registrert oppfølging: {gaps}.</p></section>"
    );
    html
}

pub fn render(report: &Value) -> String {
    let title = esc(&title(report));
    let municipalities: Vec<String> = report["municipalities"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    let mut html = format!(
        "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{STYLE}</style></head><body><h1>{title}</h1>\
         <p class=\"note\">Kommuner: {}. Tall for andre kommuner enn din egen er prikket (·) \
         når de er små.</p>",
        municipalities.join(", ")
    );
    html.push_str(&measures(report));
    html.push_str("<section id=\"overdoser\"><h2>Overdoser</h2>");
    html.push_str(&chart(&report["monthlyIncidents"], "Overdoser per måned"));
    for table in report["incidents"].as_array().into_iter().flatten() {
        html.push_str(&figure_table(table));
    }
    html.push_str("</section><section id=\"nalokson\"><h2>Nalokson</h2>");
    html.push_str(&chart(
        &report["monthlyNaloxoneKits"],
        "Utdelte naloksonsett per måned",
    ));
    for table in report["naloxone"].as_array().into_iter().flatten() {
        html.push_str(&figure_table(table));
    }
    html.push_str("</section>");
    html.push_str(&indicators(report));
    html.push_str(&data_quality(report));
    html.push_str("<section id=\"metode\"><h2>Metode</h2><ul>");
    for note in report["methodNotes"].as_array().into_iter().flatten() {
        let _ = write!(html, "<li>{}</li>", text(note));
    }
    html.push_str("</ul></section></body></html>");
    html
}
