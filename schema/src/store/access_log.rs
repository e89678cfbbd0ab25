//! The access log: every read that returns a municipality's detail rows leaves one entry per
//! municipality, with the row count, before the rows are handed out ([`TenantDb::read_logged`]),
//! and so does every kept answer that stands for such a read when it is sent again.
//! Aggregates are not logged row by row.

use std::collections::BTreeMap;

use chrono::{SubsecRound, Utc};
use sea_orm::{DatabaseTransaction, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

use super::paging::{
    self, Cursor, ListParts, Listed, Ordering, Page, PageRequest, SortKind, SortValue,
};
use super::tenant::TenantDb;
use super::tenant::kommune_in;
use crate::ctx::LoggedRead;
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

owned_rows!(action, incident, naloxone_distribution, audit_event);

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
    /// one entry per municipality with the row count, written through the ledger (which
    /// shares one commit between concurrent requests). If the entry cannot be written,
    /// nothing is returned.
    pub(crate) async fn read_logged<T: DetailRows>(
        &self,
        access: &'static str,
        record_type: &'static str,
        reads: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T>,
    ) -> Result<T> {
        let found = self.read(reads).await?;
        let actor = self.actor();
        let reads = logged_reads(&actor.role, access, record_type, found.municipalities());
        let entries = log_entries(
            &actor.subject,
            &actor.request_id,
            actor.operation.as_deref(),
            &reads,
        );
        self.shared.ledger.log(entries).await?;
        self.reads.logged(reads);
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

/// The characters of an operation name the access log keeps (its column's width).
const MAX_OPERATION: usize = 100;

/// The access-log entries of `reads` by one caller in one request, as of now.
pub(crate) fn log_entries(
    subject: &str,
    request_id: &str,
    operation: Option<&str>,
    reads: &[LoggedRead],
) -> Vec<access_log::Model> {
    let now = Utc::now().trunc_subsecs(6);
    // A client may name its operation at any length; the log keeps the start of it.
    let operation = operation.map(|name| name.chars().take(MAX_OPERATION).collect::<String>());
    reads
        .iter()
        .map(|read| access_log::Model {
            kommunenummer: read.kommunenummer.clone(),
            id: Uuid::now_v7(),
            occurred_at: now,
            actor: subject.to_owned(),
            role: read.role.clone(),
            request_id: request_id.to_owned(),
            operation: operation.clone(),
            access: read.access.to_owned(),
            record_type: read.record_type.to_owned(),
            row_count: read.row_count,
        })
        .collect()
}

/// One logged read per municipality of the rows handed out, with their count.
fn logged_reads<'k>(
    role: &str,
    access: &'static str,
    record_type: &'static str,
    rows: impl Iterator<Item = &'k str>,
) -> Vec<LoggedRead> {
    let mut counts: BTreeMap<&str, i32> = BTreeMap::new();
    for kommunenummer in rows {
        *counts.entry(kommunenummer).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(kommunenummer, row_count)| LoggedRead {
            kommunenummer: kommunenummer.to_owned(),
            role: role.to_owned(),
            access,
            record_type,
            row_count,
        })
        .collect()
}
