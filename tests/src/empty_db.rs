//! Brand-new databases with nothing in them, not even the migrations' table: what `motgift
//! import` restores into.
//!
//! On PostgreSQL the database belongs to [`OWNER_ROLE`], a login role that is neither superuser
//! nor exempt from row-level security, as a production database's owner is: the forced
//! policies apply to it, so an import or export run as the owner must carry the right scope to
//! see and write the rows. The service role serves it, as it serves a [`TestDb`].

use motgift_migrations::SERVICE_GROUP;
use motgift_schema::Store;
use motgift_schema::store::{DbConfig, connect};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

use crate::TestApp;
use crate::db::{
    Backend, TestDb, admin_url, database_url, ensure_role, ensure_service_role,
    service_database_url,
};

/// The role that owns the empty PostgreSQL databases.
pub const OWNER_ROLE: &str = "motgift_owner";

/// A database that exists, empty, for one test, and is dropped when it ends.
pub struct EmptyDb {
    pub backend: Backend,
    /// The owner's URL: what `motgift import` is given. On PostgreSQL row-level security
    /// applies to it.
    pub url: String,
    /// The service's URL: on PostgreSQL the service role.
    pub service_url: String,
    /// A URL that sees every row (the superuser on PostgreSQL), for the test's assertions.
    pub inspect_url: String,
    name: String,
}

impl EmptyDb {
    pub async fn new(backend: Backend) -> Self {
        let name = format!("motgift_empty_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Postgres => {
                let mut admin = PgConnection::connect(&admin_url())
                    .await
                    .expect("connect to PostgreSQL as the admin");
                ensure_role(&mut admin, SERVICE_GROUP, "NOLOGIN").await;
                ensure_role(&mut admin, OWNER_ROLE, "LOGIN").await;
                ensure_service_role(&mut admin).await;
                admin
                    .execute(AssertSqlSafe(format!(
                        "CREATE DATABASE {name} OWNER {OWNER_ROLE} TEMPLATE template0"
                    )))
                    .await
                    .expect("create empty database");
                Self {
                    backend,
                    url: with_user(&database_url(&name), OWNER_ROLE),
                    service_url: service_database_url(&name),
                    inspect_url: database_url(&name),
                    name,
                }
            }
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", sqlite_path(&name).display());
                Self {
                    backend,
                    url: url.clone(),
                    service_url: url.clone(),
                    inspect_url: url,
                    name,
                }
            }
        }
    }

    /// A connection that sees every row.
    pub async fn inspect(&self) -> DatabaseConnection {
        connect(&DbConfig::new(&self.inspect_url))
            .await
            .expect("connect")
    }

    /// The database's tables, but SQLite's own: none until something is imported.
    pub async fn tables(&self) -> Vec<String> {
        let db = self.inspect().await;
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            }
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY 1"
            }
        };
        let backend: DbBackend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .expect("list tables");
        rows.iter()
            .map(|row| row.try_get_by_index::<String>(0).expect("table name"))
            .collect()
    }

    /// Serves this database as the service would, through its service role. `TestApp` holds a
    /// `TestDb` for its helpers (which these tests do not use): a fresh one stands in for it,
    /// while every request goes to this database.
    pub async fn serve(&self) -> TestApp {
        let store = Store::new(
            connect(&DbConfig::new(&self.service_url))
                .await
                .expect("connect as the service"),
        );
        TestApp::serve(TestDb::new(self.backend).await, store).await
    }
}

/// `url` with another user name (trust authentication, no password).
fn with_user(url: &str, user: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{user}@{host}"),
        (Some((scheme, rest)), None) => format!("{scheme}://{user}@{rest}"),
        _ => url.to_owned(),
    }
}

fn sqlite_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("{name}.db"))
}

impl Drop for EmptyDb {
    fn drop(&mut self) {
        match self.backend {
            Backend::Sqlite => {
                let path = sqlite_path(&self.name);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Backend::Postgres => {
                // As `TestDb` does: a short-lived runtime on its own thread drops the database.
                let name = self.name.clone();
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
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
