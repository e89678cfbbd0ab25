//! Overdose incidents: non-identifying records (coarse place, age band, never an address or a
//! birth date) and their suspected substances.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::{Record, add_record_columns, idempotency_index, kommunenummer};
use crate::m20261123_000001_create_municipalities::Municipalities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OverdoseIncidents {
    Table,
    OccurredOn,
    OccurredHour,
    PlaceType,
    Outcome,
    SubstanceCertainty,
    NaloxoneGiven,
    NaloxoneDoses,
    NaloxoneGivenBy,
    Disposition,
    AgeBand,
    Sex,
    Intent,
    FollowUpOffered,
    FollowUpWithinHours,
    FollowUpAccepted,
    FollowUpKind,
    Source,
    Notes,
}

#[derive(DeriveIden)]
enum IncidentSubstances {
    Table,
    Kommunenummer,
    IncidentId,
    Substance,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table.table(OverdoseIncidents::Table);
        add_record_columns(&mut table)
            .col(date(OverdoseIncidents::OccurredOn))
            .col(small_integer_null(OverdoseIncidents::OccurredHour))
            .col(string_len(OverdoseIncidents::PlaceType, 40))
            .col(string_len(OverdoseIncidents::Outcome, 16))
            .col(string_len(OverdoseIncidents::SubstanceCertainty, 32))
            .col(string_len(OverdoseIncidents::NaloxoneGiven, 16))
            .col(small_integer_null(OverdoseIncidents::NaloxoneDoses))
            .col(string_len_null(OverdoseIncidents::NaloxoneGivenBy, 40))
            .col(string_len(OverdoseIncidents::Disposition, 32))
            .col(string_len(OverdoseIncidents::AgeBand, 16))
            .col(string_len(OverdoseIncidents::Sex, 16))
            .col(string_len(OverdoseIncidents::Intent, 16))
            .col(string_len(OverdoseIncidents::FollowUpOffered, 16))
            .col(small_integer_null(OverdoseIncidents::FollowUpWithinHours))
            .col(string_len_null(OverdoseIncidents::FollowUpAccepted, 16))
            .col(string_len_null(OverdoseIncidents::FollowUpKind, 40))
            .col(string_len(OverdoseIncidents::Source, 32))
            .col(text_null(OverdoseIncidents::Notes))
            .foreign_key(
                ForeignKey::create()
                    .from(OverdoseIncidents::Table, Record::Kommunenummer)
                    .to(Municipalities::Table, Municipalities::Kommunenummer),
            );
        manager.create_table(table).await?;
        manager
            .create_index(idempotency_index(
                OverdoseIncidents::Table,
                "ux_overdose_incidents_idempotency",
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_overdose_incidents_occurred")
                    .table(OverdoseIncidents::Table)
                    .col(Record::Kommunenummer)
                    .col(OverdoseIncidents::OccurredOn)
                    .col(Record::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IncidentSubstances::Table)
                    .col(kommunenummer(IncidentSubstances::Kommunenummer))
                    .col(uuid(IncidentSubstances::IncidentId))
                    .col(string_len(IncidentSubstances::Substance, 40))
                    .primary_key(
                        Index::create()
                            .col(IncidentSubstances::Kommunenummer)
                            .col(IncidentSubstances::IncidentId)
                            .col(IncidentSubstances::Substance),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl(IncidentSubstances::Table)
                            .from_col(IncidentSubstances::Kommunenummer)
                            .from_col(IncidentSubstances::IncidentId)
                            .to_tbl(OverdoseIncidents::Table)
                            .to_col(Record::Kommunenummer)
                            .to_col(Record::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IncidentSubstances::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(OverdoseIncidents::Table).to_owned())
            .await
    }
}
