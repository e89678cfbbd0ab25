//! What one request reads figures for: its municipalities and its viewer, with the versions
//! of each calendar year read once. Each calendar year is published on its own and kept while
//! the year's versions are unchanged: a write of one year leaves the other years kept, their
//! counts not even read. A panel of a year that changed is published again only when the
//! counts it was published from changed; otherwise it is kept on ([`Inputs`]).
//!
//! Every panel is published over all municipalities, whichever the request names, and cut to
//! them afterwards ([`Panel::restricted`]). So a municipality's figure is shown or hidden
//! alike in every answer to the same viewer, and a joint figure of some municipalities is
//! shown only where the table of all of them gives it: two answers over different
//! municipalities cannot be differenced to find a hidden figure (one of Kristiansund and
//! Ålesund together, less one of Ålesund alone).
//!
//! Likewise a panel of one category whose totals are its own (and that no other panel bounds)
//! is published a calendar year at a time, its quarters beside its year and its months within
//! their quarters ([`PanelSpec::by_calendar_year`]), and every answer by month or quarter is
//! cut from that: answers by month, quarter and year cannot be differenced either (the year
//! less eleven shown months would give the twelfth).

use std::sync::Arc;

use chrono::Datelike;
use tokio::sync::OnceCell;

use super::cache::{Inputs, Layout, PanelCache, PanelKey, Publication};
use super::panel::{
    Panel, PanelPeriod, PanelSpec, Populations, PublishedBefore, PublishedYear, Publisher, Sums,
};
use super::panels;
use super::period::{Bucket, Range};
use crate::disclosure::Viewer;
use crate::error::{Error, Result};
use crate::kept::{Lookup, Stamp};
use crate::store::{AggregateReader, ReferenceData, Store, YearVersions};

/// The municipalities a request reads figures for, and who reads.
pub struct Selection {
    rows: Arc<[String]>,
    viewer: Viewer,
    /// Every municipality, in the reference data's order (and any the request names that the
    /// reference data lacks, as rows of zeros): the rows panels are published with.
    all: std::sync::OnceLock<Arc<[String]>>,
    /// The sums of every municipality's versions of each calendar year, read once per request.
    year_versions: OnceCell<YearVersions>,
    /// Held while one of the request's panels is published (see [`Self::panel`]).
    publishing: tokio::sync::Mutex<()>,
}

