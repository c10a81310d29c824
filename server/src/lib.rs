//! wagate: a WhatsApp Cloud API gateway.
//!
//! [`App::build`] is the one composition root, shared by the binary and the integration tests:
//! it connects to the database, applies migrations and assembles the router.

pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod whatsapp;

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::{
    Router,
    serve::{Listener, ListenerExt},
};
use tokio::net::{TcpListener, TcpStream};

use crate::{
    auth::{JwtKeys, Sessions},
    config::Config,
    domain::{Domain, media::MediaService, send::Sender},
    graphql::shared_subscriptions::SharedSubscriptions,
    metrics::Metrics,
    state::{AppState, Services},
    whatsapp::client::GraphApi,
};

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened.
    #[error("cannot open the database at {url} (check DATABASE_URL): {cause}")]
    Connect {
        /// The URL without its password.
        url: String,
        /// The driver's error, without the password.
        cause: String,
    },
    /// The migrations could not be applied.
    #[error("cannot apply the database migrations: {0}{hint}", hint = newer_hint(.0))]
    Migrate(sea_orm::DbErr),
    /// The metrics listener could not be bound.
    #[error("cannot listen on {addr} (METRICS_ADDR): {source}")]
    MetricsListener {
        /// The configured address.
        addr: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
}

impl StartError {
    /// The database of `url` could not be opened; neither part of the message shows its password.
    pub fn connect(url: &str, source: &sea_orm::DbErr) -> Self {
        Self::Connect { url: redact_url(url), cause: without_password(&source.to_string(), url) }
    }
}

/// What to do about a database that a newer wagate migrated (sea-orm names the migration this
/// binary does not know).
fn newer_hint(error: &sea_orm::DbErr) -> &'static str {
    match error.to_string().contains("Migration file of version") {
        true => " (a newer wagate has migrated this database: run that version or a later one)",
        false => "",
    }
}

/// The assembled application, ready to serve.
pub struct App {
    router: Router,
    state: AppState,
    metrics_listener: Option<TcpListener>,
}

impl App {
    /// Binds `METRICS_ADDR` when set, connects, migrates and assembles everything from `config`.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let metrics_listener = match config.metrics.addr {
            Some(addr) => {
                Some(TcpListener::bind(addr).await.map_err(|source| StartError::MetricsListener { addr, source })?)
            }
            None => None,
        };
        let connect_error = |source: sea_orm::DbErr| StartError::connect(&config.database_url, &source);
        let db = store::connect(&config.database_url, config.pool_settings()).await.map_err(connect_error)?;
        store::migrate(&db).await.map_err(StartError::Migrate)?;
        let statements = store::StatementCounter::default();
        let store = store::Store::open(db, &config.database_url, config.pool_settings(), &statements)
            .await
            .map_err(connect_error)?;
        let events = events::EventBus::new(config.live_event_buffer);
        let metrics = Metrics::new(events.clone());
        let domain = Domain::new(store, config.prices.clone(), config.default_monthly_credits, events, metrics.clone())
            .with_group_commit(config.ingest_batch_max, config.ingest_writers);
        let graph: Arc<dyn GraphApi> = Arc::new(whatsapp::client::GraphClient::new(&config.whatsapp));
        let sender = Sender::new(domain.clone(), graph.clone(), &config.whatsapp);
        let media = MediaService::new(domain.clone(), graph, &config.media);
        let jwt = JwtKeys::new(&config.jwt_secret);
        let sessions = Sessions { keys: jwt.clone(), ttl: config.login_token_ttl };
        let schemas = graphql::schemas(domain.clone(), sender.clone(), sessions);
        let subscriptions =
            SharedSubscriptions::new(schemas.main.clone(), domain.events().clone(), config.live_event_buffer);
        let state = AppState::new(Services {
            media,
            schemas,
            subscriptions,
            sender,
            jwt,
            statements,
            metrics,
            config: Arc::new(config),
            domain,
        });
        Ok(Self { router: http::router(state.clone()), state, metrics_listener })
    }

    /// The shared state (the tests reach the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Where `/metrics` is served on a listener of its own (`METRICS_ADDR`), once bound.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// Serves on `listener` (and on the metrics listener, when there is one) until `shutdown`
    /// completes, with the media fetch job running; then closes the database connections.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let media_job = tokio::spawn(run_media_job(self.state.media.clone(), self.state.config.media.poll_interval));
        let backend = self.state.domain.db().get_database_backend();
        let sqlite = backend == sea_orm::DbBackend::Sqlite;
        let checkpoints = sqlite.then(|| tokio::spawn(run_wal_checkpoints(self.state.domain.clone())));
        let text_index = sqlite
            .then(|| tokio::spawn(run_text_indexing(self.state.domain.clone(), self.state.config.text_index_interval)));
        let relay = (backend == sea_orm::DbBackend::Postgres).then(|| {
            let domain = &self.state.domain;
            let bus = domain.events().clone();
            tokio::spawn(bus.relay_from_postgres(self.state.config.database_url.clone(), domain.db().clone()))
        });
        let metrics = self.metrics_listener.map(|own| tokio::spawn(serve_metrics(own, self.state.clone())));
        let served = axum::serve(sending_at_once(listener), self.router).with_graceful_shutdown(shutdown).await;
        media_job.abort();
        relay.into_iter().chain(checkpoints).chain(text_index).chain(metrics).for_each(|task| task.abort());
        // On SQLite, the last connection to close copies the log into the database file.
        if let Err(error) = self.state.domain.close().await {
            tracing::warn!(%error, "the database connections could not be closed cleanly");
        }
        served
    }
}

