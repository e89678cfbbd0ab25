//! Disclosure control for tables of counts (domain.md §4): a caller sees exact figures for the
//! municipalities it acts for; in every other municipality's cells, and in everything an
//! analyst sees, counts from 1 to the threshold are suppressed. Complementary suppression then
//! makes sure no suppressed figure can be worked out from the published figures, however many
//! rows, columns and totals that takes, counting the caller's own figures as known and counts
//! as never negative (see [`cycles`]).
//!
//! A table has one row per municipality and one column per category or period; it is
//! published with row totals, column totals (the joint figures) and a grand total.

use std::collections::BTreeSet;

mod cube;
mod cycles;
mod periods;

pub use cube::{AUDIT_LIMIT, Beside, Parts, Relation, RowBound, Term};
use cycles::{Cycles, Graph, Move};
pub use periods::{PanelYear, publish_year_beside, publish_year_by_period};

/// The default threshold: counts 1–4 are suppressed.
pub const DEFAULT_THRESHOLD: u64 = 4;

/// Who looks, from which count a figure is safe to show, and how far the figures are audited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The municipalities whose exact figures the viewer may see (its own).
    pub own: BTreeSet<String>,
    pub threshold: u64,
    /// The most hidden monthly counts of a year audited as one system; a larger year is
    /// audited municipality by municipality ([`cube::audit`]).
    pub audit_limit: usize,
}

/// A table of counts: `cells[row][column]`, one row per municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub rows: Vec<String>,
    pub cells: Vec<Vec<u64>>,
    /// Columns never shown for a municipality the viewer does not own, whatever the count
    /// (deaths per municipality are shown only as multi-year sums), unless the figure follows
    /// from what the viewer knows anyway (the zero of a municipality whose total of zero is
    /// shown).
    pub withheld_columns: Vec<usize>,
    /// How another table already published this table's row totals and grand total, when
    /// they are its figures too (a municipality's incidents are the total of every incident
    /// panel; by month, a column of a quarter's table of months): hidden here exactly where
    /// hidden there, so neither gives the other away.
    pub totals_as_published: Option<TotalsShown>,
    /// Figures another publication of the same counts hides: hidden here too, whatever their
    /// count, so both show them alike (a municipality's non-fatal incidents in a month,
    /// hidden beside the year's in the table of that category by month).
    pub hidden_elsewhere: Positions,
    /// Figures another publication of the same counts gives away (its shown figures add up
    /// to them): shown here, whatever their count, and never a term of a cycle that protects
    /// another (a month of a municipality whose year of that category is shown as zero).
    pub given_elsewhere: Positions,
}

/// Figures of a table by position: cells by row and column, row totals by row, column
/// totals by column, and the grand total.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions {
    pub cells: BTreeSet<(usize, usize)>,
    pub row_totals: BTreeSet<usize>,
    pub column_totals: BTreeSet<usize>,
    pub total: bool,
}

impl Positions {
    /// The figures' numbers in a table of `index`'s shape.
    fn numbered<'a>(&'a self, index: &'a Index) -> impl Iterator<Item = usize> + 'a {
        let cells = self.cells.iter().map(|(r, c)| index.cell(*r, *c));
        cells
            .chain(self.row_totals.iter().map(|r| index.row(*r)))
            .chain(self.column_totals.iter().map(|c| index.column(*c)))
            .chain(self.total.then(|| index.total()))
    }
}

/// Which row totals and grand total a published table shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalsShown {
    pub rows: Vec<bool>,
    pub total: bool,
}

/// The table as published: `None` is a suppressed figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub cells: Vec<Vec<Option<u64>>>,
    pub row_totals: Vec<Option<u64>>,
    pub column_totals: Vec<Option<u64>>,
    pub total: Option<u64>,
}

impl Published {
    /// A figure shown in both publications (of tables of one shape) summed, one hidden in
    /// either hidden: what the two together give of the table of their sums.
    pub fn plus(&self, other: &Published) -> Published {
        let add = |a: Option<u64>, b: Option<u64>| Some(a? + b?);
        let sum = |a: &[Option<u64>], b: &[Option<u64>]| -> Vec<Option<u64>> {
            debug_assert_eq!(a.len(), b.len(), "publications of one shape");
            a.iter().zip(b).map(|(a, b)| add(*a, *b)).collect()
        };
        Published {
            cells: self
                .cells
                .iter()
                .zip(&other.cells)
                .map(|(a, b)| sum(a, b))
                .collect(),
            row_totals: sum(&self.row_totals, &other.row_totals),
            column_totals: sum(&self.column_totals, &other.column_totals),
            total: add(self.total, other.total),
        }
    }

    /// Each column as a table of its own, as a period of a panel of one category is: a
    /// municipality's figure is its cell and its total, the column's joint figure its column
    /// total and its grand total. A table of no rows has no columns to count: its `columns`
    /// joint figures are zeros.
    pub fn columns_as_periods(&self, columns: usize) -> Vec<Published> {
        (0..columns)
            .map(|c| {
                let cells: Vec<Option<u64>> = self.cells.iter().map(|row| row[c]).collect();
                let joint = self.column_totals.get(c).copied().unwrap_or(Some(0));
                Published {
                    cells: cells.iter().map(|c| vec![*c]).collect(),
                    row_totals: cells,
                    column_totals: vec![joint],
                    total: joint,
                }
            })
            .collect()
    }

    /// The same table with every figure hidden.
    pub fn all_hidden(&self) -> Published {
        let none = |figures: &[Option<u64>]| vec![None; figures.len()];
        Published {
            cells: self.cells.iter().map(|row| none(row)).collect(),
            row_totals: none(&self.row_totals),
            column_totals: none(&self.column_totals),
            total: None,
        }
    }
}

/// A published table's figures by position, however they are kept (as the audit's
/// [`Published`], or compact in a kept panel).
pub trait Shown {
    fn rows(&self) -> usize;
    fn columns(&self) -> usize;
    fn cell(&self, row: usize, column: usize) -> Option<u64>;
    fn row_total(&self, row: usize) -> Option<u64>;
    fn column_total(&self, column: usize) -> Option<u64>;
    fn total(&self) -> Option<u64>;

    /// The totals it shows, for a table that shares them.
    fn totals_shown(&self) -> TotalsShown {
        TotalsShown {
            rows: (0..self.rows())
                .map(|r| self.row_total(r).is_some())
                .collect(),
            total: self.total().is_some(),
        }
    }

    /// The figures of some of the table's rows (by index, in the order given), with the joint
    /// figures of those rows alone. Every table over some municipalities is cut this way from
    /// the one table of all of them, so two answers over different municipalities show the
    /// same figure alike and a joint figure of some is never a new sum to difference against
    /// another: it is shown only when what this table shows gives it already (each of its
    /// terms is shown, or the whole joint figure is and every figure outside it).
    fn restricted(&self, rows: &[usize]) -> Published {
        let columns = self.columns();
        let mut inside = vec![false; self.rows()];
        for &r in rows {
            inside[r] = true;
        }
        let outside: Vec<usize> = (0..inside.len()).filter(|r| !inside[*r]).collect();
        let joint = |figure: &dyn Fn(usize) -> Option<u64>, whole: Option<u64>| {
            rows.iter()
                .map(|&r| figure(r))
                .sum::<Option<u64>>()
                .or_else(|| {
                    let rest: u64 = outside.iter().map(|&r| figure(r)).sum::<Option<u64>>()?;
                    whole?.checked_sub(rest)
                })
        };
        let mut column_totals: Vec<Option<u64>> = (0..columns)
            .map(|c| joint(&|r| self.cell(r, c), self.column_total(c)))
            .collect();
        let total = joint(&|r| self.row_total(r), self.total())
            .or_else(|| column_totals.iter().copied().sum());
        // The joint total less the other columns' joint figures gives a lone hidden one.
        let hidden: Vec<usize> = (0..columns)
            .filter(|c| column_totals[*c].is_none())
            .collect();
        if let (&[c], Some(total)) = (&hidden[..], total) {
            let others: u64 = column_totals.iter().flatten().sum();
            column_totals[c] = total.checked_sub(others);
        }
        Published {
            cells: rows
                .iter()
                .map(|&r| (0..columns).map(|c| self.cell(r, c)).collect())
                .collect(),
            row_totals: rows.iter().map(|&r| self.row_total(r)).collect(),
            column_totals,
            total,
        }
    }
}

impl Shown for Published {
    fn rows(&self) -> usize {
        self.row_totals.len()
    }

    fn columns(&self) -> usize {
        self.column_totals.len()
    }

    fn cell(&self, row: usize, column: usize) -> Option<u64> {
        self.cells[row][column]
    }

    fn row_total(&self, row: usize) -> Option<u64> {
        self.row_totals[row]
    }

    fn column_total(&self, column: usize) -> Option<u64> {
        self.column_totals[column]
    }

    fn total(&self) -> Option<u64> {
        self.total
    }
}

impl Table {
    pub fn columns(&self) -> usize {
        self.cells.first().map_or(0, Vec::len)
    }
}

/// Suppresses what the viewer may not see, and whatever would let it be worked out.
pub fn publish(table: &Table, viewer: &Viewer) -> Published {
    let mut draft = Draft::new(table, viewer);
    let graph = Graph::of(&draft.index).with_moves(&draft.index, &draft.moves);
    draft.figures.close(graph);
    draft.published()
}

/// Publishes two tables the second of which splits `column` of the first (its row totals are
/// that column's cells, its grand total the column's total, as non-fatal incidents split by
/// whether follow-up was offered): they share those figures, so they are protected as one,
/// and nothing hidden in either can be worked out from both together.
pub fn publish_split(
    whole: &Table,
    column: usize,
    parts: &Table,
    viewer: &Viewer,
) -> (Published, Published) {
    let (whole, mut parts) = publish_splits(whole, &[(column, parts)], viewer);
    let parts = parts.pop().expect("one table of parts for one split");
    (whole, parts)
}

/// Publishes a table with some of its columns split, each by a table of its own (see
/// [`publish_split`]; a year's quarters, each split into its months): all are protected as
/// one, and nothing hidden in any can be worked out from all of them together. Each column is
/// split at most once, by a table of the same rows that takes no totals from elsewhere (its
/// totals are the whole's figures).
pub fn publish_splits(
    whole: &Table,
    splits: &[(usize, &Table)],
    viewer: &Viewer,
) -> (Published, Vec<Published>) {
    debug_assert!(
        splits.iter().enumerate().all(|(i, (column, parts))| {
            *column < whole.columns().max(1)
                && parts.rows == whole.rows
                && parts.totals_as_published.is_none()
                && splits[..i].iter().all(|(other, _)| other != column)
        }),
        "each split is of a column of the whole, once, by a table of its rows"
    );
    if whole.rows.is_empty() {
        // No municipality: nothing to protect, and a table of no rows has no columns to split.
        let parts = splits.iter().map(|(_, parts)| publish(parts, viewer));
        return (publish(whole, viewer), parts.collect());
    }
    let mut first = Draft::new(whole, viewer);
    let mut seconds: Vec<Draft> = splits
        .iter()
        .map(|(_, parts)| Draft::new(parts, viewer))
        .collect();
    // The figures of all, numbered: the first table's, then each second's own.
    let own_from = first.index.len();
    let mut next = own_from;
    let mut of_parts: Vec<Vec<usize>> = Vec::with_capacity(splits.len());
    for ((column, _), second) in splits.iter().zip(&seconds) {
        let mut numbers = Vec::with_capacity(second.index.len());
        for v in 0..second.index.len() {
            numbers.push(match second.index.kind(v) {
                Var::Row(r) => first.index.cell(r, *column),
                Var::Total => first.index.column(*column),
                _ => {
                    next += 1;
                    next - 1
                }
            });
        }
        of_parts.push(numbers);
    }
    let mut joint = first.figures.clone();
    joint.values.resize(next, 0);
    joint.hidden.resize(next, false);
    joint.known.resize(next, false);
    joint.conceded.resize(next, false);
    for (second, numbers) in seconds.iter().zip(&of_parts) {
        let theirs = &second.figures;
        for (v, j) in numbers.iter().copied().enumerate() {
            // All are summed from one read of the counts, so what they share is equal.
            debug_assert!(j >= own_from || joint.values[j] == theirs.values[v]);
            if j >= own_from {
                joint.values[j] = theirs.values[v];
            }
            // A figure hidden in either table is hidden in both.
            joint.hidden[j] |= theirs.hidden[v];
            joint.known[j] |= theirs.known[v];
            joint.conceded[j] |= theirs.conceded[v];
        }
    }
    let split_graphs: Vec<(usize, &Index, &[usize])> = splits
        .iter()
        .zip(&seconds)
        .zip(&of_parts)
        .map(|(((column, _), second), numbers)| (*column, &second.index, &numbers[..]))
        .collect();
    let graph = Graph::splits(&first.index, &split_graphs).with_moves(&first.index, &first.moves);
    joint.close(graph);
    first
        .figures
        .hidden
        .copy_from_slice(&joint.hidden[..own_from]);
    for (second, numbers) in seconds.iter_mut().zip(&of_parts) {
        for (v, j) in numbers.iter().enumerate() {
            second.figures.hidden[v] = joint.hidden[*j];
        }
    }
    (
        first.published(),
        seconds.iter().map(Draft::published).collect(),
    )
}

/// What the complete check works on: each figure's value, and whether it is hidden, known to
/// the viewer whatever is hidden, or conceded (hidden, but following from what it knows).
#[derive(Clone)]
struct Figures {
    values: Vec<u64>,
    hidden: Vec<bool>,
    known: Vec<bool>,
    conceded: Vec<bool>,
}

impl Figures {
    /// Makes sure every hidden figure has another possible value ([`Cycles::close`]) on
    /// `graph`, whose figures are these and then the moves of shared totals (hidden, rising
    /// only); then shows the figures that follow from what the viewer knows anyway: hiding
    /// them would protect nothing, and a suppressed figure that can be worked out is a
    /// promise not kept (the cells of a municipality whose total of zero another table
    /// shows).
    fn close(&mut self, graph: Graph) {
        let Figures {
            values,
            hidden,
            known,
            conceded,
        } = self;
        let figures = values.len();
        let moves = graph.len() - figures;
        values.extend(std::iter::repeat_n(0, moves));
        hidden.extend(std::iter::repeat_n(true, moves));
        known.extend(std::iter::repeat_n(false, moves));
        conceded.extend(std::iter::repeat_n(false, moves));
        let value = |v: usize| values[v];
        Cycles::new(graph, &value).close(hidden, known, conceded);
        for list in [&mut *hidden, known, conceded] {
            list.truncate(figures);
        }
        values.truncate(figures);
        for (hidden, conceded) in hidden.iter_mut().zip(conceded.iter()) {
            *hidden &= !*conceded;
        }
    }
}

