//! Rate limits per caller on `POST /graphql`: a signed-in caller is keyed by its subject, an
//! anonymous one (or one whose credentials were refused) by its peer address. Over the limit,
//! the answer is HTTP 429 with `Retry-After` and a GraphQL-shaped `RATE_LIMITED` error.
//! Health, readiness and metrics are never limited.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error_answer::error_response;

/// How many requests a caller may make: `per_minute` on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: NonZeroU32,
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// `None` (no limit) when `per_minute` is 0; a burst of 0 means one minute's worth.
    pub fn from_settings(per_minute: u32, burst: u32) -> Option<Self> {
        let per_minute = NonZeroU32::new(per_minute)?;
        Some(Self {
            per_minute,
            burst: NonZeroU32::new(burst).unwrap_or(per_minute),
        })
    }
}

/// Forgotten keys are dropped once every this many checks.
const HOUSEKEEPING_EVERY: u64 = 4096;

/// The keyed limiter (GCRA, from `governor`).
pub struct RateLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
    }
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        // One request every 60 s / per_minute, at most `burst` at once.
        let period = Duration::from_secs(60) / limit.per_minute.get();
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(limit.burst);
        Self {
            limiter: governor::RateLimiter::keyed(quota),
            checks: AtomicU64::new(0),
        }
    }

    /// `Ok` when the caller may go on; otherwise how long until it may try again.
    pub fn check(&self, key: &CallerKey) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % HOUSEKEEPING_EVERY
            == HOUSEKEEPING_EVERY - 1
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&key.0)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Whom a limit applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallerKey(String);

impl CallerKey {
    pub fn subject(subject: &str) -> Self {
        Self(format!("sub:{subject}"))
    }

    /// An anonymous caller, by the address it connects from (all of them share one key when
    /// the address is unknown).
    pub fn peer(address: Option<SocketAddr>) -> Self {
        match address {
            Some(address) => Self(format!("ip:{}", address.ip())),
            None => Self("ip:unknown".to_owned()),
        }
    }
}

/// HTTP 429 with `Retry-After` (whole seconds, at least 1) and a GraphQL-shaped body.
pub fn too_many_requests(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("too many requests from this caller; try again in {seconds} s"),
        serde_json::json!({ "code": "RATE_LIMITED", "retryAfterSeconds": seconds }),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_over_its_burst_waits_and_others_do_not() {
        let limiter = RateLimiter::new(RateLimit::from_settings(60, 2).unwrap());
        let a = CallerKey::subject("a");
        let b = CallerKey::subject("b");
        assert!(limiter.check(&a).is_ok());
        assert!(limiter.check(&a).is_ok());
        let wait = limiter.check(&a).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.check(&b).is_ok());
    }

    #[test]
    fn zero_per_minute_disables_and_zero_burst_means_a_minute() {
        assert_eq!(RateLimit::from_settings(0, 10), None);
        let limit = RateLimit::from_settings(600, 0).unwrap();
        assert_eq!(limit.burst.get(), 600);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let response = too_many_requests(Duration::from_millis(1500));
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let response = too_many_requests(Duration::ZERO);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
