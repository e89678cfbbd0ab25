//! One dashboard panel: a metric's counts over the periods of a range, a table per period with
//! a row per municipality and a column per category, published through disclosure control.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::Datelike;
use sha2::{Digest, Sha256};

use super::figures::Figures;
use super::period::{Period, Range};
use crate::disclosure::{self, Positions, Published, Shown, Table, Viewer};
use crate::domain::Coded;
use crate::error::{Error, Result};
use crate::store::{MonthlyCount, ReferenceData};

/// What a panel shows: a kept metric and its categories in display order.
#[derive(Debug, Clone, Copy)]
pub struct PanelSpec {
    pub metric: &'static str,
    pub categories: fn() -> Vec<Category>,
    /// Categories never shown per municipality for a municipality the viewer does not own.
    pub withheld: &'static [&'static str],
    /// The panel whose figures this panel's municipality totals and joint total are (every
    /// incident panel's totals are the `incidents` panel's): they are hidden here exactly
    /// where hidden there.
    pub totals_of: Option<&'static PanelSpec>,
}

impl PanelSpec {
    /// Whether the panel is published a calendar year at a time: a panel of one category
    /// whose totals are its own and whose counts no other panel bounds (`incidents`,
    /// `naloxoneKits`). Its quarters and its year are then one table, a row per municipality
    /// and a column per quarter with the year as row totals, each quarter split by a table of
    /// its months, and every answer by month or quarter is cut from these: published apart, a
    /// year less eleven shown months would give the twelfth. A bounded panel of one category
    /// (`naloxoneDistributions`, `naloxonePeopleTrained`) is published as the panels of
    /// several categories are, which protect its months and quarters the same way and audit
    /// them beside the panels bounding it.
    pub fn by_calendar_year(&self) -> bool {
        let own_totals = self.totals_of.is_none() && super::panels::split_of(self).is_none();
        let unbounded = super::panels::bounded_of(self).is_none();
        own_totals && unbounded && self.withheld.is_empty() && (self.categories)().len() == 1
    }
}

/// A panel that splits a column of another: its municipality totals are that column's cells
/// and its joint total the column's joint figure (`followUpOffered` splits the non-fatal
/// incidents of `incidentsByOutcome`). The two share figures, so they are published together.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    pub whole: &'static PanelSpec,
    pub column: &'static str,
    pub parts: &'static PanelSpec,
}

/// A panel whose counts panels published before it bound month by month rather than add up
/// to: an incident names one or more suspected substances, a hand-out gives one kit or more
/// and trains its recipient or not.
/// Published apart, shown figures that meet a hidden one from both sides pin it down, so the
/// panel is audited beside them ([`disclosure::RowBound`]).
#[derive(Debug, Clone, Copy)]
pub struct Bounded {
    pub panel: &'static PanelSpec,
    /// The panels bounding it: panel `k` of a bound is the `k`-th of them, panel 0 this one.
    pub beside: &'static [&'static PanelSpec],
    /// Each bound's terms, which add up to at most zero in every municipality's every month.
    pub bounds: fn() -> Vec<Vec<BoundTerm>>,
}

/// `sign` times a panel's count in a category, or in all of them (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundTerm {
    pub panel: usize,
    pub category: Option<&'static str>,
    pub sign: i64,
}

impl Bounded {
    /// The bounds, each category by its column, the panels beside numbered from
    /// `first_beside` on (where others are published before them); `None` where a term names a
    /// panel or a category there is not.
    pub fn row_bounds(&self, first_beside: usize) -> Option<Vec<disclosure::RowBound>> {
        let panels: Vec<&PanelSpec> = std::iter::once(self.panel)
            .chain(self.beside.iter().copied())
            .collect();
        let term = |t: BoundTerm| {
            let categories = (panels.get(t.panel)?.categories)();
            let column = match t.category {
                Some(code) => Some(categories.iter().position(|c| c.code == code)?),
                None => None,
            };
            Some(disclosure::Term {
                panel: if t.panel == 0 {
                    0
                } else {
                    t.panel - 1 + first_beside
                },
                column,
                sign: t.sign,
            })
        };
        (self.bounds)()
            .into_iter()
            .map(|terms| {
                let terms = terms.into_iter().map(term);
                terms.collect::<Option<Vec<_>>>().map(disclosure::RowBound)
            })
            .collect()
    }
}

/// A column of a panel.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
pub struct Category {
    pub code: String,
    /// The bokmål label.
    pub label: String,
}

impl Category {
    pub fn new(code: &str, label: &str) -> Self {
        Self {
            code: code.to_owned(),
            label: label.to_owned(),
        }
    }

    /// Every value of a code list.
    pub fn all<T: Coded>() -> Vec<Category> {
        T::ALL
            .iter()
            .map(|v| Category::new(v.code(), v.label_nb()))
            .collect()
    }
}

/// One published figure. `value` is null when it is suppressed; so are the rate and the share
/// built on it.
#[derive(Debug, Clone, PartialEq, async_graphql::SimpleObject)]
pub struct CountCell {
    /// The municipality, or null for the joint figure of all the panel's municipalities.
    pub kommunenummer: Option<String>,
    /// The category, or null for the total over categories.
    pub category: Option<String>,
    pub value: Option<u64>,
    pub suppressed: bool,
    /// Per 10,000 inhabitants in the period, by the population of the period's year.
    #[graphql(name = "ratePer10k")]
    pub rate_per_10k: Option<f64>,
    /// The figure's share of its municipality's total (of the joint total for joint figures),
    /// from 0 to 1; null for totals.
    pub share: Option<f64>,
}

