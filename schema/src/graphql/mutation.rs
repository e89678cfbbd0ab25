//! The root mutation, merged from one object per record type. Every change is validated,
//! checked against the version the client saw, and audited in the same transaction.

mod actions;
mod incidents;
mod naloxone;
mod plan;
mod report;

use async_graphql::{ID, InputObject, MaybeUndefined, MergedObject};
use chrono::{SubsecRound, Utc};
use uuid::Uuid;

use crate::domain::Kommunenummer;
use crate::error::Error;
use crate::graphql::global_id::GlobalId;
use crate::store::{RecordMeta, Retraction, TenantDb};

#[derive(MergedObject, Default)]
pub struct Mutation(
    actions::ActionMutation,
    incidents::IncidentMutation,
    naloxone::NaloxoneMutation,
    plan::PlanMutation,
    report::ReportMutation,
);

/// Retracts a record: it stays in the history with the reason, and leaves the statistics.
#[derive(InputObject)]
pub struct RetractInput {
    id: ID,
    /// The version the client saw; a stale version is a `CONFLICT`.
    version: i64,
    /// Why the record is retracted (for example «registrert to ganger»).
    reason: String,
}

impl RetractInput {
    fn into_retraction(self, type_name: &str) -> Result<Retraction, Error> {
        Ok(Retraction {
            id: GlobalId::decode_as(&self.id, type_name, "id")?,
            version: self.version,
            reason: self.reason,
        })
    }
}

/// The identity of a record about to be created in the caller's scope.
fn new_meta(
    tenant: &TenantDb<'_>,
    municipality: Option<&str>,
    idempotency_key: Option<String>,
) -> Result<RecordMeta, Error> {
    let kommunenummer = tenant.target_municipality(municipality, "municipality")?;
    Ok(RecordMeta {
        id: Uuid::now_v7(),
        kommunenummer: kommunenummer
            .parse::<Kommunenummer>()
            .map_err(|e| Error::validation("municipality", e.to_string()))?,
        created_at: Utc::now().trunc_subsecs(6),
        synthetic: false,
        idempotency_key,
    })
}

/// Applies an optional field of a correction: absent keeps, null clears, a value sets.
fn patch<T>(target: &mut Option<T>, value: MaybeUndefined<T>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v),
    }
}

/// Applies a required field of a correction: absent (or null) keeps.
fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *target = v;
    }
}