impl Selection {
    pub fn new(rows: Vec<String>, viewer: Viewer) -> Self {
        Self {
            rows: rows.into(),
            viewer,
            all: std::sync::OnceLock::new(),
            year_versions: OnceCell::new(),
            publishing: tokio::sync::Mutex::new(()),
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
        // One panel of the request at a time: panels share publications (the kits' calendar
        // year is the refills' too), which published side by side would be worked out twice.
        let _one_at_a_time = self.publishing.lock().await;
        let all = self.all(reference);
        let whole = self.published(store, reference, all, spec, range).await?;
        Ok(self.cut(all, whole))
    }

    /// A panel of every municipality (`all`) over `range`, joined from each calendar year's
    /// publication: by year ([`Self::year`]), or by month or quarter ([`Self::calendar_year`]
    /// for a panel of one category with totals of its own,
    /// [`Self::calendar_year_of_categories`] for the others). Each is kept on its own, so a
    /// write in one year leaves the others kept.
    async fn published(
        &self,
        store: &Store,
        reference: &ReferenceData,
        all: &Arc<[String]>,
        spec: &PanelSpec,
        range: Range,
    ) -> Result<Arc<Panel>> {
        let mut years = Vec::new();
        for year in range.whole_years().calendar_years() {
            let publication = match range.bucket {
                Bucket::Year => self.year(store, reference, all, spec, year).await?,
                _ if spec.by_calendar_year() => {
                    self.calendar_year(store, reference, all, spec, year, range.bucket)
                        .await?
                }
                _ => {
                    self.calendar_year_of_categories(
                        store,
                        reference,
                        all,
                        spec,
                        year,
                        range.bucket,
                    )
                    .await?
                }
            };
            years.push(publication.panel);
        }
        joined(years, range)
    }

    /// One calendar year (`year`, a range by year) of a panel by year, with the panels it
    /// shares figures with (the one whose totals it takes, the one it splits or is split by),
    /// all summed from one read of the counts, and all kept.
    async fn year(
        &self,
        store: &Store,
        reference: &ReferenceData,
        all: &Arc<[String]>,
        spec: &PanelSpec,
        year: Range,
    ) -> Result<Publication> {
        let reader = store.aggregate_reader(self.viewer.clone());
        let cache = store.panel_cache();
        let stamp = self.stamp(&reader, reference, year).await?;
        let key = |spec: &PanelSpec| self.key(all, spec, year, Layout::Periods);
        let split = panels::split_of(spec);
        let first = split.map_or(spec, |s| s.whole);
        let _turn = match cache.get_or_build(&key(spec), &key(first), stamp).await {
            Lookup::Kept(kept) => return Ok(kept),
            Lookup::Build(turn) => turn,
        };
        let specs: Vec<&PanelSpec> = [Some(first), first.totals_of, split.map(|s| s.parts)]
            .into_iter()
            .flatten()
            .collect();
        // The years of the panels bounding this one's counts, audited beside it.
        let bounded = panels::bounded_of(spec);
        let bounding_specs = bounded.map_or(&[][..], |b| b.beside);
        let mut bounding = Vec::new();
        for of in bounding_specs {
            let of_year = self.year(store, reference, all, of, year);
            bounding.push(Box::pin(of_year).await?);
        }
        let mut summed = specs.clone();
        summed.extend(bounding_specs);
        let sums = read_sums(&reader, &summed, all, &year).await?;
        let beside: Vec<&Inputs> = bounding.iter().map(|of| &of.inputs).collect();
        let inputs = Inputs::of(&sums, &beside);
        let keys = keys_asked_first(spec, &specs, key);
        if let Some(kept) = kept_again(cache, &keys, stamp, inputs) {
            return Ok(kept);
        }
        let publisher = self.publisher(&sums, reference);
        // Published from another read: where a write came between, it differs from this one.
        if !bounding_specs
            .iter()
            .zip(&bounding)
            .all(|(of, of_year)| publisher.shows_as_summed(of, &of_year.panel))
        {
            return Err(changed_while_read());
        }
        let published: Vec<(&PanelSpec, Panel)> = off_the_runtime(|| {
            // A panel whose totals others take takes none itself.
            let totals = first.totals_of.map(|of| (of, publisher.panel(of, None)));
            let taken = totals.as_ref().map(|(_, panel)| panel);
            let mut published = match (split, bounded) {
                (Some(split), _) => {
                    let (whole, parts) = publisher.split(split, taken);
                    vec![(split.whole, whole), (split.parts, parts)]
                }
                (None, Some(bounded)) => {
                    let beside: Vec<&Panel> = bounding.iter().map(|of| &*of.panel).collect();
                    vec![(spec, publisher.bounded_year(spec, bounded, &beside)?)]
                }
                (None, None) => vec![(spec, publisher.panel(spec, taken))],
            };
            published.extend(totals);
            Ok::<_, Error>(published)
        })?;
        let mut asked = None;
        for (published_spec, panel) in published {
            let publication = Publication {
                panel: Arc::new(panel),
                inputs,
            };
            cache.put(key(published_spec), stamp, publication.clone());
            if published_spec.metric == spec.metric {
                asked = Some(publication);
            }
        }
        asked.ok_or_else(|| Error::Internal(format!("{} was not published", spec.metric)))
    }

    /// One calendar year (`year`, a range by year) of a panel published a calendar year at a
    /// time, by `bucket`: its quarters as one table with the year's figures, each quarter
    /// split into its months ([`Publisher::quarters_and_months`]). Every answer by month or
    /// quarter is cut from these, so the months, quarters and year are protected together,
    /// whichever answers show them (the year less three shown quarters would give the
    /// fourth, a quarter less two shown months the third).
    async fn calendar_year(
        &self,
        store: &Store,
        reference: &ReferenceData,
        all: &Arc<[String]>,
        spec: &PanelSpec,
        year: Range,
        bucket: Bucket,
    ) -> Result<Publication> {
        if !spec.by_calendar_year() || bucket == Bucket::Year {
            return Err(Error::Internal(format!(
                "{} by {bucket:?} is not published a calendar year at a time",
                spec.metric
            )));
        }
        if year != year.whole_years() || year.periods().len() != 1 {
            return Err(Error::Internal(format!(
                "a calendar year's publication needs one calendar year, not {year:?}"
            )));
        }
        let reader = store.aggregate_reader(self.viewer.clone());
        let cache = store.panel_cache();
        let stamp = self.stamp(&reader, reference, year).await?;
        let key = |bucket| self.key(all, spec, Range { bucket, ..year }, Layout::CalendarYear);
        // Months and quarters are published together.
        let (asked, built_with) = (key(bucket), key(Bucket::Month));
        let _turn = match cache.get_or_build(&asked, &built_with, stamp).await {
            Lookup::Kept(kept) => return Ok(kept),
            Lookup::Build(turn) => turn,
        };
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
        let inputs = Inputs::of(&by_month, &[]);
        let keys = [key(bucket), key(other_than(bucket))];
        if let Some(kept) = kept_again(cache, &keys, stamp, inputs) {
            return Ok(kept);
        }
        let publisher = |sums| self.publisher(sums, reference);
        let shown_year = publisher(&by_year).panel(spec, None);
        // The year must be the one every answer by year shows: where that is kept and
        // differs, a write came between the reads, and the table would share figures that
        // differ; where it is not kept yet, this one is. It is what `Self::year` publishes
        // from the same read, inputs included.
        let year_key = self.key(all, spec, year, Layout::Periods);
        let year_inputs = Inputs::of(&by_year, &[]);
        let shown_year = keep_consistent(cache, year_key, stamp, shown_year, year_inputs)?;
        let quarters = Range {
            bucket: Bucket::Quarter,
            ..year
        };
        let (quarters, months) = off_the_runtime(|| {
            publisher(&by_month).quarters_and_months(spec, &shown_year.panel, &quarters.periods())
        })?;
        // Both are kept; one kept already (the other fell out of the cache) must be these.
        let mut asked = None;
        for (published, fresh) in [(Bucket::Month, months), (Bucket::Quarter, quarters)] {
            let fresh = keep_consistent(cache, key(published), stamp, fresh, inputs)?;
            if published == bucket {
                asked = Some(fresh);
            }
        }
        asked.ok_or_else(|| Error::Internal(format!("{bucket:?} is neither month nor quarter")))
    }

    /// One calendar year (`year`, a range by year) of a panel of several categories (or one
    /// whose totals are another's), by `bucket`: its months and quarters, with the panel it
    /// splits or that splits it, published beside the year's figures as the answer by year
    /// shows them and with their totals as that panel's months and quarters show them
    /// ([`Publisher::categories_by_quarter_and_month`]). Every answer by month or quarter is
    /// cut from these, so a category's year less its shown months gives no hidden month.
    async fn calendar_year_of_categories(
        &self,
        store: &Store,
        reference: &ReferenceData,
        all: &Arc<[String]>,
        spec: &PanelSpec,
        year: Range,
        bucket: Bucket,
    ) -> Result<Publication> {
        if year != year.whole_years() || year.periods().len() != 1 || bucket == Bucket::Year {
            return Err(Error::Internal(format!(
                "{} by {bucket:?} over {year:?} is not a calendar year's months or quarters",
                spec.metric
            )));
        }
        let reader = store.aggregate_reader(self.viewer.clone());
        let cache = store.panel_cache();
        let stamp = self.stamp(&reader, reference, year).await?;
        let key = |spec: &PanelSpec, bucket| {
            self.key(all, spec, Range { bucket, ..year }, Layout::CalendarYear)
        };
        let split = panels::split_of(spec);
        let first = split.map_or(spec, |s| s.whole);
        // A split's panels are published together, by month and quarter.
        let (asked, built_with) = (key(spec, bucket), key(first, Bucket::Month));
        let _turn = match cache.get_or_build(&asked, &built_with, stamp).await {
            Lookup::Kept(kept) => return Ok(kept),
            Lookup::Build(turn) => turn,
        };
        let specs: Vec<&PanelSpec> = [Some(first), split.map(|s| s.parts)]
            .into_iter()
            .flatten()
            .collect();
        // The years as every answer by year shows them, and the totals' months and quarters.
        let mut years = Vec::new();
        for spec in &specs {
            years.push(self.year(store, reference, all, spec, year).await?);
        }
        let totals = match first.totals_of {
            Some(of) => {
                let by_month = self
                    .calendar_year(store, reference, all, of, year, Bucket::Month)
                    .await?;
                let by_quarter = self
                    .calendar_year(store, reference, all, of, year, Bucket::Quarter)
                    .await?;
                Some((of, by_month, by_quarter))
            }
            None => None,
        };
        // The panels sharing the totals that are published before this one, and those
        // bounding its counts (last), audited beside it: their year, months and quarters.
        let sharing = panels::published_before(first).iter().map(|p| (*p, false));
        let bounded = panels::bounded_of(first);
        let bounding = bounded
            .into_iter()
            .flat_map(|b| b.beside.iter().map(|p| (*p, true)));
        // Collected: an iterator of closures held across the awaits below trips the check
        // that the future is `Send`.
        let besides: Vec<(&PanelSpec, bool)> = sharing.chain(bounding).collect();
        let mut before = Vec::new();
        for (other, bounding) in besides {
            let of_other = self
                .year_publications(store, reference, all, other, year)
                .await?;
            let parts = match panels::split_of(other) {
                Some(split) => {
                    let parts = split.parts;
                    let of_parts = self.year_publications(store, reference, all, parts, year);
                    Some((split, of_parts.await?))
                }
                None => None,
            };
            before.push((of_other, parts, bounding));
        }
        let before_each = || {
            before
                .iter()
                .flat_map(|(panel, parts, _)| [Some(panel), parts.as_ref().map(|(_, p)| p)])
                .flatten()
        };
        let months = Range {
            bucket: Bucket::Month,
            ..year
        };
        let mut summed: Vec<&PanelSpec> = specs.clone();
        summed.extend(totals.as_ref().map(|(of, _, _)| *of));
        summed.extend(before_each().map(|p| p.spec));
        let sums = read_sums(&reader, &summed, all, &months).await?;
        let beside: Vec<&Inputs> = years
            .iter()
            .map(|year| &year.inputs)
            .chain(totals.iter().flat_map(|(_, m, q)| [&m.inputs, &q.inputs]))
            .chain(
                before_each()
                    .flat_map(|p| [&p.year.inputs, &p.by_month.inputs, &p.by_quarter.inputs]),
            )
            .collect();
        let inputs = Inputs::of(&sums, &beside);
        let keys: Vec<PanelKey> = keys_asked_first(spec, &specs, |s| key(s, bucket))
            .into_iter()
            .chain(specs.iter().map(|s| key(s, other_than(bucket))))
            .collect();
        if let Some(kept) = kept_again(cache, &keys, stamp, inputs) {
            return Ok(kept);
        }
        let publisher = self.publisher(&sums, reference);
        // Published from other reads: where a write came between, they differ from this one.
        let years_agree = specs
            .iter()
            .zip(&years)
            .all(|(spec, year)| publisher.shows_as_summed(spec, &year.panel));
        let totals_agree = totals.as_ref().is_none_or(|(of, by_month, by_quarter)| {
            publisher.shows_as_summed(of, &by_month.panel)
                && publisher.shows_as_summed(of, &by_quarter.panel)
        });
        let before_agrees = before_each().all(|p| {
            [&p.year, &p.by_month, &p.by_quarter]
                .iter()
                .all(|published| publisher.shows_as_summed(p.spec, &published.panel))
        });
        if !years_agree || !totals_agree || !before_agrees {
            return Err(changed_while_read());
        }
        let quarters = Range {
            bucket: Bucket::Quarter,
            ..year
        }
        .periods();
        let year_panels: Vec<Arc<Panel>> = years.iter().map(|y| y.panel.clone()).collect();
        let before: Vec<PublishedBefore> = before
            .iter()
            .map(|(panel, parts, bounding)| PublishedBefore {
                panel: panel.as_published(),
                parts: parts.as_ref().map(|(split, p)| (*split, p.as_published())),
                bounding: *bounding,
            })
            .collect();
        let published = off_the_runtime(|| {
            publisher.categories_by_quarter_and_month(
                &specs,
                split,
                &year_panels,
                totals.as_ref().map(|(_, m, q)| (&*m.panel, &*q.panel)),
                &before,
                &quarters,
            )
        })?;
        let mut asked = None;
        for (spec_published, (by_quarter, by_month)) in specs.iter().zip(published) {
            for (published, fresh) in [(Bucket::Quarter, by_quarter), (Bucket::Month, by_month)] {
                let fresh =
                    keep_consistent(cache, key(spec_published, published), stamp, fresh, inputs)?;
                if spec_published.metric == spec.metric && published == bucket {
                    asked = Some(fresh);
                }
            }
        }
        asked.ok_or_else(|| Error::Internal(format!("{} was not published", spec.metric)))
    }

    /// A calendar year of a panel (of several categories, or of one published a calendar
    /// year at a time) as published by year, month and quarter, for a panel audited beside
    /// it.
    async fn year_publications(
        &self,
        store: &Store,
        reference: &ReferenceData,
        all: &Arc<[String]>,
        spec: &'static PanelSpec,
        year: Range,
    ) -> Result<YearPublications> {
        let of_year = self.year(store, reference, all, spec, year).await?;
        // Publishing a panel by month publishes it by quarter too: the second is kept.
        let (by_month, by_quarter) = if spec.by_calendar_year() {
            let by = |bucket| self.calendar_year(store, reference, all, spec, year, bucket);
            (by(Bucket::Month).await?, by(Bucket::Quarter).await?)
        } else {
            let by = |bucket| {
                Box::pin(
                    self.calendar_year_of_categories(store, reference, all, spec, year, bucket),
                )
            };
            (by(Bucket::Month).await?, by(Bucket::Quarter).await?)
        };
        Ok(YearPublications {
            spec,
            year: of_year,
            by_month,
            by_quarter,
        })
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

    /// What kept panels of the calendar year `year` are checked against: the sum of the
    /// versions of that year (read once per request), which every write of its counts raises,
    /// and the reference data's version. Versions are read before the counts, so a kept panel
    /// is never older than the versions it is kept under.
    async fn stamp(
        &self,
        reader: &AggregateReader<'_>,
        reference: &ReferenceData,
        year: Range,
    ) -> Result<Stamp> {
        let versions = self
            .year_versions
            .get_or_try_init(|| reader.count_year_versions())
            .await?;
        Ok(Stamp {
            counts: versions.of(year.from.year()),
            reference: reference.version(),
        })
    }

    /// This viewer's publisher of the counts `sums`.
    fn publisher<'a>(&'a self, sums: &'a Sums, reference: &'a ReferenceData) -> Publisher<'a> {
        Publisher {
            sums,
            populations: Populations::new(reference),
            viewer: &self.viewer,
        }
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
            audit_limit: self.viewer.audit_limit,
        }
    }
}

