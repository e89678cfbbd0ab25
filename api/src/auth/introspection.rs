//! Opaque access tokens: RFC 7662 introspection through the `oauth2` crate, with answers
//! cached briefly (never past the token's expiry) so a busy client does not cost one call to
//! the identity provider per request.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, Client, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields,
    IntrospectionUrl, StandardRevocableToken, StandardTokenIntrospectionResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::AuthError;
use super::settings::IntrospectionSettings;

/// Claims beyond RFC 7662's, such as `kommunenummer` and `roles`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    #[serde(flatten)]
    other: serde_json::Map<String, Value>,
}

impl ExtraTokenFields for Claims {}

type Response = StandardTokenIntrospectionResponse<Claims, BasicTokenType>;
type IntrospectionClient = Client<
    BasicErrorResponse,
    BasicTokenResponse,
    Response,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
>;

pub struct Introspection {
    client: IntrospectionClient,
    http: reqwest::Client,
    cache_for: Duration,
    /// Answers by the token's SHA-256, with when they go stale.
    cache: Mutex<HashMap<[u8; 32], (Value, Instant)>>,
}

impl Introspection {
    pub fn new(settings: &IntrospectionSettings, http: reqwest::Client) -> Result<Self, String> {
        let url = IntrospectionUrl::new(settings.endpoint.clone())
            .map_err(|e| format!("introspection endpoint: {e}"))?;
        Ok(Self {
            client: Client::new(ClientId::new(settings.client_id.clone()))
                .set_client_secret(ClientSecret::new(settings.client_secret.clone()))
                .set_introspection_url(url),
            http,
            cache_for: Duration::from_secs(settings.cache_seconds),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The claims of an active token, as the identity provider describes it; `None` when it
    /// says the token is not active.
    pub async fn claims(&self, token: &str) -> Result<Option<Value>, AuthError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = Instant::now();
        {
            let mut cache = self.cache.lock().await;
            cache.retain(|_, (_, stale)| *stale > now);
            if let Some((claims, _)) = cache.get(&key) {
                return Ok(Some(claims.clone()));
            }
        }
        let access_token = AccessToken::new(token.to_owned());
        let response = self
            .client
            .introspect(&access_token)
            .request_async(&self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "token introspection failed");
                AuthError::Unavailable
            })?;
        let mut claims = serde_json::to_value(&response).unwrap_or_default();
        if claims.get("active") != Some(&Value::Bool(true)) {
            return Ok(None);
        }
        // Client-credentials tokens may have no `sub`: the client is the caller.
        if claims.get("sub").is_none()
            && let Some(client) = claims.get("client_id").cloned()
        {
            claims["sub"] = client;
        }
        let until_expiry = claims
            .get("exp")
            .and_then(Value::as_i64)
            .map(|exp| exp - chrono::Utc::now().timestamp())
            .unwrap_or(0);
        let keep = self
            .cache_for
            .min(Duration::from_secs(until_expiry.max(0) as u64));
        if !keep.is_zero() {
            self.cache
                .lock()
                .await
                .insert(key, (claims.clone(), now + keep));
        }
        Ok(Some(claims))
    }
}
