//! Creating, updating and retracting actions, and adding progress notes.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, ResultExt};

use super::{RetractInput, new_meta, patch, set};
use crate::ctx::Access;
use crate::domain::ActionStatus;
use crate::graphql::global_id::GlobalId;
use crate::graphql::query::tenant;
use crate::graphql::scalars::Date;
use crate::graphql::types::ActionNode;
use crate::store::NewAction;

#[derive(InputObject)]
pub struct CreateActionInput {
    /// The municipality (kommunenummer); may be left out by a caller who acts for one only.
    municipality: Option<String>,
    /// The measure of the plan the action carries out.
    measure_id: ID,
    title: String,
    description: Option<String>,
    responsible_unit: Option<String>,
    #[graphql(default_with = "ActionStatus::NotStarted")]
    status: ActionStatus,
    planned_start: Option<Date>,
    planned_end: Option<Date>,
    actual_start: Option<Date>,
    actual_end: Option<Date>,
    #[graphql(default)]
    progress_percent: i64,
    output_label: Option<String>,
    output_value: Option<i64>,
    /// A key the client makes up (a UUID is good): a retry with the same key returns the
    /// first record instead of creating a second.
    idempotency_key: Option<String>,
}

/// Changes an action; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateActionInput {
    id: ID,
    /// The version the client saw; a stale version is a `CONFLICT`.
    version: i64,
    measure_id: Option<ID>,
    title: Option<String>,
    description: MaybeUndefined<String>,
    responsible_unit: MaybeUndefined<String>,
    status: Option<ActionStatus>,
    planned_start: MaybeUndefined<Date>,
    planned_end: MaybeUndefined<Date>,
    actual_start: MaybeUndefined<Date>,
    actual_end: MaybeUndefined<Date>,
    progress_percent: Option<i64>,
    output_label: MaybeUndefined<String>,
    output_value: MaybeUndefined<i64>,
}

#[derive(InputObject)]
pub struct AddActionNoteInput {
    action_id: ID,
    /// The version the client saw; a stale version is a `CONFLICT`.
    version: i64,
    noted_on: Date,
    text: String,
}

fn date(value: MaybeUndefined<Date>) -> MaybeUndefined<chrono::NaiveDate> {
    value.map_value(|d| d.0)
}

#[derive(Default)]
pub struct ActionMutation;

#[Object]
impl ActionMutation {
    /// Records an action on a measure. Needs the coordinator role.
    async fn create_action(
        &self,
        ctx: &Context<'_>,
        input: CreateActionInput,
    ) -> async_graphql::Result<ActionNode> {
        let tenant = tenant(ctx, Access::WriteActions)?;
        let new = NewAction {
            meta: new_meta(
                &tenant,
                input.municipality.as_deref(),
                input.idempotency_key,
            )
            .extend()?,
            measure_id: GlobalId::decode_as(&input.measure_id, "Measure", "measureId").extend()?,
            title: input.title,
            description: input.description,
            responsible_unit: input.responsible_unit,
            status: input.status,
            planned_start: input.planned_start.map(|d| d.0),
            planned_end: input.planned_end.map(|d| d.0),
            actual_start: input.actual_start.map(|d| d.0),
            actual_end: input.actual_end.map(|d| d.0),
            progress_percent: input.progress_percent,
            output_label: input.output_label,
            output_value: input.output_value,
            notes: Vec::new(),
        };
        Ok(ActionNode(tenant.create_action(new).await.extend()?))
    }

    /// Changes an action from the version the client saw. Needs the coordinator role.
    async fn update_action(
        &self,
        ctx: &Context<'_>,
        input: UpdateActionInput,
    ) -> async_graphql::Result<ActionNode> {
        let tenant = tenant(ctx, Access::WriteActions)?;
        let id = GlobalId::decode_as(&input.id, "Action", "id").extend()?;
        let measure_id = input
            .measure_id
            .map(|m| GlobalId::decode_as(&m, "Measure", "measureId"))
            .transpose()
            .extend()?;
        let updated = tenant
            .update_action(id, input.version, |a| {
                set(&mut a.measure_id, measure_id);
                set(&mut a.title, input.title);
                patch(&mut a.description, input.description);
                patch(&mut a.responsible_unit, input.responsible_unit);
                set(&mut a.status, input.status);
                patch(&mut a.planned_start, date(input.planned_start));
                patch(&mut a.planned_end, date(input.planned_end));
                patch(&mut a.actual_start, date(input.actual_start));
                patch(&mut a.actual_end, date(input.actual_end));
                set(&mut a.progress_percent, input.progress_percent);
                patch(&mut a.output_label, input.output_label);
                patch(&mut a.output_value, input.output_value);
            })
            .await
            .extend()?;
        Ok(ActionNode(updated))
    }

    /// Adds a dated progress note to an action. Needs the coordinator role.
    async fn add_action_note(
        &self,
        ctx: &Context<'_>,
        input: AddActionNoteInput,
    ) -> async_graphql::Result<ActionNode> {
        let tenant = tenant(ctx, Access::WriteActions)?;
        let id = GlobalId::decode_as(&input.action_id, "Action", "actionId").extend()?;
        let updated = tenant
            .add_action_note(id, input.version, input.noted_on.0, input.text)
            .await
            .extend()?;
        Ok(ActionNode(updated))
    }

    /// Retracts an action; it stays in the history. Needs the coordinator role.
    async fn retract_action(
        &self,
        ctx: &Context<'_>,
        input: RetractInput,
    ) -> async_graphql::Result<ActionNode> {
        let tenant = tenant(ctx, Access::WriteActions)?;
        let retraction = input.into_retraction("Action").extend()?;
        Ok(ActionNode(
            tenant.retract_action(retraction).await.extend()?,
        ))
    }
}
