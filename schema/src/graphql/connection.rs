//! Relay cursor connections over store pages, with a `totalCount` that is only counted when
//! a client asks for it.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, OutputType, ResultExt};

use crate::ctx::{Access, RequestContext};
use crate::error::Error;
use crate::store::{
    AccessLogFilter, ActionFilter, AuditFilter, IncidentFilter, ListParts, Listed, NaloxoneFilter,
    Page, PageRequest, Store,
};

/// A connection of `N` with opaque cursors and `totalCount`.
pub type RecordConnection<N> = Connection<String, N, TotalCount, EmptyFields>;

/// Builds a connection from a page; `total` answers `totalCount` if it is selected.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    node: impl Fn(T) -> N,
    total: CountQuery,
) -> RecordConnection<N> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        TotalCount(total),
    );
    connection.edges.extend(
        page.rows
            .into_iter()
            .map(|(cursor, row)| Edge::new(cursor.encode(), node(row))),
    );
    connection
}

/// Builds a connection from a page read with its parts; the total, if it was read, answers
/// `totalCount`, otherwise `total` does.
pub fn listed<T, C, N: OutputType>(
    listed: Listed<T, C>,
    node: impl Fn(T) -> N,
    total: CountQuery,
) -> RecordConnection<N> {
    let total = listed.total.map_or(total, CountQuery::Counted);
    connection(listed.page, node, total)
}

/// What a list resolver reads with its page: the children if `child` (a field of its nodes)
/// is selected, the total if `totalCount` is.
pub fn parts(ctx: &Context<'_>, child: &str) -> ListParts {
    let look = ctx.look_ahead();
    ListParts {
        children: look.field("edges").field("node").field(child).exists()
            || look.field("nodes").field(child).exists(),
        total: look.field("totalCount").exists(),
    }
}

/// Reads Relay's paging arguments, refusing pages larger than the maximum.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest, Error> {
    PageRequest::new(first, after.as_deref(), last, before.as_deref())
}

/// The complexity of a connection field: the page size times what each node costs.
pub fn complexity(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first
        .or(last)
        .unwrap_or(crate::store::DEFAULT_PAGE_SIZE as i32)
        .clamp(0, crate::store::MAX_PAGE_SIZE as i32) as usize;
    size.max(1) * child + 1
}

/// The filter a `totalCount` counts with, or the count read with the page.
pub enum CountQuery {
    Counted(u64),
    Actions(ActionFilter),
    Incidents(IncidentFilter),
    Naloxone(NaloxoneFilter),
    Audit(AuditFilter),
    AccessLog(AccessLogFilter),
}

pub struct TotalCount(CountQuery);

#[Object]
impl TotalCount {
    /// How many match the filter, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let store = ctx.data_unchecked::<Store>();
        let request = ctx.data_unchecked::<RequestContext>();
        let count = match &self.0 {
            CountQuery::Counted(n) => Ok(*n),
            CountQuery::Actions(f) => {
                store
                    .tenant(request, Access::ReadActions)
                    .extend()?
                    .count_actions(f)
                    .await
            }
            CountQuery::Incidents(f) => {
                store
                    .tenant(request, Access::ReadCases)
                    .extend()?
                    .count_incidents(f)
                    .await
            }
            CountQuery::Naloxone(f) => {
                store
                    .tenant(request, Access::ReadCases)
                    .extend()?
                    .count_naloxone_distributions(f)
                    .await
            }
            CountQuery::Audit(f) => {
                store
                    .tenant(request, Access::ReadAudit)
                    .extend()?
                    .count_audit_events(f)
                    .await
            }
            CountQuery::AccessLog(f) => {
                store
                    .tenant(request, Access::ReadAudit)
                    .extend()?
                    .count_access_log(f)
                    .await
            }
        };
        Ok(count.extend()? as i64)
    }
}
