//! Bulk inserts of many records at once (seeding, import). Each call runs in one transaction
//! and skips rows whose id already exists, so a repeated load changes nothing.

use sea_orm::ActiveValue::Set;
use sea_orm::{EntityTrait, Iterable, TransactionTrait};

use super::TenantDb;
use super::records::{NewAction, NewIncident, NewNaloxoneDistribution, NewSite, RecordMeta};
use crate::entity::{
    action, action_note, distribution_site, incident, incident_substance, naloxone_distribution,
};
use crate::error::{Error, Result};

/// SQLite accepts at most 32,766 bound values in one statement, PostgreSQL 65,535.
const MAX_BOUND_VALUES: usize = 30_000;

fn rows_per_statement(columns: usize) -> usize {
    MAX_BOUND_VALUES / columns
}

impl TenantDb<'_> {
    fn check_scope<'m>(&self, metas: impl IntoIterator<Item = &'m str>) -> Result<()> {
        for kommunenummer in metas {
            if !self.scope().contains(kommunenummer) {
                return Err(Error::Forbidden(format!(
                    "municipality {kommunenummer} is outside this handle's scope"
                )));
            }
        }
        Ok(())
    }

    pub async fn insert_sites(&self, sites: &[NewSite]) -> Result<()> {
        self.check_scope(sites.iter().map(|s| s.kommunenummer.as_str()))?;
        let txn = self.db.begin().await?;
        for chunk in sites.chunks(rows_per_statement(5)) {
            let rows = chunk.iter().map(|s| distribution_site::ActiveModel {
                kommunenummer: Set(s.kommunenummer.to_string()),
                id: Set(s.id),
                name: Set(s.name.clone()),
                kind: Set(s.kind),
                active: Set(true),
            });
            distribution_site::Entity::insert_many(rows)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn insert_actions(&self, actions: &[NewAction]) -> Result<()> {
        self.check_scope(actions.iter().map(|a| a.meta.kommunenummer.as_str()))?;
        let txn = self.db.begin().await?;
        for chunk in actions.chunks(rows_per_statement(action::Column::iter().count())) {
            let rows = chunk.iter().map(|a| {
                let mut row = action::ActiveModel {
                    measure_id: Set(a.measure_id),
                    title: Set(a.title.clone()),
                    description: Set(a.description.clone()),
                    responsible_unit: Set(a.responsible_unit.clone()),
                    status: Set(a.status),
                    planned_start: Set(a.planned_start),
                    planned_end: Set(a.planned_end),
                    actual_start: Set(a.actual_start),
                    actual_end: Set(a.actual_end),
                    progress_percent: Set(a.progress_percent),
                    output_label: Set(a.output_label.clone()),
                    output_value: Set(a.output_value),
                    ..Default::default()
                };
                set_meta_action(&mut row, &a.meta);
                row
            });
            action::Entity::insert_many(rows)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        let notes: Vec<action_note::ActiveModel> = actions
            .iter()
            .flat_map(|a| {
                a.notes.iter().enumerate().map(|(i, (noted_on, text))| {
                    action_note::ActiveModel {
                        kommunenummer: Set(a.meta.kommunenummer.to_string()),
                        // Derived from the action's id, so a repeated load finds the same note.
                        id: Set(uuid::Uuid::new_v5(&a.meta.id, &i.to_le_bytes())),
                        action_id: Set(a.meta.id),
                        noted_on: Set(*noted_on),
                        text: Set(text.clone()),
                        created_at: Set(a.meta.created_at),
                    }
                })
            })
            .collect();
        for chunk in notes.chunks(rows_per_statement(6)) {
            action_note::Entity::insert_many(chunk.iter().cloned())
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn insert_incidents(&self, incidents: &[NewIncident]) -> Result<()> {
        self.check_scope(incidents.iter().map(|i| i.meta.kommunenummer.as_str()))?;
        let txn = self.db.begin().await?;
        for chunk in incidents.chunks(rows_per_statement(incident::Column::iter().count())) {
            let rows = chunk.iter().map(|i| {
                let mut row = incident::ActiveModel {
                    occurred_on: Set(i.occurred_on),
                    occurred_hour: Set(i.occurred_hour),
                    place_type: Set(i.place_type),
                    outcome: Set(i.outcome),
                    substance_certainty: Set(i.substance_certainty),
                    naloxone_given: Set(i.naloxone_given),
                    naloxone_doses: Set(i.naloxone_doses),
                    naloxone_given_by: Set(i.naloxone_given_by),
                    disposition: Set(i.disposition),
                    age_band: Set(i.age_band),
                    sex: Set(i.sex),
                    intent: Set(i.intent),
                    follow_up_offered: Set(i.follow_up_offered),
                    follow_up_within_hours: Set(i.follow_up_within_hours),
                    follow_up_accepted: Set(i.follow_up_accepted),
                    follow_up_kind: Set(i.follow_up_kind),
                    source: Set(i.source),
                    notes: Set(i.notes.clone()),
                    ..Default::default()
                };
                set_meta_incident(&mut row, &i.meta);
                row
            });
            incident::Entity::insert_many(rows)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        let substances: Vec<incident_substance::ActiveModel> = incidents
            .iter()
            .flat_map(|i| {
                i.substances
                    .iter()
                    .map(|s| incident_substance::ActiveModel {
                        kommunenummer: Set(i.meta.kommunenummer.to_string()),
                        incident_id: Set(i.meta.id),
                        substance: Set(*s),
                    })
            })
            .collect();
        for chunk in substances.chunks(rows_per_statement(3)) {
            incident_substance::Entity::insert_many(chunk.iter().cloned())
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn insert_naloxone_distributions(
        &self,
        distributions: &[NewNaloxoneDistribution],
    ) -> Result<()> {
        self.check_scope(distributions.iter().map(|d| d.meta.kommunenummer.as_str()))?;
        let txn = self.db.begin().await?;
        let per_statement = rows_per_statement(naloxone_distribution::Column::iter().count());
        for chunk in distributions.chunks(per_statement) {
            let rows = chunk.iter().map(|d| {
                let mut row = naloxone_distribution::ActiveModel {
                    distributed_on: Set(d.distributed_on),
                    site_id: Set(d.site_id),
                    kits: Set(d.kits),
                    product: Set(d.product),
                    recipient_category: Set(d.recipient_category),
                    first_time: Set(d.first_time),
                    refill_reason: Set(d.refill_reason),
                    training_given: Set(d.training_given),
                    training_minutes: Set(d.training_minutes),
                    sex: Set(d.sex),
                    age_band: Set(d.age_band),
                    notes: Set(d.notes.clone()),
                    ..Default::default()
                };
                set_meta_naloxone(&mut row, &d.meta);
                row
            });
            naloxone_distribution::Entity::insert_many(rows)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

/// The lifecycle columns are the same on every record table; one macro fills them.
macro_rules! set_meta {
    ($name:ident, $module:ident) => {
        fn $name(row: &mut $module::ActiveModel, meta: &RecordMeta) {
            row.kommunenummer = Set(meta.kommunenummer.to_string());
            row.id = Set(meta.id);
            row.synthetic = Set(meta.synthetic);
            row.version = Set(1);
            row.idempotency_key = Set(meta.idempotency_key.clone());
            row.created_at = Set(meta.created_at);
            row.updated_at = Set(meta.created_at);
            row.retracted_at = Set(None);
            row.retraction_reason = Set(None);
        }
    };
}
set_meta!(set_meta_action, action);
set_meta!(set_meta_incident, incident);
set_meta!(set_meta_naloxone, naloxone_distribution);
