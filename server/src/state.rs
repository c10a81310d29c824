//! What every request handler shares.

use std::sync::Arc;

use crate::{
    auth::JwtKeys,
    config::Config,
    domain::{Domain, media::MediaService, send::Sender},
    graphql::{AppSchema, shared_subscriptions::SharedSubscriptions},
    metrics::Metrics,
    store::StatementCounter,
};

/// The shared state of the running app.
#[derive(Clone)]
pub struct AppState {
    /// The domain services (and the database behind them).
    pub domain: Domain,
    /// Sending through Meta's Graph API.
    pub sender: Sender,
    /// Inbound media, kept locally.
    pub media: MediaService,
    /// The configuration read at start.
    pub config: Arc<Config>,
    /// Token signing and checking.
    pub jwt: JwtKeys,
    /// The GraphQL schema.
    pub schema: AppSchema,
    /// The subscriptions running over `/graphql/ws`, shared by shape.
    pub subscriptions: SharedSubscriptions,
    /// How many SQL statements the app has run.
    pub statements: StatementCounter,
    /// The Prometheus metrics served at `/metrics`.
    pub metrics: Metrics,
}
