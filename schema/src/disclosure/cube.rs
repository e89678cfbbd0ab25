//! The municipalities × categories × months of a calendar year, audited as one system.
//!
//! Each period's table and each category's line through the periods is protected on its own
//! (see [`super::periods`]), but together they can still give a hidden figure away: a month's
//! total less one municipality's row and the zeros shown beside it gives the other
//! municipalities' sum in a category, and that sum, against the category's quarter, pins down
//! the first municipality's quarter. The audit here takes every figure the year, its quarters
//! and its months publish (of a panel, or of a panel and the panel that splits one of its
//! columns) as an equation in the monthly counts, whole numbers never below zero, and looks
//! for each hidden figure for counts that agree with every shown figure and give it another
//! value. Where there are none, it is given away: the audit finds the cheapest shown figures
//! whose hiding lets it move, and the year is published again with those hidden, until no
//! hidden figure is given away.
//!
//! Counts are found by integer programs (microlp), and every solution that says a figure can
//! move is checked again in whole numbers against the shown figures: a rounding error of the
//! solver can hide a figure needlessly, never leave one given away as if it could move.
//!
//! Panels published before (`Beside`) whose counts relate to these (the same incidents in
//! another panel, so the same totals) are audited with them: their figures and hidden counts
//! count, but nothing is hidden there, so each panel's figures depend only on the panels
//! before it. Panels beside may bound these panels' counts rather than share sums with them
//! (the incidents whose suspected substances the first panel counts, the kits and hand-outs
//! whose refills it counts by reason, the kits its hand-outs gave, the hand-outs whose
//! recipients it counts as trained, [`RowBound`]); bounds may relate panels beside to one
//! another too (hand-outs at most kits, and at most the refills and kits first time, beside
//! the people trained): the bounds hold in every program and in the exact check.
//!
//! Programs grow with the hidden counts, so panels beside are taken in as far as the viewer's
//! audit limit ([`AUDIT_LIMIT`] hidden monthly counts by default) leaves room. A panel whose
//! year has more than it is audited municipality by municipality instead ([`rows`]), with
//! every panel beside, and so is one whose whole audit leaves a panel beside out: the demo
//! set's three municipalities stay within it, the national benchmark set (360
//! municipalities) far above.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOptions};

use super::{PanelYear, Positions, Published, Viewer};

mod rows;

/// A panel published before the ones being published, audited with them, and how its counts
/// relate to the first of them.
pub struct Beside<'a> {
    pub panel: PanelYear<'a>,
    /// Its months, then its quarters, as published.
    pub published: Vec<Published>,
    pub relation: Relation,
    /// The panel published with it that splits one of its columns, if any.
    pub parts: Option<Parts<'a>>,
}

/// A panel that splits column `column` of another (non-fatal incidents by whether follow-up
/// was offered), with its months, then its quarters, as published.
pub struct Parts<'a> {
    pub column: usize,
    pub panel: PanelYear<'a>,
    pub published: Vec<Published>,
}

/// How the counts of a panel published before relate to the first panel being published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Each municipality's monthly total is the same in both (the same incidents, split by
    /// another field).
    SameTotals,
    /// Other items, related to these only by the bounds the audit is given ([`RowBound`]).
    Bounding,
}

/// A bound between panels that holds in every municipality's every month: its terms add up
/// to at most zero. Bounds, not sums, where one item counts in several columns or as several
/// of another panel's items, or one item in one panel only (an incident names one or more
/// suspected substances, a hand-out gives one kit or more and trains its recipient or not);
/// they pin a hidden figure down where shown figures meet it from both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowBound(pub Vec<Term>);

/// `sign` times a panel's monthly count in column `column`, or in all its columns (`None`).
/// Panel 0 is the first panel being published, panel `k` the `k`-th panel beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub panel: usize,
    pub column: Option<usize>,
    pub sign: i64,
}

/// The most hidden monthly counts of a year that are audited together by default: the panel's
/// own first, then the panels beside it as far as they fit.
pub const AUDIT_LIMIT: usize = 600;

/// Branch-and-bound nodes a program may take. A limit of nodes rather than of time keeps
/// every instance's answer the same; a program stopped there without a solution counts as
/// finding none (the figure is hidden further), with one as finding that one.
const NODE_LIMIT: u64 = 2_000;

/// Programs solved at scattered weights before each hidden figure's own: a few solutions move
/// most figures that can move at all. Even: they are solved two at a time.
const SCATTERED_ROUNDS: u64 = 4;

const _: () = assert!(SCATTERED_ROUNDS.is_multiple_of(2));

/// Rounds of pushing the figures not yet moved together, each up or down at random, and the
/// other way. Pushing them all up at once moves fewer: figures of one line cannot all grow.
const PUSH_ROUNDS: usize = 8;

/// A monthly count: the panel, the month, the row and the column.
type Count = (usize, usize, usize, usize);

/// Unknowns with their signs, compared with a value.
type Bound<'t> = (&'t [(usize, i64)], ComparisonOp, f64);

/// Where a figure is published: the panel, the period's table (its months, then its quarters,
/// then the year) and the figure in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Place {
    panel: usize,
    period: usize,
    at: At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum At {
    Cell(usize, usize),
    RowTotal(usize),
    ColumnTotal(usize),
    Total,
}

/// A figure as an equation in monthly counts: `terms` (with their signs) add up to `value`,
/// or for a bound (`AtMost`) to at most it. A published figure has a place and is an
/// equation; a relation between panels (the parts of a split column add up to it, a
/// substance is named by at most the incidents) has none and always holds.
#[derive(Hash)]
struct Figure {
    place: Option<Place>,
    terms: Vec<(Count, i64)>,
    value: i64,
    shown: bool,
    sense: Sense,
}

/// Whether a figure's terms add up to its value, or to at most it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Sense {
    Equal,
    AtMost,
}

impl Sense {
    fn holds(self, sum: i64, value: i64) -> bool {
        match self {
            Sense::Equal => sum == value,
            Sense::AtMost => sum <= value,
        }
    }

    fn op(self) -> ComparisonOp {
        match self {
            Sense::Equal => ComparisonOp::Eq,
            Sense::AtMost => ComparisonOp::Le,
        }
    }
}

