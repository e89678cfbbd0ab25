//! `POST /graphql` runs a request; `GET /graphql` serves GraphiQL.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse};
use motgift_schema::RequestContext;
use motgift_schema::graphql::prepare_request;

use crate::app::{AppState, request_id};
use crate::dev_auth;

pub async fn graphiql() -> impl IntoResponse {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}

pub async fn execute(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let request_id = request_id(&headers).to_owned();
    let caller = if state.config.dev_auth {
        dev_auth::caller_from_headers(&headers)
    } else {
        None
    };
    let ctx = RequestContext { request_id, caller };
    let request = request.into_inner();
    if let Some(operation) = request.operation_name.as_deref() {
        tracing::Span::current().record("operation", operation);
    }
    let request = prepare_request(request, &state.store, ctx);
    state.schema.execute(request).await.into()
}
