//! Documents parsed before, by their text. Front ends send the same few documents over and
//! over, and parsing one costs more than sending a kept answer; a request's document is parsed
//! at most once, and only the first time its text is seen.

use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard};

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How many documents are kept; the least recently used goes first.
const DOCUMENTS: NonZeroUsize = NonZeroUsize::new(128).expect("not zero");
/// Longer documents are parsed every time, which bounds what the kept ones take.
const MAX_KEPT_TEXT: usize = 8 * 1024;

pub struct ParsedDocuments(Mutex<LruCache<String, ExecutableDocument>>);

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self(Mutex::new(LruCache::new(DOCUMENTS)))
    }
}

impl ParsedDocuments {
    /// Gives `request` its parsed document, from a kept parse when there is one. A document
    /// that does not parse is left alone, for the executor to report.
    pub fn prepare(&self, request: &mut Request) {
        if let Some(document) = self.lock().get(&request.query) {
            request.set_parsed_query(document.clone());
            return;
        }
        let text = (request.query.len() <= MAX_KEPT_TEXT).then(|| request.query.clone());
        if let (Ok(document), Some(text)) = (request.parsed_query(), text) {
            let document = document.clone();
            self.lock().put(text, document);
        }
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<String, ExecutableDocument>> {
        // A panic while the lock was held leaves a consistent cache; keep using it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_a_bad_one_is_left_to_the_executor() {
        let documents = ParsedDocuments::default();
        let mut first = Request::new("query Q { plans { code } }");
        documents.prepare(&mut first);
        assert!(first.parsed_query().is_ok());
        assert_eq!(documents.lock().len(), 1);
        let mut again = Request::new("query Q { plans { code } }");
        documents.prepare(&mut again);
        assert_eq!(documents.lock().len(), 1);
        assert!(again.parsed_query().is_ok());

        let mut bad = Request::new("query {");
        documents.prepare(&mut bad);
        assert_eq!(
            documents.lock().len(),
            1,
            "a document that does not parse is not kept"
        );
        assert!(bad.parsed_query().is_err());
    }
}
