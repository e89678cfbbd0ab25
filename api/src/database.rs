//! Opening the database for a command: the explicit URL, or the embedded SQLite default,
//! which is created, migrated and loaded with reference and demo data on first use.

use motgift_schema::store::{DbConfig, connect};
use motgift_seed::SeedOptions;
use sea_orm::DatabaseConnection;

use crate::config::DatabaseArgs;

pub struct Opened {
    pub db: DatabaseConnection,
    pub embedded: bool,
}

pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Opened> {
    let (url, embedded) = match args.explicit_url() {
        Some(url) => (url.to_owned(), false),
        None => {
            std::fs::create_dir_all(crate::config::EMBEDDED_DATA_DIR)?;
            (DatabaseArgs::embedded_url(), true)
        }
    };
    let mut config = DbConfig::new(url);
    config.max_connections = args.db_max_connections;
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
