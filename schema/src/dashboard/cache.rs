//! Published panels, kept and reused while the counts behind them are unchanged. Every change
//! to a municipality's counts raises its count version in the same transaction, so a panel is
//! reused only when the versions of its municipalities are what they were when it was
//! published: exact on every instance of the service, with one small read per request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use lru::LruCache;

use super::panel::Panel;
use super::period::Range;

/// What a published panel was built from besides its key: the sum of the count versions of
/// its municipalities (every change raises one of them, so the sum only grows) and the
/// version of the reference data (the populations behind the rates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub counts: i64,
    pub reference: i64,
}

/// Everything a published panel depends on besides the counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PanelKey {
    pub metric: &'static str,
    pub rows: Arc<[String]>,
    pub range: Range,
    /// The viewer's own municipalities and threshold decide what is suppressed.
    pub own: Vec<String>,
    pub threshold: u64,
}

struct Entry {
    stamp: Stamp,
    panel: Arc<Panel>,
}

struct Entries {
    lru: LruCache<PanelKey, Entry>,
    size: usize,
}

/// Published panels, least recently used dropped first once they hold more than a budget of
/// figures (a figure costs about 20 bytes).
pub struct PanelCache {
    entries: Mutex<Entries>,
    budget: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How the kept panels are used, for the service's metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PanelCacheStats {
    /// Panels served as kept.
    pub hits: u64,
    /// Panels computed from the counts: never kept, dropped, or their counts changed.
    pub misses: u64,
    pub entries: u64,
    /// Figures held, the measure of the cache's budget.
    pub figures: u64,
}

impl PanelCache {
    pub fn new(budget: usize) -> Self {
        Self {
            entries: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                size: 0,
            }),
            budget,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The panel published for `key` when the data was at `stamp`, if kept.
    pub fn get(&self, key: &PanelKey, stamp: Stamp) -> Option<Arc<Panel>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let kept = entries
            .lru
            .get(key)
            .filter(|entry| entry.stamp == stamp)
            .map(|entry| entry.panel.clone());
        let counter = if kept.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        kept
    }

    pub fn stats(&self) -> PanelCacheStats {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        PanelCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: entries.lru.len() as u64,
            figures: entries.size as u64,
        }
    }

    pub fn put(&self, key: PanelKey, stamp: Stamp, panel: Arc<Panel>) {
        let size = panel.size();
        if size > self.budget {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = entries.lru.put(key, Entry { stamp, panel }) {
            entries.size -= old.panel.size();
        }
        entries.size += size;
        while entries.size > self.budget {
            let Some((_, dropped)) = entries.lru.pop_lru() else {
                break;
            };
            entries.size -= dropped.panel.size();
        }
    }
}

impl std::fmt::Debug for PanelCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PanelCache")
            .field("budget", &self.budget)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for PanelCache {
    /// Room for about two million figures (some 40 MB).
    fn default() -> Self {
        Self::new(2_000_000)
    }
}
