//! The tenant policies compare `kommunenummer` as it is stored (`char(4)`) instead of casting
//! it to text, so the policy is an index condition: the planner sees the scope on the column
//! and uses the indexes that lead with `kommunenummer` (for ordered pages too), instead of
//! filtering every row of a municipality after the fact.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

use crate::m20261124_000008_row_level_security::{LEGACY_SCOPE, SCOPE};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn set_scope(manager: &SchemaManager<'_>, scope: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    let tables = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT tablename FROM pg_policies \
             WHERE schemaname = current_schema() AND policyname = 'tenant_scope' ORDER BY 1",
        ))
        .await?;
    for row in tables {
        let table: String = row.try_get("", "tablename")?;
        db.execute_unprepared(&format!(
            "ALTER POLICY tenant_scope ON {table} USING ({scope}) WITH CHECK ({scope})"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_scope(manager, SCOPE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_scope(manager, LEGACY_SCOPE).await
    }
}
