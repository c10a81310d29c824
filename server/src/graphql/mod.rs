//! The GraphQL API: schema assembly, limits and the exported SDL.

mod aliases;
pub mod auth;
pub mod error_codes;
pub mod execution;
pub mod introspection;
mod loaders;
mod mutation;
mod null_propagation;
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
            .data(loaders::sent_message_loader(domain.clone()))
            .data(domain.clone())
            .data(sender.clone())
            .data(sessions.clone())
            .limit_depth(max_depth)
            .limit_complexity(MAX_COMPLEXITY)
            .extension(aliases::AliasLimit)
            .extension(error_codes::CodeEveryError)
            .extension(execution::TrackExecution)
            .extension(null_propagation::PropagateNulls)
            .finish()
    };
    Schemas { main: build(MAX_DEPTH), introspection: build(introspection::MAX_DEPTH) }
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription).finish().sdl()
}

#[cfg(test)]
mod tests {
    use crate::{
        domain::conversations::MAX_THREAD,
        store::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
    };

    /// The arguments' descriptions spell out the limits; they must be the limits in force.
    #[test]
    fn argument_descriptions_state_the_limits_in_force() {
        let sdl = super::sdl();
        let page = format!("1 to {MAX_PAGE_SIZE}, {DEFAULT_PAGE_SIZE} when left out");
        assert_eq!(sdl.matches(&page).count(), 3, "`first` of users, conversations and ledger");
        assert!(sdl.contains(&format!("1 to {MAX_THREAD}, 200 when left out")), "`last` of thread");
        assert!(sdl.contains("last: Int! = 200"), "`last`'s default");
    }
}
