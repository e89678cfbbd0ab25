//! The GraphQL schema: queries, mutations and types, one file per area.

mod global_id;
mod loaders;
mod query;
mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Request, Schema};

pub use global_id::GlobalId;
pub use query::Query;

use crate::ctx::RequestContext;
use crate::store::Store;

pub type MotgiftSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Builds the schema once per process. Per-request state is attached by [`prepare_request`].
pub fn build_schema(store: Store) -> MotgiftSchema {
    Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .data(store)
        .finish()
}

/// Attaches the request context and fresh DataLoaders to one request. DataLoaders are built per
/// request so that a batch never mixes two callers' scopes.
pub fn prepare_request(request: Request, store: &Store, ctx: RequestContext) -> Request {
    request.data(loaders::Loaders::new(store.clone())).data(ctx)
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    let schema = Schema::build(Query::default(), EmptyMutation, EmptySubscription).finish();
    schema.sdl()
}
