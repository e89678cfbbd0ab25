//! The change audit: an append-only, hash-chained log per municipality, written in the same
//! transaction as the change it records.
//!
//! Each event's hash covers its content and the previous event's hash, and `audit_heads` holds
//! the last sequence number and hash, so an edited, removed or reordered event is detectable.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, Query, SelectStatement, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Shared;
use super::paging::{self, Cursor, Ordering, Page, PageRequest, SortKind, SortValue};
use super::reference::Reference;
use super::tenant::{Actor, TenantDb, TenantScope};
use super::tenant::{kommune_eq, kommune_in};
use super::together::rows_per_statement;
use crate::domain::Kommunenummer;
use crate::entity::{audit_event, audit_head};
use crate::error::{Error, Result};

/// The `prev_hash` of a municipality's first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What claiming a chain read besides its head.
pub(crate) struct Claimed {
    /// The reference data's version, as of the claim.
    pub reference_version: i64,
    /// For each check asked, whether its select found a row.
    pub checks: Vec<bool>,
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum AuditOperation {
    Create,
    Update,
    AddNote,
    Correct,
    Retract,
}

impl AuditOperation {
    pub fn code(self) -> &'static str {
        match self {
            AuditOperation::Create => "CREATE",
            AuditOperation::Update => "UPDATE",
            AuditOperation::AddNote => "ADD_NOTE",
            AuditOperation::Correct => "CORRECT",
            AuditOperation::Retract => "RETRACT",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            AuditOperation::Create,
            AuditOperation::Update,
            AuditOperation::AddNote,
            AuditOperation::Correct,
            AuditOperation::Retract,
        ]
        .into_iter()
        .find(|op| op.code() == code)
    }
}

/// One change to record.
pub(crate) struct Change {
    pub record_type: &'static str,
    pub record_id: Uuid,
    pub operation: AuditOperation,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A municipality's chain, claimed for one transaction. Events are hashed as they are
/// appended and written with the head by [`AuditChain::statements`] before the commit.
pub(crate) struct AuditChain {
    kommunenummer: String,
    seq: i64,
    hash: String,
    appended: Vec<audit_event::ActiveModel>,
}

impl AuditChain {
    /// Claims the chain's head. This must be the transaction's first statement: it is a write,
    /// so it takes the municipality's row lock on PostgreSQL and the write lock on SQLite
    /// before anything is read, and concurrent writers queue instead of forking the chain.
    /// The same statement reads the reference version and asks `checks` (whether each select
    /// finds a row), so a write needs no round trip of its own for them. On PostgreSQL the head
    /// is the latest (the row is read again once its lock is had), while those two are as of
    /// the statement's start, before any wait for the lock: fine for what they serve, the
    /// plan's date rules and distribution sites, which change through reference edits and bulk
    /// loads only.
    pub async fn claim(
        txn: &DatabaseTransaction,
        kommunenummer: &str,
        checks: &[SelectStatement],
    ) -> Result<(Self, Claimed)> {
        // Locks and reads the head in one statement.
        let touch = || {
            let returned = [
                Expr::col(audit_head::Column::Kommunenummer),
                Expr::col(audit_head::Column::Seq),
                Expr::col(audit_head::Column::Hash),
                Expr::cust("(SELECT version FROM reference_version WHERE id = 1)"),
            ]
            .into_iter()
            .chain(checks.iter().map(|check| Expr::exists(check.clone())));
            let update = Query::update()
                .table(audit_head::Entity)
                .value(audit_head::Column::Seq, Expr::col(audit_head::Column::Seq))
                .and_where(kommune_eq(audit_head::Column::Kommunenummer, kommunenummer))
                .returning(Query::returning().exprs(returned))
                .to_owned();
            txn.query_one_raw(txn.get_database_backend().build(&update))
        };
        let head = match touch().await? {
            Some(head) => head,
            None => {
                audit_head::Entity::insert(audit_head::ActiveModel {
                    kommunenummer: Set(kommunenummer.to_owned()),
                    seq: Set(0),
                    hash: Set(GENESIS_HASH.to_owned()),
                })
                .on_conflict_do_nothing()
                .exec_without_returning(txn)
                .await?;
                touch()
                    .await?
                    .ok_or_else(|| Error::Internal("audit head vanished".to_owned()))?
            }
        };
        let chain = Self {
            kommunenummer: head.try_get_by_index(0)?,
            seq: head.try_get_by_index(1)?,
            hash: head.try_get_by_index(2)?,
            appended: Vec::new(),
        };
        let claimed = Claimed {
            reference_version: head.try_get_by_index(3)?,
            checks: (0..checks.len())
                .map(|i| head.try_get_by_index::<bool>(4 + i))
                .collect::<std::result::Result<_, _>>()?,
        };
        Ok((chain, claimed))
    }

