//! What every request handler shares.

use std::{ops::Deref, sync::Arc};

use crate::{
    auth::JwtKeys,
    config::Config,
    domain::{Domain, media::MediaService, send::Sender},
    graphql::{Schemas, shared_subscriptions::SharedSubscriptions},
    metrics::Metrics,
    store::StatementCounter,
};

/// The shared state of the running app, behind one reference count: axum clones it for every
/// request, and a field-by-field copy cost each webhook a few dozen atomic updates and
/// allocations (about 5 % of the request threads' profile at ingest's peak).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    /// State sharing `services`.
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What every request handler reaches through [`AppState`].
pub struct Services {
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
    /// The GraphQL schemas.
    pub schemas: Schemas,
    /// The subscriptions running over `/graphql/ws`, shared by shape.
    pub subscriptions: SharedSubscriptions,
    /// How many SQL statements the app has run.
    pub statements: StatementCounter,
    /// The Prometheus metrics served at `/metrics`.
    pub metrics: Metrics,
}
