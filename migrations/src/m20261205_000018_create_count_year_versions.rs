//! A version per municipality and calendar year, raised in the same transaction as every
//! change to that year's monthly counts (year 0 stands for every year: bulk loads and
//! recounts, which do not count year by year). Dashboards publish a calendar year at a time
//! and keep it while the year's versions are unchanged, so a write of one year leaves the
//! other years' panels kept without reading their counts again.
//!
//! `count_versions.attributed` is raised with `version` by every write that raises its years'
//! versions. A service from before this migration raises `version` only, so while one still
//! writes (a rolling upgrade), `version - attributed` grows with each of its writes, and every
//! year's panels are published again as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;
use crate::m20261124_000008_row_level_security::{enable_tenant_security, readable_in_every_scope};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CountVersions {
    Table,
    Attributed,
}

#[derive(DeriveIden)]
enum CountYearVersions {
    Table,
    Kommunenummer,
    Year,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CountYearVersions::Table)
                    .col(kommunenummer(CountYearVersions::Kommunenummer))
                    .col(integer(CountYearVersions::Year))
                    .col(big_integer(CountYearVersions::Version))
                    .primary_key(
                        Index::create()
                            .col(CountYearVersions::Kommunenummer)
                            .col(CountYearVersions::Year),
                    )
                    .to_owned(),
            )
            .await?;
        enable_tenant_security(manager, "count_year_versions", "SELECT, INSERT, UPDATE").await?;
        readable_in_every_scope(manager, "count_year_versions", "versions_readable").await?;
        // Existing rows start with `version - attributed` at their version: a constant, which
        // only moves with a write that raises no year's version.
        manager
            .alter_table(
                Table::alter()
                    .table(CountVersions::Table)
                    .add_column(big_integer(CountVersions::Attributed).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CountVersions::Table)
                    .drop_column(CountVersions::Attributed)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CountYearVersions::Table).to_owned())
            .await
    }
}
