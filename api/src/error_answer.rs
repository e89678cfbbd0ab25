//! Errors answered outside GraphQL's execution (bad credentials, a body that is not a
//! request, a limit, a rate limit, a report's bad file name) in the shape GraphQL's own take:
//! no data, one error with its message and `extensions` (always a `code`), so clients read
//! every refusal the same way.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The body: `extensions` is an object with at least `code`.
pub fn error_body(message: &str, extensions: Value) -> Value {
    json!({
        "data": null,
        "errors": [{ "message": message, "extensions": extensions }],
    })
}

/// The body as a JSON response with `status`.
pub fn error_response(status: StatusCode, message: &str, extensions: Value) -> Response {
    (status, Json(error_body(message, extensions))).into_response()
}
