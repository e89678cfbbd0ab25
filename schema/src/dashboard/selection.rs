//! What one request reads figures for: its municipalities and its viewer, with the count
//! versions read once. Panels come from the cache while their counts are unchanged.

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::cache::PanelKey;
use super::panel::{Panel, PanelSpec, Populations, build_panel};
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
        let key = PanelKey {
            metric: spec.metric,
            rows: self.rows.clone(),
            range,
            own: self.viewer.own.iter().cloned().collect(),
            threshold: self.viewer.threshold,
        };
        if let Some(panel) = cache.get(&key, stamp) {
            return Ok(panel);
        }
        let counts = reader
            .monthly_counts(spec.metric, listed, range.from, range.to)
            .await?;
        let panel = Arc::new(build_panel(
            spec,
            &self.rows,
            &range,
            &counts,
            &Populations::new(reference),
            &self.viewer,
        ));
        cache.put(key, stamp, panel.clone());
        Ok(panel)
    }
}
