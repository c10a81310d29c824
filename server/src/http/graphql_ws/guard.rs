//! What keeps a WebSocket session bounded in time. The session pings the peer (browsers answer
//! pings on their own) and closes when the peer stays silent longer than the idle timeout, never
//! sends `connection_init`, or when the token the session was opened with expires; the guard
//! keeps the facts and says which limit was reached.

use std::time::{Duration, Instant, SystemTime};

/// The longest wait for `connection_init` (the graphql-transport-ws protocol's own limit is
/// the server's choice; 10 s is what its reference server uses).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// The close codes and reasons a guard ends a session with.
const IDLE: u16 = 1001;
const INIT_TOO_LATE: u16 = 4408;
const TOKEN_EXPIRED: u16 = 4401;

/// Watches one session: what the peer last did and when its token expires.
pub struct Guard {
    idle: Duration,
    opened: Instant,
    last_heard: Instant,
    last_ping: Instant,
    initialised: bool,
    token_expires: Option<Instant>,
}

impl Guard {
    /// A guard for a session opened now that may stay silent for `idle`.
    pub fn new(idle: Duration) -> Self {
        let now = Instant::now();
        Self { idle, opened: now, last_heard: now, last_ping: now, initialised: false, token_expires: None }
    }

    /// The peer sent something (a message, a ping or a pong).
    pub fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    /// The peer sent `connection_init`, with a token valid until `expires` when it had one.
    pub fn initialised(&mut self, expires: Option<SystemTime>) {
        let remaining = expires.map(|at| at.duration_since(SystemTime::now()).unwrap_or_default());
        self.initialised = true;
        self.token_expires = remaining.map(|left| Instant::now() + left);
    }

    /// How often the session should check the limits and maybe ping: a quarter of the idle
    /// timeout, between 50 ms and 5 s.
    pub fn tick_period(&self) -> Duration {
        (self.idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(5))
    }

    /// Whether a ping is due now; if so, it counts as sent.
    pub fn ping_due(&mut self) -> bool {
        let due = self.last_ping.elapsed() >= self.idle / 2;
        if due {
            self.last_ping = Instant::now();
        }
        due
    }

    /// When the session's token expires, once `connection_init` told.
    pub fn token_expires(&self) -> Option<Instant> {
        self.token_expires
    }

    /// The close code and reason due now, if any.
    pub fn limit_reached(&self) -> Option<(u16, String)> {
        let init_limit = INIT_TIMEOUT.min(self.idle);
        if !self.initialised && self.opened.elapsed() > init_limit {
            Some((INIT_TOO_LATE, format!("no connection_init within {} s", init_limit.as_secs())))
        } else if self.last_heard.elapsed() > self.idle {
            Some((IDLE, format!("nothing heard for {} s; reconnect", self.idle.as_secs())))
        } else if self.token_expires.is_some_and(|at| Instant::now() >= at) {
            Some((TOKEN_EXPIRED, "the token expired; sign in again and reconnect".to_owned()))
        } else {
            None
        }
    }
}
