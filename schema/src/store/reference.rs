//! Reference data: municipalities, their populations and the shared plan (focus areas,
//! measures and indicators with targets). Public to read, through the process's copy in
//! [`super::reference_data`]; written by the seed and by plan administrators.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};
use uuid::Uuid;

use crate::domain::{IndicatorKind, Kommunenummer, TargetDirection};
use crate::entity::{
    focus_area, indicator, measure, measure_responsibility, municipality, plan, population,
};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub kommunenummer: String,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub synthetic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    pub kommunenummer: String,
    pub year: i32,
    pub population: i32,
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub draft: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FocusArea {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub position: i32,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Measure {
    pub id: Uuid,
    pub focus_area_id: Uuid,
    pub position: i32,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub description: Option<String>,
}

/// An indicator of the plan: a figure the dashboards compute (`kind`) and, when the plan sets
/// one, the target it should reach (`AT_LEAST`) or stay within (`AT_MOST`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Indicator {
    pub id: Uuid,
    pub plan_id: Uuid,
    /// The focus area the indicator follows up, if any.
    pub focus_area_id: Option<Uuid>,
    pub position: i32,
    /// Unique within the plan.
    pub code: String,
    pub kind: IndicatorKind,
    pub name: String,
    pub name_en: String,
    /// `None`: the figure is followed without a target.
    pub target: Option<f64>,
    pub direction: TargetDirection,
    pub description: Option<String>,
}

/// A municipality to add; an existing one with the same number is left as it is.
#[derive(Debug, Clone)]
pub struct NewMunicipality {
    pub kommunenummer: Kommunenummer,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub synthetic: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NewFocusArea {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub position: i32,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NewMeasure {
    pub id: Uuid,
    pub focus_area_id: Uuid,
    pub position: i32,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub description: Option<String>,
    pub responsible: Vec<Kommunenummer>,
}

/// An indicator to add; an existing one with the same id, or the same code in the plan, is
/// left as it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NewIndicator {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub focus_area_id: Option<Uuid>,
    pub position: i32,
    pub code: String,
    pub kind: IndicatorKind,
    pub name: String,
    pub name_en: String,
    pub target: Option<f64>,
    pub direction: TargetDirection,
    pub description: Option<String>,
}

/// Reads and idempotent writes of reference data.
pub struct Reference<'a, C: ConnectionTrait = DatabaseConnection> {
    db: &'a C,
}

impl<'a, C: ConnectionTrait> Reference<'a, C> {
    /// Reads and writes reference data through `db`: the pool, or a transaction.
    pub(crate) fn new(db: &'a C) -> Self {
        Self { db }
    }

    pub(crate) async fn municipalities(&self) -> Result<Vec<Municipality>> {
        let rows = municipality::Entity::find()
            .order_by_asc(municipality::Column::Kommunenummer)
            .all(self.db)
            .await?;
        Ok(rows.into_iter().map(Municipality::from).collect())
    }

    /// Populations of every municipality, by municipality, oldest year first.
    pub(crate) async fn populations(&self) -> Result<BTreeMap<String, Vec<Population>>> {
        let rows = population::Entity::find()
            .order_by_asc(population::Column::Kommunenummer)
            .order_by_asc(population::Column::Year)
            .all(self.db)
            .await?;
        let mut by_municipality: BTreeMap<String, Vec<Population>> = BTreeMap::new();
        for row in rows {
            by_municipality
                .entry(row.kommunenummer.clone())
                .or_default()
                .push(Population {
                    kommunenummer: row.kommunenummer,
                    year: row.year,
                    population: row.population,
                    estimated: row.estimated,
                });
        }
        Ok(by_municipality)
    }

    pub(crate) async fn plans(&self) -> Result<Vec<Plan>> {
        let rows = plan::Entity::find()
            .order_by_asc(plan::Column::PeriodStart)
            .order_by_asc(plan::Column::Code)
            .all(self.db)
            .await?;
        Ok(rows.into_iter().map(Plan::from).collect())
    }

