//! Reference data and deterministic synthetic data for Motgift, written through the schema
//! crate's store (the same data access the service uses).

pub mod demo;
pub mod national;
pub mod reference;
mod synthetic;

use motgift_migrations::{Migrator, MigratorTrait};
use motgift_schema::Store;
use sea_orm::DatabaseConnection;

/// The seed used when none is given: the same seed always gives the same rows.
pub const DEFAULT_RANDOM_SEED: u64 = 20_240_101;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Store(#[from] motgift_schema::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sea_orm::DbErr),
}

/// Which data sets to load besides the reference data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Scale {
    /// Reference data only (plus the demo set when asked for).
    #[default]
    Reference,
    /// The national benchmark set: 357 synthetic municipalities over ten years.
    National,
}

#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    pub demo: bool,
    pub scale: Scale,
    pub random_seed: u64,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            demo: false,
            scale: Scale::Reference,
            random_seed: DEFAULT_RANDOM_SEED,
        }
    }
}

/// What a seed run loaded (rows it tried to add; existing rows are skipped).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub actions: usize,
    pub incidents: usize,
    pub naloxone_distributions: usize,
}

impl std::ops::Add for SeedReport {
    type Output = SeedReport;

    fn add(self, other: SeedReport) -> SeedReport {
        SeedReport {
            actions: self.actions + other.actions,
            incidents: self.incidents + other.incidents,
            naloxone_distributions: self.naloxone_distributions + other.naloxone_distributions,
        }
    }
}

/// Loads the reference data, then the demo and national sets as asked. Idempotent.
pub async fn run(store: &Store, options: SeedOptions) -> Result<SeedReport, SeedError> {
    reference::load(store).await?;
    let mut report = SeedReport::default();
    if options.demo {
        report = report + demo::load(store, options.random_seed).await?;
    }
    if options.scale == Scale::National {
        report = report + national::load(store, options.random_seed).await?;
    }
    Ok(report)
}

/// Applies pending migrations, then seeds: what every command that loads data needs first.
pub async fn migrate_and_run(
    db: &DatabaseConnection,
    options: SeedOptions,
) -> Result<SeedReport, SeedError> {
    Migrator::up(db, None).await?;
    run(&Store::new(db.clone()), options).await
}
