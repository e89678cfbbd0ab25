//! Overdose incidents and their suspected substances.

use chrono::{NaiveDate, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{InsertStatement, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QueryTrait, Select,
};
use serde_json::json;
use uuid::Uuid;

use super::aggregates::{incident_deltas, metric, negated};
use super::audit::{AuditOperation, Change};
use super::lifecycle::{RecordEntity, Retraction, with_state};
use super::paging::{self, Cursor, ListParts, Listed, Ordering, PageRequest, SortKind, SortValue};
use super::records::{NewIncident, RecordState, fingerprint};
use super::tenant::TenantDb;
use super::tenant::{kommune_eq, kommune_in, select_by_keys};
use crate::domain::{Outcome, PlaceType, Substance};
use crate::entity::{incident, incident_substance};
use crate::error::Result;
use crate::validate::{self, Validator};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub municipalities: Option<Vec<String>>,
    /// First day included.
    pub from: Option<NaiveDate>,
    /// Last day included.
    pub to: Option<NaiveDate>,
    pub outcomes: Option<Vec<Outcome>>,
    pub place_types: Option<Vec<PlaceType>>,
    /// Incidents where any of these substances was suspected.
    pub substances: Option<Vec<Substance>>,
    pub state: RecordState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, async_graphql::Enum)]
pub enum IncidentOrder {
    /// Latest first (the default).
    #[default]
    OccurredOnDesc,
    OccurredOnAsc,
    UpdatedAtDesc,
    UpdatedAtAsc,
}

impl IncidentOrder {
    fn ordering(self) -> Ordering<incident::Entity> {
        match self {
            IncidentOrder::OccurredOnDesc | IncidentOrder::OccurredOnAsc => Ordering {
                key: incident::Column::OccurredOn,
                kind: SortKind::Date,
                id: incident::Column::Id,
                descending: self == IncidentOrder::OccurredOnDesc,
                cursor_of: |m| Cursor {
                    key: SortValue::Date(m.occurred_on),
                    id: m.id,
                },
            },
            IncidentOrder::UpdatedAtDesc | IncidentOrder::UpdatedAtAsc => Ordering {
                key: incident::Column::UpdatedAt,
                kind: SortKind::Time,
                id: incident::Column::Id,
                descending: self == IncidentOrder::UpdatedAtDesc,
                cursor_of: |m| Cursor {
                    key: SortValue::Time(m.updated_at),
                    id: m.id,
                },
            },
        }
    }
}

