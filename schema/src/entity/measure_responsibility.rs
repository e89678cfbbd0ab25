use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "measure_responsibilities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub measure_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kommunenummer: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
