//! `POST /graphql` runs a request; `GET /graphql` serves GraphiQL.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use motgift_schema::RequestContext;
use motgift_schema::graphql::prepare_request;

use crate::app::{AppState, request_id};
use crate::auth::AuthError;
use crate::auth::browser::{CSRF_COOKIE, CSRF_HEADER, cookie_value};

/// GraphiQL. For a browser signed in with a session, it sends the CSRF header the session
/// needs with every request.
pub async fn graphiql(headers: HeaderMap) -> impl IntoResponse {
    let csrf = cookie_value(&headers, CSRF_COOKIE).filter(|c| !c.is_empty());
    let mut source = GraphiQLSource::build()
        .endpoint("/graphql")
        .title("Motgift GraphiQL");
    if let Some(csrf) = csrf {
        source = source.header(CSRF_HEADER, csrf);
    }
    Html(source.finish())
}

pub async fn execute(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let request_id = request_id(&headers).to_owned();
    let caller = match state.config.auth.caller(&headers).await {
        Ok(caller) => caller,
        Err(err) => return refused(&err),
    };
    let request = request.into_inner();
    let operation = operation_name(&request);
    if let Some(operation) = operation.as_deref() {
        tracing::Span::current().record("operation", operation);
    }
    let ctx = RequestContext {
        request_id,
        caller,
        operation,
    };
    let request = prepare_request(request, &state.store, ctx);
    let response = state.schema.execute(request).await;
    // A field that needed a caller the request did not have: 401, so clients sign in.
    let unauthenticated = response.errors.iter().any(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .is_some_and(|c| *c == async_graphql::Value::from("UNAUTHENTICATED"))
    });
    let mut http = GraphQLResponse::from(response).into_response();
    if unauthenticated {
        *http.status_mut() = StatusCode::UNAUTHORIZED;
        http.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    http
}

/// The operation's name: the one the client chose to run, or the name of the document's only
/// operation. Logs and the access log carry it.
fn operation_name(request: &async_graphql::Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    match async_graphql::parser::parse_query(&request.query)
        .ok()?
        .operations
    {
        async_graphql::parser::types::DocumentOperations::Multiple(operations)
            if operations.len() == 1 =>
        {
            operations.keys().next().map(|name| name.to_string())
        }
        _ => None,
    }
}

/// The answer to bad credentials: nothing is executed, the error says why in GraphQL's shape.
pub(crate) fn refused(err: &AuthError) -> Response {
    let (status, code) = match err {
        AuthError::Invalid(_) => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        AuthError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        AuthError::CrossSite => (StatusCode::FORBIDDEN, "FORBIDDEN"),
    };
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": err.to_string(), "extensions": { "code": code } }],
    });
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}
