//! An issuer's signing keys, found through discovery and cached. A token signed with a key id
//! the cache does not know makes it fetch the keys again (at most once per interval), so key
//! rotation at the identity provider needs no restart here.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use super::AuthError;

/// A verification key and the algorithms it may verify.
#[derive(Clone)]
pub struct VerificationKey {
    pub key: DecodingKey,
    pub algorithms: Vec<Algorithm>,
}

#[derive(Default)]
struct Cached {
    jwks_uri: Option<String>,
    keys: HashMap<String, VerificationKey>,
    fetched_at: Option<Instant>,
}

pub struct Jwks {
    discovery_url: String,
    http: reqwest::Client,
    min_refetch: Duration,
    cached: RwLock<Cached>,
    /// One fetch at a time; requests that wait on it then find the new keys.
    fetching: Mutex<()>,
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

impl Jwks {
    pub fn new(discovery_url: String, http: reqwest::Client, min_refetch: Duration) -> Self {
        Self {
            discovery_url,
            http,
            min_refetch,
            cached: RwLock::new(Cached::default()),
            fetching: Mutex::new(()),
        }
    }

    /// The key with this id, fetching the issuer's keys if it is not known yet.
    pub async fn key(&self, kid: &str) -> Result<VerificationKey, AuthError> {
        if let Some(key) = self.cached.read().await.keys.get(kid) {
            return Ok(key.clone());
        }
        let _one_fetch = self.fetching.lock().await;
        {
            let cached = self.cached.read().await;
            if let Some(key) = cached.keys.get(kid) {
                return Ok(key.clone());
            }
            if cached
                .fetched_at
                .is_some_and(|at| at.elapsed() < self.min_refetch)
            {
                return Err(AuthError::invalid(
                    "the token is signed with an unknown key",
                ));
            }
        }
        self.fetch().await?;
        self.cached
            .read()
            .await
            .keys
            .get(kid)
            .cloned()
            .ok_or_else(|| AuthError::invalid("the token is signed with an unknown key"))
    }

    async fn fetch(&self) -> Result<(), AuthError> {
        let jwks_uri = match self.cached.read().await.jwks_uri.clone() {
            Some(uri) => uri,
            None => self.get::<Discovery>(&self.discovery_url).await?.jwks_uri,
        };
        let set: JwkSet = self.get(&jwks_uri).await?;
        let keys = set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let key = DecodingKey::from_jwk(jwk).ok()?;
                Some((
                    kid,
                    VerificationKey {
                        key,
                        algorithms: algorithms(jwk.common.key_algorithm, &jwk.algorithm),
                    },
                ))
            })
            .collect();
        let mut cached = self.cached.write().await;
        cached.jwks_uri = Some(jwks_uri);
        cached.keys = keys;
        cached.fetched_at = Some(Instant::now());
        tracing::info!(issuer = %self.discovery_url, keys = cached.keys.len(), "fetched signing keys");
        Ok(())
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, url: &str) -> Result<T, AuthError> {
        let failed = |e: reqwest::Error| {
            tracing::warn!(%url, error = %e, "identity provider unreachable");
            AuthError::Unavailable
        };
        self.http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(failed)?
            .json()
            .await
            .map_err(failed)
    }
}

/// The algorithms a published key may verify: the one it names, or those of its key type.
/// Never a symmetric one.
fn algorithms(named: Option<KeyAlgorithm>, params: &AlgorithmParameters) -> Vec<Algorithm> {
    use Algorithm::*;
    let by_type = match params {
        AlgorithmParameters::RSA(_) => vec![RS256, RS384, RS512, PS256, PS384, PS512],
        AlgorithmParameters::EllipticCurve(_) => vec![ES256, ES384],
        AlgorithmParameters::OctetKeyPair(_) => vec![EdDSA],
        AlgorithmParameters::OctetKey(_) => Vec::new(),
    };
    match named.and_then(|a| a.to_string().parse::<Algorithm>().ok()) {
        Some(alg) if by_type.contains(&alg) => vec![alg],
        _ => by_type,
    }
}
