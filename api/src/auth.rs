//! Who is calling. A request carries an OAuth2 bearer access token (a JWT) from one of the
//! trusted issuers: an OpenID Connect provider found through discovery, or the built-in
//! development issuer. A request without a token is anonymous and reads reference data only.
//!
//! Checks: an asymmetric algorithm only (`none` and HMAC are refused before anything else), a
//! key of the token's issuer (by `kid`), the signature, `iss`, `aud`, `exp` and `nbf` (with a
//! small leeway), and the claims the issuer's mapping needs.

pub mod browser;
mod claims;
pub mod dev_issuer;
mod introspection;
mod jwks;
pub mod settings;
mod verified;

use std::fmt;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use motgift_schema::Caller;
use serde_json::Value;

use self::browser::BrowserSignIn;
use self::dev_issuer::DevIssuer;
use self::introspection::Introspection;
use self::jwks::{Jwks, VerificationKey};
use self::settings::{AuthSettings, ClaimMapping, IssuerSettings};
use self::verified::VerifiedTokens;

/// Why a request's credentials were not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The token is not acceptable: the client must sign in again (HTTP 401).
    #[error("{0}")]
    Invalid(String),
    /// The identity provider could not be reached to check the token (HTTP 503).
    #[error("the identity provider cannot be reached; try again shortly")]
    Unavailable,
    /// A cookie-borne request without the matching CSRF header (HTTP 403).
    #[error("send the x-csrf-token header with the value of the motgift_csrf cookie")]
    CrossSite,
}

impl AuthError {
    pub fn invalid(reason: impl Into<String>) -> Self {
        AuthError::Invalid(reason.into())
    }
}

/// Only these may sign an access token.
const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

enum Keys {
    /// The development issuer's one key.
    Fixed(VerificationKey),
    Published(Jwks),
}

struct TrustedIssuer {
    issuer: String,
    name: String,
    audiences: Vec<String>,
    leeway: u64,
    mapping: ClaimMapping,
    keys: Keys,
    introspection: Option<Introspection>,
}

/// Turns a request's credentials into a caller.
#[derive(Default)]
pub struct Authenticator {
    issuers: Vec<TrustedIssuer>,
    browser: Option<BrowserSignIn>,
    verified: VerifiedTokens,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.issuers.iter().map(|i| &i.issuer))
            .finish()
    }
}

