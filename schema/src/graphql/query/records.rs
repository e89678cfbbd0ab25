//! Lists of a municipality's records, the audit trail and `node(id:)`.

use async_graphql::{Context, ID, InputObject, Object, ResultExt};

use crate::ctx::{Access, RequestContext};
use crate::domain::{ActionStatus, Outcome, PlaceType, RecipientCategory, Substance};
use crate::error::Error;
use crate::graphql::connection::{self, CountQuery, RecordConnection, page_request};
use crate::graphql::global_id::GlobalId;
use crate::graphql::loaders::{Loaders, group, substances_by_incident};
use crate::graphql::node::{self, Node};
use crate::graphql::scalars::Date;
use crate::graphql::types::*;
use crate::store::{
    AccessLogFilter, ActionFilter, ActionOrder, AuditFilter, IncidentFilter, IncidentOrder,
    NaloxoneFilter, NaloxoneOrder, RecordState, Store,
};

/// Which actions to list. Every condition given must hold.
#[derive(InputObject, Default)]
#[graphql(name = "ActionFilter")]
pub struct ActionFilterInput {
    /// Municipalities (kommunenummer) among those the caller acts for; all of them if absent.
    municipalities: Option<Vec<String>>,
    measure_ids: Option<Vec<ID>>,
    statuses: Option<Vec<ActionStatus>>,
    /// Records in force (default), retracted ones, or all.
    #[graphql(default)]
    state: RecordState,
}

/// Which incidents to list. Every condition given must hold.
#[derive(InputObject, Default)]
#[graphql(name = "OverdoseIncidentFilter")]
pub struct IncidentFilterInput {
    municipalities: Option<Vec<String>>,
    /// First day included.
    from: Option<Date>,
    /// Last day included.
    to: Option<Date>,
    outcomes: Option<Vec<Outcome>>,
    place_types: Option<Vec<PlaceType>>,
    /// Incidents where any of these substances was suspected.
    substances: Option<Vec<Substance>>,
    #[graphql(default)]
    state: RecordState,
}

/// Which naloxone distributions to list. Every condition given must hold.
#[derive(InputObject, Default)]
#[graphql(name = "NaloxoneDistributionFilter")]
pub struct NaloxoneFilterInput {
    municipalities: Option<Vec<String>>,
    from: Option<Date>,
    to: Option<Date>,
    recipient_categories: Option<Vec<RecipientCategory>>,
    first_time: Option<bool>,
    site_ids: Option<Vec<ID>>,
    #[graphql(default)]
    state: RecordState,
}

/// Which access-log entries to list.
#[derive(InputObject, Default)]
#[graphql(name = "AccessLogFilter")]
pub struct AccessLogFilterInput {
    municipalities: Option<Vec<String>>,
}

/// Which audit events to list.
#[derive(InputObject, Default)]
#[graphql(name = "AuditTrailFilter")]
pub struct AuditFilterInput {
    municipalities: Option<Vec<String>>,
    /// Only the events of this record.
    record_id: Option<ID>,
}

fn decode_ids(
    ids: Option<Vec<ID>>,
    type_name: &str,
    field: &str,
) -> Result<Option<Vec<uuid::Uuid>>, Error> {
    ids.map(|ids| {
        ids.iter()
            .map(|id| GlobalId::decode_as(id, type_name, field))
            .collect()
    })
    .transpose()
}

fn check_range(from: Option<Date>, to: Option<Date>) -> Result<(), Error> {
    match (from, to) {
        (Some(from), Some(to)) if to < from => Err(Error::validation(
            "filter.to",
            "the end of the date range is before its start",
        )),
        _ => Ok(()),
    }
}

#[derive(Default)]
pub struct RecordQuery;

