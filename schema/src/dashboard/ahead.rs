//! Publishing analysts' panels ahead of their first request, after a start.

use chrono::{Datelike, NaiveDate, Utc};

use super::panels;
use super::period::{Bucket, Range};
use super::selection::Selection;
use crate::error::{Error, Result};
use crate::store::Store;

/// Publishes every panel of each of `years` (in the order given) by month, quarter and year
/// as an analyst sees them: every municipality's figures under disclosure control. At
/// national scale that is the slowest first request (seconds a year), and the one every
/// analyst's dashboard and the annual report share; a coordinator's own figures differ, and
/// are published at its first request. Publications are kept as a request's are; a request
/// asking for a panel being published meanwhile waits for it and takes it. A panel that fails
/// (a write came between its reads) is logged and left to the first request that asks for it.
/// Returns the panels published or found kept.
pub async fn publish_ahead(store: &Store, years: impl IntoIterator<Item = i32>) -> Result<usize> {
    let mut published = 0;
    for year in years {
        let (from, to) = NaiveDate::from_ymd_opt(year, 1, 1)
            .zip(NaiveDate::from_ymd_opt(year, 12, 31))
            .ok_or_else(|| Error::Internal(format!("{year} is not a calendar year")))?;
        // By month: a year's months are published beside its quarters and the year.
        let range = Range::new(from, to, Bucket::Month)?;
        for spec in panels::ALL {
            let reference = store.reference_data().await?;
            let rows = reference
                .municipalities()
                .iter()
                .map(|m| m.kommunenummer.clone())
                .collect();
            // A selection a panel: each reads the versions as its publishing starts, as a
            // request would, while writes go on.
            let selection = Selection::new(rows, store.system_viewer([]));
            match selection.panel(store, &reference, spec, range).await {
                Ok(_) => published += 1,
                Err(error) => {
                    tracing::warn!(%error, metric = spec.metric, year, "a panel was not published ahead");
                }
            }
        }
    }
    Ok(published)
}

/// The last `count` calendar years in Norway, this one first.
pub fn last_years(count: u16) -> impl Iterator<Item = i32> {
    let this_year = Utc::now().with_timezone(&chrono_tz::Europe::Oslo).year();
    (0..i32::from(count)).map(move |back| this_year - back)
}