/// One figure of a panel over all its periods, for charts: a null value is suppressed, and so
/// are the rates and shares built on it.
#[derive(Debug, Clone, PartialEq, async_graphql::SimpleObject)]
pub struct CountSeries {
    /// The municipality, or null for the joint figures.
    pub kommunenummer: Option<String>,
    /// The category, or null for the totals over categories.
    pub category: Option<String>,
    pub values: Vec<Option<u64>>,
    #[graphql(name = "ratesPer10k")]
    pub rates_per_10k: Vec<Option<f64>>,
    /// Each figure's share of its municipality's total (of the joint total for joint
    /// figures); empty for totals.
    pub shares: Vec<Option<f64>>,
}

/// A figure of one period for a series: its value, the population its rate is per, and the
/// total its share is of (`None` for totals, which have no share).
type SeriesFigure = (Option<u64>, Option<u64>, Option<Option<u64>>);

/// A published panel, kept compact (it is cached): figures become cells only when asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub categories: Vec<Category>,
    pub rows: Vec<String>,
    pub periods: Vec<PanelPeriod>,
}

/// A panel published by month and quarter before another that shares its totals
/// ([`super::panels::published_before`]) or bounds its counts ([`Bounded`]), with the panel
/// that splits one of its columns.
pub struct PublishedBefore<'a> {
    pub panel: PublishedYear<'a>,
    pub parts: Option<(&'a Split, PublishedYear<'a>)>,
    /// Whether it bounds the counts of the panel audited beside it, rather than sharing its
    /// totals.
    pub bounding: bool,
}

/// A panel's calendar year as published: by year, by month and by quarter.
pub struct PublishedYear<'a> {
    pub spec: &'a PanelSpec,
    pub year: &'a Panel,
    pub by_month: &'a Panel,
    pub by_quarter: &'a Panel,
}

/// Each municipality's population of a year, shared by the periods of the year.
type YearPopulations = Arc<[Option<u64>]>;

/// A panel's published figures for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelPeriod {
    pub period: Period,
    figures: Figures,
    populations: YearPopulations,
    joint_population: Option<u64>,
}

/// Inhabitants per municipality and year, as the reference data has them.
#[derive(Debug, Clone, Copy)]
pub struct Populations<'a>(&'a ReferenceData);

impl<'a> Populations<'a> {
    pub fn new(reference: &'a ReferenceData) -> Self {
        Self(reference)
    }

    fn of(&self, kommunenummer: &str, year: i32) -> Option<u64> {
        self.0
            .populations_of(kommunenummer)
            .iter()
            .find(|p| p.year == year)
            .and_then(|p| u64::try_from(p.population).ok())
            .filter(|p| *p > 0)
    }

    /// The population of all the rows together, if every one is known.
    fn joint(&self, rows: &[String], year: i32) -> Option<u64> {
        rows.iter().map(|k| self.of(k, year)).sum()
    }
}

fn rate_per_10k(value: Option<u64>, population: Option<u64>) -> Option<f64> {
    let rate = disclosure::rate_per_10k(value, population)?;
    Some((rate * 100.0).round() / 100.0)
}

fn share(value: Option<u64>, of: Option<u64>) -> Option<f64> {
    match (value, of) {
        (Some(v), Some(total)) if total > 0 => {
            Some((v as f64 / total as f64 * 10_000.0).round() / 10_000.0)
        }
        _ => None,
    }
}

fn cell(
    kommunenummer: Option<&str>,
    category: Option<&str>,
    value: Option<u64>,
    population: Option<u64>,
    of: Option<Option<u64>>,
) -> CountCell {
    CountCell {
        kommunenummer: kommunenummer.map(str::to_owned),
        category: category.map(str::to_owned),
        value,
        suppressed: value.is_none(),
        rate_per_10k: rate_per_10k(value, population),
        share: of.and_then(|of| share(value, of)),
    }
}

impl Panel {
    /// How many figures the panel holds, for bounding the cache.
    pub fn size(&self) -> usize {
        self.periods.len() * (self.rows.len() + 1) * (self.categories.len() + 1)
    }

    /// One cell per municipality and category, municipality by municipality.
    pub fn cells(&self, p: usize) -> Vec<CountCell> {
        let period = &self.periods[p];
        let mut cells = Vec::with_capacity(self.rows.len() * self.categories.len());
        for (r, k) in self.rows.iter().enumerate() {
            for (c, category) in self.categories.iter().enumerate() {
                cells.push(cell(
                    Some(k),
                    Some(&category.code),
                    period.figures.cell(r, c),
                    period.populations[r],
                    Some(period.figures.row_total(r)),
                ));
            }
        }
        cells
    }

    /// Each municipality's total over the categories.
    pub fn municipality_totals(&self, p: usize) -> Vec<CountCell> {
        let period = &self.periods[p];
        self.rows
            .iter()
            .enumerate()
            .map(|(r, k)| {
                let total = period.figures.row_total(r);
                cell(Some(k), None, total, period.populations[r], None)
            })
            .collect()
    }

    /// The joint figure of each category.
    pub fn category_totals(&self, p: usize) -> Vec<CountCell> {
        let period = &self.periods[p];
        self.categories
            .iter()
            .enumerate()
            .map(|(c, category)| {
                cell(
                    None,
                    Some(&category.code),
                    period.figures.column_total(c),
                    period.joint_population,
                    Some(period.figures.total()),
                )
            })
            .collect()
    }

