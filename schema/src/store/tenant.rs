//! The tenant-scoped handle: every query it builds carries the municipality condition, and
//! every transaction it opens carries the scope for PostgreSQL's row-level security.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    IdenStatic, QueryFilter, QueryOrder, QueryTrait, Select, Statement, TransactionTrait,
};
use uuid::Uuid;

use super::Shared;
use crate::ctx::Reads;
use crate::domain::Kommunenummer;
use crate::entity;
use crate::error::{Error, Result};

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

    /// Carries this scope into a transaction opened elsewhere, for the system's own
    /// transactions that need another isolation level than the store's (the backup commands).
    /// The same transaction-local setting as every scoped transaction; never reachable from a
    /// request.
    pub async fn apply_to(&self, txn: &DatabaseTransaction) -> Result<()> {
        set_scope(txn, &self.municipalities).await
    }
}

/// Who acts through a handle, as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The caller's subject, or `system` for seeding and import.
    pub subject: String,
    /// The role the caller acted in.
    pub role: String,
    pub request_id: String,
    /// The client's name for the operation (GraphQL `operationName`), for the access log.
    pub operation: Option<String>,
}

impl Actor {
    pub fn system(request_id: impl Into<String>) -> Self {
        Self {
            subject: "system".to_owned(),
            role: "system".to_owned(),
            request_id: request_id.into(),
            operation: None,
        }
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
    access_log,
    action,
    action_note,
    audit_event,
    distribution_site,
    incident,
    incident_substance,
    naloxone_distribution,
    report_submission
);

/// A kommunenummer typed as the tables store it (`char(4)`). Bound as plain text, PostgreSQL
/// would compare the column cast to text, and no index leading with `kommunenummer` (every
/// primary key) could serve the condition.
fn as_stored(kommunenummer: impl Into<String>) -> Expr {
    Func::cast_as(kommunenummer.into(), Alias::new("CHAR(4)")).into()
}

/// `column IN (…)` over municipalities, typed as stored.
pub(crate) fn kommune_in<C: ColumnTrait>(
    column: C,
    municipalities: impl IntoIterator<Item = impl Into<String>>,
) -> Expr {
    Expr::col((column.entity_name(), column)).is_in(municipalities.into_iter().map(as_stored))
}

/// `column = …` for one municipality, typed as stored.
pub(crate) fn kommune_eq<C: ColumnTrait>(column: C, kommunenummer: impl Into<String>) -> Expr {
    Expr::col((column.entity_name(), column)).eq(as_stored(kommunenummer))
}

/// Opens a transaction whose row-level security scope is `municipalities`.
pub(crate) async fn begin_in_scope(
    db: &DatabaseConnection,
    municipalities: &[String],
) -> Result<DatabaseTransaction> {
    let txn = db.begin().await?;
    set_scope(&txn, municipalities).await?;
    Ok(txn)
}

/// The value of `app.municipalities`, which the row-level security policies read: the
/// municipalities in scope, comma-separated.
pub(crate) fn scope_setting<S: AsRef<str>>(municipalities: impl IntoIterator<Item = S>) -> String {
    let mut setting = String::new();
    for kommunenummer in municipalities {
        if !setting.is_empty() {
            setting.push(',');
        }
        setting.push_str(kommunenummer.as_ref());
    }
    setting
}

/// Sets the row-level security scope of a PostgreSQL transaction (SQLite has none).
async fn set_scope(txn: &DatabaseTransaction, municipalities: &[String]) -> Result<()> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT set_config('app.municipalities', $1, true)",
            [scope_setting(municipalities).into()],
        ))
        .await?;
    }
    Ok(())
}

/// Access to the records of the municipalities in scope, on behalf of one actor.
#[derive(Debug, Clone)]
pub struct TenantDb<'a> {
    pub(crate) db: &'a DatabaseConnection,
    pub(crate) shared: &'a Shared,
    scope: TenantScope,
    actor: Actor,
    /// Where the request's logged reads are noted, for keeping its answer.
    pub(crate) reads: Reads,
}

impl<'a> TenantDb<'a> {
    pub(crate) fn new(
        db: &'a DatabaseConnection,
        shared: &'a Shared,
        scope: TenantScope,
        actor: Actor,
    ) -> Self {
        Self {
            db,
            shared,
            scope,
            actor,
            reads: Reads::default(),
        }
    }

    /// Notes the logged reads of this handle in a request's `reads`.
    pub(crate) fn recording(self, reads: Reads) -> Self {
        Self { reads, ..self }
    }

    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub(crate) fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// A select over `E` limited to the municipalities in scope.
    pub(crate) fn select<E: TenantOwned>(&self) -> Select<E> {
        E::find().filter(kommune_in(
            E::tenant_column(),
            self.scope.municipalities.iter().cloned(),
        ))
    }

