use sea_orm::entity::prelude::*;

use crate::domain::{
    AgeBand, Disposition, FollowUpAccepted, FollowUpKind, IncidentSource, Intent, NaloxoneGivenBy,
    Outcome, PlaceType, Sex, SubstanceCertainty, YesNoUnknown,
};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "overdose_incidents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kommunenummer: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub synthetic: bool,
    pub version: i32,
    pub idempotency_key: Option<String>,
    /// Hash of the content the record was created with, to tell a retry from a conflict.
    #[serde(skip)]
    pub idempotency_fingerprint: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub retracted_at: Option<DateTimeUtc>,
    pub retraction_reason: Option<String>,
    /// Local date (Europe/Oslo) the overdose happened.
    pub occurred_on: Date,
    /// Local hour of day (0–23), the finest time resolution kept.
    pub occurred_hour: Option<i16>,
    pub place_type: PlaceType,
    pub outcome: Outcome,
    pub substance_certainty: SubstanceCertainty,
    pub naloxone_given: YesNoUnknown,
    pub naloxone_doses: Option<i16>,
    pub naloxone_given_by: Option<NaloxoneGivenBy>,
    pub disposition: Disposition,
    pub age_band: AgeBand,
    pub sex: Sex,
    pub intent: Intent,
    pub follow_up_offered: YesNoUnknown,
    pub follow_up_within_hours: Option<i16>,
    pub follow_up_accepted: Option<FollowUpAccepted>,
    pub follow_up_kind: Option<FollowUpKind>,
    pub source: IncidentSource,
    pub notes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
