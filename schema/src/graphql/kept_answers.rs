//! Whole answers kept as the bytes sent and served again while the data behind them is
//! unchanged (see [`crate::kept`]). A dashboard or a page of records asked for again by a
//! caller with the same roles and municipalities then costs one small read, which concurrent
//! requests share, and a copy, instead of resolving thousands of fields.
//!
//! An answer is kept only when all of these hold, so that what is served from memory is what
//! running the request again would give:
//! - the operation is a query, asked by a signed-in caller;
//! - everything the request read is data the versions cover (counts, records, reference
//!   data: see [`crate::ctx::Access::reads_versioned_data`]), never the access log or the
//!   audit trail;
//! - it has no errors and no headers of its own.
//!
//! A kept answer that stands for reads of detail rows writes their access-log entries again,
//! for the caller it is sent to, before it is sent, in the round trip that confirms it is
//! current (see the store's ledger): no read that must be logged is ever skipped.

use std::collections::BTreeSet;
use std::io::Write;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::parsed_documents::PreparedRequest;
use super::{MotgiftSchema, execute, prepare_request};
use crate::ctx::{LoggedRead, RequestContext, Role};
use crate::domain::Kommunenummer;
use crate::kept::{Kept, Stamp, Weigh};
use crate::store::{Store, log_entries};

/// Room for 64 MiB of answers and their keys (a national monthly series by outcome is about
/// 30 KiB, a page of 100 incidents about 75 KiB).
pub const ANSWER_BUDGET: usize = 64 * 1024 * 1024;

/// What an entry costs besides its strings and bytes (the map's node, the allocations'
/// headers), so that many small answers are bounded too.
const ENTRY_OVERHEAD: usize = 256;

/// Everything an answer depends on besides the data: the request as sent, and what the
/// caller may see (the disclosure threshold and audit limit are the store's own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    query: String,
    operation: Option<String>,
    variables: String,
    roles: BTreeSet<Role>,
    municipalities: BTreeSet<Kommunenummer>,
    threshold: u64,
    audit_limit: usize,
}

impl Weigh for AnswerKey {
    fn weight(&self) -> usize {
        ENTRY_OVERHEAD
            + self.query.len()
            + self.operation.as_ref().map_or(0, String::len)
            + self.variables.len()
            + self.municipalities.len() * 4
    }
}

/// What is kept for a request.
#[derive(Debug, Clone)]
pub enum KeptAnswer {
    /// The JSON body, gzip-compressed too once a caller has asked for that, and the reads of
    /// detail rows it stands for.
    Body {
        body: Bytes,
        gzip: Option<Bytes>,
        reads: Vec<LoggedRead>,
    },
    /// The request reached data no version covers: it always runs afresh, without reading
    /// the versions first.
    Never,
}

/// Kept answers, weighed in bytes.
pub type AnswerCache = Kept<AnswerKey, KeptAnswer>;

impl Weigh for KeptAnswer {
    fn weight(&self) -> usize {
        match self {
            KeptAnswer::Body { body, gzip, reads } => {
                body.len()
                    + gzip.as_ref().map_or(0, Bytes::len)
                    + reads.len() * std::mem::size_of::<LoggedRead>()
            }
            KeptAnswer::Never => 0,
        }
    }
}

/// Bodies shorter than this go uncompressed, kept or not: they fit in a packet or two
/// anyway, and setting up a compressor for each (a few hundred KiB of tables, zeroed) cost a
/// write more CPU than the rest of its HTTP exchange.
pub const MIN_COMPRESSED_BYTES: usize = 1024;

/// How the caller takes a kept answer's bytes: as they are, or gzip-compressed (compressed
/// once per kept answer, the first time a caller asks, and kept beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    Identity,
    Gzip,
}

/// A request's answer: the JSON body in the encoding given when it was kept (now or before),
/// else the response.
pub enum Answer {
    Kept { body: Bytes, encoding: BodyEncoding },
    Fresh(async_graphql::Response),
}

