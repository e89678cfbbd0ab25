//! Backups: `motgift export`, then `motgift import` into a brand-new database, gives the same
//! dashboards, reports, records and audit trail; a changed archive and a database that holds
//! data are refused before anything is written; a municipality's archive holds no other
//! municipality's rows; an archive moves from SQLite to PostgreSQL unchanged.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser;
use motgift_api::backup::{MANIFEST_FILE, Manifest, NOT_EXPORTED, Owner, Scope, TABLES};
use motgift_api::cli::Cli;
use motgift_schema::Store;
use motgift_schema::store::{AuditVerification, PLAN_CHAIN};
use motgift_tests::empty_db::EmptyDb;
use motgift_tests::{Backend, TestApp, TestDb, on_both_databases};
use sea_orm::{DatabaseConnection, FromQueryResult, JsonValue, Statement};
use serde_json::{Value, json};

use crate::report::with_demo_data;

on_both_databases!(
    every_table_is_in_the_backup,
    export_then_import_gives_identical_results,
    a_changed_archive_is_refused_before_anything_is_written,
    an_import_into_a_database_with_data_is_refused_and_changes_nothing,
    a_municipality_archive_holds_no_other_municipality_rows,
);

/// Runs a `motgift` command in-process against `url`.
pub(crate) async fn motgift(url: &str, args: &[&str]) -> anyhow::Result<()> {
    let mut argv = vec!["motgift", "--database-url", url];
    argv.extend_from_slice(args);
    Cli::try_parse_from(&argv)
        .expect("valid command line")
        .run()
        .await
}

/// A directory for one archive, removed when the test ends.
struct ArchiveDir(PathBuf);

impl ArchiveDir {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("motgift-archive-{}", uuid::Uuid::new_v4())))
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("temp paths are UTF-8")
    }

    fn manifest(&self) -> Manifest {
        Manifest::read(&self.0).expect("manifest")
    }

    fn rows(&self, table: &str) -> Vec<Value> {
        std::fs::read_to_string(self.0.join(format!("{table}.jsonl")))
            .expect("table file")
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON row"))
            .collect()
    }
}

impl Drop for ArchiveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn export(url: &str, extra: &[&str]) -> ArchiveDir {
    let dir = ArchiveDir::new();
    let mut args = vec!["export", "--output", dir.path()];
    args.extend_from_slice(extra);
    motgift(url, &args)
        .await
        .unwrap_or_else(|err| panic!("export failed: {err:#}"));
    dir
}

async fn import(url: &str, dir: &ArchiveDir) -> anyhow::Result<()> {
    motgift(url, &["import", "--input", dir.path()]).await
}

/// Every table's rows as stored, in key order: equal only if every value is stored alike.
async fn dump(db: &DatabaseConnection) -> Vec<(String, Vec<JsonValue>)> {
    let mut tables = Vec::new();
    for table in &TABLES {
        let rows = JsonValue::find_by_statement(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT * FROM {} ORDER BY {}",
                table.name,
                table.key.join(", ")
            ),
        ))
        .all(db)
        .await
        .expect("dump");
        tables.push((table.name.to_owned(), rows));
    }
    tables
}

fn counts(dump: &[(String, Vec<JsonValue>)]) -> Vec<(String, usize)> {
    dump.iter()
        .map(|(t, rows)| (t.clone(), rows.len()))
        .collect()
}

async fn catalog_tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY 1"
        }
    };
    JsonValue::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
        .all(db)
        .await
        .expect("tables")
        .into_iter()
        .map(|row| row["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn every_table_is_in_the_backup(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut in_database: Vec<String> = catalog_tables(&db.db)
        .await
        .into_iter()
        .filter(|t| !NOT_EXPORTED.iter().any(|(left_out, _)| left_out == t))
        .collect();
    in_database.sort();
    let mut backed_up: Vec<String> = TABLES.iter().map(|t| t.name.to_owned()).collect();
    backed_up.sort();
    assert_eq!(
        in_database, backed_up,
        "a table of the database is neither backed up (backup::TABLES) nor left out on purpose \
         (backup::NOT_EXPORTED)"
    );
}

const CREATE_INCIDENT: &str = "mutation($i: CreateOverdoseIncidentInput!) {
    createOverdoseIncident(input: $i) { id } }";

fn incident(on: &str) -> Value {
    json!({ "occurredOn": on, "placeType": "PRIVATE_HOME", "outcome": "NON_FATAL",
        "suspectedSubstances": ["HEROIN"], "naloxoneGiven": "NO",
        "disposition": "TREATED_ON_SCENE", "ageBand": "AGE_35_44", "sex": "FEMALE",
        "followUpOffered": "YES", "source": "MUNICIPAL_SERVICE" })
}

