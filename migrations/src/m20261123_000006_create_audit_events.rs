//! Audit events: an append-only, hash-chained log of every change, one chain per municipality
//! (so the chain distributes with the municipality's data).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Kommunenummer,
    Seq,
    Id,
    OccurredAt,
    Actor,
    Role,
    RequestId,
    RecordType,
    RecordId,
    Operation,
    Before,
    After,
    PrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(kommunenummer(AuditEvents::Kommunenummer))
                    .col(big_integer(AuditEvents::Seq))
                    .col(uuid(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(string_len(AuditEvents::Actor, 200))
                    .col(string_len(AuditEvents::Role, 32))
                    .col(string_len(AuditEvents::RequestId, 64))
                    .col(string_len(AuditEvents::RecordType, 40))
                    .col(uuid(AuditEvents::RecordId))
                    .col(string_len(AuditEvents::Operation, 32))
                    .col(json_null(AuditEvents::Before))
                    .col(json_null(AuditEvents::After))
                    .col(char_len(AuditEvents::PrevHash, 64))
                    .col(char_len(AuditEvents::Hash, 64))
                    .primary_key(
                        Index::create()
                            .col(AuditEvents::Kommunenummer)
                            .col(AuditEvents::Seq),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_record")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::Kommunenummer)
                    .col(AuditEvents::RecordId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}