#[Object]
impl RecordQuery {
    /// Fetches any object by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        node::fetch(ctx, &id).await.map(Some)
    }

    /// The actions of the municipalities the caller acts for. Needs the coordinator role.
    #[graphql(complexity = "connection::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionFilterInput>,
        #[graphql(default)] order_by: ActionOrder,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RecordConnection<ActionNode>> {
        let page = page_request(first, after, last, before).extend()?;
        let filter = filter.unwrap_or_default();
        let filter = ActionFilter {
            municipalities: filter.municipalities,
            measure_ids: decode_ids(filter.measure_ids, "Measure", "filter.measureIds").extend()?,
            statuses: filter.statuses,
            state: filter.state,
        };
        let mut listed = tenant(ctx, Access::ReadActions)?
            .actions(&filter, order_by, &page, connection::parts(ctx, "notes"))
            .await
            .extend()?;
        if let Some(notes) = listed.children.take() {
            let ids: Vec<_> = listed.page.rows.iter().map(|(_, a)| a.id).collect();
            loaders(ctx)
                .action_notes
                .feed_many(group(&ids, notes, |n| n.action_id))
                .await;
        }
        Ok(connection::listed(
            listed,
            ActionNode,
            CountQuery::Actions(filter),
        ))
    }

    /// The overdose incidents of the municipalities the caller acts for. Needs the
    /// coordinator or registrar role.
    #[graphql(complexity = "connection::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn overdose_incidents(
        &self,
        ctx: &Context<'_>,
        filter: Option<IncidentFilterInput>,
        #[graphql(default)] order_by: IncidentOrder,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RecordConnection<IncidentNode>> {
        let page = page_request(first, after, last, before).extend()?;
        let filter = filter.unwrap_or_default();
        check_range(filter.from, filter.to).extend()?;
        let filter = IncidentFilter {
            municipalities: filter.municipalities,
            from: filter.from.map(|d| d.0),
            to: filter.to.map(|d| d.0),
            outcomes: filter.outcomes,
            place_types: filter.place_types,
            substances: filter.substances,
            state: filter.state,
        };
        let mut listed = tenant(ctx, Access::ReadCases)?
            .incidents(
                &filter,
                order_by,
                &page,
                connection::parts(ctx, "suspectedSubstances"),
            )
            .await
            .extend()?;
        if let Some(pairs) = listed.children.take() {
            let ids: Vec<_> = listed.page.rows.iter().map(|(_, i)| i.id).collect();
            loaders(ctx)
                .substances
                .feed_many(substances_by_incident(&ids, pairs))
                .await;
        }
        Ok(connection::listed(
            listed,
            IncidentNode,
            CountQuery::Incidents(filter),
        ))
    }

    /// The naloxone distributions of the municipalities the caller acts for. Needs the
    /// coordinator or registrar role.
    #[graphql(complexity = "connection::complexity(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn naloxone_distributions(
        &self,
        ctx: &Context<'_>,
        filter: Option<NaloxoneFilterInput>,
        #[graphql(default)] order_by: NaloxoneOrder,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RecordConnection<NaloxoneNode>> {
        let page = page_request(first, after, last, before).extend()?;
        let filter = filter.unwrap_or_default();
        check_range(filter.from, filter.to).extend()?;
        let filter = NaloxoneFilter {
            municipalities: filter.municipalities,
            from: filter.from.map(|d| d.0),
            to: filter.to.map(|d| d.0),
            recipient_categories: filter.recipient_categories,
            first_time: filter.first_time,
            site_ids: decode_ids(filter.site_ids, "DistributionSite", "filter.siteIds").extend()?,
            state: filter.state,
        };
        let mut listed = tenant(ctx, Access::ReadCases)?
            .naloxone_distributions(&filter, order_by, &page, connection::parts(ctx, "site"))
            .await
            .extend()?;
        if let Some(sites) = listed.children.take() {
            loaders(ctx)
                .sites
                .feed_many(sites.into_iter().map(|s| (s.id, s)))
                .await;
        }
        Ok(connection::listed(
            listed,
            NaloxoneNode,
            CountQuery::Naloxone(filter),
        ))
    }

    /// The naloxone distribution sites of the municipalities the caller acts for.
    async fn distribution_sites(
        &self,
        ctx: &Context<'_>,
        municipalities: Option<Vec<String>>,
    ) -> async_graphql::Result<Vec<SiteNode>> {
        let sites = tenant(ctx, Access::ReadCases)?
            .distribution_sites(municipalities.as_deref())
            .await
            .extend()?;
        Ok(sites.into_iter().map(SiteNode).collect())
    }

    /// The change audit trail of the municipalities the caller acts for, newest first.
    /// Needs the coordinator role.
    #[graphql(complexity = "connection::complexity(first, last, child_complexity)")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RecordConnection<AuditEventNode>> {
        let page = page_request(first, after, last, before).extend()?;
        let filter = filter.unwrap_or_default();
        let record_id = filter
            .record_id
            .map(|id| GlobalId::decode(&id, "filter.recordId").map(|g| g.id))
            .transpose()
            .extend()?;
        let filter = AuditFilter {
            municipalities: filter.municipalities,
            record_id,
        };
        let rows = tenant(ctx, Access::ReadAudit)?
            .audit_events(&filter, &page)
            .await
            .extend()?;
        Ok(connection::connection(
            rows,
            AuditEventNode,
            CountQuery::Audit(filter),
        ))
    }
}

#[derive(Default)]
pub struct AccessLogQuery;

#[Object]
impl AccessLogQuery {
    /// Who read the detail rows of the municipalities the caller acts for, newest first.
    /// Needs the coordinator role.
    #[graphql(complexity = "connection::complexity(first, last, child_complexity)")]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AccessLogFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RecordConnection<AccessLogEntryNode>> {
        let page = page_request(first, after, last, before).extend()?;
        let filter = AccessLogFilter {
            municipalities: filter.unwrap_or_default().municipalities,
        };
        let rows = tenant(ctx, Access::ReadAudit)?
            .access_log(&filter, &page)
            .await
            .extend()?;
        Ok(connection::connection(
            rows,
            AccessLogEntryNode,
            CountQuery::AccessLog(filter),
        ))
    }
}

fn loaders<'c>(ctx: &Context<'c>) -> &'c Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The caller's tenant handle for `access`, as a GraphQL error if refused.
pub(crate) fn tenant<'c>(
    ctx: &Context<'c>,
    access: Access,
) -> async_graphql::Result<crate::store::TenantDb<'c>> {
    let store = ctx.data_unchecked::<Store>();
    let request = ctx.data_unchecked::<RequestContext>();
    store.tenant(request, access).extend()
}
