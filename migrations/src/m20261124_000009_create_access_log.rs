//! The access log: who read which municipality's detail rows, when, in which role and request,
//! and how many. Kept beside the change audit, as the health sector's security norm asks.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;
use crate::m20261124_000008_row_level_security::{disable_tenant_security, enable_tenant_security};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Kommunenummer,
    Id,
    OccurredAt,
    Actor,
    Role,
    RequestId,
    Operation,
    Access,
    RecordType,
    RowCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessLog::Table)
                    .col(kommunenummer(AccessLog::Kommunenummer))
                    .col(uuid(AccessLog::Id))
                    .col(timestamp_with_time_zone(AccessLog::OccurredAt))
                    .col(string_len(AccessLog::Actor, 200))
                    .col(string_len(AccessLog::Role, 32))
                    .col(string_len(AccessLog::RequestId, 64))
                    .col(string_len_null(AccessLog::Operation, 100))
                    .col(string_len(AccessLog::Access, 40))
                    .col(string_len(AccessLog::RecordType, 40))
                    .col(integer(AccessLog::RowCount))
                    .primary_key(
                        Index::create()
                            .col(AccessLog::Kommunenummer)
                            .col(AccessLog::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_access_log_occurred")
                    .table(AccessLog::Table)
                    .col(AccessLog::Kommunenummer)
                    .col(AccessLog::OccurredAt)
                    .to_owned(),
            )
            .await?;
        // Append-only for the service, like the audit trail.
        enable_tenant_security(manager, "access_log", "SELECT, INSERT").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        disable_tenant_security(manager, "access_log", "SELECT, INSERT").await?;
        manager
            .drop_table(Table::drop().table(AccessLog::Table).to_owned())
            .await
    }
}
