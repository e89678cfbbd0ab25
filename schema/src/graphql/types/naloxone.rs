//! Naloxone kits handed out, and the sites that hand them out.

use async_graphql::{Context, ErrorExtensions, ID, Object, ResultExt};
use chrono::{DateTime, Utc};

use crate::domain::*;
use crate::entity::{distribution_site, naloxone_distribution};
use crate::error::Error;
use crate::graphql::global_id::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::scalars::Date;
use crate::graphql::types::MunicipalityNode;
use crate::graphql::types::action::municipality;

/// Kits handed out to one recipient.
pub struct NaloxoneNode(pub naloxone_distribution::Model);

#[Object(name = "NaloxoneDistribution", serial)]
impl NaloxoneNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("NaloxoneDistribution", self.0.id)
    }

    async fn municipality(&self, ctx: &Context<'_>) -> async_graphql::Result<MunicipalityNode> {
        municipality(ctx, &self.0.kommunenummer).await
    }

    async fn distributed_on(&self) -> Date {
        Date(self.0.distributed_on)
    }

    /// Where the kits were handed out.
    async fn site(&self, ctx: &Context<'_>) -> async_graphql::Result<SiteNode> {
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders
            .sites
            .load_one(self.0.site_id)
            .await
            .extend()?
            .map(SiteNode)
            .ok_or_else(|| {
                Error::NotFound {
                    what: "distribution site",
                }
                .extend()
            })
    }

    /// Kits handed out; a kit is usually two single-dose sprays.
    async fn kits(&self) -> i32 {
        self.0.kits.into()
    }

    async fn product(&self) -> NaloxoneProduct {
        self.0.product
    }

    async fn recipient_category(&self) -> RecipientCategory {
        self.0.recipient_category
    }

    /// True the first time the recipient gets naloxone; false for a refill.
    async fn first_time(&self) -> bool {
        self.0.first_time
    }

    /// Why a kit was refilled; `USED_ON_OVERDOSE` is the programme's proxy for a reversal.
    async fn refill_reason(&self) -> Option<RefillReason> {
        self.0.refill_reason
    }

    async fn training_given(&self) -> bool {
        self.0.training_given
    }

    async fn training_minutes(&self) -> Option<i32> {
        self.0.training_minutes.map(i32::from)
    }

    async fn sex(&self) -> Sex {
        self.0.sex
    }

    async fn age_band(&self) -> AgeBand {
        self.0.age_band
    }

    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// The version to send with the next correction.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the record was retracted; retracted records leave the statistics.
    async fn retracted_at(&self) -> Option<DateTime<Utc>> {
        self.0.retracted_at
    }

    async fn retraction_reason(&self) -> Option<&str> {
        self.0.retraction_reason.as_deref()
    }

    /// True for generated demonstration or benchmark data.
    async fn synthetic(&self) -> bool {
        self.0.synthetic
    }
}

/// A named place of a municipality where naloxone is handed out.
pub struct SiteNode(pub distribution_site::Model);

#[Object(name = "DistributionSite", serial)]
impl SiteNode {
    pub async fn id(&self) -> ID {
        GlobalId::encode("DistributionSite", self.0.id)
    }

    async fn municipality(&self, ctx: &Context<'_>) -> async_graphql::Result<MunicipalityNode> {
        municipality(ctx, &self.0.kommunenummer).await
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn kind(&self) -> SiteKind {
        self.0.kind
    }

    /// False for sites that no longer hand out naloxone.
    async fn active(&self) -> bool {
        self.0.active
    }
}
