//! The access log: every read that returns a municipality's detail rows leaves one entry per
//! municipality, with the row count, in the same transaction as the read. Aggregates are not
//! logged row by row.

use std::collections::BTreeMap;

use chrono::{SubsecRound, Utc};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

use super::paging::{self, Cursor, Ordering, Page, PageRequest, SortKind, SortValue};
use super::tenant::TenantDb;
use super::tenant::kommune_in;
use crate::entity::access_log;
use crate::error::Result;

/// Which access-log entries to list.
#[derive(Debug, Clone, Default)]
pub struct AccessLogFilter {
    pub municipalities: Option<Vec<String>>,
}

impl TenantDb<'_> {
    /// Logs that `rows` (their kommunenummer) of `record_type` were returned by `access`,
    /// before they are handed out. The entries get a write transaction of their own: a read
    /// transaction that turned into a write would fail on SQLite when another connection
    /// wrote in between, where a transaction that starts with its write waits its turn.
    pub(crate) async fn log_access<'k>(
        &self,
        access: &'static str,
        record_type: &'static str,
        rows: impl IntoIterator<Item = &'k str>,
    ) -> Result<()> {
        let mut counts: BTreeMap<&str, i32> = BTreeMap::new();
        for kommunenummer in rows {
            *counts.entry(kommunenummer).or_default() += 1;
        }
        if counts.is_empty() {
            return Ok(());
        }
        let actor = self.actor();
        let now = Utc::now().trunc_subsecs(6);
        let entries = counts.into_iter().map(|(kommunenummer, row_count)| {
            sea_orm::IntoActiveModel::into_active_model(access_log::Model {
                kommunenummer: kommunenummer.to_owned(),
                id: Uuid::now_v7(),
                occurred_at: now,
                actor: actor.subject.clone(),
                role: actor.role.clone(),
                request_id: actor.request_id.clone(),
                operation: actor.operation.clone(),
                access: access.to_owned(),
                record_type: record_type.to_owned(),
                row_count,
            })
        });
        let txn = self.begin().await?;
        access_log::Entity::insert_many(entries)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    fn access_log_select(&self, filter: &AccessLogFilter) -> Result<Select<access_log::Entity>> {
        let municipalities = self.narrow(filter.municipalities.as_deref(), "municipalities")?;
        Ok(self.select::<access_log::Entity>().filter(kommune_in(
            access_log::Column::Kommunenummer,
            municipalities,
        )))
    }

    /// The access log, newest first.
    pub async fn access_log(
        &self,
        filter: &AccessLogFilter,
        page: &PageRequest,
    ) -> Result<Page<access_log::Model>> {
        let select = self.access_log_select(filter)?;
        let ordering = Ordering {
            key: access_log::Column::OccurredAt,
            kind: SortKind::Time,
            id: access_log::Column::Id,
            descending: true,
            cursor_of: |m: &access_log::Model| Cursor {
                key: SortValue::Time(m.occurred_at),
                id: m.id,
            },
        };
        self.read(async |txn| paging::fetch(txn, select, &ordering, page).await)
            .await
    }

    pub async fn count_access_log(&self, filter: &AccessLogFilter) -> Result<u64> {
        let select = self.access_log_select(filter)?;
        self.read(async |txn| Ok(select.count(txn).await?)).await
    }
}
