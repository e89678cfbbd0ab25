//! Recording, correcting and retracting naloxone distributions, one or a shift's list at once.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, ResultExt};

use super::{RetractInput, new_meta, patch, set};
use crate::ctx::Access;
use crate::domain::*;
use crate::error::Error;
use crate::graphql::global_id::GlobalId;
use crate::graphql::query::tenant;
use crate::graphql::scalars::Date;
use crate::graphql::types::NaloxoneNode;
use crate::store::{NewNaloxoneDistribution, RecordMeta, TenantDb};
use crate::validate::{MAX_IDEMPOTENCY_KEY, Validator};

/// The most rows one bulk call takes.
pub const MAX_BULK_ROWS: usize = 500;

/// Kits handed out to one recipient.
#[derive(InputObject)]
pub struct NaloxoneDistributionFields {
    /// The local date; not in the future.
    distributed_on: Date,
    /// The distribution site (see `distributionSites`).
    site_id: ID,
    /// Kits handed out, 1 to 50.
    kits: i64,
    #[graphql(default_with = "NaloxoneProduct::Nyxoid")]
    product: NaloxoneProduct,
    recipient_category: RecipientCategory,
    first_time: bool,
    /// Required for a refill (`UNKNOWN` if nobody knows); absent for a first time.
    refill_reason: Option<RefillReason>,
    training_given: bool,
    training_minutes: Option<i64>,
    #[graphql(default_with = "Sex::Unknown")]
    sex: Sex,
    #[graphql(default_with = "AgeBand::Unknown")]
    age_band: AgeBand,
    /// Free text without personal data.
    notes: Option<String>,
}

#[derive(InputObject)]
pub struct CreateNaloxoneDistributionInput {
    /// The municipality (kommunenummer); may be left out by a caller who acts for one only.
    municipality: Option<String>,
    #[graphql(flatten)]
    distribution: NaloxoneDistributionFields,
    /// A key the client makes up (a UUID is good): a retry with the same key returns the
    /// first record instead of creating a second.
    idempotency_key: Option<String>,
}

/// A day's list from an outreach shift: stored all together, or not at all.
#[derive(InputObject)]
pub struct CreateNaloxoneDistributionsInput {
    municipality: Option<String>,
    distributions: Vec<NaloxoneDistributionFields>,
    /// One key for the whole list: a retry returns the rows stored the first time.
    idempotency_key: Option<String>,
}

/// Corrects a distribution; fields left out keep their value, `null` clears an optional one.
#[derive(InputObject)]
pub struct CorrectNaloxoneDistributionInput {
    id: ID,
    /// The version the client saw; a stale version is a `CONFLICT`.
    version: i64,
    distributed_on: Option<Date>,
    site_id: Option<ID>,
    kits: Option<i64>,
    product: Option<NaloxoneProduct>,
    recipient_category: Option<RecipientCategory>,
    first_time: Option<bool>,
    refill_reason: MaybeUndefined<RefillReason>,
    training_given: Option<bool>,
    training_minutes: MaybeUndefined<i64>,
    sex: Option<Sex>,
    age_band: Option<AgeBand>,
    notes: MaybeUndefined<String>,
}

impl NaloxoneDistributionFields {
    fn into_new(self, meta: RecordMeta, field: &str) -> Result<NewNaloxoneDistribution, Error> {
        Ok(NewNaloxoneDistribution {
            meta,
            distributed_on: self.distributed_on.0,
            site_id: GlobalId::decode_as(&self.site_id, "DistributionSite", field)?,
            kits: self.kits,
            product: self.product,
            recipient_category: self.recipient_category,
            first_time: self.first_time,
            refill_reason: self.refill_reason,
            training_given: self.training_given,
            training_minutes: self.training_minutes,
            sex: self.sex,
            age_band: self.age_band,
            notes: self.notes,
        })
    }
}

