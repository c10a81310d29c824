//! The GraphQL API: schema assembly, limits and the exported SDL.

pub mod auth;
mod query;
mod types;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

use crate::domain::Domain;

/// The schema served at `/graphql`.
pub type AppSchema = Schema<query::Query, EmptyMutation, EmptySubscription>;

/// How deep a query may nest.
pub const MAX_DEPTH: usize = 10;
/// How much work one query may ask for (each field costs 1, lists multiply by their size).
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema over `domain`, with depth and complexity limits.
pub fn schema(domain: Domain) -> AppSchema {
    Schema::build(query::Query::default(), EmptyMutation, EmptySubscription)
        .data(domain)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(query::Query::default(), EmptyMutation, EmptySubscription).finish().sdl()
}