impl TenantDb<'_> {
    fn incident_select(&self, filter: &IncidentFilter) -> Result<Select<incident::Entity>> {
        let municipalities = self.narrow(filter.municipalities.as_deref(), "municipalities")?;
        let mut select = with_state(self.select::<incident::Entity>(), filter.state).filter(
            kommune_in(incident::Column::Kommunenummer, municipalities.clone()),
        );
        if let Some(from) = filter.from {
            select = select.filter(incident::Column::OccurredOn.gte(from));
        }
        if let Some(to) = filter.to {
            select = select.filter(incident::Column::OccurredOn.lte(to));
        }
        if let Some(outcomes) = &filter.outcomes {
            select = select.filter(incident::Column::Outcome.is_in(outcomes.iter().copied()));
        }
        if let Some(places) = &filter.place_types {
            select = select.filter(incident::Column::PlaceType.is_in(places.iter().copied()));
        }
        if let Some(substances) = &filter.substances {
            select = select.filter(
                incident::Column::Id.in_subquery(
                    Query::select()
                        .column(incident_substance::Column::IncidentId)
                        .from(incident_substance::Entity)
                        .and_where(kommune_in(
                            incident_substance::Column::Kommunenummer,
                            municipalities,
                        ))
                        .and_where(
                            incident_substance::Column::Substance.is_in(substances.iter().copied()),
                        )
                        .to_owned(),
                ),
            );
        }
        Ok(select)
    }

    /// A page of incidents, with their substances and the total when `parts` asks for them.
    pub async fn incidents(
        &self,
        filter: &IncidentFilter,
        order: IncidentOrder,
        page: &PageRequest,
        parts: ListParts,
    ) -> Result<Listed<incident::Model, (Uuid, Substance)>> {
        let select = self.incident_select(filter)?;
        self.list(
            incident::Entity::TYPE_NAME,
            parts,
            async |txn| paging::fetch(txn, select, &order.ordering(), page).await,
            async |txn, page| {
                let ids: Vec<Uuid> = page.rows.iter().map(|(_, i)| i.id).collect();
                self.substances_in(txn, &ids).await
            },
            async |txn| self.count_incidents_in(txn, filter).await,
        )
        .await
    }

    pub async fn count_incidents(&self, filter: &IncidentFilter) -> Result<u64> {
        self.read(async |txn| self.count_incidents_in(txn, filter).await)
            .await
    }

    async fn count_incidents_in(
        &self,
        txn: &DatabaseTransaction,
        filter: &IncidentFilter,
    ) -> Result<u64> {
        let whole = IncidentFilter {
            municipalities: filter.municipalities.clone(),
            ..IncidentFilter::default()
        };
        let kept = (*filter == whole).then_some(metric::INCIDENTS);
        let select = self.incident_select(filter)?;
        self.count_records(txn, select, kept, filter.municipalities.as_deref())
            .await
    }

    pub async fn incident(&self, id: Uuid) -> Result<Option<incident::Model>> {
        self.read_logged("read", incident::Entity::TYPE_NAME, async |txn| {
            self.find_record::<incident::Entity, _>(txn, id).await
        })
        .await
    }

    /// The suspected substances of the given incidents, as (incident, substance) pairs.
    pub async fn substances_of_incidents(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, Substance)>> {
        self.read(async |txn| self.substances_in(txn, ids).await)
            .await
    }

    async fn substances_in(
        &self,
        txn: &DatabaseTransaction,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Substance)>> {
        let rows = select_by_keys(
            txn,
            self.select::<incident_substance::Entity>(),
            incident_substance::Column::IncidentId,
            ids,
            &[incident_substance::Column::Substance],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.incident_id, r.substance))
            .collect())
    }

    pub async fn create_incident(&self, mut new: NewIncident) -> Result<incident::Model> {
        let kommunenummer = new.meta.kommunenummer.to_string();
        self.target_municipality(Some(&kommunenummer), "municipality")?;
        let mut w = self.write(&kommunenummer).await?;
        let rules = w.rules().await?;
        let mut v = Validator::new();
        v.idempotency_key(new.meta.idempotency_key.as_deref());
        validate::incident(&mut v, &new, &rules);
        v.finish()?;
        // The same substances in another order are the same content.
        new.substances.sort();
        let print = fingerprint(&new);
        if let Some(existing) = w
            .replay::<incident::Entity>(&kommunenummer, new.meta.idempotency_key.as_deref(), &print)
            .await?
        {
            return Ok(existing);
        }
        new.meta.created_at = Utc::now().trunc_subsecs(6);
        let mut row = new.row();
        row.idempotency_fingerprint = Set(new.meta.idempotency_key.as_ref().map(|_| print));
        let created = w.insert_new::<incident::Entity>(row)?;
        if let Some(substances) = substance_rows(&kommunenummer, created.id, &new.substances) {
            w.insert_at_commit(substances);
        }
        w.count(incident_deltas(&created, &new.substances));
        w.audit(Change {
            record_type: incident::Entity::TYPE_NAME,
            record_id: created.id,
            operation: AuditOperation::Create,
            before: None,
            after: Some(snapshot(&created, &new.substances)),
        });
        w.commit().await?;
        Ok(created)
    }

    /// Corrects an incident from the version the client saw; `change` edits its content.
    pub async fn correct_incident(
        &self,
        id: Uuid,
        seen_version: i64,
        change: impl FnOnce(&mut NewIncident),
    ) -> Result<incident::Model> {
        let mut w = self.write_for::<incident::Entity>(id).await?;
        let rules = w.rules().await?;
        let before = w.current::<incident::Entity>(id, seen_version).await?;
        let mut old_substances: Vec<Substance> = incident_substance::Entity::find()
            .filter(kommune_eq(
                incident_substance::Column::Kommunenummer,
                &before.kommunenummer,
            ))
            .filter(incident_substance::Column::IncidentId.eq(id))
            .order_by_asc(incident_substance::Column::Substance)
            .all(&w.txn)
            .await?
            .into_iter()
            .map(|r| r.substance)
            .collect();
        old_substances.sort();
        let mut content = NewIncident::from_row(&before, old_substances.clone());
        change(&mut content);
        let mut v = Validator::new();
        validate::incident(&mut v, &content, &rules);
        v.finish()?;
        let after = w
            .save::<incident::Entity>(&before, content.content())
            .await?;
        content.substances.sort();
        if content.substances != old_substances {
            replace_substances(&w.txn, &before.kommunenummer, id, &content.substances).await?;
        }
        let changed = negated(incident_deltas(&before, &old_substances))
            .into_iter()
            .chain(incident_deltas(&after, &content.substances));
        w.count(changed);
        w.audit(Change {
            record_type: incident::Entity::TYPE_NAME,
            record_id: id,
            operation: AuditOperation::Correct,
            before: Some(snapshot(&before, &old_substances)),
            after: Some(snapshot(&after, &content.substances)),
        });
        w.commit().await?;
        Ok(after)
    }

    pub async fn retract_incident(&self, retraction: Retraction) -> Result<incident::Model> {
        self.retract_record::<incident::Entity>(retraction).await
    }
}

fn snapshot(row: &incident::Model, substances: &[Substance]) -> serde_json::Value {
    json!({ "incident": row, "suspected_substances": substances })
}

async fn replace_substances(
    txn: &DatabaseTransaction,
    kommunenummer: &str,
    incident_id: Uuid,
    substances: &[Substance],
) -> Result<()> {
    incident_substance::Entity::delete_many()
        .filter(kommune_eq(
            incident_substance::Column::Kommunenummer,
            kommunenummer,
        ))
        .filter(incident_substance::Column::IncidentId.eq(incident_id))
        .exec(txn)
        .await?;
    if let Some(insert) = substance_rows(kommunenummer, incident_id, substances) {
        txn.execute(&insert).await?;
    }
    Ok(())
}

/// The insert of an incident's substances; `None` when there are none.
fn substance_rows(
    kommunenummer: &str,
    incident_id: Uuid,
    substances: &[Substance],
) -> Option<InsertStatement> {
    (!substances.is_empty()).then(|| {
        incident_substance::Entity::insert_many(substances.iter().map(|s| {
            incident_substance::ActiveModel {
                kommunenummer: Set(kommunenummer.to_owned()),
                incident_id: Set(incident_id),
                substance: Set(*s),
            }
        }))
        .into_query()
    })
}