    /// Every figure as a series over the periods: each municipality's categories and total,
    /// then the joint figure of each category and the joint total.
    pub fn series(&self) -> Vec<CountSeries> {
        let line = |kommunenummer: Option<&String>,
                    category: Option<&Category>,
                    figure: &dyn Fn(&PanelPeriod) -> SeriesFigure| {
            let mut series = CountSeries {
                kommunenummer: kommunenummer.cloned(),
                category: category.map(|c| c.code.clone()),
                values: Vec::with_capacity(self.periods.len()),
                rates_per_10k: Vec::with_capacity(self.periods.len()),
                shares: Vec::new(),
            };
            for period in &self.periods {
                let (value, population, of) = figure(period);
                series.values.push(value);
                series.rates_per_10k.push(rate_per_10k(value, population));
                if let Some(of) = of {
                    series.shares.push(share(value, of));
                }
            }
            series
        };
        let mut all = Vec::new();
        for (r, k) in self.rows.iter().enumerate() {
            for (c, category) in self.categories.iter().enumerate() {
                all.push(line(Some(k), Some(category), &|p| {
                    let f = &p.figures;
                    (f.cell(r, c), p.populations[r], Some(f.row_total(r)))
                }));
            }
            all.push(line(Some(k), None, &|p| {
                (p.figures.row_total(r), p.populations[r], None)
            }));
        }
        for (c, category) in self.categories.iter().enumerate() {
            all.push(line(None, Some(category), &|p| {
                let f = &p.figures;
                (f.column_total(c), p.joint_population, Some(f.total()))
            }));
        }
        all.push(line(None, None, &|p| {
            (p.figures.total(), p.joint_population, None)
        }));
        all
    }

    /// The panel of some of its municipalities (`rows`, each one of the panel's, once), with
    /// their own joint figures where the panel's figures give them (see
    /// [`Published::restricted`]).
    pub fn restricted(&self, rows: &[String]) -> Panel {
        let index: HashMap<&str, usize> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        let mut picked: Vec<usize> = Vec::with_capacity(rows.len());
        for k in rows {
            let r = index.get(k.as_str()).copied();
            debug_assert!(r.is_some(), "{k} is not a row of the panel");
            if let Some(r) = r.filter(|r| !picked.contains(r)) {
                picked.push(r);
            }
        }
        // The periods of a year share their populations here as in the whole panel.
        let mut shared: Option<(&YearPopulations, YearPopulations)> = None;
        let periods = self
            .periods
            .iter()
            .map(|period| {
                let populations = match &shared {
                    Some((of, cut)) if Arc::ptr_eq(of, &period.populations) => cut.clone(),
                    _ => {
                        let cut: YearPopulations =
                            picked.iter().map(|&r| period.populations[r]).collect();
                        shared = Some((&period.populations, cut.clone()));
                        cut
                    }
                };
                PanelPeriod {
                    period: period.period.clone(),
                    figures: period.figures.restricted(&picked).into(),
                    joint_population: populations.iter().copied().sum(),
                    populations,
                }
            })
            .collect();
        Panel {
            categories: self.categories.clone(),
            rows: picked.iter().map(|&r| self.rows[r].clone()).collect(),
            periods,
        }
    }

    /// What this panel (an answer's, by month or quarter) gives of the whole years of `years`
    /// (the same municipalities, by year): a year's figure is the sum of this panel's figures
    /// of its periods, shown only where the panel covers the whole year and shows each of
    /// them. A year's figure as published by year, beside the months it adds up, is one more
    /// equation on them (less eleven shown months it gives the twelfth); summed from what is
    /// shown, it says nothing they do not. The municipalities the viewer owns (`own`) keep
    /// `years`' figures, which it knows anyway, and so does the joint figure when it owns
    /// them all.
    pub fn within_years(&self, years: &Panel, own: impl Fn(&str) -> bool) -> Panel {
        debug_assert_eq!(self.rows, years.rows, "panels of the same municipalities");
        let owned: Vec<usize> = (0..self.rows.len())
            .filter(|r| own(&self.rows[*r]))
            .collect();
        let periods = years
            .periods
            .iter()
            .map(|year| {
                let shown = year.figures.published();
                let mut figures = match self.sum_over(&year.period) {
                    Some((_, sum)) => sum,
                    None => shown.all_hidden(),
                };
                for &r in &owned {
                    figures.cells[r].clone_from(&shown.cells[r]);
                    figures.row_totals[r] = shown.row_totals[r];
                }
                if owned.len() == self.rows.len() {
                    figures.column_totals.clone_from(&shown.column_totals);
                    figures.total = shown.total;
                }
                PanelPeriod {
                    period: year.period.clone(),
                    figures: figures.into(),
                    populations: year.populations.clone(),
                    joint_population: year.joint_population,
                }
            })
            .collect();
        Panel {
            categories: years.categories.clone(),
            rows: years.rows.clone(),
            periods,
        }
    }

