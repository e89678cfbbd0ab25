//! Recording, correcting and retracting overdose incidents.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, ResultExt};

use super::{RetractInput, new_meta, patch, set};
use crate::ctx::Access;
use crate::domain::*;
use crate::graphql::global_id::GlobalId;
use crate::graphql::query::tenant;
use crate::graphql::scalars::Date;
use crate::graphql::types::IncidentNode;
use crate::store::NewIncident;

/// A new overdose incident. Never enter names, birth dates, addresses or contact details.
#[derive(InputObject)]
pub struct CreateOverdoseIncidentInput {
    /// The municipality (kommunenummer); may be left out by a caller who acts for one only.
    municipality: Option<String>,
    /// The local date of the overdose; not in the future.
    occurred_on: Date,
    /// The local hour (0–23), if known.
    occurred_hour: Option<i64>,
    place_type: PlaceType,
    outcome: Outcome,
    /// At least one; `UNKNOWN` if none is known.
    suspected_substances: Vec<Substance>,
    #[graphql(default_with = "SubstanceCertainty::Suspected")]
    substance_certainty: SubstanceCertainty,
    naloxone_given: YesNoUnknown,
    naloxone_doses: Option<i64>,
    naloxone_given_by: Option<NaloxoneGivenBy>,
    disposition: Disposition,
    age_band: AgeBand,
    sex: Sex,
    #[graphql(default_with = "Intent::Undetermined")]
    intent: Intent,
    follow_up_offered: YesNoUnknown,
    follow_up_within_hours: Option<i64>,
    follow_up_accepted: Option<FollowUpAccepted>,
    follow_up_kind: Option<FollowUpKind>,
    source: IncidentSource,
    /// Free text without personal data.
    notes: Option<String>,
    /// A key the client makes up (a UUID is good): a retry with the same key returns the
    /// first record instead of creating a second.
    idempotency_key: Option<String>,
}

/// Corrects an incident; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject)]
pub struct CorrectOverdoseIncidentInput {
    id: async_graphql::ID,
    /// The version the client saw; a stale version is a `CONFLICT`.
    version: i64,
    occurred_on: Option<Date>,
    occurred_hour: MaybeUndefined<i64>,
    place_type: Option<PlaceType>,
    outcome: Option<Outcome>,
    suspected_substances: Option<Vec<Substance>>,
    substance_certainty: Option<SubstanceCertainty>,
    naloxone_given: Option<YesNoUnknown>,
    naloxone_doses: MaybeUndefined<i64>,
    naloxone_given_by: MaybeUndefined<NaloxoneGivenBy>,
    disposition: Option<Disposition>,
    age_band: Option<AgeBand>,
    sex: Option<Sex>,
    intent: Option<Intent>,
    follow_up_offered: Option<YesNoUnknown>,
    follow_up_within_hours: MaybeUndefined<i64>,
    follow_up_accepted: MaybeUndefined<FollowUpAccepted>,
    follow_up_kind: MaybeUndefined<FollowUpKind>,
    source: Option<IncidentSource>,
    notes: MaybeUndefined<String>,
}

#[derive(Default)]
pub struct IncidentMutation;

#[Object]
impl IncidentMutation {
    /// Records an overdose incident. Needs the coordinator or registrar role.
    async fn create_overdose_incident(
        &self,
        ctx: &Context<'_>,
        input: CreateOverdoseIncidentInput,
    ) -> async_graphql::Result<IncidentNode> {
        let tenant = tenant(ctx, Access::WriteCases)?;
        let new = NewIncident {
            meta: new_meta(
                &tenant,
                input.municipality.as_deref(),
                input.idempotency_key,
            )
            .extend()?,
            occurred_on: input.occurred_on.0,
            occurred_hour: input.occurred_hour,
            place_type: input.place_type,
            outcome: input.outcome,
            substances: input.suspected_substances,
            substance_certainty: input.substance_certainty,
            naloxone_given: input.naloxone_given,
            naloxone_doses: input.naloxone_doses,
            naloxone_given_by: input.naloxone_given_by,
            disposition: input.disposition,
            age_band: input.age_band,
            sex: input.sex,
            intent: input.intent,
            follow_up_offered: input.follow_up_offered,
            follow_up_within_hours: input.follow_up_within_hours,
            follow_up_accepted: input.follow_up_accepted,
            follow_up_kind: input.follow_up_kind,
            source: input.source,
            notes: input.notes,
        };
        Ok(IncidentNode(tenant.create_incident(new).await.extend()?))
    }

    /// Corrects an incident from the version the client saw. Needs the coordinator or
    /// registrar role.
    async fn correct_overdose_incident(
        &self,
        ctx: &Context<'_>,
        input: CorrectOverdoseIncidentInput,
    ) -> async_graphql::Result<IncidentNode> {
        let tenant = tenant(ctx, Access::WriteCases)?;
        let id = GlobalId::decode_as(&input.id, "OverdoseIncident", "id").extend()?;
        let corrected = tenant
            .correct_incident(id, input.version, |i| {
                set(&mut i.occurred_on, input.occurred_on.map(|d| d.0));
                patch(&mut i.occurred_hour, input.occurred_hour);
                set(&mut i.place_type, input.place_type);
                set(&mut i.outcome, input.outcome);
                set(&mut i.substances, input.suspected_substances);
                set(&mut i.substance_certainty, input.substance_certainty);
                set(&mut i.naloxone_given, input.naloxone_given);
                patch(&mut i.naloxone_doses, input.naloxone_doses);
                patch(&mut i.naloxone_given_by, input.naloxone_given_by);
                set(&mut i.disposition, input.disposition);
                set(&mut i.age_band, input.age_band);
                set(&mut i.sex, input.sex);
                set(&mut i.intent, input.intent);
                set(&mut i.follow_up_offered, input.follow_up_offered);
                patch(&mut i.follow_up_within_hours, input.follow_up_within_hours);
                patch(&mut i.follow_up_accepted, input.follow_up_accepted);
                patch(&mut i.follow_up_kind, input.follow_up_kind);
                set(&mut i.source, input.source);
                patch(&mut i.notes, input.notes);
            })
            .await
            .extend()?;
        Ok(IncidentNode(corrected))
    }

    /// Retracts an incident; it stays in the history and leaves the statistics. Needs the
    /// coordinator or registrar role.
    async fn retract_overdose_incident(
        &self,
        ctx: &Context<'_>,
        input: RetractInput,
    ) -> async_graphql::Result<IncidentNode> {
        let tenant = tenant(ctx, Access::WriteCases)?;
        let retraction = input.into_retraction("OverdoseIncident").extend()?;
        Ok(IncidentNode(
            tenant.retract_incident(retraction).await.extend()?,
        ))
    }
}
