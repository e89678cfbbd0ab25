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

/// `settle_ledger`, the ledger's one statement: it writes the access-log entries whose expected
/// versions are null or those it read, only within the scope it sets, all or nothing, and the
/// scope ends with the statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledgers_statement_writes_only_entries_due_in_their_scope() {
    let db = TestDb::new(Backend::Postgres).await;
    motgift_seed::migrate_and_run(&db.db, SeedOptions::default())
        .await
        .expect("reference data");
    let mut conn = service_connection(&db).await;
    let versions: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT version FROM reference_version WHERE id = 1), \
         COALESCE((SELECT CAST(SUM(version) AS BIGINT) FROM count_versions), 0)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let (reference, counts) = versions;

    // One entry each: written whatever the versions (a fresh read's), kept and current, kept
    // and stale.
    let settle = |scope: &'static str, kommunenummer: Vec<&'static str>| {
        let n = kommunenummer.len();
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT reference, counts FROM settle_ledger($1, $2, $3, $4, \
             ARRAY(SELECT gen_random_uuid() FROM generate_series(1, $5)), \
             array_fill(now(), ARRAY[$5]), array_fill('actor'::text, ARRAY[$5]), \
             array_fill('coordinator'::text, ARRAY[$5]), $6, array_fill('Q'::text, ARRAY[$5]), \
             array_fill('list'::text, ARRAY[$5]), array_fill('OverdoseIncident'::text, ARRAY[$5]), \
             array_fill(1, ARRAY[$5]))",
        )
        .bind(scope)
        .bind(vec![None, Some(reference), Some(reference - 1)][..n].to_vec())
        .bind(vec![None, Some(counts), Some(counts)][..n].to_vec())
        .bind(kommunenummer)
        .bind(n as i32)
        .bind(vec!["fresh", "current", "stale"][..n].to_vec())
    };
    let answered = settle("1506", vec!["1506", "1506", "1506"])
        .fetch_one(&mut conn)
        .await
        .expect("settled");
    assert_eq!(answered, (reference, counts));
    let scope_after: Option<String> =
        sqlx::query_scalar("SELECT NULLIF(current_setting('app.municipalities', true), '')")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(scope_after, None, "the scope ends with the statement");

    let mut txn = conn.begin().await.unwrap();
    txn.execute("SELECT set_config('app.municipalities', '1506', true)")
        .await
        .unwrap();
    let written: Vec<String> =
        sqlx::query_scalar("SELECT request_id FROM access_log ORDER BY request_id")
            .fetch_all(&mut *txn)
            .await
            .unwrap();
    assert_eq!(written, ["current", "fresh"]);
    txn.rollback().await.unwrap();

    // An entry outside the scope it sets is refused, and the statement writes nothing.
    let refused = settle("1506", vec!["1506", "1505"])
        .fetch_one(&mut conn)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("row-level security"),
        "{refused}"
    );
    let mut txn = conn.begin().await.unwrap();
    txn.execute("SELECT set_config('app.municipalities', '1505,1506', true)")
        .await
        .unwrap();
    assert_eq!(count(&mut txn, "SELECT count(*) FROM access_log").await, 2);
}
