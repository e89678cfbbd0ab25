//! Data access: the only place queries are built.
//!
//! Reference data (municipalities, the plan) is public and read through [`Reference`].
//! A municipality's records are reached only through a [`TenantDb`], which is built from the
//! request context and adds the municipality condition to every query it builds.

mod access_log;
mod actions;
mod aggregate_reader;
mod aggregates;
mod audit;
mod bulk;
mod connect;
mod incidents;
mod ledger;
mod lifecycle;
mod naloxone;
mod paging;
mod plan_editor;
mod records;
mod reference;
mod reference_data;
mod submissions;
mod tenant;
mod together;

use std::collections::BTreeSet;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

pub use access_log::AccessLogFilter;
pub(crate) use access_log::log_entries;
pub use actions::{ActionFilter, ActionOrder};
pub use aggregate_reader::{ActionCount, AggregateReader, ChangeCount, MonthlyCount, YearVersions};
pub use aggregates::{ALL as ALL_CATEGORIES, metric};
pub use audit::{AuditFilter, AuditOperation, AuditVerification, ChainStatus};
pub use connect::{DbConfig, connect};
pub use incidents::{IncidentFilter, IncidentOrder};
pub use ledger::{
    LISTENER_NAME as VERSION_LISTENER_NAME, LedgerStats, MAX_AGE as VERSIONS_MAX_AGE,
    VersionNotifications,
};
pub use lifecycle::Retraction;
pub use naloxone::{NaloxoneFilter, NaloxoneOrder};
pub use paging::{Cursor, DEFAULT_PAGE_SIZE, ListParts, Listed, MAX_PAGE_SIZE, Page, PageRequest};
pub use plan_editor::{PLAN_CHAIN, PlanEditor};
pub use records::{
    NewAction, NewIncident, NewNaloxoneDistribution, NewSite, RecordMeta, RecordState,
};
pub use reference::{
    FocusArea, Indicator, Measure, Municipality, NewFocusArea, NewIndicator, NewMeasure,
    NewMunicipality, Plan, Population, Reference,
};
pub use reference_data::ReferenceData;
pub use submissions::Submission;
pub use tenant::{Actor, TenantDb, TenantScope};

use crate::ctx::{Access, Caller, RequestContext};
use crate::dashboard::{PANEL_BUDGET, PanelCache};
use crate::disclosure::{AUDIT_LIMIT, DEFAULT_THRESHOLD, Viewer};
use crate::error::{Error, Result};
use crate::graphql::kept_answers::{ANSWER_BUDGET, AnswerCache};
use crate::kept::KeptStats;
use ledger::Ledger;
use reference_data::ReferenceCell;

/// The request's caller, and the actor it is for the audit, if one of its roles grants
/// `access`: `UNAUTHENTICATED` for an anonymous request, `FORBIDDEN` without such a role.
/// An access to anything the data versions do not cover marks the request, so its answer is
/// not kept.
fn authorise(ctx: &RequestContext, access: Access) -> Result<(&Caller, Actor)> {
    let caller = ctx.caller.as_ref().ok_or(Error::Unauthenticated)?;
    let role = caller.acting_role(access).ok_or_else(|| {
        let roles: Vec<&str> = access.roles().iter().map(|r| r.code()).collect();
        Error::Forbidden(format!(
            "{} needs the role {}",
            access.describe(),
            roles.join(" or ")
        ))
    })?;
    if !access.reads_versioned_data() {
        ctx.reads.uncovered();
    }
    let actor = Actor {
        subject: caller.subject.clone(),
        role: role.code().to_owned(),
        request_id: ctx.request_id.clone(),
        operation: ctx.operation.clone(),
    };
    Ok((caller, actor))
}

/// The database behind the schema. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    disclosure_threshold: u64,
    audit_limit: usize,
    shared: Arc<Shared>,
    panels: Arc<PanelCache>,
    answers: Arc<AnswerCache>,
}

/// What the process keeps beside the pool, shared by every clone of the store and reached
/// by every handle: the copy of the reference data and the ledger.
#[derive(Debug)]
pub(crate) struct Shared {
    pub reference: ReferenceCell,
    pub ledger: Ledger,
}

/// How the process's caches are used, for the service's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub panels: KeptStats,
    pub answers: KeptStats,
    /// Times the reference data was read: at start and after each change to it.
    pub reference_loads: u64,
    pub ledger: LedgerStats,
}