/// Answers a request, from a kept answer when there is one for the data as it is now; a kept
/// answer comes gzip-compressed when `accepted` is [`BodyEncoding::Gzip`].
pub async fn answer(
    schema: &MotgiftSchema,
    store: &Store,
    mut request: PreparedRequest,
    ctx: RequestContext,
    accepted: BodyEncoding,
) -> Answer {
    let cache = store.answer_cache();
    let Some(key) = keepable(&mut request, &ctx, store) else {
        return fresh(schema, store, request, ctx).await;
    };
    // The versions are read before anything the answer is built from, so an answer is never
    // kept under versions newer than its data. When the read fails, the request runs and
    // reports why.
    let stamp = match cache.latest(&key) {
        Some((_, KeptAnswer::Never)) => return fresh(schema, store, request, ctx).await,
        Some((built, KeptAnswer::Body { body, gzip, reads })) => {
            match confirm(store, &ctx, built, &reads).await {
                Ok(now) if now == built => {
                    cache.served(true);
                    return in_encoding(accepted, body, gzip, |gzip| {
                        cache.update(&key, built, |kept| {
                            if let KeptAnswer::Body { gzip: kept, .. } = kept {
                                *kept = Some(gzip.clone());
                            }
                        });
                    });
                }
                Ok(now) => now,
                Err(err) => {
                    tracing::warn!(error = %err, "confirming a kept answer failed; answering afresh");
                    return fresh(schema, store, request, ctx).await;
                }
            }
        }
        None => match store.ledger().stamp().await {
            Ok(now) => now,
            Err(err) => {
                tracing::warn!(error = %err, "reading the versions failed; answering afresh");
                return fresh(schema, store, request, ctx).await;
            }
        },
    };
    cache.served(false);
    let reads = ctx.reads.clone();
    let request = prepare_request(request.into_request(), store, ctx, Some(stamp));
    let response = execute(schema, request).await;
    let Some(reads) = reads.covered() else {
        cache.put(key, stamp, KeptAnswer::Never);
        return Answer::Fresh(response);
    };
    // Kept answers are sent with no headers of their own.
    let headers = !response.http_headers.is_empty() || response.cache_control.value().is_some();
    if !response.is_ok() || headers {
        return Answer::Fresh(response);
    }
    match serde_json::to_vec(&response) {
        Ok(body) => {
            let body = Bytes::from(body);
            let mut gzip = None;
            let answer = in_encoding(accepted, body.clone(), None, |compressed| {
                gzip = Some(compressed.clone());
            });
            cache.put(key, stamp, KeptAnswer::Body { body, gzip, reads });
            answer
        }
        Err(_) => Answer::Fresh(response),
    }
}

/// A kept answer in the encoding the caller takes: its compressed copy when it has one, else
/// compressed now and handed to `keep`, so each kept answer is compressed once.
fn in_encoding(
    accepted: BodyEncoding,
    body: Bytes,
    gzip: Option<Bytes>,
    keep: impl FnOnce(&Bytes),
) -> Answer {
    let gzip = match accepted {
        BodyEncoding::Identity => None,
        BodyEncoding::Gzip if body.len() < MIN_COMPRESSED_BYTES => None,
        BodyEncoding::Gzip => gzip.or_else(|| {
            let gzip = compressed(&body)?;
            keep(&gzip);
            Some(gzip)
        }),
    };
    let (body, encoding) = match gzip {
        Some(gzip) => (gzip, BodyEncoding::Gzip),
        None => (body, BodyEncoding::Identity),
    };
    Answer::Kept { body, encoding }
}

