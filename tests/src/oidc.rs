//! A real OpenID Connect provider for tests: `tests/oidc/provider.mjs` (npm's `oidc-provider`)
//! run by Node as a child process, and helpers to get tokens from it.
//!
//! No mocks: the service under test discovers the provider, fetches its JWKS and verifies the
//! RS256 JWT access tokens it issues, as it would in production. Besides the standard
//! endpoints the provider has two test-only routes, `POST /test/sign` (tokens with chosen
//! claims, kid or an unpublished key, for the negative cases) and `GET /test/public.pem`.
//!
//! Clients (secret → claims in the access token):
//! `dashboard` / `dashboard-secret` → roles `["analyst"]`;
//! `molde-coordinator-app` / `molde-secret` → kommunenummer `["1506"]`, roles `["coordinator"]`;
//! `kristiansund-registrar-app` / `kristiansund-secret` → `["1505"]`, `["registrar"]`;
//! `motgift-web`, a public browser client (authorization code with PKCE S256).
//! Logins for the browser flow: `molde-coordinator`, `kristiansund-registrar`, `analyst`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long Node may take to start the provider before the test gives up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// The browser client registered at the provider.
pub const WEB_CLIENT_ID: &str = "motgift-web";

/// A running provider. The Node process is killed and the keys file removed when this is
/// dropped.
pub struct OidcProvider {
    /// `http://127.0.0.1:{port}`, the `iss` of every token and the discovery base.
    pub issuer: String,
    pub port: u16,
    /// The API's resource indicator: the `aud` of every access token.
    pub audience: String,
    /// The only redirect URI of `motgift-web`.
    pub redirect_uri: String,
    keys_file: PathBuf,
    child: Child,
    /// What the provider has written to stderr, for failure messages.
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
}

impl OidcProvider {
    /// Starts a provider with a fresh signing key. Node picks a free port (`PORT=0`) and
    /// reports it, so parallel tests never race for one.
    pub async fn start(audience: &str, redirect_uri: &str) -> Self {
        let dir = provider_dir();
        assert!(
            dir.join("node_modules").is_dir(),
            "the test OpenID provider's packages are missing: \
             run `npm ci --prefix tests/oidc` (scripts/test does this)"
        );
        let keys_file =
            std::env::temp_dir().join(format!("motgift-oidc-keys-{}.json", uuid::Uuid::new_v4()));
        let process = Process::launch(0, audience, redirect_uri, &keys_file, false).await;
        Self {
            issuer: process.issuer,
            port: process.port,
            audience: audience.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            keys_file,
            child: process.child,
            stderr: process.stderr,
            http: reqwest::Client::new(),
        }
    }

    /// Rotates the signing key the way an identity provider does: a new key signs from now
    /// on, the old ones stay in the JWKS so tokens they signed still verify. The process is
    /// restarted on the same port and keys file (its in-memory sessions and grants are lost).
    pub async fn rotate(&mut self) {
        // The old process must have released the port before the new one binds it.
        let _ = self.child.kill().await;
        let process = Process::launch(
            self.port,
            &self.audience,
            &self.redirect_uri,
            &self.keys_file,
            true,
        )
        .await;
        assert_eq!(process.issuer, self.issuer, "the provider moved");
        self.child = process.child;
        self.stderr = process.stderr;
        // A fresh client: pooled connections to the killed process would fail the next request.
        self.http = reqwest::Client::new();
    }

    /// An access token for a client-credentials client (`client_secret_basic`), for the
    /// audience. Panics with the provider's answer when it refuses.
    pub async fn client_credentials(&self, client_id: &str, secret: &str) -> String {
        let response = self
            .http
            .post(self.url("/token"))
            .basic_auth(client_id, Some(secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("resource", self.audience.as_str()),
            ])
            .send()
            .await
            .expect("token request");
        let body = self.json(response, "client credentials token").await;
        access_token(&body)
    }

