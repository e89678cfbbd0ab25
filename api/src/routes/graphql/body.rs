//! Reads the GraphQL request a POST carries: one JSON object (`query`, `operationName`,
//! `variables`, `extensions`), parsed straight into async-graphql's request. async-graphql's
//! own reader takes a batch or a single request, so it reads every body twice (once into
//! serde's untyped buffer, once into the request), and answers a body it cannot read with a
//! bare 400 in plain text; a client here gets a GraphQL-shaped error instead.

use async_graphql::Request;

/// Why a body is not a GraphQL request, in words for the client.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("batched requests are not supported: send one request, a JSON object, per POST")]
    Batch,
    #[error("the request body is not a GraphQL request (a JSON object with `query`): {0}")]
    Malformed(#[from] serde_json::Error),
}

/// The request in `body`.
pub fn parse(body: &[u8]) -> Result<Request, BodyError> {
    if body.trim_ascii_start().starts_with(b"[") {
        return Err(BodyError::Batch);
    }
    Ok(serde_json::from_slice(body)?)
}

#[cfg(test)]
mod tests {
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
        let request = parse(br#"{"query":"{ a }","variables":null}"#).unwrap();
        assert_eq!(request.query, "{ a }");
        assert!(request.operation_name.is_none());
        assert!(request.variables.is_empty());
    }

    #[test]
    fn refuses_a_batch_and_what_is_not_a_request() {
        assert!(matches!(
            parse(br#" [{"query":"{ a }"}]"#),
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
}
