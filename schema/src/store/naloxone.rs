//! Naloxone distribution: sites and the kits handed out there.

use std::collections::{BTreeSet, HashSet};

use chrono::{NaiveDate, SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, DatabaseTransaction, QueryFilter, QueryOrder, Select};
use serde_json::json;
use uuid::Uuid;

use super::aggregates::{metric, naloxone_deltas, negated};
use super::audit::{AuditOperation, Change};
use super::lifecycle::{RecordEntity, Retraction, with_state};
use super::paging::{self, Cursor, ListParts, Listed, Ordering, PageRequest, SortKind, SortValue};
use super::records::{NewNaloxoneDistribution, RecordState, fingerprint};
use super::tenant::TenantDb;
use super::tenant::{kommune_eq, kommune_in, select_by_keys};
use crate::domain::RecipientCategory;
use crate::entity::{distribution_site, naloxone_distribution};
use crate::error::{Error, Result};
use crate::validate::{self, Validator};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NaloxoneFilter {
    pub municipalities: Option<Vec<String>>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub recipient_categories: Option<Vec<RecipientCategory>>,
    pub first_time: Option<bool>,
    pub site_ids: Option<Vec<Uuid>>,
    pub state: RecordState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, async_graphql::Enum)]
pub enum NaloxoneOrder {
    /// Latest first (the default).
    #[default]
    DistributedOnDesc,
    DistributedOnAsc,
    UpdatedAtDesc,
    UpdatedAtAsc,
}

impl NaloxoneOrder {
    fn ordering(self) -> Ordering<naloxone_distribution::Entity> {
        match self {
            NaloxoneOrder::DistributedOnDesc | NaloxoneOrder::DistributedOnAsc => Ordering {
                key: naloxone_distribution::Column::DistributedOn,
                kind: SortKind::Date,
                id: naloxone_distribution::Column::Id,
                descending: self == NaloxoneOrder::DistributedOnDesc,
                cursor_of: |m| Cursor {
                    key: SortValue::Date(m.distributed_on),
                    id: m.id,
                },
            },
            NaloxoneOrder::UpdatedAtDesc | NaloxoneOrder::UpdatedAtAsc => Ordering {
                key: naloxone_distribution::Column::UpdatedAt,
                kind: SortKind::Time,
                id: naloxone_distribution::Column::Id,
                descending: self == NaloxoneOrder::UpdatedAtDesc,
                cursor_of: |m| Cursor {
                    key: SortValue::Time(m.updated_at),
                    id: m.id,
                },
            },
        }
    }
}

