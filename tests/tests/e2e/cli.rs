//! The `motgift` commands, run in-process against fresh databases: migrations down and up,
//! idempotent seeding, a deterministic demo set.

use motgift_tests::{Backend, TestDb, on_both_databases};
use sea_orm::{FromQueryResult, JsonValue, Statement};

on_both_databases!(
    migrate_down_to_nothing_and_back_up,
    seeding_twice_changes_no_row_count,
    demo_seed_is_the_same_on_two_runs,
);

const TABLES: [(&str, &str); 14] = [
    ("municipalities", "kommunenummer"),
    ("municipality_populations", "kommunenummer, year"),
    ("plans", "id"),
    ("focus_areas", "id"),
    ("measures", "id"),
    ("measure_responsibilities", "measure_id, kommunenummer"),
    ("indicators", "id"),
    ("actions", "kommunenummer, id"),
    ("action_notes", "kommunenummer, id"),
    ("overdose_incidents", "kommunenummer, id"),
    (
        "incident_substances",
        "kommunenummer, incident_id, substance",
    ),
    ("distribution_sites", "kommunenummer, id"),
    ("naloxone_distributions", "kommunenummer, id"),
    ("monthly_counts", "kommunenummer, metric, month, category"),
];

/// Tables that are not seed content: the logs and submitted reports, which grow through use,
/// and the counts' and reference data's versions, which move with every recount and change.
const OPERATIONAL_TABLES: [&str; 7] = [
    "access_log",
    "audit_events",
    "audit_heads",
    "count_versions",
    "count_year_versions",
    "reference_version",
    "report_submissions",
];

async fn motgift(db: &TestDb, args: &[&str]) {
    crate::backup::motgift(&db.url, args)
        .await
        .unwrap_or_else(|err| panic!("motgift {args:?} failed: {err:#}"));
}

async fn user_tables(db: &TestDb) -> Vec<String> {
    let sql = match db.backend {
        Backend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' \
             AND tablename <> 'seaql_migrations' ORDER BY 1"
        }
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations' ORDER BY 1"
        }
    };
    JsonValue::find_by_statement(Statement::from_string(db.db.get_database_backend(), sql))
        .all(&db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn row_counts(db: &TestDb) -> Vec<(String, i64)> {
    let mut counts = Vec::new();
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    for (table, _) in TABLES {
        let count = Count::find_by_statement(Statement::from_string(
            db.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .one(&db.db)
        .await
        .unwrap()
        .expect("one row");
        counts.push((table.to_owned(), count.n));
    }
    counts
}

/// Every row of every table, in primary-key order.
async fn dump(db: &TestDb) -> Vec<JsonValue> {
    let mut rows = Vec::new();
    for (table, key) in TABLES {
        rows.extend(
            JsonValue::find_by_statement(Statement::from_string(
                db.db.get_database_backend(),
                format!("SELECT * FROM {table} ORDER BY {key}"),
            ))
            .all(&db.db)
            .await
            .unwrap(),
        );
    }
    rows
}

async fn migrate_down_to_nothing_and_back_up(backend: Backend) {
    let db = TestDb::new(backend).await;
    assert_eq!(
        user_tables(&db).await.len(),
        TABLES.len() + OPERATIONAL_TABLES.len()
    );

    motgift(&db, &["migrate", "down", "--all"]).await;
    assert_eq!(user_tables(&db).await, Vec::<String>::new());

    motgift(&db, &["migrate", "up"]).await;
    assert_eq!(
        user_tables(&db).await.len(),
        TABLES.len() + OPERATIONAL_TABLES.len()
    );
    motgift(&db, &["migrate", "status"]).await;
}

async fn seeding_twice_changes_no_row_count(backend: Backend) {
    let db = TestDb::new(backend).await;
    motgift(&db, &["seed", "--demo"]).await;
    let first = row_counts(&db).await;
    assert!(
        first.iter().all(|(_, n)| *n > 0),
        "every table has rows: {first:?}"
    );
    motgift(&db, &["seed", "--demo"]).await;
    assert_eq!(row_counts(&db).await, first);
}

async fn demo_seed_is_the_same_on_two_runs(backend: Backend) {
    let a = TestDb::new(backend).await;
    let b = TestDb::new(backend).await;
    motgift(&a, &["seed", "--demo"]).await;
    motgift(&b, &["seed", "--demo"]).await;
    let (rows_a, rows_b) = (dump(&a).await, dump(&b).await);
    assert!(rows_a.len() > 5_000, "the demo set spans several years");
    assert_eq!(rows_a, rows_b);
}
