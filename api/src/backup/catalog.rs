//! Which tables a backup holds, and their columns as the database's catalog describes them.
//!
//! The table list is written out here, once, with each table's key and owner; the columns are
//! read from the catalog, so a column added by a migration travels without a change here. A
//! table the list does not know stops an export and an import: a backup that silently leaves
//! a table out is worse than none.

use anyhow::Context;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde::{Deserialize, Serialize};

/// Whose rows a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Public reference data and the shared plan: always exported in full.
    Reference,
    /// One municipality's rows, by `kommunenummer`: exported for the archive's scope.
    Municipality,
}

#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    /// The primary key: rows are exported in this order.
    pub key: &'static [&'static str],
    pub owner: Owner,
}

const fn reference(name: &'static str, key: &'static [&'static str]) -> TableSpec {
    TableSpec {
        name,
        key,
        owner: Owner::Reference,
    }
}

const fn tenant(name: &'static str, key: &'static [&'static str]) -> TableSpec {
    TableSpec {
        name,
        key,
        owner: Owner::Municipality,
    }
}

/// Every table a backup holds, in the order an import inserts them: a table comes after the
/// tables its foreign keys point to.
pub const TABLES: [TableSpec; 20] = [
    reference("municipalities", &["kommunenummer"]),
    reference("municipality_populations", &["kommunenummer", "year"]),
    reference("plans", &["id"]),
    reference("focus_areas", &["id"]),
    reference("measures", &["id"]),
    reference("measure_responsibilities", &["measure_id", "kommunenummer"]),
    reference("indicators", &["id"]),
    tenant("actions", &["kommunenummer", "id"]),
    tenant("action_notes", &["kommunenummer", "id"]),
    tenant("overdose_incidents", &["kommunenummer", "id"]),
    tenant(
        "incident_substances",
        &["kommunenummer", "incident_id", "substance"],
    ),
    tenant("distribution_sites", &["kommunenummer", "id"]),
    tenant("naloxone_distributions", &["kommunenummer", "id"]),
    tenant(
        "monthly_counts",
        &["kommunenummer", "metric", "month", "category"],
    ),
    tenant("count_versions", &["kommunenummer"]),
    tenant("count_year_versions", &["kommunenummer", "year"]),
    tenant("audit_events", &["kommunenummer", "seq"]),
    tenant("audit_heads", &["kommunenummer"]),
    tenant("access_log", &["kommunenummer", "id"]),
    tenant("report_submissions", &["kommunenummer", "year", "version"]),
];

/// Tables a backup leaves out on purpose, and why.
pub const NOT_EXPORTED: [(&str, &str); 2] = [
    (
        "seaql_migrations",
        "the migrations' own record: the manifest names the latest, and an import applies them",
    ),
    (
        "reference_version",
        "a counter the database raises itself on every change to reference data (so the \
         service knows to reload it); its migration creates the row and an import raises it",
    ),
];

pub fn spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// A column's type, as the archive writes it: the same on both databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A JSON string (`char`, `varchar`, `text`).
    Text,
    /// A JSON string, hyphenated lower case.
    Uuid,
    Boolean,
    /// A JSON number without a fraction.
    Integer,
    /// A JSON number (double precision).
    Real,
    /// `YYYY-MM-DD`.
    Date,
    /// RFC 3339 in UTC with as many fractional digits as stored (0, 3, 6 or 9).
    Timestamp,
    /// The JSON value itself; SQL NULL is `null` (so a JSON `null` in such a column, which
    /// the service never stores, comes back as SQL NULL).
    Json,
    /// Hex.
    Bytes,
}

/// How the database at hand stores an integer: PostgreSQL checks the width when a value is
/// read; SQLite has one integer type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Small,
    Normal,
    Big,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// The integer width in this database; not part of the archive.
    #[serde(skip, default = "big")]
    pub width: Width,
}

fn big() -> Width {
    Width::Big
}

/// Every table of the database but SQLite's own.
pub async fn tables<C: ConnectionTrait>(db: &C) -> anyhow::Result<Vec<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = current_schema() \
             ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY 1"
        }
    };
    first_column(db, sql).await
}

/// The first column of every row `sql` returns, as text.
pub async fn first_column<C: ConnectionTrait>(db: &C, sql: &str) -> anyhow::Result<Vec<String>> {
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    rows.iter()
        .map(|row| Ok(row.try_get_by_index::<String>(0)?))
        .collect()
}