/// Audits a calendar year of `panels` as published (`published`), the second splitting
/// column `split` of the first if there is one, with the panels `beside` and the `bounds`
/// between them and the first (those of a panel the limit leaves out left out too): the
/// figures of the panels' periods to hide, by panel and period (months, then quarters, as
/// [`super::publish_year_by_period`] numbers them), so that no hidden figure of the year, its
/// quarters or its months is given away by all of them together. Nothing when none is given
/// away. A year with more hidden monthly counts than the viewer's audit limit is audited
/// municipality by municipality instead ([`rows`]), and one whose audit as one system leaves a
/// panel beside (or its parts) out is audited so too, with every panel beside.
pub fn audit<'a>(
    panels: &[PanelYear],
    published: &[Vec<Published>],
    split: Option<usize>,
    beside: &'a [Beside<'a>],
    bounds: &[RowBound],
    months_of: &[Vec<usize>],
    viewer: &Viewer,
) -> Vec<Vec<Positions>> {
    let nothing = Vec::new;
    let months: usize = months_of.iter().map(Vec::len).sum();
    let hidden_in = |panel: &PanelYear, shown: &[Published]| -> usize {
        (0..months)
            .flat_map(|t| cells_of(shape_of(panel)).map(move |(r, c)| (t, r, c)))
            .filter(|(t, r, c)| shown[*t].cells[*r][*c].is_none())
            .count()
    };
    let own_hidden: usize = panels
        .iter()
        .zip(published)
        .map(|(p, s)| hidden_in(p, s))
        .sum();
    // A panel hiding nothing may still pin a hidden count of a panel beside down through the
    // bounds (a substance and its total shown meeting hidden incidents); sums it shares with
    // panels beside are their figures, hidden there as here. With nothing hidden anywhere,
    // there is nothing to give away.
    let beside_hidden = || -> usize {
        let hidden = beside.iter().map(|b| hidden_in(&b.panel, &b.published));
        hidden.sum()
    };
    if own_hidden == 0 && (bounds.is_empty() || beside_hidden() == 0) {
        return nothing();
    }
    // As one system while it is small enough, with the panels beside as far as the limit
    // leaves room; each municipality's figures alone, with every panel beside, where the year
    // is larger or a panel beside (or the parts of one) is left out of the whole.
    let whole = own_hidden <= viewer.audit_limit;
    // The panels beside, those published last (the nearest) first, with the hidden counts of
    // each and of the panel splitting it.
    let nearest_first: Vec<(usize, &Beside)> = beside.iter().enumerate().rev().collect();
    let sizes: Vec<(usize, Option<usize>)> = nearest_first
        .iter()
        .map(|(_, b)| {
            let parts = b.parts.as_ref();
            let parts = parts.map(|p| hidden_in(&p.panel, &p.published));
            (hidden_in(&b.panel, &b.published), parts)
        })
        .collect();
    let (taken, hidden_counts) = taken_in(viewer.audit_limit, own_hidden, sizes.iter().copied());
    let left_out = taken.len() < sizes.len()
        || (taken.iter().zip(&sizes))
            .any(|(with_parts, (_, parts))| !with_parts && parts.is_some());
    let by_rows = !whole || left_out;
    let started = std::time::Instant::now();
    let solved_before = SOLVED.with(std::cell::Cell::get);
    let own: Vec<bool> = panels[0].periods[0]
        .rows
        .iter()
        .map(|r| viewer.own.contains(r))
        .collect();
    let audited = |taken: &[bool]| {
        let beside = nearest_first.iter().copied().zip(taken.iter().copied());
        Audited::new(
            panels,
            published,
            split,
            beside,
            bounds,
            months_of,
            own.clone(),
        )
    };
    let mut to_hide: Vec<Vec<Positions>> = panels
        .iter()
        .map(|panel| vec![Positions::default(); panel.periods.len()])
        .collect();
    let (mut figures, mut hidden) = (0, 0);
    if whole {
        let system = audited(&taken);
        let of_year = system.figures(Rows::All);
        // A large year's programs one after the other: two at once hold twice the memory.
        let one_at_a_time = of_year.len() > PAIRED_FIGURES;
        let search = || {
            let given_away = system.system(&of_year, &BTreeSet::new()).given_away();
            system.released(&of_year, given_away)
        };
        let released = if one_at_a_time {
            on_one_thread(search)
        } else {
            search()
        };
        let Ok(hiding) = released else {
            // The programs could not tell: hide every figure of others in the months and
            // quarters, the most the audit can hide.
            return panels.iter().map(|p| hide_all_of_others(p, &own)).collect();
        };
        let places = hiding.iter().filter_map(|g| of_year[*g].place);
        system.add_to(&mut to_hide, places);
        (figures, hidden) = (of_year.len(), hiding.len());
    }
    if by_rows {
        let (of_rows, hiding) = rows::audit(&audited(&vec![true; sizes.len()]), &mut to_hide);
        (figures, hidden) = (figures + of_rows, hidden + hiding);
    }
    tracing::debug!(
        hidden_counts,
        whole,
        by_rows,
        beside = taken.len(),
        figures,
        hidden,
        programs = SOLVED.with(std::cell::Cell::get) - solved_before,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "a year audited"
    );
    to_hide
}

/// The most figures of a year whose programs are solved two at a time.
const PAIRED_FIGURES: usize = 10_000;

/// Which municipalities' figures a system holds: all (with the totals over them), or one's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    All,
    One(usize),
}

impl Rows {
    fn range(self, rows: usize) -> std::ops::Range<usize> {
        match self {
            Rows::All => 0..rows,
            Rows::One(r) => r..r + 1,
        }
    }
}

/// The programs could not tell whether a figure can move.
struct Undecided;

/// The panels of an audit and how they relate: its figures, and how to release them.
struct Audited<'s> {
    /// Every panel of the system: those being published, then those beside, each followed by
    /// its parts.
    all: Vec<&'s PanelYear<'s>>,
    /// Their months, then their quarters, as published.
    published: Vec<&'s [Published]>,
    /// How many of them are being published (the first ones).
    publishing: usize,
    split: Option<usize>,
    /// (whole, column, parts).
    splits: Vec<(usize, usize, usize)>,
    /// The panels sharing the first's monthly totals.
    same_totals: Vec<usize>,
    bounds: &'s [RowBound],
    /// Where each panel beside is in the system, if it is taken in.
    system_panel: Vec<Option<usize>>,
    months_of: &'s [Vec<usize>],
    /// Whether each row is the viewer's own.
    own: Vec<bool>,
    /// The year's largest figure: the largest of the panels' totals.
    largest: i64,
}

