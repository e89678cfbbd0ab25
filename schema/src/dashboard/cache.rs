//! Published panels, kept and reused while the counts behind them are unchanged (see
//! [`crate::kept`]).

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::panel::{Panel, Sums};
use super::period::Range;
use crate::kept::{Kept, Weigh};

/// Everything a published panel depends on besides the counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PanelKey {
    pub metric: &'static str,
    pub rows: Arc<[String]>,
    pub range: Range,
    pub layout: Layout,
    /// The viewer's own municipalities, threshold and audit limit decide what is suppressed.
    pub own: Vec<String>,
    pub threshold: u64,
    pub audit_limit: usize,
}

/// How a panel's periods were published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// A table per period.
    Periods,
    /// A calendar year's months or quarters, as every answer by month or quarter of a panel
    /// published a calendar year at a time is cut from them (`Selection::calendar_year`).
    CalendarYear,
}

/// A published panel and what it was published from.
#[derive(Debug, Clone)]
pub struct Publication {
    pub panel: Arc<Panel>,
    pub inputs: Inputs,
}

/// What a panel was published from besides its key and the reference data: a digest of the
/// counts read for it and of the publications it was published beside. Publishing is a
/// function of these, so a panel kept from the inputs a request reads is the panel publishing
/// would give: after a write of its year that left its counts as they were (another metric,
/// a field it does not count), it is kept on without being published again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inputs([u8; 32]);

impl Inputs {
    /// The inputs of a panel published from `sums` beside the publications of `beside`.
    pub fn of(sums: &Sums, beside: &[&Inputs]) -> Self {
        let mut hasher = Sha256::new();
        sums.feed(&mut hasher);
        for inputs in beside {
            hasher.update(inputs.0);
        }
        Self(hasher.finalize().into())
    }
}

/// Published panels, weighed in figures (about four bytes each as kept, besides each row's
/// code and population).
pub type PanelCache = Kept<PanelKey, Publication>;

/// Room for about eight million figures, some 32 MB: every panel of eleven years over every
/// municipality as analysts see them (6.0 million figures on the national set, what
/// `--publish-ahead-years 11` publishes), with room beside for coordinators' own.
pub const PANEL_BUDGET: usize = 8_000_000;

/// A key's municipalities, about a figure each.
impl Weigh for PanelKey {
    fn weight(&self) -> usize {
        self.rows.len() + self.own.len()
    }
}

impl Weigh for Publication {
    fn weight(&self) -> usize {
        self.panel.size()
    }
}
