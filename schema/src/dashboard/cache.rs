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
    /// A calendar year's months or quarters, as every answer by month or quarter of a panel
    /// published a calendar year at a time is cut from them (`Selection::calendar_year`).
    CalendarYear,
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
