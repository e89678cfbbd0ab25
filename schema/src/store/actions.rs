//! A municipality's actions on the plan's measures, and their progress notes.

use chrono::{NaiveDate, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, Select};
use serde_json::json;
use uuid::Uuid;

use super::audit::{AuditOperation, Change};
use super::lifecycle::{RecordEntity, Retraction, with_state};
use super::paging::{self, Cursor, ListParts, Listed, Ordering, PageRequest, SortKind, SortValue};
use super::records::{NewAction, RecordState, fingerprint};
use super::tenant::TenantDb;
use super::tenant::{kommune_in, select_by_keys};
use crate::domain::ActionStatus;
use crate::entity::{action, action_note, measure};
use crate::error::{Error, Result};
use crate::validate::{self, Validator};

#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub municipalities: Option<Vec<String>>,
    pub measure_ids: Option<Vec<Uuid>>,
    pub statuses: Option<Vec<ActionStatus>>,
    pub state: RecordState,
}

/// The orders an action list can have; the id breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, async_graphql::Enum)]
pub enum ActionOrder {
    /// Most recently changed first (the default).
    #[default]
    UpdatedAtDesc,
    UpdatedAtAsc,
    CreatedAtDesc,
    CreatedAtAsc,
}

impl ActionOrder {
    fn ordering(self) -> Ordering<action::Entity> {
        let (key, descending, cursor_of): (_, _, fn(&action::Model) -> Cursor) = match self {
            ActionOrder::UpdatedAtDesc | ActionOrder::UpdatedAtAsc => (
                action::Column::UpdatedAt,
                self == ActionOrder::UpdatedAtDesc,
                |m| Cursor {
                    key: SortValue::Time(m.updated_at),
                    id: m.id,
                },
            ),
            ActionOrder::CreatedAtDesc | ActionOrder::CreatedAtAsc => (
                action::Column::CreatedAt,
                self == ActionOrder::CreatedAtDesc,
                |m| Cursor {
                    key: SortValue::Time(m.created_at),
                    id: m.id,
                },
            ),
        };
        Ordering {
            key,
            kind: SortKind::Time,
            id: action::Column::Id,
            descending,
            cursor_of,
        }
    }
}

