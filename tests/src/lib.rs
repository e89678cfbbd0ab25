//! The test harness: fresh databases (PostgreSQL and SQLite), the application started
//! in-process on a free port, and helpers to talk to it over real HTTP.

pub mod app;
pub mod db;
pub mod empty_db;
pub mod oidc;
pub mod pg_server;
pub mod proxy;

pub use app::{TestApp, error_code, first_error};
pub use db::{Backend, TestDb};

/// Runs an async test body once per database backend, as `postgres::name` and `sqlite::name`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )+
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )+
        }
    };
}
