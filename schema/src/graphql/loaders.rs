//! Per-request DataLoaders for nested fields, so a list never costs one query per item.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::{DataLoader, Loader};
use uuid::Uuid;

use crate::ctx::{Access, RequestContext};
use crate::domain::Substance;
use crate::entity::{action, action_note, distribution_site};
use crate::error::Error;
use crate::store::{FocusArea, Measure, Municipality, Population, Store, TenantDb};

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

/// All loaders of one request. The tenant loaders carry the request's context, so a batch
/// only ever holds one caller's keys and is filtered by that caller's scope.
pub struct Loaders {
    pub measures_by_focus_area: DataLoader<MeasuresByFocusArea>,
    pub responsible_municipalities: DataLoader<ResponsibleMunicipalities>,
    pub municipalities: DataLoader<MunicipalityByNumber>,
    pub populations: DataLoader<PopulationsByMunicipality>,
    pub measures: DataLoader<MeasureById>,
    pub focus_areas: DataLoader<FocusAreaById>,
    pub action_notes: DataLoader<NotesByAction>,
    pub actions_by_measure: DataLoader<ActionsByMeasure>,
    pub substances: DataLoader<SubstancesByIncident>,
    pub sites: DataLoader<SiteById>,
}

impl Loaders {
    pub fn new(store: Store, ctx: RequestContext) -> Self {
        let tenant = |access| TenantKeys {
            store: store.clone(),
            ctx: ctx.clone(),
            access,
        };
        Self {
            measures: DataLoader::new(MeasureById(store.clone()), tokio::spawn),
            focus_areas: DataLoader::new(FocusAreaById(store.clone()), tokio::spawn),
            action_notes: DataLoader::new(NotesByAction(tenant(Access::ReadActions)), tokio::spawn),
            actions_by_measure: DataLoader::new(
                ActionsByMeasure(tenant(Access::ReadActions)),
                tokio::spawn,
            ),
            substances: DataLoader::new(
                SubstancesByIncident(tenant(Access::ReadCases)),
                tokio::spawn,
            ),
            sites: DataLoader::new(SiteById(tenant(Access::ReadCases)), tokio::spawn),
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

pub struct MeasureById(Store);

impl Loader<Uuid> for MeasureById {
    type Value = Measure;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Measure>, SharedError> {
        let rows = self.0.reference().measures_by_id(keys).await?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}

pub struct FocusAreaById(Store);

impl Loader<Uuid> for FocusAreaById {
    type Value = FocusArea;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, FocusArea>, SharedError> {
        let rows = self.0.reference().focus_areas_by_id(keys).await?;
        Ok(rows.into_iter().map(|f| (f.id, f)).collect())
    }
}

/// What a tenant loader needs to open the caller's scoped handle.
pub struct TenantKeys {
    store: Store,
    ctx: RequestContext,
    access: Access,
}

impl TenantKeys {
    fn tenant(&self) -> Result<TenantDb<'_>, Error> {
        self.store.tenant(&self.ctx, self.access)
    }
}

/// Groups rows by a key into the map a loader returns.
fn group<K: std::hash::Hash + Eq, V>(
    rows: impl IntoIterator<Item = V>,
    key: impl Fn(&V) -> K,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

pub struct NotesByAction(TenantKeys);

impl Loader<Uuid> for NotesByAction {
    type Value = Vec<action_note::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.notes_of_actions(keys).await?;
        Ok(group(rows, |n| n.action_id))
    }
}

pub struct ActionsByMeasure(TenantKeys);

impl Loader<Uuid> for ActionsByMeasure {
    type Value = Vec<action::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.actions_of_measures(keys).await?;
        Ok(group(rows, |a| a.measure_id))
    }
}

pub struct SubstancesByIncident(TenantKeys);

impl Loader<Uuid> for SubstancesByIncident {
    type Value = Vec<Substance>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.substances_of_incidents(keys).await?;
        Ok(group(rows, |(id, _)| *id)
            .into_iter()
            .map(|(id, pairs)| {
                let mut substances: Vec<Substance> = pairs.into_iter().map(|(_, s)| s).collect();
                // The code list's order, not the codes' alphabetical one.
                substances.sort();
                (id, substances)
            })
            .collect())
    }
}

pub struct SiteById(TenantKeys);

impl Loader<Uuid> for SiteById {
    type Value = distribution_site::Model;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.sites_by_id(keys).await?;
        Ok(rows.into_iter().map(|s| (s.id, s)).collect())
    }
}
