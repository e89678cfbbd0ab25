//! End-to-end tests: the service over real HTTP, on PostgreSQL and on SQLite.

mod aggregates;
mod audit;
mod backup;
mod batching;
mod cli;
mod compression;
mod dashboard;
mod fault;
mod foundation;
mod identity_provider;
mod isolation;
mod kept_answers;
mod limits;
mod operations;
mod outage;
mod plan_admin;
mod recording;
mod report;
mod report_export;
mod row_security;
mod sign_in;
mod traces;
mod upgrades;
mod version_watch;
