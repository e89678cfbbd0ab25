//! Counts every incident with naloxone given in `incidents_by_naloxone_given_by`, those that
//! name nobody as `UNKNOWN`, so the givers of a month add up to its incidents with naloxone
//! given. The metric is counted again from the incidents in force, and the count versions of
//! every municipality with incidents are raised: answers kept before are not sent again.
//!
//! On PostgreSQL the migration's transaction is scoped to every municipality first: the
//! tables' row-level security applies to their owner too.
//!
//! A service from before this migration still counts only the named givers, and one from
//! after takes back `UNKNOWN` for an unnamed one it corrects or retracts: stop the older
//! instances before migrating (deploy/README.md), or run `motgift recount` once they are gone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const METRIC: &str = "incidents_by_naloxone_given_by";

/// The statements that count the metric again, `month` being the backend's first day of the
/// month of `occurred_on`. (`WHERE true` lets SQLite tell `ON CONFLICT` from a join's `ON`.)
fn recount(month: &str) -> String {
    format!(
        "DELETE FROM monthly_counts WHERE metric = '{METRIC}';
         INSERT INTO monthly_counts (kommunenummer, metric, month, category, value)
         SELECT kommunenummer, '{METRIC}', {month}, COALESCE(naloxone_given_by, 'UNKNOWN'),
                COUNT(*)
         FROM overdose_incidents
         WHERE retracted_at IS NULL AND naloxone_given = 'YES'
         GROUP BY kommunenummer, {month}, COALESCE(naloxone_given_by, 'UNKNOWN');
         INSERT INTO count_versions (kommunenummer, version, attributed)
         SELECT DISTINCT kommunenummer, 1, 1 FROM overdose_incidents WHERE true
         ON CONFLICT (kommunenummer) DO UPDATE
         SET version = count_versions.version + 1, attributed = count_versions.attributed + 1;
         INSERT INTO count_year_versions (kommunenummer, year, version)
         SELECT DISTINCT kommunenummer, 0, 1 FROM overdose_incidents WHERE true
         ON CONFLICT (kommunenummer, year) DO UPDATE
         SET version = count_year_versions.version + 1;"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let sql = match manager.get_database_backend() {
            // No incident is written while the metric is counted again: a write between the
            // DELETE and the INSERT would be counted twice.
            DbBackend::Postgres => format!(
                "LOCK TABLE overdose_incidents IN SHARE MODE;
                 SELECT set_config('app.municipalities',
                     (SELECT string_agg(CAST(kommunenummer AS text), ',') FROM municipalities), true);
                 {}",
                recount("CAST(date_trunc('month', occurred_on) AS date)")
            ),
            _ => recount("substr(occurred_on, 1, 8) || '01'"),
        };
        db.execute_unprepared(&sql).await.map(|_| ())
    }

    /// On SQLite too: the counts are never left deleted and not yet counted again.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The counts before named givers only; those counted here as UNKNOWN stay, which the
        // service before this migration reads as givers named UNKNOWN.
        Ok(())
    }
}
