//! Sign-in against a real OpenID Connect provider (npm's oidc-provider, started locally): the
//! service checks bearer tokens through discovery and the provider's JWKS, and refuses every
//! kind of bad token with `UNAUTHENTICATED` and HTTP 401, reading nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use motgift_api::auth::settings::{AuthSettings, ClaimMapping, IssuerSettings};
use motgift_tests::oidc::OidcProvider;
use motgift_tests::{Backend, TestApp, TestDb, error_code};
use serde_json::{Value, json};

const AUDIENCE: &str = "urn:motgift:api";
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback";

const INCIDENTS: &str =
    "{ overdoseIncidents { totalCount nodes { municipality { kommunenummer } } } }";

async fn app_trusting(idp: &OidcProvider) -> TestApp {
    let db = TestDb::new(Backend::Postgres).await;
    let store = db.store();
    let settings = AuthSettings {
        issuers: vec![IssuerSettings {
            issuer: idp.issuer.clone(),
            name: Some("test-idp".to_owned()),
            audiences: vec![AUDIENCE.to_owned()],
            discovery_url: None,
            leeway_seconds: 5,
            // Rotation is tested right after the first fetch.
            jwks_min_refetch_seconds: 0,
            claims: ClaimMapping::default(),
        }],
    };
    TestApp::serve_with(db, store, &settings).await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(idp: &OidcProvider) -> Value {
    json!({
        "iss": idp.issuer, "aud": AUDIENCE, "sub": "tester",
        "iat": now(), "exp": now() + 300,
        "kommunenummer": ["1506"], "roles": ["coordinator"],
    })
}

/// Records one incident for each municipality, so a leak would show.
async fn record_incidents(app: &TestApp) {
    for caller in ["1506:registrar", "1505:registrar"] {
        app.clone()
            .with_caller(caller)
            .query(
                "mutation($input: CreateOverdoseIncidentInput!) { createOverdoseIncident(input: $input) { id } }",
                json!({ "input": {
                    "occurredOn": "2025-05-01", "placeType": "PRIVATE_HOME", "outcome": "NON_FATAL",
                    "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "YES",
                    "disposition": "TREATED_ON_SCENE", "ageBand": "AGE_25_34", "sex": "FEMALE",
                    "followUpOffered": "NO", "source": "MUNICIPAL_SERVICE" } }),
            )
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_tokens_sign_in_with_their_scope() {
    let idp = OidcProvider::start(AUDIENCE, REDIRECT_URI).await;
    let app = app_trusting(&idp).await;
    record_incidents(&app).await;

    let molde = idp
        .client_credentials("molde-coordinator-app", "molde-secret")
        .await;
    let data = app
        .clone()
        .with_bearer(&molde)
        .query(INCIDENTS, json!({}))
        .await;
    assert_eq!(data["overdoseIncidents"]["totalCount"], 1);
    assert_eq!(
        data["overdoseIncidents"]["nodes"][0]["municipality"]["kommunenummer"],
        "1506"
    );

    let dashboard = idp
        .client_credentials("dashboard", "dashboard-secret")
        .await;
    let analyst = app.clone().with_bearer(&dashboard);
    assert_eq!(
        error_code(&analyst.graphql(INCIDENTS, json!({})).await),
        "FORBIDDEN"
    );
    let reference = analyst
        .query("{ municipalities { kommunenummer } }", json!({}))
        .await;
    assert_eq!(reference["municipalities"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_unauthenticated_and_read_nothing() {
    let idp = OidcProvider::start(AUDIENCE, REDIRECT_URI).await;
    let app = app_trusting(&idp).await;
    record_incidents(&app).await;
    let good = idp.sign(claims(&idp), None, false).await;
    // The good token works, so each refusal below is about what was spoiled.
    let data = app
        .clone()
        .with_bearer(&good)
        .query(INCIDENTS, json!({}))
        .await;
    assert_eq!(data["overdoseIncidents"]["totalCount"], 1);

    let with = |change: Value| {
        let mut c = claims(&idp);
        for (k, v) in change.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let mut payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["kommunenummer"] = json!(["1505", "1506", "1508"]);
        let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
        format!("{}.{payload}.{}", parts[0], parts[2])
    };
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        (
            "expired",
            Some(
                idp.sign(
                    with(json!({ "exp": now() - 600, "iat": now() - 900 })),
                    None,
                    false,
                )
                .await,
            ),
        ),
        (
            "not yet valid",
            Some(
                idp.sign(with(json!({ "nbf": now() + 600 })), None, false)
                    .await,
            ),
        ),
        (
            "wrong issuer",
            Some(
                idp.sign(with(json!({ "iss": "https://idp.example" })), None, false)
                    .await,
            ),
        ),
        (
            "wrong audience",
            Some(
                idp.sign(with(json!({ "aud": "urn:other:api" })), None, false)
                    .await,
            ),
        ),
        (
            "alg none",
            Some(
                idp.sign_with(json!({ "claims": claims(&idp), "alg": "none" }))
                    .await,
            ),
        ),
        (
            "HS256 keyed with the public key",
            Some(
                idp.sign_with(json!({ "claims": claims(&idp), "alg": "HS256" }))
                    .await,
            ),
        ),
        ("tampered payload", Some(tampered)),
        (
            "unknown key id",
            Some(idp.sign(claims(&idp), None, true).await),
        ),
        ("garbage", Some("not-a-token".to_owned())),
    ];
    for (case, token) in cases {
        let client = match &token {
            Some(token) => app.clone().with_bearer(token),
            None => app.clone().anonymous(),
        };
        let (status, body) = client.graphql_with_status(INCIDENTS, json!({})).await;
        assert_eq!(status, 401, "{case}: {body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{case}: {body}");
        assert_eq!(body["data"], Value::Null, "{case}: nothing is read: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_picked_up_without_a_restart() {
    let mut idp = OidcProvider::start(AUDIENCE, REDIRECT_URI).await;
    let app = app_trusting(&idp).await;
    let before = idp
        .client_credentials("molde-coordinator-app", "molde-secret")
        .await;
    app.clone()
        .with_bearer(&before)
        .query(INCIDENTS, json!({}))
        .await;

    idp.rotate().await;
    let after = idp
        .client_credentials("molde-coordinator-app", "molde-secret")
        .await;
    let data = app
        .clone()
        .with_bearer(&after)
        .query(INCIDENTS, json!({}))
        .await;
    assert_eq!(data["overdoseIncidents"]["totalCount"], 0);
    // The old key is still published, so tokens issued before the rotation stay valid.
    app.clone()
        .with_bearer(&before)
        .query(INCIDENTS, json!({}))
        .await;
}
