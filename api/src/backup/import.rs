//! `motgift import`: an archive into an empty database.
//!
//! Everything that can be checked is checked before the database is touched: the manifest,
//! every file's checksum and row count, the database's migrations and that it holds no rows.
//! The database is then migrated to the archive's migration, the rows go in one transaction
//! (all or nothing), and the migrations after the archive's run over them as they would have
//! over the original. The audit chains are verified at the end.

use std::path::Path;

use anyhow::Context;
use motgift_migrations::{Migrator, MigratorTrait};
use motgift_schema::Store;
use motgift_schema::store::AuditVerification;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait, Value,
};
use serde_json::Value as Json;

use super::catalog::{self, Column, TABLES};
use super::manifest::{self, Manifest, TableEntry};
use super::{applied_migrations, municipalities, scope_of, values};

/// Rows per INSERT, fewer for wide tables: well under both databases' limits on bound values.
const BATCH_ROWS: usize = 500;
const BATCH_VALUES: usize = 30_000;

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    pub manifest: Manifest,
    pub rows: u64,
    /// The audit chains as `motgift audit verify` sees them after the import.
    pub audit: AuditVerification,
}

pub async fn import(db: &DatabaseConnection, input: &Path) -> anyhow::Result<Imported> {
    let manifest = Manifest::read(input)?;
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let target = names
        .iter()
        .position(|n| *n == manifest.migration)
        .with_context(|| {
            format!(
                "the archive belongs to the migration {}, which this motgift does not know: \
                 import it with motgift {} or newer",
                manifest.migration, manifest.motgift_version
            )
        })?;
    for (index, table) in manifest.tables.iter().enumerate() {
        if catalog::spec(&table.name).is_none() {
            anyhow::bail!(
                "the archive holds a table this motgift does not know: {}",
                table.name
            );
        }
        if manifest.tables[..index]
            .iter()
            .any(|t| t.name == table.name)
        {
            anyhow::bail!("the manifest lists the table {} twice", table.name);
        }
    }
    manifest.verify_files(input)?;
    let archived = archived_municipalities(input, &manifest)?;

    let tables = catalog::tables(db).await?;
    catalog::check_known(&tables, true)?;
    let applied = applied_migrations(db, &tables).await?;
    if names.get(..applied.len()) != Some(&applied[..]) {
        anyhow::bail!(
            "the database's migrations ({}) are not this motgift's",
            applied.join(", ")
        );
    }
    if applied.len() > target + 1 {
        anyhow::bail!(
            "the database is migrated further ({}) than the archive ({}): import into a new \
             database, or roll this one back with `motgift migrate down --all` if it is empty",
            applied.last().map_or("", String::as_str),
            manifest.migration
        );
    }
    let mut everyone = municipalities_if_any(db, &tables).await?;
    everyone.extend(archived.iter().cloned());
    let scope = scope_of(&everyone)?;
    ensure_empty(db, &tables, &scope).await?;

    let pending = target + 1 - applied.len();
    if pending > 0 {
        Migrator::up(db, Some(u32::try_from(pending)?)).await?;
    }
    let plan = match_tables(db, &manifest).await?;

    let txn = db.begin().await?;
    scope.apply_to(&txn).await?;
    let mut rows = 0;
    for (entry, columns) in &plan {
        insert_table(&txn, input, entry, columns).await?;
        let count = count(&txn, &entry.name).await?;
        if count != entry.rows {
            anyhow::bail!(
                "{} holds {count} rows after the import, but the archive has {}: nothing was \
                 imported",
                entry.name,
                entry.rows
            );
        }
        rows += count;
    }
    reset_sequences(&txn).await?;
    txn.commit().await?;

    Migrator::up(db, None).await?;
    let audit = Store::new(db.clone()).verify_audit().await?;
    Ok(Imported {
        manifest,
        rows,
        audit,
    })
}

/// The municipalities in the archive: with the plan's chain, the scope the rows are written in.
fn archived_municipalities(input: &Path, manifest: &Manifest) -> anyhow::Result<Vec<String>> {
    let Some(entry) = manifest.tables.iter().find(|t| t.name == "municipalities") else {
        return Ok(Vec::new());
    };
    let mut numbers = Vec::new();
    for line in manifest::lines(input, entry)? {
        let row: Json = serde_json::from_str(&line?)
            .with_context(|| format!("{} holds a line that is not JSON", entry.file))?;
        let number = row["kommunenummer"]
            .as_str()
            .with_context(|| format!("{} holds a row without a kommunenummer", entry.file))?;
        numbers.push(number.to_owned());
    }
    Ok(numbers)
}

async fn municipalities_if_any(
    db: &DatabaseConnection,
    tables: &[String],
) -> anyhow::Result<Vec<String>> {
    if tables.iter().any(|t| t == "municipalities") {
        municipalities(db).await
    } else {
        Ok(Vec::new())
    }
}

