//! The line logged when a request is answered. Every request gets one at DEBUG; a request
//! that failed (a status of 400 or more) or was slow gets it at INFO, so the default log says
//! what needs a look. At dashboard rates a line for every request was the largest cost of a
//! kept answer after the network (a fifth of the throughput); the metrics count every request
//! by operation, outcome and latency, and `RUST_LOG=info,motgift::request=debug` logs them all.

use std::time::Duration;

use axum::http::{Response, StatusCode};
use tower_http::trace::OnResponse;
use tracing::{Level, Span};

/// The target of the lines, for `RUST_LOG`.
pub const TARGET: &str = "motgift::request";

/// A request that took this long is logged at INFO whatever its outcome.
pub const SLOW: Duration = Duration::from_secs(1);

/// Logs the answered request inside its span (which carries its id, method, path and
/// operation).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogAnswered;

impl<B> OnResponse<B> for LogAnswered {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        let status = response.status().as_u16();
        let latency_ms = latency.as_secs_f64() * 1000.0;
        if level(response.status(), latency) == Level::INFO {
            tracing::info!(target: TARGET, status, latency_ms, "answered");
        } else {
            tracing::debug!(target: TARGET, status, latency_ms, "answered");
        }
    }
}

fn level(status: StatusCode, latency: Duration) -> Level {
    if status.as_u16() >= 400 || latency >= SLOW {
        Level::INFO
    } else {
        Level::DEBUG
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_and_slow_requests_are_logged_by_default() {
        let quick = Duration::from_millis(3);
        assert_eq!(level(StatusCode::OK, quick), Level::DEBUG);
        assert_eq!(level(StatusCode::NOT_MODIFIED, quick), Level::DEBUG);
        assert_eq!(level(StatusCode::BAD_REQUEST, quick), Level::INFO);
        assert_eq!(level(StatusCode::UNAUTHORIZED, quick), Level::INFO);
        assert_eq!(level(StatusCode::SERVICE_UNAVAILABLE, quick), Level::INFO);
        assert_eq!(level(StatusCode::OK, SLOW), Level::INFO);
    }
}
