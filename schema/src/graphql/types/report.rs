//! The annual report of the plan: one municipality's, or the joint one. Its figures are the
//! dashboards' for the year, published through the same disclosure control, with the year
//! before beside them.

use std::collections::{BTreeMap, HashMap};

use async_graphql::{Context, Object, ResultExt, SimpleObject};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Europe::Oslo;
use uuid::Uuid;

use crate::ctx::{Access, RequestContext};
use crate::dashboard::{Bucket, CountCell, PanelSpec, Range, panels};
use crate::domain::ActionStatus;
use crate::entity::action;
use crate::error::Result;
use crate::graphql::loaders::Loaders;
use crate::graphql::types::dashboard::{
    CountPanel, IndicatorResult, MeasureGap, plan_progress, responsibilities,
};
use crate::graphql::types::{ActionNode, Dashboard, FocusAreaNode, MeasureNode, MunicipalityNode};
use crate::store::Store;

/// A year's report for one municipality, or jointly for the plan's municipalities.
pub struct AnnualReport {
    year: i32,
    municipality: Option<String>,
    /// The year, bucketed by year: one period.
    dashboard: Dashboard,
}

impl AnnualReport {
    pub fn new(year: i32, municipality: Option<String>, dashboard: Dashboard) -> Self {
        Self {
            year,
            municipality,
            dashboard,
        }
    }

    /// A panel of one category month by month, as published with the year's figures.
    async fn monthly(&self, ctx: &Context<'_>, spec: &PanelSpec) -> Result<CountPanel> {
        Ok(CountPanel(self.dashboard.months(ctx, spec).await?))
    }

    /// The figure tables as submitted and compared: incidents, then naloxone.
    pub(crate) async fn figures(&self, ctx: &Context<'_>) -> Result<Vec<ReportTable>> {
        let mut all = self.tables(ctx, &INCIDENT_TABLES).await?;
        all.extend(self.tables(ctx, &NALOXONE_TABLES).await?);
        Ok(all)
    }

    async fn tables(
        &self,
        ctx: &Context<'_>,
        tables: &[(&str, &str, &PanelSpec)],
    ) -> Result<Vec<ReportTable>> {
        let range = self.dashboard.range();
        let mut out = Vec::with_capacity(tables.len());
        for (key, title, spec) in tables {
            let now = self.dashboard.panel_over(ctx, spec, range).await?;
            let before = self
                .dashboard
                .panel_over(ctx, spec, range.year_earlier())
                .await?;
            let labels: HashMap<&str, &str> = now
                .categories
                .iter()
                .map(|c| (c.code.as_str(), c.label.as_str()))
                .collect();
            let figures = |p: &crate::dashboard::Panel| {
                let mut cells = p.cells(0);
                cells.extend(p.municipality_totals(0));
                cells.extend(p.category_totals(0));
                cells.push(p.total(0));
                cells
            };
            let rows = figures(&now)
                .into_iter()
                .zip(figures(&before))
                .map(|(now, before)| ReportRow::new(now, before, &labels))
                .collect();
            out.push(ReportTable {
                key: (*key).to_owned(),
                title: (*title).to_owned(),
                rows,
            });
        }
        Ok(out)
    }
}

/// A table of the report: each figure of the year beside the year before.
#[derive(Clone, SimpleObject, serde::Serialize, serde::Deserialize)]
pub struct ReportTable {
    /// The dashboard panel it comes from, such as `incidentsByOutcome`.
    key: String,
    /// The heading (bokmål).
    title: String,
    /// Each municipality's categories, each municipality's total, then the joint figure of
    /// each category and the joint total.
    rows: Vec<ReportRow>,
}

#[derive(Clone, SimpleObject, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRow {
    /// The municipality, or null for a joint figure.
    kommunenummer: Option<String>,
    /// The category, or null for a total.
    category: Option<String>,
    /// The category's label (bokmål), or «I alt».
    label: String,
    /// The year's figure; null when suppressed.
    value: Option<u64>,
    /// The year before; null when suppressed.
    previous: Option<u64>,
    /// The year's figure minus the year before; null when either is suppressed.
    change: Option<i64>,
    suppressed: bool,
    previous_suppressed: bool,
    #[graphql(name = "ratePer10k")]
    rate_per_10k: Option<f64>,
}

