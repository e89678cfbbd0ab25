//! Whole answers to requests for figures, kept as the bytes sent and served again while the
//! data behind them is unchanged (see [`crate::kept`]). A dashboard asked for again by a
//! caller with the same roles and municipalities then costs one small read and a copy,
//! instead of resolving thousands of fields.
//!
//! An answer is kept only when all of these hold, so nothing but published figures and
//! public reference data is ever served from memory:
//! - the operation is a query whose root fields are all in [`FIGURE_ROOTS`];
//! - the request was never authorised for anything beyond the figures (records, audit
//!   trails, logs: see [`crate::ctx::BeyondFigures`]), so no read that must be logged is
//!   skipped and nothing that no version covers is reused;
//! - it has no errors.

use std::collections::BTreeSet;

use async_graphql::Request;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection,
};
use bytes::Bytes;

use super::{MotgiftSchema, execute, prepare_request};
use crate::ctx::{RequestContext, Role};
use crate::domain::Kommunenummer;
use crate::kept::{Kept, Weigh};
use crate::store::Store;

/// The root fields whose answers depend only on the counts, the actions' statuses and the
/// reference data: what the versions cover.
const FIGURE_ROOTS: [&str; 6] = [
    "dashboard",
    "municipalities",
    "municipality",
    "plans",
    "plan",
    "__typename",
];

/// Room for 64 MiB of answers and their keys (a national monthly series by outcome is about
/// 60 KiB).
pub const ANSWER_BUDGET: usize = 64 * 1024 * 1024;

/// What an entry costs besides its strings and bytes (the map's node, the allocations'
/// headers), so that many small answers are bounded too.
const ENTRY_OVERHEAD: usize = 256;

/// Everything an answer depends on besides the data: the request as sent, and what the
/// caller may see (the disclosure threshold is the store's own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    query: String,
    operation: Option<String>,
    variables: String,
    roles: BTreeSet<Role>,
    municipalities: BTreeSet<Kommunenummer>,
    threshold: u64,
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

/// Kept answers, weighed in bytes.
pub type AnswerCache = Kept<AnswerKey, Bytes>;

impl Weigh for Bytes {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// A request's answer: the JSON body when it was kept (now or before), else the response.
pub enum Answer {
    Kept(Bytes),
    Fresh(async_graphql::Response),
}

/// Answers a request, from a kept answer when there is one for the data as it is now.
pub async fn answer(
    schema: &MotgiftSchema,
    store: &Store,
    mut request: Request,
    ctx: RequestContext,
) -> Answer {
    let cache = store.answer_cache();
    let Some(key) = keepable(cache, &mut request, &ctx, store.disclosure_threshold()) else {
        return Answer::Fresh(execute(schema, prepare_request(request, store, ctx)).await);
    };
    // Read before anything the answer is built from, so a kept answer is never older than the
    // versions it is kept under. When the read fails, the request runs and reports why.
    let stamp = match store.stamp().await {
        Ok(stamp) => stamp,
        Err(err) => {
            tracing::warn!(error = %err, "reading the versions failed; answering afresh");
            return Answer::Fresh(execute(schema, prepare_request(request, store, ctx)).await);
        }
    };
    if let Some(body) = cache.get(&key, stamp) {
        return Answer::Kept(body);
    }
    let beyond_figures = ctx.beyond_figures.clone();
    let response = execute(schema, prepare_request(request, store, ctx)).await;
    // Kept answers are sent with no headers of their own.
    let headers = !response.http_headers.is_empty() || response.cache_control.value().is_some();
    if !response.is_ok() || beyond_figures.reached() || headers {
        return Answer::Fresh(response);
    }
    match serde_json::to_vec(&response) {
        Ok(body) => {
            let body = Bytes::from(body);
            cache.put(key, stamp, body.clone());
            Answer::Kept(body)
        }
        Err(_) => Answer::Fresh(response),
    }
}

/// The key to keep the request's answer under, when the request may be kept at all.
fn keepable(
    cache: &AnswerCache,
    request: &mut Request,
    ctx: &RequestContext,
    threshold: u64,
) -> Option<AnswerKey> {
    let caller = ctx.caller.as_ref()?;
    // Only documents that ask for figures are worth a look.
    if !request.query.contains("dashboard") {
        return None;
    }
    let key = AnswerKey {
        query: request.query.clone(),
        operation: request.operation_name.clone(),
        variables: serde_json::to_string(&request.variables).ok()?,
        roles: caller.roles.clone(),
        municipalities: caller.municipalities.clone(),
        threshold,
    };
    // A key already kept was looked at when it was kept.
    let figures_only = cache.contains(&key)
        || match request.parsed_query() {
            Ok(document) => asks_for_figures_only(document, key.operation.as_deref()),
            Err(_) => false,
        };
    figures_only.then_some(key)
}

/// Whether the operation to run is a query that asks only for [`FIGURE_ROOTS`] at its root.
fn asks_for_figures_only(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => Some(operation),
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations.get(name),
            None if operations.len() == 1 => operations.values().next(),
            None => None,
        },
    };
    let Some(operation) = operation else {
        return false;
    };
    operation.node.ty == OperationType::Query
        && operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|item| match &item.node {
                Selection::Field(field) => FIGURE_ROOTS.contains(&field.node.name.node.as_str()),
                // Fragments at the root could hide any field; such documents are not kept.
                Selection::FragmentSpread(_) | Selection::InlineFragment(_) => false,
            })
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    fn asks_for_figures_only(query: &str, operation_name: Option<&str>) -> bool {
        parse_query(query).is_ok_and(|d| super::asks_for_figures_only(&d, operation_name))
    }

    #[test]
    fn only_queries_for_figures_and_reference_data_are_kept() {
        let figures = "query Q1 { dashboard(from: \"2025-01-01\", to: \"2025-12-31\") { \
                       incidents { total { value } } } municipalities { name } }";
        assert!(asks_for_figures_only(figures, None));
        assert!(asks_for_figures_only(figures, Some("Q1")));
        for other in [
            "{ dashboard(from: \"2025-01-01\", to: \"2025-12-31\") { from } \
             overdoseIncidents(first: 1) { totalCount } }",
            "{ annualReport(year: 2025) { year } }",
            "{ ...F } fragment F on Query { dashboard(from: \"2025-01-01\", to: \"2025-12-31\") { from } }",
            "mutation { dashboard }",
            "query A { dashboard(from: \"2025-01-01\", to: \"2025-12-31\") { from } } \
             query B { accessLog(first: 1) { totalCount } }",
            "not graphql",
        ] {
            assert!(!asks_for_figures_only(other, None), "{other}");
        }
        // The named operation decides.
        let two = "query A { dashboard(from: \"2025-01-01\", to: \"2025-12-31\") { from } } \
                   query B { accessLog(first: 1) { totalCount } }";
        assert!(asks_for_figures_only(two, Some("A")));
        assert!(!asks_for_figures_only(two, Some("B")));
    }
}
