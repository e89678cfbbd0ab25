//! Documents parsed before, by their text. Front ends send the same few documents over and
//! over, and parsing one costs more than sending a kept answer; a request's document is parsed
//! at most once, and only the first time its text is seen.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How many documents are kept; the least recently used goes first.
const DOCUMENTS: NonZeroUsize = NonZeroUsize::new(128).expect("not zero");
/// Longer documents are parsed every time, which bounds what the kept ones take.
const MAX_KEPT_TEXT: usize = 8 * 1024;

pub struct ParsedDocuments(Mutex<LruCache<String, Arc<ExecutableDocument>>>);

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self(Mutex::new(LruCache::new(DOCUMENTS)))
    }
}

impl ParsedDocuments {
    /// The request with its parsed document, from a kept parse when there is one. A document
    /// that does not parse is left alone, for the executor to report.
    pub fn prepare(&self, mut request: Request) -> PreparedRequest {
        if let Some(document) = self.lock().get(&request.query).cloned() {
            return PreparedRequest {
                request,
                kept: Some(document),
            };
        }
        let text = (request.query.len() <= MAX_KEPT_TEXT).then(|| request.query.clone());
        if let (Ok(document), Some(text)) = (request.parsed_query(), text) {
            let document = Arc::new(document.clone());
            self.lock().put(text, document);
        }
        PreparedRequest {
            request,
            kept: None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<String, Arc<ExecutableDocument>>> {
        // A panic while the lock was held leaves a consistent cache; keep using it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A request and its document. A kept parse is shared until the request runs, so a request
/// answered from a kept answer never copies it.
pub struct PreparedRequest {
    request: Request,
    /// The kept parse; `None` when the request holds its own (or its text does not parse).
    kept: Option<Arc<ExecutableDocument>>,
}

impl PreparedRequest {
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The parsed document, or `None` when the text does not parse.
    pub fn document(&mut self) -> Option<&ExecutableDocument> {
        match &self.kept {
            Some(document) => Some(document),
            None => self.request.parsed_query().ok(),
        }
    }

    /// The request to execute, holding its parse.
    pub fn into_request(self) -> Request {
        let Self { mut request, kept } = self;
        if let Some(document) = kept {
            request.set_parsed_query(Arc::unwrap_or_clone(document));
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_a_bad_one_is_left_to_the_executor() {
        let documents = ParsedDocuments::default();
        let mut first = documents.prepare(Request::new("query Q { plans { code } }"));
        assert!(first.kept.is_none(), "the first request parses its own");
        assert!(first.document().is_some());
        assert_eq!(documents.lock().len(), 1);
        let mut again = documents.prepare(Request::new("query Q { plans { code } }"));
        assert_eq!(documents.lock().len(), 1);
        assert!(again.kept.is_some(), "the second shares the kept parse");
        assert!(again.document().is_some());
        assert!(again.into_request().parsed_query().is_ok());

        let mut bad = documents.prepare(Request::new("query {"));
        assert_eq!(
            documents.lock().len(),
            1,
            "a document that does not parse is not kept"
        );
        assert!(bad.document().is_none());
        assert!(bad.into_request().parsed_query().is_err());
    }
}
