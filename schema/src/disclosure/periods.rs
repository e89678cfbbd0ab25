//! The tables of a calendar year's periods of panels of several categories, protected beside
//! the year and each other.
//!
//! Each month and each quarter of such a panel is a table of its own (a row per municipality,
//! a column per category). Published apart, a category's year less its shown months would
//! give a hidden month, as a quarter less its shown months would. So each category's line
//! through the periods (and the row totals', where they are the panel's own figures) is also
//! checked as the table of a year's quarters beside the year, each quarter split by its
//! months ([`publish_splits`]): what that hides, the periods' tables hide too, what it gives
//! away they show (and protect nothing with), and they are published again until both show
//! each figure alike.
//!
//! Each table and each line is then protected completely on its own, and a hidden figure can
//! be worked out from no line and no period alone. Together they can still give one away, so
//! the year is then audited as one system ([`super::cube`]): what the audit hides, the
//! periods' tables hide, and the year goes round again.

use std::borrow::Cow;

use super::{
    Positions, Published, Shown, Table, TotalsShown, Viewer, cube, publish, publish_split,
    publish_splits,
};

/// One panel's tables of a calendar year: a table per month, then one per quarter (its months
/// summed), and the year as the answer by year published it.
pub struct PanelYear<'a> {
    pub periods: Vec<Table>,
    pub year: Cow<'a, Published>,
    /// Whether its row totals are its own figures, not another panel's taken as published
    /// there (which protects them beside their year itself).
    pub own_totals: bool,
}

/// A line of figures through the periods: a category's column, or the row totals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Line {
    Column(usize),
    Totals,
}

/// Publishes the periods of `panels` (one panel, or two the second of which splits column
/// `split` of the first, published together period by period), months then quarters, with
/// `months_of` the months of each quarter, audited as one system with the panels published
/// before that relate to them (`beside`, with the `bounds` between them and the first, see
/// [`cube`]). Returns each panel's periods as published.
pub fn publish_year_by_period(
    panels: &mut [PanelYear],
    split: Option<usize>,
    beside: &[cube::Beside],
    bounds: &[cube::RowBound],
    months_of: &[Vec<usize>],
    viewer: &Viewer,
) -> Vec<Vec<Published>> {
    let periods = panels.first().map_or(0, |p| p.periods.len());
    let mut published: Vec<Vec<Published>> = vec![Vec::with_capacity(periods); panels.len()];
    let all = in_parallel((0..periods).collect(), |p| {
        publish_period(panels, split, p, viewer)
    });
    for figures in all {
        for (s, figures) in figures.into_iter().enumerate() {
            published[s].push(figures);
        }
    }
    // The lines to check: every one at first, then those whose figures the last round
    // changed; a period is published again when a line changed what it must hide or show.
    let mut lines: Vec<Vec<Line>> = panels.iter().map(lines_of).collect();
    loop {
        let mut changed = vec![false; periods];
        // A line that asked for a change is checked again: the periods' tables may show
        // what it asked them to hide, as following from what they show.
        let mut changed_lines: Vec<Vec<Line>> = vec![Vec::new(); panels.len()];
        // Each line reads only the periods as published and its own figures, so all are
        // published at once, and what they change applied after.
        let to_check: Vec<(usize, Line)> = lines
            .iter()
            .enumerate()
            .flat_map(|(s, lines)| lines.iter().map(move |line| (s, *line)))
            .collect();
        let shown_on_lines = in_parallel(to_check.clone(), |(s, line)| {
            publish_line(&panels[s], &published[s], line, months_of, viewer)
        });
        for ((s, line), on_line) in to_check.into_iter().zip(shown_on_lines) {
            let periods = apply_line(&mut panels[s], &published[s], line, months_of, &on_line);
            for p in &periods {
                changed[*p] = true;
            }
            if !periods.is_empty() {
                changed_lines[s].push(line);
            }
        }
        if !changed.contains(&true) {
            // Each table and line holds on its own: the year as one system may still give a
            // figure away, so what the audit asks to hide is hidden and the year goes round
            // again.
            let to_hide = cube::audit(panels, &published, split, beside, bounds, months_of, viewer);
            let asked = to_hide.iter().flatten().any(|p| *p != Positions::default());
            for (s, to_hide) in to_hide.into_iter().enumerate() {
                for (p, positions) in to_hide.into_iter().enumerate() {
                    changed[p] |= merge(&mut panels[s].periods[p].hidden_elsewhere, positions);
                }
            }
            if !changed.contains(&true) {
                if asked {
                    // The tables show what the audit asks to hide (they find it follows from
                    // what they show): a figure it found given away may still be.
                    tracing::warn!("a year's audit asked to hide figures its tables show");
                }
                return published;
            }
            changed_lines = panels.iter().map(lines_of).collect();
        }
        let again: Vec<usize> = (0..periods).filter(|p| changed[*p]).collect();
        let republished = in_parallel(again.clone(), |p| publish_period(panels, split, p, viewer));
        for (p, fresh) in again.into_iter().zip(republished) {
            for (s, fresh) in fresh.into_iter().enumerate() {
                let rows = panels[s].periods[p].rows.len();
                for line in lines_of(&panels[s]) {
                    let differs = (0..rows).map(Some).chain([None]).any(|row| {
                        is_shown(&published[s][p], line, row) != is_shown(&fresh, line, row)
                    });
                    if differs && !changed_lines[s].contains(&line) {
                        changed_lines[s].push(line);
                    }
                }
                published[s][p] = fresh;
            }
        }
        lines = changed_lines;
    }
}

