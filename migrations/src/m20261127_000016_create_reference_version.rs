//! One version for all public reference data (municipalities, populations and the plan),
//! raised by a trigger on every change to those tables, whoever makes it: the seed, a plan
//! administrator, an import or a hand-written statement. The service keeps the reference data
//! in memory and reuses it while this version is unchanged, on every instance.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261124_000008_row_level_security::SERVICE_GROUP;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows make up the reference data.
const REFERENCE_TABLES: [&str; 7] = [
    "municipalities",
    "municipality_populations",
    "plans",
    "focus_areas",
    "measures",
    "measure_responsibilities",
    "indicators",
];

const CREATE_TABLE: &str = "CREATE TABLE reference_version (\
     id SMALLINT PRIMARY KEY CHECK (id = 1), \
     version BIGINT NOT NULL); \
     INSERT INTO reference_version (id, version) VALUES (1, 1)";

const RAISE: &str = "UPDATE reference_version SET version = version + 1 WHERE id = 1";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(CREATE_TABLE).await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                // A statement-level trigger: a seed of thousands of rows raises it once.
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION raise_reference_version() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN {RAISE}; RETURN NULL; END $$; \
                     GRANT SELECT, UPDATE ON reference_version TO {SERVICE_GROUP}"
                ))
                .await?;
                for table in REFERENCE_TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_raise_reference_version \
                         AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION raise_reference_version()"
                    ))
                    .await?;
                }
            }
            _ => {
                // SQLite has row-level triggers only.
                for table in REFERENCE_TABLES {
                    for event in ["INSERT", "UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_{}_raise_reference_version \
                             AFTER {event} ON {table} BEGIN {RAISE}; END",
                            event.to_lowercase()
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for table in REFERENCE_TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER {table}_raise_reference_version ON {table}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION raise_reference_version()")
                    .await?;
            }
            _ => {
                for table in REFERENCE_TABLES {
                    for event in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER {table}_{event}_raise_reference_version"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE reference_version")
            .await?;
        Ok(())
    }
}
