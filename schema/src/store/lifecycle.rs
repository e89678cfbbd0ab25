//! The lifecycle every record shares: created once (idempotently), changed only from the
//! version the client saw, retracted instead of deleted, and audited in the same transaction.

use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::{InsertStatement, SelectStatement, SubQueryStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QuerySelect, QueryTrait, Select, TryIntoModel, Value,
};
use uuid::Uuid;

use super::aggregates::{Aggregated, Delta, Tally, negated};
use super::audit::{AuditChain, AuditOperation, Change};
use super::records::RecordState;
use super::tenant::{TenantDb, TenantOwned};
use super::together::send_together;
use crate::entity::{action, incident, naloxone_distribution};
use crate::error::{Error, Result};
use crate::validate::{self, Rules, Validator};

/// A record table: the lifecycle columns are the same on each.
pub(crate) trait RecordEntity: TenantOwned
where
    Self::Model: Sync,
{
    /// The GraphQL type name, also used in the audit trail.
    const TYPE_NAME: &'static str;
    /// How users call one, for messages ("this incident ...").
    const NOUN: &'static str;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
    fn retracted_at_column() -> Self::Column;
    fn retraction_reason_column() -> Self::Column;
    fn idempotency_key_column() -> Self::Column;
    fn id(model: &Self::Model) -> Uuid;
    fn kommunenummer(model: &Self::Model) -> &str;
    fn version(model: &Self::Model) -> i32;
    fn is_retracted(model: &Self::Model) -> bool;
    fn fingerprint(model: &Self::Model) -> Option<&str>;
}

macro_rules! record_entity {
    ($module:ident, $type_name:literal, $noun:literal) => {
        impl RecordEntity for $module::Entity {
            const TYPE_NAME: &'static str = $type_name;
            const NOUN: &'static str = $noun;
            fn id_column() -> Self::Column {
                $module::Column::Id
            }
            fn version_column() -> Self::Column {
                $module::Column::Version
            }
            fn updated_at_column() -> Self::Column {
                $module::Column::UpdatedAt
            }
            fn retracted_at_column() -> Self::Column {
                $module::Column::RetractedAt
            }
            fn retraction_reason_column() -> Self::Column {
                $module::Column::RetractionReason
            }
            fn idempotency_key_column() -> Self::Column {
                $module::Column::IdempotencyKey
            }
            fn id(model: &Self::Model) -> Uuid {
                model.id
            }
            fn kommunenummer(model: &Self::Model) -> &str {
                &model.kommunenummer
            }
            fn version(model: &Self::Model) -> i32 {
                model.version
            }
            fn is_retracted(model: &Self::Model) -> bool {
                model.retracted_at.is_some()
            }
            fn fingerprint(model: &Self::Model) -> Option<&str> {
                model.idempotency_fingerprint.as_deref()
            }
        }
    };
}

record_entity!(action, "Action", "action");
record_entity!(incident, "OverdoseIncident", "incident");
record_entity!(
    naloxone_distribution,
    "NaloxoneDistribution",
    "naloxone distribution"
);

/// Applies the record-state choice to any record select.
pub(crate) fn with_state<E: RecordEntity>(select: Select<E>, state: RecordState) -> Select<E>
where
    E::Model: Sync,
{
    match state {
        RecordState::Active => select.filter(E::retracted_at_column().is_null()),
        RecordState::Retracted => select.filter(E::retracted_at_column().is_not_null()),
        RecordState::All => select,
    }
}

/// How a retraction is asked for: from the version the client saw, with a reason.
#[derive(Debug, Clone)]
pub struct Retraction {
    pub id: Uuid,
    pub version: i64,
    pub reason: String,
}

impl<'a> TenantDb<'a> {
    /// Finds one record in scope by id.
    pub(crate) async fn find_record<E: RecordEntity, C: ConnectionTrait>(
        &self,
        conn: &C,
        id: Uuid,
    ) -> Result<Option<E::Model>>
    where
        E::Model: Sync,
    {
        Ok(self
            .select::<E>()
            .filter(E::id_column().eq(id))
            .one(conn)
            .await?)
    }