/// A panel's calendar year as published by year, month and quarter.
struct YearPublications {
    spec: &'static PanelSpec,
    year: Publication,
    by_month: Publication,
    by_quarter: Publication,
}

impl YearPublications {
    fn as_published(&self) -> PublishedYear<'_> {
        PublishedYear {
            spec: self.spec,
            year: &self.year.panel,
            by_month: &self.by_month.panel,
            by_quarter: &self.by_quarter.panel,
        }
    }
}

/// The counts of `specs`' metrics for `rows` over `range`, summed into its periods in one read.
async fn read_sums(
    reader: &AggregateReader<'_>,
    specs: &[&PanelSpec],
    rows: &[String],
    range: &Range,
) -> Result<Sums> {
    let metrics: Vec<&str> = specs.iter().map(|s| s.metric).collect();
    let mut sums = Sums::new(specs, rows, range);
    reader
        .fold_monthly_counts(&metrics, range.from, range.to, |count| sums.add(count))
        .await?;
    Ok(sums)
}

/// Keeps `fresh`, published from `inputs`, under `key` as published at `stamp`, unless a panel
/// published at `stamp` is kept there already: that one must be the same, or a write came
/// between the two reads.
fn keep_consistent(
    cache: &PanelCache,
    key: PanelKey,
    stamp: Stamp,
    fresh: Panel,
    inputs: Inputs,
) -> Result<Publication> {
    let fresh = Publication {
        panel: Arc::new(fresh),
        inputs,
    };
    match cache.keep_or_kept(key, stamp, fresh.clone()) {
        Some(kept) if kept.panel != fresh.panel => Err(changed_while_read()),
        _ => Ok(fresh),
    }
}

