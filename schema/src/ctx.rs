//! The request context: who is calling, in which roles, and for which municipalities.
//!
//! Every data access takes it, so a query cannot be built without the caller's scope. How a
//! caller is established (tokens, sessions, the development issuer) is the service's business;
//! this crate only reads the result.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

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

/// The longest subject a caller may have: the audit trail and the access log keep it whole.
pub const MAX_SUBJECT: usize = 200;

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

    /// Whether this access only reads data that the versions of [`crate::kept`] cover: the
    /// counts, the records and their parts, and reference data. The access log and the audit
    /// trail change with every read or write, and writes change data.
    pub fn reads_versioned_data(self) -> bool {
        matches!(
            self,
            Access::ReadAggregates | Access::ReadActions | Access::ReadCases
        )
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
    /// What the request has read so far, for keeping its answer.
    pub reads: Reads,
}

impl RequestContext {
    pub fn new(request_id: String, caller: Option<Caller>, operation: Option<String>) -> Self {
        Self {
            request_id,
            caller,
            operation,
            reads: Reads::default(),
        }
    }
}

/// A read of detail rows as the access log records it, without who read them: what a kept
/// answer logs again for every caller it is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRead {
    pub kommunenummer: String,
    /// The role the rows were read in.
    pub role: String,
    /// How the rows were read (`list`, `read`, ...).
    pub access: &'static str,
    pub record_type: &'static str,
    pub row_count: i32,
}

/// What a request read, as far as keeping its answer is concerned: whether everything it
/// read is data the versions cover (see [`crate::kept`]), and the access-log entries its
/// reads wrote. Shared by the clones of one request's context.
#[derive(Debug, Clone, Default)]
pub struct Reads(Arc<Mutex<ReadsSoFar>>);

#[derive(Debug, Default)]
struct ReadsSoFar {
    uncovered: bool,
    logged: Vec<LoggedRead>,
}

impl Reads {
    /// Marks the request as having reached data that no version covers (the access log, the
    /// audit trail) or having changed data: its answer is never kept.
    pub(crate) fn uncovered(&self) {
        self.lock().uncovered = true;
    }

    pub(crate) fn logged(&self, reads: impl IntoIterator<Item = LoggedRead>) {
        self.lock().logged.extend(reads);
    }

    /// The access-log entries written so far, or `None` if the request reached anything a
    /// kept answer could not stand for.
    pub fn covered(&self) -> Option<Vec<LoggedRead>> {
        let reads = self.lock();
        (!reads.uncovered).then(|| reads.logged.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReadsSoFar> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
