//! The request context: who is calling, in which roles, and for which municipalities.
//!
//! Every data access takes it, so a query cannot be built without the caller's scope. How a
//! caller is established (tokens, sessions, the development issuer) is the service's business;
//! this crate only reads the result.

use std::collections::BTreeSet;

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
}

/// Everything a request carries into the schema.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id, also returned in the `x-request-id` response header.
    pub request_id: String,
    /// `None` for an anonymous request, which sees reference data only.
    pub caller: Option<Caller>,
}
