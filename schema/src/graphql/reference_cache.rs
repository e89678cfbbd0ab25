//! Reference data for one request: the process's copy (see [`ReferenceData`]), taken at most
//! once per request and only when a field needs it, so every field of a response sees the same
//! version and the number of statements never depends on how many objects a page holds.

use std::sync::Arc;

use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::error::Result;
use crate::store::{
    FocusArea, Indicator, Measure, Municipality, Plan, Population, ReferenceData, Store,
};

pub struct ReferenceCache {
    store: Store,
    /// The reference version the request has already read, if it has.
    version: Option<i64>,
    data: OnceCell<Arc<ReferenceData>>,
}

impl ReferenceCache {
    pub fn new(store: Store, version: Option<i64>) -> Self {
        Self {
            store,
            version,
            data: OnceCell::new(),
        }
    }

    /// The reference data this request reads.
    pub async fn data(&self) -> Result<&ReferenceData> {
        Ok(self.loaded().await?)
    }

    /// The reference data this request reads, shared: for work in a task of its own.
    pub async fn shared(&self) -> Result<Arc<ReferenceData>> {
        Ok(self.loaded().await?.clone())
    }

    async fn loaded(&self) -> Result<&Arc<ReferenceData>> {
        self.data
            .get_or_try_init(|| async {
                match self.version {
                    Some(version) => self.store.reference_data_at(version).await,
                    None => self.store.reference_data().await,
                }
            })
            .await
    }

    pub async fn municipality(&self, kommunenummer: &str) -> Result<Option<Municipality>> {
        Ok(self.data().await?.municipality(kommunenummer).cloned())
    }

    /// The population figures of a municipality, oldest year first.
    pub async fn populations(&self, kommunenummer: &str) -> Result<Vec<Population>> {
        Ok(self.data().await?.populations_of(kommunenummer).to_vec())
    }

    /// The current plan: the latest to start.
    pub async fn current_plan(&self) -> Result<Option<Plan>> {
        Ok(self.data().await?.current_plan().cloned())
    }

    /// A plan's focus areas, in order.
    pub async fn focus_areas_of(&self, plan_id: Uuid) -> Result<Vec<FocusArea>> {
        Ok(self
            .data()
            .await?
            .focus_areas()
            .iter()
            .filter(|f| f.plan_id == plan_id)
            .cloned()
            .collect())
    }

    pub async fn focus_area(&self, id: Uuid) -> Result<Option<FocusArea>> {
        Ok(self
            .data()
            .await?
            .focus_areas()
            .iter()
            .find(|f| f.id == id)
            .cloned())
    }

    /// A focus area's measures, in order.
    pub async fn measures_of(&self, focus_area_id: Uuid) -> Result<Vec<Measure>> {
        Ok(self
            .data()
            .await?
            .measures()
            .iter()
            .filter(|m| m.focus_area_id == focus_area_id)
            .cloned()
            .collect())
    }

    pub async fn measure(&self, id: Uuid) -> Result<Option<Measure>> {
        Ok(self
            .data()
            .await?
            .measures()
            .iter()
            .find(|m| m.id == id)
            .cloned())
    }

    /// The municipalities responsible for a measure, by kommunenummer.
    pub async fn responsible_for(&self, measure_id: Uuid) -> Result<Vec<Municipality>> {
        let data = self.data().await?;
        Ok(data
            .responsibilities()
            .iter()
            .filter(|(measure, _)| *measure == measure_id)
            .filter_map(|(_, k)| data.municipality(k).cloned())
            .collect())
    }

    /// A plan's indicators, in order.
    pub async fn indicators_of(&self, plan_id: Uuid) -> Result<Vec<Indicator>> {
        Ok(self
            .data()
            .await?
            .indicators()
            .iter()
            .filter(|i| i.plan_id == plan_id)
            .cloned()
            .collect())
    }

    pub async fn indicator(&self, id: Uuid) -> Result<Option<Indicator>> {
        Ok(self
            .data()
            .await?
            .indicators()
            .iter()
            .find(|i| i.id == id)
            .cloned())
    }
}
