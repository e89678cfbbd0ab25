//! Values kept in memory and reused while the data behind them is unchanged: published panels
//! and whole answers. Every write of a municipality's records (and so of its counts) raises
//! its count version in the same transaction, and every change to reference data raises the
//! reference version, so a value is reused when the versions it was built under are the
//! versions now: exact on every instance of the service, with one small read per request,
//! which concurrent requests share (see the store's ledger). A value whose versions moved may
//! be kept on at the new ones when its caller finds that what it was built from is unchanged
//! ([`Kept::keep_on`]). A value missing is built by one caller at a time; callers asking for
//! it meanwhile wait and take what that one kept ([`Kept::get_or_build`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OwnedMutexGuard;

use lru::LruCache;

/// The versions a kept value was built under: the sum of the count versions of the data it
/// covers (every municipality's for an answer, every municipality's of one calendar year for a
/// panel; every change raises one of them, so the sum only grows) and the version of the
/// reference data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub counts: i64,
    pub reference: i64,
}

/// What a kept key or value costs against its cache's budget, in the cache's own unit.
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Stamp {
    /// The stamp of the versions as read: the sum of no count versions is none at all.
    pub(crate) fn of(reference: i64, counts: Option<i64>) -> Self {
        Self {
            counts: counts.unwrap_or(0),
            reference,
        }
    }

    /// Whether this stamp is later than `other`: versions only grow.
    fn is_after(self, other: Stamp) -> bool {
        self != other && self.counts >= other.counts && self.reference >= other.reference
    }
}

struct Entry<V> {
    stamp: Stamp,
    value: V,
    /// The key's and the value's weight together.
    weight: usize,
}

struct Entries<K: Hash + Eq, V> {
    lru: LruCache<K, Entry<V>>,
    weight: usize,
}

/// Kept values, least recently used dropped first once they and their keys weigh more than
/// the budget.
pub struct Kept<K: Hash + Eq, V> {
    entries: Mutex<Entries<K, V>>,
    budget: usize,
    /// A turn for each key being built, with the callers in line for it.
    building: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
    hits: AtomicU64,
    misses: AtomicU64,
    shared: AtomicU64,
    kept_on: AtomicU64,
}

/// What [`Kept::get_or_build`] found: the value kept, or the caller's turn to build it.
pub enum Lookup<'a, K: Hash + Eq, V> {
    Kept(V),
    Build(Turn<'a, K, V>),
}

/// A caller's turn to build the values of a key: callers asking for them wait till it is
/// dropped (built and kept, failed, or the request given up), then look again.
pub struct Turn<'a, K: Hash + Eq, V> {
    // Dropped first, so the turn passes on before the line is looked at.
    _held: OwnedMutexGuard<()>,
    _line: InLine<'a, K, V>,
}

/// A caller in line for a key's turn; the last one out takes the line away.
struct InLine<'a, K: Hash + Eq, V> {
    kept: &'a Kept<K, V>,
    key: K,
    turn: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl<K: Hash + Eq, V> Drop for InLine<'_, K, V> {
    fn drop(&mut self) {
        let mut building = self.kept.building_lock();
        drop(self.turn.take());
        // Every caller in line holds the turn; the map holds it too.
        if building
            .get(&self.key)
            .is_some_and(|turn| Arc::strong_count(turn) == 1)
        {
            building.remove(&self.key);
        }
    }
}

/// How a cache is used, for the service's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeptStats {
    /// Values served as kept.
    pub hits: u64,
    /// Values not kept at the versions asked for: never kept, dropped, or their data changed.
    pub misses: u64,
    /// Values not kept when asked for, served as another caller built them meanwhile.
    pub shared: u64,
    /// Values whose data changed, but not the part they were built from, kept on at the new
    /// versions without being built again.
    pub kept_on: u64,
    pub entries: u64,
    /// What the entries weigh, the measure of the budget.
    pub weight: u64,
}

