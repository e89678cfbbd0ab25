//! Dashboards: panels of counts over a range of whole periods, published through disclosure
//! control, with the same range a year earlier, plan progress and the plan's indicators.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::{Context, Object, ResultExt, SimpleObject};
use chrono::Datelike;
use tracing::Instrument;
use uuid::Uuid;

use crate::ctx::RequestContext;
use crate::dashboard::{
    Bucket, Category, CountCell, CountSeries, Panel, PanelSpec, Period, Range, Selection, panels,
};
use crate::disclosure::Viewer;
use crate::domain::{ActionStatus, IndicatorKind, TargetDirection};
use crate::error::{Error, Result};
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::graphql::types::{FocusAreaNode, IndicatorNode, MeasureNode};
use crate::store::{Indicator, Store};

/// Figures across municipalities over a range of whole periods (months, quarters or years).
pub struct Dashboard {
    range: Range,
    selection: Arc<Selection>,
}

impl Dashboard {
    pub fn new(range: Range, rows: Vec<String>, viewer: Viewer) -> Self {
        Self {
            range,
            selection: Arc::new(Selection::new(rows, viewer)),
        }
    }

    pub(crate) fn range(&self) -> Range {
        self.range
    }

    pub(crate) fn rows(&self) -> &[String] {
        self.selection.rows()
    }

    pub(crate) async fn panel_over(
        &self,
        ctx: &Context<'_>,
        spec: &PanelSpec,
        range: Range,
    ) -> Result<Arc<Panel>> {
        let store = ctx.data_unchecked::<Store>().clone();
        let reference = ctx.data_unchecked::<Loaders>().reference.shared().await?;
        let (selection, spec) = (self.selection.clone(), *spec);
        // A task of its own: publishing blocks its task for up to seconds (`block_in_place`),
        // and the request's other panels, resolved in the same task, would stall with it, a
        // read of theirs waiting for a pooled connection timed out when next polled.
        let publishing = async move { selection.panel(&store, &reference, &spec, range).await };
        tokio::spawn(publishing.in_current_span())
            .await
            .map_err(|e| Error::Internal(format!("publishing {} stopped: {e}", spec.metric)))?
    }

    /// The months of the range (a calendar year's, in a report) of a panel published a
    /// calendar year at a time, as every answer by month shows them beside the year and its
    /// quarters.
    pub(crate) async fn months(&self, ctx: &Context<'_>, spec: &PanelSpec) -> Result<Arc<Panel>> {
        let months = Range {
            bucket: Bucket::Month,
            ..self.range
        };
        self.panel_over(ctx, spec, months).await
    }

    pub(crate) async fn panel(
        &self,
        ctx: &Context<'_>,
        spec: &PanelSpec,
    ) -> async_graphql::Result<CountPanel> {
        Ok(CountPanel(
            self.panel_over(ctx, spec, self.range).await.extend()?,
        ))
    }
}

#[Object]
impl Dashboard {
    /// First day of the range.
    async fn from(&self) -> Date {
        self.range.from.into()
    }

    /// Last day of the range.
    async fn to(&self) -> Date {
        self.range.to.into()
    }

    async fn bucket(&self) -> Bucket {
        self.range.bucket
    }

    /// The municipalities (kommunenummer) the figures cover, in order: the rows of every panel.
    async fn municipalities(&self) -> &[String] {
        self.selection.rows()
    }

    /// The periods of the range, in order: the same in every panel.
    async fn periods(&self) -> Vec<Period> {
        self.range.periods()
    }