/// Changes through the service on top of the demo data, so the archive holds what only use
/// creates: audit chains (Molde's, Kristiansund's and the plan's), corrections, a retraction,
/// a submitted annual report and access log entries.
async fn record_changes(app: &TestApp) {
    let molde = app.clone().with_caller("1506:coordinator");
    let id = |data: Value| data["createOverdoseIncident"]["id"].clone();
    let late = id(molde
        .query(CREATE_INCIDENT, json!({ "i": incident("2025-06-10") }))
        .await);
    molde
        .query(
            "mutation($i: CorrectOverdoseIncidentInput!) { correctOverdoseIncident(input: $i) { id } }",
            json!({ "i": { "id": late, "version": 1, "placeType": "SHELTER" } }),
        )
        .await;
    let twice = id(molde
        .query(CREATE_INCIDENT, json!({ "i": incident("2025-08-02") }))
        .await);
    molde
        .query(
            "mutation($i: RetractInput!) { retractOverdoseIncident(input: $i) { id } }",
            json!({ "i": { "id": twice, "version": 1, "reason": "Registrert to ganger" } }),
        )
        .await;
    let plan = molde
        .query("{ plan { focusAreas { measures { id } } } }", json!({}))
        .await;
    molde
        .query(
            "mutation($i: CreateActionInput!) { createAction(input: $i) { id } }",
            json!({ "i": { "measureId": plan["plan"]["focusAreas"][0]["measures"][0]["id"],
                "title": "Kartlegging av overdoser", "status": "IN_PROGRESS" } }),
        )
        .await;
    molde
        .query(
            "mutation { submitAnnualReport(year: 2025) { version } }",
            json!({}),
        )
        .await;
    app.clone()
        .with_caller("1505:registrar")
        .query(CREATE_INCIDENT, json!({ "i": incident("2025-09-15") }))
        .await;
    app.clone()
        .with_caller(":plan_admin")
        .query(
            "mutation($i: CreateFocusAreaInput!) { createFocusArea(input: $i) { id } }",
            json!({ "i": { "position": 11, "name": "Rusmiddelanalyse", "nameEn": "Drug checking" } }),
        )
        .await;
    molde.query(INCIDENTS, json!({})).await;
}

const CELL: &str = "kommunenummer category value suppressed ratePer10k share";

fn dashboard(range: &str) -> String {
    let panel = format!(
        "{{ categories {{ code label }} series {{ kommunenummer category values shares }}
           periods {{ period {{ label from to }} cells {{ {CELL} }}
             municipalityTotals {{ {CELL} }} categoryTotals {{ {CELL} }} total {{ {CELL} }} }} }}"
    );
    format!(
        "{{ dashboard({range}) {{ from to bucket municipalities periods {{ label }}
           incidents {panel} incidentsByOutcome {panel} incidentsBySubstance {panel}
           followUpOffered {panel} naloxoneKits {panel} naloxoneKitsByFirstTime {panel}
           previousYear {{ incidents {panel} }}
           planProgress {{ actionsByStatus {{ kommunenummer status count }}
             measuresWithoutAction {{ measure {{ code }} kommunenummer }} }}
           indicators {{ indicator {{ code target }} year
             values {{ kommunenummer value suppressed met }} }} }} }}"
    )
}

const REPORT: &str = "query($municipality: String) {
  annualReport(year: 2025, municipality: $municipality) {
    year municipality { kommunenummer name } municipalities
    measures { focusArea { position name } measure { code name } kommunenummer status
      actionsByStatus { status count } actionsInYear { id title status version }
      plannedNext { id title } }
    incidents { ...table } naloxone { ...table }
    monthlyIncidents { series { kommunenummer values } }
    indicators { indicator { code kind target } year values { kommunenummer value suppressed met } }
    dataQuality { corrections { kommunenummer count } retractions { kommunenummer count }
      measuresWithoutAction { measure { code } kommunenummer }
      monthsWithoutRecords { kommunenummer months } }
    submission { version submittedAt submittedBy role tables { ...table }
      changedSinceSubmission { key kommunenummer category submitted current difference } }
    methodNotes } }
fragment table on ReportTable { key title rows { kommunenummer category label value previous
  change suppressed previousSuppressed } }";

const INCIDENTS: &str = "{ overdoseIncidents(first: 100, filter: { state: ALL }) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id version occurredOn occurredHour placeType outcome suspectedSubstances
      naloxoneGiven naloxoneDoses disposition ageBand sex followUpOffered source notes
      createdAt updatedAt retractedAt retractionReason synthetic
      municipality { kommunenummer } } } }";

const AUDIT_TRAIL: &str = "{ auditTrail(first: 100) { totalCount
    nodes { id seq kommunenummer occurredAt actor role requestId recordType recordId operation
      before after prevHash hash } } }";

