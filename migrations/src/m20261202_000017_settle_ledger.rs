//! `settle_ledger`: the ledger's round trip on PostgreSQL as one statement. It sets the scope
//! of the access-log entries it brings, reads the data versions, writes the entries that are
//! due at those versions and returns the versions, all in the statement's own transaction,
//! which commits before the answer is sent. Five round trips (`BEGIN`, scope, versions,
//! `INSERT`, `COMMIT`) and the pool's check of the connection become one. It runs with the
//! caller's rights, so row-level security applies to its `INSERT` as to any other.
//!
//! The entries come as parallel arrays, one element per entry. An entry is written when its
//! expected versions are null (a fresh read's) or equal the versions read (a kept answer still
//! current).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &str = r#"
CREATE FUNCTION settle_ledger(
    scope text,
    expected_reference bigint[],
    expected_counts bigint[],
    entry_kommunenummer text[],
    entry_id uuid[],
    entry_occurred_at timestamptz[],
    entry_actor text[],
    entry_role text[],
    entry_request_id text[],
    entry_operation text[],
    entry_access text[],
    entry_record_type text[],
    entry_row_count integer[])
RETURNS TABLE (reference bigint, counts bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('app.municipalities', scope, true);
    reference := (SELECT version FROM reference_version WHERE id = 1);
    counts := COALESCE((SELECT CAST(SUM(version) AS BIGINT) FROM count_versions), 0);
    INSERT INTO access_log (kommunenummer, id, occurred_at, actor, role, request_id, operation,
                            access, record_type, row_count)
    SELECT e.kommunenummer, e.id, e.occurred_at, e.actor, e.role, e.request_id, e.operation,
           e.access, e.record_type, e.row_count
    FROM unnest(expected_reference, expected_counts, entry_kommunenummer, entry_id,
                entry_occurred_at, entry_actor, entry_role, entry_request_id, entry_operation,
                entry_access, entry_record_type, entry_row_count)
         AS e(expected_reference, expected_counts, kommunenummer, id, occurred_at, actor, role,
              request_id, operation, access, record_type, row_count)
    WHERE e.expected_reference IS NULL
       OR (e.expected_reference = settle_ledger.reference
           AND e.expected_counts = settle_ledger.counts);
    RETURN NEXT;
END
$$"#;

const DROP: &str = "DROP FUNCTION settle_ledger(text, bigint[], bigint[], text[], uuid[], \
     timestamptz[], text[], text[], text[], text[], text[], text[], integer[])";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(CREATE).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager.get_connection().execute_unprepared(DROP).await?;
        Ok(())
    }
}
