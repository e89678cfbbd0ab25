//! Monthly counts per municipality, metric and category, kept exact by every write: a record
//! in force contributes its deltas; a correction takes the old ones back and adds the new; a
//! retraction takes them back. Dashboards read these, never detail rows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, InsertStatement, OnConflict, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};

use super::lifecycle::RecordEntity;
use super::tenant::{TenantDb, TenantScope};
use super::tenant::{kommune_eq, kommune_in};
use super::together::{rows_per_statement, send_together};
use crate::domain::{Coded, Kommunenummer, NaloxoneGivenBy, Outcome, Substance, YesNoUnknown};
use crate::entity::{
    action, count_version, count_year_version, incident, incident_substance, monthly_count,
    municipality, naloxone_distribution,
};
use crate::error::Result;

/// The metrics kept, each counted per month and category.
pub mod metric {
    pub const INCIDENTS: &str = "incidents";
    pub const INCIDENTS_BY_OUTCOME: &str = "incidents_by_outcome";
    pub const INCIDENTS_BY_PLACE: &str = "incidents_by_place_type";
    pub const INCIDENTS_BY_SUBSTANCE: &str = "incidents_by_substance";
    pub const INCIDENTS_BY_NALOXONE_GIVEN: &str = "incidents_by_naloxone_given";
    pub const INCIDENTS_BY_NALOXONE_GIVEN_BY: &str = "incidents_by_naloxone_given_by";
    pub const INCIDENTS_BY_DISPOSITION: &str = "incidents_by_disposition";
    pub const NON_FATAL_BY_FOLLOW_UP_OFFERED: &str = "non_fatal_by_follow_up_offered";
    pub const DISTRIBUTIONS: &str = "naloxone_distributions";
    pub const KITS: &str = "naloxone_kits";
    pub const KITS_BY_RECIPIENT: &str = "naloxone_kits_by_recipient";
    pub const KITS_BY_FIRST_TIME: &str = "naloxone_kits_by_first_time";
    pub const REFILLS_BY_REASON: &str = "naloxone_refills_by_reason";
    pub const PEOPLE_TRAINED: &str = "naloxone_people_trained";
}

/// The category of a metric without categories.
pub const ALL: &str = "ALL";

/// One contribution to one monthly count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delta {
    pub month: NaiveDate,
    pub metric: &'static str,
    pub category: String,
    pub value: i64,
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// What an incident in force contributes.
pub(crate) fn incident_deltas(row: &incident::Model, substances: &[Substance]) -> Vec<Delta> {
    let month = first_of_month(row.occurred_on);
    let one = |metric, category: &str| Delta {
        month,
        metric,
        category: category.to_owned(),
        value: 1,
    };
    let mut deltas = vec![
        one(metric::INCIDENTS, ALL),
        one(metric::INCIDENTS_BY_OUTCOME, row.outcome.code()),
        one(metric::INCIDENTS_BY_PLACE, row.place_type.code()),
        one(
            metric::INCIDENTS_BY_NALOXONE_GIVEN,
            row.naloxone_given.code(),
        ),
        one(metric::INCIDENTS_BY_DISPOSITION, row.disposition.code()),
    ];
    deltas.extend(
        substances
            .iter()
            .map(|s| one(metric::INCIDENTS_BY_SUBSTANCE, s.code())),
    );
    // Every incident with naloxone given counts once by who gave it, `UNKNOWN` where nobody
    // is named, so the givers add up to the incidents with naloxone given: that panel splits
    // the column, and its figures can give none of the column's away.
    if row.naloxone_given == YesNoUnknown::Yes {
        let by = row.naloxone_given_by.unwrap_or(NaloxoneGivenBy::Unknown);
        deltas.push(one(metric::INCIDENTS_BY_NALOXONE_GIVEN_BY, by.code()));
    }
    if row.outcome == Outcome::NonFatal {
        deltas.push(one(
            metric::NON_FATAL_BY_FOLLOW_UP_OFFERED,
            row.follow_up_offered.code(),
        ));
    }
    deltas
}

