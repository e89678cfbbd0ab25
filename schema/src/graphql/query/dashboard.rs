//! The dashboard root: figures across municipalities for any signed-in caller.

use async_graphql::{Context, Object, ResultExt};

use crate::ctx::RequestContext;
use crate::dashboard::{Bucket, Range};
use crate::error::{Error, FieldError, Result};
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::graphql::types::{AnnualReport, Dashboard, year_range};
use crate::store::{ReferenceData, Store};

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// Counts over a range of whole periods of the bucket (by month, from the first of a month
    /// to the last day of a month; by quarter or year, whole quarters or years), by period, for
    /// the given municipalities (kommunenummer) or all of them, with joint totals. Exact for the municipalities whose records the caller may read; in every
    /// other municipality's figures, counts from 1 to the disclosure threshold (default 4) are
    /// suppressed, and so is whatever would let a suppressed figure be worked out.
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        #[graphql(default_with = "Bucket::Month")] bucket: Bucket,
        municipalities: Option<Vec<String>>,
    ) -> async_graphql::Result<Dashboard> {
        open(ctx, from, to, bucket, municipalities).await.extend()
    }

    /// The year's report on the plan for one municipality, or jointly for the plan's
    /// municipalities when none is given: the measures and what was done on them, the year's
    /// figures beside the year before, indicators and data quality. The same figures and the
    /// same disclosure control as `dashboard`.
    async fn annual_report(
        &self,
        ctx: &Context<'_>,
        year: i32,
        municipality: Option<String>,
    ) -> async_graphql::Result<AnnualReport> {
        report(ctx, year, municipality).await.extend()
    }
}

async fn report(
    ctx: &Context<'_>,
    year: i32,
    municipality: Option<String>,
) -> Result<AnnualReport> {
    let store = ctx.data_unchecked::<Store>();
    let viewer = store
        .aggregates(ctx.data_unchecked::<RequestContext>())?
        .viewer()
        .clone();
    let range = year_range(year)?;
    let reference = store.reference_data().await?;
    let rows = match &municipality {
        Some(k) => {
            if reference.municipality(k).is_none() {
                return Err(Error::validation(
                    "municipality",
                    format!("there is no municipality {k}"),
                ));
            }
            vec![k.clone()]
        }
        None => plan_municipalities(&reference),
    };
    Ok(AnnualReport::new(
        year,
        municipality,
        Dashboard::new(range, rows, viewer),
    ))
}

/// The municipalities of the joint plan: those responsible for any of its measures.
fn plan_municipalities(reference: &ReferenceData) -> Vec<String> {
    let mut rows: Vec<String> = reference
        .responsibilities()
        .iter()
        .map(|(_, k)| k.clone())
        .collect();
    rows.sort();
    rows.dedup();
    rows
}

async fn open(
    ctx: &Context<'_>,
    from: Date,
    to: Date,
    bucket: Bucket,
    municipalities: Option<Vec<String>>,
) -> Result<Dashboard> {
    let store = ctx.data_unchecked::<Store>();
    let viewer = store
        .aggregates(ctx.data_unchecked::<RequestContext>())?
        .viewer()
        .clone();
    let range = Range::new(from.0, to.0, bucket)?;
    let reference = ctx.data_unchecked::<Loaders>().reference.data().await?;
    let Some(wanted) = municipalities else {
        let all = reference
            .municipalities()
            .iter()
            .map(|m| m.kommunenummer.clone())
            .collect();
        return Ok(Dashboard::new(range, all, viewer));
    };
    let unknown: Vec<FieldError> = wanted
        .iter()
        .enumerate()
        .filter(|(_, k)| reference.municipality(k).is_none())
        .map(|(i, k)| FieldError {
            field: format!("municipalities[{i}]"),
            message: format!("there is no municipality {k}"),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(Error::Validation(unknown));
    }
    if wanted.is_empty() {
        return Err(Error::validation(
            "municipalities",
            "name at least one municipality, or leave the list out for all",
        ));
    }
    let mut rows = wanted;
    rows.sort();
    rows.dedup();
    Ok(Dashboard::new(range, rows, viewer))
}
