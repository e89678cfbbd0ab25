//! The data versions as PostgreSQL's notifications report them, so a kept answer that logs
//! nothing (figures only) is confirmed without a round trip of its own.
//!
//! Every instance notifies [`VERSIONS_CHANNEL`] of its writes a few milliseconds after they
//! committed (one notification for a burst, [`notify`]), and listens there on a connection of
//! its own. The versions are read once the listener listens, again after every notification and
//! every write of this instance, and once a [`HEARTBEAT`] besides. They are known while the
//! last read began after the last of these and no longer ago than [`MAX_AGE`]. While they are
//! not known (a notification is being followed up, the listener is down, the reads are slow),
//! requests read them through the ledger as before.
//!
//! What a request gets: every write of this instance that committed before it arrived, and
//! every other instance's write whose notification had arrived (a few milliseconds after that
//! write committed). A writer that does not notify (another process, a statement by hand) or
//! notifications that stop without the connection failing are seen within a heartbeat.
//!
//! The notification is its own statement after the commit, not part of the writing
//! transaction (a trigger): PostgreSQL serialises the commits of all transactions that
//! notify, across the server, on one lock held through their WAL flush, which cost a quarter
//! of the writes a second in the benchmark. A notification alone writes no WAL. Sent before
//! each write was answered, one per write, it still cost a sixth of them, hence [`GATHER`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::Notify;

use super::read_stamp;
use crate::error::{Error, Result};
use crate::kept::Stamp;

/// The channel the instances notify their writes on.
const VERSIONS_CHANNEL: &str = "motgift_versions";

/// The listener's connection, by this name in `pg_stat_activity`.
pub const LISTENER_NAME: &str = "motgift-version-watch";

/// How often the versions are read when nothing is notified: the bound on how stale they can
/// be if notifications stopped arriving on a connection that did not fail.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// Versions read longer ago than this are not used (the reads have stalled).
pub const MAX_AGE: Duration = Duration::from_secs(2);

/// How long the versions are left unread after a notification or write, for those that
/// follow it to arrive: under a steady stream of writes, a read per this long at most
/// instead of one per write. Meanwhile requests read the versions through the ledger.
const SETTLE: Duration = Duration::from_millis(5);

/// How long the notifier gathers writes before it notifies them together.
const GATHER: Duration = Duration::from_millis(2);

/// How long to wait before listening again after the listener failed.
const RETRY: Duration = Duration::from_secs(1);

/// Where the notifications are listened for.
#[derive(Debug, Clone)]
pub enum VersionNotifications {
    /// On the server of the service's own connections.
    FromDatabase,
    /// On a server reached by these options (when the service's connections go through a
    /// pooler that does not pass notifications on).
    From(Box<PgConnectOptions>),
    /// Not at all, neither sent nor listened for: every kept answer is confirmed with a read.
    Off,
}

impl VersionNotifications {
    /// From the service's setting: unset, a URL, or `off`.
    pub fn from_setting(setting: Option<&str>) -> Result<Self> {
        match setting.map(str::trim) {
            None | Some("") => Ok(Self::FromDatabase),
            Some("off") => Ok(Self::Off),
            Some(url) => url
                .parse()
                .map(|options| Self::From(Box::new(options)))
                .map_err(|err| {
                    Error::validation(
                        "MOTGIFT_VERSION_NOTIFICATIONS",
                        format!(
                            "MOTGIFT_VERSION_NOTIFICATIONS is neither `off` nor a PostgreSQL URL: {err}"
                        ),
                    )
                }),
        }
    }
}

pub(crate) struct VersionWatch {
    db: DatabaseConnection,
    /// The listener's connection options.
    options: PgConnectOptions,
    state: Mutex<State>,
    /// Wakes the reader: something was notified or invalidated.
    changed: Notify,
    /// Wakes the notifier: this instance wrote.
    to_notify: Arc<Notify>,
    /// Whether the listener and reader run (they stop with the runtime they were started on).
    running: AtomicBool,
    /// Whether the notifier runs (a store that only writes, such as the seed's, needs no
    /// listener).
    notifying: AtomicBool,
    /// Requests that took the versions from here.
    known: AtomicU64,
    /// Notifications received.
    notified: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    listening: bool,
    /// Raised by every notification and invalidation: a read begun before is out of date.
    generation: u64,
    /// The versions last read, while nothing has been notified since that read began.
    read: Option<Read>,
}

#[derive(Debug, Clone, Copy)]
struct Read {
    stamp: Stamp,
    generation: u64,
    began: Instant,
}

impl std::fmt::Debug for VersionWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VersionWatch")
    }
}