/// How another table lets the totals it hides move (see [`cycles::Move`]), so that each has a
/// second value: with the grand total, each total and the grand total up together; without
/// it, each up and the largest hidden one down. Moves never undo one another (no chain of
/// them leads back where it started), so a cycle through them moves some figure of this
/// table. Worked out from the shared totals alone: every table that shares them finds the
/// same moves, and a move a cycle here runs through is one each of them makes too.
fn moves_of_shared_totals(shown: &TotalsShown, totals: &[u64]) -> Vec<Move> {
    let hidden = (0..totals.len()).filter(|r| !shown.rows[*r]);
    if !shown.total {
        return hidden.map(|up| Move::Grow { up }).collect();
    }
    let Some(down) = hidden
        .clone()
        .filter(|r| totals[*r] > 0)
        .max_by_key(|r| (totals[*r], std::cmp::Reverse(*r)))
    else {
        return Vec::new();
    };
    hidden
        .filter(|up| *up != down)
        .map(|up| Move::Trade { up, down })
        .collect()
}

/// A table on its way to being published: its figures numbered by [`Index`], with what is
/// hidden so far.
struct Draft {
    index: Index,
    /// Known figures are the viewer's own and the totals another table shares: those it
    /// shows are never hidden here, and those it hides move only as it lets them (`moves`).
    figures: Figures,
    moves: Vec<Move>,
}

impl Draft {
    /// The small figures the viewer does not own hidden, and the usual rounds of
    /// complementary suppression done.
    fn new(table: &Table, viewer: &Viewer) -> Self {
        let rows = table.rows.len();
        let columns = table.columns();
        let own: Vec<bool> = table.rows.iter().map(|r| viewer.own.contains(r)).collect();
        let small = |n: u64| (1..=viewer.threshold).contains(&n);

        let row_total: Vec<u64> = table.cells.iter().map(|r| r.iter().sum()).collect();
        let column_total: Vec<u64> = (0..columns)
            .map(|c| table.cells.iter().map(|r| r[c]).sum())
            .collect();
        let total: u64 = row_total.iter().sum();
        let own_in_column = |c: usize| -> u64 {
            (0..rows)
                .filter(|r| own[*r])
                .map(|r| table.cells[r][c])
                .sum()
        };
        let own_total: u64 = (0..rows).filter(|r| own[*r]).map(|r| row_total[r]).sum();

        let index = Index { rows, columns };
        let values: Vec<u64> = (0..index.len())
            .map(|v| index.value(v, &table.cells, &row_total, &column_total, total))
            .collect();
        let value = |v: usize| values[v];

        // Primary suppression: small figures the viewer does not own. A joint figure is judged
        // by the part of it that is not the viewer's own.
        let withheld = |c: usize| table.withheld_columns.contains(&c);
        let others_present = own.iter().any(|o| !o);
        let mut hidden: Vec<bool> = (0..index.len())
            .map(|v| match index.kind(v) {
                Var::Cell(r, c) => !own[r] && (small(table.cells[r][c]) || withheld(c)),
                Var::Row(r) => !own[r] && small(row_total[r]),
                // A withheld column's joint figure is hidden at zero too: a published zero
                // would show every hidden cell under it to be zero.
                Var::Column(c) => {
                    let foreign = column_total[c] - own_in_column(c);
                    small(foreign) || (withheld(c) && foreign == 0 && others_present)
                }
                Var::Total => small(total - own_total),
            })
            .collect();
        for v in table.hidden_elsewhere.numbered(&index) {
            hidden[v] = true;
        }
        // The viewer knows its own figures whatever is published, and what another
        // publication gives away.
        let mut known: Vec<bool> = (0..index.len())
            .map(|v| index.owned_row(v).is_some_and(|r| own[r]))
            .collect();
        for v in table.given_elsewhere.numbered(&index) {
            hidden[v] = false;
            known[v] = true;
        }
        let mut moves = Vec::new();
        if let Some(shown) = &table.totals_as_published {
            let totals = (0..rows)
                .map(|r| (index.row(r), shown.rows[r]))
                .chain([(index.total(), shown.total)]);
            for (v, shown_there) in totals {
                hidden[v] |= !shown_there;
                known[v] = true;
            }
            moves = moves_of_shared_totals(shown, &row_total);
        }

        // Complementary suppression. The published figures are the terms of linear equations
        // (each row and column adds up to its total, the totals to the grand total). First the
        // usual rounds: work out everything the viewer can derive equation by equation; if a
        // hidden figure turns out derivable, hide one more term of the equation that gave it
        // away (the smallest the viewer does not know), and start over. The complete check,
        // which also sees what only several equations together give away, follows
        // ([`Cycles`]).
        //
        // A total another table hides is unknown to the viewer here too: its value is never a
        // term to work others out from (a hidden zero would give away every figure of its
        // row). Where this table's shown figures give it anyway, the table that hides it
        // gives it too; it is taken as known from then on, and never shown here.
        // What another publication gives away is conceded here too: known, and shown in
        // every table it is a figure of (a split's parts share it).
        let mut conceded = vec![false; index.len()];
        for v in table.given_elsewhere.numbered(&index) {
            conceded[v] = true;
        }
        let mut given_elsewhere = vec![false; index.len()];
        let equations = index.equations();
        loop {
            let known_from_start: Vec<bool> = (0..index.len())
                .map(|v| !hidden[v] || conceded[v] || given_elsewhere[v])
                .collect();
            let Some((derived, giveaway)) =
                first_giveaway(&equations, &known_from_start, &hidden, value)
            else {
                break;
            };
            let candidates = giveaway.into_iter().filter(|v| !hidden[*v] && !known[*v]);
            match smallest(candidates, value) {
                Some(next) => hidden[next] = true,
                None if known[derived] => given_elsewhere[derived] = true,
                None => conceded[derived] = true,
            }
        }
        Self {
            index,
            figures: Figures {
                values,
                hidden,
                known,
                conceded,
            },
            moves,
        }
    }

    fn published(&self) -> Published {
        let index = &self.index;
        let figures = &self.figures;
        let show = |v: usize| (!figures.hidden[v]).then_some(figures.values[v]);
        Published {
            cells: (0..index.rows)
                .map(|r| (0..index.columns).map(|c| show(index.cell(r, c))).collect())
                .collect(),
            row_totals: (0..index.rows).map(|r| show(index.row(r))).collect(),
            column_totals: (0..index.columns).map(|c| show(index.column(c))).collect(),
            total: show(index.total()),
        }
    }
}

/// The figures of a published table, numbered: cells, then row totals, column totals and the
/// grand total.
struct Index {
    rows: usize,
    columns: usize,
}

enum Var {
    Cell(usize, usize),
    Row(usize),
    Column(usize),
    Total,
}

impl Index {
    fn len(&self) -> usize {
        self.rows * self.columns + self.rows + self.columns + 1
    }
    fn cell(&self, r: usize, c: usize) -> usize {
        r * self.columns + c
    }
    fn row(&self, r: usize) -> usize {
        self.rows * self.columns + r
    }
    fn column(&self, c: usize) -> usize {
        self.rows * self.columns + self.rows + c
    }
    fn total(&self) -> usize {
        self.len() - 1
    }
    fn kind(&self, v: usize) -> Var {
        let cells = self.rows * self.columns;
        if v < cells {
            Var::Cell(v / self.columns, v % self.columns)
        } else if v < cells + self.rows {
            Var::Row(v - cells)
        } else if v < cells + self.rows + self.columns {
            Var::Column(v - cells - self.rows)
        } else {
            Var::Total
        }
    }
    /// The municipality (row) a cell or row total belongs to, for telling the viewer's own.
    fn owned_row(&self, v: usize) -> Option<usize> {
        match self.kind(v) {
            Var::Cell(r, _) | Var::Row(r) => Some(r),
            _ => None,
        }
    }
    fn value(
        &self,
        v: usize,
        cells: &[Vec<u64>],
        rows: &[u64],
        columns: &[u64],
        total: u64,
    ) -> u64 {
        match self.kind(v) {
            Var::Cell(r, c) => cells[r][c],
            Var::Row(r) => rows[r],
            Var::Column(c) => columns[c],
            Var::Total => total,
        }
    }
    /// Every equation, as the figures that sum to zero with signs left out: each is a list
    /// of terms whose last one is the sum of the others.
    fn equations(&self) -> Vec<Vec<usize>> {
        let mut equations = Vec::new();
        for r in 0..self.rows {
            let mut terms: Vec<usize> = (0..self.columns).map(|c| self.cell(r, c)).collect();
            terms.push(self.row(r));
            equations.push(terms);
        }
        for c in 0..self.columns {
            let mut terms: Vec<usize> = (0..self.rows).map(|r| self.cell(r, c)).collect();
            terms.push(self.column(c));
            equations.push(terms);
        }
        let mut by_rows: Vec<usize> = (0..self.rows).map(|r| self.row(r)).collect();
        by_rows.push(self.total());
        equations.push(by_rows);
        let mut by_columns: Vec<usize> = (0..self.columns).map(|c| self.column(c)).collect();
        by_columns.push(self.total());
        equations.push(by_columns);
        equations
    }
}

/// The first hidden figure the viewer can derive, with the terms of the equation that gives it
/// away, if any. Besides equations with one unknown term, counts are never negative: when what
/// remains of a known sum is zero, every unknown term of it is zero.
fn first_giveaway(
    equations: &[Vec<usize>],
    known_from_start: &[bool],
    hidden: &[bool],
    value: impl Fn(usize) -> u64,
) -> Option<(usize, Vec<usize>)> {
    let mut known = known_from_start.to_vec();
    loop {
        let mut progressed = false;
        for terms in equations {
            let mut unknown = terms.iter().filter(|v| !known[**v]);
            if unknown.next().is_none() {
                continue;
            }
            if unknown.next().is_some() {
                // Several unknown terms are derived only when what remains of the sum is zero.
                let (sum, parts) = terms.split_last().expect("an equation has terms");
                let rest_is_zero = known[*sum]
                    && parts
                        .iter()
                        .filter(|v| known[**v])
                        .map(|v| value(*v))
                        .sum::<u64>()
                        == value(*sum);
                if !rest_is_zero {
                    continue;
                }
            }
            let derived: Vec<usize> = terms.iter().copied().filter(|v| !known[*v]).collect();
            if let Some(giveaway) = derived.iter().find(|v| hidden[**v]) {
                return Some((*giveaway, terms.clone()));
            }
            for v in derived {
                known[v] = true;
            }
            progressed = true;
        }
        if !progressed {
            return None;
        }
    }
}

/// The candidate with the smallest value, preferring non-zero ones (hiding a zero protects
/// as well, but a non-zero neighbour is the usual choice and keeps zeros readable).
fn smallest(
    candidates: impl Iterator<Item = usize>,
    value: impl Fn(usize) -> u64,
) -> Option<usize> {
    candidates.min_by_key(|i| (value(*i) == 0, value(*i)))
}

