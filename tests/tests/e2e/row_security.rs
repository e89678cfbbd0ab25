//! The second wall: PostgreSQL itself refuses what the service must never do, even if the
//! application forgot its own municipality filter. Raw SQL, connected as the service role.

use motgift_seed::SeedOptions;
use motgift_tests::{Backend, TestDb};
use sqlx::{Connection, Executor, PgConnection, Row};

async fn service_connection(db: &TestDb) -> PgConnection {
    PgConnection::connect(&db.service_url)
        .await
        .expect("connect as the service role")
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_role_sees_only_its_scope_and_cannot_break_out() {
    let db = TestDb::new(Backend::Postgres).await;
    motgift_seed::migrate_and_run(
        &db.db,
        SeedOptions {
            demo: true,
            ..SeedOptions::default()
        },
    )
    .await
    .expect("demo data");
    let mut conn = service_connection(&db).await;

    let role =
        sqlx::query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(!role.get::<bool, _>(0) && !role.get::<bool, _>(1));

    // No scope: no rows at all.
    assert_eq!(
        count(&mut conn, "SELECT count(*) FROM overdose_incidents").await,
        0
    );

    // Molde's scope: Molde's rows, none of Kristiansund's, and no way to write one.
    let mut txn = conn.begin().await.unwrap();
    txn.execute("SELECT set_config('app.municipalities', '1506', true)")
        .await
        .unwrap();
    let molde = count(&mut txn, "SELECT count(*) FROM overdose_incidents").await;
    assert!(molde > 0);
    assert_eq!(
        count(
            &mut txn,
            "SELECT count(*) FROM overdose_incidents WHERE kommunenummer = '1505'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut txn,
            "SELECT count(*) FROM overdose_incidents WHERE kommunenummer <> '1506'"
        )
        .await,
        0
    );
    let insert = txn
        .execute(
            "INSERT INTO distribution_sites (kommunenummer, id, name, kind, active) \
             VALUES ('1505', gen_random_uuid(), 'Smuglet inn', 'OTHER', true)",
        )
        .await;
    assert!(
        insert
            .unwrap_err()
            .to_string()
            .contains("row-level security"),
        "inserting a foreign row is refused"
    );
    txn.rollback().await.unwrap();

    // Moving a row to another municipality is refused too.
    let mut txn = conn.begin().await.unwrap();
    txn.execute("SELECT set_config('app.municipalities', '1506', true)")
        .await
        .unwrap();
    let moved = txn
        .execute("UPDATE overdose_incidents SET kommunenummer = '1505'")
        .await;
    assert!(moved.is_err(), "a row cannot leave the scope");
    txn.rollback().await.unwrap();

    // The scope ends with the transaction: the pooled connection keeps nothing.
    assert_eq!(
        count(&mut conn, "SELECT count(*) FROM overdose_incidents").await,
        0
    );

    // Records are never deleted and the audit trail is append-only, whatever the scope.
    let mut txn = conn.begin().await.unwrap();
    txn.execute("SELECT set_config('app.municipalities', '1506', true)")
        .await
        .unwrap();
    for statement in [
        "DELETE FROM overdose_incidents",
        "DELETE FROM naloxone_distributions",
        "DELETE FROM actions",
    ] {
        let refused = txn.execute(statement).await;
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("permission denied"),
            "{statement}"
        );
        txn.rollback().await.unwrap();
        txn = conn.begin().await.unwrap();
    }
    for statement in [
        "UPDATE audit_events SET actor = 'x'",
        "DELETE FROM audit_events",
    ] {
        let refused = txn.execute(statement).await;
        assert!(
            refused
                .unwrap_err()
                .to_string()
                .contains("permission denied"),
            "{statement}"
        );
        txn.rollback().await.unwrap();
        txn = conn.begin().await.unwrap();
    }
    txn.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_with_a_municipality_column_has_forced_row_security() {
    let db = TestDb::new(Backend::Postgres).await;
    let mut conn = PgConnection::connect(&db.url).await.unwrap();
    // Enumerated from the catalog, so a new tenant table without a policy fails here.
    let rows = sqlx::query(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity,
                EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname)
         FROM pg_class c
         JOIN information_schema.columns col
           ON col.table_name = c.relname AND col.column_name = 'kommunenummer'
          AND col.table_schema = 'public'
         WHERE c.relkind = 'r'
           AND c.relname NOT IN ('municipalities', 'municipality_populations',
                                 'measure_responsibilities')
         ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let tables: Vec<(String, bool, bool, bool)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert!(tables.len() >= 8, "{tables:?}");
    for (table, enabled, forced, policy) in tables {
        assert!(
            enabled && forced && policy,
            "{table} lacks forced row-level security"
        );
    }
}
