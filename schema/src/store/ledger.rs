//! One round trip shared by the reads of concurrent requests: it writes the access-log
//! entries they bring and reads the data versions ([`Stamp`]) their kept answers are checked
//! against.
//!
//! A request hands its entries (or none) to the ledger and waits. A worker takes everything
//! that is waiting, reads the versions and writes, in one transaction, the entries of every
//! request whose kept answer is still current (and of every fresh read), then answers each
//! request with the versions it read. Under load many requests share one round trip and one
//! commit; alone, a request costs what it cost before.
//!
//! What each request gets is what it would have had on its own: the versions are read after
//! it arrived, so a kept answer confirmed by them is current; its entries are committed
//! before it is answered, so rows are never handed out unlogged; and a kept answer found stale
//! logs nothing (the fresh answer that replaces it logs its own reads).
//!
//! On PostgreSQL a request that brings no entries (a kept answer of figures) takes the
//! versions from the [`watch`] instead, while it knows them from the instances'
//! notifications: no round trip at all (see there for what that answer then shows).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel, Iterable,
    Statement, TransactionOptions, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

mod own_connection;
mod watch;

use own_connection::OwnConnection;
use watch::VersionWatch;
pub use watch::{LISTENER_NAME, MAX_AGE, VersionNotifications};

use super::together::rows_per_statement;
use crate::entity::access_log;
use crate::error::{Error, Result, is_refused_data};
use crate::kept::Stamp;

/// The most requests settled by one round trip.
const MAX_BATCH: usize = 256;

/// What one request waits for.
struct Pending {
    /// The versions its kept answer was built under; `None` for entries that are written
    /// whatever the versions are (a fresh read's).
    expected: Option<Stamp>,
    entries: Vec<access_log::Model>,
    reply: oneshot::Sender<Result<Stamp>>,
}

impl Pending {
    fn is_written_at(&self, stamp: Stamp) -> bool {
        self.expected.is_none_or(|expected| expected == stamp)
    }
}

/// The ledger of one database. Its worker starts with the first request, on the runtime of
/// that request, and starts again if that runtime has gone. There is one worker: whatever
/// arrives while its round trip is under way waits for the next one, so the requests of a
/// busy moment share a round trip (about four at 8 connections in the benchmark, where two
/// workers shared fewer and were slower).
pub(crate) struct Ledger {
    db: DatabaseConnection,
    queue: Mutex<Option<mpsc::UnboundedSender<Pending>>>,
    counts: Arc<Counts>,
    /// On PostgreSQL, the versions as notified, for requests that bring no entries.
    watch: Option<Arc<VersionWatch>>,
}

/// How the ledger is used, for the service's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerStats {
    /// Requests settled.
    pub requests: u64,
    /// Round trips (or transactions) that settled them: fewer than requests under load.
    pub round_trips: u64,
    /// Requests that brought no entries and took the versions as notified, with no round
    /// trip (PostgreSQL).
    pub known: u64,
    /// Notifications of new versions received (PostgreSQL).
    pub notified: u64,
    /// Whether the versions' notifications are listened to now (PostgreSQL).
    pub listening: bool,
}

#[derive(Debug, Default)]
struct Counts {
    requests: AtomicU64,
    round_trips: AtomicU64,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ledger")
    }
}

impl Ledger {
    pub fn new(db: DatabaseConnection) -> Self {
        let mut ledger = Self {
            db,
            queue: Mutex::new(None),
            counts: Arc::default(),
            watch: None,
        };
        ledger.listen(VersionNotifications::FromDatabase);
        ledger
    }

    pub fn stats(&self) -> LedgerStats {
        LedgerStats {
            requests: self.counts.requests.load(Ordering::Relaxed),
            round_trips: self.counts.round_trips.load(Ordering::Relaxed),
            known: self.watch.as_ref().map_or(0, |watch| watch.known()),
            notified: self.watch.as_ref().map_or(0, |watch| watch.notified()),
            listening: self.watch.as_ref().is_some_and(|watch| watch.listening()),
        }
    }

    /// Listens for the versions' notifications as `notifications` says (PostgreSQL only).
    pub fn listen(&mut self, notifications: VersionNotifications) {
        if self.db.get_database_backend() == DbBackend::Postgres {
            self.watch = VersionWatch::new(self.db.clone(), notifications);
        }
    }

    /// The data versions now: as notified, else read after this call began.
    pub async fn stamp(&self) -> Result<Stamp> {
        self.settle(None, Vec::new()).await
    }

    /// Called after every write of this instance has committed, before it is answered: the
    /// versions it raised are read again before anything here is answered from them, and the
    /// other instances are notified (within milliseconds).
    pub fn written(&self) {
        if let Some(watch) = &self.watch {
            watch.written();
        }
    }

    /// Forgets the versions known from notifications: the next request reads them, and so
    /// does the watch. For whoever wrote beside this instance without notifying it (a
    /// statement by hand, another process) and must see the write here at once.
    pub fn forget_known_versions(&self) {
        if let Some(watch) = &self.watch {
            watch.invalidate();
        }
    }

