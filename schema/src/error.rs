//! One error type for the schema and its mapping to GraphQL errors with a stable `code`.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: every problem found, each naming its input field and saying what to do.
    #[error("{}", summarise(.0))]
    Validation(Vec<FieldError>),
    /// The record does not exist or belongs to a municipality the caller cannot see.
    #[error("{what} was not found")]
    NotFound { what: &'static str },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign-in required")]
    Unauthenticated,
    #[error("the database is not available right now; try again shortly")]
    Unavailable,
    /// PostgreSQL cut a statement at the statement timeout (SQLSTATE 57014).
    #[error(
        "the database took too long and the query was stopped; try again shortly, or ask for \
         less (a shorter range, fewer municipalities)"
    )]
    StatementTimeout,
    #[error(transparent)]
    Db(DbErr),
    #[error("{0}")]
    Internal(String),
}

impl Error {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// This failure for another request that shared the round trip that failed: the same
    /// code, and the details only once, with the first request (and in the log).
    pub(crate) fn for_another_waiter(&self) -> Error {
        match self {
            Error::Unavailable => Error::Unavailable,
            Error::StatementTimeout => Error::StatementTimeout,
            _ => Error::Internal("a round trip shared with other requests failed".to_owned()),
        }
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "VALIDATION",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Conflict(_) => "CONFLICT",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Unavailable | Error::StatementTimeout => "SERVICE_UNAVAILABLE",
            Error::Db(_) | Error::Internal(_) => "INTERNAL",
        }
    }
}

/// One problem with one input field. `field` is the path in the input, such as `kits` or
/// `distributions[2].kits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn summarise(errors: &[FieldError]) -> String {
    match errors {
        [] => "the input is not valid".to_owned(),
        [one] => one.message.clone(),
        [first, rest @ ..] => format!(
            "{} (and {} more problem{}: see extensions.errors)",
            first.message,
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        ),
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return Error::Conflict(
                "something with the same code or key already exists".to_owned(),
            );
        }
        if is_query_canceled(&err) {
            tracing::warn!(error = %err, "statement cut by the statement timeout");
            return Error::StatementTimeout;
        }
        if is_connection_lost(&err) {
            tracing::warn!(error = %err, "lost the database connection");
            return Error::Unavailable;
        }
        match err {
            // A pool that cannot hand out a connection means the database is down or
            // saturated: the client may retry, it is not a bug.
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Error::Unavailable,
            other => Error::Db(other),
        }
    }
}

/// A statement refused its values: a data exception (SQLSTATE class 22, such as a value too
/// long for its column) or a violated constraint (class 23). Such a failure is about what was
/// sent, not about the connection or the commit.
pub(crate) fn is_refused_data(err: &Error) -> bool {
    match err {
        Error::Conflict(_) => true,
        Error::Db(err) => sqlstate(err).is_some_and(|c| c.starts_with("22") || c.starts_with("23")),
        _ => false,
    }
}

/// The driver's error under a database error, if it came from the driver.
fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// The SQLSTATE the database answered with, if it answered with one.
fn sqlstate(err: &DbErr) -> Option<String> {
    match sqlx_error(err)? {
        sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// The connection broke under a statement: the server shut down or restarted (SQLSTATE
/// 57P01 `admin_shutdown`, 57P02 `crash_shutdown`, 57P03 `cannot_connect_now`), a connection
/// exception (class 08), or the socket failed. The transaction is rolled back (or, when the
/// commit itself was cut, its outcome is unknown): the client may retry, with the same
/// idempotency key for a create, so it is `SERVICE_UNAVAILABLE`, not a fault of the service.
fn is_connection_lost(err: &DbErr) -> bool {
    match sqlx_error(err) {
        Some(
            sea_orm::sqlx::Error::Io(_)
            | sea_orm::sqlx::Error::PoolTimedOut
            | sea_orm::sqlx::Error::PoolClosed
            | sea_orm::sqlx::Error::WorkerCrashed,
        ) => true,
        Some(sea_orm::sqlx::Error::Database(_)) => sqlstate(err)
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// SQLSTATE 57014 (`query_canceled`): what PostgreSQL answers when `statement_timeout` cuts a
/// statement.
fn is_query_canceled(err: &DbErr) -> bool {
    sqlstate(err).as_deref() == Some("57014")
}

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        let message = match self {
            // Never show database internals to a client; the request id finds the log line.
            Error::Db(err) => {
                tracing::error!(error = %err, "database error");
                "an internal error occurred; quote the request id when reporting it".to_owned()
            }
            Error::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                "an internal error occurred; quote the request id when reporting it".to_owned()
            }
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", self.code());
            if let Error::Validation(errors) = self {
                if let Some(first) = errors.first() {
                    ext.set("field", first.field.as_str());
                }
                let all: Vec<async_graphql::Value> = errors
                    .iter()
                    .map(|e| {
                        async_graphql::Value::from_json(serde_json::json!({
                            "field": e.field,
                            "message": e.message,
                        }))
                        .unwrap_or_default()
                    })
                    .collect();
                ext.set("errors", all);
            }
        })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_broken_under_a_statement_is_unavailable_not_internal() {
        let io = sea_orm::sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        let err = DbErr::Exec(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(io)));
        assert_eq!(Error::from(err).code(), "SERVICE_UNAVAILABLE");
        let other = DbErr::Custom("a bug".to_owned());
        assert_eq!(Error::from(other).code(), "INTERNAL");
    }
}
