//! Published panels, kept and reused while the counts behind them are unchanged. Every change
//! to a municipality's counts raises its count version in the same transaction, so a panel is
//! reused only when the versions of all its municipalities are what they were when it was
//! published: exact on every instance of the service, with one small read per request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use lru::LruCache;

use super::panel::Panel;
use super::period::Range;

/// The count version of each municipality that has counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions(HashMap<String, i64>);

impl Versions {
    pub fn new(versions: impl IntoIterator<Item = (String, i64)>) -> Self {
        Self(versions.into_iter().collect())
    }

    /// The versions of `rows`, in order; zero for a municipality without counts.
    pub fn of(&self, rows: &[String]) -> Vec<i64> {
        rows.iter()
            .map(|k| self.0.get(k).copied().unwrap_or(0))
            .collect()
    }
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
    versions: Vec<i64>,
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
}

impl PanelCache {
    pub fn new(budget: usize) -> Self {
        Self {
            entries: Mutex::new(Entries {
                lru: LruCache::unbounded(),
                size: 0,
            }),
            budget,
        }
    }

    /// The panel published for `key` when the counts were at `versions`, if kept.
    pub fn get(&self, key: &PanelKey, versions: &[i64]) -> Option<Arc<Panel>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.lru.get(key)?;
        (entry.versions == versions).then(|| entry.panel.clone())
    }

    pub fn put(&self, key: PanelKey, versions: Vec<i64>, panel: Arc<Panel>) {
        let size = panel.size();
        if size > self.budget {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = entries.lru.put(key, Entry { versions, panel }) {
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

impl Default for PanelCache {
    /// Room for about two million figures (some 40 MB).
    fn default() -> Self {
        Self::new(2_000_000)
    }
}
