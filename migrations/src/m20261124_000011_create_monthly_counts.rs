//! Monthly counts per municipality, kept exact in the same transaction as every write,
//! correction and retraction, so dashboards never scan detail rows at request time.
//!
//! They hold counts only, never a row's content, so every municipality's counts are readable
//! by the service (the dashboards' disclosure control decides what a caller sees); writing
//! them stays within the transaction's municipalities.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;
use crate::m20261124_000008_row_level_security::{enable_tenant_security, readable_in_every_scope};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MonthlyCounts {
    Table,
    Kommunenummer,
    Metric,
    Month,
    Category,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MonthlyCounts::Table)
                    .col(kommunenummer(MonthlyCounts::Kommunenummer))
                    .col(string_len(MonthlyCounts::Metric, 48))
                    .col(date(MonthlyCounts::Month))
                    .col(string_len(MonthlyCounts::Category, 48))
                    .col(big_integer(MonthlyCounts::Value))
                    .primary_key(
                        Index::create()
                            .col(MonthlyCounts::Kommunenummer)
                            .col(MonthlyCounts::Metric)
                            .col(MonthlyCounts::Month)
                            .col(MonthlyCounts::Category),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_monthly_counts_metric_month")
                    .table(MonthlyCounts::Table)
                    .col(MonthlyCounts::Metric)
                    .col(MonthlyCounts::Month)
                    .to_owned(),
            )
            .await?;
        enable_tenant_security(manager, "monthly_counts", "SELECT, INSERT, UPDATE, DELETE").await?;
        readable_in_every_scope(manager, "monthly_counts", "counts_readable").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MonthlyCounts::Table).to_owned())
            .await
    }
}
