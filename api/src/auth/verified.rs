//! Signed tokens already checked, so a client that sends the same access token with every
//! request pays for its signature check once, not on every request (an Ed25519 or RSA check
//! was the largest part of a kept answer's cost).
//!
//! A signed JWT is checked against nothing but its own content, the issuer's keys and the
//! clock, so the outcome can only change with time or with the keys. An entry is therefore
//! kept until the token expires (as the check counts it, with the issuer's leeway), and never
//! longer than [`MAX_KEPT`], so a key the issuer withdraws stops being honoured from here as
//! quickly as a refetch of its keys would. Refused tokens are not kept.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lru::LruCache;
use motgift_schema::Caller;

/// The longest a checked token is trusted without being checked again.
pub const MAX_KEPT: Duration = Duration::from_secs(60);

/// How many checked tokens are kept (a token is around a kilobyte).
const CAPACITY: NonZeroUsize = NonZeroUsize::new(4096).unwrap();

struct Checked {
    caller: Caller,
    until: Instant,
}

/// Checked tokens by their text, least recently used dropped first.
pub struct VerifiedTokens {
    entries: Mutex<LruCache<String, Checked>>,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            entries: Mutex::new(LruCache::new(CAPACITY)),
        }
    }
}

impl VerifiedTokens {
    /// The caller of `token` if it was checked and is still within its time.
    pub fn get(&self, token: &str) -> Option<Caller> {
        let mut entries = self.lock();
        let checked = entries.get(token)?;
        if Instant::now() < checked.until {
            return Some(checked.caller.clone());
        }
        entries.pop(token);
        None
    }

    /// Keeps a token that passed every check, until `expires` (seconds since the epoch, the
    /// leeway included) or [`MAX_KEPT`] from now, whichever comes first.
    pub fn keep(&self, token: &str, caller: &Caller, expires: u64) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let left = Duration::from_secs(expires)
            .saturating_sub(now)
            .min(MAX_KEPT);
        if left.is_zero() {
            return;
        }
        self.lock().put(
            token.to_owned(),
            Checked {
                caller: caller.clone(),
                until: Instant::now() + left,
            },
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<String, Checked>> {
        // A panic while holding the lock leaves nothing half-written that matters here.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn caller() -> Caller {
        Caller {
            subject: "s".to_owned(),
            roles: BTreeSet::new(),
            municipalities: BTreeSet::new(),
        }
    }

    fn epoch_now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    #[test]
    fn a_checked_token_is_kept_until_it_expires() {
        let kept = VerifiedTokens::default();
        kept.keep("a", &caller(), epoch_now() + 3600);
        assert_eq!(kept.get("a"), Some(caller()));
        assert_eq!(kept.get("b"), None);
    }

    #[test]
    fn an_expired_token_is_not_kept() {
        let kept = VerifiedTokens::default();
        kept.keep("old", &caller(), epoch_now().saturating_sub(1));
        assert_eq!(kept.get("old"), None);
    }
}
