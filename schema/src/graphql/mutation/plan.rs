//! Changing the shared plan: focus areas and measures. Needs the plan_admin role.

use async_graphql::{Context, ErrorExtensions, ID, InputObject, MaybeUndefined, Object, ResultExt};
use uuid::Uuid;

use super::{patch, set};
use crate::RequestContext;
use crate::domain::Kommunenummer;
use crate::error::Error;
use crate::graphql::global_id::GlobalId;
use crate::graphql::types::{FocusAreaNode, MeasureNode};
use crate::store::{NewFocusArea, NewMeasure, PlanEditor, Store};

#[derive(InputObject)]
pub struct CreateFocusAreaInput {
    /// The plan; the only plan when left out.
    plan_id: Option<ID>,
    position: i32,
    /// Bokmål name.
    name: String,
    name_en: String,
}

#[derive(InputObject)]
pub struct UpdateFocusAreaInput {
    id: ID,
    position: Option<i32>,
    name: Option<String>,
    name_en: Option<String>,
}

#[derive(InputObject)]
pub struct CreateMeasureInput {
    focus_area_id: ID,
    /// The measure's number in the plan, such as `3.4`.
    code: String,
    position: i32,
    name: String,
    name_en: String,
    description: Option<String>,
    /// Kommunenummer of the municipalities that carry the measure out.
    responsible_municipalities: Vec<String>,
}

/// Changes a measure; fields left out keep their value, `null` clears the description.
#[derive(InputObject)]
pub struct UpdateMeasureInput {
    id: ID,
    focus_area_id: Option<ID>,
    code: Option<String>,
    position: Option<i32>,
    name: Option<String>,
    name_en: Option<String>,
    description: MaybeUndefined<String>,
    responsible_municipalities: Option<Vec<String>>,
}

fn editor<'c>(ctx: &Context<'c>) -> async_graphql::Result<PlanEditor<'c>> {
    let store = ctx.data_unchecked::<Store>();
    store
        .plan_editor(ctx.data_unchecked::<RequestContext>())
        .extend()
}

fn municipalities(numbers: Vec<String>) -> Result<Vec<Kommunenummer>, Error> {
    numbers
        .iter()
        .map(|k| {
            k.parse().map_err(|e: crate::domain::KommunenummerError| {
                Error::validation("responsibleMunicipalities", e.to_string())
            })
        })
        .collect()
}

#[derive(Default)]
pub struct PlanMutation;

#[Object]
impl PlanMutation {
    /// Adds a focus area to the plan. Needs the plan_admin role.
    async fn create_focus_area(
        &self,
        ctx: &Context<'_>,
        input: CreateFocusAreaInput,
    ) -> async_graphql::Result<FocusAreaNode> {
        let editor = editor(ctx)?;
        let plan_id = match input.plan_id {
            Some(id) => GlobalId::decode_as(&id, "Plan", "planId").extend()?,
            None => {
                let reference = ctx
                    .data_unchecked::<Store>()
                    .reference_data()
                    .await
                    .extend()?;
                let plans = reference.plans();
                match plans {
                    [only] => only.id,
                    _ => return Err(Error::validation("planId", "say which plan").extend()),
                }
            }
        };
        let created = editor
            .create_focus_area(NewFocusArea {
                id: Uuid::now_v7(),
                plan_id,
                position: input.position,
                name: input.name,
                name_en: input.name_en,
            })
            .await
            .extend()?;
        Ok(FocusAreaNode(created))
    }

    /// Changes a focus area. Needs the plan_admin role.
    async fn update_focus_area(
        &self,
        ctx: &Context<'_>,
        input: UpdateFocusAreaInput,
    ) -> async_graphql::Result<FocusAreaNode> {
        let editor = editor(ctx)?;
        let id = GlobalId::decode_as(&input.id, "FocusArea", "id").extend()?;
        let updated = editor
            .update_focus_area(id, |f| {
                set(&mut f.position, input.position);
                set(&mut f.name, input.name);
                set(&mut f.name_en, input.name_en);
            })
            .await
            .extend()?;
        Ok(FocusAreaNode(updated))
    }

    /// Adds a measure to a focus area. Needs the plan_admin role.
    async fn create_measure(
        &self,
        ctx: &Context<'_>,
        input: CreateMeasureInput,
    ) -> async_graphql::Result<MeasureNode> {
        let editor = editor(ctx)?;
        let created = editor
            .create_measure(NewMeasure {
                id: Uuid::now_v7(),
                focus_area_id: GlobalId::decode_as(
                    &input.focus_area_id,
                    "FocusArea",
                    "focusAreaId",
                )
                .extend()?,
                position: input.position,
                code: input.code,
                name: input.name,
                name_en: input.name_en,
                description: input.description,
                responsible: municipalities(input.responsible_municipalities).extend()?,
            })
            .await
            .extend()?;
        Ok(MeasureNode(created))
    }

    /// Changes a measure. Needs the plan_admin role.
    async fn update_measure(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeasureInput,
    ) -> async_graphql::Result<MeasureNode> {
        let editor = editor(ctx)?;
        let id = GlobalId::decode_as(&input.id, "Measure", "id").extend()?;
        let focus_area_id = input
            .focus_area_id
            .map(|f| GlobalId::decode_as(&f, "FocusArea", "focusAreaId"))
            .transpose()
            .extend()?;
        let responsible = input
            .responsible_municipalities
            .map(municipalities)
            .transpose()
            .extend()?;
        let updated = editor
            .update_measure(id, |m| {
                set(&mut m.focus_area_id, focus_area_id);
                set(&mut m.code, input.code);
                set(&mut m.position, input.position);
                set(&mut m.name, input.name);
                set(&mut m.name_en, input.name_en);
                patch(&mut m.description, input.description);
                set(&mut m.responsible, responsible);
            })
            .await
            .extend()?;
        Ok(MeasureNode(updated))
    }
}
