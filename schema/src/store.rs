//! Data access: the only place queries are built.
//!
//! Reference data (municipalities, the plan) is public and read through [`Reference`].
//! A municipality's records are reached only through a [`TenantDb`], which is built from the
//! request context and adds the municipality condition to every query it builds.

mod bulk;
mod connect;
mod records;
mod reference;
mod tenant;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

pub use connect::{DbConfig, connect};
pub use records::{NewAction, NewIncident, NewNaloxoneDistribution, NewSite, RecordMeta};
pub use reference::{
    FocusArea, Measure, Municipality, NewFocusArea, NewMeasure, NewMunicipality, Plan, Population,
    Reference,
};
pub use tenant::{TenantDb, TenantScope};

use crate::ctx::RequestContext;
use crate::error::{Error, Result};

/// The database behind the schema. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
}

impl Store {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
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

    /// Public reference data: municipalities, populations and the shared plan.
    pub fn reference(&self) -> Reference<'_> {
        Reference::new(&self.db)
    }

    /// The caller's municipality data. Fails with `UNAUTHENTICATED` for an anonymous request.
    pub fn tenant(&self, ctx: &RequestContext) -> Result<TenantDb<'_>> {
        let caller = ctx.caller.as_ref().ok_or(Error::Unauthenticated)?;
        Ok(TenantDb::new(
            &self.db,
            TenantScope::new(caller.municipalities.iter().cloned()),
        ))
    }

    /// Writes on behalf of the system (seeding, import), scoped to the given municipalities.
    /// Never reachable from a request.
    pub fn system_tenant(&self, scope: TenantScope) -> TenantDb<'_> {
        TenantDb::new(&self.db, scope)
    }
}
