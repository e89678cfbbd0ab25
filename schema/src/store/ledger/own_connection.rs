//! The ledger's own PostgreSQL connection, for its round trips (the ones every kept answer
//! waits for). sqlx checks a connection given back to its pool with a round trip of its own,
//! so a round trip through the pool cost the database two and the service a task more; the
//! ledger's one worker keeps one connection between its round trips instead. It gives it back
//! once it has sat idle as long as the pool lets a connection sit before checking it again, so
//! a connection left over a server restart is never used unchecked, and after any failure, so
//! a broken one is not used again.
//!
//! Each round trip is one statement: the read of the versions alone when no request brings
//! entries, else `settle_ledger` (see the migration that creates it): the scope of the
//! entries, the versions, the entries due at them, in the statement's own transaction.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres};
use sea_orm::{DatabaseConnection, DbErr, RuntimeErr};
use uuid::Uuid;

use super::{Pending, VERSIONS};
use crate::error::{Error, Result};
use crate::kept::Stamp;
use crate::store::connect::IDLE_BEFORE_PING;
use crate::store::tenant::scope_setting;

const SETTLE: &str = "SELECT reference, counts FROM settle_ledger(\
     $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

#[derive(Default)]
pub(super) struct OwnConnection {
    /// The connection and when its last round trip ended.
    kept: Option<(PoolConnection<Postgres>, Instant)>,
}

impl OwnConnection {
    /// The versions now, with the entries of `batch` that are due at them written.
    pub async fn settle(&mut self, db: &DatabaseConnection, batch: &[Pending]) -> Result<Stamp> {
        let mut connection = match self.kept.take() {
            Some((connection, last_used)) if last_used.elapsed() < IDLE_BEFORE_PING => connection,
            // Dropping an idle one gives it back to the pool, which checks it.
            _ => db
                .get_postgres_connection_pool()
                .acquire()
                .await
                .map_err(|e| Error::from(DbErr::Conn(RuntimeErr::SqlxError(e.into()))))?,
        };
        let outcome = if batch.iter().all(|p| p.entries.is_empty()) {
            // Nothing to write (kept answers of figures only): the plain read is cheaper.
            sqlx::query_as(VERSIONS).fetch_one(&mut *connection).await
        } else {
            settle_ledger(&mut connection, Entries::of(batch)).await
        };
        let (reference, counts): (i64, Option<i64>) =
            outcome.map_err(|e| Error::from(DbErr::Query(RuntimeErr::SqlxError(e.into()))))?;
        self.kept = Some((connection, Instant::now()));
        Ok(Stamp::of(reference, counts))
    }
}

/// The versions, with `entries` written where they are due, in one call of `settle_ledger`.
async fn settle_ledger(
    connection: &mut PoolConnection<Postgres>,
    entries: Entries,
) -> sqlx::Result<(i64, Option<i64>)> {
    sqlx::query_as(SETTLE)
        .bind(entries.scope)
        .bind(entries.expected_reference)
        .bind(entries.expected_counts)
        .bind(entries.kommunenummer)
        .bind(entries.id)
        .bind(entries.occurred_at)
        .bind(entries.actor)
        .bind(entries.role)
        .bind(entries.request_id)
        .bind(entries.operation)
        .bind(entries.access)
        .bind(entries.record_type)
        .bind(entries.row_count)
        .fetch_one(&mut **connection)
        .await
}

/// The entries of a batch as the statement's arrays, one element per entry.
#[derive(Default)]
struct Entries {
    scope: String,
    expected_reference: Vec<Option<i64>>,
    expected_counts: Vec<Option<i64>>,
    kommunenummer: Vec<String>,
    id: Vec<Uuid>,
    occurred_at: Vec<DateTime<Utc>>,
    actor: Vec<String>,
    role: Vec<String>,
    request_id: Vec<String>,
    operation: Vec<Option<String>>,
    access: Vec<String>,
    record_type: Vec<String>,
    row_count: Vec<i32>,
}

impl Entries {
    fn of(batch: &[Pending]) -> Self {
        let mut entries = Self::default();
        let mut scope = BTreeSet::new();
        for pending in batch {
            for entry in &pending.entries {
                scope.insert(entry.kommunenummer.as_str());
                entries
                    .expected_reference
                    .push(pending.expected.map(|s| s.reference));
                entries
                    .expected_counts
                    .push(pending.expected.map(|s| s.counts));
                entries.kommunenummer.push(entry.kommunenummer.clone());
                entries.id.push(entry.id);
                entries.occurred_at.push(entry.occurred_at);
                entries.actor.push(entry.actor.clone());
                entries.role.push(entry.role.clone());
                entries.request_id.push(entry.request_id.clone());
                entries.operation.push(entry.operation.clone());
                entries.access.push(entry.access.clone());
                entries.record_type.push(entry.record_type.clone());
                entries.row_count.push(entry.row_count);
            }
        }
        entries.scope = scope_setting(scope);
        entries
    }
}
