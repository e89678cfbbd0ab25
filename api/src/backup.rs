//! Backups that outlive the database engine: `motgift export` writes a municipality's data (or
//! everything) as a documented archive, `motgift import` restores one into an empty database.
//!
//! An archive is a directory: `manifest.json` (format, format version, the migration the rows
//! belong to, when, the scope, and per table its file, row count, SHA-256 and columns) and one
//! `<table>.jsonl` per table, a JSON object per row in primary-key order. Values are portable
//! (see [`values`]), so an archive of the embedded SQLite database imports into PostgreSQL and
//! back. `pg_dump` remains the way to copy a whole PostgreSQL server; this is the way to keep
//! the data independent of it, to move it between engines, and to hand one municipality its
//! own rows.
//!
//! Both commands work under PostgreSQL's forced row-level security: their transactions carry a
//! scope of the municipalities concerned plus the plan's audit chain ([`PLAN_CHAIN`]), set as
//! every scoped transaction of the store sets it ([`TenantScope::apply_to`]).

mod catalog;
mod export;
mod import;
mod manifest;
mod values;

use motgift_schema::store::{PLAN_CHAIN, TenantScope};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

pub use catalog::{Kind, NOT_EXPORTED, Owner, TABLES, TableSpec};
pub use export::export;
pub use import::{Imported, import};
pub use manifest::{FORMAT, FORMAT_VERSION, MANIFEST_FILE, Manifest, Scope, TableEntry};

/// The names of the migrations applied to the database, oldest first (none before the first
/// `migrate`). Read from the migrations' table directly: asking the migrator would create it.
async fn applied_migrations<C: ConnectionTrait>(
    db: &C,
    tables: &[String],
) -> anyhow::Result<Vec<String>> {
    if !tables.iter().any(|t| t == "seaql_migrations") {
        return Ok(Vec::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations ORDER BY version",
        ))
        .await?;
    rows.iter()
        .map(|row| Ok(row.try_get_by_index::<String>(0)?))
        .collect()
}

/// Every municipality's number (public reference data: no scope needed).
async fn municipalities<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT kommunenummer::text FROM municipalities ORDER BY 1",
        _ => "SELECT kommunenummer FROM municipalities ORDER BY 1",
    };
    catalog::first_column(db, sql).await
}

/// The row-level security scope of the given municipalities and the plan's audit chain.
fn scope_of<'a>(numbers: impl IntoIterator<Item = &'a String>) -> anyhow::Result<TenantScope> {
    let mut parsed = vec![PLAN_CHAIN.parse()?];
    for number in numbers {
        parsed.push(
            number
                .parse()
                .map_err(|e| anyhow::anyhow!("{e} (in the municipalities)"))?,
        );
    }
    Ok(TenantScope::new(parsed))
}
