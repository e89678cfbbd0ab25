//! `motgift export`: every table into `<table>.jsonl`, one consistent snapshot, then the
//! manifest.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use futures::TryStreamExt;
use motgift_schema::domain::Kommunenummer;
use motgift_schema::store::PLAN_CHAIN;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    IsolationLevel, StreamTrait, TransactionTrait,
};

use super::catalog::{self, Column, Owner, TABLES, TableSpec};
use super::manifest::{FORMAT, FORMAT_VERSION, HashingWriter, Manifest, Scope, TableEntry};
use super::{applied_migrations, municipalities, scope_of, values};

/// Writes the archive into `output` (a new or empty directory): every municipality's rows, or
/// only those of `only` when it names any.
pub async fn export(
    db: &DatabaseConnection,
    output: &Path,
    only: &[Kommunenummer],
) -> anyhow::Result<Manifest> {
    let created_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let txn = snapshot(db).await?;
    let tables = catalog::tables(&txn).await?;
    catalog::check_known(&tables, false)?;
    let migration = applied_migrations(&txn, &tables)
        .await?
        .pop()
        .context("the database has no migrations applied: there is nothing to export")?;
    let known = municipalities(&txn).await?;
    if let Some(unknown) = only.iter().find(|k| !known.iter().any(|m| m == k.as_str())) {
        anyhow::bail!("there is no municipality {unknown} in the database");
    }
    let (scope, numbers) = if only.is_empty() {
        (Scope::All, known)
    } else {
        let mut listed: Vec<String> = only.iter().map(|k| k.as_str().to_owned()).collect();
        listed.sort();
        listed.dedup();
        (Scope::Municipalities(listed.clone()), listed)
    };
    // Under row-level security the transaction sees the rows of its scope only: the
    // municipalities exported and the plan's own audit chain.
    scope_of(&numbers)?.apply_to(&txn).await?;
    prepare_directory(output)?;
    let filter: Option<Vec<String>> = match &scope {
        Scope::All => None,
        Scope::Municipalities(listed) => Some(
            listed
                .iter()
                .cloned()
                .chain([PLAN_CHAIN.to_owned()])
                .collect(),
        ),
    };
    let mut entries = Vec::with_capacity(TABLES.len());
    for table in &TABLES {
        entries.push(export_table(&txn, table, filter.as_deref(), output).await?);
    }
    txn.commit().await?;

    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        migration,
        created_at,
        motgift_version: env!("CARGO_PKG_VERSION").to_owned(),
        source_database: backend_name(db),
        scope,
        tables: entries,
    };
    manifest.write(output)?;
    Ok(manifest)
}

pub(super) fn backend_name(db: &DatabaseConnection) -> String {
    match db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
    .to_owned()
}

/// A read-only transaction that sees one moment of the database throughout: REPEATABLE READ on
/// PostgreSQL; on SQLite (write-ahead log) a read transaction keeps the snapshot of its first
/// read.
async fn snapshot(db: &DatabaseConnection) -> anyhow::Result<DatabaseTransaction> {
    Ok(match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    })
}

/// The archive holds health data: only the operator who wrote it may read it.
fn prepare_directory(output: &Path) -> anyhow::Result<()> {
    if output.exists() {
        let mut entries = std::fs::read_dir(output)
            .with_context(|| format!("{} is not a directory", output.display()))?;
        if entries.next().is_some() {
            anyhow::bail!(
                "{} is not empty: export into a new or empty directory",
                output.display()
            );
        }
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(output)
        .with_context(|| format!("cannot create {}", output.display()))
}

/// A new file that only its owner may read.
pub(super) fn create_private(path: &Path) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

async fn export_table(
    txn: &DatabaseTransaction,
    table: &TableSpec,
    filter: Option<&[String]>,
    output: &Path,
) -> anyhow::Result<TableEntry> {
    let columns = catalog::columns(txn, table.name).await?;
    let mut select = Query::select();
    select
        .columns(columns.iter().map(|c| Alias::new(&c.name)))
        .from(Alias::new(table.name));
    if let (Owner::Municipality, Some(numbers)) = (table.owner, filter) {
        // Typed as stored (`char(4)`), as the store compares it, so PostgreSQL uses the
        // indexes that lead with it.
        select.and_where(
            Expr::col(Alias::new("kommunenummer")).is_in(
                numbers
                    .iter()
                    .map(|k| Func::cast_as(k.clone(), Alias::new("CHAR(4)"))),
            ),
        );
    }
    for key in table.key {
        select.order_by(Alias::new(*key), Order::Asc);
    }
    let statement = ConnectionTrait::get_database_backend(txn).build(&select);

    let file = format!("{}.jsonl", table.name);
    let mut writer = HashingWriter::new(BufWriter::with_capacity(
        1 << 16,
        create_private(&output.join(&file))?,
    ));
    let mut rows = 0;
    let mut line = Vec::with_capacity(1024);
    let mut stream = txn.stream_raw(statement).await?;
    while let Some(row) = stream.try_next().await? {
        line.clear();
        write_row(&mut line, &row, &columns)
            .with_context(|| format!("cannot export a row of {}", table.name))?;
        writer.write_all(&line)?;
        rows += 1;
    }
    drop(stream);
    let (file_writer, sha256) = writer.finish()?;
    file_writer
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(TableEntry {
        name: table.name.to_owned(),
        file,
        rows,
        sha256,
        columns,
        key: table.key.iter().map(|k| (*k).to_owned()).collect(),
    })
}

/// One row as a line: a JSON object with the columns in table order.
fn write_row(
    line: &mut Vec<u8>,
    row: &sea_orm::QueryResult,
    columns: &[Column],
) -> anyhow::Result<()> {
    line.push(b'{');
    for (index, column) in columns.iter().enumerate() {
        if index > 0 {
            line.push(b',');
        }
        serde_json::to_writer(&mut *line, &column.name)?;
        line.push(b':');
        serde_json::to_writer(&mut *line, &values::read(row, index, column)?)?;
    }
    line.extend_from_slice(b"}\n");
    Ok(())
}
