//! `GET /reports/{year}/{file}`: the annual report as a file for a signed-in user, where
//! `file` is `{kommunenummer}.{json,csv,html}` for a municipality's report or
//! `felles.{json,csv,html}` for the joint one. A browser signed in with a session opens the
//! HTML page directly; scripts send their bearer token.

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use motgift_schema::RequestContext;
use serde_json::json;

use crate::app::{AppState, request_id};
use crate::error_answer::error_response;
use crate::export::{ReportErrors, ReportFormat, export};
use crate::routes::graphql::refused;

/// The name of the joint report's file.
pub const JOINT: &str = "felles";

fn bad_request(message: String) -> Response {
    error_response(
        StatusCode::BAD_REQUEST,
        &message,
        json!({ "code": "VALIDATION", "field": "file" }),
    )
}

pub async fn download(
    State(state): State<AppState>,
    Path((year, file)): Path<(i32, String)>,
    headers: HeaderMap,
) -> Response {
    let caller = match state.config.auth.page_caller(&headers).await {
        Ok(caller) => caller,
        Err(err) => return refused(&err),
    };
    let Some((name, format)) = file
        .rsplit_once('.')
        .and_then(|(name, ext)| Some((name, ReportFormat::from_extension(ext)?)))
    else {
        return bad_request(format!(
            "{file:?} is not a report file: ask for {{kommunenummer}}.html, .csv or .json, or {JOINT}.html"
        ));
    };
    let municipality = (name != JOINT).then_some(name);
    let ctx = RequestContext::new(
        request_id(&headers).to_owned(),
        caller,
        Some("AnnualReportExport".to_owned()),
    );
    match export(&state.schema, &state.store, ctx, year, municipality, format).await {
        Ok(body) => {
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            if format == ReportFormat::Csv
                && let Ok(value) = HeaderValue::from_str(&format!(
                    "attachment; filename=\"arsrapport-{year}-{name}.csv\""
                ))
            {
                headers.insert(CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(ReportErrors(body)) => {
            let code = body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default();
            let status = match code {
                "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
                "FORBIDDEN" => StatusCode::FORBIDDEN,
                "VALIDATION" | "BAD_REQUEST" => StatusCode::BAD_REQUEST,
                "SERVICE_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut body = body;
            body["data"] = serde_json::Value::Null;
            (status, axum::Json(body)).into_response()
        }
    }
}
