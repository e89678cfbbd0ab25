//! The HTTP application: routes and the middleware around them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::http::{HeaderName, Request};
use axum::middleware::{from_fn_with_state, map_request, map_response};
use axum::response::IntoResponse;
use axum::routing::get;
use motgift_schema::Store;
use motgift_schema::graphql::{MotgiftSchema, ParsedDocuments, build_schema};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::AppConfig;
use crate::metrics::{Metrics, serve_metrics, track_http};
use crate::rate_limit::RateLimiter;
use crate::request_log::LogAnswered;
use crate::{compression, limits, routes};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id a client may send: the audit and access logs keep 64 characters.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// Drops a client's `x-request-id` that the logs could not keep as sent (empty, longer than
/// 64 characters, or not visible ASCII), so the service makes one of its own instead of
/// failing every write of the request.
async fn drop_unusable_request_id(mut request: Request<Body>) -> Request<Body> {
    let unusable = request.headers().get(REQUEST_ID_HEADER).is_some_and(|id| {
        let id = id.as_bytes();
        id.is_empty() || id.len() > MAX_REQUEST_ID_LEN || !id.iter().all(u8::is_ascii_graphic)
    });
    if unusable {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    request
}

/// The request id set by `SetRequestIdLayer` (or sent by the client).
pub fn request_id(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Shared, read-only state of the running service. Handlers and middleware take a clone per
/// request, so it is one pointer to the parts, not a copy of each.
#[derive(Clone)]
pub struct AppState(Arc<Parts>);

pub struct Parts {
    pub store: Store,
    pub schema: MotgiftSchema,
    pub documents: ParsedDocuments,
    pub config: AppConfig,
    pub metrics: Arc<Metrics>,
    /// `None` when rate limiting is off.
    pub rate_limiter: Option<RateLimiter>,
}

impl std::ops::Deref for AppState {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, config: AppConfig) -> Self {
        Self(Arc::new(Parts {
            schema: build_schema(store.clone()),
            documents: ParsedDocuments::default(),
            store,
            rate_limiter: config.rate_limit.map(RateLimiter::new),
            metrics: Arc::new(Metrics::new()),
            config,
        }))
    }
}

/// The whole application. Every request gets a request id (kept from the client's
/// `x-request-id` when it sends one), a tracing span carrying it, and the id in the response.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    let metrics = state.metrics.clone();
    let mut routes = Router::new();
    if state.config.metrics_on_main_port {
        routes = routes.route("/metrics", get(serve_metrics));
    }
    routes
        .route(
            "/graphql",
            get(routes::graphql::graphiql).post(routes::graphql::execute),
        )
        .route("/auth/login", get(routes::auth::login))
        .route("/auth/callback", get(routes::auth::callback))
        .route(
            "/auth/logout",
            get(routes::auth::logout).post(routes::auth::logout),
        )
        .route("/reports/{year}/{file}", get(routes::report::download))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .with_state(state.clone())
        // One layer for the whole stack, outermost first: each `Router::layer` call would box
        // every route again, and the router clones each box for every request.
        .layer(
            ServiceBuilder::new()
                .layer(map_request(drop_unusable_request_id))
                .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|request: &Request<_>| {
                            let request_id = request_id(request.headers());
                            tracing::info_span!(
                                "request",
                                request_id = %request_id,
                                method = %request.method(),
                                path = %request.uri().path(),
                                operation = tracing::field::Empty,
                            )
                        })
                        .on_response(LogAnswered),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
                .layer(from_fn_with_state(state, track_http))
                .layer(compression::layer())
                .layer(map_response(move |response| {
                    limits::explain(response, max_body, timeout, metrics.clone())
                }))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                // The body limit answers with a body type of its own; the layers above take axum's.
                .map_response(IntoResponse::into_response)
                .layer(RequestBodyLimitLayer::new(max_body))
                // The limit above is the one: axum's own default (2 MiB) would cut a larger one.
                .layer(DefaultBodyLimit::disable()),
        )
}

/// `/metrics` alone, for a listener of its own (`--metrics-listen`).
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(serve_metrics))
        .with_state(state)
}

/// How long in-flight requests may take to finish after a shutdown signal, by default.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Serves `app` until `shutdown` completes; then stops accepting connections, lets the
/// requests in flight finish, and returns once they have or once `grace` has passed,
/// whichever comes first. Handlers see the peer address (`ConnectInfo<SocketAddr>`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(
            grace_s = grace.as_secs_f64(),
            "shutting down; finishing requests in flight"
        );
        let _ = signalled_tx.send(());
    });
    tokio::select! {
        result = server => result?,
        () = async {
            // A server that ends by itself drops the sender: wait for the signal only.
            if signalled_rx.await.is_err() {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(grace).await;
        } => tracing::warn!(grace_s = grace.as_secs_f64(), "grace period over; stopping"),
    }
    Ok(())
}
