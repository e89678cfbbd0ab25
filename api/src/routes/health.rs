//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: so does the database).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use crate::app::AppState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the database answers within two seconds, 503 otherwise.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
