//! Reference data: municipalities and the shared plan. Readable without signing in.

use async_graphql::{Context, Object, ResultExt};

use crate::graphql::loaders::Loaders;
use crate::graphql::types::{MunicipalityNode, PlanNode};
use crate::store::ReferenceData;

#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// Every municipality, ordered by kommunenummer.
    async fn municipalities(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<MunicipalityNode>> {
        let data = reference(ctx).await?;
        Ok(data
            .municipalities()
            .iter()
            .cloned()
            .map(MunicipalityNode)
            .collect())
    }

    /// One municipality by its four-digit kommunenummer, or null when there is none.
    async fn municipality(
        &self,
        ctx: &Context<'_>,
        kommunenummer: String,
    ) -> async_graphql::Result<Option<MunicipalityNode>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = loaders
            .reference
            .municipality(&kommunenummer)
            .await
            .extend()?;
        Ok(found.map(MunicipalityNode))
    }

    /// Every plan, oldest first. There is normally one: the joint action plan.
    async fn plans(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanNode>> {
        let data = reference(ctx).await?;
        Ok(data.plans().iter().cloned().map(PlanNode).collect())
    }

    /// The plan with the given code, or the current plan (the latest to start) without one.
    async fn plan(
        &self,
        ctx: &Context<'_>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<PlanNode>> {
        let data = reference(ctx).await?;
        let found = match code {
            Some(code) => data.plans().iter().find(|p| p.code == code),
            None => data.current_plan(),
        };
        Ok(found.cloned().map(PlanNode))
    }
}

async fn reference<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a ReferenceData> {
    ctx.data_unchecked::<Loaders>()
        .reference
        .data()
        .await
        .extend()
}