/// Refuses a database with rows in any table a backup holds. Under row-level security only
/// the scope's rows are visible: the scope is every municipality of the database and of the
/// archive, so any row an import could collide with is seen.
async fn ensure_empty(
    db: &DatabaseConnection,
    tables: &[String],
    scope: &motgift_schema::store::TenantScope,
) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    scope.apply_to(&txn).await?;
    let mut holding = Vec::new();
    for table in TABLES.iter().filter(|t| tables.iter().any(|n| n == t.name)) {
        let n = count(&txn, table.name).await?;
        if n > 0 {
            holding.push(format!("{} ({n})", table.name));
        }
    }
    txn.rollback().await?;
    if !holding.is_empty() {
        anyhow::bail!(
            "the database already holds data: rows in {}. An import restores into an empty \
             database only: create a new one (or empty this one with `motgift migrate down \
             --all`); nothing was imported",
            holding.join(", ")
        );
    }
    Ok(())
}

/// Each archived table with the database's columns for it, which must be the archive's: at the
/// archive's migration both have every table a backup holds, with the same columns.
async fn match_tables<'m>(
    db: &DatabaseConnection,
    manifest: &'m Manifest,
) -> anyhow::Result<Vec<(&'m TableEntry, Vec<Column>)>> {
    let tables = catalog::tables(db).await?;
    catalog::check_known(&tables, true)?;
    let mut plan = Vec::new();
    for spec in &TABLES {
        let entry = manifest.tables.iter().find(|t| t.name == spec.name);
        let present = tables.iter().any(|t| t == spec.name);
        match (entry, present) {
            (Some(entry), true) => {
                let columns = catalog::columns(db, spec.name).await?;
                let described = |cs: &[Column]| {
                    cs.iter()
                        .map(|c| format!("{} {:?}", c.name, c.kind))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                if described(&columns) != described(&entry.columns) {
                    anyhow::bail!(
                        "the archive's columns of {} ({}) are not the database's ({}) at the \
                         same migration: the archive was changed by hand",
                        spec.name,
                        described(&entry.columns),
                        described(&columns)
                    );
                }
                plan.push((entry, columns));
            }
            (None, true) => anyhow::bail!(
                "the archive has no file for {}, which its migration ({}) has",
                spec.name,
                manifest.migration
            ),
            (Some(_), false) => anyhow::bail!(
                "the archive has a file for {}, which its migration ({}) does not have",
                spec.name,
                manifest.migration
            ),
            (None, false) => {}
        }
    }
    Ok(plan)
}

async fn count(txn: &DatabaseTransaction, table: &str) -> anyhow::Result<u64> {
    let row = txn
        .query_one_raw(Statement::from_string(
            txn.get_database_backend(),
            format!("SELECT COUNT(*) FROM {table}"),
        ))
        .await?
        .context("COUNT(*) returned no row")?;
    Ok(u64::try_from(row.try_get_by_index::<i64>(0)?)?)
}

/// Streams a table's file into multi-row INSERTs.
async fn insert_table(
    txn: &DatabaseTransaction,
    input: &Path,
    entry: &TableEntry,
    columns: &[Column],
) -> anyhow::Result<()> {
    let per_batch = (BATCH_VALUES / columns.len().max(1)).clamp(1, BATCH_ROWS);
    let mut batch = Vec::with_capacity(per_batch);
    for (index, line) in manifest::lines(input, entry)?.enumerate() {
        let row = parse_row(&line?, columns)
            .map_err(|e| anyhow::anyhow!("{} line {}: {e}", entry.file, index + 1))?;
        batch.push(row);
        if batch.len() == per_batch {
            insert(txn, &entry.name, columns, &mut batch).await?;
        }
    }
    insert(txn, &entry.name, columns, &mut batch).await
}

fn parse_row(line: &str, columns: &[Column]) -> Result<Vec<Value>, String> {
    let object: serde_json::Map<String, Json> =
        serde_json::from_str(line).map_err(|e| format!("not a JSON object ({e})"))?;
    if let Some(extra) = object
        .keys()
        .find(|k| !columns.iter().any(|c| &c.name == *k))
    {
        return Err(format!("unknown column {extra}"));
    }
    columns
        .iter()
        .map(|column| {
            let value = object
                .get(&column.name)
                .ok_or_else(|| format!("the column {} is missing", column.name))?;
            values::bind(value, column)
        })
        .collect()
}

async fn insert(
    txn: &DatabaseTransaction,
    table: &str,
    columns: &[Column],
    batch: &mut Vec<Vec<Value>>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut statement = Query::insert();
    statement
        .into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(&c.name)));
    for row in batch.drain(..) {
        statement.values(row.into_iter().map(Expr::val))?;
    }
    txn.execute(&statement)
        .await
        .with_context(|| format!("cannot insert into {table}; nothing was imported"))?;
    Ok(())
}

/// Moves every serial or identity sequence past the highest imported value, so the next row
/// the database numbers itself does not collide. (No table has one today: ids are uuids and
/// audit sequence numbers are the service's; this keeps a later table from breaking imports.)
async fn reset_sequences(txn: &DatabaseTransaction) -> anyhow::Result<()> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let sequenced = txn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_name::text, column_name::text, \
               pg_get_serial_sequence(quote_ident(table_name), column_name)::text \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() \
               AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL",
        ))
        .await?;
    for row in sequenced {
        let table: String = row.try_get_by_index(0)?;
        let column: String = row.try_get_by_index(1)?;
        let sequence: String = row.try_get_by_index(2)?;
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT setval($1, COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, \
                 false)"
            ),
            [sequence.into()],
        ))
        .await?;
    }
    Ok(())
}
