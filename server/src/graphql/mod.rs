//! The GraphQL API: schema assembly, limits and the exported SDL.

pub mod auth;
pub mod execution;
mod mutation;
mod query;
mod types;

use async_graphql::{EmptySubscription, Schema};

use crate::domain::{Domain, send::Sender};

/// The schema served at `/graphql`.
pub type AppSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// How deep a query may nest.
pub const MAX_DEPTH: usize = 10;
/// How much work one query may ask for (each field costs 1, lists multiply by their size).
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema over `domain` and `sender`, with depth and complexity limits, telling the HTTP
/// door which requests reached execution.
pub fn schema(domain: Domain, sender: Sender) -> AppSchema {
    Schema::build(query::Query::default(), mutation::Mutation::default(), EmptySubscription)
        .data(domain)
        .data(sender)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(execution::TrackExecution)
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(query::Query::default(), mutation::Mutation::default(), EmptySubscription).finish().sdl()
}
