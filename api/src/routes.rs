//! HTTP endpoints.

pub mod auth;
pub mod graphql;
pub mod health;
pub mod report;
