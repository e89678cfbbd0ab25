use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "action_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kommunenummer: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub action_id: Uuid,
    pub noted_on: Date,
    pub text: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