    /// The sum of the figures of this panel's periods that make up `period` (each shown where
    /// every term is), with the first of them; `None` unless they make it up whole.
    fn sum_over(&self, period: &Period) -> Option<(&PanelPeriod, Published)> {
        let (from, to) = (period.from.0, period.to.0);
        let parts: Vec<&PanelPeriod> = self
            .periods
            .iter()
            .filter(|p| p.period.from.0 >= from && p.period.to.0 <= to)
            .collect();
        // A panel's periods follow one another, so its first and last say whether they make
        // up the period.
        let whole = parts.first().is_some_and(|p| p.period.from.0 == from)
            && parts.last().is_some_and(|p| p.period.to.0 == to);
        let (first, rest) = parts.split_first().filter(|_| whole)?;
        let sum = rest.iter().fold(first.figures.published(), |sum, p| {
            sum.plus(&p.figures.published())
        });
        Some((first, sum))
    }

    /// The joint total.
    pub fn total(&self, p: usize) -> CountCell {
        let period = &self.periods[p];
        cell(
            None,
            None,
            period.figures.total(),
            period.joint_population,
            None,
        )
    }
}

/// A panel's categories, with its counts summed into one table per period.
struct Tables {
    categories: Vec<Category>,
    tables: Vec<Table>,
}

/// The monthly counts of some panels summed into the periods of a range as they are read, so
/// a read of every municipality's counts over years never holds its rows at once.
pub struct Sums {
    periods: Vec<Period>,
    rows: Vec<String>,
    row_index: HashMap<String, usize>,
    /// Per metric: its categories' columns, and a table of cells per period.
    metrics: HashMap<&'static str, (HashMap<String, usize>, Vec<Cells>)>,
}

/// A table's cells, a row per municipality and a column per category.
type Cells = Vec<Vec<u64>>;

/// The cells of `periods` (some of `cells`' periods, at least one) added up.
fn summed(cells: &[Cells], periods: &[usize]) -> Cells {
    let mut sum = cells[periods[0]].clone();
    for p in &periods[1..] {
        for (sum, row) in sum.iter_mut().zip(&cells[*p]) {
            for (s, c) in sum.iter_mut().zip(row) {
                *s += c;
            }
        }
    }
    sum
}

impl Sums {
    /// Empty sums of the panels' metrics for `rows` over the periods of `range`.
    pub fn new(specs: &[&PanelSpec], rows: &[String], range: &Range) -> Self {
        let periods = range.periods();
        let metrics = specs
            .iter()
            .map(|spec| {
                let categories = (spec.categories)();
                let columns = categories
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.code.clone(), i))
                    .collect();
                let empty = vec![vec![0u64; categories.len()]; rows.len()];
                (spec.metric, (columns, vec![empty; periods.len()]))
            })
            .collect();
        Self {
            row_index: rows
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), i))
                .collect(),
            rows: rows.to_vec(),
            periods,
            metrics,
        }
    }

    /// Feeds every figure to `hasher` in an order of its own (metrics by name, then periods,
    /// rows and columns), with the shape: equal sums feed equal bytes, and only they do.
    pub fn feed(&self, hasher: &mut Sha256) {
        let mut metrics: Vec<_> = self.metrics.iter().collect();
        metrics.sort_unstable_by_key(|(metric, _)| **metric);
        hasher.update((self.rows.len() as u64).to_le_bytes());
        hasher.update((self.periods.len() as u64).to_le_bytes());
        for (metric, (columns, tables)) in metrics {
            hasher.update((metric.len() as u64).to_le_bytes());
            hasher.update(metric.as_bytes());
            hasher.update((columns.len() as u64).to_le_bytes());
            for cell in tables.iter().flatten().flatten() {
                hasher.update(cell.to_le_bytes());
            }
        }
    }

    /// Adds one monthly count. Counts of other metrics, municipalities, categories or months
    /// are ignored.
    pub fn add(&mut self, count: &MonthlyCount) {
        let Some((columns, tables)) = self.metrics.get_mut(count.metric.as_str()) else {
            return;
        };
        let (Some(r), Some(c)) = (
            self.row_index.get(&count.kommunenummer),
            columns.get(&count.category),
        ) else {
            return;
        };
        let p = self.periods.partition_point(|p| p.to.0 < count.month);
        if p < self.periods.len() && count.month >= self.periods[p].from.0 {
            // Counts are never negative; a negative one would be a bug, not a figure to show.
            tables[p][*r][*c] += u64::try_from(count.value).unwrap_or(0);
        }
    }
}

/// What panels are published from: the sums of one read of the counts of every municipality
/// over a range, and who looks.
pub struct Publisher<'a> {
    pub sums: &'a Sums,
    pub populations: Populations<'a>,
    pub viewer: &'a Viewer,
}

