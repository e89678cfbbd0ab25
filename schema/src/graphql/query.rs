//! The root query, merged from one object per area.

mod code_lists;
mod dashboard;
mod records;
mod reference;

pub(crate) use records::tenant;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct Query(
    reference::ReferenceQuery,
    code_lists::CodeListQuery,
    records::RecordQuery,
    records::AccessLogQuery,
    dashboard::DashboardQuery,
);
