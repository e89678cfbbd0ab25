//! An overdose incident: non-identifying by design.

use async_graphql::{Context, ID, Object, ResultExt};
use chrono::{DateTime, Utc};

use crate::domain::*;
use crate::entity::incident;
use crate::graphql::global_id::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::graphql::types::MunicipalityNode;
use crate::graphql::types::action::municipality;

/// An overdose: when, what kind of place, suspected substances, outcome, naloxone and
/// follow-up. Never a name, a birth date or an address.
pub struct IncidentNode(pub incident::Model);

#[Object(name = "OverdoseIncident", serial)]
impl IncidentNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("OverdoseIncident", self.0.id)
    }

    async fn municipality(&self, ctx: &Context<'_>) -> async_graphql::Result<MunicipalityNode> {
        municipality(ctx, &self.0.kommunenummer).await
    }

    /// The local date of the overdose.
    async fn occurred_on(&self) -> Date {
        Date(self.0.occurred_on)
    }

    /// The local hour (0–23), the finest time kept.
    async fn occurred_hour(&self) -> Option<i32> {
        self.0.occurred_hour.map(i32::from)
    }

    async fn place_type(&self) -> PlaceType {
        self.0.place_type
    }

    async fn outcome(&self) -> Outcome {
        self.0.outcome
    }

    async fn suspected_substances(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Substance>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .substances
            .load_one(self.0.id)
            .await
            .extend()?
            .unwrap_or_default())
    }

    async fn substance_certainty(&self) -> SubstanceCertainty {
        self.0.substance_certainty
    }

    async fn naloxone_given(&self) -> YesNoUnknown {
        self.0.naloxone_given
    }

    async fn naloxone_doses(&self) -> Option<i32> {
        self.0.naloxone_doses.map(i32::from)
    }

    async fn naloxone_given_by(&self) -> Option<NaloxoneGivenBy> {
        self.0.naloxone_given_by
    }

    async fn disposition(&self) -> Disposition {
        self.0.disposition
    }

    async fn age_band(&self) -> AgeBand {
        self.0.age_band
    }

    async fn sex(&self) -> Sex {
        self.0.sex
    }

    async fn intent(&self) -> Intent {
        self.0.intent
    }

    async fn follow_up_offered(&self) -> YesNoUnknown {
        self.0.follow_up_offered
    }

    async fn follow_up_within_hours(&self) -> Option<i32> {
        self.0.follow_up_within_hours.map(i32::from)
    }

    async fn follow_up_accepted(&self) -> Option<FollowUpAccepted> {
        self.0.follow_up_accepted
    }

    async fn follow_up_kind(&self) -> Option<FollowUpKind> {
        self.0.follow_up_kind
    }

    async fn source(&self) -> IncidentSource {
        self.0.source
    }

    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// The version to send with the next correction.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the record was retracted; retracted records leave the statistics.
    async fn retracted_at(&self) -> Option<DateTime<Utc>> {
        self.0.retracted_at
    }

    async fn retraction_reason(&self) -> Option<&str> {
        self.0.retraction_reason.as_deref()
    }

    /// True for generated demonstration or benchmark data.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }
}
