//! The `serve` command in a process of its own. OpenTelemetry export of the request spans:
//! the service runs as a child process with `--otlp-endpoint` pointing at a small OTLP/HTTP
//! collector in this test, answers a named query, is stopped with SIGTERM, and must have sent
//! the request's span by the time it exits. And what it does after a start beside requests:
//! publishing the analysts' panels ahead.
//!
//! The child is this test executable run again, with only [`service_process`] selected: it does
//! what the `motgift` binary's `main` does (the global subscriber, then the command line), in a
//! process of its own, so the process-wide subscriber, the signal and the flush on shutdown are
//! the real ones. The `motgift` binary itself is not used because `cargo test` does not build
//! another package's binary for these tests, and an old one could be lying in `target/`.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// Set in the child's environment: the `motgift` command lines it runs, as a JSON array of
/// argument arrays.
const CHILD_COMMANDS: &str = "MOTGIFT_TEST_TRACES_CHILD_COMMANDS";
/// The child's test, by its full name.
const CHILD_TEST: &str = "traces::service_process";

/// The body of the child process; ignored in a normal run, the parent selects it.
#[test]
#[ignore = "the child process of request_span_reaches_the_collector_by_shutdown"]
fn service_process() {
    let commands = std::env::var(CHILD_COMMANDS).expect("run by the parent test only");
    let commands: Vec<Vec<String>> = serde_json::from_str(&commands).expect("commands");
    let _log_writer = motgift_api::telemetry::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for argv in commands {
            let cli = <motgift_api::cli::Cli as clap::Parser>::try_parse_from(&argv)
                .expect("valid command line");
            if let Err(err) = cli.run().await {
                panic!("motgift {argv:?} failed: {err:#}");
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_span_reaches_the_collector_by_shutdown() {
    let collector = Collector::start().await;
    let dir = TempDir::new();
    let database_url = format!("sqlite://{}/motgift.db?mode=rwc", dir.0.display());
    let mut service = Service::start(
        &dir,
        json!([
            ["motgift", "--database-url", database_url, "seed"],
            [
                "motgift",
                "--database-url",
                database_url,
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--otlp-endpoint",
                collector.base_url,
            ],
        ]),
    )
    .await;

    let response = reqwest::Client::new()
        .post(format!("{}/graphql", service.base_url))
        .json(&json!({ "query": "query Towns { municipalities { name } }" }))
        .send()
        .await
        .expect("send the query");
    assert_eq!(response.status(), StatusCode::OK);
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned();
    let body: Value = response.json().await.expect("JSON");
    let towns = body["data"]["municipalities"].as_array().expect("data");
    assert!(!towns.is_empty(), "{body}");

    // Well within the batch's 5 s: what arrives comes from the flush on shutdown.
    service.stop().await;

    let exports = collector.received();
    assert!(!exports.is_empty(), "the collector received nothing");
    let mut requests = Vec::new();
    for export in &exports {
        for resource_spans in &export.resource_spans {
            let resource = resource_spans.resource.as_ref().expect("resource");
            assert_eq!(
                string_attribute(&resource.attributes, "service.name"),
                Some("motgift"),
                "{resource:?}"
            );
            for scope_spans in &resource_spans.scope_spans {
                requests.extend(scope_spans.spans.iter().filter(|s| s.name == "request"));
            }
        }
    }
    let span: &Span = requests
        .iter()
        .find(|s| string_attribute(&s.attributes, "request_id") == Some(request_id.as_str()))
        .unwrap_or_else(|| panic!("no request span with request_id {request_id}: {requests:#?}"));
    assert_eq!(
        string_attribute(&span.attributes, "operation"),
        Some("Towns")
    );
    assert_eq!(string_attribute(&span.attributes, "method"), Some("POST"));
    assert_eq!(string_attribute(&span.attributes, "path"), Some("/graphql"));
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
    assert_eq!(span.trace_id.len(), 16);
    // A request that succeeded is not marked as an error.
    let status = span.status.as_ref().map_or(0, |s| s.code);
    assert_ne!(status, 2, "status: {:?}", span.status);
}

/// After a start, `serve` publishes the analysts' panels of this year and the last in the
/// background, and serves requests meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_publishes_the_analysts_panels_ahead_after_a_start() {
    let dir = TempDir::new();
    let database_url = format!("sqlite://{}/motgift.db?mode=rwc", dir.0.display());
    let mut service = Service::start(
        &dir,
        json!([
            ["motgift", "--database-url", database_url, "seed"],
            [
                "motgift",
                "--database-url",
                database_url,
                "serve",
                "--listen",
                "127.0.0.1:0"
            ],
        ]),
    )
    .await;
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", service.base_url))
        .json(&json!({ "query": "{ municipalities { name } }" }))
        .send()
        .await
        .expect("send the query");
    assert_eq!(response.status(), StatusCode::OK);

    let published = async {
        loop {
            let output = service.output.lock().expect("lock").clone();
            if let Some(line) = output
                .lines()
                .find(|l| l.contains("analysts' panels published ahead"))
            {
                return line.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let Ok(line) = tokio::time::timeout(Duration::from_secs(300), published).await else {
        let output = service.output.lock().expect("lock").clone();
        panic!("no panels published ahead within 300 s:\n{output}");
    };
    // Every panel of two years.
    assert!(line.contains("panels=28"), "{line}");
    service.stop().await;
}

fn string_attribute<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.as_ref())
        .and_then(|value| match value {
            any_value::Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        })
}

/// An OTLP/HTTP collector: `POST /v1/traces` with a protobuf body, kept for the test to read.
struct Collector {
    base_url: String,
    received: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Collector {
    async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .route("/v1/traces", post(Self::receive))
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the collector");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("collector");
        });
        Self {
            base_url,
            received,
            server,
        }
    }

    async fn receive(
        State(received): State<Arc<Mutex<Vec<ExportTraceServiceRequest>>>>,
        headers: axum::http::HeaderMap,
        body: Bytes,
    ) -> (StatusCode, [(header::HeaderName, &'static str); 1], Vec<u8>) {
        let protobuf = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v == "application/x-protobuf");
        let protobuf_header = [(header::CONTENT_TYPE, "application/x-protobuf")];
        if !protobuf {
            return (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                protobuf_header,
                Vec::new(),
            );
        }
        match ExportTraceServiceRequest::decode(body) {
            Ok(export) => {
                received.lock().expect("lock").push(export);
                // An empty ExportTraceServiceResponse: everything accepted.
                (StatusCode::OK, protobuf_header, Vec::new())
            }
            Err(_) => (StatusCode::BAD_REQUEST, protobuf_header, Vec::new()),
        }
    }

    fn received(&self) -> Vec<ExportTraceServiceRequest> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The service as a child process, killed if the test ends before it stopped.
struct Service {
    child: Child,
    base_url: String,
    output: Arc<Mutex<String>>,
}

impl Service {
    /// Starts the child and waits until it says where it listens.
    async fn start(dir: &TempDir, commands: Value) -> Self {
        let mut command = Command::new(std::env::current_exe().expect("test executable"));
        command
            .args([
                CHILD_TEST,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_COMMANDS, commands.to_string())
            .env("RUST_LOG", "info")
            .env_remove("LOG_FORMAT")
            .current_dir(&dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Only what the command lines say: no collector, database or listener from outside.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("OTEL_") || name.starts_with("MOTGIFT_") || name == "DATABASE_URL" {
                command.env_remove(name.as_ref());
            }
        }
        let mut child = command.spawn().expect("start the service");
        let output = Arc::new(Mutex::new(String::new()));
        let (address_tx, address_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(collect(
            child.stdout.take().expect("stdout"),
            output.clone(),
            Some(address_tx),
        ));
        tokio::spawn(collect(
            child.stderr.take().expect("stderr"),
            output.clone(),
            None,
        ));
        let address = tokio::time::timeout(Duration::from_secs(60), address_rx).await;
        let Ok(Ok(base_url)) = address else {
            let _ = child.start_kill();
            panic!(
                "the service did not start listening:\n{}",
                output.lock().expect("lock")
            );
        };
        Self {
            child,
            base_url,
            output,
        }
    }

    /// SIGTERM, then waits for a clean exit.
    async fn stop(&mut self) {
        let pid = self.child.id().expect("running").to_string();
        let signalled = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .expect("kill");
        assert!(signalled.success());
        let exited = tokio::time::timeout(Duration::from_secs(20), self.child.wait()).await;
        let output = self.output.lock().expect("lock").clone();
        match exited {
            Ok(Ok(status)) => assert!(
                status.success(),
                "the service exited with {status}:\n{output}"
            ),
            _ => panic!("the service did not stop within 20 s of SIGTERM:\n{output}"),
        }
    }
}

/// Copies the child's lines into `output`, and sends the address once the service prints it.
async fn collect(
    stream: impl AsyncRead + Unpin,
    output: Arc<Mutex<String>>,
    mut address: Option<tokio::sync::oneshot::Sender<String>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(rest) = line.strip_prefix("Motgift is listening on ")
            && let Some(tx) = address.take()
        {
            let _ = tx.send(rest.trim().to_owned());
        }
        let mut output = output.lock().expect("lock");
        output.push_str(&line);
        output.push('\n');
    }
}

/// A directory for the child's database, removed at the end.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("motgift-traces-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).expect("temporary directory");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
