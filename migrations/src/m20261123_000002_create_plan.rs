//! The shared plan: plans, focus areas, measures and which municipalities answer for each
//! measure. The plan is data, edited by plan administrators, not code.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;
use crate::m20261123_000001_create_municipalities::Municipalities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    Code,
    Name,
    NameEn,
    PeriodStart,
    PeriodEnd,
    Draft,
}

#[derive(DeriveIden)]
enum FocusAreas {
    Table,
    Id,
    PlanId,
    Position,
    Name,
    NameEn,
}

#[derive(DeriveIden)]
pub enum Measures {
    Table,
    Id,
    FocusAreaId,
    Position,
    Code,
    Name,
    NameEn,
    Description,
}

#[derive(DeriveIden)]
enum MeasureResponsibilities {
    Table,
    MeasureId,
    Kommunenummer,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(uuid(Plans::Id).primary_key())
                    .col(string_len_uniq(Plans::Code, 64))
                    .col(string_len(Plans::Name, 200))
                    .col(string_len(Plans::NameEn, 200))
                    .col(date(Plans::PeriodStart))
                    .col(date(Plans::PeriodEnd))
                    .col(boolean(Plans::Draft).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FocusAreas::Table)
                    .col(uuid(FocusAreas::Id).primary_key())
                    .col(uuid(FocusAreas::PlanId))
                    .col(integer(FocusAreas::Position))
                    .col(string_len(FocusAreas::Name, 200))
                    .col(string_len(FocusAreas::NameEn, 200))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FocusAreas::Table, FocusAreas::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .index(
                        Index::create()
                            .unique()
                            .name("ux_focus_areas_plan_position")
                            .col(FocusAreas::PlanId)
                            .col(FocusAreas::Position),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Measures::Table)
                    .col(uuid(Measures::Id).primary_key())
                    .col(uuid(Measures::FocusAreaId))
                    .col(integer(Measures::Position))
                    .col(string_len(Measures::Code, 16))
                    .col(string_len(Measures::Name, 300))
                    .col(string_len(Measures::NameEn, 300))
                    .col(text_null(Measures::Description))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Measures::Table, Measures::FocusAreaId)
                            .to(FocusAreas::Table, FocusAreas::Id),
                    )
                    .index(
                        Index::create()
                            .unique()
                            .name("ux_measures_focus_area_position")
                            .col(Measures::FocusAreaId)
                            .col(Measures::Position),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeasureResponsibilities::Table)
                    .col(uuid(MeasureResponsibilities::MeasureId))
                    .col(kommunenummer(MeasureResponsibilities::Kommunenummer))
                    .primary_key(
                        Index::create()
                            .col(MeasureResponsibilities::MeasureId)
                            .col(MeasureResponsibilities::Kommunenummer),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                MeasureResponsibilities::Table,
                                MeasureResponsibilities::MeasureId,
                            )
                            .to(Measures::Table, Measures::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                MeasureResponsibilities::Table,
                                MeasureResponsibilities::Kommunenummer,
                            )
                            .to(Municipalities::Table, Municipalities::Kommunenummer),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MeasureResponsibilities::Table.into_iden(),
            Measures::Table.into_iden(),
            FocusAreas::Table.into_iden(),
            Plans::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