/// Fails when the database has a table the backup does not know, or lacks one it expects
/// (unless `partial`, for a database not yet fully migrated).
pub fn check_known(tables: &[String], partial: bool) -> anyhow::Result<()> {
    let unknown: Vec<&str> = tables
        .iter()
        .map(String::as_str)
        .filter(|t| spec(t).is_none() && !NOT_EXPORTED.iter().any(|(n, _)| n == t))
        .collect();
    if !unknown.is_empty() {
        anyhow::bail!(
            "the database has tables this motgift cannot back up: {}; use the motgift version \
             that created them",
            unknown.join(", ")
        );
    }
    let missing: Vec<&str> = TABLES
        .iter()
        .map(|t| t.name)
        .filter(|t| !tables.iter().any(|n| n == t))
        .collect();
    if !partial && !missing.is_empty() {
        anyhow::bail!(
            "the database lacks the tables {}: run `motgift migrate up` first",
            missing.join(", ")
        );
    }
    Ok(())
}

/// A table's columns in their order in the table.
pub async fn columns<C: ConnectionTrait>(db: &C, table: &str) -> anyhow::Result<Vec<Column>> {
    let backend = db.get_database_backend();
    let statement = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            [table.into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
            [table.into()],
        ),
    };
    let rows = db.query_all_raw(statement).await?;
    rows.iter()
        .map(|row| {
            let name: String = row.try_get_by_index(0)?;
            let declared: String = row.try_get_by_index(1)?;
            let (kind, width) = match backend {
                DbBackend::Postgres => postgres_kind(&declared),
                _ => sqlite_kind(&declared),
            }
            .with_context(|| {
                format!(
                    "column {table}.{name} has the type {declared:?}, which backups do not know"
                )
            })?;
            Ok(Column { name, kind, width })
        })
        .collect()
}

fn postgres_kind(data_type: &str) -> Option<(Kind, Width)> {
    let kind = match data_type {
        "character" | "character varying" | "text" => Kind::Text,
        "uuid" => Kind::Uuid,
        "boolean" => Kind::Boolean,
        "smallint" => return Some((Kind::Integer, Width::Small)),
        "integer" => return Some((Kind::Integer, Width::Normal)),
        "bigint" => Kind::Integer,
        "double precision" => Kind::Real,
        "date" => Kind::Date,
        "timestamp with time zone" => Kind::Timestamp,
        "json" | "jsonb" => Kind::Json,
        "bytea" => Kind::Bytes,
        _ => return None,
    };
    Some((kind, Width::Big))
}

/// SQLite keeps the type a column was declared with; these are the names sea-query declares
/// (and, for tables created by hand, SQLite's affinity rules).
fn sqlite_kind(declared: &str) -> Option<(Kind, Width)> {
    let declared = declared.to_ascii_lowercase();
    let kind = match declared.as_str() {
        "uuid_text" => Kind::Uuid,
        "boolean" => Kind::Boolean,
        "date_text" => Kind::Date,
        "timestamp_with_timezone_text" => Kind::Timestamp,
        "json_text" | "jsonb_text" => Kind::Json,
        "blob" => Kind::Bytes,
        "double" | "real" | "float" => Kind::Real,
        d if d.contains("int") => Kind::Integer,
        d if d.contains("char") || d.contains("text") || d.contains("clob") => Kind::Text,
        _ => return None,
    };
    Some((kind, Width::Big))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_comes_after_the_tables_it_refers_to() {
        let position = |name: &str| TABLES.iter().position(|t| t.name == name).unwrap();
        for (child, parent) in [
            ("municipality_populations", "municipalities"),
            ("focus_areas", "plans"),
            ("measures", "focus_areas"),
            ("measure_responsibilities", "measures"),
            ("indicators", "focus_areas"),
            ("actions", "measures"),
            ("action_notes", "actions"),
            ("incident_substances", "overdose_incidents"),
            ("naloxone_distributions", "distribution_sites"),
        ] {
            assert!(
                position(parent) < position(child),
                "{parent} before {child}"
            );
        }
    }

    #[test]
    fn tenant_tables_lead_their_key_with_the_municipality() {
        for table in TABLES.iter().filter(|t| t.owner == Owner::Municipality) {
            assert_eq!(table.key[0], "kommunenummer", "{}", table.name);
        }
    }

    #[test]
    fn both_databases_name_the_same_kinds() {
        for (postgres, sqlite) in [
            ("character", "char(4)"),
            ("character varying", "varchar(200)"),
            ("uuid", "uuid_text"),
            ("bigint", "integer"),
            ("smallint", "smallint"),
            ("timestamp with time zone", "timestamp_with_timezone_text"),
            ("date", "date_text"),
            ("json", "json_text"),
            ("double precision", "double"),
        ] {
            assert_eq!(
                postgres_kind(postgres).map(|k| k.0),
                sqlite_kind(sqlite).map(|k| k.0),
                "{postgres} / {sqlite}"
            );
        }
    }
}