    /// Retracts a record from the version the client saw, with a reason.
    pub(crate) async fn retract_record<E: Aggregated>(
        &self,
        retraction: Retraction,
    ) -> Result<E::Model>
    where
        E::Model: Sync + serde::Serialize,
        E::ActiveModel: ActiveModelTrait<Entity = E> + Send + Default,
    {
        let mut v = Validator::new();
        v.text(
            "reason",
            "The reason",
            &retraction.reason,
            validate::MAX_REASON,
        );
        v.finish()?;
        let mut w = self.write_for::<E>(retraction.id).await?;
        let before = w.current::<E>(retraction.id, retraction.version).await?;
        let after = w.retract::<E>(&before, &retraction.reason).await?;
        w.count(negated(E::deltas(&w.txn, &before).await?));
        w.audit(Change {
            record_type: E::TYPE_NAME,
            record_id: retraction.id,
            operation: AuditOperation::Retract,
            before: Some(serde_json::json!(before)),
            after: Some(serde_json::json!(after)),
        });
        w.commit().await?;
        Ok(after)
    }

    /// Opens a write transaction for one municipality with its audit chain claimed.
    pub(crate) async fn write(&self, kommunenummer: &str) -> Result<Write<'_, 'a>> {
        Ok(self.write_checking(kommunenummer, &[]).await?.0)
    }

    /// Opens a write transaction like [`TenantDb::write`] and asks, in the statement that
    /// claims the chain, whether each of `checks` finds a row (rows the write depends on, such
    /// as an active distribution site).
    pub(crate) async fn write_checking(
        &self,
        kommunenummer: &str,
        checks: &[SelectStatement],
    ) -> Result<(Write<'_, 'a>, Vec<bool>)> {
        let txn = self.begin().await?;
        let (chain, claimed) = AuditChain::claim(&txn, kommunenummer, checks).await?;
        let write = Write {
            tenant: self,
            txn,
            chain,
            reference_version: claimed.reference_version,
            inserts: Vec::new(),
            tally: Tally::default(),
        };
        Ok((write, claimed.checks))
    }

    /// Opens a write transaction for the municipality that owns record `id`.
    pub(crate) async fn write_for<E: RecordEntity>(&self, id: Uuid) -> Result<Write<'_, 'a>>
    where
        E::Model: Sync,
    {
        let kommunenummer = match self.scope().municipalities() {
            [only] => only.clone(),
            _ => {
                let txn = self.begin().await?;
                let found = self.find_record::<E, _>(&txn, id).await?;
                txn.commit().await?;
                found
                    .map(|m| E::kommunenummer(&m).to_owned())
                    .ok_or(Error::NotFound { what: E::NOUN })?
            }
        };
        self.write(&kommunenummer).await
    }
}

/// A write transaction of one municipality: the changes, their counts and their audit events
/// commit together or not at all.
pub(crate) struct Write<'t, 'a> {
    tenant: &'t TenantDb<'a>,
    pub txn: DatabaseTransaction,
    chain: AuditChain,
    /// The reference data's version the claim's statement read: the plan the write is
    /// checked against.
    reference_version: i64,
    /// New rows whose content the write already knows, sent with the counts and audit events.
    inserts: Vec<SubQueryStatement>,
    /// Counts and audit events are written together at commit (see [`send_together`]).
    tally: Tally,
}

impl Write<'_, '_> {
    /// The validation rules of the plan as the claim's statement saw it (from the process's
    /// reference data; when that is older, read again through this transaction, so a write
    /// that holds its chain never waits for a second connection).
    pub async fn rules(&self) -> Result<Rules> {
        let reference = self
            .tenant
            .shared
            .reference
            .at(&self.txn, self.reference_version)
            .await?;
        Rules::for_plans(reference.plans())
    }

    /// Inserts a new record's row at commit, together with the counts and audit events, and
    /// returns it as it will be stored: every column must be set, so nothing is read back.
    pub fn insert_new<E>(&mut self, row: E::ActiveModel) -> Result<E::Model>
    where
        E: EntityTrait,
        E::ActiveModel: ActiveModelTrait<Entity = E> + TryIntoModel<E::Model> + Clone,
    {
        let stored = row
            .clone()
            .try_into_model()
            .map_err(|e| Error::Internal(format!("a new row left a column unset: {e}")))?;
        self.insert_at_commit(E::insert(row).into_query());
        Ok(stored)
    }

    /// Inserts rows at commit, together with the counts and audit events (a new record's
    /// child rows).
    pub fn insert_at_commit(&mut self, insert: InsertStatement) {
        self.inserts.push(insert.into());
    }

