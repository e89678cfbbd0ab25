//! The `motgift` binary.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    motgift_api::telemetry::init();
    motgift_api::cli::Cli::parse().run().await
}