    /// Every focus area, in plan order.
    pub(crate) async fn focus_areas(&self) -> Result<Vec<FocusArea>> {
        let rows = focus_area::Entity::find()
            .order_by_asc(focus_area::Column::PlanId)
            .order_by_asc(focus_area::Column::Position)
            .all(self.db)
            .await?;
        Ok(rows.into_iter().map(FocusArea::from).collect())
    }

    /// Every measure, in plan order within its focus area.
    pub(crate) async fn measures(&self) -> Result<Vec<Measure>> {
        let rows = measure::Entity::find()
            .order_by_asc(measure::Column::FocusAreaId)
            .order_by_asc(measure::Column::Position)
            .all(self.db)
            .await?;
        Ok(rows.into_iter().map(Measure::from).collect())
    }

    /// Which municipalities are responsible for which measure, as (measure, kommunenummer).
    pub(crate) async fn responsibilities(&self) -> Result<Vec<(Uuid, String)>> {
        let rows = measure_responsibility::Entity::find()
            .order_by_asc(measure_responsibility::Column::MeasureId)
            .order_by_asc(measure_responsibility::Column::Kommunenummer)
            .all(self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.measure_id, r.kommunenummer))
            .collect())
    }

    /// Every plan's indicators, in order within their plan: the whole table, for the
    /// process's copy.
    pub(crate) async fn all_indicators(&self) -> Result<Vec<Indicator>> {
        let rows = indicator::Entity::find()
            .order_by_asc(indicator::Column::PlanId)
            .order_by_asc(indicator::Column::Position)
            .order_by_asc(indicator::Column::Code)
            .all(self.db)
            .await?;
        Ok(rows.into_iter().map(Indicator::from).collect())
    }

    // --- idempotent writes: an existing row (by primary key) is left untouched ---

    pub async fn add_municipality(&self, new: &NewMunicipality) -> Result<()> {
        let row = municipality::ActiveModel {
            kommunenummer: Set(new.kommunenummer.to_string()),
            name: Set(new.name.clone()),
            valid_from: Set(new.valid_from),
            valid_to: Set(new.valid_to),
            synthetic: Set(new.synthetic),
        };
        municipality::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec_without_returning(self.db)
            .await?;
        Ok(())
    }

    pub async fn add_populations(&self, populations: &[Population]) -> Result<()> {
        // Chunked: SQLite allows at most 32,766 bound values per statement.
        for chunk in populations.chunks(1_000) {
            let rows = chunk.iter().map(|p| population::ActiveModel {
                kommunenummer: Set(p.kommunenummer.clone()),
                year: Set(p.year),
                population: Set(p.population),
                estimated: Set(p.estimated),
            });
            population::Entity::insert_many(rows)
                .on_conflict_do_nothing()
                .exec_without_returning(self.db)
                .await?;
        }
        Ok(())
    }

    pub async fn add_plan(&self, new: &Plan) -> Result<()> {
        let row = plan::ActiveModel {
            id: Set(new.id),
            code: Set(new.code.clone()),
            name: Set(new.name.clone()),
            name_en: Set(new.name_en.clone()),
            period_start: Set(new.period_start),
            period_end: Set(new.period_end),
            draft: Set(new.draft),
        };
        plan::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec_without_returning(self.db)
            .await?;
        Ok(())
    }

    pub async fn add_focus_area(&self, new: &NewFocusArea) -> Result<()> {
        let row = focus_area::ActiveModel {
            id: Set(new.id),
            plan_id: Set(new.plan_id),
            position: Set(new.position),
            name: Set(new.name.clone()),
            name_en: Set(new.name_en.clone()),
        };
        focus_area::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec_without_returning(self.db)
            .await?;
        Ok(())
    }

    pub async fn add_measure(&self, new: &NewMeasure) -> Result<()> {
        let row = measure::ActiveModel {
            id: Set(new.id),
            focus_area_id: Set(new.focus_area_id),
            position: Set(new.position),
            code: Set(new.code.clone()),
            name: Set(new.name.clone()),
            name_en: Set(new.name_en.clone()),
            description: Set(new.description.clone()),
        };
        measure::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec_without_returning(self.db)
            .await?;
        let responsibilities =
            new.responsible
                .iter()
                .map(|k| measure_responsibility::ActiveModel {
                    measure_id: Set(new.id),
                    kommunenummer: Set(k.to_string()),
                });
        measure_responsibility::Entity::insert_many(responsibilities)
            .on_conflict_do_nothing()
            .exec_without_returning(self.db)
            .await?;
        Ok(())
    }

    pub async fn add_indicator(&self, new: &NewIndicator) -> Result<()> {
        if new.target.is_some_and(|t| !t.is_finite()) {
            return Err(Error::validation(
                "target",
                "the target must be a finite number",
            ));
        }
        let row = indicator::ActiveModel {
            id: Set(new.id),
            plan_id: Set(new.plan_id),
            focus_area_id: Set(new.focus_area_id),
            position: Set(new.position),
            code: Set(new.code.clone()),
            kind: Set(new.kind),
            name: Set(new.name.clone()),
            name_en: Set(new.name_en.clone()),
            target: Set(new.target),
            direction: Set(new.direction),
            description: Set(new.description.clone()),
        };
        indicator::Entity::insert(row)
            .on_conflict_do_nothing()
            .exec_without_returning(self.db)
            .await?;
        Ok(())
    }
}

