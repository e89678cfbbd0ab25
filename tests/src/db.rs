//! Fresh databases for tests.
//!
//! PostgreSQL: each test gets its own database, cloned from a template that is migrated and
//! loaded with reference data once per migration set (crates.io's approach), and dropped when
//! the test ends. SQLite: each test gets its own file in the temp directory.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use motgift_migrations::{Migrator, MigratorTrait};
use motgift_schema::Store;
use motgift_schema::store::{DbConfig, connect};
use motgift_seed::SeedOptions;
use sea_orm::DatabaseConnection;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use tokio::sync::OnceCell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// The server tests use; override with `MOTGIFT_TEST_PG_URL`.
pub fn admin_url() -> String {
    std::env::var("MOTGIFT_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The URL of another database on the same server as `admin_url`.
pub fn database_url(name: &str) -> String {
    database_url_on(&admin_url(), name)
}

/// The URL of another database on the server of `admin`.
fn database_url_on(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

/// The login role the service uses in tests: a member of the migrations' `motgift_app`
/// group, neither owner nor superuser, so row-level security applies to it.
pub const SERVICE_ROLE: &str = "motgift_service";

/// `database_url(name)` for the service role (trust authentication, no password).
pub fn service_database_url(name: &str) -> String {
    service_database_url_on(&admin_url(), name)
}

fn service_database_url_on(admin: &str, name: &str) -> String {
    let url = database_url_on(admin, name);
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{SERVICE_ROLE}@{host}"),
        (Some((scheme, rest)), None) => format!("{scheme}://{SERVICE_ROLE}@{rest}"),
        _ => url,
    }
}

async fn admin_connection(url: &str) -> PgConnection {
    match PgConnection::connect(url).await {
        Ok(conn) => conn,
        Err(err) => panic!(
            "PostgreSQL is not reachable at {url} ({err}).\n\
             The PostgreSQL tests need a running server. Start the machine's cluster with\n\
             \x20   pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n\
             or point MOTGIFT_TEST_PG_URL at a server where the user may create databases."
        ),
    }
}

/// The template's name changes whenever the migrations do, so a stale template is never used.
fn template_name() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    for byte in names
        .join(",")
        .bytes()
        .chain(env!("CARGO_PKG_VERSION").bytes())
    {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("motgift_template_{hash:016x}")
}

/// The template of each server (by admin URL), created once per process.
static TEMPLATES: Mutex<BTreeMap<String, Arc<OnceCell<String>>>> = Mutex::new(BTreeMap::new());

/// Creates the template once per server; an advisory lock keeps parallel test processes from
/// building it twice.
async fn template(admin_url: &str) -> String {
    let per_server = TEMPLATES
        .lock()
        .expect("template map")
        .entry(admin_url.to_owned())
        .or_default()
        .clone();
    per_server
        .get_or_init(|| async {
            let name = template_name();
            let mut admin = admin_connection(admin_url).await;
            admin
                .execute("SELECT pg_advisory_lock(727274)")
                .await
                .expect("advisory lock");
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .expect("look up template");
            if !exists {
                let building = format!("{name}_building");
                admin
                    .execute(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {building} WITH (FORCE)"
                    )))
                    .await
                    .expect("drop half-built template");
                admin
                    .execute(AssertSqlSafe(format!("CREATE DATABASE {building}")))
                    .await
                    .expect("create template");
                {
                    let db = connect(&DbConfig::new(database_url_on(admin_url, &building)))
                        .await
                        .expect("connect to template");
                    prepare(&db).await;
                    db.close().await.expect("close template connection");
                }
                ensure_service_role(&mut admin).await;
                admin
                    .execute(AssertSqlSafe(format!(
                        "ALTER DATABASE {building} RENAME TO {name}"
                    )))
                    .await
                    .expect("publish template");
            }
            admin
                .execute("SELECT pg_advisory_unlock(727274)")
                .await
                .expect("advisory unlock");
            name
        })
        .await
        .clone()
}

