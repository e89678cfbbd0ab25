//! Answers go gzip-compressed to clients that ask for it, kept answers included, and say the
//! same as the uncompressed ones; clients that do not ask get plain JSON.

use std::io::Read;

use flate2::read::GzDecoder;
use motgift_tests::{Backend, TestApp, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(kept_and_fresh_answers_are_compressed_for_clients_that_take_gzip);

const SERIES: &str =
    "query Series { dashboard(from: \"2024-01-01\", to: \"2024-12-31\", bucket: MONTH,
    municipalities: [\"1506\"]) {
    incidentsByOutcome { periods { period { label } total { value suppressed } } } } }";

const CREATE: &str = "mutation($i: CreateOverdoseIncidentInput!) {
    createOverdoseIncident(input: $i) { id version } }";

/// What came back: the `Content-Encoding`, the `Vary` header, the body's length as sent,
/// and the body as JSON.
struct Received {
    encoding: Option<String>,
    vary: Option<String>,
    length: usize,
    body: Value,
}

async fn send(app: &TestApp, query: &str, variables: Value, gzip: bool) -> Received {
    let mut request = app.graphql_request(query, variables);
    if gzip {
        request = request.header("accept-encoding", "gzip, deflate, br");
    }
    let response = request.send().await.expect("POST /graphql");
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (encoding, vary) = (header("content-encoding"), header("vary"));
    let bytes = response.bytes().await.expect("body");
    let json = match encoding.as_deref() {
        Some("gzip") => {
            let mut text = String::new();
            GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("a gzip body");
            text
        }
        None => String::from_utf8(bytes.to_vec()).expect("UTF-8"),
        Some(other) => panic!("unexpected content-encoding {other}"),
    };
    let body: Value = serde_json::from_str(&json).expect("JSON");
    assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
    Received {
        encoding,
        vary,
        length: bytes.len(),
        body,
    }
}

async fn kept_and_fresh_answers_are_compressed_for_clients_that_take_gzip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let molde = app.clone().with_caller("1506:coordinator");

    // Built and kept for a client that takes no gzip: plain JSON.
    let plain = send(&molde, SERIES, json!({}), false).await;
    assert_eq!(plain.encoding, None);
    assert_eq!(
        plain.body["data"]["dashboard"]["incidentsByOutcome"]["periods"][11]["period"]["label"],
        "2024-12"
    );

    // Served as kept, compressed the first time a client takes gzip and kept so: the same
    // answer each time, and the same as the plain one.
    let served = app.kept_answers_served().await;
    let kept_bytes = app.kept_answer_bytes().await;
    let mut compressed_length = None;
    for _ in 0..2 {
        let compressed = send(&molde, SERIES, json!({}), true).await;
        assert_eq!(compressed.encoding.as_deref(), Some("gzip"));
        assert!(
            compressed
                .vary
                .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
        );
        assert_eq!(compressed.body, plain.body);
        assert!(compressed.length < plain.length);
        // What was sent is the copy now kept beside the plain answer, the same both times.
        let length = *compressed_length.get_or_insert(compressed.length);
        assert_eq!(compressed.length, length);
        assert_eq!(
            app.kept_answer_bytes().await,
            kept_bytes + length as u64,
            "the compressed copy is kept, once"
        );
    }
    assert_eq!(
        app.kept_answers_served().await,
        served + 2,
        "served as kept"
    );
    assert_eq!(send(&molde, SERIES, json!({}), false).await.encoding, None);

    // A fresh answer (a write) is compressed on its way out.
    let created = send(
        &molde,
        CREATE,
        json!({ "i": {
            "occurredOn": "2024-03-01", "placeType": "SHELTER", "outcome": "NON_FATAL",
            "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "NO",
            "disposition": "OBSERVED_2H_PLUS", "ageBand": "UNKNOWN", "sex": "UNKNOWN",
            "followUpOffered": "NO", "source": "SELF_REPORT",
        } }),
        true,
    )
    .await;
    assert_eq!(created.encoding.as_deref(), Some("gzip"));
    assert_eq!(created.body["data"]["createOverdoseIncident"]["version"], 1);

    // The write changed the series: the answer built again for a gzip client shows it, and
    // says what the plain one says.
    let rebuilt = send(&molde, SERIES, json!({}), true).await;
    assert_eq!(rebuilt.encoding.as_deref(), Some("gzip"));
    assert_ne!(rebuilt.body, plain.body);
    let march = &rebuilt.body["data"]["dashboard"]["incidentsByOutcome"]["periods"][2]["total"];
    assert_eq!(march["value"], 1, "Molde sees its own count exactly");
    assert_eq!(
        send(&molde, SERIES, json!({}), false).await.body,
        rebuilt.body
    );
}