impl<'s> Audited<'s> {
    /// The system of the panels being published (`panels`, the second splitting column
    /// `split` of the first if there is one) with the panels beside, nearest first with their
    /// place in `beside` and whether each comes with the panel splitting it.
    fn new<'b: 's>(
        panels: &'s [PanelYear],
        published: &'s [Vec<Published>],
        split: Option<usize>,
        beside: impl IntoIterator<Item = ((usize, &'s Beside<'b>), bool)>,
        bounds: &'s [RowBound],
        months_of: &'s [Vec<usize>],
        own: Vec<bool>,
    ) -> Self {
        let months: usize = months_of.iter().map(Vec::len).sum();
        let mut all: Vec<&PanelYear> = panels.iter().collect();
        let mut all_published: Vec<&[Published]> = published.iter().map(Vec::as_slice).collect();
        let mut splits: Vec<(usize, usize, usize)> = Vec::new();
        let mut same_totals: Vec<usize> = Vec::new();
        // Where each panel taken in is in the system: the first, then by place beside.
        let mut system_panel: Vec<Option<usize>> = vec![Some(0)];
        if let (Some(column), [_, _]) = (split, panels) {
            splits.push((0, column, 1));
        }
        for ((k, b), with_parts) in beside {
            let s = all.len();
            all.push(&b.panel);
            all_published.push(&b.published);
            if system_panel.len() <= k + 1 {
                system_panel.resize(k + 2, None);
            }
            system_panel[k + 1] = Some(s);
            match b.relation {
                Relation::SameTotals => same_totals.push(s),
                Relation::Bounding => {}
            }
            if let Some(parts) = b.parts.as_ref().filter(|_| with_parts) {
                splits.push((s, parts.column, all.len()));
                all.push(&parts.panel);
                all_published.push(&parts.published);
            }
        }
        let largest = all.iter().map(|panel| {
            let cells = panel.periods[..months]
                .iter()
                .flat_map(|t| t.cells.iter().flatten());
            cells.sum::<u64>() as i64
        });
        Self {
            largest: largest.max().unwrap_or(0),
            all,
            published: all_published,
            publishing: panels.len(),
            split,
            splits,
            same_totals,
            bounds,
            system_panel,
            months_of,
            own,
        }
    }

    fn months(&self) -> usize {
        self.months_of.iter().map(Vec::len).sum()
    }

    fn count(&self, (s, t, r, c): Count) -> u64 {
        self.all[s].periods[t].cells[r][c]
    }

    /// The system of `figures` with `hiding` hidden too.
    fn system<'f>(&self, figures: &'f [Figure], hiding: &'f BTreeSet<usize>) -> System<'f> {
        System::new(figures, |c| self.count(c), hiding, self.largest)
    }

    /// The figures of `rows` in every panel and the relations between them.
    fn figures(&self, rows: Rows) -> Vec<Figure> {
        let months = self.months();
        let mut figures: Vec<Figure> = (0..self.all.len())
            .flat_map(|s| figures_of(s, self.all[s], self.published[s], self.months_of, rows))
            .collect();
        for (whole, column, parts) in &self.splits {
            figures.extend(split_relations(
                &self.all, *whole, *column, *parts, months, rows,
            ));
        }
        for s in &self.same_totals {
            figures.extend(same_totals_relations(&self.all, 0, *s, months, rows));
        }
        for bound in self.bounds {
            figures.extend(row_bounds(
                &self.all,
                bound,
                &self.system_panel,
                months,
                rows,
            ));
        }
        // A bound the counts break (records kept from before the rule it rests on) tells
        // nothing true: left out, or every solution would be rejected.
        let broken = |f: &Figure| {
            let sum = f
                .terms
                .iter()
                .map(|(term, sign)| sign * self.count(*term) as i64);
            !f.sense.holds(sum.sum(), f.value)
        };
        let before = figures.len();
        figures.retain(|f| !broken(f));
        if figures.len() < before {
            tracing::warn!(
                broken = before - figures.len(),
                "bounds between panels that the counts break, left out of an audit"
            );
        }
        figures
    }

    /// Whether the audit may hide the figure at `place`: one of the panels being published,
    /// in a month or quarter, not the viewer's to know, and not given elsewhere.
    fn may_hide(&self, place: &Place) -> bool {
        if place.panel >= self.publishing {
            return false;
        }
        let panel = self.all[place.panel];
        place.period < panel.periods.len()
            && !is_known(place.at, &self.own, panel.own_totals)
            && !holds(&panel.periods[place.period].given_elsewhere, place.at)
    }

    /// Whether the figure at `place` is a total of the parts of a split: the whole's figure
    /// of the split column published twice, hidden through the whole's.
    fn is_parts_total(&self, place: &Place) -> bool {
        self.split.is_some() && place.panel == 1 && matches!(place.at, At::RowTotal(_) | At::Total)
    }

    /// The shown figures to hide, beside those `figures` hide already, so that none of
    /// `given_away` (found so by the programs, with nothing hidden yet) is: for each, the
    /// cheapest that lets it move. A figure that nothing the audit may hide lets move is known
    /// anyway and stays hidden.
    fn released(
        &self,
        figures: &[Figure],
        given_away: Vec<usize>,
    ) -> Result<BTreeSet<usize>, Undecided> {
        // The parts' totals of a split are the whole's figures of the split column: one
        // figure published twice, hidden in both or in neither, and hidden through the
        // whole's.
        let numbered: BTreeMap<Place, usize> = (0..figures.len())
            .filter_map(|g| figures[g].place.map(|p| (p, g)))
            .collect();
        let twin = |g: usize| -> Option<usize> {
            let (Some(column), Some(place)) = (self.split, figures[g].place) else {
                return None;
            };
            let at = match (place.panel, place.at) {
                (1, At::RowTotal(r)) => (0, At::Cell(r, column)),
                (1, At::Total) => (0, At::ColumnTotal(column)),
                (0, At::Cell(r, c)) if c == column => (1, At::RowTotal(r)),
                (0, At::ColumnTotal(c)) if c == column => (1, At::Total),
                _ => return None,
            };
            let (panel, at) = at;
            numbered
                .get(&Place {
                    panel,
                    period: place.period,
                    at,
                })
                .copied()
        };
        let hideable = |g: usize| match figures[g].place {
            Some(place) if self.is_parts_total(&place) => {
                twin(g).is_some_and(|t| figures[t].place.as_ref().is_some_and(|p| self.may_hide(p)))
            }
            Some(place) => self.may_hide(&place),
            None => false,
        };
        let mut hiding: BTreeSet<usize> = BTreeSet::new();
        let hide = |hiding: &mut BTreeSet<usize>, g: usize| {
            hiding.insert(g);
            hiding.extend(twin(g));
        };
        for f in given_away {
            if !hiding.is_empty() && self.system(figures, &hiding).moves(f) == Moves::Yes {
                continue;
            }
            let can_hide = |g: &usize| figures[*g].shown && !hiding.contains(g) && hideable(*g);
            // The figures beside it first, then any.
            let near = self.system(figures, &hiding).beside(f, can_hide);
            let any: Vec<usize> = (0..figures.len()).filter(can_hide).collect();
            let release = [near, any.clone()].into_iter().find_map(|candidates| {
                let mut more = hiding.clone();
                more.extend(&candidates);
                self.system(figures, &more)
                    .cheapest_release(f, &candidates, &hiding)
            });
            // A release the programs found must hide something not hidden yet; one that
            // hides nothing disagrees with the search that found the figure given away, so it
            // is not taken on the solver's word.
            if let Some(release) = release.filter(|r| r.iter().any(|g| !hiding.contains(g))) {
                for g in release {
                    hide(&mut hiding, g);
                }
                continue;
            }
            let mut every = hiding.clone();
            every.extend(&any);
            match self.system(figures, &every).moves(f) {
                // Given by figures these panels may not hide (the year, the panels beside,
                // the viewer's own): known anyway, nothing here changes that. It stays
                // hidden, which takes a solver's word for nothing.
                Moves::No => {}
                Moves::Yes => {
                    for g in any {
                        hide(&mut hiding, g);
                    }
                }
                Moves::Unknown => return Err(Undecided),
            }
        }
        Ok(hiding)
    }

