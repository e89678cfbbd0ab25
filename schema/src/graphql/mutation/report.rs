//! Submitting a municipality's annual report: its figures are kept as they are now.

use async_graphql::{Context, Object, ResultExt};

use crate::RequestContext;
use crate::ctx::Access;
use crate::error::Result;
use crate::graphql::types::{AnnualReport, Dashboard, ReportSubmission, year_range};
use crate::store::Store;

#[derive(Default)]
pub struct ReportMutation;

#[Object]
impl ReportMutation {
    /// Submits the municipality's report for the year (the caller's only municipality when
    /// left out): its figures are stored as they are now, with the time and the submitter.
    /// Later corrections change the live report and show as `changedSinceSubmission`. A new
    /// submission adds a version. Needs the coordinator role.
    async fn submit_annual_report(
        &self,
        ctx: &Context<'_>,
        year: i32,
        municipality: Option<String>,
    ) -> async_graphql::Result<ReportSubmission> {
        submit(ctx, year, municipality).await.extend()
    }
}

async fn submit(
    ctx: &Context<'_>,
    year: i32,
    municipality: Option<String>,
) -> Result<ReportSubmission> {
    let store = ctx.data_unchecked::<Store>();
    let tenant = store.tenant(ctx.data_unchecked::<RequestContext>(), Access::SubmitReport)?;
    let kommunenummer = tenant.target_municipality(municipality.as_deref(), "municipality")?;
    let range = year_range(year)?;
    // The figures as the municipality itself sees them: exact.
    let viewer = store.system_viewer([kommunenummer.clone()]);
    let report = AnnualReport::new(
        year,
        Some(kommunenummer.clone()),
        Dashboard::new(range, vec![kommunenummer.clone()], viewer),
    );
    let figures = report.figures(ctx).await?;
    let json =
        serde_json::to_value(&figures).map_err(|e| crate::error::Error::Internal(e.to_string()))?;
    let submission = tenant.submit_report(&kommunenummer, year, json).await?;
    Ok(ReportSubmission::new(submission, figures.clone(), &figures))
}
