//! What the recording API needs beyond the first schema: a fingerprint of the content a create
//! was made with (so a retry with the same idempotency key but other content is a conflict),
//! and the head of each municipality's audit chain.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RecordTables {
    Actions,
    OverdoseIncidents,
    NaloxoneDistributions,
}

#[derive(DeriveIden)]
enum Record {
    IdempotencyFingerprint,
}

#[derive(DeriveIden)]
enum AuditHeads {
    Table,
    Kommunenummer,
    Seq,
    Hash,
}

const RECORD_TABLES: [RecordTables; 3] = [
    RecordTables::Actions,
    RecordTables::OverdoseIncidents,
    RecordTables::NaloxoneDistributions,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in RECORD_TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(char_len_null(Record::IdempotencyFingerprint, 64))
                        .to_owned(),
                )
                .await?;
        }
        // One row per municipality: the last event's sequence number and hash. Every write
        // transaction updates it first, which serialises a municipality's writers (a row lock
        // on PostgreSQL, the write lock on SQLite) and lets `audit verify` notice a removed
        // last event.
        manager
            .create_table(
                Table::create()
                    .table(AuditHeads::Table)
                    .col(kommunenummer(AuditHeads::Kommunenummer).primary_key())
                    .col(big_integer(AuditHeads::Seq))
                    .col(char_len(AuditHeads::Hash, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditHeads::Table).to_owned())
            .await?;
        for table in RECORD_TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Record::IdempotencyFingerprint)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