    /// Every figure of `figures` the audit may hide.
    fn every_hideable(&self, figures: &[Figure]) -> BTreeSet<usize> {
        (0..figures.len())
            .filter(|g| figures[*g].place.is_some_and(|p| self.may_hide(&p)))
            .collect()
    }

    /// Adds the figures at `places` to what the periods of the panels being published hide.
    fn add_to(&self, to_hide: &mut [Vec<Positions>], places: impl IntoIterator<Item = Place>) {
        for place in places {
            let ours = to_hide
                .get(place.panel)
                .is_some_and(|ps| place.period < ps.len());
            if ours && !self.is_parts_total(&place) {
                add(&mut to_hide[place.panel][place.period], place.at);
            }
        }
    }
}

/// How far the audit takes in the panels beside, given the hidden monthly counts of its own
/// panels and of each panel beside, nearest first (its own, and those of the panel splitting
/// it): whether each one taken comes with the panel splitting it, and the hidden counts of
/// all. Each is taken whole while it fits under `limit`; the first that does not is taken
/// without the panel splitting it where that fits, and none after it. A panel beside without
/// its parts still tells more than none: its figures hold whatever the parts' do.
fn taken_in(
    limit: usize,
    own_hidden: usize,
    beside: impl IntoIterator<Item = (usize, Option<usize>)>,
) -> (Vec<bool>, usize) {
    let mut taken = Vec::new();
    let mut hidden_counts = own_hidden;
    for (panel, parts) in beside {
        let whole = panel + parts.unwrap_or(0);
        if hidden_counts + whole <= limit {
            hidden_counts += whole;
            taken.push(true);
            continue;
        }
        if parts.is_some() && hidden_counts + panel <= limit {
            hidden_counts += panel;
            taken.push(false);
        }
        break;
    }
    (taken, hidden_counts)
}

/// A panel's rows and columns.
fn shape_of(panel: &PanelYear) -> (usize, usize) {
    panel
        .periods
        .first()
        .map_or((0, 0), |t| (t.rows.len(), t.columns()))
}

fn cells_of((rows, columns): (usize, usize)) -> impl Iterator<Item = (usize, usize)> {
    (0..rows).flat_map(move |r| (0..columns).map(move |c| (r, c)))
}

/// Whether the viewer knows the figure at `at` whatever is published: its own
/// municipality's, and totals another panel publishes.
fn is_known(at: At, own: &[bool], own_totals: bool) -> bool {
    match at {
        At::Cell(r, _) => own[r],
        At::RowTotal(r) => own[r] || !own_totals,
        At::Total => !own_totals,
        At::ColumnTotal(_) => false,
    }
}

fn holds(positions: &Positions, at: At) -> bool {
    match at {
        At::Cell(r, c) => positions.cells.contains(&(r, c)),
        At::RowTotal(r) => positions.row_totals.contains(&r),
        At::ColumnTotal(c) => positions.column_totals.contains(&c),
        At::Total => positions.total,
    }
}

fn add(positions: &mut Positions, at: At) {
    match at {
        At::Cell(r, c) => {
            positions.cells.insert((r, c));
        }
        At::RowTotal(r) => {
            positions.row_totals.insert(r);
        }
        At::ColumnTotal(c) => {
            positions.column_totals.insert(c);
        }
        At::Total => positions.total = true,
    }
}

/// Every figure of others in a panel's periods.
fn hide_all_of_others(panel: &PanelYear, own: &[bool]) -> Vec<Positions> {
    let shape = shape_of(panel);
    let mut positions = Positions::default();
    for (r, c) in cells_of(shape) {
        add(&mut positions, At::Cell(r, c));
    }
    for r in 0..shape.0 {
        add(&mut positions, At::RowTotal(r));
    }
    for c in 0..shape.1 {
        add(&mut positions, At::ColumnTotal(c));
    }
    add(&mut positions, At::Total);
    let known = |at: &At| is_known(*at, own, panel.own_totals);
    positions.cells.retain(|(r, c)| !known(&At::Cell(*r, *c)));
    positions.row_totals.retain(|r| !known(&At::RowTotal(*r)));
    positions.total = !known(&At::Total);
    vec![positions; panel.periods.len()]
}