/// What a naloxone distribution in force contributes.
pub(crate) fn naloxone_deltas(row: &naloxone_distribution::Model) -> Vec<Delta> {
    let month = first_of_month(row.distributed_on);
    let kits = i64::from(row.kits);
    let delta = |metric, category: &str, value| Delta {
        month,
        metric,
        category: category.to_owned(),
        value,
    };
    let mut deltas = vec![
        delta(metric::DISTRIBUTIONS, ALL, 1),
        delta(metric::KITS, ALL, kits),
        delta(
            metric::KITS_BY_RECIPIENT,
            row.recipient_category.code(),
            kits,
        ),
        delta(
            metric::KITS_BY_FIRST_TIME,
            if row.first_time {
                "FIRST_TIME"
            } else {
                "REFILL"
            },
            kits,
        ),
    ];
    if let Some(reason) = row.refill_reason {
        deltas.push(delta(metric::REFILLS_BY_REASON, reason.code(), 1));
    }
    if row.training_given {
        deltas.push(delta(metric::PEOPLE_TRAINED, ALL, 1));
    }
    deltas
}

/// The deltas taken back.
pub(crate) fn negated(deltas: Vec<Delta>) -> Vec<Delta> {
    deltas
        .into_iter()
        .map(|d| Delta {
            value: -d.value,
            ..d
        })
        .collect()
}

/// Changes to one municipality's counts, summed per count (one statement may touch a row
/// once), to be written together.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    sums: BTreeMap<(&'static str, NaiveDate, String), i64>,
}

impl Tally {
    pub fn add(&mut self, deltas: impl IntoIterator<Item = Delta>) {
        for d in deltas {
            *self
                .sums
                .entry((d.metric, d.month, d.category))
                .or_default() += d.value;
        }
    }

    /// The upserts of the counts that changed (zero sums are skipped), the raise of the
    /// municipality's count version, which every write raises (kept answers may show any of
    /// its rows, not only counts), and the raise of the versions of the calendar years whose
    /// counts changed (kept panels are published a year at a time).
    pub fn statements(self, kommunenummer: &str) -> Vec<SubQueryStatement> {
        let years: BTreeSet<i32> = self
            .sums
            .iter()
            .filter(|(_, value)| **value != 0)
            .map(|((_, month, _), _)| month.year())
            .collect();
        let rows: Vec<monthly_count::ActiveModel> = self
            .sums
            .into_iter()
            .filter(|(_, value)| *value != 0)
            .map(
                |((metric, month, category), value)| monthly_count::ActiveModel {
                    kommunenummer: Set(kommunenummer.to_owned()),
                    metric: Set(metric.to_owned()),
                    month: Set(month),
                    category: Set(category),
                    value: Set(value),
                },
            )
            .collect();
        let mut statements: Vec<SubQueryStatement> = rows
            .chunks(rows_per_statement(5))
            .map(|chunk| {
                monthly_count::Entity::insert_many(chunk.iter().cloned())
                    .on_conflict(
                        OnConflict::columns([
                            monthly_count::Column::Kommunenummer,
                            monthly_count::Column::Metric,
                            monthly_count::Column::Month,
                            monthly_count::Column::Category,
                        ])
                        .value(
                            monthly_count::Column::Value,
                            Expr::cust("monthly_counts.value + excluded.value"),
                        )
                        .to_owned(),
                    )
                    .into_query()
                    .into()
            })
            .collect();
        statements.push(raise_version(kommunenummer).into());
        if !years.is_empty() {
            statements.push(raise_year_versions(kommunenummer, &years).into());
        }
        statements
    }
}

