//! Indicators with targets: plan data, edited by plan administrators like focus areas and
//! measures. An indicator names what is measured (`kind`, a code the dashboards know how to
//! compute), the target and whether the figure should reach it (`AT_LEAST`) or stay under it
//! (`AT_MOST`). A missing target means the figure is followed without one.
//!
//! Public reference data: readable by the service, no row-level security; plan administrators
//! may add and change indicators through the service, never delete them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261124_000008_row_level_security::SERVICE_GROUP;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FocusAreas {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Indicators {
    Table,
    Id,
    PlanId,
    FocusAreaId,
    Position,
    Code,
    Kind,
    Name,
    NameEn,
    Target,
    Direction,
    Description,
}

/// What the service's role may do with indicators.
const PRIVILEGES: &str = "SELECT, INSERT, UPDATE";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Indicators::Table)
                    .col(uuid(Indicators::Id).primary_key())
                    .col(uuid(Indicators::PlanId))
                    .col(uuid_null(Indicators::FocusAreaId))
                    .col(integer(Indicators::Position))
                    .col(string_len(Indicators::Code, 32))
                    .col(string_len(Indicators::Kind, 48))
                    .col(string_len(Indicators::Name, 300))
                    .col(string_len(Indicators::NameEn, 300))
                    .col(double_null(Indicators::Target))
                    .col(string_len(Indicators::Direction, 16))
                    .col(text_null(Indicators::Description))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Indicators::Table, Indicators::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Indicators::Table, Indicators::FocusAreaId)
                            .to(FocusAreas::Table, FocusAreas::Id),
                    )
                    .index(
                        Index::create()
                            .unique()
                            .name("ux_indicators_plan_code")
                            .col(Indicators::PlanId)
                            .col(Indicators::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_indicators_focus_area")
                    .table(Indicators::Table)
                    .col(Indicators::FocusAreaId)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "GRANT {PRIVILEGES} ON indicators TO {SERVICE_GROUP}"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "REVOKE {PRIVILEGES} ON indicators FROM {SERVICE_GROUP}"
                ))
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Indicators::Table).to_owned())
            .await
    }
}
