//! The request context: who is calling, in which roles, and for which municipalities.
//!
//! Every data access takes it, so a query cannot be built without the caller's scope. How a
//! caller is established (tokens, sessions, the development issuer) is the service's business;
//! this crate only reads the result.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::domain::Kommunenummer;

/// What a caller may do. Roles apply to every municipality the caller acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, async_graphql::Enum)]
pub enum Role {
    /// Reads and writes all of its own municipality's records and reads its audit trail.
    Coordinator,
    /// Creates and corrects incidents and naloxone records of its own municipality.
    Registrar,
    /// Reads aggregates across municipalities; never detail rows.
    Analyst,
    /// Edits the shared plan's focus areas and measures.
    PlanAdmin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Coordinator,
        Role::Registrar,
        Role::Analyst,
        Role::PlanAdmin,
    ];

    /// The code used in tokens, configuration and logs.
    pub fn code(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Registrar => "registrar",
            Role::Analyst => "analyst",
            Role::PlanAdmin => "plan_admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Stable subject identifier from the identity provider (`sub`), never a name.
    pub subject: String,
    pub roles: BTreeSet<Role>,
    /// The municipalities the caller acts for; their detail rows are visible to it.
    pub municipalities: BTreeSet<Kommunenummer>,
}

impl Caller {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The role under which the caller may do what `access` needs, if any. Recorded in the
    /// audit trail as the role the caller acted in.
    pub fn acting_role(&self, access: Access) -> Option<Role> {
        access.roles().iter().copied().find(|r| self.has_role(*r))
    }
}

/// What a data access needs. Every access to a municipality's records names one, and a caller
/// without one of its roles is refused: the default is deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read the municipality's actions on the plan.
    ReadActions,
    /// Create, update and retract actions.
    WriteActions,
    /// Read incident and naloxone detail rows.
    ReadCases,
    /// Create, correct and retract incident and naloxone records.
    WriteCases,
    /// Read the municipality's audit trail and access log.
    ReadAudit,
    /// Change the shared plan's focus areas and measures.
    EditPlan,
    /// Read counts across municipalities, through disclosure control.
    ReadAggregates,
    /// Submit the municipality's annual report.
    SubmitReport,
}

impl Access {
    pub fn roles(self) -> &'static [Role] {
        match self {
            Access::ReadActions
            | Access::WriteActions
            | Access::ReadAudit
            | Access::SubmitReport => &[Role::Coordinator],
            Access::ReadCases | Access::WriteCases => &[Role::Coordinator, Role::Registrar],
            Access::EditPlan => &[Role::PlanAdmin],
            Access::ReadAggregates => &Role::ALL,
        }
    }

    /// What is refused, for the error message.
    pub fn describe(self) -> &'static str {
        match self {
            Access::ReadActions => "reading actions",
            Access::WriteActions => "changing actions",
            Access::ReadCases => "reading incident and naloxone records",
            Access::WriteCases => "changing incident and naloxone records",
            Access::ReadAudit => "reading the audit trail",
            Access::EditPlan => "changing the plan",
            Access::ReadAggregates => "reading dashboard figures",
            Access::SubmitReport => "submitting the annual report",
        }
    }
}

/// Everything a request carries into the schema.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id, also returned in the `x-request-id` response header.
    pub request_id: String,
    /// `None` for an anonymous request, which sees reference data only.
    pub caller: Option<Caller>,
    /// The client's name for the operation (GraphQL `operationName`), if it gave one.
    pub operation: Option<String>,
    /// Set when the request is authorised for anything beyond the published figures.
    pub beyond_figures: BeyondFigures,
}

impl RequestContext {
    pub fn new(request_id: String, caller: Option<Caller>, operation: Option<String>) -> Self {
        Self {
            request_id,
            caller,
            operation,
            beyond_figures: BeyondFigures::default(),
        }
    }
}

/// Whether a request went past the published figures and the public reference data to
/// anything else (records, audit trails, logs, plan changes). Such a request's answer depends
/// on more than the versions a kept answer is checked against, and its reads may be logged,
/// so it is never kept. Shared by the clones of one request's context.
#[derive(Debug, Clone, Default)]
pub struct BeyondFigures(Arc<AtomicBool>);

impl BeyondFigures {
    pub(crate) fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn reached(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
