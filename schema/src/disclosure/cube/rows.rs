//! The audit of a year municipality by municipality, each one's figures alone: for a year too
//! large to audit as one system, or whose audit as one leaves a panel beside out.
//!
//! A municipality's row of every panel (its cells and row totals in the months, quarters and
//! year, and the relations and bounds between its panels) is a small system, and what gives
//! one of its hidden figures away there gives it away in the whole. Column totals are left
//! out, so what other municipalities' rows give with them is not looked for here: each
//! table and each line is protected on its own for that.
//!
//! Each municipality's system is searched as the whole year's is (programs for counts that
//! give each hidden figure another value), and what it gives away is released the same way.
//! The municipalities are audited side by side, each one's programs on its own thread.

use std::collections::BTreeSet;

use super::{Audited, Positions, Rows, on_one_thread};
use crate::disclosure::periods::in_parallel;

/// Audits each municipality of `system` alone and adds what it must hide to `to_hide`; the
/// figures audited and hidden, for the audit's log line.
pub(super) fn audit(system: &Audited, to_hide: &mut [Vec<Positions>]) -> (usize, usize) {
    let rows = system.own.len();
    let to_audit: Vec<usize> = (0..rows)
        .filter(|r| !system.own[*r] && system.hides_in_row(*r))
        .collect();
    // The municipalities side by side, each one's programs one after the other.
    let audited = in_parallel(to_audit, |r| {
        on_one_thread(|| {
            let figures = system.figures(Rows::One(r));
            let given_away = system.system(&figures, &BTreeSet::new()).given_away();
            let hiding = match given_away.is_empty() {
                true => BTreeSet::new(),
                // Undecided: every figure of the row the audit may hide, the most it can.
                false => system
                    .released(&figures, given_away)
                    .unwrap_or_else(|_| system.every_hideable(&figures)),
            };
            (figures, hiding)
        })
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
