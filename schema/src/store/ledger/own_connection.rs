//! The ledger's own PostgreSQL connection, for the reads of the versions alone (the reads
//! every kept answer waits for). sqlx checks a connection given back to its pool with a round
//! trip of its own, so a read through the pool cost the database two round trips and the
//! service a task more; the ledger's one worker keeps one connection between its reads
//! instead. It gives it back once it has sat idle as long as the pool lets a connection sit
//! before checking it again, so a connection left over a server restart is never used
//! unchecked, and after any failure, so a broken one is not used again.

use std::time::Instant;

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres};
use sea_orm::{DatabaseConnection, DbErr, RuntimeErr};

use super::VERSIONS;
use crate::error::{Error, Result};
use crate::kept::Stamp;
use crate::store::connect::IDLE_BEFORE_PING;

#[derive(Default)]
pub(super) struct OwnConnection {
    /// The connection and when its last read ended.
    kept: Option<(PoolConnection<Postgres>, Instant)>,
}

impl OwnConnection {
    /// The versions now, read on the kept connection (or a new one from `db`'s pool).
    pub async fn read_stamp(&mut self, db: &DatabaseConnection) -> Result<Stamp> {
        let mut connection = match self.kept.take() {
            Some((connection, last_read)) if last_read.elapsed() < IDLE_BEFORE_PING => connection,
            // Dropping an idle one gives it back to the pool, which checks it.
            _ => db
                .get_postgres_connection_pool()
                .acquire()
                .await
                .map_err(|e| Error::from(DbErr::Conn(RuntimeErr::SqlxError(e.into()))))?,
        };
        let (reference, counts): (i64, Option<i64>) = sqlx::query_as(VERSIONS)
            .fetch_one(&mut *connection)
            .await
            .map_err(|e| Error::from(DbErr::Query(RuntimeErr::SqlxError(e.into()))))?;
        self.kept = Some((connection, Instant::now()));
        Ok(Stamp::of(reference, counts))
    }
}