impl<K: Hash + Eq + Weigh, V: Clone + Weigh> Kept<K, V> {
    pub fn new(budget: usize) -> Self {
        Self {
            entries: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                weight: 0,
            }),
            budget,
            building: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            shared: AtomicU64::new(0),
            kept_on: AtomicU64::new(0),
        }
    }

    /// The value kept for `key` when the data was at `stamp`, if any.
    pub fn get(&self, key: &K, stamp: Stamp) -> Option<V> {
        let kept = self.kept_at(key, stamp);
        self.served(kept.is_some());
        kept
    }

    /// The value kept for `key` when the data was at `stamp`; else, once no other caller has
    /// the turn of `built_with` (the key whose values are built together with `key`'s, maybe
    /// `key` itself), the value kept by the caller that had it, or this caller's turn.
    ///
    /// So concurrent requests that miss the same value build it once: at national scale a
    /// panel's year takes seconds, and a dashboard asks for many panels at once. A caller
    /// with a turn may take the turns of keys its value is built from, never the other way
    /// round (the values built from one another form no cycle), so no two wait on each other.
    pub async fn get_or_build(&self, key: &K, built_with: &K, stamp: Stamp) -> Lookup<'_, K, V>
    where
        K: Clone,
    {
        if let Some(kept) = self.kept_at(key, stamp) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Lookup::Kept(kept);
        }
        let mut line = InLine {
            kept: self,
            key: built_with.clone(),
            turn: None,
        };
        let turn = self
            .building_lock()
            .entry(built_with.clone())
            .or_default()
            .clone();
        line.turn = Some(turn.clone());
        let held = turn.lock_owned().await;
        if let Some(kept) = self.kept_at(key, stamp) {
            self.shared.fetch_add(1, Ordering::Relaxed);
            return Lookup::Kept(kept);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        Lookup::Build(Turn {
            _held: held,
            _line: line,
        })
    }

    /// The value kept for `key` at `stamp`, made the most recently used.
    fn kept_at(&self, key: &K, stamp: Stamp) -> Option<V> {
        self.lock()
            .lru
            .get(key)
            .filter(|entry| entry.stamp == stamp)
            .map(|entry| entry.value.clone())
    }

    /// The value kept for `key` and the stamp it was built at, whatever the data is now; for
    /// a caller that confirms the stamp itself and then counts the outcome with
    /// [`Kept::served`].
    pub fn latest(&self, key: &K) -> Option<(Stamp, V)> {
        self.lock()
            .lru
            .get(key)
            .map(|entry| (entry.stamp, entry.value.clone()))
    }

    /// The value kept for `key`, when `unchanged` finds that what it was built from is the
    /// same at `stamp`. One kept at another stamp is then kept at `stamp` too (unless one
    /// built later is kept) and counted as kept on.
    pub fn keep_on(
        &self,
        key: &K,
        stamp: Stamp,
        unchanged: impl FnOnce(Stamp, &V) -> bool,
    ) -> Option<V>
    where
        K: Clone,
    {
        let mut entries = self.lock();
        let (at, value) = entries
            .lru
            .get(key)
            .map(|entry| (entry.stamp, entry.value.clone()))?;
        if !unchanged(at, &value) {
            return None;
        }
        // Counted only when kept at `stamp` now: not when published there meanwhile for
        // another request, nor when one built later is kept.
        if at != stamp && self.keep(&mut entries, key.clone(), stamp, value.clone()) {
            self.kept_on.fetch_add(1, Ordering::Relaxed);
        }
        Some(value)
    }

    /// Counts a value served as kept (`true`) or computed afresh.
    pub fn served(&self, kept: bool) {
        let counter = if kept { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether anything is kept for `key`, at any stamp; neither counted nor made recent.
    pub fn contains(&self, key: &K) -> bool {
        self.lock().lru.contains(key)
    }

    /// Keeps `value` for `key` as built at `stamp`, unless a value built later is kept.
    pub fn put(&self, key: K, stamp: Stamp, value: V) {
        self.keep(&mut self.lock(), key, stamp, value);
    }

    /// [`Kept::put`] under the lock; whether it was kept.
    fn keep(&self, entries: &mut Entries<K, V>, key: K, stamp: Stamp, value: V) -> bool {
        let weight = key.weight() + value.weight();
        if weight > self.budget {
            return false;
        }
        if entries
            .lru
            .peek(&key)
            .is_some_and(|kept| kept.stamp.is_after(stamp))
        {
            return false;
        }
        let entry = Entry {
            stamp,
            value,
            weight,
        };
        if let Some(old) = entries.lru.put(key, entry) {
            entries.weight -= old.weight;
        }
        entries.weight += weight;
        entries.shrink_to(self.budget);
        true
    }

    /// Keeps `value` for `key` as built at `stamp`, unless a value built at `stamp` is kept
    /// already: that one is returned instead, neither counted nor made recent. For values
    /// computed beside the one asked for, which must equal any kept for the same data.
    pub fn keep_or_kept(&self, key: K, stamp: Stamp, value: V) -> Option<V> {
        let mut entries = self.lock();
        let kept = entries
            .lru
            .peek(&key)
            .filter(|entry| entry.stamp == stamp)
            .map(|entry| entry.value.clone());
        if kept.is_none() {
            self.keep(&mut entries, key, stamp, value);
        }
        kept
    }

    /// Changes the value kept for `key` if it is still the one built at `stamp`, and weighs it
    /// again (a value that grows may push others, or itself, out).
    pub fn update(&self, key: &K, stamp: Stamp, change: impl FnOnce(&mut V)) {
        let mut entries = self.lock();
        let Some(entry) = entries.lru.peek_mut(key).filter(|e| e.stamp == stamp) else {
            return;
        };
        let before = entry.weight;
        change(&mut entry.value);
        entry.weight = key.weight() + entry.value.weight();
        let after = entry.weight;
        entries.weight = entries.weight - before + after;
        entries.shrink_to(self.budget);
    }

    pub fn stats(&self) -> KeptStats {
        let entries = self.lock();
        KeptStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            shared: self.shared.load(Ordering::Relaxed),
            kept_on: self.kept_on.load(Ordering::Relaxed),
            entries: entries.lru.len() as u64,
            weight: entries.weight as u64,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries<K, V>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<K: Hash + Eq, V> Kept<K, V> {
    fn building_lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Arc<tokio::sync::Mutex<()>>>> {
        self.building.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<K: Hash + Eq, V> Entries<K, V> {
    /// Drops the least recently used entries until what is left weighs at most `budget`.
    fn shrink_to(&mut self, budget: usize) {
        while self.weight > budget {
            let Some((_, dropped)) = self.lru.pop_lru() else {
                break;
            };
            self.weight -= dropped.weight;
        }
    }
}

impl<K: Hash + Eq, V> std::fmt::Debug for Kept<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("budget", &self.budget)
            .field("hits", &self.hits.load(Ordering::Relaxed))
            .field("misses", &self.misses.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct Sized(usize);

    impl Weigh for Sized {
        fn weight(&self) -> usize {
            self.0
        }
    }

    impl Weigh for &str {
        fn weight(&self) -> usize {
            0
        }
    }

    const AT: Stamp = Stamp {
        counts: 1,
        reference: 1,
    };

    #[test]
    fn a_value_is_served_only_at_the_stamp_it_was_kept_under() {
        let kept = Kept::new(10);
        kept.put("a", AT, Sized(1));
        assert!(kept.get(&"a", AT).is_some());
        assert!(kept.get(&"a", Stamp { counts: 2, ..AT }).is_none());
        assert!(kept.get(&"a", Stamp { reference: 2, ..AT }).is_none());
        assert!(kept.contains(&"a"));
        let stats = kept.stats();
        assert_eq!((stats.hits, stats.misses), (1, 2));
    }

    #[test]
    fn the_latest_value_comes_with_its_stamp_for_the_caller_to_confirm() {
        let kept = Kept::new(10);
        assert!(kept.latest(&"a").is_none());
        kept.put("a", AT, Sized(1));
        let (stamp, _) = kept.latest(&"a").unwrap();
        assert_eq!(stamp, AT);
        kept.served(true);
        kept.served(false);
        let stats = kept.stats();
        assert_eq!((stats.hits, stats.misses), (1, 1));
    }

    #[test]
    fn a_value_whose_own_data_is_unchanged_is_kept_on_at_the_new_stamp() {
        let kept = Kept::new(10);
        let later = Stamp { counts: 2, ..AT };
        assert!(
            kept.keep_on(&"a", later, |_, _| true).is_none(),
            "nothing kept"
        );
        kept.put("a", AT, Sized(1));
        assert!(kept.keep_on(&"a", later, |_, v| v.0 == 2).is_none());
        assert!(kept.get(&"a", later).is_none(), "refused: not kept on");
        let mut seen = None;
        let on = kept.keep_on(&"a", later, |at, v| {
            seen = Some(at);
            v.0 == 1
        });
        assert_eq!(on.map(|v| v.0), Some(1));
        assert_eq!(seen, Some(AT), "judged with the stamp it was built at");
        assert!(kept.get(&"a", later).is_some(), "kept at the new stamp");
        assert_eq!(kept.stats().kept_on, 1);
        assert_eq!(kept.stats().weight, 1, "kept once, not twice");
        assert!(kept.keep_on(&"a", later, |_, _| true).is_some());
        assert_eq!(
            kept.stats().kept_on,
            1,
            "kept at that stamp already: not kept on"
        );
    }

    #[test]
    fn the_least_recently_used_go_first_over_budget() {
        let kept = Kept::new(10);
        kept.put("a", AT, Sized(4));
        kept.put("b", AT, Sized(4));
        kept.get(&"a", AT);
        kept.put("c", AT, Sized(4));
        assert!(kept.contains(&"a") && kept.contains(&"c"));
        assert!(!kept.contains(&"b"));
        assert_eq!(kept.stats().weight, 8);
        // Heavier than the whole budget: never kept.
        kept.put("d", AT, Sized(11));
        assert!(!kept.contains(&"d"));
    }

    /// Whether `lookup` is still waiting, polled once.
    fn waits<F: Future>(lookup: std::pin::Pin<&mut F>) -> bool {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        lookup.poll(&mut context).is_pending()
    }

    fn turn<'a>(lookup: Lookup<'a, &'static str, Sized>) -> Turn<'a, &'static str, Sized> {
        match lookup {
            Lookup::Build(turn) => turn,
            Lookup::Kept(_) => panic!("kept, not a turn to build"),
        }
    }

    #[tokio::test]
    async fn a_value_missing_is_built_once_while_other_callers_wait_for_it() {
        let kept = Kept::new(10);
        let first = turn(kept.get_or_build(&"a", &"a", AT).await);
        let second = kept.get_or_build(&"a", &"a", AT);
        let mut second = std::pin::pin!(second);
        assert!(waits(second.as_mut()), "the first has the turn");
        // Another key is built meanwhile.
        drop(turn(kept.get_or_build(&"b", &"b", AT).await));
        kept.put("a", AT, Sized(1));
        drop(first);
        match second.await {
            Lookup::Kept(value) => assert_eq!(value.0, 1),
            Lookup::Build(_) => panic!("built twice"),
        }
        let stats = kept.stats();
        assert_eq!((stats.hits, stats.misses, stats.shared), (0, 2, 1));
        assert!(kept.building_lock().is_empty(), "no line left");
        assert!(matches!(
            kept.get_or_build(&"a", &"a", AT).await,
            Lookup::Kept(_)
        ));
        assert_eq!(kept.stats().hits, 1);
    }

    #[tokio::test]
    async fn a_turn_given_up_passes_to_the_next_caller_in_line() {
        let kept = Kept::new(10);
        let first = turn(kept.get_or_build(&"a", &"a", AT).await);
        let mut given_up = Box::pin(kept.get_or_build(&"a", &"a", AT));
        assert!(waits(given_up.as_mut()));
        let second = kept.get_or_build(&"a", &"a", AT);
        let mut second = std::pin::pin!(second);
        assert!(waits(second.as_mut()));
        drop(given_up);
        // Failed without keeping anything: the one still in line builds.
        drop(first);
        let second = turn(second.await);
        assert_eq!(kept.building_lock().len(), 1, "the second has the turn");
        drop(second);
        assert!(kept.building_lock().is_empty(), "no line left");
    }

    #[tokio::test]
    async fn a_value_built_with_another_waits_for_that_ones_turn() {
        let kept = Kept::new(10);
        let months = turn(kept.get_or_build(&"months", &"months", AT).await);
        let quarters = kept.get_or_build(&"quarters", &"months", AT);
        let mut quarters = std::pin::pin!(quarters);
        assert!(waits(quarters.as_mut()));
        kept.put("months", AT, Sized(1));
        kept.put("quarters", AT, Sized(2));
        drop(months);
        match quarters.await {
            Lookup::Kept(value) => assert_eq!(value.0, 2),
            Lookup::Build(_) => panic!("built twice"),
        }
        // Kept at another stamp only: built again.
        let later = Stamp { counts: 2, ..AT };
        drop(turn(kept.get_or_build(&"quarters", &"months", later).await));
    }

    #[derive(Clone, PartialEq, Eq, Hash)]
    struct Heavy(&'static str);

    impl Weigh for Heavy {
        fn weight(&self) -> usize {
            self.0.len()
        }
    }

    #[test]
    fn keys_count_against_the_budget() {
        let kept = Kept::new(10);
        kept.put(Heavy("eightchr"), AT, Sized(1));
        kept.put(Heavy("another8"), AT, Sized(1));
        assert!(!kept.contains(&Heavy("eightchr")));
        assert_eq!(kept.stats().weight, 9);
    }

    #[test]
    fn an_update_weighs_the_value_again_and_only_at_its_stamp() {
        let kept = Kept::new(10);
        kept.put("a", AT, Sized(2));
        kept.put("b", AT, Sized(2));
        kept.update(&"a", Stamp { counts: 2, ..AT }, |v| v.0 = 9);
        assert_eq!(kept.stats().weight, 4, "another stamp: unchanged");
        kept.update(&"a", AT, |v| v.0 = 5);
        assert_eq!(kept.latest(&"a").unwrap().1.0, 5);
        assert_eq!(kept.stats().weight, 7);
        // Growing past the budget pushes out the least recently used.
        kept.update(&"a", AT, |v| v.0 = 9);
        assert!(!kept.contains(&"b"));
        assert_eq!(kept.stats().weight, 9);
    }

    #[test]
    fn a_value_built_earlier_never_replaces_one_built_later() {
        let kept = Kept::new(10);
        let later = Stamp { counts: 2, ..AT };
        kept.put("a", later, Sized(1));
        kept.put("a", AT, Sized(1));
        assert!(kept.get(&"a", later).is_some());
        kept.put("a", Stamp { counts: 3, ..AT }, Sized(1));
        assert!(kept.get(&"a", later).is_none());
    }
}
