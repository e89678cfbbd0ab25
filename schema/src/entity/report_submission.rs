use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_submissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kommunenummer: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub id: Uuid,
    pub submitted_at: DateTimeUtc,
    pub submitted_by: String,
    pub role: String,
    /// The report's figure tables as JSON.
    pub figures: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