/// The first of `keys` as kept from `inputs` under the same reference data, when it was kept
/// at an earlier stamp: the counts changed since, but not the ones it was published from, so
/// publishing it again would give it again. It is kept at `stamp` now, and so is every other
/// of `keys` (published with it) kept from the same inputs.
fn kept_again(
    cache: &PanelCache,
    keys: &[PanelKey],
    stamp: Stamp,
    inputs: Inputs,
) -> Option<Publication> {
    let unchanged = |key: &PanelKey| {
        cache.keep_on(key, stamp, |at, kept: &Publication| {
            kept.inputs == inputs && at.reference == stamp.reference
        })
    };
    let (asked, others) = keys.split_first()?;
    let kept = unchanged(asked)?;
    for key in others {
        unchanged(key);
    }
    Some(kept)
}

/// The keys of `specs` (published together, the asked `spec` among them), `spec`'s first.
fn keys_asked_first(
    spec: &PanelSpec,
    specs: &[&PanelSpec],
    key: impl Fn(&PanelSpec) -> PanelKey,
) -> Vec<PanelKey> {
    std::iter::once(spec)
        .chain(specs.iter().copied().filter(|s| s.metric != spec.metric))
        .map(key)
        .collect()
}

/// The bucket published beside `bucket` (a month's or a quarter's) in a calendar year.
fn other_than(bucket: Bucket) -> Bucket {
    match bucket {
        Bucket::Month => Bucket::Quarter,
        _ => Bucket::Month,
    }
}