impl VersionWatch {
    /// The watch of `db`'s versions, unless notifications are off.
    pub fn new(db: DatabaseConnection, notifications: VersionNotifications) -> Option<Arc<Self>> {
        let options = match notifications {
            VersionNotifications::FromDatabase => {
                (*db.get_postgres_connection_pool().connect_options()).clone()
            }
            VersionNotifications::From(options) => *options,
            VersionNotifications::Off => return None,
        };
        Some(Arc::new(Self {
            db,
            options: options.application_name(LISTENER_NAME),
            state: Mutex::default(),
            changed: Notify::new(),
            to_notify: Arc::default(),
            running: AtomicBool::new(false),
            notifying: AtomicBool::new(false),
            known: AtomicU64::new(0),
            notified: AtomicU64::new(0),
        }))
    }

    /// The versions now, when they are known without a read; starts the listener on the
    /// first call (and again if the runtime it ran on has gone).
    pub fn current(self: &Arc<Self>) -> Option<Stamp> {
        self.start();
        let stamp = self.state().known_now()?;
        self.known.fetch_add(1, Ordering::Relaxed);
        Some(stamp)
    }

    /// Requests that took the versions from here.
    pub fn known(&self) -> u64 {
        self.known.load(Ordering::Relaxed)
    }

    /// Notifications received.
    pub fn notified(&self) -> u64 {
        self.notified.load(Ordering::Relaxed)
    }

    /// Whether the listener listens now.
    pub fn listening(&self) -> bool {
        self.state().listening
    }

    /// After a write of this instance has committed: forgets the versions, so nothing here
    /// is answered from them until they are read again, and has the other instances notified
    /// (see [`notify`]).
    pub fn written(self: &Arc<Self>) {
        self.start_notifier();
        self.invalidate();
        self.to_notify.notify_one();
    }

    /// Forgets the versions until they are read again: the next request reads them, and so
    /// does the reader (also after a write made beside this instance that nobody notified).
    pub fn invalidate(&self) {
        {
            let mut state = self.state();
            state.generation += 1;
            state.read = None;
        }
        self.changed.notify_one();
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_listening(&self, listening: bool) {
        self.state().listening = listening;
        self.invalidate();
    }

    /// Starts the listener and the reader.
    fn start(self: &Arc<Self>) {
        self.spawn_once(
            |watch| &watch.running,
            |watch| watch.set_listening(false),
            || {
                let watch = Arc::downgrade(self);
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .acquire_timeout(RETRY * 3)
                    .connect_lazy_with(self.options.clone());
                async move {
                    // The reader ends when the watch is dropped; the listener goes with it.
                    tokio::select! {
                        () = listen(watch.clone(), pool) => {}
                        () = read(watch) => {}
                    }
                }
            },
        );
    }

    /// Starts the notifier.
    fn start_notifier(self: &Arc<Self>) {
        self.spawn_once(
            |watch| &watch.notifying,
            |_| {},
            || {
                notify(
                    Arc::downgrade(self),
                    self.to_notify.clone(),
                    self.db.clone(),
                )
            },
        );
    }

    /// Spawns `task()` on the current runtime unless the one `running` marks still runs. When
    /// the task ends, or its runtime drops it, `ended` runs and `running` is cleared, so the
    /// next call starts it again.
    fn spawn_once<F: Future<Output = ()> + Send + 'static>(
        self: &Arc<Self>,
        running: fn(&VersionWatch) -> &AtomicBool,
        ended: fn(&VersionWatch),
        task: impl FnOnce() -> F,
    ) {
        if running(self).load(Ordering::Acquire) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if running(self).swap(true, Ordering::AcqRel) {
            return;
        }
        let guard = Ended {
            watch: Arc::downgrade(self),
            running,
            ended,
        };
        let task = task();
        runtime.spawn(async move {
            let _guard = guard;
            task.await;
        });
    }

    /// Reads the versions and keeps them, unless something was notified meanwhile.
    async fn read_again(&self) {
        let generation = {
            let state = self.state();
            if !state.listening {
                return;
            }
            state.generation
        };
        let began = Instant::now();
        match read_stamp(&self.db).await {
            Ok(stamp) => {
                let mut state = self.state();
                if state.listening && state.generation == generation {
                    state.read = Some(Read {
                        stamp,
                        generation,
                        began,
                    });
                }
            }
            Err(err) => tracing::debug!(error = %err, "reading the versions for the watch failed"),
        }
    }
}

impl State {
    fn known_now(&self) -> Option<Stamp> {
        let read = self.read.filter(|read| {
            self.listening && read.generation == self.generation && read.began.elapsed() < MAX_AGE
        })?;
        Some(read.stamp)
    }
}

/// Marks a task of the watch stopped when it ends or is dropped with its runtime, so the next
/// use starts it again (and, for the listener, nothing is taken as known meanwhile).
struct Ended {
    watch: Weak<VersionWatch>,
    running: fn(&VersionWatch) -> &AtomicBool,
    ended: fn(&VersionWatch),
}

impl Drop for Ended {
    fn drop(&mut self) {
        if let Some(watch) = self.watch.upgrade() {
            (self.ended)(&watch);
            (self.running)(&watch).store(false, Ordering::Release);
        }
    }
}

