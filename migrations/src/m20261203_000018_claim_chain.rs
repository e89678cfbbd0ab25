//! `claim_chain`: a write's first statement on PostgreSQL. It sets the transaction's scope,
//! then claims the municipality's audit chain (its head locked and read by `UPDATE …
//! RETURNING`, the head created at the genesis hash if the chain has none) and reads the
//! reference version, so the scope and the claim cost one round trip instead of two. It runs
//! with the caller's rights: row-level security applies to the head as to any other row, and
//! the scope it sets holds for the rest of the transaction, whose end resets it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: &str = r#"
CREATE FUNCTION claim_chain(scope text, municipality text, genesis text)
RETURNS TABLE (claimed_kommunenummer char(4), claimed_seq bigint, claimed_hash char(64),
               claimed_reference_version bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('app.municipalities', scope, true);
    RETURN QUERY
        UPDATE audit_heads AS h SET seq = h.seq
        WHERE h.kommunenummer = CAST(municipality AS char(4))
        RETURNING h.kommunenummer, h.seq, h.hash,
                  (SELECT r.version FROM reference_version AS r WHERE r.id = 1);
    IF NOT FOUND THEN
        INSERT INTO audit_heads (kommunenummer, seq, hash)
        VALUES (CAST(municipality AS char(4)), 0, genesis)
        ON CONFLICT DO NOTHING;
        RETURN QUERY
            UPDATE audit_heads AS h SET seq = h.seq
            WHERE h.kommunenummer = CAST(municipality AS char(4))
            RETURNING h.kommunenummer, h.seq, h.hash,
                      (SELECT r.version FROM reference_version AS r WHERE r.id = 1);
    END IF;
END
$$"#;

const DROP: &str = "DROP FUNCTION claim_chain(text, text, text)";

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
