//! An entry of the access log.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};

use crate::entity::access_log;
use crate::graphql::global_id::GlobalId;

/// One read of a municipality's detail rows: who, when, in which role, request and operation,
/// and how many rows.
pub struct AccessLogEntryNode(pub access_log::Model);

#[Object(name = "AccessLogEntry", serial)]
impl AccessLogEntryNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("AccessLogEntry", self.0.id)
    }

    async fn kommunenummer(&self) -> &str {
        &self.0.kommunenummer
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The subject of who read (from the identity provider, never a name).
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    async fn role(&self) -> &str {
        &self.0.role
    }

    async fn request_id(&self) -> &str {
        &self.0.request_id
    }

    /// The client's name for the GraphQL operation, if it gave one.
    async fn operation(&self) -> Option<&str> {
        self.0.operation.as_deref()
    }

    /// How the rows were reached: `list`, `read` (by id) or `by measure`.
    async fn access(&self) -> &str {
        &self.0.access
    }

    /// The type of the rows, such as `OverdoseIncident`.
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }

    /// How many of the municipality's rows were returned.
    async fn row_count(&self) -> i32 {
        self.0.row_count
    }
}
