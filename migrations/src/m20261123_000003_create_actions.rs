//! Actions: a municipality's work on a measure of the plan, with a log of dated notes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::columns::{Record, add_record_columns, idempotency_index, kommunenummer};
use crate::m20261123_000001_create_municipalities::Municipalities;
use crate::m20261123_000002_create_plan::Measures;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Actions {
    Table,
    MeasureId,
    Title,
    Description,
    ResponsibleUnit,
    Status,
    PlannedStart,
    PlannedEnd,
    ActualStart,
    ActualEnd,
    ProgressPercent,
    OutputLabel,
    OutputValue,
}

#[derive(DeriveIden)]
enum ActionNotes {
    Table,
    Kommunenummer,
    Id,
    ActionId,
    NotedOn,
    Text,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table.table(Actions::Table);
        add_record_columns(&mut table)
            .col(uuid(Actions::MeasureId))
            .col(string_len(Actions::Title, 200))
            .col(text_null(Actions::Description))
            .col(string_len_null(Actions::ResponsibleUnit, 200))
            .col(string_len(Actions::Status, 32))
            .col(date_null(Actions::PlannedStart))
            .col(date_null(Actions::PlannedEnd))
            .col(date_null(Actions::ActualStart))
            .col(date_null(Actions::ActualEnd))
            .col(small_integer(Actions::ProgressPercent).default(0))
            .col(string_len_null(Actions::OutputLabel, 200))
            .col(integer_null(Actions::OutputValue))
            .foreign_key(
                ForeignKey::create()
                    .from(Actions::Table, Record::Kommunenummer)
                    .to(Municipalities::Table, Municipalities::Kommunenummer),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Actions::Table, Actions::MeasureId)
                    .to(Measures::Table, Measures::Id),
            );
        manager.create_table(table).await?;
        manager
            .create_index(idempotency_index(Actions::Table, "ux_actions_idempotency"))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_actions_measure")
                    .table(Actions::Table)
                    .col(Record::Kommunenummer)
                    .col(Actions::MeasureId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActionNotes::Table)
                    .col(kommunenummer(ActionNotes::Kommunenummer))
                    .col(uuid(ActionNotes::Id))
                    .col(uuid(ActionNotes::ActionId))
                    .col(date(ActionNotes::NotedOn))
                    .col(text(ActionNotes::Text))
                    .col(timestamp_with_time_zone(ActionNotes::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ActionNotes::Kommunenummer)
                            .col(ActionNotes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from_tbl(ActionNotes::Table)
                            .from_col(ActionNotes::Kommunenummer)
                            .from_col(ActionNotes::ActionId)
                            .to_tbl(Actions::Table)
                            .to_col(Record::Kommunenummer)
                            .to_col(Record::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_action_notes_action")
                    .table(ActionNotes::Table)
                    .col(ActionNotes::Kommunenummer)
                    .col(ActionNotes::ActionId)
                    .col(ActionNotes::NotedOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActionNotes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Actions::Table).to_owned())
            .await
    }
}
