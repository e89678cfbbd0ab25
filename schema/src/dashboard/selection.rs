//! What one request reads figures for: its municipalities and its viewer, with the count
//! versions read once. Panels come from the cache while their counts are unchanged.
//!
//! Every panel is published over all municipalities, whichever the request names, and cut to
//! them afterwards ([`Panel::restricted`]). So a municipality's figure is shown or hidden
//! alike in every answer to the same viewer, and a joint figure of some municipalities is
//! shown only where the table of all of them gives it: two answers over different
//! municipalities cannot be differenced to find a hidden figure (one of Kristiansund and
//! Ålesund together, less one of Ålesund alone).

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::cache::{Layout, PanelKey};
use super::panel::{Panel, PanelSpec, Populations, Publisher, Sums};
use super::panels;
use super::period::{Bucket, Range};
use crate::disclosure::Viewer;
use crate::error::{Error, Result};
use crate::kept::Stamp;
use crate::store::{AggregateReader, ReferenceData, Store};

/// The municipalities a request reads figures for, and who reads.
pub struct Selection {
    rows: Arc<[String]>,
    viewer: Viewer,
    /// Every municipality, in the reference data's order (and any the request names that the
    /// reference data lacks, as rows of zeros): the rows panels are published with.
    all: std::sync::OnceLock<Arc<[String]>>,
    /// The sum of every municipality's count version, read once per request.
    count_versions: OnceCell<i64>,
}