    pub fn kommunenummer(&self) -> &str {
        &self.kommunenummer
    }

    pub fn append(&mut self, actor: &Actor, change: Change) {
        let event = audit_event::Model {
            kommunenummer: self.kommunenummer.clone(),
            seq: self.seq + 1,
            id: Uuid::now_v7(),
            // Stored with microseconds on both databases, so the hash is recomputable.
            occurred_at: Utc::now().trunc_subsecs(6),
            actor: actor.subject.clone(),
            role: actor.role.clone(),
            request_id: actor.request_id.clone(),
            record_type: change.record_type.to_owned(),
            record_id: change.record_id,
            operation: change.operation.code().to_owned(),
            before: change.before,
            after: change.after,
            prev_hash: self.hash.clone(),
            hash: String::new(),
        };
        let hash = event_hash(&event);
        self.appended.push(audit_event::ActiveModel {
            hash: Set(hash.clone()),
            ..sea_orm::IntoActiveModel::into_active_model(event)
        });
        self.seq += 1;
        self.hash = hash;
    }

    /// The appended events and the head moved to the last of them; nothing if none was.
    pub fn statements(self) -> Vec<SubQueryStatement> {
        if self.appended.is_empty() {
            return Vec::new();
        }
        let columns = audit_event::Column::iter().count();
        let mut statements: Vec<SubQueryStatement> = self
            .appended
            .chunks(rows_per_statement(columns))
            .map(|chunk| {
                audit_event::Entity::insert_many(chunk.iter().cloned())
                    .into_query()
                    .into()
            })
            .collect();
        statements.push(
            audit_head::Entity::update_many()
                .col_expr(audit_head::Column::Seq, Expr::value(self.seq))
                .col_expr(audit_head::Column::Hash, Expr::value(self.hash))
                .filter(kommune_eq(
                    audit_head::Column::Kommunenummer,
                    self.kommunenummer,
                ))
                .into_query()
                .into(),
        );
        statements
    }
}

/// The hash of an event: SHA-256 over the previous hash and a canonical JSON of every other
/// column (object keys sorted, timestamps in RFC 3339 with microseconds).
fn event_hash(event: &audit_event::Model) -> String {
    let canonical = serde_json::json!({
        "kommunenummer": event.kommunenummer,
        "seq": event.seq,
        "id": event.id,
        "occurred_at": timestamp(event.occurred_at),
        "actor": event.actor,
        "role": event.role,
        "request_id": event.request_id,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "operation": event.operation,
        "before": event.before,
        "after": event.after,
    });
    let mut hasher = Sha256::new();
    hasher.update(event.prev_hash.as_bytes());
    hasher.update(canonical.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The outcome of checking every municipality's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    pub chains: Vec<ChainStatus>,
}

impl AuditVerification {
    pub fn intact(&self) -> bool {
        self.chains.iter().all(|c| c.problem.is_none())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStatus {
    pub kommunenummer: String,
    pub events: u64,
    pub head_hash: String,
    /// The first problem found, if any.
    pub problem: Option<String>,
}

const VERIFY_BATCH: u64 = 1_000;

/// Walks every municipality's chain from its first event and checks sequence numbers, links,
/// hashes and head. Each chain is read in a transaction scoped to its municipality, so this
/// works under row-level security too.
pub(crate) async fn verify(db: &DatabaseConnection, shared: &Shared) -> Result<AuditVerification> {
    let mut chains = Vec::new();
    let municipalities = Reference::new(db).municipalities().await?;
    let numbers = municipalities
        .into_iter()
        .map(|m| m.kommunenummer)
        .chain([super::plan_editor::PLAN_CHAIN.to_owned()]);
    for kommunenummer in numbers {
        let tenant = TenantDb::new(
            db,
            shared,
            TenantScope::new([Kommunenummer::from_trusted(&kommunenummer)]),
            Actor::system("audit-verify"),
        );
        let status = tenant
            .read(async |txn| verify_chain(txn, &kommunenummer).await)
            .await?;
        if let Some(status) = status {
            chains.push(status);
        }
    }
    Ok(AuditVerification { chains })
}

/// One chain's status, or `None` for a municipality that has never had a change.
async fn verify_chain<C: ConnectionTrait>(
    db: &C,
    kommunenummer: &str,
) -> Result<Option<ChainStatus>> {
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut problem = None;
    'walk: loop {
        let batch = audit_event::Entity::find()
            .filter(kommune_eq(
                audit_event::Column::Kommunenummer,
                kommunenummer,
            ))
            .filter(audit_event::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_event::Column::Seq)
            .limit(VERIFY_BATCH)
            .all(db)
            .await?;
        let done = (batch.len() as u64) < VERIFY_BATCH;
        for event in batch {
            if event.seq != expected_seq {
                problem = Some(format!("event {expected_seq} is missing"));
                break 'walk;
            }
            if event.prev_hash != prev_hash {
                problem = Some(format!(
                    "event {} does not link to the event before it",
                    event.seq
                ));
                break 'walk;
            }
            if event_hash(&event) != event.hash {
                problem = Some(format!(
                    "event {} has been changed after it was written",
                    event.seq
                ));
                break 'walk;
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
        if done {
            break;
        }
    }
    let events = (expected_seq - 1) as u64;
    let head = audit_head::Entity::find_by_id(kommunenummer.to_owned())
        .one(db)
        .await?;
    if events == 0 && problem.is_none() && head.as_ref().is_none_or(|h| h.seq == 0) {
        return Ok(None);
    }
    if problem.is_none() {
        problem = match head {
            None => Some("the chain's head is missing".to_owned()),
            Some(head) if head.seq != events as i64 || head.hash != prev_hash => Some(format!(
                "the chain ends at event {events} but its head says {}: events were removed",
                head.seq
            )),
            Some(_) => None,
        };
    }
    Ok(Some(ChainStatus {
        kommunenummer: kommunenummer.to_owned(),
        events,
        head_hash: prev_hash,
        problem,
    }))
}

/// The audit trail's record type in the access log, as GraphQL names it.
const AUDIT_EVENT: &str = "AuditEvent";

/// Which audit events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub municipalities: Option<Vec<String>>,
    pub record_id: Option<Uuid>,
}

fn audit_ordering() -> Ordering<audit_event::Entity> {
    Ordering {
        key: audit_event::Column::Seq,
        kind: SortKind::Seq,
        id: audit_event::Column::Id,
        descending: true,
        cursor_of: |m| Cursor {
            key: SortValue::Seq(m.seq),
            id: m.id,
        },
    }
}

impl TenantDb<'_> {
    fn audit_select(&self, filter: &AuditFilter) -> Result<Select<audit_event::Entity>> {
        let municipalities = self.narrow(filter.municipalities.as_deref(), "municipalities")?;
        let mut select = self.select::<audit_event::Entity>().filter(kommune_in(
            audit_event::Column::Kommunenummer,
            municipalities,
        ));
        if let Some(id) = filter.record_id {
            select = select.filter(audit_event::Column::RecordId.eq(id));
        }
        Ok(select)
    }

    /// The audit trail, newest first. Its events carry whole records (before and after each
    /// change), so reading them is logged like reading the records.
    pub async fn audit_events(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<audit_event::Model>> {
        let select = self.audit_select(filter)?;
        self.read_logged("list", AUDIT_EVENT, async |txn| {
            paging::fetch(txn, select, &audit_ordering(), page).await
        })
        .await
    }

    pub async fn count_audit_events(&self, filter: &AuditFilter) -> Result<u64> {
        let select = self.audit_select(filter)?;
        self.read(async |txn| Ok(select.count(txn).await?)).await
    }
}

impl TenantDb<'_> {
    pub async fn audit_event(&self, id: Uuid) -> Result<Option<audit_event::Model>> {
        let select = self
            .select::<audit_event::Entity>()
            .filter(audit_event::Column::Id.eq(id));
        self.read_logged("read", AUDIT_EVENT, async |txn| Ok(select.one(txn).await?))
            .await
    }
}
