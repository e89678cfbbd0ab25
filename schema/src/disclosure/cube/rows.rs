//! The audit of a year too large to audit as one system: each municipality's figures alone.
//!
//! A municipality's row of every panel (its cells and row totals in the months, quarters and
//! year, and the relations and bounds between its panels) is a small system, and what gives
//! one of its hidden figures away there gives it away in the whole. Column totals are left
//! out, so what other municipalities' rows give with them is not looked for here: each
//! table and each line is protected on its own for that.
//!
//! Most rows give nothing away, and programs for every hidden figure of every row would cost
//! far more than the first answer may. So hidden figures are first looked for quickly, in
//! ways that never take a figure that can move for given away, only miss some that cannot:
//! the shown equations adding up to the figure's terms, and ranges of the counts narrowed by
//! each equation and bound in turn until the figure's range is one value. Those found are
//! checked by programs and released as in the whole system.

use std::collections::BTreeSet;

use super::{Audited, Basis, FoundBy, Positions, Rows, Sense, System};
use crate::disclosure::periods::in_parallel;

/// Rounds of narrowing the counts' ranges by every equation and bound. Each round is sound on
/// its own: fewer rounds only find fewer figures given away.
const NARROWING_ROUNDS: usize = 32;

/// Unknowns with their signs, what they add up to, and whether to it or to at most it.
type Constraint<'t> = (&'t [(usize, i64)], i128, Sense);

/// A count's most before any figure narrows it: far beyond any count, and far enough within
/// `i128` that sums of many never overflow.
const UNBOUNDED: i128 = i64::MAX as i128;

/// Audits each municipality of `system` alone and adds what it must hide to `to_hide`; the
/// figures audited and hidden, for the audit's log line.
pub(super) fn audit(system: &Audited, to_hide: &mut [Vec<Positions>]) -> (usize, usize) {
    let rows = system.own.len();
    let to_audit: Vec<usize> = (0..rows)
        .filter(|r| !system.own[*r] && system.hides_in_row(*r))
        .collect();
    let audited = in_parallel(to_audit, |r| {
        let figures = system.figures(Rows::One(r));
        let given_away = system
            .system(&figures, &BTreeSet::new())
            .quickly_given_away();
        let hiding = match given_away.is_empty() {
            true => BTreeSet::new(),
            // Undecided: every figure of the row the audit may hide, the most it can.
            false => system
                .released(&figures, given_away, FoundBy::QuickSearch)
                .unwrap_or_else(|_| system.every_hideable(&figures)),
        };
        (figures, hiding)
    });
    let (mut figures, mut hidden) = (0, 0);
    for (of_row, hiding) in audited {
        system.add_to(to_hide, &of_row, &hiding);
        figures += of_row.len();
        hidden += hiding.len();
    }
    (figures, hidden)
}

impl Audited<'_> {
    /// Whether any figure of row `r` is hidden in any panel, in a month, quarter or the year.
    fn hides_in_row(&self, r: usize) -> bool {
        let hides = |table: &super::Published| {
            table.row_totals[r].is_none() || table.cells[r].iter().any(Option::is_none)
        };
        (0..self.all.len()).any(|s| self.published[s].iter().any(hides) || hides(self.all[s].year))
    }
}

impl System<'_> {
    /// The hidden figures (with a place) found quickly to have one value only: those the shown
    /// equations add up to, and those whose counts' ranges allow one sum. Never one that can
    /// move; not every one that cannot.
    fn quickly_given_away(&self) -> Vec<usize> {
        let hidden: Vec<usize> = (0..self.figures.len())
            .filter(|f| !self.is_shown(*f) && self.figures[*f].place.is_some())
            .collect();
        if hidden.is_empty() {
            return hidden;
        }
        let mut equations = Basis::new(self.unknowns);
        for g in &self.equations {
            equations.take(&self.of_figure[*g].0);
        }
        let ranges = self.ranges();
        hidden
            .into_iter()
            .filter(|f| {
                let terms = &self.of_figure[*f].0;
                let (low, high) = range_of(terms, &ranges);
                low == high || equations.gives(terms)
            })
            .collect()
    }

    /// Each unknown count's range, from at least zero, narrowed by every shown equation and
    /// bound: each term is what the figure's value leaves of the others' ranges. The true
    /// counts stay within them. No count starts at most anything: the largest figure may be a
    /// hidden one, whose value is not to be used.
    fn ranges(&self) -> Vec<(i128, i128)> {
        let mut ranges = vec![(0, UNBOUNDED); self.unknowns];
        let figures = self.equations.iter().chain(&self.bounds);
        let constraints: Vec<Constraint> = figures
            .map(|g| {
                let (terms, known) = &self.of_figure[*g];
                let figure = &self.figures[*g];
                (
                    terms.as_slice(),
                    i128::from(figure.value - known),
                    figure.sense,
                )
            })
            .collect();
        for _ in 0..NARROWING_ROUNDS {
            let mut narrowed = false;
            for (terms, rest, sense) in &constraints {
                let (low, high) = range_of(terms, &ranges);
                for (v, sign) in terms.iter() {
                    let (own_low, own_high) = range_of(&[(*v, *sign)], &ranges);
                    // The term (sign × count) is the rest less the others: at most what the
                    // others' least leaves, and for an equation at least what their most does.
                    let at_most = rest - (low - own_low);
                    let at_least = match sense {
                        Sense::Equal => Some(rest - (high - own_high)),
                        Sense::AtMost => None,
                    };
                    // The count itself: divided by the sign's size, turned round where the
                    // sign is negative.
                    let size = i128::from(sign.abs());
                    let (most, least) = match sign.signum() {
                        1 => (Some(at_most), at_least),
                        _ => (at_least.map(|n| -n), Some(-at_most)),
                    };
                    let (mut from, mut to) = ranges[*v];
                    if let Some(most) = most {
                        to = to.min(most.div_euclid(size));
                    }
                    if let Some(least) = least {
                        from = from.max(-(-least).div_euclid(size));
                    }
                    if (from, to) != ranges[*v] && from <= to {
                        ranges[*v] = (from, to);
                        narrowed = true;
                    }
                }
            }
            if !narrowed {
                break;
            }
        }
        ranges
    }
}

