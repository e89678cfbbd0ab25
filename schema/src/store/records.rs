//! New records as the store accepts them. Validation of user input happens before these are
//! built; the store stamps the municipality and checks it against the handle's scope.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::*;

/// Fields every new record carries.
#[derive(Debug, Clone)]
pub struct RecordMeta {
    pub id: Uuid,
    pub kommunenummer: Kommunenummer,
    pub created_at: DateTime<Utc>,
    pub synthetic: bool,
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSite {
    pub kommunenummer: Kommunenummer,
    pub id: Uuid,
    pub name: String,
    pub kind: SiteKind,
}

#[derive(Debug, Clone)]
pub struct NewAction {
    pub meta: RecordMeta,
    pub measure_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub responsible_unit: Option<String>,
    pub status: ActionStatus,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub progress_percent: i16,
    pub output_label: Option<String>,
    pub output_value: Option<i32>,
    pub notes: Vec<(NaiveDate, String)>,
}

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub meta: RecordMeta,
    pub occurred_on: NaiveDate,
    pub occurred_hour: Option<i16>,
    pub place_type: PlaceType,
    pub outcome: Outcome,
    pub substances: Vec<Substance>,
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

#[derive(Debug, Clone)]
pub struct NewNaloxoneDistribution {
    pub meta: RecordMeta,
    pub distributed_on: NaiveDate,
    pub site_id: Uuid,
    pub kits: i16,
    pub product: NaloxoneProduct,
    pub recipient_category: RecipientCategory,
    pub first_time: bool,
    pub refill_reason: Option<RefillReason>,
    pub training_given: bool,
    pub training_minutes: Option<i16>,
    pub sex: Sex,
    pub age_band: AgeBand,
    pub notes: Option<String>,
}