/// Every figure of panel `s`'s months, quarters and year of `rows`, as published (`shown`):
/// their cells and row totals, and with all rows the column totals and totals.
fn figures_of(
    s: usize,
    panel: &PanelYear,
    shown: &[Published],
    months_of: &[Vec<usize>],
    rows: Rows,
) -> Vec<Figure> {
    let months: usize = months_of.iter().map(Vec::len).sum();
    let (all_rows, columns) = shape_of(panel);
    // A quarter or a year of one month is that month's table again (a year audited as a
    // month of its own, [`super::publish_year_beside`]): its figures are the month's.
    let tables = (0..months)
        .map(|t| (t, vec![t], &shown[t]))
        .chain(
            months_of
                .iter()
                .enumerate()
                .filter(|(_, ms)| ms.len() > 1)
                .map(|(q, ms)| (months + q, ms.clone(), &shown[months + q])),
        )
        .chain((months > 1).then(|| (panel.periods.len(), (0..months).collect(), &*panel.year)));
    let mut figures = Vec::new();
    for (period, its_months, table) in tables {
        let mut figure = |at: At, rs: &[usize], cs: &[usize], shown: Option<u64>| {
            let terms: Vec<(Count, i64)> = its_months
                .iter()
                .flat_map(|t| {
                    rs.iter()
                        .flat_map(move |r| cs.iter().map(move |c| ((s, *t, *r, *c), 1)))
                })
                .collect();
            let value = terms
                .iter()
                .map(|((_, t, r, c), _)| panel.periods[*t].cells[*r][*c] as i64)
                .sum();
            figures.push(Figure {
                place: Some(Place {
                    panel: s,
                    period,
                    at,
                }),
                terms,
                value,
                shown: shown.is_some(),
                sense: Sense::Equal,
            });
        };
        let every_column: Vec<usize> = (0..columns).collect();
        for r in rows.range(all_rows) {
            for c in 0..columns {
                figure(At::Cell(r, c), &[r], &[c], table.cells[r][c]);
            }
            figure(At::RowTotal(r), &[r], &every_column, table.row_totals[r]);
        }
        if rows != Rows::All {
            continue;
        }
        let every_row: Vec<usize> = (0..all_rows).collect();
        for c in 0..columns {
            let shown = table.column_totals.get(c).copied().flatten();
            figure(At::ColumnTotal(c), &every_row, &[c], shown);
        }
        figure(At::Total, &every_row, &every_column, table.total);
    }
    figures
}

/// Each of `rows`' monthly total of panel `a` equals its total of panel `b`.
fn same_totals_relations(
    all: &[&PanelYear],
    a: usize,
    b: usize,
    months: usize,
    rows: Rows,
) -> Vec<Figure> {
    let (all_rows, columns) = shape_of(all[a]);
    let (_, other_columns) = shape_of(all[b]);
    (0..months)
        .flat_map(|t| rows.range(all_rows).map(move |r| (t, r)))
        .map(|(t, r)| {
            let ours = (0..columns).map(|c| ((a, t, r, c), 1));
            let theirs = (0..other_columns).map(|c| ((b, t, r, c), -1));
            Figure {
                place: None,
                terms: ours.chain(theirs).collect(),
                value: 0,
                shown: true,
                sense: Sense::Equal,
            }
        })
        .collect()
}

/// Each month's parts (panel `parts`) add up to column `column` of the whole (panel `whole`),
/// in each of `rows`.
fn split_relations(
    all: &[&PanelYear],
    whole: usize,
    column: usize,
    parts: usize,
    months: usize,
    rows: Rows,
) -> Vec<Figure> {
    let (all_rows, part_columns) = shape_of(all[parts]);
    (0..months)
        .flat_map(|t| {
            rows.range(all_rows).map(move |r| {
                let mut terms: Vec<(Count, i64)> =
                    (0..part_columns).map(|c| ((parts, t, r, c), 1)).collect();
                terms.push(((whole, t, r, column), -1));
                Figure {
                    place: None,
                    terms,
                    value: 0,
                    shown: true,
                    sense: Sense::Equal,
                }
            })
        })
        .collect()
}

/// A bound month by month and municipality by municipality (of `rows`), its panels numbered
/// as in the system (`system_panel`, by their place beside the first); nothing where one is
/// not taken in or has no such column.
fn row_bounds(
    all: &[&PanelYear],
    bound: &RowBound,
    system_panel: &[Option<usize>],
    months: usize,
    rows: Rows,
) -> Vec<Figure> {
    let Some(terms) = bound
        .0
        .iter()
        .map(|term| {
            let s = system_panel.get(term.panel).copied()??;
            let in_panel = term.column.is_none_or(|c| c < shape_of(all[s]).1);
            in_panel.then_some((s, term))
        })
        .collect::<Option<Vec<_>>>()
    else {
        return Vec::new();
    };
    let (all_rows, _) = shape_of(all[0]);
    (0..months)
        .flat_map(|t| rows.range(all_rows).map(move |r| (t, r)))
        .map(|(t, r)| {
            // A count named twice (a column and all columns) counts with both signs.
            let mut summed: BTreeMap<Count, i64> = BTreeMap::new();
            for (s, term) in &terms {
                let (_, columns) = shape_of(all[*s]);
                let columns = term.column.map_or(0..columns, |c| c..c + 1);
                for c in columns {
                    *summed.entry((*s, t, r, c)).or_default() += term.sign;
                }
            }
            Figure {
                place: None,
                terms: summed.into_iter().filter(|(_, sign)| *sign != 0).collect(),
                value: 0,
                shown: true,
                sense: Sense::AtMost,
            }
        })
        .collect()
}

/// The figures as equations (and bounds) in the monthly counts that no shown month's cell
/// gives, with the figures `hiding` hidden too.
struct System<'a> {
    figures: &'a [Figure],
    hiding: &'a BTreeSet<usize>,
    /// How many counts are unknown.
    unknowns: usize,
    /// Each figure's unknown terms, and what its known terms add up to.
    of_figure: Vec<(Vec<(usize, i64)>, i64)>,
    /// The shown figures with unknown terms: the equations counts must agree with.
    equations: Vec<usize>,
    /// The bounds between panels with unknown terms: counts must keep them too.
    bounds: Vec<usize>,
    /// Those of them that no combination of those before gives: all a program needs (see
    /// [`independent`]), found when one is first solved.
    independent: OnceLock<Vec<usize>>,
    /// No count exceeds the year's largest figure; the bound keeps the programs finite.
    bound: i32,
}