impl ReportRow {
    fn new(now: CountCell, before: CountCell, labels: &HashMap<&str, &str>) -> Self {
        let label = now
            .category
            .as_deref()
            .and_then(|c| labels.get(c).copied())
            .unwrap_or("I alt")
            .to_owned();
        let change = difference(before.value, now.value);
        Self {
            kommunenummer: now.kommunenummer,
            category: now.category,
            label,
            value: now.value,
            previous: before.value,
            change,
            suppressed: now.suppressed,
            previous_suppressed: before.suppressed,
            rate_per_10k: now.rate_per_10k,
        }
    }
}

/// Where a measure stood for one responsible municipality.
#[derive(SimpleObject)]
pub struct ReportMeasure {
    focus_area: FocusAreaNode,
    measure: MeasureNode,
    kommunenummer: String,
    /// The measure's state when the year ended, from its actions in force then (as the audit
    /// trail shows them): `NOT_STARTED` without any, else the most pressing of theirs
    /// (delayed, in progress, continuous, completed, cancelled).
    status: ActionStatus,
    /// Actions in force when the year ended, by their status then.
    actions_by_status: Vec<StatusCount>,
    /// The actions done or under way in the year; null for a municipality whose actions the
    /// caller may not read.
    actions_in_year: Option<Vec<ActionNode>>,
    /// The actions planned to start after the year; null as above.
    planned_next: Option<Vec<ActionNode>>,
}

#[derive(SimpleObject, Clone)]
pub struct StatusCount {
    status: ActionStatus,
    count: i64,
}

/// A measure's state from its actions' statuses.
fn measure_status(counts: &[StatusCount]) -> ActionStatus {
    const ORDER: [ActionStatus; 5] = [
        ActionStatus::Delayed,
        ActionStatus::InProgress,
        ActionStatus::Continuous,
        ActionStatus::Completed,
        ActionStatus::Cancelled,
    ];
    ORDER
        .into_iter()
        .find(|s| counts.iter().any(|c| c.status == *s && c.count > 0))
        .unwrap_or(ActionStatus::NotStarted)
}

/// How complete and correct the year's registration looks.
#[derive(SimpleObject)]
pub struct DataQuality {
    /// Records corrected or changed during the year, per municipality.
    corrections: Vec<MunicipalityCount>,
    /// Records retracted during the year, per municipality.
    retractions: Vec<MunicipalityCount>,
    /// Measures a responsible municipality has no action on.
    measures_without_action: Vec<MeasureGap>,
    /// Months of the year without a single incident or naloxone record, per municipality: a
    /// likely gap in registration.
    months_without_records: Vec<MonthsWithoutRecords>,
}

#[derive(SimpleObject)]
pub struct MunicipalityCount {
    kommunenummer: String,
    count: i64,
}

#[derive(SimpleObject)]
pub struct MonthsWithoutRecords {
    kommunenummer: String,
    /// `2025-07` and so on.
    months: Vec<String>,
}

const INCIDENT_TABLES: [(&str, &str, &PanelSpec); 6] = [
    ("incidents", "Overdoser", &panels::INCIDENTS),
    (
        "incidentsByOutcome",
        "Overdoser etter utfall",
        &panels::INCIDENTS_BY_OUTCOME,
    ),
    (
        "incidentsBySubstance",
        "Overdoser etter mistenkt rusmiddel",
        &panels::INCIDENTS_BY_SUBSTANCE,
    ),
    (
        "incidentsByPlaceType",
        "Overdoser etter type sted",
        &panels::INCIDENTS_BY_PLACE_TYPE,
    ),
    (
        "incidentsByNaloxoneGiven",
        "Overdoser der nalokson ble gitt",
        &panels::INCIDENTS_BY_NALOXONE_GIVEN,
    ),
    (
        "followUpOffered",
        "Ikke-dødelige overdoser der oppfølging ble tilbudt",
        &panels::NON_FATAL_BY_FOLLOW_UP_OFFERED,
    ),
];

