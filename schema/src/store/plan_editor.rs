//! Changes to the shared plan by a plan administrator: focus areas and measures. The plan is
//! everyone's, so its changes are audited in a chain of their own, under the number
//! [`PLAN_CHAIN`], which no municipality has.

use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::Shared;
use super::audit::{AuditOperation, Change};
use super::reference::{FocusArea, Measure, NewFocusArea, NewMeasure, Reference};
use super::tenant::{Actor, TenantDb, TenantScope};
use crate::domain::Kommunenummer;
use crate::entity::{focus_area, measure, measure_responsibility};
use crate::error::{Error, Result};
use crate::validate::{MAX_DESCRIPTION, MAX_TITLE, Validator};

/// The audit chain of the joint plan.
pub const PLAN_CHAIN: &str = "0000";

pub struct PlanEditor<'a> {
    db: &'a DatabaseConnection,
    shared: &'a Shared,
    actor: Actor,
}

fn check_focus_area(v: &mut Validator, area: &NewFocusArea) {
    v.text("name", "The name", &area.name, MAX_TITLE);
    v.text("nameEn", "The English name", &area.name_en, MAX_TITLE);
    v.range("position", "The position", area.position.into(), 1, 100);
}

impl<'a> PlanEditor<'a> {
    pub(crate) fn new(db: &'a DatabaseConnection, shared: &'a Shared, actor: Actor) -> Self {
        Self { db, shared, actor }
    }