impl TenantDb<'_> {
    fn naloxone_select(
        &self,
        filter: &NaloxoneFilter,
    ) -> Result<Select<naloxone_distribution::Entity>> {
        use naloxone_distribution::Column;
        let municipalities = self.narrow(filter.municipalities.as_deref(), "municipalities")?;
        let mut select = with_state(self.select::<naloxone_distribution::Entity>(), filter.state)
            .filter(kommune_in(Column::Kommunenummer, municipalities));
        if let Some(from) = filter.from {
            select = select.filter(Column::DistributedOn.gte(from));
        }
        if let Some(to) = filter.to {
            select = select.filter(Column::DistributedOn.lte(to));
        }
        if let Some(categories) = &filter.recipient_categories {
            select = select.filter(Column::RecipientCategory.is_in(categories.iter().copied()));
        }
        if let Some(first_time) = filter.first_time {
            select = select.filter(Column::FirstTime.eq(first_time));
        }
        if let Some(sites) = &filter.site_ids {
            select = select.filter(Column::SiteId.is_in(sites.iter().copied()));
        }
        Ok(select)
    }

    /// A page of distributions, with their sites and the total when `parts` asks for them.
    pub async fn naloxone_distributions(
        &self,
        filter: &NaloxoneFilter,
        order: NaloxoneOrder,
        page: &PageRequest,
        parts: ListParts,
    ) -> Result<Listed<naloxone_distribution::Model, distribution_site::Model>> {
        let select = self.naloxone_select(filter)?;
        self.list(
            naloxone_distribution::Entity::TYPE_NAME,
            parts,
            async |txn| paging::fetch(txn, select, &order.ordering(), page).await,
            async |txn, page| {
                let ids: BTreeSet<Uuid> = page.rows.iter().map(|(_, d)| d.site_id).collect();
                self.sites_in(txn, &ids.into_iter().collect::<Vec<_>>())
                    .await
            },
            async |txn| self.count_naloxone_in(txn, filter).await,
        )
        .await
    }

    pub async fn count_naloxone_distributions(&self, filter: &NaloxoneFilter) -> Result<u64> {
        self.read(async |txn| self.count_naloxone_in(txn, filter).await)
            .await
    }

    async fn count_naloxone_in(
        &self,
        txn: &DatabaseTransaction,
        filter: &NaloxoneFilter,
    ) -> Result<u64> {
        let whole = NaloxoneFilter {
            municipalities: filter.municipalities.clone(),
            ..NaloxoneFilter::default()
        };
        let kept = (*filter == whole).then_some(metric::DISTRIBUTIONS);
        let select = self.naloxone_select(filter)?;
        self.count_records(txn, select, kept, filter.municipalities.as_deref())
            .await
    }

    pub async fn naloxone_distribution(
        &self,
        id: Uuid,
    ) -> Result<Option<naloxone_distribution::Model>> {
        let record_type = naloxone_distribution::Entity::TYPE_NAME;
        self.read_logged("read", record_type, async |txn| {
            self.find_record::<naloxone_distribution::Entity, _>(txn, id)
                .await
        })
        .await
    }

    /// The distribution sites of the municipalities in scope, by name.
    pub async fn distribution_sites(
        &self,
        municipalities: Option<&[String]>,
    ) -> Result<Vec<distribution_site::Model>> {
        let municipalities = self.narrow(municipalities, "municipalities")?;
        let select = self
            .select::<distribution_site::Entity>()
            .filter(kommune_in(
                distribution_site::Column::Kommunenummer,
                municipalities,
            ))
            .order_by_asc(distribution_site::Column::Kommunenummer)
            .order_by_asc(distribution_site::Column::Name);
        self.read(async |txn| Ok(select.all(txn).await?)).await
    }

    pub async fn sites_by_id(&self, ids: &[Uuid]) -> Result<Vec<distribution_site::Model>> {
        self.read(async |txn| self.sites_in(txn, ids).await).await
    }

    async fn sites_in(
        &self,
        txn: &DatabaseTransaction,
        ids: &[Uuid],
    ) -> Result<Vec<distribution_site::Model>> {
        select_by_keys(
            txn,
            self.select::<distribution_site::Entity>(),
            distribution_site::Column::Id,
            ids,
            &[distribution_site::Column::Id],
        )
        .await
    }

    pub async fn create_naloxone_distribution(
        &self,
        new: NewNaloxoneDistribution,
    ) -> Result<naloxone_distribution::Model> {
        let mut created = self.create_naloxone_distributions(vec![new], None).await?;
        created
            .pop()
            .ok_or_else(|| Error::Internal("nothing was created".to_owned()))
    }

    /// Creates several distributions of one municipality at once: all of them, or none and
    /// the errors of every bad row. With `list_field` (such as `distributions`) errors name
    /// each row as `distributions[2].kits`.
    pub async fn create_naloxone_distributions(
        &self,
        mut rows: Vec<NewNaloxoneDistribution>,
        list_field: Option<&str>,
    ) -> Result<Vec<naloxone_distribution::Model>> {
        let Some(first) = rows.first() else {
            return Err(Error::validation(
                list_field.unwrap_or("distributions"),
                "the list is empty",
            ));
        };
        let kommunenummer = first.meta.kommunenummer.to_string();
        self.target_municipality(Some(&kommunenummer), "municipality")?;
        // Whether each site named is an active one of the municipality is asked in the
        // statement that claims the chain.
        let sites: Vec<Uuid> = rows
            .iter()
            .map(|r| r.site_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let checks: Vec<_> = sites
            .iter()
            .map(|site| active_site(&kommunenummer, *site))
            .collect();
        let (mut w, active) = self.write_checking(&kommunenummer, &checks).await?;
        let active: HashSet<Uuid> = sites
            .into_iter()
            .zip(active)
            .filter_map(|(site, active)| active.then_some(site))
            .collect();
        let rules = w.rules().await?;
        let mut v = Validator::new();
        let mut keys = HashSet::new();
        for (i, row) in rows.iter().enumerate() {
            let mut check = |v: &mut Validator| {
                v.idempotency_key(row.meta.idempotency_key.as_deref());
                if let Some(key) = &row.meta.idempotency_key
                    && !keys.insert(key.clone())
                {
                    v.fail(
                        "idempotencyKey",
                        "this idempotency key is used twice in the list",
                    );
                }
                if row.meta.kommunenummer.as_str() != kommunenummer {
                    v.fail("municipality", "all rows must be for the same municipality");
                }
                validate::naloxone(v, row, &rules);
            };
            match list_field {
                Some(field) => v.at(format!("{field}[{i}]"), check),
                None => check(&mut v),
            }
        }
        v.finish()?;

        let mut created = Vec::with_capacity(rows.len());
        let mut v = Validator::new();
        let now = Utc::now().trunc_subsecs(6);
        for (i, new) in rows.iter_mut().enumerate() {
            let print = fingerprint(&*new);
            if let Some(existing) = w
                .replay::<naloxone_distribution::Entity>(
                    &kommunenummer,
                    new.meta.idempotency_key.as_deref(),
                    &print,
                )
                .await?
            {
                created.push(existing);
                continue;
            }
            // A retry above returns its first record even if the site was closed since; a
            // new record needs an active site.
            if !active.contains(&new.site_id) {
                match list_field {
                    Some(field) => {
                        v.at(format!("{field}[{i}]"), |v| v.fail("siteId", NO_SUCH_SITE))
                    }
                    None => v.fail("siteId", NO_SUCH_SITE),
                }
                continue;
            }
            new.meta.created_at = now;
            let mut row = new.row();
            row.idempotency_fingerprint = Set(new.meta.idempotency_key.as_ref().map(|_| print));
            let stored = w.insert_new::<naloxone_distribution::Entity>(row)?;
            w.count(naloxone_deltas(&stored));
            w.audit(Change {
                record_type: naloxone_distribution::Entity::TYPE_NAME,
                record_id: stored.id,
                operation: AuditOperation::Create,
                before: None,
                after: Some(json!(stored)),
            });
            created.push(stored);
        }
        // A bad site anywhere rolls back every row of the list.
        v.finish()?;
        w.commit().await?;
        Ok(created)
    }

    /// Corrects a distribution from the version the client saw; `change` edits its content.
    pub async fn correct_naloxone_distribution(
        &self,
        id: Uuid,
        seen_version: i64,
        change: impl FnOnce(&mut NewNaloxoneDistribution),
    ) -> Result<naloxone_distribution::Model> {
        let mut w = self.write_for::<naloxone_distribution::Entity>(id).await?;
        let rules = w.rules().await?;
        let before = w
            .current::<naloxone_distribution::Entity>(id, seen_version)
            .await?;
        let mut content = NewNaloxoneDistribution::from_row(&before);
        change(&mut content);
        let mut v = Validator::new();
        validate::naloxone(&mut v, &content, &rules);
        if content.site_id != before.site_id
            && !self
                .active_site_ids(&w.txn, &before.kommunenummer)
                .await?
                .contains(&content.site_id)
        {
            v.fail("siteId", NO_SUCH_SITE);
        }
        v.finish()?;
        let after = w
            .save::<naloxone_distribution::Entity>(&before, content.content())
            .await?;
        let changed = negated(naloxone_deltas(&before))
            .into_iter()
            .chain(naloxone_deltas(&after));
        w.count(changed);
        w.audit(Change {
            record_type: naloxone_distribution::Entity::TYPE_NAME,
            record_id: id,
            operation: AuditOperation::Correct,
            before: Some(json!(before)),
            after: Some(json!(after)),
        });
        w.commit().await?;
        Ok(after)
    }

    pub async fn retract_naloxone_distribution(
        &self,
        retraction: Retraction,
    ) -> Result<naloxone_distribution::Model> {
        self.retract_record::<naloxone_distribution::Entity>(retraction)
            .await
    }

    async fn active_site_ids(
        &self,
        txn: &DatabaseTransaction,
        kommunenummer: &str,
    ) -> Result<HashSet<Uuid>> {
        Ok(self
            .select::<distribution_site::Entity>()
            .filter(kommune_eq(
                distribution_site::Column::Kommunenummer,
                kommunenummer,
            ))
            .filter(distribution_site::Column::Active.eq(true))
            .all(txn)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect())
    }
}

const NO_SUCH_SITE: &str = "there is no active distribution site with this id in the municipality";

/// Finds `site_id` if it is an active distribution site of the municipality.
fn active_site(kommunenummer: &str, site_id: Uuid) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(distribution_site::Entity)
        .and_where(kommune_eq(
            distribution_site::Column::Kommunenummer,
            kommunenummer,
        ))
        .and_where(distribution_site::Column::Id.eq(site_id))
        .and_where(distribution_site::Column::Active.eq(true))
        .to_owned()
}