/// Marks the data of municipalities as changed by raising their count versions and the
/// version of every year, so kept panels and answers are computed afresh: for writes outside
/// a [`Tally`] (bulk loads, recounts).
pub(crate) async fn data_changed<'k, C: ConnectionTrait>(
    conn: &C,
    municipalities: impl IntoIterator<Item = &'k str>,
) -> Result<()> {
    let unique: BTreeSet<&str> = municipalities.into_iter().collect();
    for kommunenummer in unique {
        conn.execute(&raise_version(kommunenummer)).await?;
        let every_year = BTreeSet::from([EVERY_YEAR]);
        conn.execute(&raise_year_versions(kommunenummer, &every_year))
            .await?;
    }
    Ok(())
}

/// The year whose version stands for every year's.
pub const EVERY_YEAR: i32 = 0;

fn raise_year_versions(kommunenummer: &str, years: &BTreeSet<i32>) -> InsertStatement {
    let rows = years.iter().map(|year| count_year_version::ActiveModel {
        kommunenummer: Set(kommunenummer.to_owned()),
        year: Set(*year),
        version: Set(1),
    });
    count_year_version::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                count_year_version::Column::Kommunenummer,
                count_year_version::Column::Year,
            ])
            .value(
                count_year_version::Column::Version,
                Expr::cust("count_year_versions.version + 1"),
            )
            .to_owned(),
        )
        .into_query()
}

/// Raises the municipality's count version, and with it `attributed`: its years' versions are
/// raised in the same transaction.
fn raise_version(kommunenummer: &str) -> InsertStatement {
    count_version::Entity::insert(count_version::ActiveModel {
        kommunenummer: Set(kommunenummer.to_owned()),
        version: Set(1),
        attributed: Set(1),
    })
    .on_conflict(
        OnConflict::column(count_version::Column::Kommunenummer)
            .values([
                (
                    count_version::Column::Version,
                    Expr::cust("count_versions.version + 1"),
                ),
                (
                    count_version::Column::Attributed,
                    Expr::cust("count_versions.attributed + 1"),
                ),
            ])
            .to_owned(),
    )
    .into_query()
}

impl TenantDb<'_> {
    /// How many records `select` matches, in the caller's transaction. `kept` names the
    /// metric that counts them when the filter asks for every record in force of its
    /// municipalities: the kept counts then have the answer without a scan.
    pub(crate) async fn count_records<E>(
        &self,
        txn: &DatabaseTransaction,
        select: Select<E>,
        kept: Option<&str>,
        municipalities: Option<&[String]>,
    ) -> Result<u64>
    where
        E: EntityTrait,
        E::Model: Sync,
    {
        match kept {
            Some(metric) => {
                let municipalities = self.narrow(municipalities, "municipalities")?;
                counted_in(txn, metric, &municipalities).await
            }
            None => Ok(select.count(txn).await?),
        }
    }

    /// Recounts a municipality's monthly counts from its detail rows, replacing what was
    /// there. For bulk loads, which skip rows that exist and so cannot count as they go.
    pub async fn rebuild_aggregates(&self, kommunenummer: &str) -> Result<()> {
        let txn = self.begin().await?;
        monthly_count::Entity::delete_many()
            .filter(kommune_eq(
                monthly_count::Column::Kommunenummer,
                kommunenummer,
            ))
            .exec(&txn)
            .await?;
        let incidents = self
            .select::<incident::Entity>()
            .filter(kommune_eq(incident::Column::Kommunenummer, kommunenummer))
            .filter(incident::Column::RetractedAt.is_null())
            .all(&txn)
            .await?;
        let mut substances: BTreeMap<uuid::Uuid, Vec<Substance>> = BTreeMap::new();
        for row in self
            .select::<incident_substance::Entity>()
            .filter(kommune_eq(
                incident_substance::Column::Kommunenummer,
                kommunenummer,
            ))
            .order_by_asc(incident_substance::Column::IncidentId)
            .all(&txn)
            .await?
        {
            substances
                .entry(row.incident_id)
                .or_default()
                .push(row.substance);
        }
        let distributions = self
            .select::<naloxone_distribution::Entity>()
            .filter(kommune_eq(
                naloxone_distribution::Column::Kommunenummer,
                kommunenummer,
            ))
            .filter(naloxone_distribution::Column::RetractedAt.is_null())
            .all(&txn)
            .await?;
        let deltas = incidents
            .iter()
            .flat_map(|i| incident_deltas(i, substances.get(&i.id).map_or(&[][..], Vec::as_slice)))
            .chain(distributions.iter().flat_map(naloxone_deltas));
        let mut tally = Tally::default();
        tally.add(deltas);
        send_together(&txn, tally.statements(kommunenummer)).await?;
        // Years whose counts were deleted and not added again changed too.
        data_changed(&txn, [kommunenummer]).await?;
        self.commit_write(txn).await
    }
}

