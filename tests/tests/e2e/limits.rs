//! Protection: over-deep, over-complex, over-large and over-long requests are refused with an
//! error that names the limit, and nothing is executed.

use std::time::Duration;

use motgift_api::auth::settings::AuthSettings;
use motgift_tests::{Backend, TestApp, TestDb, error_code, first_error, on_both_databases};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

on_both_databases!(requests_over_a_limit_are_refused_naming_it);

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
