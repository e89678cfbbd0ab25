//! The second wall of tenant separation, on PostgreSQL: row-level security on every table that
//! holds a municipality's rows, and a group role for the service that owns nothing.
//!
//! The service sets `app.municipalities` (comma-separated kommunenummer) with
//! `set_config(..., true)` at the start of each transaction. The policies admit only rows of
//! those municipalities, for reading and for writing; an unset scope admits none. `FORCE` makes
//! the policies apply to the tables' owner as well. Superusers bypass row-level security, so
//! the service must never connect as one.
//!
//! `motgift_app` gets no DELETE on records and no UPDATE or DELETE on audit events: records
//! are retracted, never deleted, and the audit trail only grows. SQLite has none of this; the
//! application's own filter is the wall there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The role the service's login role is made a member of.
pub const SERVICE_GROUP: &str = "motgift_app";

/// Tables with a municipality's rows, and what the service may do with them.
const TENANT_TABLES: [(&str, &str); 8] = [
    ("actions", "SELECT, INSERT, UPDATE"),
    ("action_notes", "SELECT, INSERT"),
    ("overdose_incidents", "SELECT, INSERT, UPDATE"),
    // A correction replaces an incident's substance rows; the audit event keeps the old ones.
    ("incident_substances", "SELECT, INSERT, DELETE"),
    ("distribution_sites", "SELECT, INSERT, UPDATE"),
    ("naloxone_distributions", "SELECT, INSERT, UPDATE"),
    ("audit_events", "SELECT, INSERT"),
    ("audit_heads", "SELECT, INSERT, UPDATE"),
];

/// Public reference data: readable by the service, written by migrations and seeding.
const REFERENCE_TABLES: [&str; 6] = [
    "municipalities",
    "municipality_populations",
    "plans",
    "focus_areas",
    "measures",
    "measure_responsibilities",
];

/// The policy condition: the row's municipality is in the transaction's scope.
/// The scope as this migration first wrote it: the text comparison hides the column from the
/// planner (see migration 14).
pub(crate) const LEGACY_SCOPE: &str = "kommunenummer = ANY (string_to_array(\
    NULLIF(current_setting('app.municipalities', true), ''), ','))";

/// The rows a transaction may see: those of the municipalities in `app.municipalities`,
/// compared as stored (`char(4)`) so that the condition can use the indexes.
pub(crate) const SCOPE: &str = "kommunenummer = ANY (string_to_array(\
    NULLIF(current_setting('app.municipalities', true), ''), ',')::bpchar[])";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        // Roles belong to the cluster: a DBA may have created it (then the owner needs no
        // CREATEROLE), or another database's migration may be creating it right now.
        db.execute_unprepared(&format!(
            "DO $$ BEGIN \
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SERVICE_GROUP}') THEN \
                 CREATE ROLE {SERVICE_GROUP} NOLOGIN; \
               END IF; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        ))
        .await?;
        db.execute_unprepared(&format!("GRANT USAGE ON SCHEMA public TO {SERVICE_GROUP}"))
            .await?;
        for table in REFERENCE_TABLES {
            db.execute_unprepared(&format!("GRANT SELECT ON {table} TO {SERVICE_GROUP}"))
                .await?;
        }
        for (table, privileges) in TENANT_TABLES {
            enable_tenant_security(manager, table, privileges).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for (table, privileges) in TENANT_TABLES {
            disable_tenant_security(manager, table, privileges).await?;
        }
        for table in REFERENCE_TABLES {
            db.execute_unprepared(&format!("REVOKE SELECT ON {table} FROM {SERVICE_GROUP}"))
                .await?;
        }
        db.execute_unprepared(&format!(
            "REVOKE USAGE ON SCHEMA public FROM {SERVICE_GROUP}"
        ))
        .await?;
        Ok(())
    }
}

/// Grants the service `privileges` on a tenant table and lets it see only the rows of the
/// transaction's municipalities. Every later tenant table goes through this too.
pub(crate) async fn enable_tenant_security(
    manager: &SchemaManager<'_>,
    table: &str,
    privileges: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "GRANT {privileges} ON {table} TO {SERVICE_GROUP}; \
             ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; \
             ALTER TABLE {table} FORCE ROW LEVEL SECURITY; \
             CREATE POLICY tenant_scope ON {table} USING ({SCOPE}) WITH CHECK ({SCOPE})"
        ))
        .await
        .map(|_| ())
}

/// Lets the service read every row of `table` whatever the transaction's scope (permissive
/// policies add up), for tables that hold counts, never a record's content. Writing stays in
/// scope.
pub(crate) async fn readable_in_every_scope(
    manager: &SchemaManager<'_>,
    table: &str,
    policy: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "CREATE POLICY {policy} ON {table} FOR SELECT USING (true)"
        ))
        .await
        .map(|_| ())
}

pub(crate) async fn disable_tenant_security(
    manager: &SchemaManager<'_>,
    table: &str,
    privileges: &str,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "DROP POLICY IF EXISTS tenant_scope ON {table}; \
             ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; \
             ALTER TABLE {table} DISABLE ROW LEVEL SECURITY; \
             REVOKE {privileges} ON {table} FROM {SERVICE_GROUP}"
        ))
        .await
        .map(|_| ())
}