impl<'a> System<'a> {
    /// The system of `figures`, with the figures `hiding` hidden too, where no count exceeds
    /// `largest`: the largest figure of the year (a panel's total), public or not, so every
    /// system of a year searches the same counts, one municipality's too.
    fn new(
        figures: &'a [Figure],
        count: impl Fn(Count) -> u64,
        hiding: &'a BTreeSet<usize>,
        largest: i64,
    ) -> Self {
        // A monthly count is known where its month's table shows its cell.
        let shown_cells: BTreeSet<Count> = (0..figures.len())
            .filter(|f| figures[*f].shown && !hiding.contains(f))
            .map(|f| &figures[f])
            .filter(|f| {
                f.place.is_some_and(|p| matches!(p.at, At::Cell(..)))
                    && matches!(&f.terms[..], [((_, t, ..), 1)] if Some(*t) == f.place.map(|p| p.period))
            })
            .map(|f| f.terms[0].0)
            .collect();
        let mut numbered: BTreeMap<Count, usize> = BTreeMap::new();
        for f in figures {
            for (term, _) in &f.terms {
                if !shown_cells.contains(term) && !numbered.contains_key(term) {
                    numbered.insert(*term, numbered.len());
                }
            }
        }
        let of_figure: Vec<(Vec<(usize, i64)>, i64)> = figures
            .iter()
            .map(|f| {
                let mut unknown = Vec::new();
                let mut known = 0;
                for (term, sign) in &f.terms {
                    match numbered.get(term) {
                        Some(i) => unknown.push((*i, *sign)),
                        None => known += sign * count(*term) as i64,
                    }
                }
                (unknown, known)
            })
            .collect();
        let with_unknowns = |sense: Sense| {
            (0..figures.len())
                .filter(|g| figures[*g].shown && !hiding.contains(g))
                .filter(|g| !of_figure[*g].0.is_empty() && figures[*g].sense == sense)
                .collect()
        };
        System {
            figures,
            hiding,
            unknowns: numbered.len(),
            equations: with_unknowns(Sense::Equal),
            bounds: with_unknowns(Sense::AtMost),
            of_figure,
            independent: OnceLock::new(),
            bound: i32::try_from(largest).unwrap_or(i32::MAX),
        }
    }

    fn is_shown(&self, f: usize) -> bool {
        self.figures[f].shown && !self.hiding.contains(&f)
    }

    /// The hidden figures (with a place) with one value only.
    fn given_away(&self) -> Vec<usize> {
        let hidden: Vec<usize> = (0..self.figures.len())
            .filter(|f| !self.is_shown(*f) && self.figures[*f].place.is_some())
            .collect();
        // A solution found for one figure moves others too: those need no programs of their
        // own.
        let mut moves = vec![false; self.figures.len()];
        let mark = |moves: &mut Vec<bool>, solution: &[i64]| {
            for (g, moved) in moves.iter_mut().enumerate() {
                *moved |= self.value_at(g, solution) != self.figures[g].value;
            }
        };
        let found = |moves: &mut Vec<bool>, found: Found| {
            if let Found::Counts(solution) = found {
                mark(moves, &solution);
            }
        };
        for round in (0..SCATTERED_ROUNDS).step_by(2) {
            let weights = |round| scattered(self.unknowns, round);
            let (first, second) = both(
                || self.solve(&weights(round), &[]),
                || self.solve(&weights(round + 1), &[]),
            );
            found(&mut moves, first);
            found(&mut moves, second);
        }
        // Then the figures not yet moved pushed together, each up or down at random, and the
        // other way, while that moves any more of them.
        for round in 0..PUSH_ROUNDS {
            if hidden.iter().all(|f| moves[*f]) {
                break;
            }
            let ways = scattered(hidden.len(), SCATTERED_ROUNDS + round as u64);
            let mut push = vec![0.0; self.unknowns];
            for (f, way) in hidden.iter().zip(ways).filter(|(f, _)| !moves[**f]) {
                for (v, sign) in &self.of_figure[*f].0 {
                    push[*v] += way.signum() * *sign as f64;
                }
            }
            // Figures of the same counts pushed opposite ways: other ways next round.
            if push.iter().all(|w| *w == 0.0) {
                continue;
            }
            let back: Vec<f64> = push.iter().map(|w| -w).collect();
            let before = moves.iter().filter(|m| **m).count();
            let (there, and_back) = both(|| self.solve(&push, &[]), || self.solve(&back, &[]));
            found(&mut moves, there);
            found(&mut moves, and_back);
            if moves.iter().filter(|m| **m).count() == before {
                break;
            }
        }
        // Then a program for each figure left, two at a time.
        let mut given_away = Vec::new();
        let mut left = hidden.iter().copied();
        loop {
            let next: Vec<usize> = left.by_ref().filter(|f| !moves[*f]).take(2).collect();
            if next.is_empty() {
                break;
            }
            let solutions = match next[..] {
                [f, g] => {
                    let (of_f, of_g) = both(|| self.another_value(f), || self.another_value(g));
                    vec![of_f, of_g]
                }
                _ => next.iter().map(|f| self.another_value(*f)).collect(),
            };
            // Either solution may move the other figure, whose own program found none.
            for solution in solutions.iter().flatten() {
                mark(&mut moves, solution);
            }
            given_away.extend(next.into_iter().filter(|f| !moves[*f]));
        }
        given_away
    }

    /// Whether figure `f` can take another value.
    fn moves(&self, f: usize) -> Moves {
        let Some(sides) = self.other_values(f) else {
            return Moves::No;
        };
        let mut moves = Moves::No;
        for side in sides {
            match self.solve(&[], &[side]) {
                Found::Counts(_) => return Moves::Yes,
                Found::Unknown => moves = Moves::Unknown,
                Found::None => {}
            }
        }
        moves
    }

    /// Counts that agree with every shown figure and give figure `f` another value, if any
    /// are found.
    fn another_value(&self, f: usize) -> Option<Vec<i64>> {
        self.other_values(f)?
            .into_iter()
            .find_map(|side| match self.solve(&[], &[side]) {
                Found::Counts(counts) => Some(counts),
                _ => None,
            })
    }

    /// Figure `f` below its value and above it, as bounds on its unknown terms; `None` when
    /// it has none (the shown cells give it).
    fn other_values(&self, f: usize) -> Option<[Bound<'_>; 2]> {
        let (terms, known) = &self.of_figure[f];
        if terms.is_empty() {
            return None;
        }
        let value = (self.figures[f].value - known) as f64;
        Some([
            (terms, ComparisonOp::Le, value - 1.0),
            (terms, ComparisonOp::Ge, value + 1.0),
        ])
    }

    fn value_at(&self, f: usize, solution: &[i64]) -> i64 {
        let (terms, known) = &self.of_figure[f];
        known
            + terms
                .iter()
                .map(|(v, sign)| sign * solution[*v])
                .sum::<i64>()
    }

    /// Whether `solution` (whole counts, none below zero) agrees with every shown figure:
    /// the solver's answer, checked exactly.
    fn agrees(&self, solution: &[i64]) -> bool {
        solution.iter().all(|v| *v >= 0)
            && (0..self.figures.len())
                .filter(|g| self.is_shown(*g))
                .all(|g| {
                    let figure = &self.figures[g];
                    figure.sense.holds(self.value_at(g, solution), figure.value)
                })
    }

