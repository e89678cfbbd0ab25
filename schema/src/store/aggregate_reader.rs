//! Reads for dashboards across municipalities: counts only, never a detail row. What a caller
//! may see of them is decided by disclosure control, with the caller as the viewer.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use futures::TryStreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::audit::AuditOperation;
use super::tenant::begin_in_scope;
use super::tenant::kommune_in;
use crate::disclosure::Viewer;
use crate::domain::ActionStatus;
use crate::entity::{action, audit_event, count_version, count_year_version, monthly_count};
use crate::error::Result;

/// One month's count of one category of a metric in one municipality.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct MonthlyCount {
    pub metric: String,
    pub kommunenummer: String,
    pub month: NaiveDate,
    pub category: String,
    pub value: i64,
}

/// How many actions in force a municipality has on a measure in one status.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ActionCount {
    pub kommunenummer: String,
    pub measure_id: Uuid,
    pub status: ActionStatus,
    pub count: i64,
}

/// How many changes of one kind a municipality's audit trail holds in a period.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ChangeCount {
    pub kommunenummer: String,
    /// `CREATE`, `UPDATE`, `ADD_NOTE`, `CORRECT` or `RETRACT`.
    pub operation: String,
    pub count: i64,
}

/// Counts across municipalities, for one viewer.
pub struct AggregateReader<'a> {
    db: &'a DatabaseConnection,
    viewer: Viewer,
}

impl<'a> AggregateReader<'a> {
    pub(crate) fn new(db: &'a DatabaseConnection, viewer: Viewer) -> Self {
        Self { db, viewer }
    }

    /// Who reads: exact figures for its own municipalities, suppression for the rest.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// Hands each monthly count of some metrics from `from` to `to`, of every municipality,
    /// to `add` as it is read: one statement, so panels that share figures are summed from
    /// one snapshot, and a stream, so the rows are never held at once (every municipality's
    /// counts of a whole dashboard over ten years are millions of them).
    pub async fn fold_monthly_counts(
        &self,
        metrics: &[&str],
        from: NaiveDate,
        to: NaiveDate,
        mut add: impl FnMut(&MonthlyCount),
    ) -> Result<()> {
        let mut counts = monthly_count::Entity::find()
            .select_only()
            .columns([
                monthly_count::Column::Metric,
                monthly_count::Column::Kommunenummer,
                monthly_count::Column::Month,
                monthly_count::Column::Category,
                monthly_count::Column::Value,
            ])
            .filter(monthly_count::Column::Metric.is_in(metrics.iter().copied()))
            .filter(monthly_count::Column::Month.between(from, to))
            .into_model::<MonthlyCount>()
            .stream(self.db)
            .await?;
        while let Some(count) = counts.try_next().await? {
            add(&count);
        }
        Ok(())
    }

    /// The sum of every municipality's version of each calendar year (and of
    /// [`EVERY_YEAR`](super::aggregates::EVERY_YEAR)), and of the writes no year's version
    /// was raised for: what panels published a year at a time are checked against.
    pub async fn count_year_versions(&self) -> Result<YearVersions> {
        let sums: Vec<(i32, Option<i64>)> = count_year_version::Entity::find()
            .select_only()
            .column(count_year_version::Column::Year)
            .column_as(
                Expr::cust("CAST(SUM(count_year_versions.version) AS BIGINT)"),
                "sum",
            )
            .group_by(count_year_version::Column::Year)
            .into_tuple()
            .all(self.db)
            .await?;
        let unattributed: Option<Option<i64>> = count_version::Entity::find()
            .select_only()
            .column_as(
                Expr::cust(
                    "CAST(SUM(count_versions.version - count_versions.attributed) AS BIGINT)",
                ),
                "sum",
            )
            .into_tuple()
            .one(self.db)
            .await?;
        Ok(YearVersions {
            years: sums
                .into_iter()
                .map(|(year, sum)| (year, sum.unwrap_or(0)))
                .collect(),
            unattributed: unattributed.flatten().unwrap_or(0),
        })
    }