/// Publishes a year's table of a panel whose counts other panels bound (suspected substances
/// beside the incidents naming them, refills by reason beside the kits and the hand-outs,
/// hand-outs beside the kits, people trained beside the hand-outs and what bounds them),
/// audited with those panels' years (`bounding`, each a table and the year as published) and
/// the `bounds` between them and the table (panel `k` the `k`-th of `bounding`), each year as
/// a month of a quarter of its own: the bounds summed over the year, which every year's
/// counts keep. What the audit hides is hidden and the table published again until it hides
/// nothing more.
pub fn publish_year_beside(
    table: &Table,
    bounding: &[(&Table, &Published)],
    bounds: &[cube::RowBound],
    viewer: &Viewer,
) -> Published {
    let one_month = [vec![0]];
    let beside: Vec<cube::Beside> = bounding
        .iter()
        .map(|(bounding, bounding_shown)| cube::Beside {
            panel: PanelYear {
                periods: vec![(*bounding).clone(), (*bounding).clone()],
                year: Cow::Borrowed(*bounding_shown),
                own_totals: true,
            },
            published: vec![(*bounding_shown).clone(); 2],
            relation: cube::Relation::Bounding,
            parts: None,
        })
        .collect();
    let mut table = table.clone();
    loop {
        let shown = publish(&table, viewer);
        let year = [PanelYear {
            periods: vec![table.clone(), table.clone()],
            year: Cow::Borrowed(&shown),
            own_totals: true,
        }];
        let published = [vec![shown.clone(), shown.clone()]];
        let to_hide = cube::audit(&year, &published, None, &beside, bounds, &one_month, viewer);
        let asked = to_hide.iter().flatten().any(|p| *p != Positions::default());
        let mut changed = false;
        for positions in to_hide.into_iter().flatten() {
            changed |= merge(&mut table.hidden_elsewhere, positions);
        }
        if !changed {
            if asked {
                tracing::warn!(
                    "a year's audit beside the panels bounding it asked to hide figures its table shows"
                );
            }
            return shown;
        }
    }
}

/// A panel's lines: each category's column, and its row totals where they are its own.
fn lines_of(panel: &PanelYear) -> Vec<Line> {
    let Some(columns) = panel
        .periods
        .first()
        .filter(|t| !t.rows.is_empty())
        .map(Table::columns)
    else {
        return Vec::new();
    };
    (0..columns)
        .map(Line::Column)
        .chain(panel.own_totals.then_some(Line::Totals))
        .collect()
}