/// Runs `publish` (at national scale up to seconds of work, on every core) without holding up
/// the other requests this runtime thread serves: on a runtime of several threads, the thread
/// hands them to another first ([`tokio::task::block_in_place`]).
fn off_the_runtime<T>(publish: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(runtime) if runtime.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(publish)
        }
        _ => publish(),
    }
}

/// A panel over `range` of the calendar years' panels that cover it, in order.
fn joined(years: Vec<Arc<Panel>>, range: Range) -> Result<Arc<Panel>> {
    let within =
        |period: &PanelPeriod| period.period.from.0 >= range.from && period.period.to.0 <= range.to;
    let Some(first) = years.first() else {
        return Err(Error::Internal(format!(
            "{range:?} falls in no calendar year"
        )));
    };
    if let [only] = &years[..]
        && only.periods.iter().all(within)
    {
        return Ok(only.clone());
    }
    Ok(Arc::new(Panel {
        categories: first.categories.clone(),
        rows: first.rows.clone(),
        periods: years
            .iter()
            .flat_map(|year| &year.periods)
            .filter(|p| within(p))
            .cloned()
            .collect(),
    }))
}

/// Figures that should be equal differed: a write came between two reads of one request.
fn changed_while_read() -> Error {
    Error::Conflict("the figures changed while they were read; ask again".to_owned())
}
