//! The shared plan: its focus areas, measures and indicators with targets.

use crate::graphql::scalars::Date;
use async_graphql::{Context, ErrorExtensions, ID, Object, ResultExt};

use crate::domain::{IndicatorKind, TargetDirection};
use crate::error::Error;
use crate::graphql::global_id::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::types::{ActionNode, MunicipalityNode};
use crate::store::{FocusArea, Indicator, Measure, Plan};

/// The joint action plan against overdoses.
pub struct PlanNode(pub Plan);

#[Object(name = "Plan")]
impl PlanNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("Plan", self.0.id)
    }

    /// A short stable code for the plan.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The plan's name (bokmål).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The plan's name in English.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }

    /// First day of the plan period.
    async fn period_start(&self) -> Date {
        self.0.period_start.into()
    }

    /// Last day of the plan period.
    async fn period_end(&self) -> Date {
        self.0.period_end.into()
    }

    /// True while the plan's structure is a draft, not the adopted text.
    async fn draft(&self) -> bool {
        self.0.draft
    }

    /// The plan's focus areas, in order.
    async fn focus_areas(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FocusAreaNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.reference.focus_areas_of(self.0.id).await.extend()?;
        Ok(rows.into_iter().map(FocusAreaNode).collect())
    }

    /// The plan's indicators with their targets, in order.
    async fn indicators(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<IndicatorNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.reference.indicators_of(self.0.id).await.extend()?;
        Ok(rows.into_iter().map(IndicatorNode).collect())
    }
}

/// A focus area (innsatsområde) of the plan.
pub struct FocusAreaNode(pub FocusArea);

#[Object(name = "FocusArea")]
impl FocusAreaNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("FocusArea", self.0.id)
    }

    /// Position in the plan, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The focus area's name (bokmål).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The focus area's name in English.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }

    /// The measures of this focus area, in order.
    async fn measures(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MeasureNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders.reference.measures_of(self.0.id).await.extend()?;
        Ok(rows.into_iter().map(MeasureNode).collect())
    }
}

/// A measure (tiltak) of the plan, carried out by the municipalities responsible for it.
pub struct MeasureNode(pub Measure);

#[Object(name = "Measure")]
impl MeasureNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("Measure", self.0.id)
    }

    /// The measure's number in the plan, such as `3.1`.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Position within its focus area, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// The measure's name (bokmål).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The measure's name in English.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }

    /// A longer description, if the plan gives one.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The focus area this measure belongs to.
    async fn focus_area(&self, ctx: &Context<'_>) -> async_graphql::Result<FocusAreaNode> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders
            .reference
            .focus_area(self.0.focus_area_id)
            .await
            .extend()?
            .map(FocusAreaNode)
            .ok_or_else(|| Error::NotFound { what: "focus area" }.extend())
    }

    /// The actions in force on this measure, of the municipalities the caller acts for.
    /// Needs the coordinator role.
    async fn actions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ActionNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .actions_by_measure
            .load_one(self.0.id)
            .await
            .extend()?
            .unwrap_or_default()
            .into_iter()
            .map(ActionNode)
            .collect())
    }

    /// The municipalities responsible for carrying out this measure.
    async fn responsible_municipalities(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<MunicipalityNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = loaders
            .reference
            .responsible_for(self.0.id)
            .await
            .extend()?;
        Ok(found.into_iter().map(MunicipalityNode).collect())
    }
}

/// An indicator of the plan: a figure followed each year, with the target the plan sets for it.
/// The figure itself is computed on the dashboards.
pub struct IndicatorNode(pub Indicator);

#[Object(name = "Indicator")]
impl IndicatorNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("Indicator", self.0.id)
    }

    /// The indicator's code, unique within the plan.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Position in the plan's list of indicators, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// What is measured, and so how the figure is computed.
    async fn kind(&self) -> IndicatorKind {
        self.0.kind
    }

    /// The indicator's name (bokmål).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The indicator's name in English.
    async fn name_en(&self) -> &str {
        &self.0.name_en
    }

    /// The target the plan sets; null when the figure is followed without one.
    async fn target(&self) -> Option<f64> {
        self.0.target
    }

    /// Whether the figure should reach the target (`AT_LEAST`) or stay at or under it
    /// (`AT_MOST`).
    async fn direction(&self) -> TargetDirection {
        self.0.direction
    }

    /// A longer description, such as how the target was set.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The focus area the indicator follows up, if any.
    async fn focus_area(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FocusAreaNode>> {
        let Some(id) = self.0.focus_area_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .reference
            .focus_area(id)
            .await
            .extend()?
            .map(FocusAreaNode))
    }
}
