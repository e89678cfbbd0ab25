//! Migrations that change data give what the service itself would count, as a production
//! database's owner runs them: on PostgreSQL a role that row-level security applies to.

use std::collections::BTreeMap;

use motgift_migrations::{Migrator, MigratorTrait};
use motgift_schema::store::{DbConfig, connect};
use motgift_tests::empty_db::EmptyDb;
use motgift_tests::{Backend, on_both_databases};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement};

on_both_databases!(counting_every_naloxone_giver_again_equals_the_services_recount);

async fn motgift(url: &str, args: &[&str]) {
    crate::backup::motgift(url, args)
        .await
        .unwrap_or_else(|err| panic!("motgift {args:?} failed: {err:#}"));
}

async fn execute(db: &DatabaseConnection, sql: &str) -> u64 {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .rows_affected()
}

#[derive(FromQueryResult)]
struct Count {
    kommunenummer: String,
    month: chrono::NaiveDate,
    category: String,
    value: i64,
}

type Givers = BTreeMap<(String, String, String), i64>;

async fn givers(db: &DatabaseConnection) -> Givers {
    let sql = "SELECT kommunenummer, month, category, value FROM monthly_counts
               WHERE metric = 'incidents_by_naloxone_given_by' AND value <> 0";
    Count::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| ((c.kommunenummer, c.month.to_string(), c.category), c.value))
        .collect()
}

#[derive(FromQueryResult)]
struct Sum {
    sum: i64,
}

/// The sum of every municipality's count version, and of `attributed` beside it.
async fn versions(db: &DatabaseConnection) -> i64 {
    sum_of(db, "version + attributed", "count_versions").await
}

/// The sum of every municipality's version of every year.
async fn year_versions(db: &DatabaseConnection) -> i64 {
    sum_of(db, "version", "count_year_versions").await
}

async fn sum_of(db: &DatabaseConnection, expression: &str, table: &str) -> i64 {
    let sql = format!("SELECT CAST(COALESCE(SUM({expression}), 0) AS BIGINT) AS sum FROM {table}");
    Sum::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .sum
}

/// Incidents with naloxone given that name nobody were left out of the givers' counts; the
/// migration that counts them as `UNKNOWN` must give exactly what the service's own recount
/// (`motgift recount`) gives, leave retracted incidents out, and raise the versions so that
/// nothing published before is kept.
async fn counting_every_naloxone_giver_again_equals_the_services_recount(backend: Backend) {
    let empty = EmptyDb::new(backend).await;
    motgift(&empty.url, &["seed", "--demo"]).await;
    let inspect = empty.inspect().await;
    // Incidents recorded without naming who gave naloxone, and counts that are not theirs.
    let unnamed = execute(
        &inspect,
        "UPDATE overdose_incidents SET naloxone_given_by = NULL
         WHERE naloxone_given = 'YES' AND naloxone_given_by = 'PEER_OR_BYSTANDER'",
    )
    .await;
    assert!(unnamed > 10, "the demo set names peers: {unnamed}");
    // Retracted incidents never count, named or not.
    let retracted = execute(
        &inspect,
        "UPDATE overdose_incidents SET retracted_at = CURRENT_TIMESTAMP,
             retraction_reason = 'Feilregistrering'
         WHERE naloxone_given = 'YES' AND naloxone_given_by IN ('AMBULANCE', 'POLICE')
           AND occurred_on < '2023-01-01'",
    )
    .await;
    assert!(retracted > 10, "the demo set names ambulances: {retracted}");
    execute(
        &inspect,
        "DELETE FROM monthly_counts WHERE metric = 'incidents_by_naloxone_given_by'
         AND category IN ('PEER_OR_BYSTANDER', 'UNKNOWN')",
    )
    .await;
    let versions_before = (versions(&inspect).await, year_versions(&inspect).await);

    // The migration again, as the owner.
    let owner = connect(&DbConfig::new(&empty.url)).await.expect("connect");
    Migrator::down(&owner, Some(1)).await.expect("down one");
    Migrator::up(&owner, None).await.expect("up");
    let migrated = givers(&inspect).await;
    let (raised, year_raised) = (versions(&inspect).await, year_versions(&inspect).await);
    assert!(
        raised > versions_before.0 && year_raised > versions_before.1,
        "the versions were raised: {versions_before:?} to {:?}",
        (raised, year_raised)
    );

    // What the service counts from the same rows.
    motgift(&empty.url, &["recount"]).await;
    let recounted = givers(&inspect).await;
    assert_eq!(migrated, recounted);
    assert!(
        versions(&inspect).await > raised,
        "a recount raises the versions too"
    );
    let unknown: i64 = recounted
        .iter()
        .filter(|((_, _, category), _)| category == "UNKNOWN")
        .map(|(_, value)| value)
        .sum();
    assert!(
        unknown >= unnamed as i64,
        "the unnamed count as UNKNOWN: {unknown} < {unnamed}"
    );
    assert!(
        !recounted.keys().any(|(_, _, c)| c == "PEER_OR_BYSTANDER"),
        "no peer is named any more"
    );
}
