//! Plan administrators change the shared plan through the service: its role may add and change
//! focus areas and measures, and set which municipalities are responsible for a measure.
//! Nothing is deleted but a measure's responsibilities, which a change replaces.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261124_000008_row_level_security::SERVICE_GROUP;

#[derive(DeriveMigrationName)]
pub struct Migration;

const GRANTS: [(&str, &str); 3] = [
    ("focus_areas", "INSERT, UPDATE"),
    ("measures", "INSERT, UPDATE"),
    ("measure_responsibilities", "INSERT, DELETE"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, privileges) in GRANTS {
            manager
                .get_connection()
                .execute_unprepared(&format!("GRANT {privileges} ON {table} TO {SERVICE_GROUP}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, privileges) in GRANTS {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "REVOKE {privileges} ON {table} FROM {SERVICE_GROUP}"
                ))
                .await?;
        }
        Ok(())
    }
}