    fn chain(&self) -> TenantDb<'a> {
        TenantDb::new(
            self.db,
            self.shared,
            TenantScope::new([Kommunenummer::from_trusted(PLAN_CHAIN)]),
            self.actor.clone(),
        )
    }

    async fn check_measure(&self, v: &mut Validator, m: &NewMeasure) -> Result<()> {
        v.text("code", "The code", &m.code, 16);
        v.text("name", "The name", &m.name, MAX_TITLE);
        v.text("nameEn", "The English name", &m.name_en, MAX_TITLE);
        v.optional_text(
            "description",
            "The description",
            m.description.as_deref(),
            MAX_DESCRIPTION,
        );
        v.range("position", "The position", m.position.into(), 1, 100);
        let known = Reference::new(self.db).municipalities().await?;
        if let Some(unknown) = m
            .responsible
            .iter()
            .find(|k| !known.iter().any(|m| m.kommunenummer == k.as_str()))
        {
            v.fail(
                "responsibleMunicipalities",
                format!("there is no municipality {unknown}"),
            );
        }
        let areas = Reference::new(self.db).focus_areas().await?;
        let Some(area) = areas.iter().find(|f| f.id == m.focus_area_id) else {
            v.fail("focusAreaId", "there is no such focus area");
            return Ok(());
        };
        // A measure's code is its name in the plan's text: unique within the plan.
        let same_plan: Vec<Uuid> = areas
            .iter()
            .filter(|f| f.plan_id == area.plan_id)
            .map(|f| f.id)
            .collect();
        let taken = Reference::new(self.db)
            .measures()
            .await?
            .into_iter()
            .any(|other| {
                other.code == m.code && other.id != m.id && same_plan.contains(&other.focus_area_id)
            });
        if taken {
            return Err(Error::Conflict(format!(
                "the plan already has a measure {}",
                m.code
            )));
        }
        Ok(())
    }

    pub async fn create_focus_area(&self, new: NewFocusArea) -> Result<FocusArea> {
        let mut v = Validator::new();
        check_focus_area(&mut v, &new);
        v.finish()?;
        let tenant = self.chain();
        let mut w = tenant.write(PLAN_CHAIN).await?;
        focus_area::Entity::insert(focus_area::ActiveModel {
            id: Set(new.id),
            plan_id: Set(new.plan_id),
            position: Set(new.position),
            name: Set(new.name.clone()),
            name_en: Set(new.name_en.clone()),
        })
        .exec_without_returning(&w.txn)
        .await?;
        let created = FocusArea::from(new);
        w.audit(Change {
            record_type: "FocusArea",
            record_id: created.id,
            operation: AuditOperation::Create,
            before: None,
            after: Some(json!(created)),
        });
        w.commit().await?;
        Ok(created)
    }

    pub async fn update_focus_area(
        &self,
        id: Uuid,
        change: impl FnOnce(&mut NewFocusArea),
    ) -> Result<FocusArea> {
        let tenant = self.chain();
        let mut w = tenant.write(PLAN_CHAIN).await?;
        let before: FocusArea = focus_area::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(Error::NotFound { what: "focus area" })?
            .into();
        let mut content = NewFocusArea::from(before.clone());
        change(&mut content);
        let mut v = Validator::new();
        check_focus_area(&mut v, &content);
        v.finish()?;
        focus_area::Entity::update_many()
            .set(focus_area::ActiveModel {
                position: Set(content.position),
                name: Set(content.name.clone()),
                name_en: Set(content.name_en.clone()),
                ..Default::default()
            })
            .filter(focus_area::Column::Id.eq(id))
            .exec(&w.txn)
            .await?;
        let after = FocusArea::from(content);
        w.audit(Change {
            record_type: "FocusArea",
            record_id: id,
            operation: AuditOperation::Update,
            before: Some(json!(before)),
            after: Some(json!(after)),
        });
        w.commit().await?;
        Ok(after)
    }

    pub async fn create_measure(&self, new: NewMeasure) -> Result<Measure> {
        let mut v = Validator::new();
        self.check_measure(&mut v, &new).await?;
        v.finish()?;
        let tenant = self.chain();
        let mut w = tenant.write(PLAN_CHAIN).await?;
        measure::Entity::insert(measure_row(&new))
            .exec_without_returning(&w.txn)
            .await?;
        replace_responsible(&w.txn, &new).await?;
        w.audit(Change {
            record_type: "Measure",
            record_id: new.id,
            operation: AuditOperation::Create,
            before: None,
            after: Some(json!(new)),
        });
        w.commit().await?;
        Ok(Measure::from(new))
    }

    pub async fn update_measure(
        &self,
        id: Uuid,
        change: impl FnOnce(&mut NewMeasure),
    ) -> Result<Measure> {
        let tenant = self.chain();
        let mut w = tenant.write(PLAN_CHAIN).await?;
        let row = measure::Entity::find_by_id(id)
            .one(&w.txn)
            .await?
            .ok_or(Error::NotFound { what: "measure" })?;
        let responsible: Vec<Kommunenummer> = measure_responsibility::Entity::find()
            .filter(measure_responsibility::Column::MeasureId.eq(id))
            .all(&w.txn)
            .await?
            .iter()
            .map(|r| Kommunenummer::from_trusted(&r.kommunenummer))
            .collect();
        let before = NewMeasure::from_row(Measure::from(row), responsible);
        let mut content = before.clone();
        change(&mut content);
        let mut v = Validator::new();
        self.check_measure(&mut v, &content).await?;
        v.finish()?;
        measure::Entity::update(measure_row(&content))
            .exec(&w.txn)
            .await?;
        replace_responsible(&w.txn, &content).await?;
        w.audit(Change {
            record_type: "Measure",
            record_id: id,
            operation: AuditOperation::Update,
            before: Some(json!(before)),
            after: Some(json!(content)),
        });
        w.commit().await?;
        Ok(Measure::from(content))
    }
}

fn measure_row(m: &NewMeasure) -> measure::ActiveModel {
    measure::ActiveModel {
        id: Set(m.id),
        focus_area_id: Set(m.focus_area_id),
        position: Set(m.position),
        code: Set(m.code.clone()),
        name: Set(m.name.clone()),
        name_en: Set(m.name_en.clone()),
        description: Set(m.description.clone()),
    }
}

async fn replace_responsible(txn: &sea_orm::DatabaseTransaction, m: &NewMeasure) -> Result<()> {
    measure_responsibility::Entity::delete_many()
        .filter(measure_responsibility::Column::MeasureId.eq(m.id))
        .exec(txn)
        .await?;
    if !m.responsible.is_empty() {
        measure_responsibility::Entity::insert_many(m.responsible.iter().map(|k| {
            measure_responsibility::ActiveModel {
                measure_id: Set(m.id),
                kommunenummer: Set(k.to_string()),
            }
        }))
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}
