//! The `motgift` binary.

use clap::Parser;

/// mimalloc: a GraphQL response is thousands of small values built and dropped per request,
/// where glibc's allocator spent about a fifth of the service's time in the profile. Its v2
/// series (api/Cargo.toml) hands freed pages back after 10 ms where v3 waits a second, so a
/// national year's audit does not stack its memory on the pages of the work before it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _log_writer = motgift_api::telemetry::init();
    motgift_api::cli::Cli::parse().run().await
}