    /// Overdose incidents. By month or quarter, published a calendar year at a time: the
    /// quarters beside the year's figures, each quarter's months beside the quarter, so no
    /// hidden quarter follows from the year and no hidden month from its quarter (as
    /// `naloxoneKits` is).
    async fn incidents(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::INCIDENTS).await
    }

    /// Incidents by outcome. Other municipalities' deaths are never shown per municipality.
    async fn incidents_by_outcome(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::INCIDENTS_BY_OUTCOME).await
    }

    /// Incidents by suspected substance. An incident with several counts under each, so the
    /// totals count mentions.
    async fn incidents_by_substance(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::INCIDENTS_BY_SUBSTANCE).await
    }

    async fn incidents_by_place_type(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::INCIDENTS_BY_PLACE_TYPE).await
    }

    /// Incidents by whether naloxone was given.
    async fn incidents_by_naloxone_given(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::INCIDENTS_BY_NALOXONE_GIVEN).await
    }

    /// Incidents where naloxone was given, by who gave it (`UNKNOWN` where nobody is named):
    /// its totals are the `YES` column of `incidentsByNaloxoneGiven`.
    async fn incidents_by_naloxone_given_by(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::INCIDENTS_BY_NALOXONE_GIVEN_BY)
            .await
    }

    /// Incidents by disposition. Other municipalities' deaths are never shown per municipality.
    async fn incidents_by_disposition(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::INCIDENTS_BY_DISPOSITION).await
    }

    /// Non-fatal incidents by whether follow-up was offered; the `share` of `YES` is the share
    /// of non-fatal incidents where it was.
    async fn follow_up_offered(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::NON_FATAL_BY_FOLLOW_UP_OFFERED)
            .await
    }

    /// Naloxone distributions (hand-outs, each of one or more kits).
    async fn naloxone_distributions(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::NALOXONE_DISTRIBUTIONS).await
    }

    /// Naloxone kits handed out.
    async fn naloxone_kits(&self, ctx: &Context<'_>) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::NALOXONE_KITS).await
    }

    async fn naloxone_kits_by_recipient(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::NALOXONE_KITS_BY_RECIPIENT).await
    }

    /// Kits handed out for the first time and as refills.
    async fn naloxone_kits_by_first_time(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::NALOXONE_KITS_BY_FIRST_TIME).await
    }

    /// Refills by reason. Refills because a kit was used on an overdose (`USED_ON_OVERDOSE`)
    /// are the programme's proxy for reversals.
    async fn naloxone_refills_by_reason(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::NALOXONE_REFILLS_BY_REASON).await
    }

    /// People given naloxone training.
    async fn naloxone_people_trained(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CountPanel> {
        self.panel(ctx, &panels::NALOXONE_PEOPLE_TRAINED).await
    }

    /// The same dashboard for the same months a year earlier.
    async fn previous_year(&self) -> Dashboard {
        Dashboard {
            range: self.range.year_earlier(),
            selection: self.selection.clone(),
        }
    }

    /// Where the current plan stands: actions by status, and measures a responsible
    /// municipality has no action on. Counts of actions describe work, not people, so they are
    /// not suppressed; they are the current state, whatever the range.
    async fn plan_progress(&self, ctx: &Context<'_>) -> async_graphql::Result<PlanProgress> {
        plan_progress(ctx, self.selection.rows()).await.extend()
    }

    /// The current plan's indicators for each calendar year the range falls in, over the whole
    /// year, per municipality and jointly, against their targets. Figures built on suppressed
    /// counts are suppressed. By month or quarter, another municipality's figure (and the joint
    /// one) is shown only as far as the range's own periods give it: when the range covers the
    /// whole year and shows each of the year's periods.
    async fn indicators(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<IndicatorResult>> {
        self.indicator_results(ctx).await.extend()
    }
}

/// A panel: its categories (the columns) and its figures for each period.
pub struct CountPanel(pub(crate) Arc<Panel>);

#[Object]
impl CountPanel {
    async fn categories(&self) -> &[Category] {
        &self.0.categories
    }

    /// Every figure as a series over the periods, for charts: each municipality's categories
    /// and total, then the joint figure of each category and the joint total. A null value is
    /// suppressed. The same figures as `periods`, in a compact shape.
    async fn series(&self) -> Vec<CountSeries> {
        self.0.series()
    }

    /// The figures period by period, each cell saying whether it is suppressed.
    async fn periods(&self) -> Vec<PanelPeriod> {
        (0..self.0.periods.len())
            .map(|index| PanelPeriod {
                panel: self.0.clone(),
                index,
            })
            .collect()
    }
}

/// A panel's figures for one period: a table with a row per municipality and a column per
/// category, its totals, and the joint figures.
pub struct PanelPeriod {
    panel: Arc<Panel>,
    index: usize,
}

#[Object]
impl PanelPeriod {
    async fn period(&self) -> &Period {
        &self.panel.periods[self.index].period
    }

    /// One per municipality and category, municipality by municipality.
    async fn cells(&self) -> Vec<CountCell> {
        self.panel.cells(self.index)
    }

    /// Each municipality's total over the categories.
    async fn municipality_totals(&self) -> Vec<CountCell> {
        self.panel.municipality_totals(self.index)
    }

    /// The joint figure of each category over the dashboard's municipalities.
    async fn category_totals(&self) -> Vec<CountCell> {
        self.panel.category_totals(self.index)
    }

    /// The joint total.
    async fn total(&self) -> CountCell {
        self.panel.total(self.index)
    }
}

/// Where the plan stands.
#[derive(SimpleObject)]
pub struct PlanProgress {
    /// Actions in force per focus area, municipality and status; combinations without
    /// actions are left out.
    actions_by_status: Vec<ActionStatusCount>,
    /// Measures a responsible municipality has no action in force on.
    pub(crate) measures_without_action: Vec<MeasureGap>,
}

#[derive(SimpleObject)]
pub struct ActionStatusCount {
    focus_area: FocusAreaNode,
    kommunenummer: String,
    status: ActionStatus,
    count: i64,
}

#[derive(SimpleObject)]
pub struct MeasureGap {
    pub(crate) measure: MeasureNode,
    pub(crate) kommunenummer: String,
}

/// The current plan's measures with the municipalities responsible for each, in plan order,
/// kept to `rows`.
pub(crate) async fn responsibilities(
    ctx: &Context<'_>,
    rows: &[String],
) -> Result<Vec<(crate::store::FocusArea, crate::store::Measure, Vec<String>)>> {
    let reference = &ctx.data_unchecked::<Loaders>().reference;
    let Some(plan) = reference.current_plan().await? else {
        return Ok(Vec::new());
    };
    let wanted: BTreeSet<&str> = rows.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for area in reference.focus_areas_of(plan.id).await? {
        for measure in reference.measures_of(area.id).await? {
            let responsible = reference
                .responsible_for(measure.id)
                .await?
                .into_iter()
                .map(|m| m.kommunenummer)
                .filter(|k| wanted.contains(k.as_str()))
                .collect();
            out.push((area.clone(), measure, responsible));
        }
    }
    Ok(out)
}

pub(crate) async fn plan_progress(ctx: &Context<'_>, rows: &[String]) -> Result<PlanProgress> {
    let store = ctx.data_unchecked::<Store>();
    let counts = store
        .aggregates(ctx.data_unchecked::<RequestContext>())?
        .action_counts(rows)
        .await?;
    let plan = responsibilities(ctx, rows).await?;
    let mut per_measure: HashMap<(Uuid, &str), i64> = HashMap::new();
    for c in &counts {
        *per_measure
            .entry((c.measure_id, c.kommunenummer.as_str()))
            .or_default() += c.count;
    }
    let mut by_area: BTreeMap<(i32, String, ActionStatus), i64> = BTreeMap::new();
    let mut areas = HashMap::new();
    let mut gaps = Vec::new();
    for (area, measure, responsible) in &plan {
        areas.insert(area.position, area.clone());
        for c in counts.iter().filter(|c| c.measure_id == measure.id) {
            *by_area
                .entry((area.position, c.kommunenummer.clone(), c.status))
                .or_default() += c.count;
        }
        for k in responsible {
            if !per_measure.contains_key(&(measure.id, k.as_str())) {
                gaps.push(MeasureGap {
                    measure: MeasureNode(measure.clone()),
                    kommunenummer: k.clone(),
                });
            }
        }
    }
    Ok(PlanProgress {
        actions_by_status: by_area
            .into_iter()
            .map(
                |((position, kommunenummer, status), count)| ActionStatusCount {
                    focus_area: FocusAreaNode(areas[&position].clone()),
                    kommunenummer,
                    status,
                    count,
                },
            )
            .collect(),
        measures_without_action: gaps,
    })
}

/// An indicator's figures for one year.
#[derive(SimpleObject)]
pub struct IndicatorResult {
    indicator: IndicatorNode,
    year: i32,
    /// One per municipality, then the joint figure.
    values: Vec<IndicatorValue>,
}

#[derive(Clone, SimpleObject)]
pub struct IndicatorValue {
    /// The municipality, or null for the joint figure.
    kommunenummer: Option<String>,
    value: Option<f64>,
    /// True when the figure is built on a suppressed count (a share, on a suppressed count or
    /// total), or, by month or quarter, when the range's periods do not give it.
    suppressed: bool,
    /// Whether the target is met; null without a target or a figure.
    met: Option<bool>,
}

impl IndicatorValue {
    fn of(
        indicator: &Indicator,
        kommunenummer: Option<&str>,
        value: Option<f64>,
        suppressed: bool,
    ) -> Self {
        let met = match (value, indicator.target) {
            (Some(v), Some(target)) => Some(match indicator.direction {
                TargetDirection::AtLeast => v >= target,
                TargetDirection::AtMost => v <= target,
            }),
            _ => None,
        };
        Self {
            kommunenummer: kommunenummer.map(str::to_owned),
            value,
            suppressed,
            met,
        }
    }
}

impl Dashboard {
    pub(crate) async fn indicator_results(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<IndicatorResult>> {
        let reference = &ctx.data_unchecked::<Loaders>().reference;
        let Some(plan) = reference.current_plan().await? else {
            return Ok(Vec::new());
        };
        let indicators = reference.indicators_of(plan.id).await?;
        // Indicators are yearly: each year the range falls in, whole, so a monthly range does
        // not publish part of a year (the sum of its months, another period to difference),
        // and only as far as the answer's own periods give it (`yearly_panel`).
        let years = self.range.whole_years();
        let mut results = Vec::new();
        for indicator in indicators {
            let per_year: Vec<(i32, Vec<IndicatorValue>)> = match indicator_source(indicator.kind) {
                Some((spec, pick)) => {
                    let panel = self.yearly_panel(ctx, spec, years).await?;
                    (0..panel.periods.len())
                        .map(|p| {
                            let year = panel.periods[p].period.from.0.year();
                            (year, pick.values(&panel, p, &indicator))
                        })
                        .collect()
                }
                // The current state of the plan, the same for every year.
                None => {
                    let values = self.measures_with_action(ctx, &indicator).await?;
                    years
                        .periods()
                        .iter()
                        .map(|p| (p.from.0.year(), values.clone()))
                        .collect()
                }
            };
            for (year, values) in per_year {
                results.push(IndicatorResult {
                    indicator: IndicatorNode(indicator.clone()),
                    year,
                    values,
                });
            }
        }
        Ok(results)
    }

    /// A panel over the whole years `years` as this answer may show it beside its own
    /// periods: by year, the years' figures; by month or quarter, what the answer's periods
    /// give of them (`Panel::within_years`), the viewer's own municipalities exact. Even where
    /// the months and quarters are published beside their year, the year is not shown beside
    /// them: the panels that share their totals by month (the kit panels) assume those totals
    /// move as in a table of one column, which is not checked against the year.
    async fn yearly_panel(
        &self,
        ctx: &Context<'_>,
        spec: &PanelSpec,
        years: Range,
    ) -> Result<Arc<Panel>> {
        let yearly = self.panel_over(ctx, spec, years).await?;
        if self.range.bucket == Bucket::Year {
            return Ok(yearly);
        }
        // A range that covers no year whole gives no year's figure: its periods are not read.
        let covers_a_year = years
            .periods()
            .iter()
            .any(|year| year.from.0 >= self.range.from && year.to.0 <= self.range.to);
        let answer = if covers_a_year {
            self.panel_over(ctx, spec, self.range).await?
        } else {
            Arc::new(Panel {
                categories: yearly.categories.clone(),
                rows: yearly.rows.clone(),
                periods: Vec::new(),
            })
        };
        let own = &self.selection.viewer().own;
        Ok(Arc::new(answer.within_years(&yearly, |k| own.contains(k))))
    }

    async fn measures_with_action(
        &self,
        ctx: &Context<'_>,
        indicator: &Indicator,
    ) -> Result<Vec<IndicatorValue>> {
        let rows = self.selection.rows();
        let counts = ctx
            .data_unchecked::<Store>()
            .aggregates(ctx.data_unchecked::<RequestContext>())?
            .action_counts(rows)
            .await?;
        let with_action: BTreeSet<(Uuid, &str)> = counts
            .iter()
            .map(|c| (c.measure_id, c.kommunenummer.as_str()))
            .collect();
        let mut tally: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
        let plan = responsibilities(ctx, rows).await?;
        for (_, measure, responsible) in &plan {
            for k in responsible {
                let entry = tally.entry(k.as_str()).or_default();
                entry.1 += 1;
                if with_action.contains(&(measure.id, k.as_str())) {
                    entry.0 += 1;
                }
            }
        }
        let percent = |(done, of): (u32, u32)| {
            (of > 0).then(|| (f64::from(done) * 1000.0 / f64::from(of)).round() / 10.0)
        };
        let mut values: Vec<IndicatorValue> = rows
            .iter()
            .map(|k| {
                let value = tally.get(k.as_str()).copied().and_then(percent);
                IndicatorValue::of(indicator, Some(k), value, false)
            })
            .collect();
        let joint = tally
            .values()
            .fold((0, 0), |(d, o), (done, of)| (d + done, o + of));
        values.push(IndicatorValue::of(indicator, None, percent(joint), false));
        Ok(values)
    }
}

/// Where an indicator's figure comes from: a panel, and what to take from it.
enum Pick {
    /// The rate per 10,000 of the total.
    RateOfTotal,
    /// The share of a category, as a percentage.
    PercentOf(&'static str),
    /// The count of a category.
    CountOf(&'static str),
}

/// The panel an indicator is computed from, or `None` for one computed from actions.
fn indicator_source(kind: IndicatorKind) -> Option<(&'static PanelSpec, Pick)> {
    Some(match kind {
        IndicatorKind::NaloxoneKitsPer10k => (&panels::NALOXONE_KITS, Pick::RateOfTotal),
        IndicatorKind::PeopleTrainedPer10k => (&panels::NALOXONE_PEOPLE_TRAINED, Pick::RateOfTotal),
        IndicatorKind::FollowUpOfferedPercent => (
            &panels::NON_FATAL_BY_FOLLOW_UP_OFFERED,
            Pick::PercentOf("YES"),
        ),
        IndicatorKind::RefillsAfterUse => (
            &panels::NALOXONE_REFILLS_BY_REASON,
            Pick::CountOf("USED_ON_OVERDOSE"),
        ),
        IndicatorKind::MeasuresWithActionPercent => return None,
    })
}

impl Pick {
    fn values(&self, panel: &Panel, p: usize, indicator: &Indicator) -> Vec<IndicatorValue> {
        let take = |cell: &CountCell| match self {
            Pick::RateOfTotal => cell.rate_per_10k,
            Pick::PercentOf(_) => cell.share.map(|s| (s * 1000.0).round() / 10.0),
            Pick::CountOf(_) => cell.value.map(|v| v as f64),
        };
        let (row_cells, joint) = match self {
            Pick::RateOfTotal => (panel.municipality_totals(p), panel.total(p)),
            Pick::PercentOf(code) | Pick::CountOf(code) => {
                let cells: Vec<CountCell> = panel
                    .cells(p)
                    .into_iter()
                    .filter(|c| c.category.as_deref() == Some(code))
                    .collect();
                let joint = panel
                    .category_totals(p)
                    .into_iter()
                    .find(|c| c.category.as_deref() == Some(code))
                    .unwrap_or_else(|| panel.total(p));
                (cells, joint)
            }
        };
        // A share is suppressed with the total it is of, too.
        let of_suppressed: Vec<bool> = match self {
            Pick::PercentOf(_) => panel
                .municipality_totals(p)
                .iter()
                .chain(std::iter::once(&panel.total(p)))
                .map(|total| total.suppressed)
                .collect(),
            _ => vec![false; row_cells.len() + 1],
        };
        // The joint cell names no municipality.
        row_cells
            .iter()
            .chain(std::iter::once(&joint))
            .zip(of_suppressed)
            .map(|(cell, of_suppressed)| {
                let k = cell.kommunenummer.as_deref();
                let suppressed = cell.suppressed || of_suppressed;
                IndicatorValue::of(indicator, k, take(cell), suppressed)
            })
            .collect()
    }
}