/// Migrations and reference data: what every test database starts with.
/// Creates a role unless it exists. Roles belong to the server and other tests create them
/// too: the statement tolerates losing the race.
pub(crate) async fn ensure_role(admin: &mut PgConnection, role: &str, options: &str) {
    admin
        .execute(AssertSqlSafe(format!(
            "DO $$ BEGIN CREATE ROLE {role} {options}; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )))
        .await
        .unwrap_or_else(|e| panic!("create role {role}: {e}"));
}

/// The service's login role, a member of the migrations' group (which must exist).
pub(crate) async fn ensure_service_role(admin: &mut PgConnection) {
    ensure_role(admin, SERVICE_ROLE, "LOGIN").await;
    admin
        .execute(AssertSqlSafe(format!(
            "GRANT {} TO {SERVICE_ROLE}",
            motgift_migrations::SERVICE_GROUP
        )))
        .await
        .expect("make the service role a member of the service group");
}

async fn prepare(db: &DatabaseConnection) {
    motgift_seed::migrate_and_run(db, SeedOptions::default())
        .await
        .expect("migrate and load reference data");
}

/// A database that exists for one test.
pub struct TestDb {
    pub backend: Backend,
    /// The owner's URL: migrations, seeding and raw SQL in tests.
    pub url: String,
    /// The service's URL: on PostgreSQL the service role, under row-level security.
    pub service_url: String,
    /// Connected as the owner (superuser on the test server): sees through row-level security.
    pub db: DatabaseConnection,
    service: DatabaseConnection,
    name: String,
    /// The server's admin URL (PostgreSQL), to drop the database.
    admin_url: String,
}

impl TestDb {
    /// A fresh database with migrations and reference data.
    pub async fn new(backend: Backend) -> Self {
        Self::create(backend, admin_url()).await
    }

    /// A fresh PostgreSQL database on another server than the shared one (such as a
    /// `PgServer` of the test's own), with its template and the service role.
    pub async fn new_on(admin_url: &str) -> Self {
        Self::create(Backend::Postgres, admin_url.to_owned()).await
    }

    async fn create(backend: Backend, admin_url: String) -> Self {
        let name = format!("motgift_test_{}", uuid::Uuid::new_v4().simple());
        let (url, service_url) = match backend {
            Backend::Postgres => {
                let template = template(&admin_url).await;
                let mut admin = admin_connection(&admin_url).await;
                let create = format!("CREATE DATABASE {name} TEMPLATE {template}");
                // Cloning fails while another session briefly touches the template: retry.
                let mut attempt = 0;
                loop {
                    match admin.execute(AssertSqlSafe(create.clone())).await {
                        Ok(_) => break,
                        Err(err) if attempt < 20 => {
                            attempt += 1;
                            eprintln!("retrying CREATE DATABASE: {err}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(err) => panic!("create test database: {err}"),
                    }
                }
                (
                    database_url_on(&admin_url, &name),
                    service_database_url_on(&admin_url, &name),
                )
            }
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (url.clone(), url)
            }
        };
        let db = connect(&DbConfig::new(&url)).await.expect("connect");
        if backend == Backend::Sqlite {
            prepare(&db).await;
        }
        let service = connect(&DbConfig::new(&service_url))
            .await
            .expect("connect as the service");
        Self {
            backend,
            url,
            service_url,
            db,
            service,
            name,
            admin_url,
        }
    }

    /// The store the service uses: on PostgreSQL connected as the service role.
    pub fn store(&self) -> Store {
        Store::new(self.service.clone())
    }

    /// A store on its own pool that counts every SQL statement it sends (and prints each one
    /// when `MOTGIFT_TEST_PRINT_SQL` is set).
    pub async fn counted_store(&self) -> (Store, Arc<AtomicUsize>) {
        let mut db = connect(&DbConfig::new(&self.service_url))
            .await
            .expect("connect");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |info| {
            if std::env::var("MOTGIFT_TEST_PRINT_SQL").is_ok() {
                eprintln!(
                    "SQL {}",
                    info.statement.sql.chars().take(150).collect::<String>()
                );
            }
            counter.fetch_add(1, Ordering::SeqCst);
        });
        (Store::new(db), statements)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self.backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{}.db", self.name));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Backend::Postgres => {
                // Drop runs outside async; a short-lived runtime on its own thread does the
                // work so the test's runtime is not blocked.
                let name = self.name.clone();
                let admin_url = self.admin_url.clone();
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                            let _ = admin
                                .execute(AssertSqlSafe(format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                )))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
