//! The Motgift service: configuration, the HTTP application and the commands of the `motgift`
//! binary. Tests build the same application in-process with [`app::router`].

pub mod app;
pub mod auth;
pub mod backup;
pub mod cli;
mod compression;
pub mod config;
pub mod database;
mod error_answer;
pub mod export;
pub mod limits;
pub mod metrics;
pub mod rate_limit;
mod request_log;
mod routes;
pub mod telemetry;
