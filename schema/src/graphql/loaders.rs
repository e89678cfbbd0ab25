//! Per-request DataLoaders for nested fields, so a list never costs one query per item.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::{DataLoader, Loader};
use uuid::Uuid;

use crate::error::Error;
use crate::store::{Measure, Municipality, Population, Store};

/// An error shared between the fields that waited on one batch.
#[derive(Debug, Clone)]
pub struct SharedError(pub Arc<Error>);

impl ErrorExtensions for SharedError {
    fn extend(&self) -> async_graphql::Error {
        self.0.extend()
    }
}

impl std::fmt::Display for SharedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Error> for SharedError {
    fn from(err: Error) -> Self {
        SharedError(Arc::new(err))
    }
}

/// All loaders of one request.
pub struct Loaders {
    pub measures_by_focus_area: DataLoader<MeasuresByFocusArea>,
    pub responsible_municipalities: DataLoader<ResponsibleMunicipalities>,
    pub municipalities: DataLoader<MunicipalityByNumber>,
    pub populations: DataLoader<PopulationsByMunicipality>,
}

impl Loaders {
    pub fn new(store: Store) -> Self {
        Self {
            measures_by_focus_area: DataLoader::new(
                MeasuresByFocusArea(store.clone()),
                tokio::spawn,
            ),
            responsible_municipalities: DataLoader::new(
                ResponsibleMunicipalities(store.clone()),
                tokio::spawn,
            ),
            municipalities: DataLoader::new(MunicipalityByNumber(store.clone()), tokio::spawn),
            populations: DataLoader::new(PopulationsByMunicipality(store), tokio::spawn),
        }
    }
}

pub struct MeasuresByFocusArea(Store);

impl Loader<Uuid> for MeasuresByFocusArea {
    type Value = Vec<Measure>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Measure>>, SharedError> {
        let mut by_area: HashMap<Uuid, Vec<Measure>> = HashMap::new();
        for measure in self.0.reference().measures(keys).await? {
            by_area
                .entry(measure.focus_area_id)
                .or_default()
                .push(measure);
        }
        Ok(by_area)
    }
}

pub struct ResponsibleMunicipalities(Store);

impl Loader<Uuid> for ResponsibleMunicipalities {
    type Value = Vec<String>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<String>>, SharedError> {
        let mut by_measure: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (measure_id, kommunenummer) in self.0.reference().responsibilities(keys).await? {
            by_measure
                .entry(measure_id)
                .or_default()
                .push(kommunenummer);
        }
        Ok(by_measure)
    }
}

pub struct MunicipalityByNumber(Store);

impl Loader<String> for MunicipalityByNumber {
    type Value = Municipality;
    type Error = SharedError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Municipality>, SharedError> {
        Ok(self
            .0
            .reference()
            .municipalities_by_number(keys)
            .await?
            .into_iter()
            .map(|m| (m.kommunenummer.clone(), m))
            .collect())
    }
}

pub struct PopulationsByMunicipality(Store);

impl Loader<String> for PopulationsByMunicipality {
    type Value = Vec<Population>;
    type Error = SharedError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Vec<Population>>, SharedError> {
        Ok(self
            .0
            .reference()
            .populations(keys)
            .await?
            .into_iter()
            .collect())
    }
}