    /// A token signed by the provider's current key (or, when `unpublished`, by a fresh key
    /// that is not in the JWKS) with exactly these claims: nothing is added, so tests can
    /// leave out or spoil `iss`, `aud` and `exp`. `kid` overrides the header's key id.
    pub async fn sign(&self, claims: Value, kid: Option<&str>, unpublished: bool) -> String {
        let key = if unpublished {
            "unpublished"
        } else {
            "current"
        };
        self.sign_with(json!({ "claims": claims, "kid": kid, "key": key }))
            .await
    }

    /// `POST /test/sign` with a full request: `claims`, `kid`, `key` (`current` or
    /// `unpublished`), `alg` (RS256 by default; RS/PS 256–512, `none`, or HS256–512 keyed
    /// with the public key's PEM for algorithm-confusion attacks) and `typ` (`at+jwt`).
    pub async fn sign_with(&self, request: Value) -> String {
        let response = self
            .http
            .post(self.url("/test/sign"))
            .json(&request)
            .send()
            .await
            .expect("sign request");
        let body = self.json(response, "test signature").await;
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {body}"))
            .to_owned()
    }

    /// The current signing key's public key as SPKI PEM text.
    pub async fn public_pem(&self) -> String {
        let response = self
            .http
            .get(self.url("/test/public.pem"))
            .send()
            .await
            .expect("public key request");
        let status = response.status();
        let body = response.text().await.expect("public key body");
        assert!(status.is_success(), "public key: {status}: {body}");
        body
    }

    /// The key ids in the JWKS, found through discovery as a relying party finds them.
    pub async fn published_kids(&self) -> Vec<String> {
        let discovery = self.discovery().await;
        let jwks_uri = discovery["jwks_uri"]
            .as_str()
            .unwrap_or_else(|| panic!("no jwks_uri in {discovery}"));
        let response = self.http.get(jwks_uri).send().await.expect("jwks request");
        let jwks = self.json(response, "jwks").await;
        jwks["keys"]
            .as_array()
            .unwrap_or_else(|| panic!("no keys in {jwks}"))
            .iter()
            .filter_map(|key| key["kid"].as_str().map(str::to_owned))
            .collect()
    }

    /// The discovery document (`/.well-known/openid-configuration`).
    pub async fn discovery(&self) -> Value {
        let response = self
            .http
            .get(self.url("/.well-known/openid-configuration"))
            .send()
            .await
            .expect("discovery request");
        self.json(response, "discovery").await
    }

    /// Signs in as a person through the browser flow, starting from the authorization URL the
    /// service under test built, and returns the provider's final redirect to the
    /// `redirect_uri` (carrying `code` and `state`, or an `error`).
    ///
    /// The login (any password) and consent forms are the provider's development
    /// interactions; their state lives in cookies and the provider redirects between them, so
    /// the client must keep cookies and must not follow redirects itself (it would follow the
    /// last one to the service):
    /// `reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none())`.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        authorize_url: &str,
        login: &str,
    ) -> String {
        let mut url = Url::parse(authorize_url).expect("authorization URL");
        // The authorization request, login, resume, consent, resume: a few more is a loop.
        for _ in 0..12 {
            let response = client
                .get(url.clone())
                .send()
                .await
                .expect("provider request");
            let response = match response.status() {
                StatusCode::OK if url.path().starts_with("/interaction/") => {
                    let page = response.text().await.expect("interaction page");
                    let form: &[(&str, &str)] = if page.contains(r#"value="login""#) {
                        &[("prompt", "login"), ("login", login), ("password", "any")]
                    } else if page.contains(r#"value="consent""#) {
                        &[("prompt", "consent")]
                    } else {
                        panic!("unexpected interaction page at {url}:\n{page}");
                    };
                    // The forms post back to the page's own URL.
                    client
                        .post(url.clone())
                        .form(form)
                        .send()
                        .await
                        .expect("interaction form post")
                }
                _ => response,
            };
            let status = response.status();
            let Some(location) = response.headers().get(reqwest::header::LOCATION) else {
                let body = response.text().await.unwrap_or_default();
                panic!("sign-in stopped at {url} with {status}:\n{body}");
            };
            let location = location.to_str().expect("ASCII Location").to_owned();
            if location.starts_with(&self.redirect_uri) {
                return location;
            }
            url = url.join(&location).expect("provider redirect");
        }
        panic!(
            "sign-in did not reach {} (stopped at {url})",
            self.redirect_uri
        );
    }

    /// `{issuer}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The JSON body of a successful answer; panics with the body and the provider's stderr.
    async fn json(&self, response: reqwest::Response, what: &str) -> Value {
        let status = response.status();
        let body = response.text().await.expect("provider response body");
        if !status.is_success() {
            panic!(
                "{what}: {status}: {body}\nprovider stderr:\n{}",
                self.stderr.lock().expect("stderr buffer")
            );
        }
        serde_json::from_str(&body).unwrap_or_else(|err| panic!("{what}: {err}: {body}"))
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        // The child itself is killed by `kill_on_drop`.
        let _ = std::fs::remove_file(&self.keys_file);
    }
}

