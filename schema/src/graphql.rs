//! The GraphQL schema: queries, mutations and types, one file per area.

mod connection;
mod error_codes;
mod global_id;
pub(crate) mod kept_answers;
mod loaders;
mod mutation;
mod node;
mod parsed_documents;
mod query;
mod reference_cache;
mod scalars;
mod types;

use async_graphql::{EmptySubscription, Request, Schema, SchemaBuilder};

pub use global_id::GlobalId;
pub use kept_answers::{Answer, BodyEncoding, MIN_COMPRESSED_BYTES, answer};
pub use mutation::Mutation;
pub use parsed_documents::{ParsedDocuments, PreparedRequest};
pub use query::Query;
pub use scalars::Date;

use crate::ctx::RequestContext;
use crate::kept::Stamp;
use crate::store::Store;

pub type MotgiftSchema = Schema<Query, Mutation, EmptySubscription>;

/// How deep a query may nest. GraphiQL's introspection query needs 13.
pub const MAX_DEPTH: usize = 16;
/// The most a query may cost: each field costs 1, a connection multiplies by its page size.
pub const MAX_COMPLEXITY: usize = 50_000;
/// The most directives one field may carry.
pub const MAX_DIRECTIVES: usize = 8;

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .register_output_type::<node::Node>()
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(MAX_DIRECTIVES)
}

/// Builds the schema once per process. Per-request state is attached by [`prepare_request`].
pub fn build_schema(store: Store) -> MotgiftSchema {
    builder().data(store).finish()
}

/// Executes a request prepared by [`prepare_request`] and gives every error a stable
/// `extensions.code`, including the errors async-graphql raises itself while parsing and
/// validating. Every response leaves through here.
pub async fn execute(schema: &MotgiftSchema, request: Request) -> async_graphql::Response {
    let mut response = schema.execute(request).await;
    error_codes::classify_all(&mut response);
    response
}

/// Attaches the request context and fresh DataLoaders to one request. DataLoaders are built per
/// request so that a batch never mixes two callers' scopes. `stamp` is the data versions the
/// request has read already, if it has: its reference data is then at least that version.
pub fn prepare_request(
    request: Request,
    store: &Store,
    ctx: RequestContext,
    stamp: Option<Stamp>,
) -> Request {
    let reference_version = stamp.map(|s| s.reference);
    request
        .data(loaders::Loaders::new(
            store.clone(),
            ctx.clone(),
            reference_version,
        ))
        .data(ctx)
}

/// The schema in SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
