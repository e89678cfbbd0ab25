//! Published panels, kept and reused while the counts behind them are unchanged (see
//! [`crate::kept`]).

use std::sync::Arc;

use super::panel::Panel;
use super::period::Range;
use crate::kept::{Kept, Weigh};

/// Everything a published panel depends on besides the counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PanelKey {
    pub metric: &'static str,
    pub rows: Arc<[String]>,
    pub range: Range,
    pub layout: Layout,
    /// The viewer's own municipalities and threshold decide what is suppressed.
    pub own: Vec<String>,
    pub threshold: u64,
}

/// How a panel's periods were published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// A table per period.
    Periods,
    /// One table of a calendar year's months with their year
    /// (`Publisher::periods_with_whole`), which answers by month and quarter are cut from.
    PeriodsWithWhole,
}

/// Published panels, weighed in figures (a figure costs about 20 bytes).
pub type PanelCache = Kept<PanelKey, Arc<Panel>>;

/// Room for about two million figures (some 40 MB).
pub const PANEL_BUDGET: usize = 2_000_000;

/// A key's municipalities, about a figure each.
impl Weigh for PanelKey {
    fn weight(&self) -> usize {
        self.rows.len() + self.own.len()
    }
}

impl Weigh for Arc<Panel> {
    fn weight(&self) -> usize {
        self.size()
    }
}
