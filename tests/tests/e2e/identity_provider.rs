//! The test OpenID provider itself: what it issues is what the service will be asked to
//! verify, so these pin down discovery, the JWKS, key rotation, the claims in access tokens,
//! the browser sign-in with PKCE and the test-only signing route.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use motgift_tests::oidc::{OidcProvider, WEB_CLIENT_ID, access_token, decode_unverified};
use reqwest::Url;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const AUDIENCE: &str = "urn:motgift:api";
/// Nothing listens here: the sign-in stops at the redirect and never follows it.
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback";

async fn provider() -> OidcProvider {
    OidcProvider::start(AUDIENCE, REDIRECT_URI).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_tokens_are_jwts_for_the_api_signed_by_a_published_key() {
    let idp = provider().await;
    let discovery = idp.discovery().await;
    assert_eq!(discovery["issuer"], json!(idp.issuer));
    assert_eq!(discovery["jwks_uri"], json!(idp.url("/jwks")));
    let kids = idp.published_kids().await;

    let token = idp
        .client_credentials("dashboard", "dashboard-secret")
        .await;
    let (header, claims) = decode_unverified(&token);
    assert_eq!(header["alg"], "RS256");
    assert!(
        kids.iter().any(|kid| header["kid"] == json!(kid)),
        "{header} not in {kids:?}"
    );
    assert_eq!(claims["iss"], json!(idp.issuer));
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["roles"], json!(["analyst"]));
    assert_eq!(claims.get("kommunenummer"), None);

    let token = idp
        .client_credentials("molde-coordinator-app", "molde-secret")
        .await;
    let (_, claims) = decode_unverified(&token);
    assert_eq!(claims["kommunenummer"], json!(["1506"]));
    assert_eq!(claims["roles"], json!(["coordinator"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_signs_with_a_new_key_and_keeps_the_old_one_published() {
    let mut idp = provider().await;
    let before = idp
        .client_credentials("dashboard", "dashboard-secret")
        .await;
    let issuer = idp.issuer.clone();

    idp.rotate().await;

    assert_eq!(idp.issuer, issuer);
    let after = idp
        .client_credentials("dashboard", "dashboard-secret")
        .await;
    let old_kid = decode_unverified(&before).0["kid"].clone();
    let new_kid = decode_unverified(&after).0["kid"].clone();
    assert_ne!(old_kid, new_kid);
    let kids = idp.published_kids().await;
    for kid in [&old_kid, &new_kid] {
        assert!(
            kids.iter().any(|k| *kid == json!(k)),
            "{kid} not in {kids:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_with_pkce_yields_a_code_for_the_persons_token() {
    let idp = provider().await;
    let verifier = format!("verifier-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut authorize = Url::parse(&idp.url("/auth")).expect("authorization endpoint");
    authorize
        .query_pairs_mut()
        .append_pair("client_id", WEB_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid profile")
        .append_pair("state", "state-123")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("resource", AUDIENCE);
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser client");

    let redirect = idp
        .sign_in(&browser, authorize.as_str(), "molde-coordinator")
        .await;

    let redirect = Url::parse(&redirect).expect("redirect URL");
    let param = |name: &str| {
        redirect
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some("state-123"));
    assert_eq!(param("iss").as_deref(), Some(idp.issuer.as_str()));
    let code = param("code").unwrap_or_else(|| panic!("no code in {redirect}"));

    let response = reqwest::Client::new()
        .post(idp.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", WEB_CLIENT_ID),
            ("code", &code),
            ("code_verifier", &verifier),
            ("redirect_uri", REDIRECT_URI),
            ("resource", AUDIENCE),
        ])
        .send()
        .await
        .expect("token request");
    let status = response.status();
    let body: Value = response.json().await.expect("token response");
    assert!(status.is_success(), "{status}: {body}");
    let (_, claims) = decode_unverified(&access_token(&body));
    assert_eq!(claims["sub"], "molde-coordinator");
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["kommunenummer"], json!(["1506"]));
    assert_eq!(claims["roles"], json!(["coordinator"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_route_uses_the_published_key_unless_asked_for_an_unpublished_one() {
    let idp = provider().await;
    let kids = idp.published_kids().await;
    let claims = json!({ "iss": idp.issuer, "aud": AUDIENCE, "roles": ["analyst"] });

    let published = idp.sign(claims.clone(), None, false).await;
    let (header, payload) = decode_unverified(&published);
    assert!(kids.iter().any(|kid| header["kid"] == json!(kid)));
    assert_eq!(payload, claims);

    let unpublished = idp.sign(claims.clone(), None, true).await;
    let (header, _) = decode_unverified(&unpublished);
    assert!(
        !kids.iter().any(|kid| header["kid"] == json!(kid)),
        "{header} is in {kids:?}"
    );

    let spoofed = idp.sign(claims, Some("key-1"), true).await;
    assert_eq!(decode_unverified(&spoofed).0["kid"], "key-1");
    assert!(
        idp.public_pem()
            .await
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
}