/// The same requests to both services, for several callers: the responses must be equal.
async fn assert_same_answers(original: &TestApp, restored: &TestApp) {
    let requests: Vec<(&str, String, Value)> = vec![
        (
            "dashboard by year",
            dashboard("from: \"2021-01-01\", to: \"2025-12-31\", bucket: YEAR"),
            json!({}),
        ),
        (
            "dashboard by month",
            dashboard(
                "from: \"2025-01-01\", to: \"2025-12-31\", bucket: MONTH, \
                 municipalities: [\"1505\", \"1506\", \"1508\"]",
            ),
            json!({}),
        ),
        (
            "Molde's report",
            REPORT.to_owned(),
            json!({ "municipality": "1506" }),
        ),
        ("the joint report", REPORT.to_owned(), json!({})),
        ("incidents", INCIDENTS.to_owned(), json!({})),
        ("audit trail", AUDIT_TRAIL.to_owned(), json!({})),
    ];
    for caller in ["1506:coordinator", "1505:coordinator", ":analyst"] {
        let before = original.clone().with_caller(caller);
        let after = restored.clone().with_caller(caller);
        for (what, query, variables) in &requests {
            let expected = before.graphql(query, variables.clone()).await;
            let actual = after.graphql(query, variables.clone()).await;
            if caller != ":analyst" {
                assert!(
                    expected.get("errors").is_none(),
                    "{caller}, {what}: {expected:#}"
                );
            }
            assert_eq!(actual, expected, "{caller}, {what}");
        }
    }
}

async fn export_then_import_gives_identical_results(backend: Backend) {
    let original = with_demo_data(backend).await;
    record_changes(&original).await;
    let verification = Store::new(original.db.db.clone())
        .verify_audit()
        .await
        .unwrap();
    assert_eq!(
        intact_chains(&verification),
        ["1505", "1506", PLAN_CHAIN],
        "the demo and the changes make three chains"
    );

    let archive = export(&original.db.url, &[]).await;
    let manifest = archive.manifest();
    assert_eq!(manifest.scope, Scope::All);
    assert_eq!(manifest.tables.len(), TABLES.len());
    let empty = EmptyDb::new(backend).await;
    import(&empty.url, &archive)
        .await
        .unwrap_or_else(|err| panic!("import failed: {err:#}"));

    // Every row stored as it was, and the audit chains intact with the same heads.
    let restored_db = empty.inspect().await;
    let before = dump(&original.db.db).await;
    let after = dump(&restored_db).await;
    assert_eq!(counts(&after), counts(&before));
    assert!(
        counts(&before).iter().all(|(_, n)| *n > 0),
        "{:?}",
        counts(&before)
    );
    assert!(
        after == before,
        "the restored rows differ from the exported ones"
    );
    assert_eq!(
        Store::new(restored_db.clone())
            .verify_audit()
            .await
            .unwrap(),
        verification
    );

    // Exported again (on PostgreSQL as the owner, under forced row-level security), the
    // restored database gives the same files.
    let again = export(&empty.url, &[]).await;
    assert_eq!(again.manifest().tables, manifest.tables);

    let restored = empty.serve().await;
    assert_same_answers(&original, &restored).await;
}

