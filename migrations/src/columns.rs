//! Column sets shared by the record tables, so every record keeps the same lifecycle fields.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveIden)]
pub enum Record {
    Kommunenummer,
    Id,
    Synthetic,
    Version,
    IdempotencyKey,
    CreatedAt,
    UpdatedAt,
    RetractedAt,
    RetractionReason,
}

/// The municipality key: four digits, kept as text because codes such as `0301` lead with zero.
pub fn kommunenummer<T: IntoIden>(col: T) -> ColumnDef {
    char_len(col, 4)
}

/// Adds the tenant key and id (the primary key leads with the tenant key) and the lifecycle
/// columns every record carries: optimistic-locking version, idempotency key, UTC timestamps
/// and the soft retraction that replaces deletes.
pub fn add_record_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(kommunenummer(Record::Kommunenummer))
        .col(uuid(Record::Id))
        .col(boolean(Record::Synthetic).default(false))
        .col(integer(Record::Version).default(1))
        .col(string_len_null(Record::IdempotencyKey, 128))
        .col(timestamp_with_time_zone(Record::CreatedAt))
        .col(timestamp_with_time_zone(Record::UpdatedAt))
        .col(timestamp_with_time_zone_null(Record::RetractedAt))
        .col(text_null(Record::RetractionReason))
        .primary_key(Index::create().col(Record::Kommunenummer).col(Record::Id))
}

/// A create retried with the same idempotency key must find the first record: one key per
/// municipality and table.
pub fn idempotency_index<T: IntoIden + 'static>(table: T, name: &str) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(table)
        .col(Record::Kommunenummer)
        .col(Record::IdempotencyKey)
        .unique()
        .to_owned()
}
