//! Opening the database for a command: the explicit URL, or the embedded SQLite default,
//! which is created, migrated and loaded with reference and demo data on first use.

use std::time::Duration;

use motgift_schema::store::{DbConfig, connect};
use motgift_seed::SeedOptions;
use sea_orm::DatabaseConnection;

use crate::config::DatabaseArgs;

pub struct Opened {
    pub db: DatabaseConnection,
    pub embedded: bool,
}

/// Opens the database for a command other than `serve`: no statement timeout, since
/// migrations, seeding and audit checks may rightly run long statements.
pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Opened> {
    open_with(args, None).await
}

/// Opens the database; on PostgreSQL every statement longer than `statement_timeout` is cut.
pub async fn open_with(
    args: &DatabaseArgs,
    statement_timeout: Option<Duration>,
) -> anyhow::Result<Opened> {
    let (url, embedded) = match args.explicit_url() {
        Some(url) => (url.to_owned(), false),
        None => {
            std::fs::create_dir_all(crate::config::EMBEDDED_DATA_DIR)?;
            (DatabaseArgs::embedded_url(), true)
        }
    };
    let mut config = DbConfig::new(url);
    config.max_connections = args.db_max_connections;
    config.statement_timeout = statement_timeout;
    let db = connect(&config).await?;
    Ok(Opened { db, embedded })
}

/// Brings the embedded database up to date: migrations, reference data and the demo set.
/// Both steps are idempotent, so this runs at every start.
pub async fn prepare_embedded(db: &DatabaseConnection) -> anyhow::Result<()> {
    motgift_seed::migrate_and_run(
        db,
        SeedOptions {
            demo: true,
            ..SeedOptions::default()
        },
    )
    .await?;
    Ok(())
}
