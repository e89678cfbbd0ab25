//! A municipality's action on a measure of the plan.

use async_graphql::{Context, ErrorExtensions, ID, Object, ResultExt};
use chrono::{DateTime, Utc};

use crate::domain::ActionStatus;
use crate::entity::{action, action_note};
use crate::error::Error;
use crate::graphql::global_id::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::graphql::types::{MeasureNode, MunicipalityNode};

/// What a municipality did, or plans to do, on a measure of the plan.
pub struct ActionNode(pub action::Model);

#[Object(name = "Action", serial)]
impl ActionNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("Action", self.0.id)
    }

    /// The municipality the action belongs to.
    async fn municipality(&self, ctx: &Context<'_>) -> async_graphql::Result<MunicipalityNode> {
        municipality(ctx, &self.0.kommunenummer).await
    }

    /// The measure of the plan this action carries out.
    async fn measure(&self, ctx: &Context<'_>) -> async_graphql::Result<MeasureNode> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders
            .reference
            .measure(self.0.measure_id)
            .await
            .extend()?
            .map(MeasureNode)
            .ok_or_else(|| Error::NotFound { what: "measure" }.extend())
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The unit or team that carries the action out.
    async fn responsible_unit(&self) -> Option<&str> {
        self.0.responsible_unit.as_deref()
    }

    async fn status(&self) -> ActionStatus {
        self.0.status
    }

    async fn planned_start(&self) -> Option<Date> {
        self.0.planned_start.map(Date)
    }

    async fn planned_end(&self) -> Option<Date> {
        self.0.planned_end.map(Date)
    }

    async fn actual_start(&self) -> Option<Date> {
        self.0.actual_start.map(Date)
    }

    async fn actual_end(&self) -> Option<Date> {
        self.0.actual_end.map(Date)
    }

    /// Progress from 0 to 100 per cent.
    async fn progress_percent(&self) -> i32 {
        self.0.progress_percent.into()
    }

    /// What the output figure counts, such as «ansatte kurset».
    async fn output_label(&self) -> Option<&str> {
        self.0.output_label.as_deref()
    }

    async fn output_value(&self) -> Option<i32> {
        self.0.output_value
    }

    /// Dated progress notes, oldest first.
    async fn notes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ActionNoteNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .action_notes
            .load_one(self.0.id)
            .await
            .extend()?
            .unwrap_or_default()
            .into_iter()
            .map(ActionNoteNode)
            .collect())
    }

    /// The version to send with the next change; it increases with every change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the action was retracted; retracted actions leave the statistics.
    async fn retracted_at(&self) -> Option<DateTime<Utc>> {
        self.0.retracted_at
    }

    async fn retraction_reason(&self) -> Option<&str> {
        self.0.retraction_reason.as_deref()
    }

    /// True for generated demonstration or benchmark data.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }
}

/// A dated progress note on an action.
pub struct ActionNoteNode(pub action_note::Model);

#[Object(name = "ActionNote", serial)]
impl ActionNoteNode {
    async fn noted_on(&self) -> Date {
        Date(self.0.noted_on)
    }

    async fn text(&self) -> &str {
        &self.0.text
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The municipality of a record, through the request's loader.
pub(crate) async fn municipality(
    ctx: &Context<'_>,
    kommunenummer: &str,
) -> async_graphql::Result<MunicipalityNode> {
    let loaders = ctx.data_unchecked::<Loaders>();
    loaders
        .reference
        .municipality(kommunenummer)
        .await
        .extend()?
        .map(MunicipalityNode)
        .ok_or_else(|| {
            Error::NotFound {
                what: "municipality",
            }
            .extend()
        })
}
