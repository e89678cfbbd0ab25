//! What one request reads figures for: its municipalities and its viewer, with the count
//! versions read once. Panels come from the cache while their counts are unchanged.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::cache::PanelKey;
use super::panel::{Panel, PanelSpec, Populations, Publisher};
use super::panels;
use super::period::Range;
use crate::disclosure::Viewer;
use crate::error::Result;
use crate::kept::Stamp;
use crate::store::{ReferenceData, Store};

/// The municipalities a request reads figures for, and who reads.
pub struct Selection {
    rows: Arc<[String]>,
    /// True when `rows` is every municipality, so counts are read without a list.
    all: bool,
    viewer: Viewer,
    /// The sum of the rows' count versions, read once per request.
    count_versions: OnceCell<i64>,
}

impl Selection {
    pub fn new(rows: Vec<String>, all: bool, viewer: Viewer) -> Self {
        Self {
            rows: rows.into(),
            all,
            viewer,
            count_versions: OnceCell::new(),
        }
    }

    /// The municipalities, in order: the rows of every panel.
    pub fn rows(&self) -> &[String] {
        &self.rows
    }

    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// A panel over `range`, reused from the cache while the counts behind it are unchanged.
    pub async fn panel(
        &self,
        store: &Store,
        reference: &ReferenceData,
        spec: &PanelSpec,
        range: Range,
    ) -> Result<Arc<Panel>> {
        let reader = store.aggregate_reader(self.viewer.clone());
        let cache = store.panel_cache();
        let listed = (!self.all).then_some(&self.rows[..]);
        // Versions are read before the counts, so a kept panel is never older than the
        // versions it is kept under.
        let stamp = Stamp {
            counts: *self
                .count_versions
                .get_or_try_init(|| reader.count_versions(listed))
                .await?,
            reference: reference.version(),
        };
        if let Some(panel) = cache.get(&self.key(spec, range), stamp) {
            return Ok(panel);
        }
        // A panel is published with the panels it shares figures with (the one whose totals
        // it takes, the one it splits or is split by), all summed from one read of the counts,
        // and all are kept.
        let split = panels::split_of(spec);
        let first = split.map_or(spec, |s| s.whole);
        let metrics: Vec<&str> = [Some(first), first.totals_of, split.map(|s| s.parts)]
            .into_iter()
            .flatten()
            .map(|p| p.metric)
            .collect();
        let counts = reader
            .monthly_counts(&metrics, listed, range.from, range.to)
            .await?;
        let publisher = Publisher {
            rows: &self.rows,
            range: &range,
            counts: &counts,
            populations: Populations::new(reference),
            viewer: &self.viewer,
        };
        // A panel whose totals others take takes none itself.
        let totals = first
            .totals_of
            .map(|of| Arc::new(publisher.panel(of, None)));
        if let (Some(of), Some(totals)) = (first.totals_of, &totals) {
            cache.put(self.key(of, range), stamp, totals.clone());
        }
        let Some(split) = split else {
            let panel = Arc::new(publisher.panel(spec, totals.as_deref()));
            cache.put(self.key(spec, range), stamp, panel.clone());
            return Ok(panel);
        };
        let (whole, parts) = publisher.split(split, totals.as_deref());
        let (whole, parts) = (Arc::new(whole), Arc::new(parts));
        cache.put(self.key(split.whole, range), stamp, whole.clone());
        cache.put(self.key(split.parts, range), stamp, parts.clone());
        Ok(if spec.metric == split.whole.metric {
            whole
        } else {
            parts
        })
    }

    /// What a panel of this selection is kept under.
    fn key(&self, spec: &PanelSpec, range: Range) -> PanelKey {
        PanelKey {
            metric: spec.metric,
            rows: self.rows.clone(),
            range,
            own: self.viewer.own.iter().cloned().collect(),
            threshold: self.viewer.threshold,
        }
    }
}
