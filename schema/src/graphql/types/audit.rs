//! An event of the change audit trail.

use async_graphql::{ID, Json, Object};
use chrono::{DateTime, Utc};

use crate::entity::audit_event;
use crate::graphql::global_id::GlobalId;
use crate::store::AuditOperation;

/// One change to one record: who, when, in which role and request, and the record before and
/// after. Events are hash-chained per municipality.
pub struct AuditEventNode(pub audit_event::Model);

#[Object(name = "AuditEvent", serial)]
impl AuditEventNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("AuditEvent", self.0.id)
    }

    /// The event's position in its municipality's chain, from 1.
    async fn seq(&self) -> i64 {
        self.0.seq
    }

    async fn kommunenummer(&self) -> &str {
        &self.0.kommunenummer
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The subject of who made the change (from the identity provider, never a name).
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// The role the change was made in.
    async fn role(&self) -> &str {
        &self.0.role
    }

    async fn request_id(&self) -> &str {
        &self.0.request_id
    }

    /// The type of the changed record, such as `OverdoseIncident`.
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }

    /// The global id of the changed record.
    async fn record_id(&self) -> ID {
        let type_name = GlobalId::type_name(&self.0.record_type).unwrap_or("Unknown");
        GlobalId::encode(type_name, self.0.record_id)
    }

    async fn operation(&self) -> Option<AuditOperation> {
        AuditOperation::from_code(&self.0.operation)
    }

    /// The record before the change (null for a create).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }

    /// The record after the change.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }

    /// The hash of the event before this one.
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }

    async fn hash(&self) -> &str {
        &self.0.hash
    }
}
