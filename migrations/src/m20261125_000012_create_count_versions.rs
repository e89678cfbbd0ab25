//! A version per municipality, raised in the same transaction as every change to its monthly
//! counts. Dashboards keep what they published and reuse it while the versions of the
//! municipalities it covers are unchanged, on every instance of the service.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;
use crate::m20261124_000008_row_level_security::{enable_tenant_security, readable_in_every_scope};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CountVersions {
    Table,
    Kommunenummer,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CountVersions::Table)
                    .col(kommunenummer(CountVersions::Kommunenummer).primary_key())
                    .col(big_integer(CountVersions::Version))
                    .to_owned(),
            )
            .await?;
        enable_tenant_security(manager, "count_versions", "SELECT, INSERT, UPDATE").await?;
        readable_in_every_scope(manager, "count_versions", "versions_readable").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CountVersions::Table).to_owned())
            .await
    }
}