/// Period `p` of each panel, published.
fn publish_period(
    panels: &[PanelYear],
    split: Option<usize>,
    p: usize,
    viewer: &Viewer,
) -> Vec<Published> {
    if let ([whole, parts], Some(column)) = (panels, split) {
        let (whole, parts) = publish_split(&whole.periods[p], column, &parts.periods[p], viewer);
        return vec![whole, parts];
    }
    panels
        .iter()
        .map(|panel| publish(&panel.periods[p], viewer))
        .collect()
}

/// Whether a period's table shows the figure of `line` in `row` (`None`: the joint one).
fn is_shown(published: &Published, line: Line, row: Option<usize>) -> bool {
    match (line, row) {
        (Line::Column(c), Some(r)) => published.cells[r][c].is_some(),
        (Line::Column(c), None) => published.column_totals.get(c).is_some_and(Option::is_some),
        (Line::Totals, Some(r)) => published.row_totals[r].is_some(),
        (Line::Totals, None) => published.total.is_some(),
    }
}

/// A line's quarters beside its year, and its months within their quarters, as published.
type LineShown = (Published, Vec<Published>);

/// Publishes `line` of `panel` as a year's quarters beside the year, each split by its months,
/// with what the periods' tables (`shown`) hide hidden and what they give away given.
fn publish_line(
    panel: &PanelYear,
    shown: &[Published],
    line: Line,
    months_of: &[Vec<usize>],
    viewer: &Viewer,
) -> LineShown {
    let months: usize = months_of.iter().map(Vec::len).sum();
    let quarters: Vec<usize> = (months..months + months_of.len()).collect();
    let rows = panel.periods[0].rows.len();
    let figures = || (0..rows).map(Some).chain([None]);
    let value = |t: &Table, r: usize| match line {
        Line::Column(c) => t.cells[r][c],
        Line::Totals => t.cells[r].iter().sum(),
    };
    let is_shown = |p: &Published, row: Option<usize>| is_shown(p, line, row);
    // The line over some periods as a table: a row per municipality, a column per period,
    // with the figures the periods' tables hide and give away.
    let line_table = |periods: &[usize]| {
        let mut hidden = Positions::default();
        let mut given = Positions::default();
        for (i, p) in periods.iter().enumerate() {
            for row in figures() {
                if !is_shown(&shown[*p], row) {
                    add(&mut hidden, Line::Column(i), row);
                }
                if holds(&panel.periods[*p].given_elsewhere, line, row) {
                    add(&mut given, Line::Column(i), row);
                }
            }
        }
        Table {
            rows: panel.periods[0].rows.clone(),
            cells: (0..rows)
                .map(|r| {
                    let values = periods.iter().map(|p| value(&panel.periods[*p], r));
                    values.collect()
                })
                .collect(),
            withheld_columns: Vec::new(),
            totals_as_published: None,
            hidden_elsewhere: hidden,
            given_elsewhere: given,
        }
    };
    let year = &*panel.year;
    let whole = Table {
        totals_as_published: Some(match line {
            Line::Column(c) => TotalsShown {
                rows: year.cells.iter().map(|r| r[c].is_some()).collect(),
                total: year.column_totals.get(c).is_some_and(Option::is_some),
            },
            Line::Totals => year.totals_shown(),
        }),
        ..line_table(&quarters)
    };
    let parts: Vec<Table> = months_of.iter().map(|ms| line_table(ms)).collect();
    let splits: Vec<(usize, &Table)> = parts.iter().enumerate().collect();
    publish_splits(&whole, &splits, viewer)
}