    /// Counts that agree with every shown figure and with `more`, making the unknowns
    /// weighed by `weights` greatest (none: any), checked exactly.
    fn solve(&self, weights: &[f64], more: &[Bound]) -> Found {
        let independent = self
            .independent
            .get_or_init(|| independent(&self.equations, &self.of_figure, self.unknowns));
        match self.solve_with(independent, weights, more) {
            // Equations told apart in floating point: one taken as given by the others that
            // is not rejects the solution, and all of them decide.
            Attempt::Rejected if independent.len() < self.equations.len() => {
                match self.solve_with(&self.equations, weights, more) {
                    Attempt::Found(found) => found,
                    Attempt::Rejected => Found::Unknown,
                }
            }
            Attempt::Found(found) => found,
            Attempt::Rejected => Found::Unknown,
        }
    }

    /// Counts that agree with the figures `equations` and with `more`, making the unknowns
    /// weighed by `weights` greatest, checked against every shown figure.
    fn solve_with(&self, equations: &[usize], weights: &[f64], more: &[Bound]) -> Attempt {
        let mut problem = Problem::new(OptimizationDirection::Maximize);
        let vars: Vec<_> = (0..self.unknowns)
            .map(|v| {
                problem.add_integer_var(weights.get(v).copied().unwrap_or(0.0), (0, self.bound))
            })
            .collect();
        let expression = |terms: &[(usize, i64)]| linear(&vars, terms);
        for g in equations.iter().chain(&self.bounds) {
            let (terms, known) = &self.of_figure[*g];
            let figure = &self.figures[*g];
            let rest = (figure.value - known) as f64;
            problem.add_constraint(expression(terms).as_slice(), figure.sense.op(), rest);
        }
        for (terms, side, rhs) in more {
            problem.add_constraint(expression(terms).as_slice(), *side, *rhs);
        }
        let solution = match solved(&problem, Search::First) {
            Ok(Some(solution)) => solution,
            Ok(None) => return Attempt::Found(Found::None),
            Err(()) => return Attempt::Found(Found::Unknown),
        };
        let counts: Vec<i64> = vars
            .iter()
            .map(|v| solution.var_value(*v).round() as i64)
            .collect();
        let satisfies_more = more.iter().all(|(terms, side, rhs)| {
            let sum: i64 = terms.iter().map(|(v, sign)| sign * counts[*v]).sum();
            match side {
                ComparisonOp::Le => sum as f64 <= *rhs,
                ComparisonOp::Ge => sum as f64 >= *rhs,
                _ => sum as f64 == *rhs,
            }
        });
        if satisfies_more && self.agrees(&counts) {
            Attempt::Found(Found::Counts(counts))
        } else {
            Attempt::Rejected
        }
    }

    /// The cheapest of `candidates` (shown figures this system takes as hidden; `hidden`
    /// were hidden before them) whose hiding lets figure `f` move: an integer program that
    /// may break their equations, at a cost growing with the figure, and must give `f`
    /// another value. `None` when hiding all of them does not let it move.
    fn cheapest_release(
        &self,
        f: usize,
        candidates: &[usize],
        hidden: &BTreeSet<usize>,
    ) -> Option<Vec<usize>> {
        let [below, above] = self.other_values(f)?;
        let released = |(terms_of_f, side, moved): Bound| -> Option<(f64, Vec<usize>)> {
            let mut problem = Problem::new(OptimizationDirection::Minimize);
            let vars: Vec<_> = (0..self.unknowns)
                .map(|_| problem.add_integer_var(0.0, (0, self.bound)))
                .collect();
            let expression = |terms: &[(usize, i64)]| linear(&vars, terms);
            let mut breaks = Vec::new();
            for (g, (terms, known)) in self.of_figure.iter().enumerate() {
                let figure = &self.figures[g];
                if terms.is_empty() || !figure.shown || hidden.contains(&g) {
                    continue;
                }
                let mut sum = expression(terms);
                if candidates.contains(&g) {
                    let cost = 1.0 + figure.value as f64 / 100.0;
                    let above = problem.add_var(cost, (0.0, f64::INFINITY));
                    let below = problem.add_var(cost, (0.0, f64::INFINITY));
                    sum.extend([(above, 1.0), (below, -1.0)]);
                    breaks.push((g, above, below));
                }
                let rest = (figure.value - known) as f64;
                problem.add_constraint(sum.as_slice(), figure.sense.op(), rest);
            }
            problem.add_constraint(expression(terms_of_f).as_slice(), side, moved);
            let solution = solved(&problem, Search::Best).ok()??;
            let broken = breaks
                .into_iter()
                .filter(|(_, above, below)| solution[*above] + solution[*below] > 1e-6)
                .map(|(g, ..)| g)
                .collect();
            Some((solution.objective(), broken))
        };
        let (below, above) = both(|| released(below), || released(above));
        [below, above]
            .into_iter()
            .flatten()
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, broken)| broken)
    }

    /// The figures (those `can_hide` allows) that share a monthly count with figure `f` or
    /// with a figure sharing one with it, those sharing one with `f` first, then the
    /// smallest.
    fn beside(&self, f: usize, can_hide: impl Fn(&usize) -> bool) -> Vec<usize> {
        let counts = |g: usize| self.figures[g].terms.iter().map(|(count, _)| *count);
        let of_f: BTreeSet<Count> = counts(f).collect();
        let near: BTreeSet<Count> = (0..self.figures.len())
            .filter(|g| counts(*g).any(|c| of_f.contains(&c)))
            .flat_map(counts)
            .collect();
        let mut beside: Vec<usize> = (0..self.figures.len())
            .filter(|g| can_hide(g) && counts(*g).any(|c| near.contains(&c)))
            .collect();
        beside.sort_by_key(|g| {
            (
                !counts(*g).any(|c| of_f.contains(&c)),
                self.figures[*g].value,
            )
        });
        beside
    }
}

