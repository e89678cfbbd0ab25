//! `POST /graphql` runs a request; `GET /graphql` serves GraphiQL.

use std::net::SocketAddr;
use std::time::Instant;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::GraphQLResponse;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use motgift_schema::RequestContext;
use motgift_schema::graphql::{self, Answer, BodyEncoding, PreparedRequest};
use serde_json::json;

use crate::app::{AppState, request_id};
use crate::auth::AuthError;
use crate::auth::browser::{CSRF_COOKIE, CSRF_HEADER, cookie_value};
use crate::compression;
use crate::error_answer::error_response;
use crate::rate_limit::{CallerKey, too_many_requests};

mod body;

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
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match body::read(body) {
        Ok(request) => request,
        // The limits layer answers it, naming the limit.
        Err(body::BodyError::TooLarge(rejection)) => return rejection.into_response(),
        Err(err) => {
            state.metrics.graphql_error("BAD_REQUEST");
            return error_response(
                StatusCode::BAD_REQUEST,
                &err.to_string(),
                json!({ "code": "BAD_REQUEST" }),
            );
        }
    };
    let request_id = request_id(&headers).to_owned();
    let peer = peer.map(|Extension(ConnectInfo(address))| address);
    let caller = match state.config.auth.caller(&headers).await {
        Ok(caller) => caller,
        Err(err) => {
            // Refused credentials count against the address, so guessing is limited too.
            if let Some(response) = rate_limited(&state, &CallerKey::peer(peer)) {
                return response;
            }
            state.metrics.graphql_error(refused_code(&err).1);
            return refused(&err);
        }
    };
    let key = match &caller {
        Some(caller) => CallerKey::subject(&caller.subject),
        None => CallerKey::peer(peer),
    };
    if let Some(response) = rate_limited(&state, &key) {
        return response;
    }
    let mut request = state.documents.prepare(request);
    let operation = operation_name(&mut request);
    if let Some(operation) = operation.as_deref() {
        tracing::Span::current().record("operation", operation);
    }
    let label = state.metrics.operation_label(operation.as_deref());
    let ctx = RequestContext::new(request_id, caller, operation);
    let started = Instant::now();
    let accepted = compression::accepted(&headers);
    let answer = graphql::answer(&state.schema, &state.store, request, ctx, accepted).await;
    let response = match answer {
        Answer::Kept { body, encoding } => {
            state
                .metrics
                .graphql_request(&label, started.elapsed(), std::iter::empty());
            return kept_response(body, encoding);
        }
        Answer::Fresh(response) => response,
    };
    state.metrics.graphql_request(
        &label,
        started.elapsed(),
        response.errors.iter().map(
            |e| match e.extensions.as_ref().and_then(|x| x.get("code")) {
                Some(async_graphql::Value::String(code)) => code.as_str(),
                _ => "NONE",
            },
        ),
    );
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

/// A kept answer, sent as [`GraphQLResponse`] sends a fresh one; compressed already when the
/// client takes gzip, so the compression layer leaves it as it is.
fn kept_response(body: Bytes, encoding: BodyEncoding) -> Response {
    let mut response = (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("application/graphql-response+json"),
        )],
        body,
    )
        .into_response();
    if encoding == BodyEncoding::Gzip {
        let headers = response.headers_mut();
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers.insert(VARY, HeaderValue::from_name(ACCEPT_ENCODING));
    }
    response
}

/// The operation's name: the one the client chose to run, or the name of the document's only
/// operation. Logs and the access log carry it.
fn operation_name(request: &mut PreparedRequest) -> Option<String> {
    if let Some(name) = &request.request().operation_name {
        return Some(name.clone());
    }
    match &request.document()?.operations {
        async_graphql::parser::types::DocumentOperations::Multiple(operations)
            if operations.len() == 1 =>
        {
            operations.keys().next().map(|name| name.to_string())
        }
        _ => None,
    }
}

/// The 429 answer when the caller is over its rate limit (and limits are on).
fn rate_limited(state: &AppState, key: &CallerKey) -> Option<Response> {
    let wait = state.rate_limiter.as_ref()?.check(key).err()?;
    state.metrics.graphql_error("RATE_LIMITED");
    tracing::debug!(wait_ms = wait.as_millis() as u64, "rate limited");
    Some(too_many_requests(wait))
}

fn refused_code(err: &AuthError) -> (StatusCode, &'static str) {
    match err {
        AuthError::Invalid(_) => (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        AuthError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        AuthError::CrossSite => (StatusCode::FORBIDDEN, "FORBIDDEN"),
    }
}

/// The answer to bad credentials: nothing is executed, the error says why in GraphQL's shape.
pub(crate) fn refused(err: &AuthError) -> Response {
    let (status, code) = refused_code(err);
    let mut response = error_response(status, &err.to_string(), json!({ "code": code }));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}