impl Selection {
    pub fn new(rows: Vec<String>, viewer: Viewer) -> Self {
        Self {
            rows: rows.into(),
            viewer,
            all: std::sync::OnceLock::new(),
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

    /// A panel of the request's municipalities over `range`.
    pub async fn panel(
        &self,
        store: &Store,
        reference: &ReferenceData,
        spec: &PanelSpec,
        range: Range,
    ) -> Result<Arc<Panel>> {
        let all = self.all(reference);
        let whole = self.published(store, reference, all, spec, range).await?;
        Ok(self.cut(all, whole))
    }

    /// The months of `year` (a range of one calendar year, by year) of a panel of one
    /// category whose totals are its own and shared by no split (`incidents`, `naloxoneKits`,
    /// `naloxoneDistributions`), published as one table with the year's figures
    /// ([`Publisher::periods_with_whole`]): what an answer that shows the year beside its
    /// months may show of them. It hides what the panel by month hides, and more where the
    /// year would give a hidden month away.
    pub async fn months_with_year(
        &self,
        store: &Store,
        reference: &ReferenceData,
        spec: &PanelSpec,
        year: Range,
    ) -> Result<Arc<Panel>> {
        let one_category = (spec.categories)().len() == 1;
        let own_totals = spec.totals_of.is_none() && panels::split_of(spec).is_none();
        if !(one_category && own_totals && spec.withheld.is_empty()) {
            return Err(Error::Internal(format!(
                "{} is not a panel of one category with totals of its own",
                spec.metric
            )));
        }
        if year != year.whole_years() || year.periods().len() != 1 {
            return Err(Error::Internal(format!(
                "months with their year need one calendar year, not {year:?}"
            )));
        }
        let all = self.all(reference);
        let reader = store.aggregate_reader(self.viewer.clone());
        let cache = store.panel_cache();
        let stamp = self.stamp(&reader, reference).await?;
        let key = self.key(all, spec, year, Layout::PeriodsWithWhole);
        if let Some(panel) = cache.get(&key, stamp) {
            return Ok(self.cut(all, panel));
        }
        let months = Range {
            bucket: Bucket::Month,
            ..year
        };
        // The year and the months from one read of the counts, for the table of both.
        let mut by_month = Sums::new(&[spec], all, &months);
        let mut by_year = Sums::new(&[spec], all, &year);
        reader
            .fold_monthly_counts(&[spec.metric], year.from, year.to, |count| {
                by_month.add(count);
                by_year.add(count);
            })
            .await?;
        let publisher = |sums| Publisher {
            sums,
            populations: Populations::new(reference),
            viewer: &self.viewer,
        };
        let shown_year = publisher(&by_year).panel(spec, None);
        let shown_months = publisher(&by_month).panel(spec, None);
        // They must be the year and the months every other answer shows: where those are kept
        // and differ, a write came between the reads, and the table would share figures that
        // differ; where they are not kept yet, these are.
        for (range, fresh) in [(year, &shown_year), (months, &shown_months)] {
            let key = self.key(all, spec, range, Layout::Periods);
            match cache.get(&key, stamp) {
                Some(kept) if *kept != *fresh => {
                    return Err(Error::Conflict(
                        "the figures changed while they were read; ask again".to_owned(),
                    ));
                }
                Some(_) => {}
                None => cache.put(key, stamp, Arc::new(fresh.clone())),
            }
        }
        let panel =
            Arc::new(publisher(&by_month).periods_with_whole(spec, &shown_months, &shown_year)?);
        cache.put(key, stamp, panel.clone());
        Ok(self.cut(all, panel))
    }

    /// Every municipality, in the reference data's order, and any the request names that the
    /// reference data lacks: the rows panels are published with.
    fn all(&self, reference: &ReferenceData) -> &Arc<[String]> {
        self.all.get_or_init(|| {
            let mut all: Vec<String> = reference
                .municipalities()
                .iter()
                .map(|m| m.kommunenummer.clone())
                .collect();
            for k in self.rows.iter() {
                if !all.contains(k) {
                    all.push(k.clone());
                }
            }
            all.into()
        })
    }

    /// A panel of every municipality cut to the request's.
    fn cut(&self, all: &Arc<[String]>, whole: Arc<Panel>) -> Arc<Panel> {
        if self.rows == *all {
            whole
        } else {
            Arc::new(whole.restricted(&self.rows))
        }
    }

    /// What kept panels are checked against: the count versions, read once per request, and
    /// the reference data's version. Versions are read before the counts, so a kept panel is
    /// never older than the versions it is kept under.
    async fn stamp(
        &self,
        reader: &AggregateReader<'_>,
        reference: &ReferenceData,
    ) -> Result<Stamp> {
        Ok(Stamp {
            counts: *self
                .count_versions
                .get_or_try_init(|| reader.count_versions())
                .await?,
            reference: reference.version(),
        })
    }

    /// A panel of every municipality (`all`) over `range`, reused from the cache while the
    /// counts behind it are unchanged.
    async fn published(
        &self,
        store: &Store,
        reference: &ReferenceData,
        all: &Arc<[String]>,
        spec: &PanelSpec,
        range: Range,
    ) -> Result<Arc<Panel>> {
        let reader = store.aggregate_reader(self.viewer.clone());
        let cache = store.panel_cache();
        let stamp = self.stamp(&reader, reference).await?;
        let key = |spec: &PanelSpec| self.key(all, spec, range, Layout::Periods);
        if let Some(panel) = cache.get(&key(spec), stamp) {
            return Ok(panel);
        }
        // A panel is published with the panels it shares figures with (the one whose totals
        // it takes, the one it splits or is split by), all summed from one read of the counts,
        // and all are kept.
        let split = panels::split_of(spec);
        let first = split.map_or(spec, |s| s.whole);
        let specs: Vec<&PanelSpec> = [Some(first), first.totals_of, split.map(|s| s.parts)]
            .into_iter()
            .flatten()
            .collect();
        let metrics: Vec<&str> = specs.iter().map(|p| p.metric).collect();
        let mut sums = Sums::new(&specs, all, &range);
        reader
            .fold_monthly_counts(&metrics, range.from, range.to, |count| sums.add(count))
            .await?;
        let publisher = Publisher {
            sums: &sums,
            populations: Populations::new(reference),
            viewer: &self.viewer,
        };
        // A panel whose totals others take takes none itself.
        let totals = first
            .totals_of
            .map(|of| Arc::new(publisher.panel(of, None)));
        if let (Some(of), Some(totals)) = (first.totals_of, &totals) {
            cache.put(key(of), stamp, totals.clone());
        }
        let Some(split) = split else {
            let panel = Arc::new(publisher.panel(spec, totals.as_deref()));
            cache.put(key(spec), stamp, panel.clone());
            return Ok(panel);
        };
        let (whole, parts) = publisher.split(split, totals.as_deref());
        let (whole, parts) = (Arc::new(whole), Arc::new(parts));
        cache.put(key(split.whole), stamp, whole.clone());
        cache.put(key(split.parts), stamp, parts.clone());
        Ok(if spec.metric == split.whole.metric {
            whole
        } else {
            parts
        })
    }

    /// What a panel of `rows` for this viewer is kept under.
    fn key(
        &self,
        rows: &Arc<[String]>,
        spec: &PanelSpec,
        range: Range,
        layout: Layout,
    ) -> PanelKey {
        PanelKey {
            metric: spec.metric,
            rows: rows.clone(),
            range,
            layout,
            own: self.viewer.own.iter().cloned().collect(),
            threshold: self.viewer.threshold,
        }
    }
}
