//! One dashboard panel: a metric's counts over the periods of a range, a table per period with
//! a row per municipality and a column per category, published through disclosure control.

use std::collections::HashMap;

use chrono::Datelike;

use super::period::{Period, Range};
use crate::disclosure::{self, Published, Table, Viewer};
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
    /// whose totals are its own (`incidents`, `naloxoneKits`, `naloxoneDistributions`,
    /// `naloxonePeopleTrained`). Its months and its year are then one table, a row per
    /// municipality and a column per month with the year as row totals, and every answer by
    /// month or quarter is cut from it: published apart, a year less eleven shown months
    /// would give the twelfth.
    pub fn by_calendar_year(&self) -> bool {
        let own_totals = self.totals_of.is_none() && super::panels::split_of(self).is_none();
        own_totals && self.withheld.is_empty() && (self.categories)().len() == 1
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

/// A panel's published figures for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelPeriod {
    pub period: Period,
    figures: Published,
    populations: Vec<Option<u64>>,
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
                    period.figures.cells[r][c],
                    period.populations[r],
                    Some(period.figures.row_totals[r]),
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
                let total = period.figures.row_totals[r];
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
                    period.figures.column_totals[c],
                    period.joint_population,
                    Some(period.figures.total),
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
                    (f.cells[r][c], p.populations[r], Some(f.row_totals[r]))
                }));
            }
            all.push(line(Some(k), None, &|p| {
                (p.figures.row_totals[r], p.populations[r], None)
            }));
        }
        for (c, category) in self.categories.iter().enumerate() {
            all.push(line(None, Some(category), &|p| {
                let f = &p.figures;
                (f.column_totals[c], p.joint_population, Some(f.total))
            }));
        }
        all.push(line(None, None, &|p| {
            (p.figures.total, p.joint_population, None)
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
        let periods = self
            .periods
            .iter()
            .map(|period| {
                let populations: Vec<Option<u64>> =
                    picked.iter().map(|&r| period.populations[r]).collect();
                PanelPeriod {
                    period: period.period.clone(),
                    figures: period.figures.restricted(&picked),
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
                let mut figures = match self.sum_over(&year.period) {
                    Some((_, sum)) => sum,
                    None => year.figures.all_hidden(),
                };
                for &r in &owned {
                    figures.cells[r].clone_from(&year.figures.cells[r]);
                    figures.row_totals[r] = year.figures.row_totals[r];
                }
                if owned.len() == self.rows.len() {
                    figures
                        .column_totals
                        .clone_from(&year.figures.column_totals);
                    figures.total = year.figures.total;
                }
                PanelPeriod {
                    period: year.period.clone(),
                    figures,
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
        let sum = rest
            .iter()
            .fold(first.figures.clone(), |sum, p| sum.plus(&p.figures));
        Some((first, sum))
    }

    /// The panel by `periods`, each made of whole periods of this one (quarters of months):
    /// a figure is the sum of its periods' figures, shown where each of them is (the viewer's
    /// own always are), so it says nothing they do not.
    pub fn summed_into(&self, periods: &[Period]) -> Result<Panel> {
        let periods = periods
            .iter()
            .map(|period| {
                let Some((first, figures)) = self.sum_over(period) else {
                    return Err(Error::Internal(format!(
                        "the periods do not make up {} whole",
                        period.label
                    )));
                };
                Ok(PanelPeriod {
                    period: period.clone(),
                    figures,
                    populations: first.populations.clone(),
                    joint_population: first.joint_population,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Panel {
            categories: self.categories.clone(),
            rows: self.rows.clone(),
            periods,
        })
    }

    /// Shows what this panel of one category hides but `whole` (the same counts over all its
    /// periods together, as published) and its shown figures give away, equation by
    /// equation: a municipality's whole is the sum of its periods, a period's joint figure the
    /// sum of the municipalities', the joint whole the sum of the joint periods. A quarter
    /// summed from months, one of them hidden, is hidden, yet the year less the other
    /// quarters gives it: hidden, it would be a promise not kept, and shown it tells nothing
    /// the year and the months do not.
    pub fn conceded_beside(&mut self, whole: &Panel) -> Result<()> {
        let [whole] = &whole.periods[..] else {
            return Err(Error::Internal("a whole is one period".to_owned()));
        };
        if self.categories.len() != 1 || whole.figures.row_totals.len() != self.rows.len() {
            return Err(Error::Internal(format!(
                "{} categories over {} rows cannot be conceded beside a whole of {} rows",
                self.categories.len(),
                self.rows.len(),
                whole.figures.row_totals.len()
            )));
        }
        let rows = self.rows.len();
        // Slot (p, r) is a municipality's figure in period p, (p, rows) the joint one.
        let mut figures: Vec<Vec<Option<u64>>> = self
            .periods
            .iter()
            .map(|p| {
                let mut figures = p.figures.row_totals.clone();
                figures.push(p.figures.total);
                figures
            })
            .collect();
        let periods = figures.len();
        // Each equation: its terms, and its sum (a slot, or a figure of the whole).
        let mut equations: Vec<(Vec<Slot>, Sum)> = (0..rows)
            .map(|r| {
                let terms = (0..periods).map(|p| (p, r)).collect();
                (terms, Sum::Whole(whole.figures.row_totals[r]))
            })
            .collect();
        equations.extend(
            (0..periods).map(|p| ((0..rows).map(|r| (p, r)).collect(), Sum::Slot((p, rows)))),
        );
        equations.push((
            (0..periods).map(|p| (p, rows)).collect(),
            Sum::Whole(whole.figures.total),
        ));
        let mut changed = true;
        while changed {
            changed = false;
            for (terms, sum) in &equations {
                let sum_figure = match sum {
                    Sum::Slot((p, i)) => figures[*p][*i],
                    Sum::Whole(figure) => *figure,
                };
                let hidden: Vec<(usize, usize)> = terms
                    .iter()
                    .copied()
                    .filter(|(p, i)| figures[*p][*i].is_none())
                    .collect();
                let shown: u64 = terms.iter().filter_map(|(p, i)| figures[*p][*i]).sum();
                match (sum_figure, sum) {
                    (Some(sum), _) if !hidden.is_empty() => {
                        let Some(rest) = sum.checked_sub(shown) else {
                            continue;
                        };
                        if hidden.len() == 1 || rest == 0 {
                            for (p, i) in &hidden {
                                figures[*p][*i] = Some(if hidden.len() == 1 { rest } else { 0 });
                            }
                            changed = true;
                        }
                    }
                    (None, Sum::Slot((p, i))) if hidden.is_empty() => {
                        figures[*p][*i] = Some(shown);
                        changed = true;
                    }
                    _ => {}
                }
            }
        }
        for (period, figures) in self.periods.iter_mut().zip(figures) {
            let published = &mut period.figures;
            for (r, figure) in figures[..rows].iter().enumerate() {
                published.cells[r][0] = *figure;
                published.row_totals[r] = *figure;
            }
            published.column_totals[0] = figures[rows];
            published.total = figures[rows];
        }
        Ok(())
    }

    /// The joint total.
    pub fn total(&self, p: usize) -> CountCell {
        let period = &self.periods[p];
        cell(
            None,
            None,
            period.figures.total,
            period.joint_population,
            None,
        )
    }
}

/// A figure of a panel of one category (`Panel::conceded_beside`): its period, and its
/// municipality's row (the joint figure's is one past the last).
type Slot = (usize, usize);

/// What an equation of `Panel::conceded_beside` sums to.
enum Sum {
    /// A figure of the panel.
    Slot(Slot),
    /// A figure of the whole, as published.
    Whole(Option<u64>),
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

    /// Publishes the periods of a panel of one category as one table with their sum: a row
    /// per municipality, a column per period, and as its municipality totals and joint total
    /// the figures of `whole`, the same counts published over the whole range as one period
    /// (shown and hidden there alike). Beside the whole, no hidden period follows from the
    /// others: a year's figure less eleven shown months would give the twelfth.
    pub fn periods_with_whole(&self, spec: &PanelSpec, whole: &Panel) -> Result<Panel> {
        let categories = (spec.categories)();
        let (_, periods) = self.sums_of(spec);
        let rows = self.sums.rows.len();
        if categories.len() != 1 || whole.rows != self.sums.rows || whole.periods.len() != 1 {
            return Err(Error::Internal(format!(
                "{} by period cannot be published with its whole: {} categories, {} wholes",
                spec.metric,
                categories.len(),
                whole.periods.len()
            )));
        }
        let table = Table {
            rows: self.sums.rows.clone(),
            cells: (0..rows)
                .map(|r| periods.iter().map(|cells| cells[r][0]).collect())
                .collect(),
            withheld_columns: Vec::new(),
            totals_as_published: Some(whole.periods[0].figures.totals_shown()),
        };
        let published = disclosure::publish(&table, self.viewer);
        // Each period as a table of its own: a municipality's figure is its cell and its
        // total, the period's joint figure its column total and its grand total.
        let figures = (0..periods.len())
            .map(|p| {
                let cells: Vec<Option<u64>> = (0..rows).map(|r| published.cells[r][p]).collect();
                // A table of no municipalities has no columns; its joint figures are zeros.
                let joint = published.column_totals.get(p).copied().unwrap_or(Some(0));
                Published {
                    cells: cells.iter().map(|c| vec![*c]).collect(),
                    row_totals: cells,
                    column_totals: vec![joint],
                    total: joint,
                }
            })
            .collect();
        Ok(self.assemble(categories, figures))
    }

    /// Whether `panel` (of `spec`, over these sums' rows and periods) shows each figure it
    /// shows as these sums have it: published from another read, it differs when a write came
    /// between the two.
    pub fn shows_as_summed(&self, spec: &PanelSpec, panel: &Panel) -> bool {
        let (_, periods) = self.sums_of(spec);
        let agrees = |shown: Option<u64>, summed: u64| shown.is_none_or(|v| v == summed);
        panel.rows == self.sums.rows
            && panel.periods.len() == periods.len()
            && panel.periods.iter().zip(periods).all(|(period, cells)| {
                let figures = &period.figures;
                let totals: Vec<u64> = cells.iter().map(|row| row.iter().sum()).collect();
                figures
                    .row_totals
                    .iter()
                    .zip(&totals)
                    .all(|(s, t)| agrees(*s, *t))
                    && agrees(figures.total, totals.iter().sum())
            })
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
        let (columns, cells) = self.sums_of(spec);
        let withheld_columns: Vec<usize> = spec
            .withheld
            .iter()
            .filter_map(|code| columns.get(*code).copied())
            .collect();
        let tables = cells
            .iter()
            .enumerate()
            .map(|(p, cells)| Table {
                rows: self.sums.rows.clone(),
                cells: cells.clone(),
                withheld_columns: withheld_columns.clone(),
                totals_as_published: totals.map(|t| t.periods[p].figures.totals_shown()),
            })
            .collect();
        Tables { categories, tables }
    }

    /// The panel of its periods' tables as published.
    fn assemble(&self, categories: Vec<Category>, figures: Vec<Published>) -> Panel {
        let rows = &self.sums.rows;
        let columns = categories.len();
        let periods = self
            .sums
            .periods
            .iter()
            .cloned()
            .zip(figures)
            .map(|(period, mut figures)| {
                // A table of no municipalities has no cells to count its columns by; its joint
                // figures are zeros.
                figures.column_totals.resize(columns, Some(0));
                let year = period.from.0.year();
                PanelPeriod {
                    figures,
                    populations: rows.iter().map(|k| self.populations.of(k, year)).collect(),
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
                    },
                    populations: vec![Some(24_400), Some(32_800)],
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
        let period = &panel.periods[0].figures;
        (period.row_totals.clone(), period.total)
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
            figures,
            populations: vec![Some(32_800)],
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
    fn quarters_summed_from_months_show_only_what_the_months_give() {
        // March hidden: the first quarter with it; June shown: the second is its sum.
        let quarters = range("2024-01-01", "2024-12-31", Bucket::Quarter).periods();
        let summed = months_of_2024(None).summed_into(&quarters).unwrap();
        let molde = |q: usize| summed.municipality_totals(q)[1].value;
        assert_eq!((molde(0), molde(1), molde(2)), (None, Some(6), Some(0)));
        assert_eq!(summed.total(0).value, None);
        assert_eq!(summed.periods[1].period.label, "2024-Q2");
        assert_eq!(summed.municipality_totals(1)[1].rate_per_10k, Some(1.83));
        // Months that do not make up a quarter are refused, not summed in part.
        let some_months = panel(
            range("2024-02-01", "2024-03-31", Bucket::Month),
            &[([Some(0), Some(0)], Some(0)); 2],
        );
        assert!(some_months.summed_into(&quarters[..1]).is_err());
    }

    #[test]
    fn quarters_show_what_their_year_gives() {
        // February and March hidden for both: Kristiansund 4 and 3, Molde 5 and 3; the joint
        // months 9 and 6 shown. Kristiansund's year is hidden, Molde's 8 and the joint 15
        // shown: Molde's first quarter is its year, and Kristiansund's the joint one less it.
        let mut months = vec![([Some(0), Some(0)], Some(0)); 12];
        months[1] = ([None, None], Some(9));
        months[2] = ([None, None], Some(6));
        let months = panel(range("2024-01-01", "2024-12-31", Bucket::Month), &months);
        let year = panel(
            range("2024-01-01", "2024-12-31", Bucket::Year),
            &[([None, Some(8)], Some(15))],
        );
        let quarters = range("2024-01-01", "2024-12-31", Bucket::Quarter).periods();
        let mut summed = months.summed_into(&quarters).unwrap();
        let first = |panel: &Panel| figures(panel).0;
        assert_eq!(first(&summed), [None, None]);
        summed.conceded_beside(&year).unwrap();
        assert_eq!(first(&summed), [Some(7), Some(8)]);
        assert_eq!(summed.cells(0)[1].value, Some(8));
        assert_eq!(summed.total(0).value, Some(15));
        // Without Molde's year, nothing is given.
        let mut unknown = months.summed_into(&quarters).unwrap();
        let unknown_year = panel(
            range("2024-01-01", "2024-12-31", Bucket::Year),
            &[([None, None], Some(15))],
        );
        unknown.conceded_beside(&unknown_year).unwrap();
        // A whole of several periods is refused.
        assert!(unknown.conceded_beside(&months).is_err());
        assert_eq!(first(&unknown), [None, None]);
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
