//! Public reference data (municipalities, populations, the plan) kept in memory for the whole
//! process. A request checks one number, the `reference_version` a trigger raises on every
//! change to those tables (as the ledger gives it: read, or known from the instances'
//! notifications), and reads the tables again only when it moved: current on any number of
//! instances (another instance's change shows once notified), and a request no longer decodes
//! every municipality and population figure to name one.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::error::Result;
use crate::store::reference::{
    FocusArea, Indicator, Measure, Municipality, Plan, Population, Reference,
};

/// The reference tables as of one version.
#[derive(Debug)]
pub struct ReferenceData {
    version: i64,
    municipalities: Vec<Municipality>,
    municipality_index: HashMap<String, usize>,
    populations: BTreeMap<String, Vec<Population>>,
    plans: Vec<Plan>,
    focus_areas: Vec<FocusArea>,
    measures: Vec<Measure>,
    responsibilities: Vec<(Uuid, String)>,
    indicators: Vec<Indicator>,
}

impl ReferenceData {
    /// The `reference_version` these tables were read at.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Every municipality, ordered by kommunenummer.
    pub fn municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    pub fn municipality(&self, kommunenummer: &str) -> Option<&Municipality> {
        self.municipality_index
            .get(kommunenummer)
            .map(|&i| &self.municipalities[i])
    }

    /// A municipality's population figures, oldest year first.
    pub fn populations_of(&self, kommunenummer: &str) -> &[Population] {
        self.populations
            .get(kommunenummer)
            .map_or(&[], Vec::as_slice)
    }

    /// Every population figure, by municipality.
    pub fn populations(&self) -> impl Iterator<Item = &Population> {
        self.populations.values().flatten()
    }

    /// Every plan, oldest first.
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// The current plan: the latest to start.
    pub fn current_plan(&self) -> Option<&Plan> {
        self.plans.last()
    }

    /// Every focus area, in plan order.
    pub fn focus_areas(&self) -> &[FocusArea] {
        &self.focus_areas
    }

    /// Every measure, in order within its focus area.
    pub fn measures(&self) -> &[Measure] {
        &self.measures
    }

    /// Which municipalities are responsible for which measure, as (measure, kommunenummer),
    /// by measure.
    pub fn responsibilities(&self) -> &[(Uuid, String)] {
        &self.responsibilities
    }

    /// Every plan's indicators, in order within their plan.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    async fn load<C: ConnectionTrait>(db: &C, version: i64) -> Result<Self> {
        let reference = Reference::new(db);
        let municipalities = reference.municipalities().await?;
        let municipality_index = municipalities
            .iter()
            .enumerate()
            .map(|(i, m)| (m.kommunenummer.clone(), i))
            .collect();
        Ok(Self {
            version,
            municipalities,
            municipality_index,
            populations: reference.populations().await?,
            plans: reference.plans().await?,
            focus_areas: reference.focus_areas().await?,
            measures: reference.measures().await?,
            responsibilities: reference.responsibilities().await?,
            indicators: reference.all_indicators().await?,
        })
    }
}

/// The process's copy of the reference data, shared by every clone of the store.
#[derive(Debug, Default)]
pub(crate) struct ReferenceCell {
    kept: RwLock<Option<Arc<ReferenceData>>>,
    loads: AtomicU64,
}

impl ReferenceCell {
    /// The reference data at `version` (read from the database before this call) or later.
    /// When it must be read, it is read through `db`: the pool, or the caller's transaction.
    pub(crate) async fn at<C: ConnectionTrait>(
        &self,
        db: &C,
        version: i64,
    ) -> Result<Arc<ReferenceData>> {
        if let Some(kept) = self.kept().filter(|kept| kept.version >= version) {
            return Ok(kept);
        }
        // Labelled with a version read before the tables: a copy is never labelled newer
        // than it is.
        let loaded = Arc::new(ReferenceData::load(db, version).await?);
        self.loads.fetch_add(1, Ordering::Relaxed);
        let mut slot = self
            .kept
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot.as_ref().is_none_or(|kept| kept.version < version) {
            *slot = Some(loaded.clone());
        }
        Ok(loaded)
    }

    /// How many times the tables were read: once at start and after each change.
    pub(crate) fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    fn kept(&self) -> Option<Arc<ReferenceData>> {
        self.kept
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}
