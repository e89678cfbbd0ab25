//! Submitted annual reports: the figures of a municipality's report for a year as they were
//! when its coordinator submitted it, with when and by whom. Later corrections change the
//! live report, never these; the report shows the difference.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;
use crate::m20261124_000008_row_level_security::enable_tenant_security;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReportSubmissions {
    Table,
    Kommunenummer,
    Year,
    Version,
    Id,
    SubmittedAt,
    SubmittedBy,
    Role,
    Figures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReportSubmissions::Table)
                    .col(kommunenummer(ReportSubmissions::Kommunenummer))
                    .col(integer(ReportSubmissions::Year))
                    .col(integer(ReportSubmissions::Version))
                    .col(uuid(ReportSubmissions::Id).unique_key())
                    .col(timestamp_with_time_zone(ReportSubmissions::SubmittedAt))
                    .col(string_len(ReportSubmissions::SubmittedBy, 200))
                    .col(string_len(ReportSubmissions::Role, 32))
                    .col(text(ReportSubmissions::Figures))
                    .primary_key(
                        Index::create()
                            .col(ReportSubmissions::Kommunenummer)
                            .col(ReportSubmissions::Year)
                            .col(ReportSubmissions::Version),
                    )
                    .to_owned(),
            )
            .await?;
        // Append-only: a submission is never changed or deleted, only followed by a new one.
        enable_tenant_security(manager, "report_submissions", "SELECT, INSERT").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReportSubmissions::Table).to_owned())
            .await
    }
}