const NALOXONE_TABLES: [(&str, &str, &PanelSpec); 5] = [
    (
        "naloxoneKits",
        "Utdelte naloksonsett",
        &panels::NALOXONE_KITS,
    ),
    (
        "naloxoneKitsByRecipient",
        "Naloksonsett etter mottaker",
        &panels::NALOXONE_KITS_BY_RECIPIENT,
    ),
    (
        "naloxoneKitsByFirstTime",
        "Naloksonsett første gang og påfyll",
        &panels::NALOXONE_KITS_BY_FIRST_TIME,
    ),
    (
        "naloxoneRefillsByReason",
        "Påfyll etter årsak",
        &panels::NALOXONE_REFILLS_BY_REASON,
    ),
    (
        "naloxonePeopleTrained",
        "Personer med naloksonopplæring",
        &panels::NALOXONE_PEOPLE_TRAINED,
    ),
];

#[Object]
impl AnnualReport {
    async fn year(&self) -> i32 {
        self.year
    }

    /// The municipality reported on; null for the joint report.
    async fn municipality(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<MunicipalityNode>> {
        let Some(k) = &self.municipality else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .reference
            .municipality(k)
            .await
            .extend()?
            .map(MunicipalityNode))
    }

    /// The municipalities the figures cover (kommunenummer).
    async fn municipalities(&self) -> &[String] {
        self.dashboard.rows()
    }

