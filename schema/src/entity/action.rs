use sea_orm::entity::prelude::*;

use crate::domain::ActionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "actions")]
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
    pub measure_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub responsible_unit: Option<String>,
    pub status: ActionStatus,
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
    pub actual_start: Option<Date>,
    pub actual_end: Option<Date>,
    pub progress_percent: i16,
    pub output_label: Option<String>,
    pub output_value: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
