//! Naloxone distribution: a municipality's distribution sites and the kits handed out there.
//! The national programme's linkage code is deliberately absent: it identifies people.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::{Record, add_record_columns, idempotency_index, kommunenummer};
use crate::m20261123_000001_create_municipalities::Municipalities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DistributionSites {
    Table,
    Kommunenummer,
    Id,
    Name,
    Kind,
    Active,
}

#[derive(DeriveIden)]
enum NaloxoneDistributions {
    Table,
    DistributedOn,
    SiteId,
    Kits,
    Product,
    RecipientCategory,
    FirstTime,
    RefillReason,
    TrainingGiven,
    TrainingMinutes,
    Sex,
    AgeBand,
    Notes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DistributionSites::Table)
                    .col(kommunenummer(DistributionSites::Kommunenummer))
                    .col(uuid(DistributionSites::Id))
                    .col(string_len(DistributionSites::Name, 200))
                    .col(string_len(DistributionSites::Kind, 40))
                    .col(boolean(DistributionSites::Active).default(true))
                    .primary_key(
                        Index::create()
                            .col(DistributionSites::Kommunenummer)
                            .col(DistributionSites::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DistributionSites::Table, DistributionSites::Kommunenummer)
                            .to(Municipalities::Table, Municipalities::Kommunenummer),
                    )
                    .index(
                        Index::create()
                            .unique()
                            .name("ux_distribution_sites_name")
                            .col(DistributionSites::Kommunenummer)
                            .col(DistributionSites::Name),
                    )
                    .to_owned(),
            )
            .await?;

        let mut table = Table::create();
        table.table(NaloxoneDistributions::Table);
        add_record_columns(&mut table)
            .col(date(NaloxoneDistributions::DistributedOn))
            .col(uuid(NaloxoneDistributions::SiteId))
            .col(small_integer(NaloxoneDistributions::Kits))
            .col(string_len(NaloxoneDistributions::Product, 32))
            .col(string_len(NaloxoneDistributions::RecipientCategory, 40))
            .col(boolean(NaloxoneDistributions::FirstTime))
            .col(string_len_null(NaloxoneDistributions::RefillReason, 32))
            .col(boolean(NaloxoneDistributions::TrainingGiven))
            .col(small_integer_null(NaloxoneDistributions::TrainingMinutes))
            .col(string_len(NaloxoneDistributions::Sex, 16))
            .col(string_len(NaloxoneDistributions::AgeBand, 16))
            .col(text_null(NaloxoneDistributions::Notes))
            .foreign_key(
                ForeignKey::create()
                    .from_tbl(NaloxoneDistributions::Table)
                    .from_col(Record::Kommunenummer)
                    .from_col(NaloxoneDistributions::SiteId)
                    .to_tbl(DistributionSites::Table)
                    .to_col(DistributionSites::Kommunenummer)
                    .to_col(DistributionSites::Id),
            );
        manager.create_table(table).await?;
        manager
            .create_index(idempotency_index(
                NaloxoneDistributions::Table,
                "ux_naloxone_distributions_idempotency",
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_naloxone_distributions_distributed")
                    .table(NaloxoneDistributions::Table)
                    .col(Record::Kommunenummer)
                    .col(NaloxoneDistributions::DistributedOn)
                    .col(Record::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NaloxoneDistributions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DistributionSites::Table).to_owned())
            .await
    }
}
