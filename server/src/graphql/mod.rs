//! The GraphQL API: schema assembly, limits and the exported SDL.

mod aliases;
pub mod auth;
pub mod error_codes;
pub mod execution;
mod loaders;
mod mutation;
mod query;
pub mod shared_subscriptions;
mod subscription;
mod types;

use async_graphql::Schema;

use crate::{
    auth::Sessions,
    domain::{Domain, send::Sender},
};

/// The schema served at `/graphql`.
pub type AppSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// How deep a query may nest.
pub const MAX_DEPTH: usize = 10;
/// How much work one query may ask for (each field costs 1, lists multiply by their size).
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema over `domain`, `sender` and `sessions`, with depth and complexity limits, telling
/// the HTTP door which requests reached execution.
pub fn schema(domain: Domain, sender: Sender, sessions: Sessions) -> AppSchema {
    Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription)
        .data(loaders::user_loader(domain.clone()))
        .data(domain)
        .data(sender)
        .data(sessions)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(aliases::AliasLimit)
        .extension(error_codes::CodeEveryError)
        .extension(execution::TrackExecution)
        .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription).finish().sdl()
}