    /// Writes `entries` (the reads of a fresh answer) before returning.
    pub async fn log(&self, entries: Vec<access_log::Model>) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        self.settle(None, entries).await.map(|_| ())
    }

    /// The data versions now, and `entries` written if and only if they equal `expected` (a
    /// kept answer about to be sent again).
    pub async fn confirm(&self, expected: Stamp, entries: Vec<access_log::Model>) -> Result<Stamp> {
        self.settle(Some(expected), entries).await
    }

    async fn settle(
        &self,
        expected: Option<Stamp>,
        entries: Vec<access_log::Model>,
    ) -> Result<Stamp> {
        if entries.is_empty()
            && let Some(stamp) = self.watch.as_ref().and_then(|watch| watch.current())
        {
            return Ok(stamp);
        }
        let (reply, answer) = oneshot::channel();
        self.enqueue(Pending {
            expected,
            entries,
            reply,
        });
        answer
            .await
            .unwrap_or_else(|_| Err(Error::Internal("the ledger stopped".to_owned())))
    }

    fn enqueue(&self, pending: Pending) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let pending = match queue.as_ref() {
            Some(workers) => match workers.send(pending) {
                Ok(()) => return,
                Err(mpsc::error::SendError(pending)) => pending,
            },
            None => pending,
        };
        // No worker yet, or its runtime is gone: start one here.
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(work(self.db.clone(), receiver, self.counts.clone()));
        // The receiver is alive (the worker holds it), so this cannot fail.
        let _ = sender.send(pending);
        *queue = Some(sender);
    }
}

/// The worker: takes whatever waits, settles it in one round trip, answers each request.
async fn work(
    db: DatabaseConnection,
    mut receiver: mpsc::UnboundedReceiver<Pending>,
    counts: Arc<Counts>,
) {
    let mut own = OwnConnection::default();
    while let Some(first) = receiver.recv().await {
        // The requests this thread is about to hand over come along (a quarter less work for
        // the database per request in the benchmark, no later answers).
        tokio::task::yield_now().await;
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(pending) => batch.push(pending),
                Err(_) => break,
            }
        }
        counts.round_trips.fetch_add(1, Ordering::Relaxed);
        counts
            .requests
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        answer(&db, &mut own, batch).await;
    }
}

async fn answer(db: &DatabaseConnection, own: &mut OwnConnection, batch: Vec<Pending>) {
    let outcome = write(db, own, &batch).await;
    match outcome {
        Ok(stamp) => {
            for pending in batch {
                let _ = pending.reply.send(Ok(stamp));
            }
        }
        // An entry the database refused must not fail the other requests: each is tried on
        // its own. Only then: after any other failure the commit may have gone through, and
        // trying again would log twice.
        Err(err) if batch.len() > 1 && is_refused_data(&err) => {
            tracing::warn!(error = %err, requests = batch.len(), "a shared round trip failed; settling its requests one by one");
            for pending in batch {
                let outcome = write(db, own, std::slice::from_ref(&pending)).await;
                let _ = pending.reply.send(outcome);
            }
        }
        Err(err) => {
            let mut batch = batch.into_iter();
            if let Some(first) = batch.next() {
                for pending in batch {
                    let _ = pending.reply.send(Err(err.for_another_waiter()));
                }
                let _ = first.reply.send(Err(err));
            }
        }
    }
}

/// Reads the versions and writes the entries that are due at them, atomically: on PostgreSQL
/// in one statement on the worker's own connection (`settle_ledger`), on SQLite in one
/// transaction.
async fn write(
    db: &DatabaseConnection,
    own: &mut OwnConnection,
    batch: &[Pending],
) -> Result<Stamp> {
    if db.get_database_backend() == DbBackend::Postgres {
        return own.settle(db, batch).await;
    }
    if batch.iter().all(|p| p.entries.is_empty()) {
        return read_stamp(db).await;
    }
    // Taking the write lock first, so no other writer comes between the read of the versions
    // and the entries (a read that turns into a write would fail then).
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let stamp = read_stamp(&txn).await?;
    let due: Vec<access_log::ActiveModel> = batch
        .iter()
        .filter(|p| p.is_written_at(stamp))
        .flat_map(|p| {
            p.entries
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model)
        })
        .collect();
    for chunk in due.chunks(rows_per_statement(access_log::Column::iter().count())) {
        access_log::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(stamp)
}

/// The versions of all counts and records and of the reference data, in one read.
const VERSIONS: &str = "SELECT \
     (SELECT version FROM reference_version WHERE id = 1) AS reference, \
     (SELECT CAST(SUM(version) AS BIGINT) FROM count_versions) AS counts";

/// The versions, read through `conn` (SQLite's pool, or its transaction).
async fn read_stamp<C: ConnectionTrait>(conn: &C) -> Result<Stamp> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            VERSIONS,
        ))
        .await?
        .ok_or_else(|| Error::Internal("the versions read returned no row".to_owned()))?;
    Ok(Stamp::of(
        row.try_get("", "reference")?,
        row.try_get("", "counts")?,
    ))
}
