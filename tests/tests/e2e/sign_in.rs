//! Sign-in against a real OpenID Connect provider (npm's oidc-provider, started locally): the
//! service checks bearer tokens through discovery and the provider's JWKS, and refuses every
//! kind of bad token with `UNAUTHENTICATED` and HTTP 401, reading nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;

use motgift_api::auth::settings::{
    AuthSettings, BrowserSettings, ClaimMapping, IntrospectionSettings, IssuerSettings,
};
use motgift_tests::oidc::OidcProvider;
use motgift_tests::{Backend, TestApp, TestDb, error_code};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use tokio::net::TcpListener;

const AUDIENCE: &str = "urn:motgift:api";
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback";

const INCIDENTS: &str =
    "{ overdoseIncidents { totalCount nodes { municipality { kommunenummer } } } }";

fn trusting(idp: &OidcProvider) -> AuthSettings {
    AuthSettings {
        issuers: vec![IssuerSettings {
            issuer: idp.issuer.clone(),
            name: Some("test-idp".to_owned()),
            audiences: vec![AUDIENCE.to_owned()],
            discovery_url: None,
            leeway_seconds: 5,
            // Rotation is tested right after the first fetch.
            jwks_min_refetch_seconds: 0,
            claims: ClaimMapping::default(),
            introspection: None,
        }],
        browser: None,
    }
}

async fn app_trusting(idp: &OidcProvider) -> TestApp {
    let db = TestDb::new(Backend::Postgres).await;
    let store = db.store();
    TestApp::serve_with(db, store, &trusting(idp)).await
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

/// The cookies a response sets, by name (value without attributes).
fn set_cookies(response: &reqwest::Response) -> HashMap<String, String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_sign_in_with_pkce_ends_in_a_working_session() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let callback = format!("{base}/auth/callback");
    let idp = OidcProvider::start(AUDIENCE, &callback).await;
    let mut settings = trusting(&idp);
    settings.browser = Some(BrowserSettings {
        issuer: idp.issuer.clone(),
        client_id: "motgift-web".to_owned(),
        client_secret: None,
        redirect_url: callback,
        scopes: vec!["openid".to_owned()],
        resource: Some(AUDIENCE.to_owned()),
    });
    let db = TestDb::new(Backend::Postgres).await;
    let store = db.store();
    let app = TestApp::serve_on(listener, db, store, &settings).await;
    record_incidents(&app).await;
    // Our cookies are `Secure`; a browser keeps them for 127.0.0.1, reqwest's jar does not,
    // so the test carries them by hand. The provider's own cookies live in the jar.
    let service = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let login = service
        .get(format!("{base}/auth/login?return_to=/graphql"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let authorize = location(&login);
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    let pending = set_cookies(&login)["motgift_login"].clone();
    let back = idp.sign_in(&browser, &authorize, "molde-coordinator").await;

    // A callback without the pending sign-in cookie (another browser) is refused.
    let stranger = service.get(&back).send().await.unwrap();
    assert_eq!(stranger.status(), 401);

    let done = service
        .get(&back)
        .header(COOKIE, format!("motgift_login={pending}"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(location(&done), "/graphql");
    let set = done
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    let session_cookie = set
        .iter()
        .find(|c| c.starts_with("motgift_session="))
        .unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(session_cookie.contains(attribute), "{session_cookie}");
    }
    let cookies = set_cookies(&done);
    let jar = format!(
        "motgift_session={}; motgift_csrf={}",
        cookies["motgift_session"], cookies["motgift_csrf"]
    );

    let post = |csrf: Option<&str>| {
        let mut request = service
            .post(format!("{base}/graphql"))
            .header(COOKIE, &jar)
            .json(&json!({ "query": INCIDENTS }));
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request.send()
    };
    let signed_in = post(Some(&cookies["motgift_csrf"])).await.unwrap();
    assert_eq!(signed_in.status(), 200);
    let body: Value = signed_in.json().await.unwrap();
    assert_eq!(body["data"]["overdoseIncidents"]["totalCount"], 1, "{body}");
    assert_eq!(
        body["data"]["overdoseIncidents"]["nodes"][0]["municipality"]["kommunenummer"],
        "1506"
    );
    // The cookie alone, as a forged cross-site request would carry it, is not enough.
    for forged in [None, Some("guessed")] {
        let refused = post(forged).await.unwrap();
        assert_eq!(refused.status(), 403);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(error_code(&body), "FORBIDDEN");
        assert_eq!(body["data"], Value::Null);
    }
    // GraphiQL works for the signed-in person: it sends the CSRF header itself.
    let page = service
        .get(format!("{base}/graphql"))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(cookies["motgift_csrf"].as_str()));
    // The printable report opens from a link with the session alone.
    let report = service
        .get(format!("{base}/reports/2025/1506.html"))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    assert!(
        report
            .text()
            .await
            .unwrap()
            .contains("<h1>Årsrapport 2025: Molde</h1>")
    );

    let logout = service
        .get(format!("{base}/auth/logout"))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 303);
    assert_eq!(set_cookies(&logout)["motgift_session"], "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opaque_tokens_are_introspected() {
    let idp = OidcProvider::start(AUDIENCE, REDIRECT_URI).await;
    let endpoint = idp.discovery().await["introspection_endpoint"]
        .as_str()
        .expect("the provider introspects")
        .to_owned();
    let mut settings = trusting(&idp);
    settings.issuers[0].introspection = Some(IntrospectionSettings {
        endpoint,
        client_id: "motgift-api".to_owned(),
        client_secret: "api-secret".to_owned(),
        cache_seconds: 30,
    });
    let db = TestDb::new(Backend::Postgres).await;
    let store = db.store();
    let app = TestApp::serve_with(db, store, &settings).await;
    record_incidents(&app).await;

    let opaque = idp
        .client_credentials("molde-opaque-app", "opaque-secret")
        .await;
    assert_ne!(opaque.split('.').count(), 3, "an opaque token: {opaque}");
    for _ in 0..2 {
        // The second time from the cache.
        let data = app
            .clone()
            .with_bearer(&opaque)
            .query(INCIDENTS, json!({}))
            .await;
        assert_eq!(data["overdoseIncidents"]["totalCount"], 1);
        assert_eq!(
            data["overdoseIncidents"]["nodes"][0]["municipality"]["kommunenummer"],
            "1506"
        );
    }
    let (status, body) = app
        .clone()
        .with_bearer("made-up-opaque-token")
        .graphql_with_status(INCIDENTS, json!({}))
        .await;
    assert_eq!(status, 401, "{body}");

    // A service that does not introspect cannot use opaque tokens.
    let plain = app_trusting(&idp).await;
    let (status, _) = plain
        .with_bearer(&opaque)
        .graphql_with_status(INCIDENTS, json!({}))
        .await;
    assert_eq!(status, 401);
}
