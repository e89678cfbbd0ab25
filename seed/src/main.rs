//! `motgift-seed`: loads reference data and, on request, synthetic data into the database
//! named by `DATABASE_URL`. The same as `motgift seed`.

use clap::Parser;
use motgift_schema::store::{DbConfig, connect};
use motgift_seed::{DEFAULT_RANDOM_SEED, Scale, SeedOptions};

#[derive(Parser)]
#[command(version, about = "Load Motgift's reference data and synthetic data")]
struct Args {
    /// The database to load (postgres://... or sqlite://...).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Add the demo set: synthetic records for the three municipalities.
    #[arg(long)]
    demo: bool,
    /// Add the national benchmark set.
    #[arg(long, value_enum, default_value_t = Scale::Reference)]
    scale: Scale,
    /// Seed of the random generator; the same seed gives the same rows.
    #[arg(long, env = "MOTGIFT_RANDOM_SEED", default_value_t = DEFAULT_RANDOM_SEED)]
    random_seed: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = Args::parse();
    let db = connect(&DbConfig::new(&args.database_url)).await?;
    let report = motgift_seed::migrate_and_run(
        &db,
        SeedOptions {
            demo: args.demo,
            scale: args.scale,
            random_seed: args.random_seed,
        },
    )
    .await?;
    println!("{report:?}");
    Ok(())
}