impl Authenticator {
    /// Trusts the configured issuers and, if given, the development issuer.
    pub fn new(settings: &AuthSettings, dev: Option<&DevIssuer>) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        let mut issuers: Vec<TrustedIssuer> = settings
            .issuers
            .iter()
            .map(|s| TrustedIssuer::oidc(s, http.clone()))
            .collect();
        if let Some(dev) = dev {
            issuers.push(TrustedIssuer {
                issuer: dev_issuer::ISSUER.to_owned(),
                name: "dev".to_owned(),
                audiences: vec![dev_issuer::AUDIENCE.to_owned()],
                leeway: 30,
                mapping: ClaimMapping::default(),
                keys: Keys::Fixed(dev.verification_key()),
                introspection: None,
            });
        }
        Self {
            issuers,
            browser: settings.browser.clone().map(BrowserSignIn::new),
            verified: VerifiedTokens::default(),
        }
    }

    /// Browser sign-in, when configured.
    pub fn browser(&self) -> Option<&BrowserSignIn> {
        self.browser.as_ref()
    }

    pub fn trusts_any(&self) -> bool {
        !self.issuers.is_empty()
    }

    /// The caller of a request: `None` without credentials, an error for bad ones. A bearer
    /// token wins over a session cookie; a session cookie needs the CSRF header too.
    pub async fn caller(&self, headers: &HeaderMap) -> Result<Option<Caller>, AuthError> {
        self.caller_checked(headers, true).await
    }

    /// The caller of a page a browser opens by following a link (`GET`, changing nothing):
    /// the session cookie alone is enough there, since it is `SameSite=Strict` and so never
    /// sent with another site's requests, and a link cannot carry the CSRF header.
    pub async fn page_caller(&self, headers: &HeaderMap) -> Result<Option<Caller>, AuthError> {
        self.caller_checked(headers, false).await
    }

    async fn caller_checked(
        &self,
        headers: &HeaderMap,
        needs_csrf: bool,
    ) -> Result<Option<Caller>, AuthError> {
        let Some(value) = headers.get(AUTHORIZATION) else {
            let Some(session) =
                browser::cookie_value(headers, browser::SESSION_COOKIE).filter(|s| !s.is_empty())
            else {
                return Ok(None);
            };
            let csrf = browser::cookie_value(headers, browser::CSRF_COOKIE);
            let sent = headers
                .get(browser::CSRF_HEADER)
                .and_then(|v| v.to_str().ok());
            if needs_csrf && (csrf.is_none() || csrf != sent) {
                return Err(AuthError::CrossSite);
            }
            return self.verify(session).await.map(Some);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| AuthError::invalid("use `Authorization: Bearer <access token>`"))?;
        self.verify(token).await.map(Some)
    }

    /// Verifies a bearer token and returns its caller. A signed token that passed is kept
    /// checked for a while (see [`verified`]).
    pub async fn verify(&self, token: &str) -> Result<Caller, AuthError> {
        if token.split('.').count() != 3 {
            return self.introspect(token).await;
        }
        if let Some(caller) = self.verified.get(token) {
            return Ok(caller);
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::invalid("the access token is not a signed JWT"))?;
        if !ASYMMETRIC.contains(&header.alg) {
            return Err(AuthError::invalid(format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            )));
        }
        let claimed = unverified_issuer(token)
            .ok_or_else(|| AuthError::invalid("the access token names no issuer"))?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.issuer == claimed)
            .ok_or_else(|| AuthError::invalid("the token's issuer is not trusted"))?;
        let key = match &issuer.keys {
            Keys::Fixed(key) => key.clone(),
            Keys::Published(jwks) => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or_else(|| AuthError::invalid("the token names no key id"))?;
                jwks.key(kid).await?
            }
        };
        if !key.algorithms.contains(&header.alg) {
            return Err(AuthError::invalid(
                "the token's algorithm does not match its key",
            ));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&issuer.issuer]);
        validation.set_audience(&issuer.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = issuer.leeway;
        let data = jsonwebtoken::decode::<Value>(token, &key.key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind::*;
            AuthError::invalid(match e.kind() {
                ExpiredSignature => "the access token has expired",
                ImmatureSignature => "the access token is not valid yet",
                InvalidAudience => "the access token is for another audience",
                InvalidIssuer => "the token's issuer is not trusted",
                InvalidSignature => "the access token's signature is not valid",
                _ => "the access token is not valid",
            })
        })?;
        let caller = issuer
            .mapping
            .caller(&issuer.name, &data.claims)
            .map_err(AuthError::Invalid)?;
        // `exp` is required, so it is there; the check accepts it up to the leeway later.
        if let Some(exp) = data.claims.get("exp").and_then(Value::as_u64) {
            self.verified
                .keep(token, &caller, exp.saturating_add(issuer.leeway));
        }
        Ok(caller)
    }
}

impl Authenticator {
    /// An opaque token: the issuers that introspect are asked in turn; the first that knows
    /// it as active describes the caller.
    async fn introspect(&self, token: &str) -> Result<Caller, AuthError> {
        for issuer in &self.issuers {
            let Some(introspection) = &issuer.introspection else {
                continue;
            };
            let Some(claims) = introspection.claims(token).await? else {
                continue;
            };
            if claims
                .get("iss")
                .is_some_and(|iss| iss.as_str() != Some(issuer.issuer.as_str()))
            {
                return Err(AuthError::invalid("the token's issuer is not trusted"));
            }
            let audiences = match claims.get("aud") {
                Some(Value::String(aud)) => vec![aud.clone()],
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            if !audiences.iter().any(|a| issuer.audiences.contains(a)) {
                return Err(AuthError::invalid(
                    "the access token is for another audience",
                ));
            }
            return issuer
                .mapping
                .caller(&issuer.name, &claims)
                .map_err(AuthError::Invalid);
        }
        Err(AuthError::invalid("the access token is not valid"))
    }
}

impl TrustedIssuer {
    fn oidc(settings: &IssuerSettings, http: reqwest::Client) -> Self {
        let discovery = settings.discovery_url.clone().unwrap_or_else(|| {
            format!(
                "{}/.well-known/openid-configuration",
                settings.issuer.trim_end_matches('/')
            )
        });
        Self {
            issuer: settings.issuer.clone(),
            name: settings
                .name
                .clone()
                .unwrap_or_else(|| settings.issuer.clone()),
            audiences: settings.audiences.clone(),
            leeway: settings.leeway_seconds,
            mapping: settings.claims.clone(),
            keys: Keys::Published(Jwks::new(
                discovery,
                http.clone(),
                Duration::from_secs(settings.jwks_min_refetch_seconds),
            )),
            introspection: settings.introspection.as_ref().and_then(|s| {
                Introspection::new(s, http)
                    .inspect_err(|e| tracing::error!(issuer = %settings.issuer, error = %e, "introspection not set up"))
                    .ok()
            }),
        }
    }
}

/// The `iss` of a token before its signature is checked: only used to pick the issuer whose
/// keys then check it.
fn unverified_issuer(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}
