//! New records as the store accepts them. Validation of user input happens before these are
//! built; the store stamps the municipality and checks it against the handle's scope.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::*;
use crate::entity::{action, incident, naloxone_distribution};

/// Which records a list shows: retracted ones leave the statistics but stay in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, async_graphql::Enum)]
pub enum RecordState {
    /// Records in force (the default).
    #[default]
    Active,
    /// Retracted records only.
    Retracted,
    /// Both.
    All,
}

/// The fingerprint of a record's content (everything but its identity and lifecycle), which
/// tells a retried create from a different one that reuses an idempotency key.
pub(crate) fn fingerprint<T: Serialize>(content: &T) -> String {
    let json = serde_json::to_vec(content).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

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

#[derive(Debug, Clone, Serialize)]
pub struct NewAction {
    #[serde(skip)]
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
    pub progress_percent: i64,
    pub output_label: Option<String>,
    pub output_value: Option<i64>,
    pub notes: Vec<(NaiveDate, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewIncident {
    #[serde(skip)]
    pub meta: RecordMeta,
    pub occurred_on: NaiveDate,
    pub occurred_hour: Option<i64>,
    pub place_type: PlaceType,
    pub outcome: Outcome,
    pub substances: Vec<Substance>,
    pub substance_certainty: SubstanceCertainty,
    pub naloxone_given: YesNoUnknown,
    pub naloxone_doses: Option<i64>,
    pub naloxone_given_by: Option<NaloxoneGivenBy>,
    pub disposition: Disposition,
    pub age_band: AgeBand,
    pub sex: Sex,
    pub intent: Intent,
    pub follow_up_offered: YesNoUnknown,
    pub follow_up_within_hours: Option<i64>,
    pub follow_up_accepted: Option<FollowUpAccepted>,
    pub follow_up_kind: Option<FollowUpKind>,
    pub source: IncidentSource,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewNaloxoneDistribution {
    #[serde(skip)]
    pub meta: RecordMeta,
    pub distributed_on: NaiveDate,
    pub site_id: Uuid,
    pub kits: i64,
    pub product: NaloxoneProduct,
    pub recipient_category: RecipientCategory,
    pub first_time: bool,
    pub refill_reason: Option<RefillReason>,
    pub training_given: bool,
    pub training_minutes: Option<i64>,
    pub sex: Sex,
    pub age_band: AgeBand,
    pub notes: Option<String>,
}

impl RecordMeta {
    /// The identity of a record already stored, for rebuilding its content.
    fn of(kommunenummer: &str, id: Uuid, created_at: DateTime<Utc>, synthetic: bool) -> Self {
        Self {
            id,
            kommunenummer: Kommunenummer::from_trusted(kommunenummer),
            created_at,
            synthetic,
            idempotency_key: None,
        }
    }
}

impl NewAction {
    /// The content of a stored action (without its notes), to apply a change to.
    pub(crate) fn from_row(row: &action::Model) -> Self {
        Self {
            meta: RecordMeta::of(&row.kommunenummer, row.id, row.created_at, row.synthetic),
            measure_id: row.measure_id,
            title: row.title.clone(),
            description: row.description.clone(),
            responsible_unit: row.responsible_unit.clone(),
            status: row.status,
            planned_start: row.planned_start,
            planned_end: row.planned_end,
            actual_start: row.actual_start,
            actual_end: row.actual_end,
            progress_percent: row.progress_percent.into(),
            output_label: row.output_label.clone(),
            output_value: row.output_value.map(i64::from),
            notes: Vec::new(),
        }
    }
}

impl NewIncident {
    pub(crate) fn from_row(row: &incident::Model, substances: Vec<Substance>) -> Self {
        Self {
            meta: RecordMeta::of(&row.kommunenummer, row.id, row.created_at, row.synthetic),
            occurred_on: row.occurred_on,
            occurred_hour: row.occurred_hour.map(i64::from),
            place_type: row.place_type,
            outcome: row.outcome,
            substances,
            substance_certainty: row.substance_certainty,
            naloxone_given: row.naloxone_given,
            naloxone_doses: row.naloxone_doses.map(i64::from),
            naloxone_given_by: row.naloxone_given_by,
            disposition: row.disposition,
            age_band: row.age_band,
            sex: row.sex,
            intent: row.intent,
            follow_up_offered: row.follow_up_offered,
            follow_up_within_hours: row.follow_up_within_hours.map(i64::from),
            follow_up_accepted: row.follow_up_accepted,
            follow_up_kind: row.follow_up_kind,
            source: row.source,
            notes: row.notes.clone(),
        }
    }
}

impl NewNaloxoneDistribution {
    pub(crate) fn from_row(row: &naloxone_distribution::Model) -> Self {
        Self {
            meta: RecordMeta::of(&row.kommunenummer, row.id, row.created_at, row.synthetic),
            distributed_on: row.distributed_on,
            site_id: row.site_id,
            kits: row.kits.into(),
            product: row.product,
            recipient_category: row.recipient_category,
            first_time: row.first_time,
            refill_reason: row.refill_reason,
            training_given: row.training_given,
            training_minutes: row.training_minutes.map(i64::from),
            sex: row.sex,
            age_band: row.age_band,
            notes: row.notes.clone(),
        }
    }
}

/// Narrows a count to its column type. Validation bounds every such field far inside the
/// column's range before a row is built, so this never changes a value that can be stored.
fn small(value: i64) -> i16 {
    value.clamp(i16::MIN.into(), i16::MAX.into()) as i16
}

fn int(value: i64) -> i32 {
    value.clamp(i32::MIN.into(), i32::MAX.into()) as i32
}

/// Fills the lifecycle columns of a new row; the same on every record table.
macro_rules! new_row {
    ($module:ident, $meta:expr, $content:expr) => {{
        let meta: &RecordMeta = $meta;
        $module::ActiveModel {
            kommunenummer: Set(meta.kommunenummer.to_string()),
            id: Set(meta.id),
            synthetic: Set(meta.synthetic),
            version: Set(1),
            idempotency_key: Set(meta.idempotency_key.clone()),
            idempotency_fingerprint: Set(None),
            created_at: Set(meta.created_at),
            updated_at: Set(meta.created_at),
            retracted_at: Set(None),
            retraction_reason: Set(None),
            ..$content
        }
    }};
}

impl NewAction {
    /// The content columns only, as a change to a stored row.
    pub(crate) fn content(&self) -> action::ActiveModel {
        action::ActiveModel {
            measure_id: Set(self.measure_id),
            title: Set(self.title.clone()),
            description: Set(self.description.clone()),
            responsible_unit: Set(self.responsible_unit.clone()),
            status: Set(self.status),
            planned_start: Set(self.planned_start),
            planned_end: Set(self.planned_end),
            actual_start: Set(self.actual_start),
            actual_end: Set(self.actual_end),
            progress_percent: Set(small(self.progress_percent)),
            output_label: Set(self.output_label.clone()),
            output_value: Set(self.output_value.map(int)),
            ..Default::default()
        }
    }

    pub(crate) fn row(&self) -> action::ActiveModel {
        new_row!(action, &self.meta, self.content())
    }
}

impl NewIncident {
    pub(crate) fn content(&self) -> incident::ActiveModel {
        incident::ActiveModel {
            occurred_on: Set(self.occurred_on),
            occurred_hour: Set(self.occurred_hour.map(small)),
            place_type: Set(self.place_type),
            outcome: Set(self.outcome),
            substance_certainty: Set(self.substance_certainty),
            naloxone_given: Set(self.naloxone_given),
            naloxone_doses: Set(self.naloxone_doses.map(small)),
            naloxone_given_by: Set(self.naloxone_given_by),
            disposition: Set(self.disposition),
            age_band: Set(self.age_band),
            sex: Set(self.sex),
            intent: Set(self.intent),
            follow_up_offered: Set(self.follow_up_offered),
            follow_up_within_hours: Set(self.follow_up_within_hours.map(small)),
            follow_up_accepted: Set(self.follow_up_accepted),
            follow_up_kind: Set(self.follow_up_kind),
            source: Set(self.source),
            notes: Set(self.notes.clone()),
            ..Default::default()
        }
    }

    pub(crate) fn row(&self) -> incident::ActiveModel {
        new_row!(incident, &self.meta, self.content())
    }
}

impl NewNaloxoneDistribution {
    pub(crate) fn content(&self) -> naloxone_distribution::ActiveModel {
        naloxone_distribution::ActiveModel {
            distributed_on: Set(self.distributed_on),
            site_id: Set(self.site_id),
            kits: Set(small(self.kits)),
            product: Set(self.product),
            recipient_category: Set(self.recipient_category),
            first_time: Set(self.first_time),
            refill_reason: Set(self.refill_reason),
            training_given: Set(self.training_given),
            training_minutes: Set(self.training_minutes.map(small)),
            sex: Set(self.sex),
            age_band: Set(self.age_band),
            notes: Set(self.notes.clone()),
            ..Default::default()
        }
    }

    pub(crate) fn row(&self) -> naloxone_distribution::ActiveModel {
        new_row!(naloxone_distribution, &self.meta, self.content())
    }
}
