//! Reads the GraphQL request a POST carries: one JSON object (`query`, `operationName`,
//! `variables`, `extensions`), parsed straight into async-graphql's request. async-graphql's
//! own reader takes a batch or a single request, so it reads every body twice (once into
//! serde's untyped buffer, once into the request), and answers a body it cannot read with a
//! bare 400 in plain text; a client here gets a GraphQL-shaped error instead.

use async_graphql::Request;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;

/// The most characters of the parser's complaint a client gets back: it quotes the value it
/// refused, which may be most of the body.
const MAX_DETAIL_CHARS: usize = 200;

/// Why a body is not a GraphQL request, in words for the client.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Over the body-size limit: the limits layer words the answer.
    #[error("the request body is over the size limit")]
    TooLarge(BytesRejection),
    #[error("the request body could not be read: {0}")]
    Unreadable(String),
    #[error("batched requests are not supported: send one request, a JSON object, per POST")]
    Batch,
    #[error(
        "the request body is not a GraphQL request (a JSON object with `query`): {}",
        detail(.0)
    )]
    Malformed(#[from] serde_json::Error),
}

/// The request in a body as the web framework read it.
pub fn read(body: Result<Bytes, BytesRejection>) -> Result<Request, BodyError> {
    match body {
        Ok(bytes) => parse(&bytes),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(BodyError::TooLarge(rejection))
        }
        Err(rejection) => Err(BodyError::Unreadable(rejection.body_text())),
    }
}

/// The request in `body`.
pub fn parse(body: &[u8]) -> Result<Request, BodyError> {
    let first = body
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first == Some(&b'[') {
        return Err(BodyError::Batch);
    }
    Ok(serde_json::from_slice(body)?)
}

/// serde's message, cut short when it quotes a long value, with where in the body it stopped.
fn detail(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    let what = message.strip_suffix(&position).unwrap_or(&message);
    match what.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((cut, _)) => format!("{}…{position}", &what[..cut]),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::FromRequest;
    use http_body_util::{Full, Limited};

    use super::*;

    #[test]
    fn reads_a_request_with_its_operation_and_variables() {
        let request = parse(
            br#"{"query":"query Q($y: Int) { a }","operationName":"Q","variables":{"y":2024}}"#,
        )
        .unwrap();
        assert_eq!(request.query, "query Q($y: Int) { a }");
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert_eq!(
            request.variables.get("y"),
            Some(&async_graphql::Value::from(2024))
        );
    }

    #[test]
    fn takes_null_variables_and_no_operation_name() {
        let request = parse(br#"{"query":"{ a }","variables":null,"extensions":null}"#).unwrap();
        assert_eq!(request.query, "{ a }");
        assert!(request.operation_name.is_none());
        assert!(request.variables.is_empty());
    }

    #[test]
    fn refuses_a_batch_and_what_is_not_a_request() {
        assert!(matches!(
            parse(b" \r\n[{\"query\":\"{ a }\"}]"),
            Err(BodyError::Batch)
        ));
        for body in [
            &b"query { a }"[..],
            b"",
            b"{\"query\": 1}",
            b"{\"query\":\"{ a }\"",
        ] {
            let err = parse(body).unwrap_err();
            assert!(matches!(err, BodyError::Malformed(_)), "{body:?}: {err}");
            assert!(err.to_string().contains("not a GraphQL request"), "{err}");
        }
    }

    #[test]
    fn does_not_echo_a_long_value_back() {
        let long = "x".repeat(10_000);
        let err = parse(format!(r#"{{"variables": "{long}"}}"#).as_bytes()).unwrap_err();
        let message = err.to_string();
        assert!(message.len() < 400, "{message}");
        assert!(message.contains("invalid type: string"), "{message}");
        assert!(message.ends_with("at line 1 column 10016"), "{message}");
        // A short complaint is kept whole.
        let err = parse(br#"{"query": 1}"#).unwrap_err().to_string();
        assert!(err.ends_with("invalid type: integer `1`, expected a string at line 1 column 11"));
    }

    #[tokio::test]
    async fn a_body_over_its_limit_is_too_large_not_malformed() {
        // What the body-limit layer hands on for a body without a length that goes over.
        let limited = Limited::new(Full::new(Bytes::from(vec![b' '; 100])), 10);
        let request = axum::http::Request::new(Body::new(limited));
        let body = Bytes::from_request(request, &()).await;
        let err = read(body).unwrap_err();
        assert!(matches!(err, BodyError::TooLarge(_)), "{err}");
    }
}