/// The `access_token` of a token response.
pub fn access_token(response: &Value) -> String {
    response["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access_token in {response}"))
        .to_owned()
}

/// The header and payload of a compact JWT, decoded without verifying anything: for
/// assertions about what the provider issued, never for trusting a token.
pub fn decode_unverified(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part = |name: &str| -> Value {
        let encoded = parts
            .next()
            .unwrap_or_else(|| panic!("no JWT {name} in {token}"));
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .unwrap_or_else(|err| panic!("JWT {name} is not base64url: {err}"));
        serde_json::from_slice(&bytes).unwrap_or_else(|err| panic!("JWT {name} is not JSON: {err}"))
    };
    let header = part("header");
    let payload = part("payload");
    (header, payload)
}

/// A started Node process and what it reported.
struct Process {
    child: Child,
    issuer: String,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Process {
    /// Spawns Node and waits for its `listening <issuer>` line. Port 0 lets Node choose.
    async fn launch(
        port: u16,
        audience: &str,
        redirect_uri: &str,
        keys_file: &Path,
        rotate: bool,
    ) -> Self {
        let dir = provider_dir();
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .env("AUDIENCE", audience)
            .env("KEYS_FILE", keys_file)
            .env("REDIRECT_URI", redirect_uri)
            .env("ROTATE", if rotate { "1" } else { "0" })
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run `node` for the test OpenID provider: {err}"));
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_done = tokio::spawn(collect(
            child.stderr.take().expect("piped stderr"),
            stderr.clone(),
        ));
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();

        let listening = tokio::time::timeout(STARTUP_TIMEOUT, async {
            while let Ok(Some(line)) = stdout.next_line().await {
                if let Some(issuer) = line.strip_prefix("listening ") {
                    return Some(issuer.trim().to_owned());
                }
            }
            None
        })
        .await;
        let issuer = match listening {
            Ok(Some(issuer)) => issuer,
            outcome => {
                let _ = child.kill().await;
                let _ = tokio::time::timeout(Duration::from_secs(2), stderr_done).await;
                let why = match outcome {
                    Err(_) => "did not start within 20 s",
                    Ok(_) => "exited before listening",
                };
                panic!(
                    "the test OpenID provider {why}; its stderr:\n{}",
                    stderr.lock().expect("stderr buffer")
                );
            }
        };
        // Keep reading stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });

        let port = issuer
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in the provider's issuer {issuer}"));
        Self {
            child,
            issuer,
            port,
            stderr,
        }
    }
}

/// `tests/oidc`, where `provider.mjs` and its `node_modules` live.
fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc")
}

/// Appends everything the reader yields to `buffer`, so the pipe never fills up.
async fn collect(mut reader: impl AsyncRead + Unpin, buffer: Arc<Mutex<String>>) {
    let mut chunk = vec![0; 4096];
    while let Ok(read) = reader.read(&mut chunk).await {
        if read == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&chunk[..read]);
        buffer.lock().expect("stderr buffer").push_str(&text);
    }
}