impl super::Store {
    /// Counts every municipality's monthly counts again from its records in force, and raises
    /// its versions (`motgift recount`): after an upgrade that changes what is counted, once
    /// no instance counts the old way.
    pub async fn recount(&self) -> Result<usize> {
        let municipalities = municipality::Entity::find()
            .order_by_asc(municipality::Column::Kommunenummer)
            .all(&self.db)
            .await?;
        for m in &municipalities {
            let scope = TenantScope::new([Kommunenummer::from_trusted(&m.kommunenummer)]);
            self.system_tenant(scope)
                .rebuild_aggregates(&m.kommunenummer)
                .await?;
        }
        Ok(municipalities.len())
    }
}

/// The sum of a metric's monthly counts over the given municipalities: the number of records
/// in force for a metric that counts records.
async fn counted_in<C: ConnectionTrait>(
    conn: &C,
    metric: &str,
    municipalities: &[String],
) -> Result<u64> {
    let select = monthly_count::Entity::find()
        .select_only()
        // PostgreSQL sums bigints as numeric; the cast keeps the type on both databases.
        .column_as(Expr::cust("CAST(SUM(value) AS BIGINT)"), "total")
        .filter(monthly_count::Column::Metric.eq(metric))
        .filter(kommune_in(
            monthly_count::Column::Kommunenummer,
            municipalities.iter().cloned(),
        ))
        .into_tuple::<Option<i64>>();
    let total = select.one(conn).await?;
    Ok(total.flatten().map_or(0, |t| u64::try_from(t).unwrap_or(0)))
}

/// A record type whose rows in force are counted.
pub(crate) trait Aggregated: RecordEntity
where
    Self::Model: Sync,
{
    /// What a row in force contributes; reads its child rows through `conn` if it needs them.
    fn deltas<C: ConnectionTrait + Sync>(
        conn: &C,
        row: &Self::Model,
    ) -> impl Future<Output = Result<Vec<Delta>>> + Send;
}

impl Aggregated for action::Entity {
    /// Plan progress is read from the actions themselves: there are few.
    async fn deltas<C: ConnectionTrait + Sync>(_: &C, _: &action::Model) -> Result<Vec<Delta>> {
        Ok(Vec::new())
    }
}

impl Aggregated for incident::Entity {
    async fn deltas<C: ConnectionTrait + Sync>(
        conn: &C,
        row: &incident::Model,
    ) -> Result<Vec<Delta>> {
        let substances: Vec<Substance> = incident_substance::Entity::find()
            .filter(kommune_eq(
                incident_substance::Column::Kommunenummer,
                &row.kommunenummer,
            ))
            .filter(incident_substance::Column::IncidentId.eq(row.id))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| s.substance)
            .collect();
        Ok(incident_deltas(row, &substances))
    }
}

impl Aggregated for naloxone_distribution::Entity {
    async fn deltas<C: ConnectionTrait + Sync>(
        _: &C,
        row: &naloxone_distribution::Model,
    ) -> Result<Vec<Delta>> {
        Ok(naloxone_deltas(row))
    }
}
