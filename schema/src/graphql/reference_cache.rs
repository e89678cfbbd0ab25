//! Reference data for one request, each table read at most once and only when a field needs
//! it. The tables are small (municipalities, populations, the plan), so reading a whole table
//! once costs less than batching keys, and the number of statements never depends on how
//! many objects a page holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::{FocusArea, Indicator, Measure, Municipality, Population, Store};

pub struct ReferenceCache {
    store: Store,
    municipalities: OnceCell<Arc<BTreeMap<String, Municipality>>>,
    populations: OnceCell<Arc<BTreeMap<String, Vec<Population>>>>,
    focus_areas: OnceCell<Arc<Vec<FocusArea>>>,
    measures: OnceCell<Arc<Vec<Measure>>>,
    responsibilities: OnceCell<Arc<HashMap<Uuid, Vec<String>>>>,
    indicators: OnceCell<Arc<Vec<Indicator>>>,
}

impl ReferenceCache {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            municipalities: OnceCell::new(),
            populations: OnceCell::new(),
            focus_areas: OnceCell::new(),
            measures: OnceCell::new(),
            responsibilities: OnceCell::new(),
            indicators: OnceCell::new(),
        }
    }

    async fn municipalities(&self) -> Result<&BTreeMap<String, Municipality>> {
        let all = self
            .municipalities
            .get_or_try_init(async || {
                let rows = self.store.reference().municipalities().await?;
                Ok::<_, Error>(Arc::new(
                    rows.into_iter()
                        .map(|m| (m.kommunenummer.clone(), m))
                        .collect(),
                ))
            })
            .await?;
        Ok(all)
    }

    pub async fn municipality(&self, kommunenummer: &str) -> Result<Option<Municipality>> {
        Ok(self.municipalities().await?.get(kommunenummer).cloned())
    }

    /// The population figures of a municipality, oldest year first.
    pub async fn populations(&self, kommunenummer: &str) -> Result<Vec<Population>> {
        let all = self
            .populations
            .get_or_try_init(async || {
                Ok::<_, Error>(Arc::new(self.store.reference().populations().await?))
            })
            .await?;
        Ok(all.get(kommunenummer).cloned().unwrap_or_default())
    }

    async fn focus_areas(&self) -> Result<&[FocusArea]> {
        let all = self
            .focus_areas
            .get_or_try_init(async || {
                Ok::<_, Error>(Arc::new(self.store.reference().focus_areas().await?))
            })
            .await?;
        Ok(all.as_slice())
    }

    /// A plan's focus areas, in order.
    pub async fn focus_areas_of(&self, plan_id: Uuid) -> Result<Vec<FocusArea>> {
        Ok(self
            .focus_areas()
            .await?
            .iter()
            .filter(|f| f.plan_id == plan_id)
            .cloned()
            .collect())
    }

    pub async fn focus_area(&self, id: Uuid) -> Result<Option<FocusArea>> {
        Ok(self
            .focus_areas()
            .await?
            .iter()
            .find(|f| f.id == id)
            .cloned())
    }

    async fn measures(&self) -> Result<&[Measure]> {
        let all = self
            .measures
            .get_or_try_init(async || {
                Ok::<_, Error>(Arc::new(self.store.reference().measures().await?))
            })
            .await?;
        Ok(all.as_slice())
    }

    /// A focus area's measures, in order.
    pub async fn measures_of(&self, focus_area_id: Uuid) -> Result<Vec<Measure>> {
        Ok(self
            .measures()
            .await?
            .iter()
            .filter(|m| m.focus_area_id == focus_area_id)
            .cloned()
            .collect())
    }

    pub async fn measure(&self, id: Uuid) -> Result<Option<Measure>> {
        Ok(self.measures().await?.iter().find(|m| m.id == id).cloned())
    }

    /// The municipalities responsible for a measure, by kommunenummer.
    pub async fn responsible_for(&self, measure_id: Uuid) -> Result<Vec<Municipality>> {
        let all = self
            .responsibilities
            .get_or_try_init(async || {
                let mut by_measure: HashMap<Uuid, Vec<String>> = HashMap::new();
                for (measure, kommunenummer) in self.store.reference().responsibilities().await? {
                    by_measure.entry(measure).or_default().push(kommunenummer);
                }
                Ok::<_, Error>(Arc::new(by_measure))
            })
            .await?;
        let municipalities = self.municipalities().await?;
        Ok(all
            .get(&measure_id)
            .into_iter()
            .flatten()
            .filter_map(|k| municipalities.get(k).cloned())
            .collect())
    }

    /// A plan's indicators, in order.
    pub async fn indicators_of(&self, plan_id: Uuid) -> Result<Vec<Indicator>> {
        let all = self
            .indicators
            .get_or_try_init(async || {
                Ok::<_, Error>(Arc::new(self.store.reference().all_indicators().await?))
            })
            .await?;
        Ok(all
            .iter()
            .filter(|i| i.plan_id == plan_id)
            .cloned()
            .collect())
    }
}
