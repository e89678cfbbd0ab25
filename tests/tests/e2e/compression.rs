//! Answers go gzip-compressed to clients that ask for it, kept answers included, and say the
//! same as the uncompressed ones; clients that do not ask get plain JSON, and answers too
//! short to gain go plain to everyone.

use std::io::Read;

use flate2::read::GzDecoder;
use motgift_schema::graphql::MIN_COMPRESSED_BYTES;
use motgift_tests::{Backend, TestApp, on_both_databases};
use serde_json::{Value, json};

on_both_databases!(kept_and_fresh_answers_are_compressed_for_clients_that_take_gzip);

/// Three years by month: long enough to be worth compressing.
const SERIES: &str =
    "query Series { dashboard(from: \"2022-01-01\", to: \"2024-12-31\", bucket: MONTH,
    municipalities: [\"1506\"]) {
    incidentsByOutcome { periods { period { label } total { value suppressed } } } } }";

const CREATE: &str = "mutation($i: CreateOverdoseIncidentInput!) {
    createOverdoseIncident(input: $i) { id version } }";

/// The write's audit event in full: the record as stored, and the chain's hashes.
const AUDIT_TRAIL: &str = "{ auditTrail(first: 20) { nodes { seq occurredAt actor role requestId
    operation recordType recordId after prevHash hash } } }";

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
    assert!(plain.length >= MIN_COMPRESSED_BYTES);
    assert_eq!(
        plain.body["data"]["dashboard"]["incidentsByOutcome"]["periods"][35]["period"]["label"],
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

    // A write's answer is too short to be worth compressing: it goes as it is.
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
    assert_eq!(created.encoding, None);
    assert!(created.length < MIN_COMPRESSED_BYTES);
    assert_eq!(created.body["data"]["createOverdoseIncident"]["version"], 1);

    // A long answer built afresh (the audit trail is never kept) is compressed on its way
    // out, and says what the plain one says.
    let plain_trail = send(&molde, AUDIT_TRAIL, json!({}), false).await;
    assert_eq!(plain_trail.encoding, None);
    assert!(
        plain_trail.length >= MIN_COMPRESSED_BYTES,
        "{} bytes",
        plain_trail.length
    );
    let trail = send(&molde, AUDIT_TRAIL, json!({}), true).await;
    assert_eq!(trail.encoding.as_deref(), Some("gzip"));
    assert!(trail.length < plain_trail.length);
    assert_eq!(trail.body, plain_trail.body);
    let events = trail.body["data"]["auditTrail"]["nodes"]
        .as_array()
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["operation"] == "CREATE" && e["recordType"] == "OverdoseIncident"),
        "{events:#?}"
    );

    // The write changed the series: the answer built again for a gzip client shows it, and
    // says what the plain one says.
    let rebuilt = send(&molde, SERIES, json!({}), true).await;
    assert_eq!(rebuilt.encoding.as_deref(), Some("gzip"));
    assert_ne!(rebuilt.body, plain.body);
    let march = &rebuilt.body["data"]["dashboard"]["incidentsByOutcome"]["periods"][26]["total"];
    assert_eq!(march["value"], 1, "Molde sees its own count exactly");
    assert_eq!(
        send(&molde, SERIES, json!({}), false).await.body,
        rebuilt.body
    );
}
