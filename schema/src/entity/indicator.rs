use sea_orm::entity::prelude::*;

use crate::domain::{IndicatorKind, TargetDirection};

/// `target` is a float, so the model is `PartialEq` only.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "indicators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub focus_area_id: Option<Uuid>,
    pub position: i32,
    pub code: String,
    pub kind: IndicatorKind,
    pub name: String,
    pub name_en: String,
    pub target: Option<f64>,
    pub direction: TargetDirection,
    pub description: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