/// Of the figures `rows` (each its unknown terms in `of_figure`, over `unknowns` unknowns),
/// those whose terms no combination of the ones before them gives: the same counts agree
/// with these as with all of them, since every equation holds for the true counts, and a
/// program of these alone is smaller by about a third on the plan's data. Found in floating
/// point: an equation taken for dependent that is not only widens what programs may find;
/// every solution is checked against every figure ([`System::agrees`]), and one rejected is
/// looked for again with all of them ([`System::solve`]).
fn independent(
    rows: &[usize],
    of_figure: &[(Vec<(usize, i64)>, i64)],
    unknowns: usize,
) -> Vec<usize> {
    const ZERO: f64 = 1e-9;
    // Each kept equation reduced to one with 1 at its pivot and 0 at every earlier pivot.
    let mut reduced: Vec<(usize, Vec<f64>)> = Vec::new();
    let mut kept = Vec::new();
    for g in rows {
        let mut row = vec![0.0; unknowns];
        for (v, sign) in &of_figure[*g].0 {
            row[*v] += *sign as f64;
        }
        for (pivot, basis) in &reduced {
            let factor = row[*pivot];
            if factor.abs() > ZERO {
                for (x, b) in row.iter_mut().zip(basis) {
                    *x -= factor * b;
                }
            }
        }
        let pivot = (0..unknowns).max_by(|a, b| row[*a].abs().total_cmp(&row[*b].abs()));
        if let Some(pivot) = pivot.filter(|p| row[*p].abs() > ZERO) {
            let scale = row[pivot];
            row.iter_mut().for_each(|x| *x /= scale);
            reduced.push((pivot, row));
            kept.push(*g);
        }
    }
    kept
}

/// Unknowns with their signs as a program's expression in `vars`.
fn linear(vars: &[microlp::Variable], terms: &[(usize, i64)]) -> Vec<(microlp::Variable, f64)> {
    terms
        .iter()
        .map(|(v, sign)| (vars[*v], *sign as f64))
        .collect()
}

/// What a search for counts found.
enum Found {
    Counts(Vec<i64>),
    /// Proven that there are none.
    None,
    /// Stopped at the node limit, or an answer that did not check out.
    Unknown,
}

/// What one program gave.
enum Attempt {
    Found(Found),
    /// A solution that the exact check rejected.
    Rejected,
}

/// Whether a figure can take another value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moves {
    Yes,
    No,
    Unknown,
}

thread_local! {
    /// Programs solved on this thread, for the audit's log line.
    static SOLVED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Whether this thread's programs are solved here, one after the other ([`on_one_thread`]).
    static ON_ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every pair of programs it solves solved on this thread, one after the other:
/// for small systems audited side by side already, where a thread for each pair would cost
/// more than the programs.
fn on_one_thread<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the thread back as it was, after a panic too: a runtime thread lives on after a
    /// task's panic, and its later audits would run on one thread.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ON_ONE_THREAD.with(|one| one.set(self.0));
        }
    }
    let _restore = Restore(ON_ONE_THREAD.with(|one| one.replace(true)));
    f()
}

/// How far a program's search goes once it has a solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Search {
    /// Counts that agree with the figures: any will do, the first found is taken.
    First,
    /// The cheapest figures to hide: the best found within [`NODE_LIMIT`].
    Best,
}

/// A solution of `problem` found within [`NODE_LIMIT`] as `search` asks; `Ok(None)` when it
/// is proven to have none, `Err` when the search stopped without one.
fn solved(problem: &Problem, search: Search) -> Result<Option<microlp::Solution>, ()> {
    SOLVED.with(|n| n.set(n.get() + 1));
    let mut options = SolveOptions::default();
    options.node_limit = Some(NODE_LIMIT);
    if search == Search::First {
        // A relative gap no search can fail to meet: it stops at its first solution.
        options.mip_gap = f64::MAX;
    }
    match problem.solve_with(options) {
        Ok(outcome) => outcome.into_solution().map(Some).map_err(|_| ()),
        Err(microlp::Error::Infeasible) => Ok(None),
        Err(_) => Err(()),
    }
}

/// `a` on a thread of its own while `b` runs on this one: an audit's programs are
/// independent of each other, and a request waits for its audits. Programs solved there count
/// here.
fn both<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    if ON_ONE_THREAD.with(std::cell::Cell::get) {
        return (a(), b());
    }
    // Taken by whichever thread runs it: the other one, or this one when the system has no
    // thread to give.
    let a = Mutex::new(Some(a));
    let run_a = || a.lock().ok().and_then(|mut a| a.take()).map(|a| a());
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .spawn_scoped(scope, || (run_a(), SOLVED.with(std::cell::Cell::get)));
        let b = b();
        let a = match other {
            Ok(other) => {
                let (a, solved) = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                SOLVED.with(|n| n.set(n.get() + solved));
                a
            }
            Err(_) => run_a(),
        };
        (a.expect("`a` runs once, on one thread"), b)
    })
}

/// Weights in [-0.5, 0.5) for `n` unknowns, the same for the same round.
fn scattered(n: usize, round: u64) -> Vec<f64> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ round;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 40) as f64 / (1u64 << 24) as f64 - 0.5
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{AUDIT_LIMIT, independent, taken_in};

    #[test]
    fn panels_beside_are_taken_nearest_first_as_far_as_the_limit_leaves_room() {
        let limit = AUDIT_LIMIT;
        // Every one fits, with its parts.
        assert_eq!(
            taken_in(limit, 100, [(100, Some(50)), (100, None)]),
            (vec![true, true], 350)
        );
        // The nearest does not fit with its parts: it is taken alone, and none after it.
        assert_eq!(
            taken_in(limit, limit - 150, [(100, Some(100)), (10, None)]),
            (vec![false], limit - 50)
        );
        // Nor alone: none is taken, even one further that would fit.
        assert_eq!(
            taken_in(limit, limit - 50, [(100, Some(10)), (10, None)]),
            (vec![], limit - 50)
        );
        // One without parts that does not fit ends it.
        assert_eq!(
            taken_in(limit, limit - 150, [(100, None), (100, None), (10, None)]),
            (vec![true], limit - 50)
        );
    }

    #[test]
    fn equations_that_those_before_them_add_up_to_are_left_out() {
        // Over counts x0..x3: x0 + x1; x2 + x3; x0 + x1 again; all four (the first two
        // together); x1 − x2 and x0 + x3, which no combination of those before gives.
        let of_figure = vec![
            (vec![(0, 1), (1, 1)], 0),
            (vec![(2, 1), (3, 1)], 0),
            (vec![(0, 1), (1, 1)], 0),
            (vec![(0, 1), (1, 1), (2, 1), (3, 1)], 0),
            (vec![(1, 1), (2, -1)], 0),
            (vec![(0, 1), (3, 1)], 0),
        ];
        assert_eq!(
            independent(&[0, 1, 2, 3, 4, 5], &of_figure, 4),
            [0, 1, 4, 5]
        );
        // In another order the sum comes first, and x0 + x1 is then what it and x2 + x3 give.
        assert_eq!(independent(&[3, 1, 0, 2], &of_figure, 4), [3, 1]);
    }
}
