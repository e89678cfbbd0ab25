//! Protection: over-deep, over-complex, over-large and over-long requests are refused with an
//! error that names the limit, and nothing is executed; a body that is not a GraphQL request
//! is refused in GraphQL's shape too.

use std::time::Duration;

use motgift_api::auth::settings::AuthSettings;
use motgift_tests::{Backend, TestApp, TestDb, error_code, first_error, on_both_databases};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

on_both_databases!(
    requests_over_a_limit_are_refused_naming_it,
    a_body_that_is_not_a_graphql_request_is_refused_in_graphql_shape,
);

async fn requests_over_a_limit_are_refused_naming_it(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");

    // Depth: measures and focus areas nest without end.
    let mut deep = "code".to_owned();
    for _ in 0..10 {
        deep = format!("measures {{ focusArea {{ {deep} }} }}");
    }
    let body = app
        .graphql(
            &format!("{{ plan {{ focusAreas {{ {deep} }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED", "{body}");
    assert_eq!(first_error(&body)["extensions"]["limit"], "depth");
    assert_eq!(body["data"], serde_json::Value::Null);

    // Complexity: a connection costs its page size times its nodes' fields.
    let page = "actions(first: 100) { nodes { id title status progressPercent version
        measure { code name focusArea { name } } notes { text } municipality { name } } }";
    let aliases: String = (0..60).map(|i| format!("a{i}: {page} ")).collect();
    let body = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED", "{body}");
    assert_eq!(first_error(&body)["extensions"]["limit"], "complexity");

    // Page size.
    let body = app
        .graphql("{ actions(first: 1000) { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "VALIDATION");
    assert_eq!(first_error(&body)["extensions"]["field"], "first");

    // Body size.
    let padding = "x".repeat(300 * 1024);
    let (status, body) = app
        .graphql_with_status("{ municipalities { name } }", json!({ "padding": padding }))
        .await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), "LIMIT_EXCEEDED");
    assert_eq!(first_error(&body)["extensions"]["limit"], "bodySize");

    // Time: a client that never finishes sending its request is cut off.
    let db = TestDb::new(backend).await;
    let store = db.store();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let _hasty = TestApp::serve_configured(listener, db, store, &AuthSettings::default(), |c| {
        c.request_timeout = Duration::from_millis(200);
    })
    .await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: motgift\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\nConnection: close\r\n\r\n{\"query\":",
        )
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("the service answers within its limit")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"limit\":\"timeout\""), "{answer}");
}

async fn a_body_that_is_not_a_graphql_request_is_refused_in_graphql_shape(backend: Backend) {
    let app = TestApp::spawn(backend)
        .await
        .with_caller("1506:coordinator");
    let cases = [
        ("{ plan { name } }", "not a GraphQL request"),
        (r#"{"query": 7}"#, "not a GraphQL request"),
        (r#"{"query": "{ plan { name } }""#, "not a GraphQL request"),
        (
            r#"[{"query": "{ plan { name } }"}]"#,
            "batched requests are not supported",
        ),
    ];
    for (sent, words) in cases {
        let response = app
            .graphql_request("", json!({}))
            .body(sent)
            .send()
            .await
            .expect("POST /graphql");
        assert_eq!(response.status(), 400, "{sent}");
        let body: serde_json::Value = response.json().await.expect("a JSON answer");
        assert_eq!(error_code(&body), "BAD_REQUEST", "{sent}: {body}");
        let message = first_error(&body)["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{sent}: {message}");
        assert_eq!(body["data"], serde_json::Value::Null);
    }
    // The same request as a proper body runs.
    let data = app.query("{ plan { name } }", json!({})).await;
    assert!(data["plan"]["name"].is_string(), "{data}");

    // The configured body limit is the only one: a body past the web framework's default
    // (2 MiB) but within a larger configured limit is read whole.
    let db = TestDb::new(backend).await;
    let store = db.store();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let roomy = TestApp::serve_configured(listener, db, store, &AuthSettings::default(), |c| {
        c.max_body_bytes = 4 * 1024 * 1024;
    })
    .await
    .with_caller("1506:coordinator");
    let padding = "x".repeat(3 * 1024 * 1024);
    let (status, body) = roomy
        .graphql_with_status("{ plan { name } }", json!({ "padding": padding }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["plan"]["name"].is_string(), "{body}");
}