    /// Changes per municipality and operation recorded from `from` up to (not including)
    /// `until`, counted from the audit trails in a scope of exactly the municipalities asked
    /// for; only the counts are handed out.
    pub async fn change_counts(
        &self,
        municipalities: &[String],
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ChangeCount>> {
        let scope = sorted(municipalities);
        let txn = begin_in_scope(self.db, &scope).await?;
        let counts = audit_event::Entity::find()
            .select_only()
            .columns([
                audit_event::Column::Kommunenummer,
                audit_event::Column::Operation,
            ])
            .column_as(audit_event::Column::Seq.count(), "count")
            .filter(kommune_in(
                audit_event::Column::Kommunenummer,
                scope.iter().cloned(),
            ))
            .filter(audit_event::Column::OccurredAt.gte(from))
            .filter(audit_event::Column::OccurredAt.lt(until))
            .group_by(audit_event::Column::Kommunenummer)
            .group_by(audit_event::Column::Operation)
            .into_model::<ChangeCount>()
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(counts)
    }

    /// Actions in force per municipality, measure and status as they stood at `until`, from
    /// the actions and their audit trails, in a scope of exactly the municipalities asked
    /// for; only the counts are handed out.
    pub async fn action_counts_at(
        &self,
        municipalities: &[String],
        until: DateTime<Utc>,
    ) -> Result<Vec<ActionCount>> {
        let scope = sorted(municipalities);
        let txn = begin_in_scope(self.db, &scope).await?;
        let actions = action::Entity::find()
            .filter(kommune_in(
                action::Column::Kommunenummer,
                scope.iter().cloned(),
            ))
            .all(&txn)
            .await?;
        let events = audit_event::Entity::find()
            .filter(kommune_in(
                audit_event::Column::Kommunenummer,
                scope.iter().cloned(),
            ))
            .filter(audit_event::Column::RecordType.eq("Action"))
            .order_by_asc(audit_event::Column::Seq)
            .all(&txn)
            .await?;
        txn.commit().await?;
        let mut by_action: HashMap<Uuid, Vec<&audit_event::Model>> = HashMap::new();
        for event in &events {
            by_action.entry(event.record_id).or_default().push(event);
        }
        let mut counts: BTreeMap<(String, Uuid, ActionStatus), i64> = BTreeMap::new();
        for row in &actions {
            let events = by_action.get(&row.id).map_or(&[][..], Vec::as_slice);
            if let Some((status, false)) = state_at(row, events, until) {
                *counts
                    .entry((row.kommunenummer.clone(), row.measure_id, status))
                    .or_default() += 1;
            }
        }
        Ok(counts
            .into_iter()
            .map(|((kommunenummer, measure_id, status), count)| ActionCount {
                kommunenummer,
                measure_id,
                status,
                count,
            })
            .collect())
    }

    /// Actions in force per municipality, measure and status. Actions are rows of their
    /// municipality, so this reads them in a scope of exactly the municipalities asked for and
    /// hands out only the counts.
    pub async fn action_counts(&self, municipalities: &[String]) -> Result<Vec<ActionCount>> {
        let scope = sorted(municipalities);
        let txn = begin_in_scope(self.db, &scope).await?;
        let counts = action::Entity::find()
            .select_only()
            .columns([
                action::Column::Kommunenummer,
                action::Column::MeasureId,
                action::Column::Status,
            ])
            .column_as(action::Column::Id.count(), "count")
            .filter(kommune_in(
                action::Column::Kommunenummer,
                scope.iter().cloned(),
            ))
            .filter(action::Column::RetractedAt.is_null())
            .group_by(action::Column::Kommunenummer)
            .group_by(action::Column::MeasureId)
            .group_by(action::Column::Status)
            .into_model::<ActionCount>()
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(counts)
    }
}

/// An action's state at a moment, from its audit trail: the state the last change before it
/// left, or the state the first change after it started from (none when that change created
/// the action); without any change, the row as it is. A note leaves the state as it was and
/// carries none; a creation carries the row under `action`, beside its notes.
fn state_at(
    row: &action::Model,
    events: &[&audit_event::Model],
    until: DateTime<Utc>,
) -> Option<(ActionStatus, bool)> {
    let from_json = |state: &serde_json::Value| -> Option<(ActionStatus, bool)> {
        let state = state.get("action").unwrap_or(state);
        let status = serde_json::from_value(state.get("status")?.clone()).ok()?;
        let retracted = !state
            .get("retracted_at")
            .is_none_or(serde_json::Value::is_null);
        Some((status, retracted))
    };
    let (earlier, later): (Vec<&audit_event::Model>, Vec<_>) = events
        .iter()
        .copied()
        .filter(|e| e.operation != AuditOperation::AddNote.code())
        .partition(|e| e.occurred_at < until);
    if let Some(last) = earlier.last() {
        return last.after.as_ref().and_then(from_json);
    }
    match later.first() {
        Some(first) if first.operation == AuditOperation::Create.code() => None,
        Some(first) => first.before.as_ref().and_then(from_json),
        None => (row.created_at < until)
            .then_some((row.status, row.retracted_at.is_some_and(|t| t < until))),
    }
}

/// The municipalities once each, in order: a transaction's scope.
fn sorted(municipalities: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = municipalities.iter().cloned().collect();
    set.into_iter().collect()
}

/// The sums of every municipality's versions per calendar year, as read once.
#[derive(Debug, Clone, Default)]
pub struct YearVersions {
    years: HashMap<i32, i64>,
    /// Writes that raised a count version but no year's (a service from before the years'
    /// versions, during a rolling upgrade): each may have changed any year.
    unattributed: i64,
}

impl YearVersions {
    /// What a change to `year`'s counts anywhere raises: its own versions, those that stand
    /// for every year, or the writes no year was raised for. Each only grows, so the sum does.
    pub fn of(&self, year: i32) -> i64 {
        let sum = |y| self.years.get(&y).copied().unwrap_or(0);
        sum(year) + sum(super::aggregates::EVERY_YEAR) + self.unattributed
    }
}