impl Publisher<'_> {
    /// Publishes each period's table of the panel. `totals` is the panel published from
    /// `spec.totals_of`, over the same municipalities and range.
    pub fn panel(&self, spec: &PanelSpec, totals: Option<&Panel>) -> Panel {
        let tables = self.tables(spec, totals);
        let figures = tables
            .tables
            .iter()
            .map(|table| disclosure::publish(table, self.viewer))
            .collect();
        self.assemble(tables.categories, figures)
    }

    /// Publishes a year (the sums' one period) of a panel whose counts others bound, audited
    /// beside their years as published (`beside`, in `bounded.beside`'s order), so that no
    /// shown figure pins a hidden count of theirs down ([`disclosure::publish_year_beside`]).
    pub fn bounded_year(
        &self,
        spec: &PanelSpec,
        bounded: &Bounded,
        beside: &[&Panel],
    ) -> Result<Panel> {
        let refused = |why: &str| {
            Error::Internal(format!(
                "{} cannot be published beside the panels bounding it: {why}",
                spec.metric
            ))
        };
        let bounds = bounded
            .row_bounds(1)
            .ok_or_else(|| refused("a bound names a panel or a category there is not"))?;
        let tables = self.tables(spec, None);
        let [table] = &tables.tables[..] else {
            return Err(refused("one period is needed, a year"));
        };
        if beside.len() != bounded.beside.len() {
            return Err(refused("each panel beside needs its year"));
        }
        let mut bounding = Vec::new();
        for (of, year) in bounded.beside.iter().zip(beside) {
            let ([shown], [cells]) = (&year.periods[..], &self.sums_of(of).1[..]) else {
                return Err(refused("one period of each is needed, a year"));
            };
            if year.rows != self.sums.rows {
                return Err(refused("a panel beside is of other municipalities"));
            }
            bounding.push((
                self.table(of, cells.clone(), None),
                shown.figures.published(),
            ));
        }
        let bounding: Vec<(&Table, &Published)> = bounding.iter().map(|(t, s)| (t, s)).collect();
        let shown = disclosure::publish_year_beside(table, &bounding, &bounds, self.viewer);
        Ok(self.assemble(tables.categories, vec![shown]))
    }

    /// Publishes the two panels of a split together, period by period. `totals` is the panel
    /// published from the whole's `totals_of`.
    pub fn split(&self, split: &Split, totals: Option<&Panel>) -> (Panel, Panel) {
        let whole = self.tables(split.whole, totals);
        let parts = self.tables(split.parts, None);
        let column = whole
            .categories
            .iter()
            .position(|c| c.code == split.column)
            .expect("a split names a category of its whole");
        let (whole_figures, parts_figures) = whole
            .tables
            .iter()
            .zip(&parts.tables)
            .map(|(w, p)| disclosure::publish_split(w, column, p, self.viewer))
            .unzip();
        (
            self.assemble(whole.categories, whole_figures),
            self.assemble(parts.categories, parts_figures),
        )
    }

    /// Publishes a calendar year of a panel of one category, summed by month, as quarters
    /// split into their months: a row per municipality and a column per quarter, with the
    /// figures of `year` (the same counts published by year, shown and hidden there alike)
    /// as its municipality totals and joint total, and each quarter's column split by a table
    /// of its three months. All are protected as one ([`disclosure::publish_splits`]), so no
    /// hidden figure follows from the others at any level: a year less three shown quarters,
    /// or a quarter less two shown months, would give the one left. Returns the quarters and
    /// the months.
    pub fn quarters_and_months(
        &self,
        spec: &PanelSpec,
        year: &Panel,
        quarters: &[Period],
    ) -> Result<(Panel, Panel)> {
        let categories = (spec.categories)();
        let (_, months) = self.sums_of(spec);
        let rows = self.sums.rows.len();
        let not_one_year = || {
            Error::Internal(format!(
                "{} by month cannot be published as quarters of its year: {} categories, {} \
                 years, {} quarters",
                spec.metric,
                categories.len(),
                year.periods.len(),
                quarters.len()
            ))
        };
        let [whole] = &year.periods[..] else {
            return Err(not_one_year());
        };
        let Some(months_of) = self.months_of(quarters, &whole.period) else {
            return Err(not_one_year());
        };
        if categories.len() != 1 || year.rows != self.sums.rows {
            return Err(not_one_year());
        }
        // Each quarter's months side by side, a column each.
        let of_months: Vec<Table> = months_of
            .iter()
            .map(|ms| {
                let cells = (0..rows)
                    .map(|r| ms.iter().map(|m| months[*m][r][0]).collect())
                    .collect();
                self.table(spec, cells, None)
            })
            .collect();
        // A quarter's figures are its months' row totals.
        let quarter_cells = (0..rows)
            .map(|r| of_months.iter().map(|t| t.cells[r].iter().sum()).collect())
            .collect();
        let of_quarters = self.table(spec, quarter_cells, Some(whole));
        let splits: Vec<(usize, &Table)> = of_months.iter().enumerate().collect();
        let (shown_quarters, shown_months) =
            disclosure::publish_splits(&of_quarters, &splits, self.viewer);
        let month_figures = shown_months
            .iter()
            .zip(&months_of)
            .flat_map(|(shown, ms)| shown.columns_as_periods(ms.len()));
        Ok((
            self.assemble_periods(
                categories.clone(),
                quarters.to_vec(),
                shown_quarters.columns_as_periods(quarters.len()),
            ),
            self.assemble(categories, month_figures.collect()),
        ))
    }

    /// Publishes a calendar year of a panel of several categories by month and by quarter,
    /// with the panel that splits a column of it if there is one (`specs` is the panel, or
    /// the whole and the parts of its split): each period's table as usual, with its totals
    /// shown as `totals` (the months and quarters of the panel whose totals this one's are)
    /// shows them, and then each category's months and quarters protected beside its figures
    /// of `years` (each panel as the answer by year shows it) and one another
    /// ([`disclosure::publish_year_by_period`]): a category's year less its shown months
    /// would otherwise give a hidden month. Returns each panel's quarters and months.
    pub fn categories_by_quarter_and_month(
        &self,
        specs: &[&PanelSpec],
        split: Option<&Split>,
        years: &[Arc<Panel>],
        totals: Option<(&Panel, &Panel)>,
        before: &[PublishedBefore],
        quarters: &[Period],
    ) -> Result<Vec<(Panel, Panel)>> {
        let refused = |why: &str| {
            Error::Internal(format!(
                "{} cannot be published by quarter and month: {why}",
                specs
                    .iter()
                    .map(|s| s.metric)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        };
        let whole_years: Vec<&PanelPeriod> = years
            .iter()
            .filter(|y| y.rows == self.sums.rows)
            .filter_map(|y| match &y.periods[..] {
                [year] => Some(year),
                _ => None,
            })
            .collect();
        if whole_years.len() != specs.len() || specs.is_empty() {
            return Err(refused("each panel needs its year"));
        }
        let months_of = self
            .months_of(quarters, &whole_years[0].period)
            .ok_or_else(|| refused("the quarters do not make up the year's months"))?;
        let months = self.sums.periods.len();
        if totals
            .is_some_and(|(m, q)| m.periods.len() != months || q.periods.len() != quarters.len())
        {
            return Err(refused("the totals are of other periods"));
        }
        let column = match split {
            Some(split) => Some(
                (specs[0].categories)()
                    .iter()
                    .position(|c| c.code == split.column)
                    .ok_or_else(|| refused("the split names no category of its whole"))?,
            ),
            None => None,
        };
        let mut panels: Vec<disclosure::PanelYear> = specs
            .iter()
            .zip(&whole_years)
            .enumerate()
            .map(|(i, (spec, year))| {
                // The totals are the first panel's; the parts' are its split column.
                let totals = totals.filter(|_| i == 0);
                let (_, cells) = self.sums_of(spec);
                let by_month = cells.iter().enumerate().map(|(m, cells)| {
                    self.table(spec, cells.clone(), totals.map(|(t, _)| &t.periods[m]))
                });
                let by_quarter = months_of.iter().enumerate().map(|(q, ms)| {
                    self.table(spec, summed(cells, ms), totals.map(|(_, t)| &t.periods[q]))
                });
                disclosure::PanelYear {
                    periods: by_month.chain(by_quarter).collect(),
                    year: Cow::Owned(year.figures.published()),
                    own_totals: i == 0 && spec.totals_of.is_none(),
                }
            })
            .collect();
        let beside = before
            .iter()
            .map(|b| self.beside(b, &months_of, quarters.len()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| refused("a panel published before is of other periods"))?;
        // The panels bounding this one are published last of those before it.
        let bounds = match super::panels::bounded_of(specs[0]) {
            Some(bounded) => {
                let bounding = before.iter().filter(|b| b.bounding).count();
                let first = (before.len() + 1).checked_sub(bounded.beside.len());
                first
                    .filter(|_| bounding == bounded.beside.len())
                    .and_then(|first| bounded.row_bounds(first))
                    .ok_or_else(|| refused("the panels bounding it are not those published last"))?
            }
            None => Vec::new(),
        };
        let published = disclosure::publish_year_by_period(
            &mut panels,
            column,
            &beside,
            &bounds,
            &months_of,
            self.viewer,
        );
        Ok(specs
            .iter()
            .zip(published)
            .map(|(spec, mut figures)| {
                let by_quarter = figures.split_off(months);
                (
                    self.assemble_periods((spec.categories)(), quarters.to_vec(), by_quarter),
                    self.assemble((spec.categories)(), figures),
                )
            })
            .collect())
    }

    /// A panel sharing the totals, or bounding the counts, of the panel published after it
    /// (with the panel splitting it), as the audit takes it. `None` when its periods are not
    /// these.
    fn beside<'b>(
        &self,
        before: &'b PublishedBefore,
        months_of: &[Vec<usize>],
        quarters: usize,
    ) -> Option<disclosure::Beside<'b>> {
        let (panel, published) = self.as_audited(&before.panel, months_of, quarters)?;
        let parts = match &before.parts {
            Some((split, parts)) => {
                let (panel, published) = self.as_audited(parts, months_of, quarters)?;
                let categories = (before.panel.spec.categories)();
                Some(disclosure::Parts {
                    column: categories.iter().position(|c| c.code == split.column)?,
                    panel,
                    published,
                })
            }
            None => None,
        };
        let relation = match before.bounding {
            false => disclosure::Relation::SameTotals,
            true => disclosure::Relation::Bounding,
        };
        Some(disclosure::Beside {
            panel,
            published,
            relation,
            parts,
        })
    }

    /// A published calendar year as the audit takes it: its counts by month and quarter with
    /// its year, and its months and quarters as published.
    fn as_audited<'b>(
        &self,
        published: &'b PublishedYear,
        months_of: &[Vec<usize>],
        quarters: usize,
    ) -> Option<(disclosure::PanelYear<'b>, Vec<Published>)> {
        let [year] = &published.year.periods[..] else {
            return None;
        };
        let months = self.sums.periods.len();
        if published.by_month.periods.len() != months
            || published.by_quarter.periods.len() != quarters
            || published.year.rows != self.sums.rows
        {
            return None;
        }
        let spec = published.spec;
        let (_, cells) = self.sums_of(spec);
        let by_month = cells.iter().map(|c| self.table(spec, c.clone(), None));
        let by_quarter = months_of
            .iter()
            .map(|ms| self.table(spec, summed(cells, ms), None));
        let figures = published
            .by_month
            .periods
            .iter()
            .chain(&published.by_quarter.periods)
            .map(|p| p.figures.published())
            .collect();
        let panel = disclosure::PanelYear {
            periods: by_month.chain(by_quarter).collect(),
            year: Cow::Owned(year.figures.published()),
            own_totals: spec.totals_of.is_none() && super::panels::split_of(spec).is_none(),
        };
        Some((panel, figures))
    }

    /// The months (these sums' periods) of each of `quarters`, in order, when they are the
    /// quarters of `year` and together make up every month.
    fn months_of(&self, quarters: &[Period], year: &Period) -> Option<Vec<Vec<usize>>> {
        let within = |p: &Period, of: &Period| p.from.0 >= of.from.0 && p.to.0 <= of.to.0;
        let months_of: Vec<Vec<usize>> = quarters
            .iter()
            .map(|q| {
                let months = 0..self.sums.periods.len();
                months
                    .filter(|m| within(&self.sums.periods[*m], q))
                    .collect()
            })
            .collect();
        let every_month = months_of
            .concat()
            .into_iter()
            .eq(0..self.sums.periods.len());
        let in_year = quarters.iter().all(|q| within(q, year));
        let none_empty = months_of.iter().all(|ms| !ms.is_empty());
        (every_month && in_year && none_empty).then_some(months_of)
    }

    /// Whether `panel` (of `spec`, over these sums' rows, each of its periods made of whole
    /// periods of these sums: months, quarters or the year) shows each figure it shows as
    /// these sums have it: published from another read, it differs when a write came between
    /// the two.
    pub fn shows_as_summed(&self, spec: &PanelSpec, panel: &Panel) -> bool {
        let (_, periods) = self.sums_of(spec);
        let rows = self.sums.rows.len();
        let columns = (spec.categories)().len();
        let agrees = |shown: Option<u64>, summed: u64| shown.is_none_or(|v| v == summed);
        let agrees_over = |period: &PanelPeriod| {
            let (from, to) = (period.period.from.0, period.period.to.0);
            let inside: Vec<&Cells> = (0..periods.len())
                .filter(|p| {
                    let summed = &self.sums.periods[*p];
                    summed.from.0 >= from && summed.to.0 <= to
                })
                .map(|p| &periods[p])
                .collect();
            let cell = |r: usize, c: usize| inside.iter().map(|p| p[r][c]).sum::<u64>();
            let row = |r: usize| (0..columns).map(|c| cell(r, c)).sum::<u64>();
            let column = |c: usize| (0..rows).map(|r| cell(r, c)).sum::<u64>();
            let figures = &period.figures;
            !inside.is_empty()
                && figures.rows() == rows
                && figures.columns() == columns
                && (0..rows).all(|r| {
                    (0..columns).all(|c| agrees(figures.cell(r, c), cell(r, c)))
                        && agrees(figures.row_total(r), row(r))
                })
                && (0..columns).all(|c| agrees(figures.column_total(c), column(c)))
                && agrees(figures.total(), (0..rows).map(row).sum())
        };
        panel.rows == self.sums.rows && panel.periods.iter().all(agrees_over)
    }

    /// The panel's columns by category code, and its cells per period, as summed.
    fn sums_of(&self, spec: &PanelSpec) -> &(HashMap<String, usize>, Vec<Cells>) {
        self.sums
            .metrics
            .get(spec.metric)
            .expect("panels are published from sums of their own metrics")
    }

    /// The panel's tables, one per period, from the sums. `totals`, the panel whose totals
    /// this one's are, says which of them are shown.
    fn tables(&self, spec: &PanelSpec, totals: Option<&Panel>) -> Tables {
        let categories = (spec.categories)();
        let (_, cells) = self.sums_of(spec);
        let tables = cells
            .iter()
            .enumerate()
            .map(|(p, cells)| self.table(spec, cells.clone(), totals.map(|t| &t.periods[p])))
            .collect();
        Tables { categories, tables }
    }

    /// The panel's table of `cells` (summed over some period), with its totals shown as
    /// `totals` (the same period of the panel whose totals this one's are) shows them.
    fn table(&self, spec: &PanelSpec, cells: Cells, totals: Option<&PanelPeriod>) -> Table {
        let (columns, _) = self.sums_of(spec);
        Table {
            rows: self.sums.rows.clone(),
            cells,
            withheld_columns: spec
                .withheld
                .iter()
                .filter_map(|code| columns.get(*code).copied())
                .collect(),
            totals_as_published: totals.map(|t| t.figures.totals_shown()),
            hidden_elsewhere: Positions::default(),
            given_elsewhere: Positions::default(),
        }
    }

    /// The panel of its periods' tables as published.
    fn assemble(&self, categories: Vec<Category>, figures: Vec<Published>) -> Panel {
        self.assemble_periods(categories, self.sums.periods.clone(), figures)
    }

    /// The panel of `periods`' tables as published.
    fn assemble_periods(
        &self,
        categories: Vec<Category>,
        periods: Vec<Period>,
        figures: Vec<Published>,
    ) -> Panel {
        let rows = &self.sums.rows;
        let columns = categories.len();
        let mut of_year: HashMap<i32, YearPopulations> = HashMap::new();
        let periods = periods
            .into_iter()
            .zip(figures)
            .map(|(period, mut figures)| {
                // A table of no municipalities has no cells to count its columns by; its joint
                // figures are zeros.
                figures.column_totals.resize(columns, Some(0));
                let year = period.from.0.year();
                let populations = of_year
                    .entry(year)
                    .or_insert_with(|| rows.iter().map(|k| self.populations.of(k, year)).collect());
                PanelPeriod {
                    figures: figures.into(),
                    populations: populations.clone(),
                    joint_population: self.populations.joint(rows, year),
                    period,
                }
            })
            .collect();
        Panel {
            categories,
            rows: rows.to_vec(),
            periods,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::dashboard::period::Bucket;

    fn range(from: &str, to: &str, bucket: Bucket) -> Range {
        let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        Range::new(date(from), date(to), bucket).unwrap()
    }

    /// A panel of one category over Kristiansund and Molde: per period, each municipality's
    /// figure (`None` hidden) and the joint one.
    fn panel(range: Range, figures: &[([Option<u64>; 2], Option<u64>)]) -> Panel {
        let periods = range.periods();
        assert_eq!(periods.len(), figures.len());
        Panel {
            categories: vec![Category::new("ALL", "I alt")],
            rows: vec!["1505".to_owned(), "1506".to_owned()],
            periods: periods
                .into_iter()
                .zip(figures)
                .map(|(period, (rows, joint))| PanelPeriod {
                    period,
                    figures: Published {
                        cells: rows.iter().map(|f| vec![*f]).collect(),
                        row_totals: rows.to_vec(),
                        column_totals: vec![*joint],
                        total: *joint,
                    }
                    .into(),
                    populations: Arc::new([Some(24_400), Some(32_800)]),
                    joint_population: Some(57_200),
                })
                .collect(),
        }
    }

    fn year_2024(molde: u64, joint: u64) -> Panel {
        panel(
            range("2024-01-01", "2024-12-31", Bucket::Year),
            &[([Some(0), Some(molde)], Some(joint))],
        )
    }

    fn figures(panel: &Panel) -> (Vec<Option<u64>>, Option<u64>) {
        let period = panel.periods[0].figures.published();
        (period.row_totals, period.total)
    }

    /// Kristiansund's coordinator looks; Molde had 3 in March and 6 in June.
    fn months_of_2024(march: Option<u64>) -> Panel {
        let mut months = vec![([Some(0), Some(0)], Some(0)); 12];
        months[2] = ([Some(0), march], march);
        months[5] = ([Some(0), Some(6)], Some(6));
        panel(range("2024-01-01", "2024-12-31", Bucket::Month), &months)
    }

    #[test]
    fn a_year_beside_its_months_shows_only_what_the_months_give() {
        let kristiansund = |k: &str| k == "1505";
        // March hidden: the year's 9, less June's 6, would give it.
        let hidden = months_of_2024(None).within_years(&year_2024(9, 9), kristiansund);
        assert_eq!(figures(&hidden), (vec![Some(0), None], None));
        assert_eq!(hidden.municipality_totals(0)[1].rate_per_10k, None);
        // Every month shown: the year is their sum.
        let shown = months_of_2024(Some(3)).within_years(&year_2024(9, 9), kristiansund);
        assert_eq!(figures(&shown), (vec![Some(0), Some(9)], Some(9)));
        assert_eq!(shown.periods[0].period.label, "2024");
    }

    #[test]
    fn a_year_summed_from_quarters_keeps_what_each_category_and_total_shows() {
        // Molde by quarter in two categories (YES, NO): NO hidden in Q2 hides NO's year and
        // Molde's yearly total with it (the quarter's total is hidden too); YES adds up.
        let quarter = |yes: Option<u64>, no: Option<u64>, total: Option<u64>| Published {
            cells: vec![vec![yes, no]],
            row_totals: vec![total],
            column_totals: vec![yes, no],
            total,
        };
        let period = |period: Period, figures: Published| PanelPeriod {
            period,
            figures: figures.into(),
            populations: Arc::new([Some(32_800)]),
            joint_population: Some(32_800),
        };
        let categories = vec![Category::new("YES", "Ja"), Category::new("NO", "Nei")];
        let quarters = Panel {
            categories: categories.clone(),
            rows: vec!["1506".to_owned()],
            periods: range("2024-01-01", "2024-12-31", Bucket::Quarter)
                .periods()
                .into_iter()
                .zip([
                    quarter(Some(5), Some(0), Some(5)),
                    quarter(Some(6), None, None),
                    quarter(Some(0), Some(0), Some(0)),
                    quarter(Some(7), Some(5), Some(12)),
                ])
                .map(|(p, f)| period(p, f))
                .collect(),
        };
        let year = Panel {
            categories,
            rows: vec!["1506".to_owned()],
            periods: vec![period(
                range("2024-01-01", "2024-12-31", Bucket::Year).periods()[0].clone(),
                quarter(Some(18), Some(7), Some(25)),
            )],
        };
        let summed = quarters.within_years(&year, |_| false);
        let cells = summed.cells(0);
        assert_eq!((cells[0].value, cells[1].value), (Some(18), None));
        assert_eq!(summed.municipality_totals(0)[0].value, None);
        // A share of a hidden total is hidden with it.
        assert_eq!(cells[0].share, None);
        assert_eq!(summed.category_totals(0)[0].value, Some(18));
    }

    #[test]
    fn a_year_the_answer_covers_in_part_is_shown_only_for_the_viewers_own() {
        let first_quarter = panel(
            range("2024-01-01", "2024-03-31", Bucket::Month),
            &[([Some(0), Some(0)], Some(0)); 3],
        );
        // Molde's coordinator knows its own year; Kristiansund's and the joint one are not
        // given by three months of zeros.
        let molde = first_quarter.within_years(&year_2024(9, 9), |k| k == "1506");
        assert_eq!(figures(&molde), (vec![None, Some(9)], None));
        let both = first_quarter.within_years(&year_2024(9, 9), |_| true);
        assert_eq!(figures(&both), (vec![Some(0), Some(9)], Some(9)));
    }
}
