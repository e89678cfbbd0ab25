//! Logging through tracing: readable in a terminal, JSON lines with `LOG_FORMAT=json`; and,
//! when `motgift serve` is given a collector (`--otlp-endpoint`), OpenTelemetry export of the
//! spans over OTLP/HTTP with protobuf.
//!
//! The subscriber is installed before the command line is read, so it carries a slot for the
//! OpenTelemetry layer that `serve` fills once it knows the endpoint. An empty slot costs one
//! atomic load per span or event callback: without an endpoint there is no exporter, no
//! thread, no buffer.

use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::Event;
use tracing::span;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::layer::{Context, Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// `service.name` of the exported spans when `OTEL_SERVICE_NAME` is not set.
pub const DEFAULT_SERVICE_NAME: &str = "motgift";

/// How long one export request may take (OTLP's default).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown waits for the last spans to reach the collector.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// The subscriber under the OpenTelemetry layer: spans the filter lets through.
type Filtered = Layered<EnvFilter, Registry>;
type OtlpLayer = OpenTelemetryLayer<Filtered, SdkTracer>;

/// The OpenTelemetry layer, once `serve` has an endpoint.
static OTLP_LAYER: OnceLock<OtlpLayer> = OnceLock::new();

/// Installs the global subscriber. `RUST_LOG` overrides the default filter, which applies to
/// the logs and to the exported spans alike.
pub fn init() -> LogWriter {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    // Lines are written by a thread of their own, so a request never waits on the write; it
    // waits only if that thread falls far behind (no line is dropped).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(std::io::stdout());
    let fmt = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_writer(writer);
    let fmt = if json {
        fmt.json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed()
    } else {
        fmt.boxed()
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(OtlpSlot)
        .with(fmt)
        .init();
    LogWriter {
        _writes_on_drop: guard,
    }
}

/// Keeps the log writer's thread; dropping it writes the lines still waiting. Hold it until
/// the process ends.
#[must_use = "dropping it stops the log writer"]
pub struct LogWriter {
    _writes_on_drop: tracing_appender::non_blocking::WorkerGuard,
}

/// Span export to an OpenTelemetry collector, from [`export_spans`] until [`Self::shutdown`].
#[derive(Debug)]
pub struct SpanExport {
    provider: SdkTracerProvider,
}

/// Starts exporting every span (each request's, with its request id and operation name) to
/// the collector at `endpoint`, the base URL of OTLP/HTTP as in `OTEL_EXPORTER_OTLP_ENDPOINT`:
/// spans are posted to `<endpoint>/v1/traces` as protobuf, in batches, from a thread of their
/// own. The standard `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES` apply.
///
/// Call it within the Tokio runtime, after [`init`], once per process; call
/// [`SpanExport::shutdown`] before the runtime ends, or the last spans are lost.
pub fn export_spans(endpoint: &str, service_name: &str) -> anyhow::Result<SpanExport> {
    let client = ExportClient {
        client: reqwest::Client::builder().timeout(EXPORT_TIMEOUT).build()?,
        runtime: tokio::runtime::Handle::try_current()?,
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces_url(endpoint))
        .with_timeout(EXPORT_TIMEOUT)
        .with_http_client(client)
        .build()?;
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    // The SDK's batch processor: a queue of 2048 spans, sent every 5 s or 512 at a time.
    let provider = SdkTracerProvider::builder()
        .with_resource(resource)
        .with_batch_exporter(exporter)
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("motgift"));
    if OTLP_LAYER.set(layer).is_err() {
        anyhow::bail!("spans are already exported");
    }
    tracing::info!(endpoint, service_name, "exporting spans over OTLP/HTTP");
    Ok(SpanExport { provider })
}

impl SpanExport {
    /// Sends the spans still queued and stops the export; spans that end later are dropped.
    pub async fn shutdown(self) {
        // The SDK blocks until the exporter thread is done, and that thread sends through this
        // runtime: wait on a blocking thread so the runtime stays free to do it.
        let provider = self.provider;
        let flushed =
            tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(FLUSH_TIMEOUT))
                .await;
        // A collector that cannot be reached has been reported by the exporter already.
        match flushed {
            Ok(Ok(())) => tracing::info!("span export stopped"),
            Ok(Err(err)) => tracing::warn!(error = %err, "span export did not stop cleanly"),
            Err(err) => tracing::warn!(error = %err, "span export did not stop cleanly"),
        }
    }
}

/// `<endpoint>/v1/traces`, as the OTLP specification builds it from
/// `OTEL_EXPORTER_OTLP_ENDPOINT`.
fn traces_url(endpoint: &str) -> String {
    format!("{}/v1/traces", endpoint.trim().trim_end_matches('/'))
}

/// The exporter's HTTP client: the service's reqwest (rustls, the same as every other outgoing
/// call), driven by the Tokio runtime. The SDK's batch processor runs on a thread of its own
/// and waits for each send; the send itself is spawned on the runtime.
#[derive(Debug)]
struct ExportClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let request = reqwest::Request::try_from(request)?;
        let client = self.client.clone();
        self.runtime
            .spawn(async move {
                let response = client.execute(request).await?;
                let status = response.status();
                let headers = response.headers().clone();
                let mut answer = Response::builder()
                    .status(status)
                    .body(response.bytes().await?)?;
                *answer.headers_mut() = headers;
                Ok(answer)
            })
            .await?
    }
}

/// Hands span callbacks to the OpenTelemetry layer once there is one, and does nothing before.
///
/// It cannot forward `downcast_raw` (that takes `unsafe`, which the workspace forbids), so
/// `tracing_opentelemetry::OpenTelemetrySpanExt` does not reach the layer through it; span
/// fields do (`otel.status_code`, `otel.kind`, and any other field as an attribute), and an
/// ERROR event inside a span marks that span's status as an error.
struct OtlpSlot;

impl OtlpSlot {
    fn layer() -> Option<&'static OtlpLayer> {
        OTLP_LAYER.get()
    }
}

impl Layer<Filtered> for OtlpSlot {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_new_span(attrs, id, ctx);
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_record(id, values, ctx);
        }
    }

    fn on_follows_from(&self, id: &span::Id, follows: &span::Id, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_follows_from(id, follows, ctx);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_event(event, ctx);
        }
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_enter(id, ctx);
        }
    }

    fn on_exit(&self, id: &span::Id, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_exit(id, ctx);
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_close(id, ctx);
        }
    }

    fn on_id_change(&self, old: &span::Id, new: &span::Id, ctx: Context<'_, Filtered>) {
        if let Some(layer) = Self::layer() {
            layer.on_id_change(old, new, ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn traces_go_under_the_endpoint() {
        assert_eq!(
            traces_url("http://collector:4318"),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            traces_url("https://otlp.example.no/otlp/ "),
            "https://otlp.example.no/otlp/v1/traces"
        );
    }
}