    /// Opens a transaction that carries the scope: on PostgreSQL the row-level security
    /// policies read it from the transaction-local `app.municipalities` setting, so a pooled
    /// connection never keeps it after the transaction ends.
    pub(crate) async fn begin(&self) -> Result<DatabaseTransaction> {
        begin_in_scope(self.db, &self.scope.municipalities).await
    }

    /// Commits a transaction that wrote. This instance then reads the versions again before
    /// it takes them as known, so whatever follows the write here sees it (the rest of the
    /// request, and the next), and the other instances are notified (see the ledger's
    /// watch). Also when the commit failed, since it may have gone through.
    pub(crate) async fn commit_write(&self, txn: DatabaseTransaction) -> Result<()> {
        let committed = txn.commit().await;
        self.shared.ledger.written();
        committed.map_err(Error::from)
    }

    /// Runs reads in one scoped transaction.
    pub(crate) async fn read<T>(
        &self,
        reads: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T>,
    ) -> Result<T> {
        let txn = self.begin().await?;
        let out = reads(&txn).await?;
        txn.commit().await?;
        Ok(out)
    }

    /// The municipality a new record goes to: the one asked for, which must be in scope, or
    /// the caller's only one.
    pub fn target_municipality(&self, requested: Option<&str>, field: &str) -> Result<String> {
        match requested {
            Some(k) if self.scope.contains(k) => Ok(k.to_owned()),
            Some(k) => Err(Error::Forbidden(format!(
                "you cannot record data for municipality {k} ({field})"
            ))),
            None => match self.scope.municipalities.as_slice() {
                [only] => Ok(only.clone()),
                [] => Err(Error::Forbidden("you act for no municipality".to_owned())),
                _ => Err(Error::validation(
                    field,
                    "you act for several municipalities: say which one this record is for",
                )),
            },
        }
    }

    /// Narrows a list filter to the requested municipalities, all of which must be in scope.
    pub fn narrow(&self, requested: Option<&[String]>, field: &str) -> Result<Vec<String>> {
        match requested {
            None => Ok(self.scope.municipalities.clone()),
            Some(wanted) => {
                if let Some(foreign) = wanted.iter().find(|k| !self.scope.contains(k)) {
                    return Err(Error::Forbidden(format!(
                        "you cannot read detail rows of municipality {foreign} ({field})"
                    )));
                }
                Ok(wanted.to_vec())
            }
        }
    }
}

/// The rows of `select` (a tenant's select) whose `key` is one of `keys`, ordered by `order`,
/// in the caller's transaction.
///
/// On PostgreSQL the keys come as one array and are looked up one by one (a nested loop of
/// index lookups on the scoped table). Written as `key IN (…)`, the list and the row-level
/// security condition on the leading `kommunenummer` cannot both be index conditions in
/// PostgreSQL 15, the planner misjudges their selectivity, and every row of the municipality
/// is read and filtered: 24,000 rows and 8 ms for the substances of a page of 100 incidents,
/// far more once the prepared statement gets a generic plan.
pub(crate) async fn select_by_keys<E: TenantOwned>(
    txn: &DatabaseTransaction,
    select: Select<E>,
    key: E::Column,
    keys: &[Uuid],
    order: &[E::Column],
) -> Result<Vec<E::Model>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let column = || Expr::col((key.entity_name(), key));
    if txn.get_database_backend() != DbBackend::Postgres {
        let select = order.iter().fold(
            select.filter(column().is_in(keys.iter().copied())),
            |select, column| select.order_by_asc(*column),
        );
        return Ok(select.all(txn).await?);
    }
    let lookup = select
        .filter(column().eq(Expr::cust("wanted.id")))
        .build(DbBackend::Postgres);
    let mut values = lookup.values.map(|v| v.0).unwrap_or_default();
    let array: Vec<String> = keys.iter().map(Uuid::to_string).collect();
    values.push(format!("{{{}}}", array.join(",")).into());
    let order: Vec<String> = order
        .iter()
        .map(|c| format!("t.\"{}\"", c.as_str()))
        .collect();
    // OFFSET 0 keeps the lookup a subquery of its own, so it runs once per key.
    let sql = format!(
        "SELECT t.* FROM unnest(CAST(${} AS uuid[])) AS wanted(id) \
         CROSS JOIN LATERAL ({} OFFSET 0) AS t ORDER BY {}",
        values.len(),
        lookup.sql,
        order.join(", ")
    );
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    Ok(E::find().from_raw_sql(statement).all(txn).await?)
}
