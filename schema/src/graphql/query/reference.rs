//! Reference data: municipalities and the shared plan. Readable without signing in.

use async_graphql::{Context, Object, ResultExt};

use crate::graphql::types::{MunicipalityNode, PlanNode};
use crate::store::Store;

#[derive(Default)]
pub struct ReferenceQuery;

#[Object]
impl ReferenceQuery {
    /// Every municipality, ordered by kommunenummer.
    async fn municipalities(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<MunicipalityNode>> {
        let store = ctx.data_unchecked::<Store>();
        let rows = store.reference().municipalities().await.extend()?;
        Ok(rows.into_iter().map(MunicipalityNode).collect())
    }

    /// One municipality by its four-digit kommunenummer, or null when there is none.
    async fn municipality(
        &self,
        ctx: &Context<'_>,
        kommunenummer: String,
    ) -> async_graphql::Result<Option<MunicipalityNode>> {
        let loaders = ctx.data_unchecked::<crate::graphql::loaders::Loaders>();
        let found = loaders
            .reference
            .municipality(&kommunenummer)
            .await
            .extend()?;
        Ok(found.map(MunicipalityNode))
    }

    /// Every plan, oldest first. There is normally one: the joint action plan.
    async fn plans(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PlanNode>> {
        let store = ctx.data_unchecked::<Store>();
        let rows = store.reference().plans().await.extend()?;
        Ok(rows.into_iter().map(PlanNode).collect())
    }

    /// The plan with the given code, or the current plan (the latest to start) without one.
    async fn plan(
        &self,
        ctx: &Context<'_>,
        code: Option<String>,
    ) -> async_graphql::Result<Option<PlanNode>> {
        let store = ctx.data_unchecked::<Store>();
        let plans = store.reference().plans().await.extend()?;
        let found = match code {
            Some(code) => plans.into_iter().find(|p| p.code == code),
            None => plans.into_iter().last(),
        };
        Ok(found.map(PlanNode))
    }
}