    /// The record created earlier with this idempotency key, if its content is the same;
    /// `CONFLICT` if the key was used for other content.
    pub async fn replay<E: RecordEntity>(
        &self,
        kommunenummer: &str,
        key: Option<&str>,
        fingerprint: &str,
    ) -> Result<Option<E::Model>>
    where
        E::Model: Sync,
    {
        let Some(key) = key else { return Ok(None) };
        let existing = self
            .tenant
            .select::<E>()
            .filter(E::tenant_column().eq(kommunenummer))
            .filter(E::idempotency_key_column().eq(key))
            .one(&self.txn)
            .await?;
        match existing {
            Some(model) if E::fingerprint(&model) == Some(fingerprint) => Ok(Some(model)),
            Some(_) => Err(Error::Conflict(format!(
                "the idempotency key {key:?} was already used for a different {}; use a new key for new content",
                E::NOUN
            ))),
            None => Ok(None),
        }
    }

    /// The current row of a record about to change, locked until commit. `NOT_FOUND` outside
    /// the scope; `CONFLICT` when the client's version is stale or the record is retracted.
    pub async fn current<E: RecordEntity>(&self, id: Uuid, seen_version: i64) -> Result<E::Model>
    where
        E::Model: Sync,
    {
        let mut select = self.tenant.select::<E>().filter(E::id_column().eq(id));
        if self.tenant.backend() == DbBackend::Postgres {
            select = select.lock_exclusive();
        }
        let model = select
            .one(&self.txn)
            .await?
            .ok_or(Error::NotFound { what: E::NOUN })?;
        if E::is_retracted(&model) {
            return Err(Error::Conflict(format!(
                "this {} is retracted and can no longer be changed",
                E::NOUN
            )));
        }
        let current = E::version(&model);
        if i64::from(current) != seen_version {
            return Err(Error::Conflict(format!(
                "this {} was changed by someone else (it is now at version {current}, you had \
                 version {seen_version}); reload it and try again",
                E::NOUN
            )));
        }
        Ok(model)
    }

    /// Saves the changed columns of `before` as the next version and returns the new row.
    pub async fn save<E: RecordEntity>(
        &self,
        before: &E::Model,
        mut changes: E::ActiveModel,
    ) -> Result<E::Model>
    where
        E::Model: Sync,
        E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    {
        let version = E::version(before);
        let id = E::id(before);
        changes.set(E::version_column(), Value::from(version + 1));
        changes.set(
            E::updated_at_column(),
            Value::from(Utc::now().trunc_subsecs(6)),
        );
        let updated = E::update_many()
            .set(changes)
            .filter(E::tenant_column().eq(E::kommunenummer(before)))
            .filter(E::id_column().eq(id))
            .filter(E::version_column().eq(version))
            .exec(&self.txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(Error::Conflict(format!(
                "this {} was changed by someone else; reload it and try again",
                E::NOUN
            )));
        }
        self.tenant
            .find_record::<E, _>(&self.txn, id)
            .await?
            .ok_or_else(|| Error::Internal("a saved record vanished".to_owned()))
    }

    /// Marks `before` as retracted with a reason. The row stays; it leaves the statistics.
    pub async fn retract<E: RecordEntity>(
        &self,
        before: &E::Model,
        reason: &str,
    ) -> Result<E::Model>
    where
        E::Model: Sync,
        E::ActiveModel: ActiveModelTrait<Entity = E> + Send + Default,
    {
        let mut changes = <E::ActiveModel as Default>::default();
        changes.set(
            E::retracted_at_column(),
            Value::from(Some(Utc::now().trunc_subsecs(6))),
        );
        changes.set(
            E::retraction_reason_column(),
            Value::from(Some(reason.to_owned())),
        );
        self.save::<E>(before, changes).await
    }

    /// Records one change in the municipality's audit chain.
    pub fn audit(&mut self, change: Change) {
        self.chain.append(self.tenant.actor(), change);
    }

    /// Adds a record's contribution to the municipality's monthly counts (or, negated, takes
    /// it back).
    pub fn count(&mut self, deltas: impl IntoIterator<Item = Delta>) {
        self.tally.add(deltas);
    }

    pub async fn commit(self) -> Result<()> {
        let mut statements = self.inserts;
        statements.extend(self.tally.statements(self.chain.kommunenummer()));
        statements.extend(self.chain.statements());
        send_together(&self.txn, statements).await?;
        self.tenant.commit_write(self.txn).await
    }
}