/// The rows of a bulk call, each with its own key derived from the list's key.
fn bulk_rows(
    tenant: &TenantDb<'_>,
    input: CreateNaloxoneDistributionsInput,
) -> Result<Vec<NewNaloxoneDistribution>, Error> {
    let mut v = Validator::new();
    if input.distributions.len() > MAX_BULK_ROWS {
        v.fail(
            "distributions",
            format!(
                "at most {MAX_BULK_ROWS} distributions per call; got {}",
                input.distributions.len()
            ),
        );
    }
    if let Some(key) = &input.idempotency_key
        && key.len() > MAX_IDEMPOTENCY_KEY - 5
    {
        v.fail(
            "idempotencyKey",
            format!(
                "a list's idempotency key is at most {} characters",
                MAX_IDEMPOTENCY_KEY - 5
            ),
        );
    }
    v.finish()?;
    input
        .distributions
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let key = input.idempotency_key.as_ref().map(|k| format!("{k}#{i}"));
            let meta = new_meta(tenant, input.municipality.as_deref(), key)?;
            row.into_new(meta, &format!("distributions[{i}].siteId"))
        })
        .collect()
}

#[derive(Default)]
pub struct NaloxoneMutation;

#[Object]
impl NaloxoneMutation {
    /// Records kits handed out. Needs the coordinator or registrar role.
    async fn create_naloxone_distribution(
        &self,
        ctx: &Context<'_>,
        input: CreateNaloxoneDistributionInput,
    ) -> async_graphql::Result<NaloxoneNode> {
        let tenant = tenant(ctx, Access::WriteCases)?;
        let meta = new_meta(
            &tenant,
            input.municipality.as_deref(),
            input.idempotency_key,
        )
        .extend()?;
        let new = input.distribution.into_new(meta, "siteId").extend()?;
        Ok(NaloxoneNode(
            tenant.create_naloxone_distribution(new).await.extend()?,
        ))
    }

    /// Records a shift's list of distributions in one call: all of them, or none and the
    /// errors of every bad row (`extensions.errors`, fields such as `distributions[2].kits`).
    /// Needs the coordinator or registrar role.
    async fn create_naloxone_distributions(
        &self,
        ctx: &Context<'_>,
        input: CreateNaloxoneDistributionsInput,
    ) -> async_graphql::Result<Vec<NaloxoneNode>> {
        let tenant = tenant(ctx, Access::WriteCases)?;
        let rows = bulk_rows(&tenant, input).extend()?;
        let created = tenant
            .create_naloxone_distributions(rows, Some("distributions"))
            .await
            .extend()?;
        Ok(created.into_iter().map(NaloxoneNode).collect())
    }

    /// Corrects a distribution from the version the client saw. Needs the coordinator or
    /// registrar role.
    async fn correct_naloxone_distribution(
        &self,
        ctx: &Context<'_>,
        input: CorrectNaloxoneDistributionInput,
    ) -> async_graphql::Result<NaloxoneNode> {
        let tenant = tenant(ctx, Access::WriteCases)?;
        let id = GlobalId::decode_as(&input.id, "NaloxoneDistribution", "id").extend()?;
        let site_id = input
            .site_id
            .map(|s| GlobalId::decode_as(&s, "DistributionSite", "siteId"))
            .transpose()
            .extend()?;
        let corrected = tenant
            .correct_naloxone_distribution(id, input.version, |d| {
                set(&mut d.distributed_on, input.distributed_on.map(|x| x.0));
                set(&mut d.site_id, site_id);
                set(&mut d.kits, input.kits);
                set(&mut d.product, input.product);
                set(&mut d.recipient_category, input.recipient_category);
                set(&mut d.first_time, input.first_time);
                patch(&mut d.refill_reason, input.refill_reason);
                set(&mut d.training_given, input.training_given);
                patch(&mut d.training_minutes, input.training_minutes);
                set(&mut d.sex, input.sex);
                set(&mut d.age_band, input.age_band);
                patch(&mut d.notes, input.notes);
            })
            .await
            .extend()?;
        Ok(NaloxoneNode(corrected))
    }

    /// Retracts a distribution; it stays in the history and leaves the statistics. Needs the
    /// coordinator or registrar role.
    async fn retract_naloxone_distribution(
        &self,
        ctx: &Context<'_>,
        input: RetractInput,
    ) -> async_graphql::Result<NaloxoneNode> {
        let tenant = tenant(ctx, Access::WriteCases)?;
        let retraction = input.into_retraction("NaloxoneDistribution").extend()?;
        Ok(NaloxoneNode(
            tenant
                .retract_naloxone_distribution(retraction)
                .await
                .extend()?,
        ))
    }
}