/// Hides in the periods' tables what the line (`on_line`, as [`publish_line`] published it)
/// hides, and shows there what it gives away. Returns the periods it changed.
fn apply_line(
    panel: &mut PanelYear,
    shown: &[Published],
    line: Line,
    months_of: &[Vec<usize>],
    (by_quarter, by_month): &LineShown,
) -> Vec<usize> {
    let months: usize = months_of.iter().map(Vec::len).sum();
    let quarters: Vec<usize> = (months..months + months_of.len()).collect();
    let rows = panel.periods[0].rows.len();
    let figures = || (0..rows).map(Some).chain([None]);
    let is_shown = |p: &Published, row: Option<usize>| is_shown(p, line, row);
    // Each period, as the line's tables publish it, and its column there.
    let periods = quarters
        .iter()
        .enumerate()
        .map(|(i, q)| (*q, by_quarter, i))
        .chain(months_of.iter().zip(by_month).flat_map(|(ms, published)| {
            ms.iter().enumerate().map(move |(i, m)| (*m, published, i))
        }));
    let mut changed_periods = Vec::new();
    for (p, published, i) in periods {
        let table = &mut panel.periods[p];
        let mut changed = false;
        for row in figures() {
            let on_line = is_shown_in(published, i, row);
            match (on_line, is_shown(&shown[p], row)) {
                // Forced hidden there and shown anyway, it follows from what is shown.
                (false, true) if holds(&table.hidden_elsewhere, line, row) => {
                    changed |= add(&mut table.given_elsewhere, line, row);
                }
                (false, true) => changed |= add(&mut table.hidden_elsewhere, line, row),
                (true, false) => changed |= add(&mut table.given_elsewhere, line, row),
                _ => {}
            }
        }
        if changed {
            changed_periods.push(p);
        }
    }
    changed_periods
}

/// Adds `positions` to `into`; whether any was new.
fn merge(into: &mut Positions, positions: Positions) -> bool {
    let mut added = false;
    for cell in positions.cells {
        added |= into.cells.insert(cell);
    }
    for r in positions.row_totals {
        added |= into.row_totals.insert(r);
    }
    for c in positions.column_totals {
        added |= into.column_totals.insert(c);
    }
    if positions.total {
        added |= !std::mem::replace(&mut into.total, true);
    }
    added
}

/// Whether column `i` of a line's table shows the figure of `row` (`None`: the joint one).
fn is_shown_in(published: &Published, i: usize, row: Option<usize>) -> bool {
    match row {
        Some(r) => published.cells[r][i].is_some(),
        None => published.column_totals[i].is_some(),
    }
}

/// Whether `positions` hold the figure of `line` in `row` (`None`: the joint figure).
fn holds(positions: &Positions, line: Line, row: Option<usize>) -> bool {
    match (line, row) {
        (Line::Column(c), Some(r)) => positions.cells.contains(&(r, c)),
        (Line::Column(c), None) => positions.column_totals.contains(&c),
        (Line::Totals, Some(r)) => positions.row_totals.contains(&r),
        (Line::Totals, None) => positions.total,
    }
}

/// Adds the figure of `line` in `row` to `positions`; whether it was not there yet.
fn add(positions: &mut Positions, line: Line, row: Option<usize>) -> bool {
    match (line, row) {
        (Line::Column(c), Some(r)) => positions.cells.insert((r, c)),
        (Line::Column(c), None) => positions.column_totals.insert(c),
        (Line::Totals, Some(r)) => positions.row_totals.insert(r),
        (Line::Totals, None) => !std::mem::replace(&mut positions.total, true),
    }
}

/// `each` of `items`, on as many threads as the machine has cores (publishing a year's
/// periods and lines is the first request's work after a write: it should not wait for one
/// core while another is idle). The results are in the order of `items`.
pub(super) fn in_parallel<T: Send, R: Send>(items: Vec<T>, each: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = items.len().div_ceil(threads.max(1)).max(1);
    if items.len() <= 1 || threads <= 1 {
        return items.into_iter().map(each).collect();
    }
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(per_thread).collect());
    }
    let each = &each;
    std::thread::scope(|scope| {
        let mut chunks = chunks.into_iter();
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(each).collect::<Vec<R>>()))
            .collect();
        let mut results: Vec<R> = first.into_iter().map(each).collect();
        for other in others {
            // A panic in a thread is a panic here, as it would be on one thread.
            results.extend(
                other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
        }
        results
    })
}
