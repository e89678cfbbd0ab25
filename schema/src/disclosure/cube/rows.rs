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
//!
//! A municipality's audit depends on its figures alone, and the same figures come back: in
//! each round of its year's publication, and after a write in another municipality. So what
//! it hid is kept by a digest of all it depends on, and found again there without a program.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::{Audited, Figure, Place, Positions, Rows, on_one_thread};
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
        let figures = system.figures(Rows::One(r));
        let digest = digest(system, &figures);
        let kept = KEPT.lock().ok().and_then(|kept| kept.get(&digest).cloned());
        let hiding = kept.unwrap_or_else(|| {
            let hiding: Arc<[usize]> = on_one_thread(|| audit_row(system, &figures))
                .into_iter()
                .collect();
            if let Ok(mut kept) = KEPT.lock() {
                // Emptied when full: a year's rows come back within its publication.
                if kept.len() >= ROWS_KEPT {
                    kept.clear();
                }
                kept.insert(digest, hiding.clone());
            }
            hiding
        });
        // Where they are, not the figures: all municipalities' are not held at once.
        let places: Vec<Place> = hiding.iter().filter_map(|g| figures[*g].place).collect();
        (figures.len(), places)
    });
    let (mut figures, mut hidden) = (0, 0);
    for (of_row, places) in audited {
        (figures, hidden) = (figures + of_row, hidden + places.len());
        system.add_to(to_hide, places);
    }
    (figures, hidden)
}

/// What one municipality's audit hides of its `figures`.
fn audit_row(system: &Audited, figures: &[Figure]) -> BTreeSet<usize> {
    let given_away = system.system(figures, &BTreeSet::new()).given_away();
    if given_away.is_empty() {
        return BTreeSet::new();
    }
    system
        .released(figures, given_away)
        // Undecided: every figure of the row the audit may hide, the most it can.
        .unwrap_or_else(|_| system.every_hideable(figures))
}

/// What the municipalities' audits hid (by number among their figures), by the digest of all
/// each depended on.
static KEPT: Mutex<BTreeMap<[u8; 32], Arc<[usize]>>> = Mutex::new(BTreeMap::new());

/// The most municipalities' audits kept: about 6 MB.
const ROWS_KEPT: usize = 100_000;

/// A digest of everything a municipality's audit depends on: its figures (their places,
/// terms, values, whether shown), which of them the audit may hide, how a split pairs them,
/// and the year's largest figure, which bounds the counts.
fn digest(system: &Audited, figures: &[Figure]) -> [u8; 32] {
    let mut digest = Digesting(Sha256::new());
    system.largest.hash(&mut digest);
    system.split.hash(&mut digest);
    for figure in figures {
        figure.hash(&mut digest);
        let may_hide = figure.place.is_some_and(|p| system.may_hide(&p));
        may_hide.hash(&mut digest);
    }
    digest.0.finalize().into()
}

/// A SHA-256 digest fed by [`Hash`].
struct Digesting(Sha256);

impl Hasher for Digesting {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// Never asked for: the digest is the whole SHA-256.
    fn finish(&self) -> u64 {
        0
    }
}

impl Audited<'_> {
    /// Whether any figure of row `r` is hidden in any panel, in a month, quarter or the year.
    fn hides_in_row(&self, r: usize) -> bool {
        let hides = |table: &super::Published| {
            table.row_totals[r].is_none() || table.cells[r].iter().any(Option::is_none)
        };
        (0..self.all.len()).any(|s| self.published[s].iter().any(hides) || hides(&self.all[s].year))
    }
}
