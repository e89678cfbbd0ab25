//! What one request reads figures for: its municipalities and its viewer, with the count
//! versions read once. Panels come from the cache while their counts are unchanged.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::cache::PanelKey;
use super::panel::{Panel, PanelSpec, Populations, build_panel, build_split};
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
    /// A panel that shares figures with another is published after it (its totals) or
    /// together with it (a split), so the two agree on what is hidden.
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
        let split = panels::split_of(spec);
        let first = split.map_or(spec, |s| s.whole);
        let totals = match first.totals_of {
            Some(of) => Some(Box::pin(self.panel(store, reference, of, range)).await?),
            None => None,
        };
        let counts = reader
            .monthly_counts(first.metric, listed, range.from, range.to)
            .await?;
        let populations = Populations::new(reference);
        let Some(split) = split else {
            let panel = Arc::new(build_panel(
                spec,
                &self.rows,
                &range,
                &counts,
                &populations,
                &self.viewer,
                totals.as_deref(),
            ));
            cache.put(self.key(spec, range), stamp, panel.clone());
            return Ok(panel);
        };
        let parts_counts = reader
            .monthly_counts(split.parts.metric, listed, range.from, range.to)
            .await?;
        let (whole, parts) = build_split(
            split,
            &self.rows,
            &range,
            (&counts, &parts_counts),
            &populations,
            &self.viewer,
            totals.as_deref(),
        );
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
