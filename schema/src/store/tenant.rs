//! The tenant-scoped handle: every query it builds carries the municipality condition.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Select};

use crate::domain::Kommunenummer;
use crate::entity;

/// The municipalities whose detail rows a handle may touch. Empty means nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    municipalities: Vec<String>,
}

impl TenantScope {
    pub fn new(municipalities: impl IntoIterator<Item = Kommunenummer>) -> Self {
        let mut municipalities: Vec<String> =
            municipalities.into_iter().map(String::from).collect();
        municipalities.sort();
        municipalities.dedup();
        Self { municipalities }
    }

    pub fn contains(&self, kommunenummer: &str) -> bool {
        self.municipalities.iter().any(|m| m == kommunenummer)
    }

    pub fn municipalities(&self) -> &[String] {
        &self.municipalities
    }
}

/// An entity whose rows belong to one municipality. Only these can be selected through a
/// [`TenantDb`]; the filter is added by the handle, never by the caller.
pub(crate) trait TenantOwned: EntityTrait {
    fn tenant_column() -> Self::Column;
}

macro_rules! tenant_owned {
    ($($module:ident),+) => {
        $(impl TenantOwned for entity::$module::Entity {
            fn tenant_column() -> Self::Column {
                entity::$module::Column::Kommunenummer
            }
        })+
    };
}

tenant_owned!(
    action,
    action_note,
    audit_event,
    distribution_site,
    incident,
    incident_substance,
    naloxone_distribution
);

/// Access to the records of the municipalities in scope.
#[derive(Debug, Clone)]
pub struct TenantDb<'a> {
    pub(crate) db: &'a DatabaseConnection,
    scope: TenantScope,
}

impl<'a> TenantDb<'a> {
    pub(crate) fn new(db: &'a DatabaseConnection, scope: TenantScope) -> Self {
        Self { db, scope }
    }

    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }

    /// A select over `E` limited to the municipalities in scope.
    #[expect(dead_code, reason = "the record queries arrive with the recording API")]
    pub(crate) fn select<E: TenantOwned>(&self) -> Select<E> {
        E::find().filter(E::tenant_column().is_in(self.scope.municipalities.iter().cloned()))
    }
}
