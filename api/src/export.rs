//! The annual report as files: JSON, CSV for spreadsheets and a printable HTML page. Each is a
//! rendering of the `annualReport` query's answer for the caller, so an export shows exactly
//! what the query shows, with the same disclosure control and the same access log.

mod csv;
mod html;

use async_graphql::{Request, Variables};
use motgift_schema::ctx::RequestContext;
use motgift_schema::graphql::{MotgiftSchema, execute, prepare_request};
use motgift_schema::store::Store;
use serde_json::{Value, json};

/// The formats a report is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Json,
    Csv,
    Html,
}

impl ReportFormat {
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "json" => Some(Self::Json),
            "csv" => Some(Self::Csv),
            "html" => Some(Self::Html),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Html => "text/html; charset=utf-8",
        }
    }
}

/// What the exports read: every section of the report.
const REPORT: &str = "query AnnualReportExport($year: Int!, $municipality: String) {
  annualReport(year: $year, municipality: $municipality) {
    year municipality { kommunenummer name } municipalities
    measures { focusArea { position name } measure { code name } kommunenummer status
      actionsByStatus { status count }
      actionsInYear { title status progressPercent } plannedNext { title plannedStart } }
    incidents { ...table } naloxone { ...table }
    monthlyIncidents { ...series } monthlyNaloxoneKits { ...series }
    indicators { indicator { code name target direction } year
      values { kommunenummer value suppressed met } }
    dataQuality { corrections { kommunenummer count } retractions { kommunenummer count }
      measuresWithoutAction { measure { code name } kommunenummer }
      monthsWithoutRecords { kommunenummer months } }
    methodNotes
  }
}
fragment table on ReportTable { key title rows { kommunenummer category label value previous
  change suppressed previousSuppressed ratePer10k } }
fragment series on CountPanel { periods { period { label } } series { kommunenummer category values } }";

/// A report that could not be made: the GraphQL errors, as the API would answer them.
#[derive(Debug)]
pub struct ReportErrors(pub Value);

/// Runs the report query for the caller and renders its answer.
pub async fn export(
    schema: &MotgiftSchema,
    store: &Store,
    ctx: RequestContext,
    year: i32,
    municipality: Option<&str>,
    format: ReportFormat,
) -> Result<String, ReportErrors> {
    let variables = Variables::from_json(json!({ "year": year, "municipality": municipality }));
    let request = Request::new(REPORT)
        .variables(variables)
        .operation_name("AnnualReportExport");
    let response = execute(schema, prepare_request(request, store, ctx, None)).await;
    if !response.errors.is_empty() {
        return Err(ReportErrors(json!({ "errors": response.errors })));
    }
    let data = response.data.into_json().map_err(|e| {
        ReportErrors(json!({ "errors": [{ "message": e.to_string(),
            "extensions": { "code": "INTERNAL" } }] }))
    })?;
    let report = &data["annualReport"];
    Ok(match format {
        ReportFormat::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
        ReportFormat::Csv => csv::render(report),
        ReportFormat::Html => html::render(report),
    })
}

/// The report's name in headings and file names: the municipality's, or the joint plan's.
fn title(report: &Value) -> String {
    let year = &report["year"];
    match report["municipality"]["name"].as_str() {
        Some(name) => format!("Årsrapport {year}: {name}"),
        None => format!("Årsrapport {year}: felles handlingsplan"),
    }
}

/// A figure as shown: a suppressed one is a dot, as in Norwegian official statistics.
fn shown(value: &Value, suppressed: &Value) -> String {
    if suppressed.as_bool() == Some(true) {
        "·".to_owned()
    } else {
        match value {
            Value::Null => String::new(),
            Value::Number(n) => n.to_string(),
            other => other.as_str().unwrap_or_default().to_owned(),
        }
    }
}