impl From<municipality::Model> for Municipality {
    fn from(m: municipality::Model) -> Self {
        Self {
            kommunenummer: m.kommunenummer,
            name: m.name,
            valid_from: m.valid_from,
            valid_to: m.valid_to,
            synthetic: m.synthetic,
        }
    }
}

impl From<plan::Model> for Plan {
    fn from(m: plan::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            name_en: m.name_en,
            period_start: m.period_start,
            period_end: m.period_end,
            draft: m.draft,
        }
    }
}

impl From<focus_area::Model> for FocusArea {
    fn from(m: focus_area::Model) -> Self {
        Self {
            id: m.id,
            plan_id: m.plan_id,
            position: m.position,
            name: m.name,
            name_en: m.name_en,
        }
    }
}

impl From<measure::Model> for Measure {
    fn from(m: measure::Model) -> Self {
        Self {
            id: m.id,
            focus_area_id: m.focus_area_id,
            position: m.position,
            code: m.code,
            name: m.name,
            name_en: m.name_en,
            description: m.description,
        }
    }
}

impl From<indicator::Model> for Indicator {
    fn from(m: indicator::Model) -> Self {
        Self {
            id: m.id,
            plan_id: m.plan_id,
            focus_area_id: m.focus_area_id,
            position: m.position,
            code: m.code,
            kind: m.kind,
            name: m.name,
            name_en: m.name_en,
            target: m.target,
            direction: m.direction,
            description: m.description,
        }
    }
}

impl From<NewIndicator> for Indicator {
    fn from(n: NewIndicator) -> Self {
        Self {
            id: n.id,
            plan_id: n.plan_id,
            focus_area_id: n.focus_area_id,
            position: n.position,
            code: n.code,
            kind: n.kind,
            name: n.name,
            name_en: n.name_en,
            target: n.target,
            direction: n.direction,
            description: n.description,
        }
    }
}

impl From<NewFocusArea> for FocusArea {
    fn from(n: NewFocusArea) -> Self {
        Self {
            id: n.id,
            plan_id: n.plan_id,
            position: n.position,
            name: n.name,
            name_en: n.name_en,
        }
    }
}

impl From<FocusArea> for NewFocusArea {
    fn from(f: FocusArea) -> Self {
        Self {
            id: f.id,
            plan_id: f.plan_id,
            position: f.position,
            name: f.name,
            name_en: f.name_en,
        }
    }
}

impl From<NewMeasure> for Measure {
    fn from(n: NewMeasure) -> Self {
        Self {
            id: n.id,
            focus_area_id: n.focus_area_id,
            position: n.position,
            code: n.code,
            name: n.name,
            name_en: n.name_en,
            description: n.description,
        }
    }
}

impl NewMeasure {
    pub(crate) fn from_row(m: Measure, responsible: Vec<Kommunenummer>) -> Self {
        Self {
            id: m.id,
            focus_area_id: m.focus_area_id,
            position: m.position,
            code: m.code,
            name: m.name,
            name_en: m.name_en,
            description: m.description,
            responsible,
        }
    }
}
