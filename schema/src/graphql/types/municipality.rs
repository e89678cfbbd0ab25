//! A municipality and its population per year.

use crate::graphql::scalars::Date;
use async_graphql::{Context, Object, ResultExt, SimpleObject};

use crate::graphql::loaders::Loaders;
use crate::store::{Municipality, Population};

/// A municipality taking part in the plan.
pub struct MunicipalityNode(pub Municipality);

/// The population of a municipality on 1 January of a year.
#[derive(SimpleObject)]
pub struct PopulationFigure {
    year: i32,
    population: i32,
    /// True where the figure is an estimate rather than Statistics Norway's published number.
    estimated: bool,
}

impl MunicipalityNode {
    async fn load_populations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Population>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders
            .reference
            .populations(&self.0.kommunenummer)
            .await
            .extend()
    }
}

#[Object(name = "Municipality", serial)]
impl MunicipalityNode {
    /// The official four-digit municipality number, such as `1506`.
    async fn kommunenummer(&self) -> &str {
        &self.0.kommunenummer
    }

    /// The municipality's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The first day this municipality number was in use.
    async fn valid_from(&self) -> Date {
        self.0.valid_from.into()
    }

    /// The last day this municipality number was in use, if it has been retired.
    async fn valid_to(&self) -> Option<Date> {
        self.0.valid_to.map(Date)
    }

    /// True for generated municipalities (benchmark data), never for real ones.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }

    /// Population on 1 January of each year with a figure, oldest first.
    async fn populations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PopulationFigure>> {
        Ok(self
            .load_populations(ctx)
            .await?
            .into_iter()
            .map(|p| PopulationFigure {
                year: p.year,
                population: p.population,
                estimated: p.estimated,
            })
            .collect())
    }

    /// Population on 1 January of the given year, or null when there is no figure.
    async fn population(&self, ctx: &Context<'_>, year: i32) -> async_graphql::Result<Option<i32>> {
        let rows = self.load_populations(ctx).await?;
        Ok(rows.iter().find(|p| p.year == year).map(|p| p.population))
    }
}
