//! Browser sign-in: the authorization code flow with PKCE, through the `oauth2` crate.
//!
//! The service keeps no session state: the pending sign-in (state, PKCE verifier, where to
//! return) lives in a short-lived cookie for `/auth`, and the session is the access token
//! itself in an HttpOnly cookie, checked like a bearer token on every request. Cookie-borne
//! GraphQL requests must also send the `x-csrf-token` header with the value of the readable
//! `motgift_csrf` cookie (double submit), which another site cannot read.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use tokio::sync::OnceCell;

use super::settings::BrowserSettings;
use super::{AuthError, Authenticator};

pub const SESSION_COOKIE: &str = "motgift_session";
pub const CSRF_COOKIE: &str = "motgift_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const LOGIN_COOKIE: &str = "motgift_login";
/// How long a started sign-in may take.
const LOGIN_SECONDS: u32 = 600;

#[derive(Debug, Clone, Deserialize)]
struct Endpoints {
    authorization_endpoint: String,
    token_endpoint: String,
    end_session_endpoint: Option<String>,
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

pub struct BrowserSignIn {
    settings: BrowserSettings,
    http: reqwest::Client,
    endpoints: OnceCell<Endpoints>,
}

/// Where to send the browser next, and the cookies to set on the way.
pub struct Redirect {
    pub location: String,
    pub cookies: Vec<String>,
}

impl BrowserSignIn {
    pub fn new(settings: BrowserSettings) -> Self {
        Self {
            settings,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
            endpoints: OnceCell::new(),
        }
    }

    async fn endpoints(&self) -> Result<&Endpoints, AuthError> {
        self.endpoints
            .get_or_try_init(async || {
                let url = format!(
                    "{}/.well-known/openid-configuration",
                    self.settings.issuer.trim_end_matches('/')
                );
                let response = self.http.get(&url).send().await;
                match response.and_then(reqwest::Response::error_for_status) {
                    Ok(r) => r
                        .json::<Endpoints>()
                        .await
                        .map_err(|_| AuthError::Unavailable),
                    Err(_) => Err(AuthError::Unavailable),
                }
            })
            .await
    }

    async fn client(&self) -> Result<Client, AuthError> {
        let endpoints = self.endpoints().await?;
        let invalid = |what: &str| AuthError::invalid(format!("the issuer's {what} is not a URL"));
        let mut client = BasicClient::new(ClientId::new(self.settings.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(endpoints.authorization_endpoint.clone())
                    .map_err(|_| invalid("authorization endpoint"))?,
            )
            .set_token_uri(
                TokenUrl::new(endpoints.token_endpoint.clone())
                    .map_err(|_| invalid("token endpoint"))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(self.settings.redirect_url.clone())
                    .map_err(|_| invalid("redirect URL"))?,
            );
        if let Some(secret) = &self.settings.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.clone()));
        }
        Ok(client)
    }

    /// Starts a sign-in: the issuer's authorization URL, and the pending sign-in in a cookie.
    pub async fn login(&self, return_to: Option<&str>) -> Result<Redirect, AuthError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(resource) = &self.settings.resource {
            request = request.add_extra_param("resource", resource.clone());
        }
        let (url, state) = request.url();
        // Only local paths: never an open redirect.
        let return_to = return_to
            .filter(|p| p.starts_with('/') && !p.starts_with("//"))
            .unwrap_or("/graphql");
        let pending = [
            state.secret().as_str(),
            verifier.secret().as_str(),
            &URL_SAFE_NO_PAD.encode(return_to),
        ]
        .join(".");
        Ok(Redirect {
            location: url.to_string(),
            cookies: vec![cookie(
                LOGIN_COOKIE,
                &pending,
                "/auth",
                Some(LOGIN_SECONDS),
                true,
                "Lax",
            )],
        })
    }

    /// Finishes a sign-in: checks the state against the pending cookie, exchanges the code
    /// with the PKCE verifier, checks the access token like any bearer token, and starts the
    /// session.
    pub async fn callback(
        &self,
        auth: &Authenticator,
        code: &str,
        state: &str,
        pending: Option<&str>,
    ) -> Result<Redirect, AuthError> {
        let pending = pending.ok_or_else(|| AuthError::invalid("no sign-in was started here"))?;
        let mut parts = pending.split('.');
        let (Some(expected), Some(verifier), Some(return_to)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(AuthError::invalid("the sign-in cookie is damaged"));
        };
        if expected != state {
            return Err(AuthError::invalid("the sign-in's state does not match"));
        }
        let return_to = URL_SAFE_NO_PAD
            .decode(return_to)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_else(|| "/graphql".to_owned());
        let token = self
            .client()
            .await?
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| AuthError::invalid(format!("the issuer refused the sign-in: {e}")))?;
        let access_token = token.access_token().secret().clone();
        auth.verify(&access_token).await?;
        let max_age = token
            .expires_in()
            .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
        let csrf = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        Ok(Redirect {
            location: return_to,
            cookies: vec![
                cookie(SESSION_COOKIE, &access_token, "/", max_age, true, "Strict"),
                cookie(CSRF_COOKIE, &csrf, "/", max_age, false, "Strict"),
                cookie(LOGIN_COOKIE, "", "/auth", Some(0), true, "Lax"),
            ],
        })
    }

    /// Ends the session here and, where the issuer offers it, there too.
    pub async fn logout(&self) -> Redirect {
        let location = match self.endpoints().await {
            Ok(Endpoints {
                end_session_endpoint: Some(end),
                ..
            }) => format!("{end}?client_id={}", self.settings.client_id),
            _ => "/".to_owned(),
        };
        Redirect {
            location,
            cookies: vec![
                cookie(SESSION_COOKIE, "", "/", Some(0), true, "Strict"),
                cookie(CSRF_COOKIE, "", "/", Some(0), false, "Strict"),
            ],
        }
    }
}

/// A `Set-Cookie` value. Always `Secure`: browsers accept secure cookies from
/// `http://localhost` and `127.0.0.1`, and everything else is served over TLS.
fn cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<u32>,
    http_only: bool,
    same_site: &str,
) -> String {
    let mut cookie = format!("{name}={value}; Path={path}; Secure; SameSite={same_site}");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    cookie
}

/// A cookie's value from a request's `Cookie` headers.
pub fn cookie_value<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}
