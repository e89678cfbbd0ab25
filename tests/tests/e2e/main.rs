//! End-to-end tests: the service over real HTTP, on PostgreSQL and on SQLite.

mod cli;
mod foundation;
mod outage;
mod recording;
