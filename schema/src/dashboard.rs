//! Dashboard figures: monthly counts summed into periods, one table per period with a row per
//! municipality and a column per category, published through disclosure control, with rates
//! per 10,000 inhabitants and shares. Published panels are kept while the counts behind them
//! are unchanged.

mod ahead;
mod cache;
mod figures;
mod panel;
pub mod panels;
mod period;
mod selection;

pub use ahead::{last_years, publish_ahead};
pub use cache::{Layout, PANEL_BUDGET, PanelCache, PanelKey};
pub use panel::{
    Category, CountCell, CountSeries, Panel, PanelPeriod, PanelSpec, Populations, Publisher, Split,
    Sums,
};
pub use period::{Bucket, Period, Range};
pub use selection::Selection;