async fn a_changed_archive_is_refused_before_anything_is_written(backend: Backend) {
    let db = TestDb::new(backend).await;
    motgift(&db.url, &["seed", "--demo"]).await.unwrap();
    let archive = export(&db.url, &[]).await;
    let empty = EmptyDb::new(backend).await;

    // One byte of one row changed: the version of the first incident.
    let file = archive.0.join("overdose_incidents.jsonl");
    let mut bytes = std::fs::read(&file).unwrap();
    let at = find(&bytes, b"\"version\":1").expect("a version") + b"\"version\":".len();
    bytes[at] = b'7';
    std::fs::write(&file, &bytes).unwrap();
    let err = import(&empty.url, &archive).await.unwrap_err();
    assert!(
        format!("{err:#}").contains("does not match its checksum"),
        "{err:#}"
    );
    assert_eq!(
        empty.tables().await,
        Vec::<String>::new(),
        "nothing was written"
    );

    // A row count that does not match the file is refused as well.
    bytes[at] = b'1';
    std::fs::write(&file, &bytes).unwrap();
    let manifest_path = archive.0.join(MANIFEST_FILE);
    let mut manifest = archive.manifest();
    manifest.tables[0].rows += 1;
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let err = import(&empty.url, &archive).await.unwrap_err();
    assert!(format!("{err:#}").contains("the manifest says"), "{err:#}");
    assert_eq!(
        empty.tables().await,
        Vec::<String>::new(),
        "nothing was written"
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn an_import_into_a_database_with_data_is_refused_and_changes_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    motgift(&db.url, &["seed", "--demo"]).await.unwrap();
    let archive = export(&db.url, &[]).await;

    let before = dump(&db.db).await;
    let err = import(&db.url, &archive).await.unwrap_err();
    assert!(format!("{err:#}").contains("already holds data"), "{err:#}");
    assert!(dump(&db.db).await == before, "the database was changed");

    // Nor does a restored database take a second import.
    let empty = EmptyDb::new(backend).await;
    import(&empty.url, &archive).await.unwrap();
    let restored = empty.inspect().await;
    let imported = dump(&restored).await;
    assert!(import(&empty.url, &archive).await.is_err());
    assert!(
        dump(&restored).await == imported,
        "the second import changed rows"
    );
}

async fn a_municipality_archive_holds_no_other_municipality_rows(backend: Backend) {
    let original = with_demo_data(backend).await;
    record_changes(&original).await;
    let archive = export(&original.db.url, &["--municipality", "1506"]).await;
    assert_eq!(
        archive.manifest().scope,
        Scope::Municipalities(vec!["1506".to_owned()])
    );

    for table in &TABLES {
        let rows = archive.rows(table.name);
        let municipalities: BTreeSet<&str> = rows
            .iter()
            .filter_map(|row| row["kommunenummer"].as_str())
            .collect();
        match table.owner {
            // Reference data and the plan, in full.
            Owner::Reference => {
                assert!(!rows.is_empty(), "{}", table.name);
                if !municipalities.is_empty() {
                    assert_eq!(
                        municipalities,
                        ["1505", "1506", "1508"].into(),
                        "{}",
                        table.name
                    );
                }
            }
            // Molde's rows, and the plan's own audit chain.
            Owner::Municipality => {
                let allowed: BTreeSet<&str> = ["1506", PLAN_CHAIN].into();
                assert!(
                    municipalities.is_subset(&allowed),
                    "{}: {municipalities:?}",
                    table.name
                );
                assert!(municipalities.contains("1506"), "{}", table.name);
            }
        }
    }
    assert!(
        archive
            .rows("audit_heads")
            .iter()
            .any(|h| h["kommunenummer"] == PLAN_CHAIN),
        "the plan's chain travels with the plan"
    );

    // Restored, it is Molde's data alone, with intact chains.
    let empty = EmptyDb::new(backend).await;
    import(&empty.url, &archive).await.unwrap();
    let verification = Store::new(empty.inspect().await)
        .verify_audit()
        .await
        .unwrap();
    assert_eq!(intact_chains(&verification), ["1506", PLAN_CHAIN]);
    let restored = empty.serve().await;
    assert_eq!(
        restored
            .clone()
            .with_caller("1506:coordinator")
            .query(INCIDENTS, json!({}))
            .await,
        original
            .clone()
            .with_caller("1506:coordinator")
            .query(INCIDENTS, json!({}))
            .await
    );
    let kristiansund = restored
        .clone()
        .with_caller("1505:coordinator")
        .query(INCIDENTS, json!({}))
        .await;
    assert_eq!(kristiansund["overdoseIncidents"]["totalCount"], 0);
}

/// An archive of one database imports into the other, and the rows come back alike: the same
/// lines (in the same order where PostgreSQL collates as SQLite does, as on the test server).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_moves_from_sqlite_to_postgres() {
    let sqlite = TestDb::new(Backend::Sqlite).await;
    motgift(&sqlite.url, &["seed", "--demo"]).await.unwrap();
    let archive = export(&sqlite.url, &[]).await;
    let postgres = EmptyDb::new(Backend::Postgres).await;
    import(&postgres.url, &archive).await.unwrap();
    let again = export(&postgres.url, &[]).await;
    assert_eq!(again.manifest().source_database, "postgres");
    let shape = |m: Manifest| -> Vec<_> {
        m.tables
            .into_iter()
            .map(|t| (t.name, t.rows, t.columns, t.key))
            .collect()
    };
    assert_eq!(shape(again.manifest()), shape(archive.manifest()));
    assert_same_lines(&archive.0, &again.0);
}

fn assert_same_lines(a: &Path, b: &Path) {
    let lines = |dir: &Path, file: &str| {
        let text = std::fs::read_to_string(dir.join(file)).expect("table file");
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines.sort();
        lines
    };
    for table in &TABLES {
        let file = format!("{}.jsonl", table.name);
        assert!(lines(a, &file) == lines(b, &file), "{file} differs");
    }
}

/// The municipalities of the verified audit chains; fails unless every chain is intact.
fn intact_chains(verification: &AuditVerification) -> Vec<&str> {
    assert!(verification.intact(), "{verification:?}");
    verification
        .chains
        .iter()
        .map(|c| c.kommunenummer.as_str())
        .collect()
}
