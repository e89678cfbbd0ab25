//! The access log: every read that returns a municipality's detail rows leaves one entry per
//! municipality, with the row count, before the rows are handed out ([`TenantDb::read_logged`]).
//! Aggregates are not logged row by row.

use std::collections::BTreeMap;

use chrono::{SubsecRound, Utc};
use sea_orm::{DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

use super::paging::{
    self, Cursor, ListParts, Listed, Ordering, Page, PageRequest, SortKind, SortValue,
};
use super::tenant::TenantDb;
use super::tenant::kommune_in;
use crate::entity::access_log;
use crate::error::Result;

/// Which access-log entries to list.
#[derive(Debug, Clone, Default)]
pub struct AccessLogFilter {
    pub municipalities: Option<Vec<String>>,
}

/// A record that belongs to one municipality.
pub(crate) trait OwnedRow {
    fn kommunenummer(&self) -> &str;
}

macro_rules! owned_rows {
    ($($module:ident),+) => {
        $(impl OwnedRow for crate::entity::$module::Model {
            fn kommunenummer(&self) -> &str {
                &self.kommunenummer
            }
        })+
    };
}

owned_rows!(action, incident, naloxone_distribution);

/// What a read hands out, as the access log counts it: the municipality of every row.
pub(crate) trait DetailRows {
    fn municipalities(&self) -> impl Iterator<Item = &str>;
}

impl<M: OwnedRow> DetailRows for Vec<M> {
    fn municipalities(&self) -> impl Iterator<Item = &str> {
        self.iter().map(OwnedRow::kommunenummer)
    }
}

impl<M: OwnedRow> DetailRows for Option<M> {
    fn municipalities(&self) -> impl Iterator<Item = &str> {
        self.iter().map(OwnedRow::kommunenummer)
    }
}

impl<M: OwnedRow> DetailRows for Page<M> {
    fn municipalities(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|(_, row)| row.kommunenummer())
    }
}

impl<M: OwnedRow, C> DetailRows for Listed<M, C> {
    fn municipalities(&self) -> impl Iterator<Item = &str> {
        self.page.municipalities()
    }
}

impl TenantDb<'_> {
    /// Reads detail rows in one scoped transaction and logs them before they are handed out:
    /// one entry per municipality with the row count. If the entry cannot be written, nothing
    /// is returned.
    ///
    /// On PostgreSQL the entry is written in the read's own transaction, so a list costs one
    /// commit. SQLite gets a write transaction of its own for it: a read transaction that
    /// turned into a write would fail there when another connection wrote in between, where a
    /// transaction that starts with its write waits its turn.
    pub(crate) async fn read_logged<T: DetailRows>(
        &self,
        access: &'static str,
        record_type: &'static str,
        reads: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T>,
    ) -> Result<T> {
        let txn = self.begin().await?;
        let found = reads(&txn).await?;
        let entries = self.log_entries(access, record_type, found.municipalities());
        if self.backend() == DbBackend::Postgres {
            write_entries(&txn, entries).await?;
            txn.commit().await?;
        } else {
            txn.commit().await?;
            let log = self.begin().await?;
            write_entries(&log, entries).await?;
            log.commit().await?;
        }
        Ok(found)
    }

    /// A page of detail rows and the parts of its list that `parts` asks for, read and
    /// logged in one transaction (see [`ListParts`]).
    pub(crate) async fn list<M: OwnedRow, C>(
        &self,
        record_type: &'static str,
        parts: ListParts,
        page: impl AsyncFnOnce(&DatabaseTransaction) -> Result<Page<M>>,
        children: impl AsyncFnOnce(&DatabaseTransaction, &Page<M>) -> Result<Vec<C>>,
        total: impl AsyncFnOnce(&DatabaseTransaction) -> Result<u64>,
    ) -> Result<Listed<M, C>> {
        self.read_logged("list", record_type, async |txn| {
            let page = page(txn).await?;
            let children = if parts.children {
                Some(children(txn, &page).await?)
            } else {
                None
            };
            let total = if parts.total {
                Some(total(txn).await?)
            } else {
                None
            };
            Ok(Listed {
                page,
                children,
                total,
            })
        })
        .await
    }

    fn log_entries<'k>(
        &self,
        access: &'static str,
        record_type: &'static str,
        rows: impl Iterator<Item = &'k str>,
    ) -> Vec<access_log::ActiveModel> {
        let mut counts: BTreeMap<&str, i32> = BTreeMap::new();
        for kommunenummer in rows {
            *counts.entry(kommunenummer).or_default() += 1;
        }
        let actor = self.actor();
        let now = Utc::now().trunc_subsecs(6);
        counts
            .into_iter()
            .map(|(kommunenummer, row_count)| {
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
            })
            .collect()
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

async fn write_entries(
    txn: &DatabaseTransaction,
    entries: Vec<access_log::ActiveModel>,
) -> Result<()> {
    if !entries.is_empty() {
        access_log::Entity::insert_many(entries)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
