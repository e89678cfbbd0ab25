//! Motgift's GraphQL schema and everything behind it, usable without HTTP: the domain types,
//! the request context, the tenant-scoped data access and the GraphQL types.
//!
//! The service (`motgift-api`) builds the schema once with [`graphql::build_schema`] and runs
//! each request with that request's [`ctx::RequestContext`] attached.

pub mod ctx;
pub mod dashboard;
pub mod disclosure;
pub mod domain;
mod entity;
pub mod error;
pub mod graphql;
pub mod kept;
pub mod store;
pub mod validate;

pub use ctx::{Access, Caller, MAX_SUBJECT, RequestContext, Role};
pub use error::Error;
pub use store::Store;
