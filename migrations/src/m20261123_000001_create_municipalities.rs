//! Municipalities and their population per year (reference data, readable by everyone).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::kommunenummer;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Municipalities {
    Table,
    Kommunenummer,
    Name,
    ValidFrom,
    ValidTo,
    Synthetic,
}

#[derive(DeriveIden)]
enum MunicipalityPopulations {
    Table,
    Kommunenummer,
    Year,
    Population,
    Estimated,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Municipalities::Table)
                    .col(kommunenummer(Municipalities::Kommunenummer).primary_key())
                    .col(string_len(Municipalities::Name, 100))
                    .col(date(Municipalities::ValidFrom))
                    .col(date_null(Municipalities::ValidTo))
                    .col(boolean(Municipalities::Synthetic).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MunicipalityPopulations::Table)
                    .col(kommunenummer(MunicipalityPopulations::Kommunenummer))
                    .col(integer(MunicipalityPopulations::Year))
                    .col(integer(MunicipalityPopulations::Population))
                    .col(boolean(MunicipalityPopulations::Estimated).default(false))
                    .primary_key(
                        Index::create()
                            .col(MunicipalityPopulations::Kommunenummer)
                            .col(MunicipalityPopulations::Year),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                MunicipalityPopulations::Table,
                                MunicipalityPopulations::Kommunenummer,
                            )
                            .to(Municipalities::Table, Municipalities::Kommunenummer),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(MunicipalityPopulations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Municipalities::Table).to_owned())
            .await
    }
}
