//! What keeps a WebSocket session bounded in time. The server pings the peer (browsers answer
//! pings on their own) and closes the session when the peer stays silent longer than the idle
//! timeout, never sends `connection_init`, or when the token the session was opened with expires.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant, SystemTime},
};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt, StreamExt, channel::mpsc, stream::SplitSink};

/// The longest wait for `connection_init` (the graphql-transport-ws protocol's own limit is
/// the server's choice; 10 s is what its reference server uses).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// The close codes and reasons a guard ends a session with.
const IDLE: u16 = 1001;
const INIT_TOO_LATE: u16 = 4408;
const TOKEN_EXPIRED: u16 = 4401;

/// Watches one session: what the peer last did and when its token expires.
#[derive(Clone)]
pub struct Guard {
    idle: Duration,
    state: Arc<Mutex<Watched>>,
}

struct Watched {
    opened: Instant,
    last_heard: Instant,
    initialised: bool,
    token_expires: Option<Instant>,
}

impl Guard {
    /// A guard for a session opened now that may stay silent for `idle`.
    pub fn new(idle: Duration) -> Self {
        let now = Instant::now();
        let watched = Watched { opened: now, last_heard: now, initialised: false, token_expires: None };
        Self { idle, state: Arc::new(Mutex::new(watched)) }
    }

    /// The peer sent something (a message, a ping or a pong).
    pub fn heard(&self) {
        self.with(|w| w.last_heard = Instant::now());
    }

    /// The peer sent `connection_init`, with a token valid until `expires` when it had one.
    pub fn initialised(&self, expires: Option<SystemTime>) {
        let remaining = expires.map(|at| at.duration_since(SystemTime::now()).unwrap_or_default());
        self.with(|w| {
            w.initialised = true;
            w.token_expires = remaining.map(|left| Instant::now() + left);
        });
    }

    /// Writes the session's outgoing messages to `sink`, pinging the peer as it goes, until the
    /// session ends or one of its limits is reached; then sends the close frame that says which.
    pub async fn write(self, mut outgoing: mpsc::Receiver<Message>, mut sink: SplitSink<WebSocket, Message>) {
        let mut tick = tokio::time::interval((self.idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(5)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_ping = Instant::now();
        let close = loop {
            let expiry = self.with(|w| w.token_expires).map(tokio::time::Instant::from_std);
            tokio::select! {
                // The token's expiry is met on time, not at the next tick.
                () = until(expiry) => {
                    if let Some(close) = self.limit_reached() {
                        break Some(close);
                    }
                }
                message = outgoing.next() => {
                    let Some(message) = message else { break None };
                    if sink.send(message).await.is_err() {
                        break None;
                    }
                }
                _ = tick.tick() => {
                    if let Some(close) = self.limit_reached() {
                        break Some(close);
                    }
                    if last_ping.elapsed() >= self.idle / 2 {
                        last_ping = Instant::now();
                        if sink.send(Message::Ping(Default::default())).await.is_err() {
                            break None;
                        }
                    }
                }
            }
        };
        if let Some((code, reason)) = close {
            tracing::info!(code, reason = %reason, "closing a WebSocket session");
            let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
        }
    }

    /// The close frame due now, if any.
    fn limit_reached(&self) -> Option<(u16, String)> {
        let idle = self.idle;
        self.with(|w| {
            let init_limit = INIT_TIMEOUT.min(idle);
            if !w.initialised && w.opened.elapsed() > init_limit {
                Some((INIT_TOO_LATE, format!("no connection_init within {} s", init_limit.as_secs())))
            } else if w.last_heard.elapsed() > idle {
                Some((IDLE, format!("nothing heard for {} s; reconnect", idle.as_secs())))
            } else if w.token_expires.is_some_and(|at| Instant::now() >= at) {
                Some((TOKEN_EXPIRED, "the token expired; sign in again and reconnect".to_owned()))
            } else {
                None
            }
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Watched) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Completes at `deadline`, or never when there is none.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
