use sea_orm::entity::prelude::*;

use crate::domain::{AgeBand, NaloxoneProduct, RecipientCategory, RefillReason, Sex};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "naloxone_distributions")]
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
    /// Local date (Europe/Oslo) the kits were handed out.
    pub distributed_on: Date,
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

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