impl TenantDb<'_> {
    fn action_select(&self, filter: &ActionFilter) -> Result<Select<action::Entity>> {
        let municipalities = self.narrow(filter.municipalities.as_deref(), "municipalities")?;
        let mut select = with_state(self.select::<action::Entity>(), filter.state)
            .filter(kommune_in(action::Column::Kommunenummer, municipalities));
        if let Some(ids) = &filter.measure_ids {
            select = select.filter(action::Column::MeasureId.is_in(ids.iter().copied()));
        }
        if let Some(statuses) = &filter.statuses {
            select = select.filter(action::Column::Status.is_in(statuses.iter().copied()));
        }
        Ok(select)
    }

    /// A page of actions, with their notes and the total when `parts` asks for them.
    pub async fn actions(
        &self,
        filter: &ActionFilter,
        order: ActionOrder,
        page: &PageRequest,
        parts: ListParts,
    ) -> Result<Listed<action::Model, action_note::Model>> {
        let select = self.action_select(filter)?;
        self.list(
            action::Entity::TYPE_NAME,
            parts,
            async |txn| paging::fetch(txn, select, &order.ordering(), page).await,
            async |txn, page| {
                let ids: Vec<Uuid> = page.rows.iter().map(|(_, a)| a.id).collect();
                self.notes_in(txn, &ids).await
            },
            async |txn| Ok(self.action_select(filter)?.count(txn).await?),
        )
        .await
    }

    pub async fn count_actions(&self, filter: &ActionFilter) -> Result<u64> {
        let select = self.action_select(filter)?;
        self.read(async |txn| Ok(select.count(txn).await?)).await
    }

    pub async fn action(&self, id: Uuid) -> Result<Option<action::Model>> {
        self.read_logged("read", action::Entity::TYPE_NAME, async |txn| {
            self.find_record::<action::Entity, _>(txn, id).await
        })
        .await
    }

    /// The notes of the given actions, oldest first.
    pub async fn notes_of_actions(&self, ids: &[Uuid]) -> Result<Vec<action_note::Model>> {
        self.read(async |txn| self.notes_in(txn, ids).await).await
    }

    async fn notes_in(
        &self,
        txn: &DatabaseTransaction,
        ids: &[Uuid],
    ) -> Result<Vec<action_note::Model>> {
        select_by_keys(
            txn,
            self.select::<action_note::Entity>(),
            action_note::Column::ActionId,
            ids,
            &[action_note::Column::NotedOn, action_note::Column::CreatedAt],
        )
        .await
    }

    /// The actions in force on the given measures, of `municipalities` only when given (so
    /// the access log counts only the rows handed out).
    pub async fn actions_of_measures(
        &self,
        measure_ids: &[Uuid],
        municipalities: Option<&[String]>,
    ) -> Result<Vec<action::Model>> {
        let mut select = with_state(self.select::<action::Entity>(), RecordState::Active)
            .filter(action::Column::MeasureId.is_in(measure_ids.iter().copied()));
        if let Some(municipalities) = municipalities {
            select = select.filter(kommune_in(
                action::Column::Kommunenummer,
                municipalities.iter().cloned(),
            ));
        }
        self.read_logged("by measure", action::Entity::TYPE_NAME, async |txn| {
            Ok(select.all(txn).await?)
        })
        .await
    }

    pub async fn create_action(&self, mut new: NewAction) -> Result<action::Model> {
        let kommunenummer = new.meta.kommunenummer.to_string();
        self.target_municipality(Some(&kommunenummer), "municipality")?;
        let mut w = self.write(&kommunenummer).await?;
        let rules = w.rules().await?;
        let mut v = Validator::new();
        v.idempotency_key(new.meta.idempotency_key.as_deref());
        validate::action(&mut v, &new, &rules);
        for (i, (noted_on, text)) in new.notes.iter().enumerate() {
            v.at(format!("notes[{i}]"), |v| {
                validate::action_note(v, *noted_on, text, &rules)
            });
        }
        v.finish()?;
        let print = fingerprint(&new);
        if let Some(existing) = w
            .replay::<action::Entity>(&kommunenummer, new.meta.idempotency_key.as_deref(), &print)
            .await?
        {
            return Ok(existing);
        }
        self.check_measure(&w.txn, new.measure_id).await?;
        new.meta.created_at = Utc::now().trunc_subsecs(6);
        let mut row = new.row();
        row.idempotency_fingerprint = Set(new.meta.idempotency_key.as_ref().map(|_| print));
        // The row as stored (timestamps as the database keeps them), in the same statement.
        let created = action::Entity::insert(row)
            .exec_with_returning(&w.txn)
            .await?;
        let notes = insert_notes(&w.txn, &new, &new.notes).await?;
        w.audit(Change {
            record_type: action::Entity::TYPE_NAME,
            record_id: created.id,
            operation: AuditOperation::Create,
            before: None,
            after: Some(json!({ "action": created, "notes": notes })),
        });
        w.commit().await?;
        Ok(created)
    }

    /// Changes an action from the version the client saw; `change` edits its content.
    pub async fn update_action(
        &self,
        id: Uuid,
        seen_version: i64,
        change: impl FnOnce(&mut NewAction),
    ) -> Result<action::Model> {
        let mut w = self.write_for::<action::Entity>(id).await?;
        let rules = w.rules().await?;
        let before = w.current::<action::Entity>(id, seen_version).await?;
        let mut content = NewAction::from_row(&before);
        change(&mut content);
        let mut v = Validator::new();
        validate::action(&mut v, &content, &rules);
        v.finish()?;
        if content.measure_id != before.measure_id {
            self.check_measure(&w.txn, content.measure_id).await?;
        }
        let after = w.save::<action::Entity>(&before, content.content()).await?;
        w.audit(Change {
            record_type: action::Entity::TYPE_NAME,
            record_id: id,
            operation: AuditOperation::Update,
            before: Some(json!(before)),
            after: Some(json!(after)),
        });
        w.commit().await?;
        Ok(after)
    }

    /// Adds a dated progress note; the action moves to its next version.
    pub async fn add_action_note(
        &self,
        id: Uuid,
        seen_version: i64,
        noted_on: NaiveDate,
        text: String,
    ) -> Result<action::Model> {
        let mut w = self.write_for::<action::Entity>(id).await?;
        let rules = w.rules().await?;
        let mut v = Validator::new();
        validate::action_note(&mut v, noted_on, &text, &rules);
        v.finish()?;
        let before = w.current::<action::Entity>(id, seen_version).await?;
        let content = NewAction::from_row(&before);
        let notes = insert_notes(&w.txn, &content, &[(noted_on, text)]).await?;
        let after = w
            .save::<action::Entity>(&before, action::ActiveModel::default())
            .await?;
        w.audit(Change {
            record_type: action::Entity::TYPE_NAME,
            record_id: id,
            operation: AuditOperation::AddNote,
            before: Some(json!({ "version": before.version })),
            after: Some(json!({ "version": after.version, "note": notes.first() })),
        });
        w.commit().await?;
        Ok(after)
    }

    pub async fn retract_action(&self, retraction: Retraction) -> Result<action::Model> {
        self.retract_record::<action::Entity>(retraction).await
    }

    async fn check_measure(&self, txn: &DatabaseTransaction, measure_id: Uuid) -> Result<()> {
        measure::Entity::find_by_id(measure_id)
            .one(txn)
            .await?
            .map(|_| ())
            .ok_or_else(|| Error::validation("measureId", "there is no such measure in the plan"))
    }
}

async fn insert_notes(
    txn: &DatabaseTransaction,
    action: &NewAction,
    notes: &[(NaiveDate, String)],
) -> Result<Vec<action_note::Model>> {
    let now = Utc::now().trunc_subsecs(6);
    let rows: Vec<action_note::Model> = notes
        .iter()
        .map(|(noted_on, text)| action_note::Model {
            kommunenummer: action.meta.kommunenummer.to_string(),
            id: Uuid::now_v7(),
            action_id: action.meta.id,
            noted_on: *noted_on,
            text: text.clone(),
            created_at: now,
        })
        .collect();
    if !rows.is_empty() {
        action_note::Entity::insert_many(
            rows.iter()
                .cloned()
                .map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(rows)
}