/// A rate per 10,000 inhabitants, suppressed with its count.
pub fn rate_per_10k(count: Option<u64>, population: Option<u64>) -> Option<f64> {
    match (count, population) {
        (Some(count), Some(population)) if population > 0 => {
            Some(count as f64 * 10_000.0 / population as f64)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn viewer(own: &[&str]) -> Viewer {
        Viewer {
            own: own.iter().map(|s| s.to_string()).collect(),
            threshold: DEFAULT_THRESHOLD,
            audit_limit: AUDIT_LIMIT,
        }
    }

    fn table(cells: &[&[u64]]) -> Table {
        table_of(cells.iter().map(|r| r.to_vec()).collect())
    }

    /// A table of Kristiansund, Molde, Ålesund and the Ålesund of 2020–2023, as many as it
    /// has rows.
    fn table_of(cells: Vec<Vec<u64>>) -> Table {
        Table {
            rows: ["1505", "1506", "1508", "1507"][..cells.len()]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            cells,
            withheld_columns: Vec::new(),
            totals_as_published: None,
            hidden_elsewhere: Positions::default(),
            given_elsewhere: Positions::default(),
        }
    }

    #[test]
    fn own_figures_are_exact_and_others_small_ones_are_hidden() {
        // Kristiansund, Molde, Ålesund; fatal and non-fatal.
        let t = table(&[&[2, 20], &[3, 30], &[7, 50]]);
        let molde = publish(&t, &viewer(&["1506"]));
        assert_eq!(molde.cells[1], vec![Some(3), Some(30)]);
        assert_eq!(molde.cells[0][0], None);
        let kristiansund = publish(&t, &viewer(&["1505"]));
        assert_eq!(
            kristiansund.cells[1][0], None,
            "Molde's 3 is hidden from Kristiansund"
        );
        assert_eq!(kristiansund.cells[0][0], Some(2), "its own 2 is not");
    }

    #[test]
    fn zeros_and_large_counts_are_shown() {
        let t = table(&[&[0, 12], &[5, 40]]);
        let analyst = publish(&t, &viewer(&[]));
        assert_eq!(
            analyst.cells,
            vec![vec![Some(0), Some(12)], vec![Some(5), Some(40)]]
        );
        assert_eq!(analyst.total, Some(57));
    }

    #[test]
    fn a_lone_hidden_cell_takes_a_neighbour_with_it() {
        // Only Molde's 3 is small: its row and column would give it away.
        let t = table(&[&[10, 20], &[3, 30], &[7, 50]]);
        let analyst = publish(&t, &viewer(&[]));
        let hidden_in_row = analyst.cells[1].iter().filter(|c| c.is_none()).count();
        let hidden_in_column = analyst.cells.iter().filter(|r| r[0].is_none()).count();
        assert!(hidden_in_row != 1 || analyst.row_totals[1].is_none());
        assert!(hidden_in_column != 1 || analyst.column_totals[0].is_none());
    }

    #[test]
    fn the_joint_total_does_not_give_away_the_third_municipality() {
        // Molde sees its own 10 and Ålesund's 12; Kristiansund's 2 must not follow from the
        // joint 24.
        let t = table(&[&[2], &[10], &[12]]);
        let molde = publish(&t, &viewer(&["1506"]));
        assert_eq!(molde.cells[0][0], None);
        assert!(molde.cells[2][0].is_none() || molde.column_totals[0].is_none());
    }

    #[test]
    fn rates_of_hidden_counts_are_hidden() {
        assert_eq!(rate_per_10k(None, Some(32_800)), None);
        assert_eq!(
            rate_per_10k(Some(41), Some(32_800)).map(|r| (r * 10.0).round()),
            Some(125.0)
        );
    }

    /// Every hidden cell has at least two values consistent with everything published and
    /// the viewer's own figures, found by brute force on small random tables.
    #[test]
    fn no_hidden_cell_can_be_worked_out() {
        let mut next = numbers(7);
        let mut checked = 0;
        for _ in 0..300 {
            let cells: Vec<Vec<u64>> = (0..3)
                .map(|_| (0..2).map(|_| next(4) * next(3)).collect())
                .collect();
            let t = Table {
                rows: vec!["1505".into(), "1506".into(), "1508".into()],
                cells,
                withheld_columns: if next(3) == 0 { vec![1] } else { vec![] },
                totals_as_published: None,
                hidden_elsewhere: Positions::default(),
                given_elsewhere: Positions::default(),
            };
            let own = if next(2) == 0 { vec![] } else { vec!["1506"] };
            let v = viewer(&own);
            let p = publish(&t, &v);
            let hidden: Vec<(usize, usize)> = (0..3)
                .flat_map(|r| (0..2).map(move |c| (r, c)))
                .filter(|(r, c)| p.cells[*r][*c].is_none())
                .collect();
            // Five or six hidden cells would take millions of guesses each.
            if hidden.is_empty() || hidden.len() > 4 {
                continue;
            }
            checked += 1;
            let mut seen: Vec<BTreeSet<u64>> = vec![BTreeSet::new(); hidden.len()];
            // Values are at most 6, so every alternative is at most 12.
            let range = 0..=12u64;
            let combos = (range.end() + 1).pow(hidden.len() as u32);
            for combo in 0..combos {
                let mut guess = t.cells.clone();
                let mut rest = combo;
                for (r, c) in &hidden {
                    guess[*r][*c] = rest % (range.end() + 1);
                    rest /= range.end() + 1;
                }
                if agrees(&guess, &p) {
                    for (i, (r, c)) in hidden.iter().enumerate() {
                        seen[i].insert(guess[*r][*c]);
                    }
                }
            }
            for (i, (r, c)) in hidden.iter().enumerate() {
                assert!(
                    seen[i].len() >= 2,
                    "cell {r},{c} of {:?} is determined for {:?}: {p:?}",
                    t.cells,
                    v.own
                );
            }
        }
        assert!(checked >= 100, "only {checked} tables were checked");
    }

    /// A seeded stream of numbers below `n`, the same on every run.
    /// Cells of a random table: a third zeros, a third small counts, a third large ones.
    fn random_cells(
        next: &mut impl FnMut(u64) -> u64,
        rows: usize,
        columns: usize,
    ) -> Vec<Vec<u64>> {
        (0..rows)
            .map(|_| {
                (0..columns)
                    .map(|_| match next(3) {
                        0 => 0,
                        1 => 1 + next(4),
                        _ => 5 + next(20),
                    })
                    .collect()
            })
            .collect()
    }

    fn numbers(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % n
        }
    }

    /// Whether the cells `guess` add up to every total `published` shows.
    fn agrees(guess: &[Vec<u64>], published: &Published) -> bool {
        let row = |r: usize| guess[r].iter().sum::<u64>();
        let column = |c: usize| guess.iter().map(|cells| cells[c]).sum::<u64>();
        let rows = 0..guess.len();
        rows.clone()
            .all(|r| published.row_totals[r].is_none_or(|s| s == row(r)))
            && (0..published.column_totals.len())
                .all(|c| published.column_totals[c].is_none_or(|s| s == column(c)))
            && published
                .total
                .is_none_or(|s| s == rows.map(row).sum::<u64>())
    }

    /// For each hidden cell of `published`, the values it can take in a table that agrees
    /// with everything published and with the viewer's own figures (which are published to
    /// it). Each hidden cell is tried at its value and one either side: that finds a second
    /// value wherever there is one, since a figure that can change can change by one.
    fn alternatives(table: &Table, published: &Published) -> Vec<((usize, usize), BTreeSet<u64>)> {
        let hidden: Vec<(usize, usize)> = (0..table.rows.len())
            .flat_map(|r| (0..table.columns()).map(move |c| (r, c)))
            .filter(|(r, c)| published.cells[*r][*c].is_none())
            .collect();
        let mut seen = vec![BTreeSet::new(); hidden.len()];
        let mut guess = table.cells.clone();
        fn fill(
            at: usize,
            hidden: &[(usize, usize)],
            table: &Table,
            published: &Published,
            guess: &mut [Vec<u64>],
            seen: &mut [BTreeSet<u64>],
        ) {
            if at == hidden.len() {
                if agrees(guess, published) {
                    for (i, (r, c)) in hidden.iter().enumerate() {
                        seen[i].insert(guess[*r][*c]);
                    }
                }
                return;
            }
            let (r, c) = hidden[at];
            let truth = table.cells[r][c];
            for candidate in truth.saturating_sub(1)..=truth + 1 {
                guess[r][c] = candidate;
                fill(at + 1, hidden, table, published, guess, seen);
            }
            guess[r][c] = truth;
        }
        fill(0, &hidden, table, published, &mut guess, &mut seen);
        hidden.into_iter().zip(seen).collect()
    }

    fn assert_nothing_hidden_is_determined(t: &Table, v: &Viewer) {
        let p = publish(t, v);
        for ((r, c), values) in alternatives(t, &p) {
            assert!(
                values.len() >= 2,
                "cell {r},{c} of {:?} is determined for {:?}: {p:?}",
                t.cells,
                v.own
            );
        }
    }

    #[test]
    fn a_hidden_cell_is_not_given_away_by_several_equations_together() {
        // Kristiansund, Molde, Ålesund; naloxone given yes, no, unknown; an analyst. With
        // only rows and columns checked one at a time, Molde's 2 followed from the joint
        // total, the joint YES, Ålesund's row and Kristiansund's zeros together.
        let t = table(&[&[3, 0, 0], &[6, 2, 0], &[20, 4, 2]]);
        assert_nothing_hidden_is_determined(&t, &viewer(&[]));
        assert_nothing_hidden_is_determined(&t, &viewer(&["1508"]));
    }

    /// As above, on random tables of two to four rows and columns, for analysts and owners,
    /// with and without a withheld column.
    #[test]
    fn no_hidden_cell_of_a_larger_table_can_be_worked_out() {
        let mut next = numbers(11);
        let mut checked = 0;
        for _ in 0..400 {
            let (rows, columns) = (2 + next(3) as usize, 2 + next(3) as usize);
            let mut t = table_of(random_cells(&mut next, rows, columns));
            t.withheld_columns = if next(4) == 0 { vec![0] } else { vec![] };
            let own = if next(2) == 0 { vec![] } else { vec!["1506"] };
            let v = viewer(&own);
            let hidden = publish(&t, &v)
                .cells
                .iter()
                .flatten()
                .filter(|c| c.is_none())
                .count();
            // Three values for each of up to ten hidden cells: 59,049 tables at most.
            if hidden == 0 || hidden > 10 {
                continue;
            }
            checked += 1;
            assert_nothing_hidden_is_determined(&t, &v);
        }
        assert!(checked >= 200, "only {checked} tables were checked");
    }

    #[test]
    fn a_withheld_column_is_hidden_for_others_whatever_its_count_and_stays_hidden() {
        let mut t = table(&[&[40, 7], &[50, 9], &[60, 12]]);
        t.withheld_columns = vec![1];
        let p = publish(&t, &viewer(&["1506"]));
        assert_eq!(p.cells[1], [Some(50), Some(9)], "own figures are exact");
        assert_eq!(p.cells[0][1], None);
        assert_eq!(p.cells[2][1], None);
        // Neither foreign death count follows from what is published and the viewer's own.
        let derivable = |r: usize| p.row_totals[r].is_some() && p.cells[r][0].is_some();
        assert!(!derivable(0) && !derivable(2), "{p:?}");
    }

    /// Calls `each` with every table (its cells) that agrees with everything published, its
    /// hidden cells tried at their value and one either side.
    fn for_each_agreeing(table: &Table, published: &Published, mut each: impl FnMut(&[Vec<u64>])) {
        let hidden: Vec<(usize, usize)> = (0..table.rows.len())
            .flat_map(|r| (0..table.columns()).map(move |c| (r, c)))
            .filter(|(r, c)| published.cells[*r][*c].is_none())
            .collect();
        for combo in 0..3u64.pow(hidden.len() as u32) {
            let mut guess = table.cells.clone();
            let mut rest = combo;
            let mut negative = false;
            for (r, c) in &hidden {
                match (guess[*r][*c] + rest % 3).checked_sub(1) {
                    Some(value) => guess[*r][*c] = value,
                    None => negative = true,
                }
                rest /= 3;
            }
            if !negative && agrees(&guess, published) {
                each(&guess);
            }
        }
    }

    /// The figures of some rows of a table and their joint figures, all shown.
    fn exact_restriction(cells: &[Vec<u64>], rows: &[usize]) -> Published {
        let cells: Vec<Vec<u64>> = rows.iter().map(|&r| cells[r].clone()).collect();
        let columns = cells.first().map_or(0, Vec::len);
        let row_totals: Vec<u64> = cells.iter().map(|r| r.iter().sum()).collect();
        Published {
            column_totals: (0..columns)
                .map(|c| Some(cells.iter().map(|r| r[c]).sum()))
                .collect(),
            total: Some(row_totals.iter().sum()),
            row_totals: row_totals.into_iter().map(Some).collect(),
            cells: cells
                .into_iter()
                .map(|r| r.into_iter().map(Some).collect())
                .collect(),
        }
    }

    #[test]
    fn a_joint_figure_of_some_municipalities_cannot_be_differenced_against_another() {
        // An analyst asks for Kristiansund and Ålesund together, then Ålesund alone. Published
        // for each pair apart, Kristiansund's hidden 3 was the first joint figure less
        // Ålesund's 50, which the second showed.
        let difference = |pair: &Published, alone: &Published| {
            pair.column_totals[0]
                .zip(alone.cells[0][0])
                .map(|(joint, aalesund)| joint - aalesund)
        };
        let analyst = viewer(&[]);
        let apart = (
            publish(&table(&[&[3, 12], &[50, 40]]), &analyst),
            publish(&table(&[&[50, 40]]), &analyst),
        );
        assert_eq!(difference(&apart.0, &apart.1), Some(3), "the leak");

        let t = table(&[&[3, 12], &[20, 30], &[50, 40]]);
        let p = publish(&t, &analyst);
        assert_eq!(p.cells[0][0], None);
        let (pair, alone) = (p.restricted(&[0, 2]), p.restricted(&[2]));
        assert_eq!(difference(&pair, &alone), None, "{pair:?} {alone:?}");
        assert_eq!(p.restricted(&[0, 1, 2]), p, "all of them: the table itself");
    }

    #[test]
    fn a_joint_figure_the_joint_total_gives_is_shown() {
        // Four municipalities, an analyst, the last two asked for: their joint total (6) and
        // one joint figure (0) are shown, so the other joint figure is 6, not suppressed.
        let t = table_of(vec![vec![7, 0], vec![2, 13], vec![4, 0], vec![2, 0]]);
        let p = publish(&t, &viewer(&[])).restricted(&[2, 3]);
        assert_eq!(p.total, Some(6), "{p:?}");
        assert_eq!(p.column_totals, [Some(6), Some(0)], "{p:?}");
    }

    /// Whatever rows are picked, every figure shown is the true one and the same in every
    /// table that agrees with the whole table as published: a restriction tells nothing the
    /// whole table does not.
    #[test]
    fn a_restriction_shows_only_what_the_whole_table_gives() {
        let mut next = numbers(23);
        let mut checked = 0;
        for _ in 0..300 {
            let (rows, columns) = (2 + next(3) as usize, 2 + next(2) as usize);
            let t = table_of(random_cells(&mut next, rows, columns));
            let v = viewer(if next(2) == 0 { &[] } else { &["1506"] });
            let p = publish(&t, &v);
            if p.cells.iter().flatten().filter(|c| c.is_none()).count() > 8 {
                continue;
            }
            let subsets: Vec<Vec<usize>> = (1..1usize << rows)
                .map(|bits| (0..rows).filter(|r| bits & 1 << r != 0).collect())
                .collect();
            let restricted: Vec<Published> = subsets.iter().map(|s| p.restricted(s)).collect();
            for (s, r) in subsets.iter().zip(&restricted) {
                let truth = shown(&exact_restriction(&t.cells, s));
                for (figure, truth) in shown(r).into_iter().zip(truth) {
                    assert!(
                        figure.is_none() || figure == truth,
                        "{:?} rows {s:?}",
                        t.cells
                    );
                }
            }
            for_each_agreeing(&t, &p, |guess| {
                for (s, r) in subsets.iter().zip(&restricted) {
                    let other = shown(&exact_restriction(guess, s));
                    for (figure, other) in shown(r).into_iter().zip(other) {
                        assert!(
                            figure.is_none() || figure == other,
                            "rows {s:?} of {:?} tell {guess:?} apart for {:?}: {r:?}",
                            t.cells,
                            v.own
                        );
                    }
                }
            });
            checked += 1;
        }
        assert!(checked >= 150, "only {checked} tables were checked");
    }

    /// Every figure of a table with these cells, numbered by [`Index`].
    fn figures(cells: &[Vec<u64>]) -> Vec<u64> {
        let index = Index {
            rows: cells.len(),
            columns: cells[0].len(),
        };
        let rows: Vec<u64> = cells.iter().map(|r| r.iter().sum()).collect();
        let columns: Vec<u64> = (0..index.columns)
            .map(|c| cells.iter().map(|r| r[c]).sum())
            .collect();
        let total = rows.iter().sum();
        (0..index.len())
            .map(|v| index.value(v, cells, &rows, &columns, total))
            .collect()
    }

    /// A published table's figures, numbered by [`Index`].
    fn shown(p: &Published) -> Vec<Option<u64>> {
        let mut all: Vec<Option<u64>> = p.cells.iter().flatten().copied().collect();
        all.extend(&p.row_totals);
        all.extend(&p.column_totals);
        all.push(p.total);
        all
    }

    /// For a split published as `published`, the values each hidden figure of either table
    /// can take in a pair of tables that agree with everything published, found by trying
    /// each free hidden cell at its value and one either side (the cells of the split column
    /// follow from the second table's rows).
    fn split_alternatives(
        whole: &Table,
        column: usize,
        parts: &Table,
        published: &(Published, Published),
    ) -> Vec<(String, BTreeSet<u64>)> {
        let (shown_whole, shown_parts) = (shown(&published.0), shown(&published.1));
        let free: Vec<(bool, usize, usize)> = (0..whole.rows.len())
            .flat_map(|r| (0..whole.columns()).map(move |c| (true, r, c)))
            .filter(|(_, r, c)| *c != column && published.0.cells[*r][*c].is_none())
            .chain(
                (0..parts.rows.len())
                    .flat_map(|r| (0..parts.columns()).map(move |c| (false, r, c)))
                    .filter(|(_, r, c)| published.1.cells[*r][*c].is_none()),
            )
            .collect();
        let hidden_whole: Vec<usize> = (0..shown_whole.len())
            .filter(|v| shown_whole[*v].is_none())
            .collect();
        let hidden_parts: Vec<usize> = (0..shown_parts.len())
            .filter(|v| shown_parts[*v].is_none())
            .collect();
        let mut seen = vec![BTreeSet::new(); hidden_whole.len() + hidden_parts.len()];
        let agrees = |figures: &[u64], shown: &[Option<u64>]| {
            figures
                .iter()
                .zip(shown)
                .all(|(f, s)| s.is_none_or(|s| s == *f))
        };
        let combos = 3u64.pow(free.len() as u32);
        for combo in 0..combos {
            let (mut w, mut p) = (whole.cells.clone(), parts.cells.clone());
            let mut rest = combo;
            for (in_whole, r, c) in &free {
                let cells = if *in_whole { &mut w } else { &mut p };
                let Some(value) = (cells[*r][*c] + rest % 3).checked_sub(1) else {
                    rest = u64::MAX;
                    break;
                };
                cells[*r][*c] = value;
                rest /= 3;
            }
            if rest == u64::MAX {
                continue;
            }
            for (r, row) in w.iter_mut().enumerate() {
                row[column] = p[r].iter().sum();
            }
            let (fw, fp) = (figures(&w), figures(&p));
            if agrees(&fw, &shown_whole) && agrees(&fp, &shown_parts) {
                let values = hidden_whole.iter().map(|v| fw[*v]);
                let values = values.chain(hidden_parts.iter().map(|v| fp[*v]));
                for (i, value) in values.enumerate() {
                    seen[i].insert(value);
                }
            }
        }
        let names = hidden_whole
            .iter()
            .map(|v| format!("figure {v} of the whole"))
            .chain(
                hidden_parts
                    .iter()
                    .map(|v| format!("figure {v} of the parts")),
            );
        names.zip(seen).collect()
    }

    fn assert_nothing_hidden_in_the_split_is_determined(
        whole: &Table,
        column: usize,
        parts: &Table,
        v: &Viewer,
    ) {
        let published = publish_split(whole, column, parts, v);
        for (figure, values) in split_alternatives(whole, column, parts, &published) {
            assert!(
                values.len() >= 2,
                "{figure} is determined for {:?}: {:?} / {:?} published as {published:?}",
                v.own,
                whole.cells,
                parts.cells
            );
        }
    }

    /// Non-fatal, fatal (withheld) and unknown outcomes, and the non-fatal ones split by
    /// whether follow-up was offered (yes, no, unknown).
    fn outcomes_and_follow_up(outcomes: &[&[u64]], follow_up: &[&[u64]]) -> (Table, Table) {
        let mut whole = table(outcomes);
        whole.withheld_columns = vec![1];
        (whole, table(follow_up))
    }

    #[test]
    fn deaths_do_not_follow_from_the_non_fatal_total_of_the_follow_up_table() {
        // Kristiansund has 27 non-fatal incidents, 3 deaths and no unknown outcome. Published
        // apart, the outcome table hid its 27 to protect the 3 but the follow-up table
        // showed 27 as its total: 30 - 27 - 0 gave the deaths.
        let (whole, parts) = outcomes_and_follow_up(
            &[&[27, 3, 0], &[40, 1, 2], &[61, 2, 0]],
            &[&[20, 5, 2], &[30, 6, 4], &[50, 9, 2]],
        );
        for own in [&[][..], &["1506"]] {
            let v = viewer(own);
            let (outcomes, follow_up) = publish_split(&whole, 0, &parts, &v);
            assert_eq!(outcomes.cells[0][1], None);
            let deaths_follow = outcomes.row_totals[0].is_some()
                && follow_up.row_totals[0].is_some()
                && outcomes.cells[0][2].is_some();
            assert!(!deaths_follow, "{outcomes:?} {follow_up:?}");
            assert_eq!(
                outcomes.cells.iter().map(|r| r[0]).collect::<Vec<_>>(),
                follow_up.row_totals,
                "the shared figures are shown alike"
            );
            assert_eq!(outcomes.column_totals[0], follow_up.total);
            assert_nothing_hidden_in_the_split_is_determined(&whole, 0, &parts, &v);
        }
    }

    /// As above, on random pairs of tables whose totals another table (a 1-column table of
    /// them, as the incidents panel) has published, for analysts and owners.
    #[test]
    fn no_hidden_figure_of_a_split_can_be_worked_out() {
        let mut next = numbers(13);
        let count = |next: &mut dyn FnMut(u64) -> u64| match next(3) {
            0 => 0,
            1 => 1 + next(4),
            _ => 5 + next(12),
        };
        let mut checked = 0;
        for _ in 0..300 {
            let (rows, columns) = (2 + next(2) as usize, 2 + next(2));
            let parts: Vec<Vec<u64>> = (0..rows)
                .map(|_| (0..columns).map(|_| count(&mut next)).collect())
                .collect();
            let whole: Vec<Vec<u64>> = parts
                .iter()
                .map(|p| vec![p.iter().sum(), count(&mut next), count(&mut next)])
                .collect();
            let v = viewer(if next(2) == 0 { &[] } else { &["1506"] });
            let incidents = table_of(whole.iter().map(|r| vec![r.iter().sum()]).collect());
            let mut whole = table_of(whole);
            whole.withheld_columns = if next(2) == 0 { vec![1] } else { vec![] };
            whole.totals_as_published = Some(publish(&incidents, &v).totals_shown());
            let parts = table_of(parts);
            let (w, p) = publish_split(&whole, 0, &parts, &v);
            let free = w.cells.iter().flat_map(|r| &r[1..]).filter(|c| c.is_none());
            let free = free.count() + p.cells.iter().flatten().filter(|c| c.is_none()).count();
            let hidden = shown(&w).iter().chain(&shown(&p)).any(Option::is_none);
            // Three values for each of up to ten free cells: 59,049 pairs at most. A pair
            // with hidden figures and no free cell is checked too: its hidden figures would
            // all follow from what is shown.
            if !hidden || free > 10 {
                continue;
            }
            checked += 1;
            let shown = whole.totals_as_published.as_ref().expect("set above");
            assert_eq!(
                w.row_totals.iter().map(Option::is_some).collect::<Vec<_>>(),
                shown.rows,
                "the totals are shown as the incidents show them"
            );
            assert_eq!(w.total.is_some(), shown.total);
            assert_nothing_hidden_in_the_split_is_determined(&whole, 0, &parts, &v);
        }
        assert!(checked >= 100, "only {checked} pairs were checked");
    }

    /// A seeded split of `total` into `parts` counts.
    fn partition(next: &mut dyn FnMut(u64) -> u64, total: u64, parts: usize) -> Vec<u64> {
        let mut rest = total;
        let mut counts: Vec<u64> = (1..parts)
            .map(|_| {
                let count = next(rest + 1);
                rest -= count;
                count
            })
            .collect();
        counts.push(rest);
        counts
    }

    /// Months (columns) of one figure per municipality (rows) as one table beside their year:
    /// the year's figures are the row totals, shown and hidden as the year's own table shows
    /// them.
    fn months_beside_their_year(cells: Vec<Vec<u64>>, v: &Viewer) -> Table {
        let year: Vec<Vec<u64>> = cells.iter().map(|r| vec![r.iter().sum()]).collect();
        Table {
            totals_as_published: Some(publish(&table_of(year), v).totals_shown()),
            ..table_of(cells)
        }
    }

    #[test]
    fn a_month_hidden_beside_its_year_takes_another_month_with_it() {
        // Kristiansund looks at two months: Molde 5 and 3 (8 in the year, shown), Ålesund 6
        // and 9. Molde's 3 alone hidden, 8 - 5 would give it, so its 5 is hidden too, and so
        // are two of Ålesund's, or the joint months would give Molde's.
        let v = viewer(&["1505"]);
        let table = months_beside_their_year(vec![vec![0, 0], vec![5, 3], vec![6, 9]], &v);
        let p = publish(&table, &v);
        assert_eq!(p.row_totals, [Some(0), Some(8), Some(15)]);
        assert_eq!(p.cells[1], [None, None]);
        assert_eq!(p.cells[2], [None, None]);
        assert_nothing_hidden_is_determined(&table, &v);
    }

    /// On random tables: no hidden month has only one value consistent with its months
    /// beside their year.
    #[test]
    fn no_hidden_month_follows_from_its_year() {
        let mut next = numbers(23);
        let mut checked = 0;
        for _ in 0..300 {
            let (rows, months) = (2 + next(2) as usize, 2 + next(3) as usize);
            let v = viewer(if next(2) == 0 { &[] } else { &["1506"] });
            let table = months_beside_their_year(random_cells(&mut next, rows, months), &v);
            let p = publish(&table, &v);
            let hidden = p.cells.iter().flatten().filter(|c| c.is_none()).count();
            if hidden > 9 {
                continue;
            }
            checked += 1;
            assert_nothing_hidden_is_determined(&table, &v);
        }
        assert!(checked > 100, "only {checked} tables small enough to check");
    }

    #[test]
    fn a_hidden_shared_total_of_zero_is_not_given_away_by_its_cells() {
        // A month of no incidents, hidden in every municipality and jointly by the table the
        // totals are taken from (to protect other months), split into three categories, the
        // second withheld. Were the hidden totals taken as known zeros, the withheld cells
        // would follow from them, be shown as zeros, and give the totals away.
        let v = viewer(&[]);
        let table = Table {
            withheld_columns: vec![1],
            totals_as_published: Some(TotalsShown {
                rows: vec![false; 3],
                total: false,
            }),
            ..table_of(vec![vec![0; 3]; 3])
        };
        let p = publish(&table, &v);
        assert_eq!(p.row_totals, [None, None, None]);
        for row in &p.cells {
            assert_eq!(row[1], None, "{p:?}");
        }
    }

    /// Two panels whose totals are a third's (incidents by place type and by naloxone given
    /// share the incidents), each published after it, on random tables: each alone lets a
    /// hidden total move, and together they must too. Every hidden figure of the three has
    /// two values consistent with all three, found by trying each hidden cell of the two at
    /// its value and one either side.
    #[test]
    fn tables_that_share_hidden_totals_do_not_pin_them_down_together() {
        let mut next = numbers(17);
        let mut checked = 0;
        for _ in 0..300 {
            let rows = 2 + next(2) as usize;
            let (a_columns, b_columns) = (2 + next(2) as usize, 2 + next(2) as usize);
            let totals: Vec<u64> = (0..rows)
                .map(|_| match next(3) {
                    0 => 1 + next(4),
                    _ => 5 + next(12),
                })
                .collect();
            let v = viewer(if next(2) == 0 { &[] } else { &["1506"] });
            let incidents = table_of(totals.iter().map(|t| vec![*t]).collect());
            let shown_totals = publish(&incidents, &v);
            let sharing = |cells: Vec<Vec<u64>>| Table {
                totals_as_published: Some(shown_totals.totals_shown()),
                ..table_of(cells)
            };
            let a = sharing(
                totals
                    .iter()
                    .map(|t| partition(&mut next, *t, a_columns))
                    .collect(),
            );
            let b = sharing(
                totals
                    .iter()
                    .map(|t| partition(&mut next, *t, b_columns))
                    .collect(),
            );
            let (pa, pb) = (publish(&a, &v), publish(&b, &v));
            let free: Vec<(bool, usize, usize)> = [(true, &pa), (false, &pb)]
                .into_iter()
                .flat_map(|(in_a, p)| {
                    p.cells.iter().enumerate().flat_map(move |(r, row)| {
                        row.iter()
                            .enumerate()
                            .filter(|(_, c)| c.is_none())
                            .map(move |(c, _)| (in_a, r, c))
                    })
                })
                .collect();
            if shown(&shown_totals).iter().all(Option::is_some) || free.len() > 10 {
                continue;
            }
            checked += 1;
            let published = [shown(&shown_totals), shown(&pa), shown(&pb)];
            let hidden: Vec<(usize, usize)> = (0..3)
                .flat_map(|t| {
                    let p = &published[t];
                    (0..p.len())
                        .filter(|f| p[*f].is_none())
                        .map(move |f| (t, f))
                })
                .collect();
            let mut seen = vec![BTreeSet::new(); hidden.len()];
            for combo in 0..3u64.pow(free.len() as u32) {
                let (mut ga, mut gb) = (a.cells.clone(), b.cells.clone());
                let mut rest = combo;
                let mut valid = true;
                for (in_a, r, c) in &free {
                    let cells = if *in_a { &mut ga } else { &mut gb };
                    match (cells[*r][*c] + rest % 3).checked_sub(1) {
                        Some(value) => cells[*r][*c] = value,
                        None => valid = false,
                    }
                    rest /= 3;
                }
                let sums = |cells: &[Vec<u64>]| -> Vec<u64> {
                    cells.iter().map(|r| r.iter().sum()).collect()
                };
                if !valid || sums(&ga) != sums(&gb) {
                    continue;
                }
                let guessed_totals: Vec<Vec<u64>> =
                    sums(&ga).into_iter().map(|t| vec![t]).collect();
                let all = [figures(&guessed_totals), figures(&ga), figures(&gb)];
                let agrees = (0..3).all(|t| {
                    all[t]
                        .iter()
                        .zip(&published[t])
                        .all(|(f, s)| s.is_none_or(|s| s == *f))
                });
                if agrees {
                    for (i, (t, f)) in hidden.iter().enumerate() {
                        seen[i].insert(all[*t][*f]);
                    }
                }
            }
            for ((t, f), values) in hidden.iter().zip(&seen) {
                assert!(
                    values.len() >= 2,
                    "figure {f} of table {t} is determined for {:?}: {totals:?}, {:?}, {:?} \
                     published as {shown_totals:?}, {pa:?}, {pb:?}",
                    v.own,
                    a.cells,
                    b.cells
                );
            }
        }
        assert!(checked >= 100, "only {checked} triples were checked");
    }

    /// A year of one figure per municipality (rows) by `months`, grouped into quarters of
    /// `per_quarter` months: the cells of the year, of its quarters, and of each quarter's
    /// months.
    type ByQuarter = (Vec<Vec<u64>>, Vec<Vec<u64>>, Vec<Vec<Vec<u64>>>);

    fn by_quarter(months: &[Vec<u64>], per_quarter: usize) -> ByQuarter {
        let year = months.iter().map(|r| vec![r.iter().sum()]).collect();
        let quarters = months
            .iter()
            .map(|r| r.chunks(per_quarter).map(|q| q.iter().sum()).collect())
            .collect();
        let parts = (0..months[0].len() / per_quarter)
            .map(|q| {
                months
                    .iter()
                    .map(|r| r[q * per_quarter..(q + 1) * per_quarter].to_vec())
                    .collect()
            })
            .collect();
        (year, quarters, parts)
    }

    /// The year published, the quarters beside it (its figures as their row totals, shown
    /// and hidden as the year shows them), and each quarter's months as the table that
    /// splits its column.
    fn quarters_of_months(
        months: &[Vec<u64>],
        per_quarter: usize,
        v: &Viewer,
    ) -> (Published, Table, Vec<Table>) {
        let (year, quarters, parts) = by_quarter(months, per_quarter);
        let year = publish(&table_of(year), v);
        let whole = Table {
            totals_as_published: Some(year.totals_shown()),
            ..table_of(quarters)
        };
        (year, whole, parts.into_iter().map(table_of).collect())
    }

    fn publish_quarters(whole: &Table, parts: &[Table], v: &Viewer) -> (Published, Vec<Published>) {
        let splits: Vec<(usize, &Table)> = parts.iter().enumerate().collect();
        publish_splits(whole, &splits, v)
    }

    #[test]
    fn a_quarter_shown_beside_its_year_hides_its_months_together() {
        // Kristiansund looks at two quarters of two months: Molde 5 and 3, then 6 and 6;
        // Ålesund 6 and 9, then 7 and 8. Every quarter and year is shown. Molde's 3 is hidden,
        // and with it its 5 (its quarter of 8 less 5 would give the 3) and Ålesund's first
        // two months (the joint months would give Molde's).
        let v = viewer(&["1505"]);
        let months = vec![vec![0, 0, 0, 0], vec![5, 3, 6, 6], vec![6, 9, 7, 8]];
        let (year, whole, parts) = quarters_of_months(&months, 2, &v);
        let (quarters, months_shown) = publish_quarters(&whole, &parts, &v);
        assert_eq!(year.row_totals, [Some(0), Some(20), Some(30)]);
        assert_eq!(quarters.row_totals, year.row_totals);
        assert!(
            quarters.cells.iter().flatten().all(Option::is_some),
            "{quarters:?}"
        );
        assert_eq!(months_shown[0].cells[1], [None, None]);
        assert_eq!(months_shown[0].cells[2], [None, None]);
        assert_eq!(months_shown[0].column_totals, [Some(11), Some(12)]);
        assert_eq!(months_shown[1].cells[1], [Some(6), Some(6)]);
        let quarter = |q: usize| quarters.cells.iter().map(|r| r[q]).collect::<Vec<_>>();
        for (q, its_months) in months_shown.iter().enumerate() {
            assert_eq!(
                its_months.row_totals,
                quarter(q),
                "a quarter's figures are shown alike"
            );
            assert_eq!(its_months.total, quarters.column_totals[q]);
        }
        assert!(assert_nothing_hidden_in_the_year_is_determined(
            &months, 2, &v
        ));
    }

    /// On random years: no hidden figure of the year, its quarters or their months has only
    /// one value consistent with all three published.
    #[test]
    fn no_hidden_figure_of_a_year_its_quarters_or_their_months_can_be_worked_out() {
        let mut next = numbers(29);
        let mut checked = 0;
        for _ in 0..500 {
            let rows = 2 + next(2) as usize;
            let (quarters, per_quarter) = match next(3) {
                0 => (3, 2),
                _ => (2, 2 + next(2) as usize),
            };
            let v = viewer([&[][..], &["1505"], &["1506"]][next(3) as usize]);
            let months = random_cells(&mut next, rows, quarters * per_quarter);
            if assert_nothing_hidden_in_the_year_is_determined(&months, per_quarter, &v) {
                checked += 1;
            }
        }
        assert!(checked >= 150, "only {checked} years were checked");
    }

    /// Publishes the year, its quarters and their months of `months` (a row per municipality)
    /// and asserts that each hidden figure of the three has two values consistent with all of
    /// them, found by trying each hidden month at its value and one either side (quarters and
    /// years follow from the months). `false` when nothing is hidden, or too much to try.
    fn assert_nothing_hidden_in_the_year_is_determined(
        months: &[Vec<u64>],
        per_quarter: usize,
        v: &Viewer,
    ) -> bool {
        let rows = months.len();
        let (year, whole, parts) = quarters_of_months(months, per_quarter, v);
        let (quarters, months_shown) = publish_quarters(&whole, &parts, v);
        assert_eq!(quarters.totals_shown(), year.totals_shown());
        let free: Vec<(usize, usize)> = (0..rows)
            .flat_map(|r| (0..months[r].len()).map(move |m| (r, m)))
            .filter(|(r, m)| months_shown[m / per_quarter].cells[*r][m % per_quarter].is_none())
            .collect();
        let published: Vec<Vec<Option<u64>>> = [&year, &quarters]
            .into_iter()
            .chain(&months_shown)
            .map(shown)
            .collect();
        if published.iter().flatten().all(Option::is_some) || free.len() > 9 {
            return false;
        }
        let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
            let (years, quarters, parts) = by_quarter(guess, per_quarter);
            [figures(&years), figures(&quarters)]
                .into_iter()
                .chain(parts.iter().map(|cells| figures(cells)))
                .collect()
        };
        for ((t, f), values) in values_of_hidden(months, &free, &published, figures_of) {
            assert!(
                values.len() >= 2,
                "figure {f} of table {t} is determined for {:?}: {months:?} published as \
                 {published:?}",
                v.own
            );
        }
        true
    }

    /// The hidden figures of `published` (by table and figure) that have one value only in
    /// every table of counts that agrees with everything `published` shows: the `free` cells
    /// any counts of zero or more, the others as in `cells`, and every figure following from
    /// them (`figures_of`, numbered as `published`, sums of cells). Exact: each hidden
    /// figure's least and greatest value are found by integer programs, not by trying
    /// neighbouring tables.
    fn determined_hidden(
        cells: &[Vec<u64>],
        free: &[(usize, usize)],
        published: &[Vec<Option<u64>>],
        figures_of: impl Fn(&[Vec<u64>]) -> Vec<Vec<u64>>,
    ) -> Vec<(usize, usize)> {
        determined_hidden_given(cells, free, published, figures_of, &[])
    }

    /// How figures relate whatever is published.
    #[derive(Clone, Copy)]
    enum Relates {
        /// One figure counted twice (two panels' totals).
        Equal,
        /// The first figures together are at most the second (the suspected substances an
        /// incident names beside the incidents).
        AtMost,
    }

    /// A figure by its table and its number there.
    type FigureAt = (usize, usize);

    /// [`determined_hidden`], where the figures of each of `relations` (by table and figure)
    /// are known to relate as it says whatever is published: the sum of the first ones to
    /// the second.
    fn determined_hidden_given(
        cells: &[Vec<u64>],
        free: &[(usize, usize)],
        published: &[Vec<Option<u64>>],
        figures_of: impl Fn(&[Vec<u64>]) -> Vec<Vec<u64>>,
        relations: &[(Vec<FigureAt>, Relates, FigureAt)],
    ) -> Vec<(usize, usize)> {
        use microlp::{ComparisonOp, OptimizationDirection, Problem};
        let at = |guess: &[Vec<u64>]| -> Vec<i64> {
            figures_of(guess)
                .into_iter()
                .flatten()
                .map(|f| f as i64)
                .collect()
        };
        let base = at(cells);
        // Each figure is a sum of cells: its coefficient for a free cell is what one more
        // in that cell adds to it, and the rest of it is fixed by the cells not free.
        let coefficients: Vec<Vec<i64>> = free
            .iter()
            .map(|(r, c)| {
                let mut guess = cells.to_vec();
                guess[*r][*c] += 1;
                at(&guess).iter().zip(&base).map(|(a, b)| a - b).collect()
            })
            .collect();
        let fixed: Vec<i64> = (0..base.len())
            .map(|f| {
                let free_part: i64 = free
                    .iter()
                    .zip(&coefficients)
                    .map(|((r, c), k)| k[f] * cells[*r][*c] as i64)
                    .sum();
                base[f] - free_part
            })
            .collect();
        let figures: Vec<Option<u64>> = published.iter().flatten().copied().collect();
        assert_eq!(figures.len(), base.len(), "figures numbered as published");
        let bound = cells.iter().flatten().sum::<u64>() as i32 + 10;
        let numbered: Vec<(usize, usize)> = published
            .iter()
            .enumerate()
            .flat_map(|(t, p)| (0..p.len()).map(move |f| (t, f)))
            .collect();
        let number = |at: &(usize, usize)| numbered.iter().position(|n| n == at).expect("a figure");
        let extreme = |figure: usize, direction: OptimizationDirection| -> i64 {
            let mut problem = Problem::new(direction);
            let vars: Vec<_> = coefficients
                .iter()
                .map(|k| problem.add_integer_var(k[figure] as f64, (0, bound)))
                .collect();
            for (f, shown) in figures.iter().enumerate() {
                let Some(shown) = shown else { continue };
                let terms: Vec<_> = vars
                    .iter()
                    .zip(&coefficients)
                    .filter(|(_, k)| k[f] != 0)
                    .map(|(v, k)| (*v, k[f] as f64))
                    .collect();
                if !terms.is_empty() {
                    let rest = *shown as i64 - fixed[f];
                    problem.add_constraint(terms.as_slice(), ComparisonOp::Eq, rest as f64);
                }
            }
            for (a, relates, b) in relations {
                let (a, b): (Vec<usize>, usize) = (a.iter().map(number).collect(), number(b));
                let op = match relates {
                    Relates::Equal => ComparisonOp::Eq,
                    Relates::AtMost => ComparisonOp::Le,
                };
                let coefficient = |k: &Vec<i64>| a.iter().map(|a| k[*a]).sum::<i64>() - k[b];
                let terms: Vec<_> = vars
                    .iter()
                    .zip(&coefficients)
                    .filter(|(_, k)| coefficient(k) != 0)
                    .map(|(v, k)| (*v, coefficient(k) as f64))
                    .collect();
                if !terms.is_empty() {
                    let rest = fixed[b] - a.iter().map(|a| fixed[*a]).sum::<i64>();
                    problem.add_constraint(terms.as_slice(), op, rest as f64);
                }
            }
            let outcome = problem.solve().expect("the counts themselves agree");
            assert!(outcome.is_optimal(), "solved to the end");
            let solution = outcome.into_solution().expect("a solution");
            solution.objective().round() as i64 + fixed[figure]
        };
        numbered
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| figures[*i].is_none())
            .filter(|(i, _)| {
                extreme(*i, OptimizationDirection::Minimize)
                    == extreme(*i, OptimizationDirection::Maximize)
            })
            .map(|(_, position)| position)
            .collect()
    }

    /// The values each hidden figure of `published` (by table and figure) takes in the guesses
    /// at `cells` that agree with everything `published` shows: each of the `free` cells at
    /// its value and one either side, never below zero, and every figure following from them
    /// (`figures_of`, numbered as `published`).
    fn values_of_hidden(
        cells: &[Vec<u64>],
        free: &[(usize, usize)],
        published: &[Vec<Option<u64>>],
        figures_of: impl Fn(&[Vec<u64>]) -> Vec<Vec<u64>>,
    ) -> Vec<((usize, usize), BTreeSet<u64>)> {
        let hidden: Vec<(usize, usize)> = published
            .iter()
            .enumerate()
            .flat_map(|(t, p)| {
                (0..p.len())
                    .filter(|f| p[*f].is_none())
                    .map(move |f| (t, f))
            })
            .collect();
        let mut seen = vec![BTreeSet::new(); hidden.len()];
        'guesses: for combo in 0..3u64.pow(free.len() as u32) {
            let mut guess = cells.to_vec();
            let mut rest = combo;
            for (r, c) in free {
                match (guess[*r][*c] + rest % 3).checked_sub(1) {
                    Some(value) => guess[*r][*c] = value,
                    None => continue 'guesses,
                }
                rest /= 3;
            }
            let all = figures_of(&guess);
            let agrees = all.iter().zip(published).all(|(figures, shown)| {
                figures
                    .iter()
                    .zip(shown)
                    .all(|(f, s)| s.is_none_or(|s| s == *f))
            });
            if agrees {
                for (i, (t, f)) in hidden.iter().enumerate() {
                    seen[i].insert(all[*t][*f]);
                }
            }
        }
        hidden.into_iter().zip(seen).collect()
    }

    /// A panel of two categories (own totals) over a year of two quarters of two months, on
    /// random counts: along each category's line, and the row totals', through the year, its
    /// quarters and its months as published, no hidden figure of the line has one value.
    /// (The municipalities × categories × months of the year together are checked below.)
    #[test]
    fn no_hidden_figure_of_a_category_follows_from_its_year_quarters_and_months() {
        let mut next = numbers(31);
        let mut checked = 0;
        let months_of = vec![vec![0, 1], vec![2, 3]];
        for _ in 0..300 {
            let rows = 2 + next(2) as usize;
            let v = viewer([&[][..], &["1505"], &["1506"]][next(3) as usize]);
            let months: Vec<Vec<Vec<u64>>> =
                (0..4).map(|_| random_cells(&mut next, rows, 2)).collect();
            let sum = |ts: &[usize]| -> Vec<Vec<u64>> {
                (0..rows)
                    .map(|r| {
                        (0..2)
                            .map(|c| ts.iter().map(|t| months[*t][r][c]).sum())
                            .collect()
                    })
                    .collect()
            };
            let year = publish(&table_of(sum(&[0, 1, 2, 3])), &v);
            let mut periods: Vec<Table> = months.iter().map(|m| table_of(m.clone())).collect();
            periods.extend(months_of.iter().map(|ms| table_of(sum(ms))));
            let mut panels = [PanelYear {
                periods,
                year: Cow::Borrowed(&year),
                own_totals: true,
            }];
            let published =
                publish_year_by_period(&mut panels, None, &[], &[], &months_of, &v).remove(0);
            for line in [Some(0), Some(1), None] {
                // The line's figures in a table of the year, a quarter or a month: each
                // municipality's, then the joint one.
                let of = |p: &Published| -> Vec<Option<u64>> {
                    let mut figures: Vec<Option<u64>> = match line {
                        Some(c) => p.cells.iter().map(|r| r[c]).collect(),
                        None => p.row_totals.clone(),
                    };
                    figures.push(match line {
                        Some(c) => p.column_totals[c],
                        None => p.total,
                    });
                    figures
                };
                let tables: Vec<Vec<Option<u64>>> = [of(&year)]
                    .into_iter()
                    .chain(published.iter().map(of))
                    .collect();
                let value = |cells: &[u64]| match line {
                    Some(c) => cells[c],
                    None => cells.iter().sum(),
                };
                let line_months: Vec<Vec<u64>> = (0..rows)
                    .map(|r| (0..4).map(|t| value(&months[t][r])).collect())
                    .collect();
                // The same figures of a guess at the line's months: the year, the months,
                // the quarters.
                let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
                    let over = |ts: &[usize]| -> Vec<u64> {
                        let mut figures: Vec<u64> = (0..rows)
                            .map(|r| ts.iter().map(|t| guess[r][*t]).sum())
                            .collect();
                        figures.push(figures.iter().sum());
                        figures
                    };
                    [over(&[0, 1, 2, 3])]
                        .into_iter()
                        .chain((0..4).map(|t| over(&[t])))
                        .chain(months_of.iter().map(|ms| over(ms)))
                        .collect()
                };
                let free: Vec<(usize, usize)> = (0..rows)
                    .flat_map(|r| (0..4).map(move |t| (r, t)))
                    .filter(|(r, t)| tables[1 + t][*r].is_none())
                    .collect();
                if tables.iter().flatten().all(Option::is_some) || free.len() > 8 {
                    continue;
                }
                checked += 1;
                for ((t, f), values) in values_of_hidden(&line_months, &free, &tables, figures_of) {
                    assert!(
                        values.len() >= 2,
                        "line {line:?}: figure {f} of table {t} is determined for {:?}: \
                         {months:?} published as {tables:?}",
                        v.own
                    );
                }
            }
        }
        assert!(checked >= 150, "only {checked} lines were checked");
    }
    /// The same panels as above, checked as one system: the municipalities × categories ×
    /// months of the year, with every table published (the year, each quarter, each month;
    /// cells, row totals, joint figures and grand totals) taken together. No hidden figure of
    /// any of them has one value consistent with all of them.
    #[test]
    fn no_hidden_figure_follows_from_the_municipalities_categories_and_months_together() {
        let mut next = numbers(37);
        let mut checked = 0;
        let months_of = vec![vec![0, 1], vec![2, 3]];
        for _ in 0..2000 {
            let rows = 2 + next(2) as usize;
            let v = viewer([&[][..], &["1505"], &["1506"]][next(3) as usize]);
            let months: Vec<Vec<Vec<u64>>> =
                (0..4).map(|_| random_cells(&mut next, rows, 2)).collect();
            let (year, published) = publish_months_of_a_year(&months, &months_of, &v);
            if [&year]
                .into_iter()
                .chain(&published)
                .all(|p| shown(p).iter().all(Option::is_some))
            {
                continue;
            }
            checked += 1;
            let determined = determined_in_the_year(&months, &months_of, &year, &published);
            assert!(
                determined.is_empty(),
                "figures (table, figure) {determined:?} are determined for {:?}: {months:?} \
                 published as {:?}",
                v.own,
                [&year]
                    .into_iter()
                    .chain(&published)
                    .map(shown)
                    .collect::<Vec<_>>()
            );
        }
        assert!(checked >= 600, "only {checked} years were checked");
    }

    /// Random years as above, audited municipality by municipality (an audit limit of 0, as
    /// a year of the national set is): no hidden figure of a municipality (its cells and row
    /// totals of the year, quarters and months) has one value given its own figures
    /// published. What the column totals give with other municipalities' figures is not
    /// looked for there, nor here.
    #[test]
    fn no_hidden_figure_follows_from_its_municipalitys_own_figures_audited_by_rows() {
        let mut next = numbers(41);
        let mut checked = 0;
        let months_of = vec![vec![0, 1], vec![2, 3]];
        for _ in 0..400 {
            let rows = 2 + next(3) as usize;
            let own = [&[][..], &["1505"], &["1506"]][next(3) as usize];
            let v = Viewer {
                audit_limit: 0,
                ..viewer(own)
            };
            let months: Vec<Vec<Vec<u64>>> =
                (0..4).map(|_| random_cells(&mut next, rows, 3)).collect();
            let (year, published) = publish_months_of_a_year(&months, &months_of, &v);
            for r in 0..rows {
                let of_row = |p: &Published| -> Vec<Option<u64>> {
                    // Its cells and row total; the one-row table's column totals and total
                    // are other municipalities' too, so not known here.
                    let mut figures = p.cells[r].clone();
                    figures.push(p.row_totals[r]);
                    figures.extend(std::iter::repeat_n(None, 4));
                    figures
                };
                let tables: Vec<Vec<Option<u64>>> =
                    [&year].into_iter().chain(&published).map(of_row).collect();
                if tables.iter().all(|t| t[..4].iter().all(Option::is_some)) {
                    continue;
                }
                checked += 1;
                let flat = vec![
                    months
                        .iter()
                        .flat_map(|m| m[r].clone())
                        .collect::<Vec<u64>>(),
                ];
                let free: Vec<(usize, usize)> = (0..12)
                    .map(|i| (0, i))
                    .filter(|(_, i)| published[i / 3].cells[r][i % 3].is_none())
                    .collect();
                let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
                    let months: Vec<Vec<Vec<u64>>> = (0..4)
                        .map(|t| vec![guess[0][t * 3..(t + 1) * 3].to_vec()])
                        .collect();
                    [figures(&summed(&months, &[0, 1, 2, 3]))]
                        .into_iter()
                        .chain(months.iter().map(|m| figures(m)))
                        .chain(months_of.iter().map(|ms| figures(&summed(&months, ms))))
                        .collect()
                };
                let determined: Vec<(usize, usize)> =
                    determined_hidden(&flat, &free, &tables, figures_of)
                        .into_iter()
                        .filter(|(_, figure)| *figure < 4)
                        .collect();
                assert!(
                    determined.is_empty(),
                    "row {r}: figures (table, figure) {determined:?} follow from its own for \
                     {own:?}: {months:?} published as {tables:?}"
                );
            }
        }
        assert!(
            checked >= 300,
            "only {checked} municipalities' years were checked"
        );
    }

    /// Kristiansund looks at a year of two quarters of two months, two categories each, of
    /// Molde, Kristiansund and Ålesund. Each month's table, each quarter's, the year's and
    /// each category's line through them are protected on their own, but together, before
    /// the year was audited as one system, they gave Ålesund's second quarter of the first
    /// category away: the second month's total less Ålesund's row and the zeros of the second
    /// category gave Kristiansund and Molde's first-category sum of that month (5), the first
    /// quarter's joint figure of 15 less that and the first month's zeros gave Ålesund's first
    /// quarter (10), and its year of 26 less that its second quarter (16).
    #[test]
    fn a_figure_given_away_only_by_months_quarters_and_lines_together_is_hidden() {
        let v = viewer(&[]);
        let months_of = vec![vec![0, 1], vec![2, 3]];
        let months: Vec<Vec<Vec<u64>>> = vec![
            vec![vec![0, 3], vec![0, 2], vec![2, 4]],
            vec![vec![1, 0], vec![4, 0], vec![8, 3]],
            vec![vec![4, 18], vec![24, 3], vec![0, 0]],
            vec![vec![0, 4], vec![0, 3], vec![16, 10]],
        ];
        let (year, published) = publish_months_of_a_year(&months, &months_of, &v);
        let alesund_second_quarter = &published[5].cells[2];
        assert!(
            alesund_second_quarter.iter().all(Option::is_none),
            "Ålesund's second quarter is hidden: {alesund_second_quarter:?}"
        );
        let determined = determined_in_the_year(&months, &months_of, &year, &published);
        assert!(determined.is_empty(), "{determined:?} given away");
    }

    /// The year (`months` summed), and its months then quarters published by
    /// [`publish_year_by_period`], of one panel with totals of its own.
    fn publish_months_of_a_year(
        months: &[Vec<Vec<u64>>],
        months_of: &[Vec<usize>],
        v: &Viewer,
    ) -> (Published, Vec<Published>) {
        let year = publish(&table_of(summed(months, &[0, 1, 2, 3])), v);
        let mut periods: Vec<Table> = months.iter().map(|m| table_of(m.clone())).collect();
        periods.extend(months_of.iter().map(|ms| table_of(summed(months, ms))));
        let mut panels = [PanelYear {
            periods,
            year: Cow::Borrowed(&year),
            own_totals: true,
        }];
        let published = publish_year_by_period(&mut panels, None, &[], &[], months_of, v).remove(0);
        (year, published)
    }

    /// The months `ts` of `months` (by month, row and column) summed.
    fn summed(months: &[Vec<Vec<u64>>], ts: &[usize]) -> Vec<Vec<u64>> {
        let (rows, columns) = (months[0].len(), months[0][0].len());
        (0..rows)
            .map(|r| {
                (0..columns)
                    .map(|c| ts.iter().map(|t| months[*t][r][c]).sum())
                    .collect()
            })
            .collect()
    }

    /// The hidden figures (table, figure) of the year, its months and its quarters, as
    /// published, that have one value only given all of them.
    fn determined_in_the_year(
        months: &[Vec<Vec<u64>>],
        months_of: &[Vec<usize>],
        year: &Published,
        published: &[Published],
    ) -> Vec<(usize, usize)> {
        let (rows, columns) = (months[0].len(), months[0][0].len());
        let tables: Vec<Vec<Option<u64>>> = [shown(year)]
            .into_iter()
            .chain(published.iter().map(shown))
            .collect();
        // One guess is a table of rows, each month's cells side by side.
        let flat: Vec<Vec<u64>> = (0..rows)
            .map(|r| months.iter().flat_map(|m| m[r].clone()).collect())
            .collect();
        let free: Vec<(usize, usize)> = (0..rows)
            .flat_map(|r| (0..months.len() * columns).map(move |i| (r, i)))
            .filter(|(r, i)| published[i / columns].cells[*r][i % columns].is_none())
            .collect();
        let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
            let months: Vec<Vec<Vec<u64>>> = (0..months.len())
                .map(|t| {
                    (0..rows)
                        .map(|r| guess[r][t * columns..(t + 1) * columns].to_vec())
                        .collect()
                })
                .collect();
            let all: Vec<usize> = (0..months.len()).collect();
            [figures(&summed(&months, &all))]
                .into_iter()
                .chain(months.iter().map(|m| figures(m)))
                .chain(months_of.iter().map(|ms| figures(&summed(&months, ms))))
                .collect()
        };
        determined_hidden(&flat, &free, &tables, figures_of)
    }

    /// A panel of three categories whose second is split in two by another panel (the
    /// outcomes' non-fatal incidents by whether follow-up was offered), over a year of two
    /// quarters of two months, on random counts: no hidden figure of either panel's year,
    /// quarters or months has one value given all of them together.
    #[test]
    fn no_hidden_figure_of_a_split_panel_follows_from_its_year_as_one_system() {
        let mut next = numbers(41);
        let mut checked = 0;
        let months_of = vec![vec![0, 1], vec![2, 3]];
        let split = 1;
        for _ in 0..400 {
            let rows = 2 + next(2) as usize;
            let v = viewer([&[][..], &["1505"], &["1506"]][next(3) as usize]);
            let wholes: Vec<Vec<Vec<u64>>> =
                (0..4).map(|_| random_cells(&mut next, rows, 3)).collect();
            let parts: Vec<Vec<Vec<u64>>> = wholes
                .iter()
                .map(|m| {
                    m.iter()
                        .map(|row| {
                            let first = next(row[split] + 1);
                            vec![first, row[split] - first]
                        })
                        .collect()
                })
                .collect();
            let all = [0, 1, 2, 3];
            let (year_whole, year_parts) = publish_split(
                &table_of(summed(&wholes, &all)),
                split,
                &table_of(summed(&parts, &all)),
                &v,
            );
            let mut panels = [
                PanelYear {
                    periods: periods_of(&wholes, &months_of),
                    year: Cow::Borrowed(&year_whole),
                    own_totals: true,
                },
                PanelYear {
                    periods: periods_of(&parts, &months_of),
                    year: Cow::Borrowed(&year_parts),
                    own_totals: false,
                },
            ];
            let published =
                publish_year_by_period(&mut panels, Some(split), &[], &[], &months_of, &v);
            let tables: Vec<Vec<Option<u64>>> = [shown(&year_whole), shown(&year_parts)]
                .into_iter()
                .chain(published.iter().flatten().map(shown))
                .collect();
            if tables.iter().flatten().all(Option::is_some) {
                continue;
            }
            checked += 1;
            // One guess is a table of rows: each month's whole but its split column, then
            // its parts (the split column is their sum).
            let flat: Vec<Vec<u64>> = (0..rows)
                .map(|r| {
                    (0..4)
                        .flat_map(|t| {
                            [
                                wholes[t][r][0],
                                wholes[t][r][2],
                                parts[t][r][0],
                                parts[t][r][1],
                            ]
                        })
                        .collect()
                })
                .collect();
            let shown_at = |r: usize, i: usize| {
                let t = i / 4;
                match i % 4 {
                    0 => published[0][t].cells[r][0],
                    1 => published[0][t].cells[r][2],
                    k => published[1][t].cells[r][k - 2],
                }
            };
            let free: Vec<(usize, usize)> = (0..rows)
                .flat_map(|r| (0..16).map(move |i| (r, i)))
                .filter(|(r, i)| shown_at(*r, *i).is_none())
                .collect();
            let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
                let at = |t: usize, r: usize, k: usize| guess[r][t * 4 + k];
                let wholes: Vec<Vec<Vec<u64>>> = (0..4)
                    .map(|t| {
                        (0..rows)
                            .map(|r| vec![at(t, r, 0), at(t, r, 2) + at(t, r, 3), at(t, r, 1)])
                            .collect()
                    })
                    .collect();
                let parts: Vec<Vec<Vec<u64>>> = (0..4)
                    .map(|t| (0..rows).map(|r| vec![at(t, r, 2), at(t, r, 3)]).collect())
                    .collect();
                let of = |months: &[Vec<Vec<u64>>]| -> Vec<Vec<u64>> {
                    months
                        .iter()
                        .map(|m| figures(m))
                        .chain(months_of.iter().map(|ms| figures(&summed(months, ms))))
                        .collect()
                };
                [
                    figures(&summed(&wholes, &all)),
                    figures(&summed(&parts, &all)),
                ]
                .into_iter()
                .chain(of(&wholes))
                .chain(of(&parts))
                .collect()
            };
            let determined = determined_hidden(&flat, &free, &tables, figures_of);
            assert!(
                determined.is_empty(),
                "figures (table, figure) {determined:?} are determined for {:?}: {wholes:?} \
                 split as {parts:?}, published as {tables:?}",
                v.own
            );
        }
        assert!(checked >= 150, "only {checked} years were checked");
    }

    /// Each municipality's (row's) figures by month, summed over the categories of `months`.
    fn totals_by_month(months: &[Vec<Vec<u64>>]) -> Vec<Vec<u64>> {
        (0..months[0].len())
            .map(|r| months.iter().map(|m| m[r].iter().sum()).collect())
            .collect()
    }

    /// A year's tables of one panel: each month's, then each quarter's (its months summed).
    fn periods_of(months: &[Vec<Vec<u64>>], months_of: &[Vec<usize>]) -> Vec<Table> {
        let quarters = months_of.iter().map(|ms| summed(months, ms));
        months
            .iter()
            .cloned()
            .chain(quarters)
            .map(table_of)
            .collect()
    }

    /// A panel of one category (`months`), published as such (`shared`), beside a panel whose
    /// counts it bounds.
    fn bounding<'a>(
        months: &[Vec<Vec<u64>>],
        months_of: &[Vec<usize>],
        shared: &'a SharedTotals,
    ) -> Beside<'a> {
        Beside {
            panel: PanelYear {
                periods: periods_of(months, months_of),
                year: Cow::Borrowed(&shared.year),
                own_totals: true,
            },
            published: shared.of_period.clone(),
            relation: Relation::Bounding,
            parts: None,
        }
    }

    fn term(panel: usize, column: Option<usize>, sign: i64) -> Term {
        Term {
            panel,
            column,
            sign,
        }
    }

    /// The totals that panels of a year of quarters of `per_quarter` months share (two of two
    /// unless said), published as the one-category panel publishes them.
    struct SharedTotals {
        year: Published,
        quarters: Published,
        /// Each quarter's months.
        months: Vec<Published>,
        /// The totals as each month's table of a panel, then each quarter's, shows them.
        of_period: Vec<Published>,
    }

    fn shared_totals(months: &[Vec<Vec<u64>>], v: &Viewer) -> SharedTotals {
        shared_totals_by(months, 2, v)
    }

    fn shared_totals_by(months: &[Vec<Vec<u64>>], per_quarter: usize, v: &Viewer) -> SharedTotals {
        let quarter_count = months.len() / per_quarter;
        let (year, whole, parts) = quarters_of_months(&totals_by_month(months), per_quarter, v);
        let (quarters, months) = publish_quarters(&whole, &parts, v);
        let of_period = months
            .iter()
            .flat_map(|q| q.columns_as_periods(per_quarter))
            .chain(quarters.columns_as_periods(quarter_count))
            .collect();
        SharedTotals {
            year,
            quarters,
            months,
            of_period,
        }
    }

    /// A table of `cells` with its totals as `totals` shows them.
    fn with_totals(cells: Vec<Vec<u64>>, totals: &Published) -> Table {
        Table {
            totals_as_published: Some(totals.totals_shown()),
            ..table_of(cells)
        }
    }

    /// Two panels' row totals of each of four months are one figure: the first panel's months
    /// are tables `first.0` on, of `first.1` columns, the second's `second.0` on, of
    /// `second.1`; a row total is figure columns × rows + r.
    fn same_monthly_totals(
        rows: usize,
        first: (usize, usize),
        second: (usize, usize),
    ) -> Vec<(Vec<FigureAt>, Relates, FigureAt)> {
        let row_total =
            |(table, columns): (usize, usize), t: usize, r: usize| (table + t, columns * rows + r);
        (0..4)
            .flat_map(|t| (0..rows).map(move |r| (t, r)))
            .map(|(t, r)| {
                (
                    vec![row_total(first, t, r)],
                    Relates::Equal,
                    row_total(second, t, r),
                )
            })
            .collect()
    }

    /// Two panels of two categories that share their totals (a municipality's incidents by
    /// outcome and by place), over a year of two quarters of two months, each published as
    /// the dashboards publish it (the totals as the one-category panel publishes them, by
    /// year, quarter and month): no hidden figure of either, or of the totals, has one value
    /// given all of them together.
    #[test]
    fn no_hidden_figure_follows_from_two_panels_sharing_their_totals() {
        let mut next = numbers(43);
        let mut checked = 0;
        let months_of = vec![vec![0, 1], vec![2, 3]];
        let all = [0, 1, 2, 3];
        for _ in 0..600 {
            let rows = 2 + next(2) as usize;
            let v = viewer([&[][..], &["1505"], &["1506"]][next(3) as usize]);
            let first: Vec<Vec<Vec<u64>>> =
                (0..4).map(|_| random_cells(&mut next, rows, 2)).collect();
            let second: Vec<Vec<Vec<u64>>> = first
                .iter()
                .map(|m| {
                    m.iter()
                        .map(|row| {
                            let total: u64 = row.iter().sum();
                            let one = next(total + 1);
                            vec![one, total - one]
                        })
                        .collect()
                })
                .collect();
            let shared = shared_totals(&first, &v);
            let periods_of = |months: &[Vec<Vec<u64>>]| -> Vec<Table> {
                months
                    .iter()
                    .cloned()
                    .chain(months_of.iter().map(|ms| summed(months, ms)))
                    .zip(&shared.of_period)
                    .map(|(cells, totals)| with_totals(cells, totals))
                    .collect()
            };
            let year_of = |months: &[Vec<Vec<u64>>]| {
                publish(&with_totals(summed(months, &all), &shared.year), &v)
            };
            let (first_year, second_year) = (year_of(&first), year_of(&second));
            let mut panels = [PanelYear {
                periods: periods_of(&first),
                year: Cow::Borrowed(&first_year),
                own_totals: false,
            }];
            let first_shown =
                publish_year_by_period(&mut panels, None, &[], &[], &months_of, &v).remove(0);
            // The second is audited beside the first, published before it.
            let beside = [Beside {
                panel: PanelYear {
                    periods: periods_of(&first),
                    year: Cow::Borrowed(&first_year),
                    own_totals: false,
                },
                published: first_shown.clone(),
                relation: Relation::SameTotals,
                parts: None,
            }];
            let mut panels = [PanelYear {
                periods: periods_of(&second),
                year: Cow::Borrowed(&second_year),
                own_totals: false,
            }];
            let second_shown =
                publish_year_by_period(&mut panels, None, &beside, &[], &months_of, &v).remove(0);
            let tables: Vec<Vec<Option<u64>>> = [&shared.year, &shared.quarters]
                .into_iter()
                .chain(&shared.months)
                .chain([&first_year])
                .chain(&first_shown)
                .chain([&second_year])
                .chain(&second_shown)
                .map(shown)
                .collect();
            if tables.iter().flatten().all(Option::is_some) {
                continue;
            }
            checked += 1;
            // One guess is a table of rows: each month's cells of the first panel, then of
            // the second.
            let flat: Vec<Vec<u64>> = (0..rows)
                .map(|r| {
                    let of = |months: &[Vec<Vec<u64>>]| -> Vec<u64> {
                        months.iter().flat_map(|m| m[r].clone()).collect()
                    };
                    [of(&first), of(&second)].concat()
                })
                .collect();
            let shown_at = |r: usize, i: usize| match i / 8 {
                0 => first_shown[i / 2].cells[r][i % 2],
                _ => second_shown[(i - 8) / 2].cells[r][i % 2],
            };
            let free: Vec<(usize, usize)> = (0..rows)
                .flat_map(|r| (0..16).map(move |i| (r, i)))
                .filter(|(r, i)| shown_at(*r, *i).is_none())
                .collect();
            let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
                let panel = |offset: usize| -> Vec<Vec<Vec<u64>>> {
                    (0..4)
                        .map(|t| {
                            (0..rows)
                                .map(|r| guess[r][offset + t * 2..offset + t * 2 + 2].to_vec())
                                .collect()
                        })
                        .collect()
                };
                let (first, second) = (panel(0), panel(8));
                let (year, quarters, parts) = by_quarter(&totals_by_month(&first), 2);
                let of = |months: &[Vec<Vec<u64>>]| -> Vec<Vec<u64>> {
                    [figures(&summed(months, &all))]
                        .into_iter()
                        .chain(months.iter().map(|m| figures(m)))
                        .chain(months_of.iter().map(|ms| figures(&summed(months, ms))))
                        .collect()
                };
                [figures(&year), figures(&quarters)]
                    .into_iter()
                    .chain(parts.iter().map(|p| figures(p)))
                    .chain(of(&first))
                    .chain(of(&second))
                    .collect()
            };
            // The second panel's monthly totals are the first's: table 4 + 1 + t of the
            // first panel, 4 + 7 + 1 + t of the second, each of two columns.
            let equal = same_monthly_totals(rows, (5, 2), (12, 2));
            let determined = determined_hidden_given(&flat, &free, &tables, figures_of, &equal);
            assert!(
                determined.is_empty(),
                "figures (table, figure) {determined:?} are determined for {:?}: {first:?} \
                 and {second:?} published as {tables:?}",
                v.own
            );
        }
        assert!(checked >= 150, "only {checked} years were checked");
    }

    /// Incidents by outcome (three categories, the second split in two by whether follow-up
    /// was offered) and by place (two categories), sharing their totals, over a year of two
    /// quarters of two months: the place panel audited beside the outcomes and their split,
    /// published before it. No hidden figure of any of them, or of the totals, has one value
    /// given all of them together.
    #[test]
    fn no_hidden_figure_follows_from_a_split_panel_and_a_panel_sharing_its_totals() {
        let mut next = numbers(53);
        let mut checked = 0;
        let months_of = vec![vec![0, 1], vec![2, 3]];
        let all = [0, 1, 2, 3];
        let split = 1;
        for _ in 0..300 {
            let rows = 2 + next(2) as usize;
            let v = viewer([&[][..], &["1505"], &["1506"]][next(3) as usize]);
            let outcomes: Vec<Vec<Vec<u64>>> =
                (0..4).map(|_| random_cells(&mut next, rows, 3)).collect();
            let mut split_in_two = |m: &Vec<Vec<u64>>, of: &dyn Fn(&[u64]) -> u64| {
                m.iter()
                    .map(|row| {
                        let whole = of(row);
                        let one = next(whole + 1);
                        vec![one, whole - one]
                    })
                    .collect::<Vec<Vec<u64>>>()
            };
            let follow_up: Vec<Vec<Vec<u64>>> = outcomes
                .iter()
                .map(|m| split_in_two(m, &|r| r[split]))
                .collect();
            let places: Vec<Vec<Vec<u64>>> = outcomes
                .iter()
                .map(|m| split_in_two(m, &|r| r.iter().sum()))
                .collect();
            let shared = shared_totals(&outcomes, &v);
            let periods_of = |months: &[Vec<Vec<u64>>], with_shared: bool| -> Vec<Table> {
                months
                    .iter()
                    .cloned()
                    .chain(months_of.iter().map(|ms| summed(months, ms)))
                    .zip(&shared.of_period)
                    .map(|(cells, totals)| match with_shared {
                        true => with_totals(cells, totals),
                        false => table_of(cells),
                    })
                    .collect()
            };
            let (outcome_year, follow_up_year) = publish_split(
                &with_totals(summed(&outcomes, &all), &shared.year),
                split,
                &table_of(summed(&follow_up, &all)),
                &v,
            );
            let place_year = publish(&with_totals(summed(&places, &all), &shared.year), &v);
            let outcome_panel = || PanelYear {
                periods: periods_of(&outcomes, true),
                year: Cow::Borrowed(&outcome_year),
                own_totals: false,
            };
            let follow_up_panel = || PanelYear {
                periods: periods_of(&follow_up, false),
                year: Cow::Borrowed(&follow_up_year),
                own_totals: false,
            };
            let mut together = [outcome_panel(), follow_up_panel()];
            let shown_before =
                publish_year_by_period(&mut together, Some(split), &[], &[], &months_of, &v);
            let beside = [Beside {
                panel: outcome_panel(),
                published: shown_before[0].clone(),
                relation: Relation::SameTotals,
                parts: Some(Parts {
                    column: split,
                    panel: follow_up_panel(),
                    published: shown_before[1].clone(),
                }),
            }];
            let mut place_panel = [PanelYear {
                periods: periods_of(&places, true),
                year: Cow::Borrowed(&place_year),
                own_totals: false,
            }];
            let place_shown =
                publish_year_by_period(&mut place_panel, None, &beside, &[], &months_of, &v)
                    .remove(0);
            let tables: Vec<Vec<Option<u64>>> = [&shared.year, &shared.quarters]
                .into_iter()
                .chain(&shared.months)
                .chain([&outcome_year, &follow_up_year])
                .chain(shown_before.iter().flatten())
                .chain([&place_year])
                .chain(&place_shown)
                .map(shown)
                .collect();
            if tables.iter().flatten().all(Option::is_some) {
                continue;
            }
            checked += 1;
            // One guess is a table of rows, six figures a month: the outcomes but the split
            // one, its two parts, and the two places.
            let flat: Vec<Vec<u64>> = (0..rows)
                .map(|r| {
                    (0..4)
                        .flat_map(|t| {
                            let (o, f, p) = (&outcomes[t][r], &follow_up[t][r], &places[t][r]);
                            [o[0], o[2], f[0], f[1], p[0], p[1]]
                        })
                        .collect()
                })
                .collect();
            let shown_at = |r: usize, i: usize| {
                let t = i / 6;
                match i % 6 {
                    0 => shown_before[0][t].cells[r][0],
                    1 => shown_before[0][t].cells[r][2],
                    k @ 2..4 => shown_before[1][t].cells[r][k - 2],
                    k => place_shown[t].cells[r][k - 4],
                }
            };
            let free: Vec<(usize, usize)> = (0..rows)
                .flat_map(|r| (0..24).map(move |i| (r, i)))
                .filter(|(r, i)| shown_at(*r, *i).is_none())
                .collect();
            let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
                let at = |t: usize, r: usize, k: usize| guess[r][t * 6 + k];
                let by_month = |row: &dyn Fn(usize, usize) -> Vec<u64>| -> Vec<Vec<Vec<u64>>> {
                    (0..4)
                        .map(|t| (0..rows).map(|r| row(t, r)).collect())
                        .collect()
                };
                let outcomes =
                    by_month(&|t, r| vec![at(t, r, 0), at(t, r, 2) + at(t, r, 3), at(t, r, 1)]);
                let follow_up = by_month(&|t, r| vec![at(t, r, 2), at(t, r, 3)]);
                let places = by_month(&|t, r| vec![at(t, r, 4), at(t, r, 5)]);
                let (year, quarters, parts) = by_quarter(&totals_by_month(&outcomes), 2);
                let periods = |months: &[Vec<Vec<u64>>]| -> Vec<Vec<u64>> {
                    months
                        .iter()
                        .map(|m| figures(m))
                        .chain(months_of.iter().map(|ms| figures(&summed(months, ms))))
                        .collect()
                };
                [figures(&year), figures(&quarters)]
                    .into_iter()
                    .chain(parts.iter().map(|p| figures(p)))
                    .chain([
                        figures(&summed(&outcomes, &all)),
                        figures(&summed(&follow_up, &all)),
                    ])
                    .chain(periods(&outcomes))
                    .chain(periods(&follow_up))
                    .chain([figures(&summed(&places, &all))])
                    .chain(periods(&places))
                    .collect()
            };
            // The places' monthly totals (tables 19 + t, two columns) are the outcomes'
            // (tables 6 + t, three columns).
            let equal = same_monthly_totals(rows, (19, 2), (6, 3));
            let determined = determined_hidden_given(&flat, &free, &tables, figures_of, &equal);
            assert!(
                determined.is_empty(),
                "figures (table, figure) {determined:?} are determined for {:?}: {outcomes:?} \
                 split as {follow_up:?}, by place {places:?}, published as {tables:?}",
                v.own
            );
        }
        assert!(checked >= 150, "only {checked} years were checked");
    }

    /// Every hand-out one kit: Kristiansund's 3 kits first time and 7 refilled, Molde's 2 and
    /// 8, Ålesund's 10 and 6, the small figures hiding Kristiansund's and Molde's kits. A
    /// refill names its reason, so the refills are at most the refilled kits and the hand-outs
    /// less the refills at most the kits first time: published apart, Kristiansund's refills
    /// (7) and hand-outs (10) beside its kits (10) showed its 3 and 7, as Molde's did. Audited
    /// beside the kits and the hand-outs with those bounds, they show no such pair.
    #[test]
    fn refills_by_reason_pin_no_hidden_kits_down() {
        let v = viewer(&[]);
        let kits = table(&[&[3, 7], &[2, 8], &[10, 6]]);
        let hand_outs = table(&[&[10], &[10], &[16]]);
        // Refilled after use on an overdose, lost, expired.
        let refills = table(&[&[0, 7, 0], &[0, 0, 8], &[6, 0, 0]]);
        let (kits_shown, hand_outs_shown) = (publish(&kits, &v), publish(&hand_outs, &v));
        assert_eq!(kits_shown.cells[..2], [[None, None], [None, None]]);
        assert_eq!(hand_outs_shown.row_totals, [Some(10), Some(10), Some(16)]);
        let bounds = [
            RowBound(vec![term(0, None, 1), term(1, Some(1), -1)]),
            RowBound(vec![
                term(2, None, 1),
                term(0, None, -1),
                term(1, Some(0), -1),
            ]),
        ];
        // The rows whose hidden kits meet their bounds from the refills and hand-outs shown.
        let pinned = |refills_shown: &Published| -> Vec<usize> {
            (0..3)
                .filter(|r| {
                    let kits = kits_shown.row_totals[*r];
                    let hand_outs = hand_outs_shown.row_totals[*r];
                    let (Some(kits), [None, None], Some(hand_outs)) =
                        (kits, &kits_shown.cells[*r][..], hand_outs)
                    else {
                        return false;
                    };
                    let refills = refills_shown.row_totals[*r];
                    let refills_shown_in_row = refills_shown.cells[*r].iter().flatten().sum();
                    let refilled_at_least = refills.unwrap_or(refills_shown_in_row);
                    let first_at_least = refills.map_or(0, |n| hand_outs.saturating_sub(n));
                    kits.saturating_sub(first_at_least) == refilled_at_least
                })
                .collect()
        };
        assert_eq!(pinned(&publish(&refills, &v)), [0, 1], "published apart");
        let bounding = [(&kits, &kits_shown), (&hand_outs, &hand_outs_shown)];
        let beside = publish_year_beside(&refills, &bounding, &bounds, &v);
        assert_eq!(pinned(&beside), Vec::<usize>::new(), "{beside:?}");
        // What is shown is still exact.
        for (r, row) in beside.cells.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                assert!(cell.is_none_or(|n| n == refills.cells[r][c]));
            }
        }
    }

    /// A hand-out trains its recipient or not: people trained are at most the hand-outs. The
    /// year 2025 of three municipalities by month: Kristiansund handed out 7 kits in March, 3
    /// in September and 7 in November, Molde 5 in March and 2 in November, Ålesund 2 in
    /// September, every recipient trained but 3 of Kristiansund's in November. Published as
    /// the one-category panel is, the hand-outs hide Kristiansund's and Molde's first quarter
    /// and March (a complement of Molde's 2 in November); the people trained, published apart
    /// the same way, show them (7 and 5), which meet the hidden hand-outs (12) from below.
    /// Beside the hand-outs, the people trained pin none down.
    #[test]
    fn people_trained_pin_no_hidden_hand_outs_down() {
        let v = viewer(&[]);
        let year = |months: &[(usize, u64)]| -> Vec<u64> {
            let mut year = vec![0; 12];
            for (month, n) in months {
                year[month - 1] = *n;
            }
            year
        };
        let hand_outs = [
            year(&[(3, 7), (9, 3), (11, 7)]),
            year(&[(3, 5), (11, 2)]),
            year(&[(9, 2)]),
        ];
        let trained = [
            year(&[(3, 7), (9, 3), (11, 4)]),
            year(&[(3, 5), (11, 2)]),
            year(&[(9, 2)]),
        ];
        // By month, each a table of one column.
        let by_month = |rows: &[Vec<u64>]| -> Vec<Vec<Vec<u64>>> {
            (0..12)
                .map(|m| rows.iter().map(|r| vec![r[m]]).collect())
                .collect()
        };
        let (hand_outs, trained) = (by_month(&hand_outs), by_month(&trained));
        let months_of: Vec<Vec<usize>> = (0..4).map(|q| (3 * q..3 * q + 3).collect()).collect();
        let shared = shared_totals_by(&hand_outs, 3, &v);
        // The periods (12 months, then 4 quarters) whose hidden hand-outs add up to what the
        // people trained shown there give them at least.
        let pinned = |trained: &[Published]| -> Vec<usize> {
            (0..16)
                .filter(|p| {
                    let (hand_outs, trained) = (&shared.of_period[*p], &trained[*p]);
                    let hidden: Vec<usize> = (0..3)
                        .filter(|r| hand_outs.cells[*r][0].is_none())
                        .collect();
                    let left = hand_outs.total.map(|total| {
                        total - hand_outs.cells.iter().flatten().flatten().sum::<u64>()
                    });
                    let at_least: Option<u64> = hidden.iter().map(|r| trained.cells[*r][0]).sum();
                    !hidden.is_empty() && left.is_some() && at_least == left
                })
                .collect()
        };
        let apart = shared_totals_by(&trained, 3, &v);
        assert_eq!(
            pinned(&apart.of_period),
            [2, 12],
            "March and the first quarter"
        );
        let bounds = [RowBound(vec![term(0, None, 1), term(1, None, -1)])];
        let year_of =
            |months: &[Vec<Vec<u64>>]| table_of(summed(months, &(0..12).collect::<Vec<_>>()));
        let (trained_year, hand_outs_year) = (year_of(&trained), year_of(&hand_outs));
        let year = publish_year_beside(
            &trained_year,
            &[(&hand_outs_year, &shared.year)],
            &bounds,
            &v,
        );
        let beside = [bounding(&hand_outs, &months_of, &shared)];
        let mut panels = [PanelYear {
            periods: periods_of(&trained, &months_of),
            year: Cow::Borrowed(&year),
            own_totals: true,
        }];
        let together = publish_year_by_period(&mut panels, None, &beside, &bounds, &months_of, &v);
        assert_eq!(pinned(&together[0]), Vec::<usize>::new(), "{together:?}");
        // What is shown is still exact.
        for (p, shown) in together[0].iter().enumerate() {
            for (r, cell) in shown.cells.iter().enumerate() {
                assert!(cell[0].is_none_or(|n| n == panels[0].periods[p].cells[r][0]));
            }
        }
    }

    /// Random incidents of a year of two quarters of two months, each naming heroin,
    /// methadone, both, or `UNKNOWN` alone: incidents by suspected substance (three columns)
    /// published by year, month and quarter beside the incidents, as the dashboards publish
    /// both (the incidents a calendar year at a time). Given both and the bounds an incident's
    /// substances set (a month's `UNKNOWN` with either substance at most its incidents, its
    /// three columns together at least them), the year gives no hidden figure of the incidents
    /// or of itself a value it does not have given the incidents and the viewer's own
    /// substances alone, and the months and quarters give no hidden figure of either a value it
    /// does not have given the year too. Published apart from the incidents, some would: the
    /// check can fail.
    #[test]
    fn no_hidden_incidents_follow_from_the_substances_they_name() {
        let mut next = numbers(59);
        let mut checked = 0;
        let mut given_away_without = 0;
        let months_of = vec![vec![0, 1], vec![2, 3]];
        let all = [0, 1, 2, 3];
        let unknown = 2;
        for _ in 0..40 {
            let rows = 2 + next(2) as usize;
            let v = viewer([&[][..], &["1505"], &["1506"]][next(3) as usize]);
            // Each month's incidents (one column) and substances (heroin, methadone, unknown).
            let mut incidents: Vec<Vec<Vec<u64>>> = Vec::new();
            let mut substances: Vec<Vec<Vec<u64>>> = Vec::new();
            for _ in 0..4 {
                let (mut month, mut named) = (Vec::new(), Vec::new());
                for _ in 0..rows {
                    let count = match next(3) {
                        0 => next(3),
                        _ => 3 + next(6),
                    };
                    let mut row = vec![0; 3];
                    for _ in 0..count {
                        match next(5) {
                            0 | 1 => row[unknown] += 1,
                            2 => row[0] += 1,
                            3 => row[1] += 1,
                            _ => {
                                row[0] += 1;
                                row[1] += 1;
                            }
                        }
                    }
                    month.push(vec![count]);
                    named.push(row);
                }
                incidents.push(month);
                substances.push(named);
            }
            let shared = shared_totals(&incidents, &v);
            let beside = [bounding(&incidents, &months_of, &shared)];
            // Unknown with either substance at most the incidents, the incidents at most all
            // three.
            let bounds: Vec<RowBound> = [0, 1]
                .map(|c| {
                    RowBound(vec![
                        term(0, Some(unknown), 1),
                        term(0, Some(c), 1),
                        term(1, None, -1),
                    ])
                })
                .into_iter()
                .chain([RowBound(vec![term(1, None, 1), term(0, None, -1)])])
                .collect();
            let year_table = table_of(summed(&substances, &all));
            let incidents_year = table_of(summed(&incidents, &all));
            // The substances' year, months and quarters as the dashboards publish them (the
            // year beside the incidents' year, the months and quarters beside theirs), or
            // apart from the incidents.
            let publish_substances = |beside_incidents: bool| -> Vec<Published> {
                let year = match beside_incidents {
                    true => publish_year_beside(
                        &year_table,
                        &[(&incidents_year, &shared.year)],
                        &bounds,
                        &v,
                    ),
                    false => publish(&year_table, &v),
                };
                let mut panels = [PanelYear {
                    periods: periods_of(&substances, &months_of),
                    year: Cow::Borrowed(&year),
                    own_totals: true,
                }];
                let (beside, bounds): (&[Beside], &[RowBound]) = match beside_incidents {
                    true => (&beside, &bounds),
                    false => (&[], &[]),
                };
                let months =
                    publish_year_by_period(&mut panels, None, beside, bounds, &months_of, &v);
                [year.clone()]
                    .into_iter()
                    .chain(months[0].clone())
                    .collect()
            };
            // Tables 0–3: the incidents' year, quarters and each quarter's months; 4: the
            // substances' year; 5–8 their months, 9–10 their quarters.
            let tables_of = |substances_shown: &[Published]| -> Vec<Vec<Option<u64>>> {
                [&shared.year, &shared.quarters]
                    .into_iter()
                    .chain(&shared.months)
                    .chain(substances_shown)
                    .map(shown)
                    .collect()
            };
            // One guess is a table of rows: each month's three substances and its incidents.
            let flat: Vec<Vec<u64>> = (0..rows)
                .map(|r| {
                    (0..4)
                        .flat_map(|t| [&substances[t][r][..], &incidents[t][r][..]].concat())
                        .collect()
                })
                .collect();
            let figures_of = |guess: &[Vec<u64>]| -> Vec<Vec<u64>> {
                let incidents: Vec<Vec<u64>> = (0..rows)
                    .map(|r| (0..4).map(|t| guess[r][4 * t + 3]).collect())
                    .collect();
                let (year, quarters, parts) = by_quarter(&incidents, 2);
                let substances: Vec<Vec<Vec<u64>>> = (0..4)
                    .map(|t| {
                        (0..rows)
                            .map(|r| guess[r][4 * t..4 * t + 3].to_vec())
                            .collect()
                    })
                    .collect();
                [figures(&year), figures(&quarters)]
                    .into_iter()
                    .chain(parts.iter().map(|p| figures(p)))
                    .chain([figures(&summed(&substances, &all))])
                    .chain(substances.iter().map(|m| figures(m)))
                    .chain(months_of.iter().map(|ms| figures(&summed(&substances, ms))))
                    .collect()
            };
            // Month t's incidents are cell (r, t % 2) of table 2 + t / 2 (two columns); its
            // substances are table 5 + t (three columns).
            let bounds: Vec<(Vec<FigureAt>, Relates, FigureAt)> = (0..4)
                .flat_map(|t| (0..rows).map(move |r| (t, r)))
                .flat_map(|(t, r)| {
                    let items = (2 + t / 2, r * 2 + t % 2);
                    let named = |c: usize| (5 + t, r * 3 + c);
                    let with_unknown = [0, 1].map(|c| (vec![named(unknown), named(c)], items));
                    with_unknown
                        .into_iter()
                        .map(|(named, items)| (named, Relates::AtMost, items))
                        .chain([(vec![items], Relates::AtMost, (5 + t, 3 * rows + r))])
                })
                .collect();
            // The hidden figures that have one value given the substances as published.
            let determined = |substances_shown: &[Published]| {
                let tables = tables_of(substances_shown);
                let free: Vec<(usize, usize)> = (0..rows)
                    .flat_map(|r| (0..16).map(move |i| (r, i)))
                    .filter(|(r, i)| match i % 4 {
                        3 => shared.months[i / 8].cells[*r][i / 4 % 2].is_none(),
                        c => substances_shown[1 + i / 4].cells[*r][c].is_none(),
                    })
                    .collect();
                determined_hidden_given(&flat, &free, &tables, figures_of, &bounds)
            };
            // What the viewer knows anyway: the incidents as published, and its own
            // substances, with every other figure of theirs hidden, or all but the year.
            let own: Vec<bool> = ["1505", "1506", "1508"][..rows]
                .iter()
                .map(|k| v.own.contains(*k))
                .collect();
            let only_own = |p: &Published| Published {
                cells: (0..rows)
                    .map(|r| p.cells[r].iter().map(|c| c.filter(|_| own[r])).collect())
                    .collect(),
                row_totals: (0..rows)
                    .map(|r| p.row_totals[r].filter(|_| own[r]))
                    .collect(),
                column_totals: vec![None; p.column_totals.len()],
                total: None,
            };
            // What a publication gives away: hidden figures of the incidents and of the year
            // that its year gives beyond what is known anyway, and hidden figures that its
            // months and quarters give beyond what the year does.
            let given_away = |shown: &[Published]| -> Vec<(usize, usize)> {
                let known: Vec<Published> = shown.iter().map(only_own).collect();
                let with_year: Vec<Published> = [shown[0].clone()]
                    .into_iter()
                    .chain(known[1..].to_vec())
                    .collect();
                let known = determined(&known);
                let with_year = determined(&with_year);
                // Figures of the incidents and of the year. A month's substances total may
                // follow from the year (a year's total equal to its incidents means each month's
                // total is its incidents shown): the months hide it, as known anyway.
                let by_year = with_year
                    .iter()
                    .filter(|(t, _)| *t <= 4)
                    .filter(|f| !known.contains(f));
                let by_months = determined(shown)
                    .into_iter()
                    .filter(|f| !with_year.contains(f));
                by_year.copied().chain(by_months).collect()
            };
            let together = publish_substances(true);
            if together.iter().all(|p| *p == only_own(p)) {
                continue;
            }
            checked += 1;
            let more = given_away(&together);
            assert!(
                more.is_empty(),
                "figures (table, figure) {more:?} are determined for {:?}: {incidents:?} \
                 naming {substances:?}, published as {:?}",
                v.own,
                tables_of(&together)
            );
            if !given_away(&publish_substances(false)).is_empty() {
                given_away_without += 1;
            }
        }
        assert!(checked >= 30, "only {checked} years were checked");
        assert!(
            given_away_without > 0,
            "no year gave incidents away without them"
        );
    }
}