impl Store {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            disclosure_threshold: DEFAULT_THRESHOLD,
            audit_limit: AUDIT_LIMIT,
            shared: Arc::new(Shared {
                reference: ReferenceCell::default(),
                ledger: Ledger::new(db.clone()),
            }),
            panels: Arc::new(PanelCache::new(PANEL_BUDGET)),
            answers: Arc::new(AnswerCache::new(ANSWER_BUDGET)),
            db,
        }
    }

    /// Where the versions' notifications are listened for (PostgreSQL), instead of the
    /// database's own server, or that they are neither sent nor listened for. Set on a new
    /// store, before it is cloned or used.
    pub fn with_version_notifications(mut self, notifications: VersionNotifications) -> Self {
        Arc::get_mut(&mut self.shared)
            .expect("notifications are set on a new store, before it is cloned")
            .ledger
            .listen(notifications);
        self
    }

    /// Suppresses others' counts from 1 up to `threshold` instead of the default.
    pub fn with_disclosure_threshold(self, threshold: u64) -> Self {
        Self {
            disclosure_threshold: threshold,
            ..self
        }
    }

    /// Audits a year of more hidden monthly counts than `limit` municipality by municipality
    /// rather than as one system, instead of the default ([`AUDIT_LIMIT`]). Every instance on
    /// one database must use the same, or they would publish different figures.
    pub fn with_audit_limit(self, limit: usize) -> Self {
        Self {
            audit_limit: limit,
            ..self
        }
    }

    /// Others' counts from 1 up to this are suppressed.
    pub(crate) fn disclosure_threshold(&self) -> u64 {
        self.disclosure_threshold
    }

    /// Years of more hidden monthly counts than this are audited municipality by
    /// municipality.
    pub(crate) fn audit_limit(&self) -> usize {
        self.audit_limit
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Answers when the database does; used by the readiness probe.
    pub async fn ping(&self) -> Result<()> {
        self.db
            .execute_raw(Statement::from_string(self.backend(), "SELECT 1"))
            .await
            .map(|_| ())
            .map_err(Error::from)
    }

    /// Writes of public reference data: municipalities, populations and the shared plan.
    pub fn reference(&self) -> Reference<'_> {
        Reference::new(&self.db)
    }

    /// Public reference data as it is now, from the process's copy while the database's
    /// reference version is unchanged (one small read, shared with concurrent requests).
    pub async fn reference_data(&self) -> Result<Arc<ReferenceData>> {
        let version = self.shared.ledger.stamp().await?.reference;
        self.reference_data_at(version).await
    }

    /// Public reference data at a version read earlier in the request, or later.
    pub(crate) async fn reference_data_at(&self, version: i64) -> Result<Arc<ReferenceData>> {
        self.shared.reference.at(&self.db, version).await
    }

    /// Published dashboard panels, kept while their counts are unchanged.
    pub(crate) fn panel_cache(&self) -> &PanelCache {
        &self.panels
    }

    /// Whole answers of requests for figures, kept while the data behind them is unchanged.
    pub(crate) fn answer_cache(&self) -> &AnswerCache {
        &self.answers
    }

    /// Where reads log their detail rows and kept answers confirm their versions.
    pub(crate) fn ledger(&self) -> &Ledger {
        &self.shared.ledger
    }

    /// Forgets the data versions this instance knows from notifications, so its next request
    /// reads them: for whoever wrote beside it without notifying it (a statement by hand,
    /// another process) and must see the write there at once. Otherwise it sees such a write
    /// within a second.
    pub fn forget_known_versions(&self) {
        self.shared.ledger.forget_known_versions();
    }

    pub fn cache_stats(&self) -> CacheStats {
        CacheStats {
            panels: self.panels.stats(),
            answers: self.answers.stats(),
            reference_loads: self.shared.reference.loads(),
            ledger: self.shared.ledger.stats(),
        }
    }

    /// The caller's municipality data, for what `access` needs. Anonymous requests get
    /// `UNAUTHENTICATED`; a caller without a role that grants `access` gets `FORBIDDEN`.
    pub fn tenant(&self, ctx: &RequestContext, access: Access) -> Result<TenantDb<'_>> {
        let (caller, actor) = authorise(ctx, access)?;
        Ok(TenantDb::new(
            &self.db,
            &self.shared,
            TenantScope::new(caller.municipalities.iter().cloned()),
            actor,
        )
        .recording(ctx.reads.clone()))
    }

    /// Counts across municipalities for any signed-in caller, who sees exact figures only for
    /// the municipalities whose detail rows it may read.
    pub fn aggregates(&self, ctx: &RequestContext) -> Result<AggregateReader<'_>> {
        let (caller, _) = authorise(ctx, Access::ReadAggregates)?;
        let own = if caller.acting_role(Access::ReadCases).is_some() {
            caller
                .municipalities
                .iter()
                .cloned()
                .map(String::from)
                .collect()
        } else {
            BTreeSet::new()
        };
        Ok(self.aggregate_reader(Viewer {
            own,
            threshold: self.disclosure_threshold,
            audit_limit: self.audit_limit,
        }))
    }

    /// Counts across municipalities for a viewer already authorised.
    pub(crate) fn aggregate_reader(&self, viewer: Viewer) -> AggregateReader<'_> {
        AggregateReader::new(&self.db, viewer)
    }

    /// The viewer for figures read on behalf of the system (the `motgift` command line): exact
    /// for `own`, suppressed like any other caller's for the rest. Never reachable from a
    /// request.
    pub fn system_viewer(&self, own: impl IntoIterator<Item = String>) -> Viewer {
        Viewer {
            own: own.into_iter().collect(),
            threshold: self.disclosure_threshold,
            audit_limit: self.audit_limit,
        }
    }

    /// Changes to the shared plan, for a caller with the plan administrator role.
    pub fn plan_editor(&self, ctx: &RequestContext) -> Result<PlanEditor<'_>> {
        let (_, actor) = authorise(ctx, Access::EditPlan)?;
        Ok(PlanEditor::new(&self.db, &self.shared, actor))
    }

    /// Checks every municipality's audit chain from its first event to its head.
    pub async fn verify_audit(&self) -> Result<AuditVerification> {
        audit::verify(&self.db, &self.shared).await
    }

    /// Writes on behalf of the system (seeding, import), scoped to the given municipalities.
    /// Never reachable from a request.
    pub fn system_tenant(&self, scope: TenantScope) -> TenantDb<'_> {
        TenantDb::new(&self.db, &self.shared, scope, Actor::system("system"))
    }
}