/// `body` gzip-compressed at the default level: done once per kept answer and sent many
/// times, so a smaller body is worth the slower compression. (Writing into memory does not
/// fail; if it did, the answer would go out uncompressed.)
fn compressed(body: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Runs the request, keeping nothing.
async fn fresh(
    schema: &MotgiftSchema,
    store: &Store,
    request: PreparedRequest,
    ctx: RequestContext,
) -> Answer {
    let request = prepare_request(request.into_request(), store, ctx, None);
    Answer::Fresh(execute(schema, request).await)
}

/// The versions now, with the kept answer's reads logged for this caller if they are still
/// `built`.
async fn confirm(
    store: &Store,
    ctx: &RequestContext,
    built: Stamp,
    reads: &[LoggedRead],
) -> crate::error::Result<Stamp> {
    let subject = ctx.caller.as_ref().map_or("", |c| c.subject.as_str());
    let entries = log_entries(subject, &ctx.request_id, ctx.operation.as_deref(), reads);
    store.ledger().confirm(built, entries).await
}

/// The key to keep the request's answer under, when the request may be kept at all: a query
/// by a signed-in caller.
fn keepable(
    request: &mut PreparedRequest,
    ctx: &RequestContext,
    store: &Store,
) -> Option<AnswerKey> {
    let caller = ctx.caller.as_ref()?;
    let operation = request.request().operation_name.clone();
    let document = request.document()?;
    if !is_query(document, operation.as_deref()) {
        return None;
    }
    let request = request.request();
    Some(AnswerKey {
        query: request.query.clone(),
        operation,
        variables: serde_json::to_string(&request.variables).ok()?,
        roles: caller.roles.clone(),
        municipalities: caller.municipalities.clone(),
        threshold: store.disclosure_threshold(),
        audit_limit: store.audit_limit(),
    })
}

/// Whether the operation to run is a query.
fn is_query(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => Some(operation),
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations.get(name),
            None if operations.len() == 1 => operations.values().next(),
            None => None,
        },
    };
    operation.is_some_and(|operation| operation.node.ty == OperationType::Query)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use async_graphql::parser::parse_query;
    use bytes::Bytes;
    use flate2::read::GzDecoder;

    use super::{Answer, BodyEncoding, MIN_COMPRESSED_BYTES, in_encoding};

    fn is_query(query: &str, operation_name: Option<&str>) -> bool {
        parse_query(query).is_ok_and(|d| super::is_query(&d, operation_name))
    }

    #[test]
    fn only_queries_are_kept() {
        assert!(is_query("{ dashboard { from } }", None));
        assert!(is_query(
            "query Q1 { overdoseIncidents { totalCount } }",
            Some("Q1")
        ));
        assert!(!is_query("mutation { retract }", None));
        // The named operation decides; without a name, several operations are ambiguous.
        let two = "query A { plans { id } } mutation B { retract }";
        assert!(is_query(two, Some("A")));
        assert!(!is_query(two, Some("B")));
        assert!(!is_query(two, None));
        assert!(!is_query(two, Some("C")));
    }

    /// The body sent and its encoding, and what was handed over to be kept.
    fn sent(accepted: BodyEncoding, body: &Bytes) -> (Bytes, BodyEncoding, Option<Bytes>) {
        let mut kept = None;
        let Answer::Kept { body, encoding } = in_encoding(accepted, body.clone(), None, |gzip| {
            kept = Some(gzip.clone())
        }) else {
            panic!("a kept answer")
        };
        (body, encoding, kept)
    }

    #[test]
    fn kept_answers_are_compressed_once_when_long_enough() {
        let long = Bytes::from(r#"{"label":"2024-01","value":3},"#.repeat(100));
        assert!(long.len() >= MIN_COMPRESSED_BYTES);
        let (body, encoding, kept) = sent(BodyEncoding::Gzip, &long);
        assert_eq!(encoding, BodyEncoding::Gzip);
        assert_eq!(kept.as_ref(), Some(&body), "the compressed copy is kept");
        let mut text = Vec::new();
        GzDecoder::new(&body[..]).read_to_end(&mut text).unwrap();
        assert_eq!(text, long);
        assert_eq!(
            sent(BodyEncoding::Identity, &long),
            (long, BodyEncoding::Identity, None)
        );

        let short = Bytes::from_static(br#"{"data":{"node":null}}"#);
        assert_eq!(
            sent(BodyEncoding::Gzip, &short),
            (short, BodyEncoding::Identity, None),
            "too short to gain: sent as it is, nothing kept"
        );
    }
}
