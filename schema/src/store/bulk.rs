//! Bulk inserts of many records at once (seeding, import). Each call runs in one transaction,
//! skips rows whose id already exists, so a repeated load changes no row, and raises the
//! count versions of the municipalities it loaded for.

use sea_orm::ActiveValue::Set;
use sea_orm::{EntityTrait, Iterable};

use super::TenantDb;
use super::aggregates;
use super::records::{NewAction, NewIncident, NewNaloxoneDistribution, NewSite};
use super::together::rows_per_statement;
use crate::entity::{
    action, action_note, distribution_site, incident, incident_substance, naloxone_distribution,
};
use crate::error::{Error, Result};

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
        let txn = self.begin().await?;
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
        aggregates::data_changed(&txn, sites.iter().map(|s| s.kommunenummer.as_str())).await?;
        self.commit_write(txn).await
    }

    pub async fn insert_actions(&self, actions: &[NewAction]) -> Result<()> {
        self.check_scope(actions.iter().map(|a| a.meta.kommunenummer.as_str()))?;
        let txn = self.begin().await?;
        for chunk in actions.chunks(rows_per_statement(action::Column::iter().count())) {
            let rows = chunk.iter().map(NewAction::row);
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
        aggregates::data_changed(&txn, actions.iter().map(|a| a.meta.kommunenummer.as_str()))
            .await?;
        self.commit_write(txn).await
    }

    pub async fn insert_incidents(&self, incidents: &[NewIncident]) -> Result<()> {
        self.check_scope(incidents.iter().map(|i| i.meta.kommunenummer.as_str()))?;
        let txn = self.begin().await?;
        for chunk in incidents.chunks(rows_per_statement(incident::Column::iter().count())) {
            let rows = chunk.iter().map(NewIncident::row);
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
        aggregates::data_changed(
            &txn,
            incidents.iter().map(|i| i.meta.kommunenummer.as_str()),
        )
        .await?;
        self.commit_write(txn).await
    }

    pub async fn insert_naloxone_distributions(
        &self,
        distributions: &[NewNaloxoneDistribution],
    ) -> Result<()> {
        self.check_scope(distributions.iter().map(|d| d.meta.kommunenummer.as_str()))?;
        let txn = self.begin().await?;
        let per_statement = rows_per_statement(naloxone_distribution::Column::iter().count());
        for chunk in distributions.chunks(per_statement) {
            let rows = chunk.iter().map(NewNaloxoneDistribution::row);
            naloxone_distribution::Entity::insert_many(rows)
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
        }
        let municipalities = distributions.iter().map(|d| d.meta.kommunenummer.as_str());
        aggregates::data_changed(&txn, municipalities).await?;
        self.commit_write(txn).await
    }
}