    /// Each measure of the plan, for each responsible municipality reported on.
    async fn measures(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReportMeasure>> {
        self.measures_of(ctx).await.extend()
    }

    /// The year's incident figures beside the year before.
    async fn incidents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReportTable>> {
        self.tables(ctx, &INCIDENT_TABLES).await.extend()
    }

    /// The year's naloxone figures beside the year before.
    async fn naloxone(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReportTable>> {
        self.tables(ctx, &NALOXONE_TABLES).await.extend()
    }

    /// Incidents month by month, for the report's chart, as a dashboard by month shows them:
    /// published together with the year's figures beside them, so none they hide follows
    /// from the year.
    async fn monthly_incidents(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.monthly(ctx, &panels::INCIDENTS).await.extend()
    }

    /// Naloxone kits month by month, for the report's chart, published with the year's
    /// figures as `monthlyIncidents` is.
    async fn monthly_naloxone_kits(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.monthly(ctx, &panels::NALOXONE_KITS).await.extend()
    }

    /// The plan's indicators for the year against their targets.
    async fn indicators(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<IndicatorResult>> {
        self.dashboard.indicator_results(ctx).await.extend()
    }

    async fn data_quality(&self, ctx: &Context<'_>) -> async_graphql::Result<DataQuality> {
        self.data_quality_of(ctx).await.extend()
    }

    /// The latest submission of a municipality's report for the year, with the figures as
    /// submitted and what has changed since: null for the joint report, when the report has not
    /// been submitted, and for callers who cannot read the municipality's records.
    async fn submission(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<ReportSubmission>> {
        self.submission_of(ctx).await.extend()
    }

    /// How the figures are made (bokmål).
    async fn method_notes(&self, ctx: &Context<'_>) -> Vec<String> {
        let threshold = ctx
            .data_unchecked::<Store>()
            .system_viewer(Vec::new())
            .threshold;
        vec![
            "Tallene telles fra registreringene som gjelder; tilbaketrukne registreringer telles aldri.".to_owned(),
            format!(
                "Andre kommuners tall fra 1 til {threshold} vises ikke (prikkes), og flere tall prikkes slik at et prikket tall ikke kan regnes ut av summene. Rater av prikkede tall prikkes også."
            ),
            "Dødsfall per kommune vises bare som summer over flere år; andre kommuners dødsfall prikkes i årstabellene.".to_owned(),
            "Rater er per 10 000 innbyggere etter folketallet i kommunen det året (SSB; andre år enn 2024 er anslag).".to_owned(),
            "Ålesund (1508) ble delt 1. januar 2024, da Haram (1580) ble egen kommune igjen; tall før 2024 gjelder dagens Ålesund.".to_owned(),
        ]
    }
}

impl AnnualReport {
    async fn submission_of(&self, ctx: &Context<'_>) -> Result<Option<ReportSubmission>> {
        let Some(k) = &self.municipality else {
            return Ok(None);
        };
        let store = ctx.data_unchecked::<Store>();
        let Ok(tenant) = store.tenant(ctx.data_unchecked::<RequestContext>(), Access::ReadCases)
        else {
            return Ok(None);
        };
        if !tenant.scope().contains(k) {
            return Ok(None);
        }
        let Some(submission) = tenant.latest_submission(k, self.year).await? else {
            return Ok(None);
        };
        let submitted: Vec<ReportTable> =
            serde_json::from_value(submission.figures.clone()).unwrap_or_default();
        let current = self.figures(ctx).await?;
        Ok(Some(ReportSubmission::new(submission, submitted, &current)))
    }

    async fn measures_of(&self, ctx: &Context<'_>) -> Result<Vec<ReportMeasure>> {
        let rows = self.dashboard.rows();
        let store = ctx.data_unchecked::<Store>();
        let request = ctx.data_unchecked::<RequestContext>();
        // As the actions stood when the year ended.
        let counts = store
            .aggregates(request)?
            .action_counts_at(rows, start_of_year(self.year + 1))
            .await?;
        let plan = responsibilities(ctx, rows).await?;
        // Detail rows only for the caller's own municipalities (and logged as such).
        let tenant = store.tenant(request, Access::ReadActions).ok();
        let own_actions: Option<Vec<action::Model>> = match &tenant {
            Some(tenant) => {
                let ids: Vec<Uuid> = plan.iter().map(|(_, m, _)| m.id).collect();
                Some(tenant.actions_of_measures(&ids, Some(rows)).await?)
            }
            None => None,
        };
        let readable = |k: &str| tenant.as_ref().is_some_and(|t| t.scope().contains(k));
        let (year_start, year_end) = (self.dashboard.range().from, self.dashboard.range().to);
        let mut out = Vec::new();
        for (area, measure, responsible) in plan {
            for k in responsible {
                let mut by_status: BTreeMap<ActionStatus, i64> = BTreeMap::new();
                for c in counts
                    .iter()
                    .filter(|c| c.measure_id == measure.id && c.kommunenummer == k)
                {
                    *by_status.entry(c.status).or_default() += c.count;
                }
                let actions_by_status: Vec<StatusCount> = by_status
                    .into_iter()
                    .map(|(status, count)| StatusCount { status, count })
                    .collect();
                let mine = own_actions.as_ref().filter(|_| readable(&k));
                let of_measure = |keep: &dyn Fn(&action::Model) -> bool| {
                    mine.map(|all| {
                        all.iter()
                            .filter(|a| {
                                a.measure_id == measure.id && a.kommunenummer == k && keep(a)
                            })
                            .cloned()
                            .map(ActionNode)
                            .collect::<Vec<_>>()
                    })
                };
                let starts = |a: &action::Model| a.actual_start.or(a.planned_start);
                out.push(ReportMeasure {
                    focus_area: FocusAreaNode(area.clone()),
                    measure: MeasureNode(measure.clone()),
                    kommunenummer: k.clone(),
                    status: measure_status(&actions_by_status),
                    actions_by_status,
                    actions_in_year: of_measure(&|a| in_year(a, year_start, year_end)),
                    planned_next: of_measure(&|a| starts(a).is_some_and(|s| s > year_end)),
                });
            }
        }
        Ok(out)
    }

    async fn data_quality_of(&self, ctx: &Context<'_>) -> Result<DataQuality> {
        let rows = self.dashboard.rows();
        let store = ctx.data_unchecked::<Store>();
        let request = ctx.data_unchecked::<RequestContext>();
        let changes = store
            .aggregates(request)?
            .change_counts(rows, start_of_year(self.year), start_of_year(self.year + 1))
            .await?;
        let count_of = |operations: &[&str]| {
            rows.iter()
                .map(|k| MunicipalityCount {
                    kommunenummer: k.clone(),
                    count: changes
                        .iter()
                        .filter(|c| {
                            &c.kommunenummer == k && operations.contains(&c.operation.as_str())
                        })
                        .map(|c| c.count)
                        .sum(),
                })
                .collect()
        };
        // The months as an answer beside the year's figures may show them (the incidents as
        // the chart shows them).
        let incidents = self.dashboard.months(ctx, &panels::INCIDENTS).await?;
        let distributions = self
            .dashboard
            .months(ctx, &panels::NALOXONE_DISTRIBUTIONS)
            .await?;
        let months_without_records = rows
            .iter()
            .enumerate()
            .map(|(r, k)| MonthsWithoutRecords {
                kommunenummer: k.clone(),
                months: (0..incidents.periods.len())
                    .filter(|p| {
                        incidents.municipality_totals(*p)[r].value == Some(0)
                            && distributions.municipality_totals(*p)[r].value == Some(0)
                    })
                    .map(|p| incidents.periods[p].period.label.clone())
                    .collect(),
            })
            .collect();
        Ok(DataQuality {
            corrections: count_of(&["CORRECT", "UPDATE"]),
            retractions: count_of(&["RETRACT"]),
            measures_without_action: plan_progress(ctx, rows).await?.measures_without_action,
            months_without_records,
        })
    }
}

/// `to` minus `from`; `None` when either is suppressed.
fn difference(from: Option<u64>, to: Option<u64>) -> Option<i64> {
    Some(i64::try_from(to?).ok()? - i64::try_from(from?).ok()?)
}

/// Midnight on 1 January in Oslo, as UTC.
fn start_of_year(year: i32) -> chrono::DateTime<chrono::Utc> {
    let midnight = NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap_or_default()
        .into();
    Oslo.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// The range of a year, by year.
pub fn year_range(year: i32) -> Result<Range> {
    let day = |month, day| NaiveDate::from_ymd_opt(year, month, day);
    match (2000..=2100)
        .contains(&year)
        .then(|| day(1, 1).zip(day(12, 31)))
        .flatten()
    {
        Some((from, to)) => Range::new(from, to, Bucket::Year),
        None => Err(crate::error::Error::validation(
            "year",
            format!("reports are for the years 2000 to 2100, not {year}"),
        )),
    }
}

/// Whether an action was done or under way in the year: its dates overlap the year, or,
/// without a start date, it is under way.
fn in_year(action: &action::Model, from: NaiveDate, to: NaiveDate) -> bool {
    let start = action.actual_start.or(action.planned_start);
    let end = action.actual_end.or(action.planned_end);
    match start {
        Some(start) => start <= to && end.is_none_or(|end| end >= from),
        None => matches!(
            action.status,
            ActionStatus::InProgress | ActionStatus::Continuous | ActionStatus::Delayed
        ),
    }
}

/// A report as it was submitted, and what has changed since.
#[derive(SimpleObject)]
pub struct ReportSubmission {
    /// 1 for the year's first submission, then 2, …
    version: i32,
    submitted_at: chrono::DateTime<chrono::Utc>,
    /// The submitter's subject (never a name) and the role it acted in.
    submitted_by: String,
    role: String,
    /// The figure tables as they were submitted.
    tables: Vec<ReportTable>,
    /// Figures that differ now from what was submitted (corrections, retractions and late
    /// registrations since).
    changed_since_submission: Vec<ReportChange>,
}

/// A figure that has changed since the report was submitted.
#[derive(SimpleObject)]
pub struct ReportChange {
    key: String,
    title: String,
    kommunenummer: Option<String>,
    category: Option<String>,
    label: String,
    submitted: Option<u64>,
    current: Option<u64>,
    /// Current minus submitted; null when either is suppressed.
    difference: Option<i64>,
}

impl ReportSubmission {
    pub(crate) fn new(
        submission: crate::store::Submission,
        submitted: Vec<ReportTable>,
        current: &[ReportTable],
    ) -> Self {
        let mut changes = Vec::new();
        for table in &submitted {
            let Some(now) = current.iter().find(|t| t.key == table.key) else {
                continue;
            };
            for (then, now) in table.rows.iter().zip(&now.rows) {
                if then.value != now.value {
                    let difference = difference(then.value, now.value);
                    changes.push(ReportChange {
                        key: table.key.clone(),
                        title: table.title.clone(),
                        kommunenummer: then.kommunenummer.clone(),
                        category: then.category.clone(),
                        label: then.label.clone(),
                        submitted: then.value,
                        current: now.value,
                        difference,
                    });
                }
            }
        }
        Self {
            version: submission.version,
            submitted_at: submission.submitted_at,
            submitted_by: submission.submitted_by,
            role: submission.role,
            tables: submitted,
            changed_since_submission: changes,
        }
    }
}