/// Listens for notifications for as long as the watch lives, listening again after any
/// failure.
async fn listen(watch: Weak<VersionWatch>, pool: PgPool) {
    loop {
        match listener(&pool).await {
            Ok(mut listener) => {
                let Some(live) = watch.upgrade() else { return };
                live.set_listening(true);
                drop(live);
                loop {
                    let received = listener.try_recv().await;
                    let Some(live) = watch.upgrade() else { return };
                    let why = match received {
                        Ok(Some(_)) => {
                            live.notified.fetch_add(1, Ordering::Relaxed);
                            live.invalidate();
                            continue;
                        }
                        Ok(None) => "its connection was lost".to_owned(),
                        Err(err) => err.to_string(),
                    };
                    // Nothing is known until a new connection listens.
                    tracing::warn!(reason = %why, "the version watch stopped listening");
                    live.set_listening(false);
                    break;
                }
            }
            Err(err) => tracing::warn!(error = %err, "the version watch could not listen"),
        }
        tokio::time::sleep(RETRY).await;
    }
}

async fn listener(pool: &PgPool) -> sea_orm::sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.ignore_pool_close_event(true);
    // A lost connection is reported at once (`Ok(None)`), not after connecting again: a new
    // listener is made instead, which says when it listens.
    listener.eager_reconnect(false);
    listener.listen(VERSIONS_CHANNEL).await?;
    Ok(listener)
}

/// Notifies the other instances of this one's writes: once for the writes of [`GATHER`] after
/// the first, so a burst of writes costs the database one notification, not one each. The
/// write is answered meanwhile; the other instances see it a few milliseconds after it
/// committed. A notification that fails is logged, and they see the write at their next
/// heartbeat. (Not in the writing transaction: PostgreSQL serialises the commits of all
/// transactions that notify, server-wide, on one lock held through their WAL flush.)
async fn notify(watch: Weak<VersionWatch>, to_notify: Arc<Notify>, db: DatabaseConnection) {
    let statement = format!("NOTIFY {VERSIONS_CHANNEL}");
    loop {
        // Ends once the watch is gone and nothing is left to notify.
        if tokio::time::timeout(HEARTBEAT, to_notify.notified())
            .await
            .is_err()
        {
            if watch.strong_count() == 0 {
                return;
            }
            continue;
        }
        tokio::time::sleep(GATHER).await;
        if let Err(err) = db.execute_unprepared(&statement).await {
            tracing::warn!(error = %err, "notifying the other instances of writes failed");
        }
    }
}

/// Reads the versions whenever something changed, and once a heartbeat besides.
async fn read(watch: Weak<VersionWatch>) {
    loop {
        let Some(live) = watch.upgrade() else { return };
        if tokio::time::timeout(HEARTBEAT, live.changed.notified())
            .await
            .is_ok()
        {
            // Writes come in bursts, and while they do nothing read is trusted for long:
            // one read after the burst's notifications have arrived, not one for each.
            tokio::time::sleep(SETTLE).await;
        }
        live.read_again().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(stamp: Stamp, generation: u64, began: Instant) -> Option<Read> {
        Some(Read {
            stamp,
            generation,
            began,
        })
    }

    #[test]
    fn the_setting_names_a_server_or_turns_notifications_off() {
        let setting = VersionNotifications::from_setting;
        assert!(matches!(
            setting(None),
            Ok(VersionNotifications::FromDatabase)
        ));
        assert!(matches!(
            setting(Some(" ")),
            Ok(VersionNotifications::FromDatabase)
        ));
        assert!(matches!(
            setting(Some("off")),
            Ok(VersionNotifications::Off)
        ));
        match setting(Some("postgres://watch@db.internal:6432/motgift")) {
            Ok(VersionNotifications::From(options)) => {
                assert_eq!(options.get_host(), "db.internal");
                assert_eq!(options.get_port(), 6432);
            }
            other => panic!("a server: {other:?}"),
        }
        let err = setting(Some("no such server")).unwrap_err();
        assert!(
            err.to_string().contains("MOTGIFT_VERSION_NOTIFICATIONS"),
            "{err}"
        );
    }

    #[test]
    fn versions_are_known_only_while_listening_fresh_and_unchanged_since_read() {
        let stamp = Stamp::of(3, Some(40));
        let now = Instant::now();
        let mut state = State {
            listening: true,
            generation: 7,
            read: read(stamp, 7, now),
        };
        assert_eq!(state.known_now(), Some(stamp));

        state.generation = 8;
        assert_eq!(
            state.known_now(),
            None,
            "a notification since the read began"
        );

        state.generation = 7;
        state.listening = false;
        assert_eq!(state.known_now(), None, "not listening");

        state.listening = true;
        let Some(old) = now.checked_sub(MAX_AGE) else {
            return;
        };
        state.read = read(stamp, 7, old);
        assert_eq!(state.known_now(), None, "read too long ago");
    }
}