/// `listener`, turning Nagle's algorithm off on every connection it accepts (`TCP_NODELAY`), so
/// that a small write goes out at once even while the last one is unacknowledged. With it on, a
/// live event that followed another to a subscriber within the peer's delayed acknowledgement
/// (40 ms on Linux, up to 200 ms elsewhere) waited for that acknowledgement.
fn sending_at_once(listener: TcpListener) -> impl Listener<Io = TcpStream, Addr = SocketAddr> {
    listener.tap_io(|connection: &mut TcpStream| {
        if let Err(error) = connection.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY could not be set on a connection");
        }
    })
}

/// How often SQLite's write-ahead log is copied into the database file.
const WAL_CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Checkpoints SQLite's write-ahead log every second until aborted (see [`store::connect`]);
/// started on SQLite only.
async fn run_wal_checkpoints(domain: domain::Domain) {
    let mut every = ticker(WAL_CHECKPOINT_INTERVAL);
    loop {
        every.tick().await;
        if let Err(error) = domain.checkpoint_wal().await {
            tracing::warn!(%error, "the write-ahead log could not be checkpointed; retrying in a second");
        }
    }
}

/// Takes the messages stored since the last tick into SQLite's text index every `interval`
/// (`TEXT_INDEX_INTERVAL_MS`), a batch per transaction until none is left, until aborted (see
/// [`Domain::index_new_texts`](domain::Domain::index_new_texts)); started on SQLite only. Often,
/// so that each time holds the writers' turn briefly: taken once a second, it raised the ingest
/// p99 at a fifth of the peak from 15 to 29 ms in the one pair measured.
async fn run_text_indexing(domain: domain::Domain, interval: std::time::Duration) {
    let mut every = ticker(interval);
    loop {
        every.tick().await;
        loop {
            match domain.index_new_texts(domain::conversations::TEXT_INDEX_BATCH).await {
                Ok(taken) if taken == domain::conversations::TEXT_INDEX_BATCH => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "new messages could not be added to the text index; retrying at the next tick");
                    break;
                }
            }
        }
    }
}

/// A background job's clock: a tick every `period`, the first at once; a round that overran
/// its period delays the next tick instead of being followed by a burst of them.
fn ticker(period: std::time::Duration) -> tokio::time::Interval {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks
}

/// Serves `/metrics` on its own listener until aborted.
async fn serve_metrics(listener: TcpListener, state: AppState) {
    if let Err(error) = axum::serve(listener, http::metrics_router(state)).await {
        tracing::error!(%error, "the metrics listener (METRICS_ADDR) stopped");
    }
}

/// Fetches inbound media in the background, a batch per tick, until aborted; first notes the
/// media messages an earlier version left unnoted. It starts one period after the server, like
/// each later round, so that a long `MEDIA_POLL_MS` keeps it out of the way entirely: started at
/// once, its first round could fetch (and count an attempt for) a message delivered while it ran.
async fn run_media_job(media: MediaService, every: std::time::Duration) {
    tokio::time::sleep(every).await;
    match media.note_unnoted(500).await {
        Ok(0) => {}
        Ok(noted) => tracing::info!(noted, "media messages stored before ingest noted them are now due for fetching"),
        Err(error) => tracing::warn!(code = error.code(), "media messages could not be noted: {}", error.message()),
    }
    let mut tick = ticker(every);
    loop {
        tick.tick().await;
        if let Err(error) = media.run_once(50).await {
            tracing::warn!(code = error.code(), "media job round failed: {}", error.message());
        }
    }
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match credentials(url) {
        Some((scheme, credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}{user}:***{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// `text` (a driver's error, which may quote the URL it was given) with the password of the
/// database URL `url` replaced by `***`.
pub fn without_password(text: &str, url: &str) -> String {
    let password = credentials(url).and_then(|(_, credentials, _)| credentials.split_once(':')).map(|(_, p)| p);
    match password.filter(|p| !p.is_empty()) {
        Some(password) => text.replace(password, "***"),
        None => text.to_owned(),
    }
}

/// A URL split around its credentials: `scheme://`, `user:password`, `@host…`.
fn credentials(url: &str) -> Option<(&str, &str, &str)> {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            Some((&url[..scheme_end + 3], &url[scheme_end + 3..at], &url[at..]))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener;
    use tokio::net::{TcpListener, TcpStream};

    #[test]
    fn a_url_is_shown_without_its_password_and_without_inventing_one() {
        assert_eq!(super::redact_url("postgres://app:secret@db:5432/w"), "postgres://app:***@db:5432/w");
        assert_eq!(super::redact_url("postgres://app@db/w"), "postgres://app@db/w");
        assert_eq!(super::redact_url("sqlite://wagate.db?mode=rwc"), "sqlite://wagate.db?mode=rwc");
    }

    #[tokio::test]
    async fn the_server_sends_small_writes_at_once() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let mut listener = super::sending_at_once(listener);
        let _client = TcpStream::connect(address).await.expect("connect");
        let (accepted, _) = listener.accept().await;
        assert!(accepted.nodelay().expect("read TCP_NODELAY"), "Nagle's algorithm is off on accepted connections");
    }

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(super::redact_url("postgres://app:hunter2@db:5432/w"), "postgres://app:***@db:5432/w");
        assert_eq!(super::redact_url("sqlite://wagate.db?mode=rwc"), "sqlite://wagate.db?mode=rwc");
        let url = "postgres://app:pa/ss@db:5432/w";
        let said = super::without_password(&format!("invalid URL `{url}`: bad port"), url);
        assert_eq!(said, "invalid URL `postgres://app:***@db:5432/w`: bad port");
        assert_eq!(super::without_password("no such file", "sqlite://wagate.db"), "no such file");
    }
}
