//! The request limits enforced below GraphQL (body size, time) answer like every other error:
//! a GraphQL-shaped body whose `extensions.code` is `LIMIT_EXCEEDED` and whose
//! `extensions.limit` names the limit, instead of tower-http's bare status.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;

use crate::error_answer::error_body;
use crate::metrics::Metrics;

/// Rewrites the bare answers of the body-size and timeout layers.
pub async fn explain(
    response: Response,
    max_body_bytes: usize,
    timeout: Duration,
    metrics: Arc<Metrics>,
) -> Response {
    let (limit, message) = match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "bodySize",
            format!("the request body is larger than the limit of {max_body_bytes} bytes"),
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "timeout",
            format!(
                "the request took longer than the limit of {} seconds",
                timeout.as_secs_f64()
            ),
        ),
        _ => return response,
    };
    metrics.graphql_error("LIMIT_EXCEEDED");
    let body = error_body(
        &message,
        serde_json::json!({ "code": "LIMIT_EXCEEDED", "limit": limit }),
    );
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}
