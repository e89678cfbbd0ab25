//! The Relay `Node` interface: any object with a global id can be fetched by `node(id:)`.

use async_graphql::{Context, ErrorExtensions, ID, Interface, ResultExt};

use crate::ctx::{Access, RequestContext};
use crate::error::Error;
use crate::graphql::global_id::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::types::*;
use crate::store::Store;

/// An object with a globally unique, opaque id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id."))]
pub enum Node {
    Plan(PlanNode),
    FocusArea(FocusAreaNode),
    Measure(MeasureNode),
    Indicator(IndicatorNode),
    Action(ActionNode),
    OverdoseIncident(IncidentNode),
    NaloxoneDistribution(NaloxoneNode),
    DistributionSite(SiteNode),
    AuditEvent(AuditEventNode),
}

/// Fetches the object behind a global id. Records outside the caller's scope are
/// `NOT_FOUND`, exactly like records that do not exist.
pub async fn fetch(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Node> {
    let global = GlobalId::decode(id, "id").extend()?;
    let store = ctx.data_unchecked::<Store>();
    let request = ctx.data_unchecked::<RequestContext>();
    let loaders = ctx.data_unchecked::<Loaders>();
    let not_found = |what| Error::NotFound { what }.extend();
    let node = match global.type_name {
        "Plan" => loaders
            .reference
            .data()
            .await
            .extend()?
            .plans()
            .iter()
            .find(|p| p.id == global.id)
            .map(|p| Node::Plan(PlanNode(p.clone())))
            .ok_or_else(|| not_found("plan"))?,
        "FocusArea" => loaders
            .reference
            .focus_area(global.id)
            .await
            .extend()?
            .map(|f| Node::FocusArea(FocusAreaNode(f)))
            .ok_or_else(|| not_found("focus area"))?,
        "Measure" => loaders
            .reference
            .measure(global.id)
            .await
            .extend()?
            .map(|m| Node::Measure(MeasureNode(m)))
            .ok_or_else(|| not_found("measure"))?,
        "Indicator" => loaders
            .reference
            .indicator(global.id)
            .await
            .extend()?
            .map(|i| Node::Indicator(IndicatorNode(i)))
            .ok_or_else(|| not_found("indicator"))?,
        "Action" => store
            .tenant(request, Access::ReadActions)
            .extend()?
            .action(global.id)
            .await
            .extend()?
            .map(|a| Node::Action(ActionNode(a)))
            .ok_or_else(|| not_found("action"))?,
        "OverdoseIncident" => store
            .tenant(request, Access::ReadCases)
            .extend()?
            .incident(global.id)
            .await
            .extend()?
            .map(|i| Node::OverdoseIncident(IncidentNode(i)))
            .ok_or_else(|| not_found("incident"))?,
        "NaloxoneDistribution" => store
            .tenant(request, Access::ReadCases)
            .extend()?
            .naloxone_distribution(global.id)
            .await
            .extend()?
            .map(|d| Node::NaloxoneDistribution(NaloxoneNode(d)))
            .ok_or_else(|| not_found("naloxone distribution"))?,
        "DistributionSite" => loaders
            .sites
            .load_one(global.id)
            .await
            .extend()?
            .map(|s| Node::DistributionSite(SiteNode(s)))
            .ok_or_else(|| not_found("distribution site"))?,
        "AuditEvent" => store
            .tenant(request, Access::ReadAudit)
            .extend()?
            .audit_event(global.id)
            .await
            .extend()?
            .map(|e| Node::AuditEvent(AuditEventNode(e)))
            .ok_or_else(|| not_found("audit event"))?,
        _ => return Err(not_found("object")),
    };
    Ok(node)
}
