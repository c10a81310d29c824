//! The GraphQL API: schema assembly, limits and the exported SDL.

mod aliases;
pub mod auth;
pub mod error_codes;
pub mod execution;
pub mod introspection;
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

/// How deep a query may nest (introspection has [`introspection::MAX_DEPTH`]).
pub const MAX_DEPTH: usize = 10;
/// How much work one query may ask for (each field costs 1, lists multiply by their size).
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schemas served at `/graphql`: one for every operation, and the same types for
/// operations that only introspect, under limits of their own ([`introspection`]).
#[derive(Clone)]
pub struct Schemas {
    /// Runs every operation (and every subscription).
    pub main: AppSchema,
    /// Runs operations that ask only for `__schema`, `__type` or `__typename`.
    pub introspection: AppSchema,
}

/// The schemas over `domain`, `sender` and `sessions`, with depth and complexity limits,
/// telling the HTTP door which requests reached execution.
pub fn schemas(domain: Domain, sender: Sender, sessions: Sessions) -> Schemas {
    let build = |max_depth| {
        Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription)
            .data(loaders::user_loader(domain.clone()))
            .data(domain.clone())
            .data(sender.clone())
            .data(sessions.clone())
            .limit_depth(max_depth)
            .limit_complexity(MAX_COMPLEXITY)
            .extension(aliases::AliasLimit)
            .extension(error_codes::CodeEveryError)
            .extension(execution::TrackExecution)
            .finish()
    };
    Schemas { main: build(MAX_DEPTH), introspection: build(introspection::MAX_DEPTH) }
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription).finish().sdl()
}