/// The least and most that `terms` (unknowns with their signs) add up to over `ranges`.
fn range_of(terms: &[(usize, i64)], ranges: &[(i128, i128)]) -> (i128, i128) {
    terms.iter().fold((0, 0), |(low, high), (v, sign)| {
        let (from, to) = ranges[*v];
        let sign = i128::from(*sign);
        let (a, b) = (sign * from, sign * to);
        (low + a.min(b), high + a.max(b))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::{At, Count, Figure, Moves, Place, Sense, System};

    /// The year's largest figure: a joint total, larger than any figure here.
    const LARGEST: i64 = 40;

    /// A figure of panel `panel`'s `period`, at row 0 and column `column`, over `terms`.
    fn figure(panel: usize, period: usize, column: usize, terms: &[Count], shown: bool) -> Figure {
        Figure {
            place: Some(Place {
                panel,
                period,
                at: At::Cell(0, column),
            }),
            terms: terms.iter().map(|t| (*t, 1)).collect(),
            value: 0,
            shown,
            sense: Sense::Equal,
        }
    }

    /// Terms of signs `terms` at most zero: a bound between panels.
    fn bound(terms: &[(Count, i64)]) -> Figure {
        Figure {
            place: None,
            terms: terms.to_vec(),
            value: 0,
            shown: true,
            sense: Sense::AtMost,
        }
    }

    /// The figures with their values from `counts`, and those found quickly given away.
    fn given_away(mut figures: Vec<Figure>, counts: &[(Count, u64)]) -> (Vec<Figure>, Vec<usize>) {
        let count = |c: Count| counts.iter().find(|(k, _)| *k == c).map_or(0, |(_, n)| *n);
        for f in &mut figures {
            if f.place.is_some() {
                f.value = f.terms.iter().map(|(t, s)| s * count(*t) as i64).sum();
            }
        }
        let found = System::new(&figures, count, &BTreeSet::new(), LARGEST).quickly_given_away();
        (figures, found)
    }

    /// Hand-outs (panel 1) at least the people trained (panel 0), at most the refills
    /// (panel 2) and kits first time (panel 3): trained 13, refills 5 and kits first time 8
    /// shown pin hidden hand-outs of 13 down; with 6 refills they can be 14.
    #[test]
    fn a_hidden_count_met_from_both_sides_is_found() {
        let (trained, hand_outs, refills, first_time) =
            ((0, 0, 0, 0), (1, 0, 0, 0), (2, 0, 0, 0), (3, 0, 0, 0));
        let figures = || {
            vec![
                figure(0, 0, 0, &[trained], true),
                figure(1, 0, 0, &[hand_outs], false),
                figure(2, 0, 0, &[refills], true),
                figure(3, 0, 0, &[first_time], true),
                bound(&[(trained, 1), (hand_outs, -1)]),
                bound(&[(hand_outs, 1), (refills, -1), (first_time, -1)]),
            ]
        };
        let counts = |refilled| {
            [
                (trained, 13),
                (hand_outs, 13),
                (refills, refilled),
                (first_time, 8),
            ]
        };
        let (_, found) = given_away(figures(), &counts(5));
        assert_eq!(found, [1]);
        let (figures, found) = given_away(figures(), &counts(6));
        assert_eq!(found, Vec::<usize>::new());
        let count = |c: Count| {
            counts(6)
                .iter()
                .find(|(k, _)| *k == c)
                .map_or(0, |(_, n)| *n)
        };
        let nothing_more = BTreeSet::new();
        let system = System::new(&figures, count, &nothing_more, LARGEST);
        assert_eq!(
            system.moves(1),
            Moves::Yes,
            "the programs agree that it can move"
        );
    }

    /// Months 0–3 of one category (hidden), its first quarter (months 0 and 1, hidden), its
    /// second (shown, 5) and its year (shown, 9): the year less the second quarter gives the
    /// first, whatever the months; no month follows.
    #[test]
    fn a_hidden_figure_the_shown_equations_add_up_to_is_found() {
        let months: Vec<Count> = (0..4).map(|t| (0, t, 0, 0)).collect();
        let figures = vec![
            figure(0, 0, 0, &months[0..1], false),
            figure(0, 1, 0, &months[1..2], false),
            figure(0, 2, 0, &months[2..3], false),
            figure(0, 3, 0, &months[3..4], false),
            figure(0, 4, 0, &months[0..2], false),
            figure(0, 5, 0, &months[2..4], true),
            figure(0, 6, 0, &months, true),
        ];
        let counts: Vec<(Count, u64)> = months.iter().copied().zip([1, 3, 2, 3]).collect();
        let (_, found) = given_away(figures, &counts);
        assert_eq!(found, [4]);
    }
}
