//! Configuration: the only module that reads the environment.
//!
//! Every variable is read once by [`Config::from_env`]; a bad value stops the start with one
//! line naming the variable and what it expects. Secrets are redacted in `Debug`.

use std::{collections::BTreeMap, fmt, net::SocketAddr, path::PathBuf};

use crate::{
    domain::credits::{MAX_PRICE, PriceTable},
    whatsapp::pacing::PacingConfig,
};

/// A secret string that never shows in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A configuration value that could not be used; its message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {name}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault (or `.env`, for a line it could not read).
    pub name: &'static str,
    /// What is wrong with it and what it expects.
    pub problem: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the JWT signing secret came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtSecretSource {
    /// `JWT_SECRET` was set.
    Environment,
    /// Not set: a random secret for this process only.
    Ephemeral,
}

/// The server's whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` (default) or `postgres://…`.
    pub database_url: String,
    /// `DATABASE_ACQUIRE_TIMEOUT_MS`: how long a statement waits for a database connection,
    /// opening one included, before it fails (a webhook then answers 503).
    pub database_acquire_timeout: std::time::Duration,
    /// `DATABASE_MAX_CONNECTIONS`: the most database connections open at once (default 10).
    pub database_max_connections: usize,
    /// `SQLITE_SYNCHRONOUS`: `full` (default: every commit survives a power loss) or `normal`
    /// (a commit survives a crash of wagate, not of the system; one disk flush fewer per commit).
    pub sqlite_synchronous: crate::store::SqliteSync,
    /// `BIND_ADDR`: where `wagate serve` listens.
    pub bind_addr: SocketAddr,
    /// `WHATSAPP_WEBHOOK_TOKEN`: the verify token typed into Meta's dashboard.
    pub webhook_verify_token: Option<Secret>,
    /// `WHATSAPP_APP_SECRET`: the app secret that signs webhook bodies.
    pub app_secret: Option<Secret>,
    /// `JWT_SECRET`: HS256 key for API tokens.
    pub jwt_secret: Secret,
    /// Whether `jwt_secret` came from the environment.
    pub jwt_secret_source: JwtSecretSource,
    /// `DEFAULT_MONTHLY_CREDITS`: the allowance of a newly seen contact.
    pub default_monthly_credits: i64,
    /// `CREDIT_PRICES`: the per-type price table (defaults from the design, overridable).
    pub prices: PriceTable,
    /// `WEBHOOK_MAX_BODY_BYTES`: larger webhook bodies get 413.
    pub webhook_max_body_bytes: usize,
    /// `INGEST_BATCH_MAX`: the most webhook deliveries committed in one transaction, and the
    /// most sends' writes of one kind; bounds how long either can wait for its batch.
    pub ingest_batch_max: usize,
    /// `INGEST_WRITERS`: on PostgreSQL, how many batches are written concurrently (SQLite
    /// always has one writer).
    pub ingest_writers: usize,
    /// `TEXT_INDEX_INTERVAL_MS`: on SQLite, how often the messages stored since the last time
    /// are taken into the search's text index (default 100 ms; each time holds the writers'
    /// turn, so the shorter, the briefer).
    pub text_index_interval: std::time::Duration,
    /// Sending through Meta's Graph API.
    pub whatsapp: WhatsAppConfig,
    /// `ADMIN_UI_DIR`: the built admin SPA served under `/admin`.
    pub admin_ui_dir: PathBuf,
    /// `MEDIA_DIR`, `MEDIA_MAX_BYTES`, `MEDIA_POLL_MS`: where inbound media is kept.
    pub media: MediaConfig,
    /// `LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `RUST_LOG`: which log lines are written (checked at start; the default when unset).
    pub log_filter: String,
    /// `LOGIN_TOKEN_TTL`: how long a token from the `login` mutation lasts (`12h`, `30m`…).
    pub login_token_ttl: std::time::Duration,
    /// `ADMIN_EMAIL`: the email of the admin created at first start when none exists.
    pub admin_email: String,
    /// `LIVE_EVENT_BUFFER`: how many events a live subscriber may fall behind before it is
    /// told it lagged and must re-query.
    pub live_event_buffer: usize,
    /// `WS_IDLE_TIMEOUT`: a WebSocket peer that sends nothing (not even a pong to the server's
    /// pings) for this long is disconnected.
    pub ws_idle_timeout: std::time::Duration,
    /// `CORS_ALLOWED_ORIGINS`: the web origins (`https://app.example.com`) whose pages may call
    /// the API from a browser; none by default (CORS closed).
    pub cors_allowed_origins: Vec<String>,
    /// `METRICS_TOKEN`, `METRICS_ADDR`: who may read the Prometheus metrics, and where.
    pub metrics: MetricsConfig,
}

/// Access to `/metrics`: off unless a token or a listener of its own is configured.
#[derive(Debug, Clone, Default)]
pub struct MetricsConfig {
    /// `METRICS_TOKEN`: when set, `GET /metrics` on the main listener answers to
    /// `Authorization: Bearer <METRICS_TOKEN>` only, and so does `METRICS_ADDR`'s listener.
    pub token: Option<Secret>,
    /// `METRICS_ADDR`: a listener of its own serving `/metrics` only (port 0 picks a free one);
    /// without `METRICS_TOKEN`, open to whoever reaches the address.
    pub addr: Option<SocketAddr>,
}

/// How wagate reaches Meta's Graph API to send.
#[derive(Debug, Clone)]
pub struct WhatsAppConfig {
    /// `WHATSAPP_TOKEN`: the system-user access token; sending is refused without it.
    pub token: Option<Secret>,
    /// `WHATSAPP_PHONE_NUMBER_ID`: the business number messages are sent from.
    pub phone_number_id: Option<String>,
    /// `WHATSAPP_API_BASE`: the Graph API base URL with its pinned version.
    pub api_base: String,
    /// `WHATSAPP_SEND_TIMEOUT_MS`: the deadline of one send, retries included.
    pub send_timeout: std::time::Duration,
    /// `MEDIA_FETCH_TIMEOUT_MS`: the deadline of one media look-up and download, retries
    /// included.
    pub media_timeout: std::time::Duration,
    /// `WHATSAPP_ENFORCE_SERVICE_WINDOW`: refuse free-form messages outside the 24 h window.
    pub enforce_service_window: bool,
    /// `WHATSAPP_MAX_MPS`, `WHATSAPP_PAIR_BURST`, `WHATSAPP_PAIR_INTERVAL_MS`: send pacing.
    pub pacing: PacingConfig,
}

/// Where and how inbound media is kept.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The folder files are stored in.
    pub dir: PathBuf,
    /// Larger files are refused (Meta's largest, documents, is 100 MB).
    pub max_bytes: u64,
    /// How often the fetch job looks for work.
    pub poll_interval: std::time::Duration,
    /// The first retry's wait; each further retry doubles it (capped at an hour).
    pub retry_base: std::time::Duration,
}

/// Meta's Graph API, at the version wagate's payloads were checked against.
pub const DEFAULT_API_BASE: &str = "https://graph.facebook.com/v23.0";

/// Reads one variable.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Config {
    /// How the database pool is opened.
    pub fn pool_settings(&self) -> crate::store::PoolSettings {
        crate::store::PoolSettings {
            acquire_timeout: self.database_acquire_timeout,
            max_connections: u32::try_from(self.database_max_connections).unwrap_or(u32::MAX),
            sqlite_sync: self.sqlite_synchronous,
        }
    }

    /// Reads the process environment, then `.env` in the working directory if there is one,
    /// for what the environment leaves unset or empty.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut dotenv = std::collections::HashMap::new();
        match dotenvy::from_path_iter(".env") {
            Ok(lines) => {
                for line in lines {
                    // dotenvy stops at a bad line: starting without the settings after it could
                    // run without the app secret, and accept unsigned webhooks.
                    let (name, value) =
                        line.map_err(|e| invalid(".env", format!("{e}; fix that line (NAME=value) and start again")))?;
                    dotenv.insert(name, value);
                }
            }
            Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(invalid(".env", format!("{e}; fix it or remove it"))),
        }
        Self::from_lookup(&|name| {
            std::env::var(name).ok().filter(|v| !v.trim().is_empty()).or_else(|| dotenv.get(name).cloned())
        })
    }

    /// Builds the configuration from any source of variables (the environment, or a test's map).
    /// An empty value counts as unset.
    pub fn from_lookup(lookup: Lookup<'_>) -> Result<Self, ConfigError> {
        let get = &|name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let (jwt_secret, jwt_secret_source) = match get("JWT_SECRET") {
            Some(s) if s.len() >= 32 => (Secret::new(s), JwtSecretSource::Environment),
            Some(_) => return Err(invalid("JWT_SECRET", "must be at least 32 characters")),
            None => (Secret::new(random_secret()), JwtSecretSource::Ephemeral),
        };
        Ok(Self {
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://wagate.db?mode=rwc".into()),
            database_acquire_timeout: positive_millis(get, "DATABASE_ACQUIRE_TIMEOUT_MS", "5000")?,
            database_max_connections: at_least_one(
                get,
                "DATABASE_MAX_CONNECTIONS",
                "10",
                "a number of connections of at least 1",
            )?,
            sqlite_synchronous: parse(get, "SQLITE_SYNCHRONOUS", "full", "`full` or `normal`")?,
            bind_addr: parse(get, "BIND_ADDR", "127.0.0.1:8080", "a socket address like 0.0.0.0:8080")?,
            webhook_verify_token: get("WHATSAPP_WEBHOOK_TOKEN").map(Secret::new),
            app_secret: get("WHATSAPP_APP_SECRET").map(Secret::new),
            jwt_secret,
            jwt_secret_source,
            default_monthly_credits: parse_non_negative(get, "DEFAULT_MONTHLY_CREDITS", 100)?,
            prices: prices(get)?,
            webhook_max_body_bytes: parse(get, "WEBHOOK_MAX_BODY_BYTES", "4194304", "a size in bytes")?,
            ingest_batch_max: at_least_one(get, "INGEST_BATCH_MAX", "64", "a number of deliveries of at least 1")?,
            ingest_writers: at_least_one(get, "INGEST_WRITERS", "4", "a number of writers of at least 1")?,
            text_index_interval: positive_millis(get, "TEXT_INDEX_INTERVAL_MS", "100")?,
            login_token_ttl: crate::auth::parse_ttl(&get("LOGIN_TOKEN_TTL").unwrap_or_else(|| "12h".into()))
                .map_err(|e| invalid("LOGIN_TOKEN_TTL", e))?,
            admin_email: get("ADMIN_EMAIL").unwrap_or_else(|| "admin@localhost".into()),
            live_event_buffer: at_least_one(get, "LIVE_EVENT_BUFFER", "1024", "a number of events of at least 1")?,
            ws_idle_timeout: crate::auth::parse_ttl(&get("WS_IDLE_TIMEOUT").unwrap_or_else(|| "60s".into()))
                .map_err(|e| invalid("WS_IDLE_TIMEOUT", e))?,
            cors_allowed_origins: cors_origins(&get("CORS_ALLOWED_ORIGINS").unwrap_or_default())
                .map_err(|e| invalid("CORS_ALLOWED_ORIGINS", e))?,
            metrics: metrics(get)?,
            whatsapp: WhatsAppConfig {
                token: get("WHATSAPP_TOKEN").map(Secret::new),
                phone_number_id: get("WHATSAPP_PHONE_NUMBER_ID"),
                api_base: api_base(get)?,
                send_timeout: positive_millis(get, "WHATSAPP_SEND_TIMEOUT_MS", "15000")?,
                media_timeout: positive_millis(get, "MEDIA_FETCH_TIMEOUT_MS", "300000")?,
                enforce_service_window: parse(get, "WHATSAPP_ENFORCE_SERVICE_WINDOW", "true", "`true` or `false`")?,
                pacing: pacing(get)?,
            },
            media: MediaConfig {
                dir: get("MEDIA_DIR").unwrap_or_else(|| "media".into()).into(),
                max_bytes: parse(get, "MEDIA_MAX_BYTES", "104857600", "a size in bytes")?,
                poll_interval: positive_millis(get, "MEDIA_POLL_MS", "1000")?,
                retry_base: positive_millis(get, "MEDIA_RETRY_BASE_MS", "2000")?,
            },
            admin_ui_dir: get("ADMIN_UI_DIR").unwrap_or_else(|| "admin-ui/dist".into()).into(),
            log_filter: log_filter(get)?,
            log_format: match get("LOG_FORMAT").as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(_) => return Err(invalid("LOG_FORMAT", "expected `text` or `json`")),
            },
        })
    }
}

/// The default log filter: wagate's lines from `info` up, the libraries' warnings.
const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,sea_orm=warn,tower_http=info";

fn log_filter(get: Lookup<'_>) -> Result<String, ConfigError> {
    let filter = get("RUST_LOG").unwrap_or_else(|| DEFAULT_LOG_FILTER.into());
    match tracing_subscriber::EnvFilter::builder().parse(&filter) {
        Ok(_) => Ok(filter),
        Err(e) => Err(invalid("RUST_LOG", format!("{e}; write it like `info,wagate=debug`"))),
    }
}

fn invalid(name: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { name, problem: problem.into() }
}

fn parse<T: std::str::FromStr>(
    get: Lookup<'_>,
    name: &'static str,
    default: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    let raw = get(name).unwrap_or_else(|| default.to_owned());
    raw.trim().parse().map_err(|_| invalid(name, format!("expected {expected}, got `{raw}`")))
}

fn at_least_one(get: Lookup<'_>, name: &'static str, default: &str, expected: &str) -> Result<usize, ConfigError> {
    match parse(get, name, default, expected)? {
        0 => Err(invalid(name, format!("expected {expected}, got 0"))),
        value => Ok(value),
    }
}

fn parse_non_negative(get: Lookup<'_>, name: &'static str, default: i64) -> Result<i64, ConfigError> {
    let value: i64 = parse(get, name, &default.to_string(), "a whole number ≥ 0")?;
    if value < 0 {
        return Err(invalid(name, format!("expected a whole number ≥ 0, got {value}")));
    }
    Ok(value)
}

/// `CORS_ALLOWED_ORIGINS=https://a.example,http://localhost:5173`: exact origins, scheme and
/// host (and port), nothing else; a wildcard is refused so that opening the API is deliberate.
fn cors_origins(raw: &str) -> Result<Vec<String>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            match host {
                Some(host)
                    if !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)) =>
                {
                    Ok(origin.to_owned())
                }
                _ => Err(format!(
                    "expected origins like `https://app.example.com` or `http://localhost:5173` (scheme and host, \
                     no path, no `*`), separated by commas; got `{origin}`"
                )),
            }
        })
        .collect()
}

/// The shortest `METRICS_TOKEN` accepted: long enough not to be guessed.
const METRICS_TOKEN_MIN_LEN: usize = 16;

fn metrics(get: Lookup<'_>) -> Result<MetricsConfig, ConfigError> {
    let token = match get("METRICS_TOKEN") {
        Some(token) if token.len() >= METRICS_TOKEN_MIN_LEN => Some(Secret::new(token)),
        Some(_) => {
            return Err(invalid(
                "METRICS_TOKEN",
                format!("must be at least {METRICS_TOKEN_MIN_LEN} characters (e.g. `openssl rand -hex 16`)"),
            ));
        }
        None => None,
    };
    let addr = get("METRICS_ADDR")
        .map(|raw| {
            raw.trim().parse().map_err(|_| {
                invalid("METRICS_ADDR", format!("expected a socket address like 127.0.0.1:9090, got `{raw}`"))
            })
        })
        .transpose()?;
    Ok(MetricsConfig { token, addr })
}

fn positive_millis(get: Lookup<'_>, name: &'static str, default: &str) -> Result<std::time::Duration, ConfigError> {
    match parse(get, name, default, "a duration in milliseconds above zero")? {
        0 => Err(invalid(name, "expected a duration in milliseconds above zero, got 0")),
        millis => Ok(std::time::Duration::from_millis(millis)),
    }
}

/// `CREDIT_PRICES=image=3,video=3` overrides entries of the default table: each a message type
/// the table knows, once, at 0 to `MAX_PRICE` credits.
fn prices(get: Lookup<'_>) -> Result<PriceTable, ConfigError> {
    let mut overrides = BTreeMap::new();
    for pair in get("CREDIT_PRICES").unwrap_or_default().split(',').filter(|p| !p.trim().is_empty()) {
        let (kind, price) = pair
            .split_once('=')
            .and_then(|(k, v)| Some((k.trim().to_owned(), v.trim().parse::<i64>().ok()?)))
            .filter(|(_, v)| (0..=MAX_PRICE).contains(v))
            .ok_or_else(|| {
                invalid(
                    "CREDIT_PRICES",
                    format!("expected `type=credits,…` with credits 0 to {MAX_PRICE}, got `{pair}`"),
                )
            })?;
        if !PriceTable::can_price(&kind) {
            let known = PriceTable::priceable().join(", ");
            return Err(invalid("CREDIT_PRICES", format!("`{kind}` is not a message type; use one of {known}")));
        }
        if overrides.insert(kind.clone(), price).is_some() {
            return Err(invalid("CREDIT_PRICES", format!("`{kind}` is priced twice; keep one")));
        }
    }
    Ok(PriceTable::with_overrides(overrides))
}

fn pacing(get: Lookup<'_>) -> Result<PacingConfig, ConfigError> {
    let max_mps: u32 = parse(get, "WHATSAPP_MAX_MPS", "80", "messages per second, 1 to 1000")?;
    if !(1..=1000).contains(&max_mps) {
        return Err(invalid("WHATSAPP_MAX_MPS", format!("expected 1 to 1000 (Meta's highest tier), got {max_mps}")));
    }
    let pair_burst: u32 = parse(get, "WHATSAPP_PAIR_BURST", "45", "a whole number ≥ 1")?;
    let interval_ms: u64 = parse(get, "WHATSAPP_PAIR_INTERVAL_MS", "6000", "a duration in milliseconds")?;
    if pair_burst == 0 {
        return Err(invalid("WHATSAPP_PAIR_BURST", "expected a whole number ≥ 1, got 0"));
    }
    if interval_ms == 0 {
        return Err(invalid("WHATSAPP_PAIR_INTERVAL_MS", "expected a duration in milliseconds above zero, got 0"));
    }
    Ok(PacingConfig { max_mps, pair_burst, pair_interval: std::time::Duration::from_millis(interval_ms) })
}

fn api_base(get: Lookup<'_>) -> Result<String, ConfigError> {
    let base = get("WHATSAPP_API_BASE").unwrap_or_else(|| DEFAULT_API_BASE.into());
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        return Err(invalid("WHATSAPP_API_BASE", format!("expected an http(s) URL, got `{base}`")));
    }
    Ok(base.trim_end_matches('/').to_owned())
}

fn random_secret() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::store::SqliteSync;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(&|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_start_on_sqlite_with_an_ephemeral_jwt_secret() {
        let cfg = config(&[]).unwrap();
        assert_eq!(cfg.database_url, "sqlite://wagate.db?mode=rwc");
        assert_eq!(cfg.jwt_secret_source, JwtSecretSource::Ephemeral);
        assert_eq!(cfg.prices.price_of("image"), 2);
        assert_eq!(cfg.whatsapp.api_base, DEFAULT_API_BASE);
        assert!(cfg.whatsapp.enforce_service_window);
        assert_eq!(cfg.database_acquire_timeout, std::time::Duration::from_secs(5));
        assert_eq!(cfg.database_max_connections, 10);
        assert_eq!(cfg.sqlite_synchronous, SqliteSync::Full);
        assert_eq!(cfg.text_index_interval, std::time::Duration::from_millis(100));
    }

    #[test]
    fn cors_origins_are_exact_origins_or_refused() {
        assert!(config(&[]).unwrap().cors_allowed_origins.is_empty(), "closed by default");
        let open = config(&[("CORS_ALLOWED_ORIGINS", "https://a.example, http://localhost:5173")]).unwrap();
        assert_eq!(open.cors_allowed_origins, ["https://a.example", "http://localhost:5173"]);
        for bad in ["*", "a.example", "https://a.example/path", "https://"] {
            let err = config(&[("CORS_ALLOWED_ORIGINS", bad)]).unwrap_err();
            assert_eq!(err.name, "CORS_ALLOWED_ORIGINS", "{bad}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = config(&[("BIND_ADDR", "nowhere")]).unwrap_err();
        assert_eq!(err.name, "BIND_ADDR");
        assert!(err.to_string().contains("nowhere"), "{err}");
        assert_eq!(config(&[("JWT_SECRET", "short")]).unwrap_err().name, "JWT_SECRET");
        assert_eq!(config(&[("DEFAULT_MONTHLY_CREDITS", "-1")]).unwrap_err().name, "DEFAULT_MONTHLY_CREDITS");
        let zeros = [
            ("INGEST_BATCH_MAX", "0"),
            ("INGEST_WRITERS", "0"),
            ("LIVE_EVENT_BUFFER", "0"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("WHATSAPP_SEND_TIMEOUT_MS", "0"),
            ("WHATSAPP_PAIR_BURST", "0"),
            ("WHATSAPP_PAIR_INTERVAL_MS", "0"),
            ("MEDIA_FETCH_TIMEOUT_MS", "0"),
            ("MEDIA_POLL_MS", "0"),
            ("MEDIA_RETRY_BASE_MS", "0"),
        ];
        for (name, zero) in zeros {
            assert_eq!(config(&[(name, zero)]).unwrap_err().name, name);
        }
        assert_eq!(config(&[("INGEST_BATCH_MAX", "8")]).unwrap().ingest_batch_max, 8);
        let media_timeout = config(&[("MEDIA_FETCH_TIMEOUT_MS", "90000")]).unwrap().whatsapp.media_timeout;
        assert_eq!(media_timeout, std::time::Duration::from_secs(90));
        assert_eq!(config(&[("DATABASE_MAX_CONNECTIONS", "3")]).unwrap().pool_settings().max_connections, 3);
        assert_eq!(config(&[("CREDIT_PRICES", "image")]).unwrap_err().name, "CREDIT_PRICES");
        assert_eq!(config(&[("WHATSAPP_API_BASE", "graph.facebook.com")]).unwrap_err().name, "WHATSAPP_API_BASE");
        let window = config(&[("WHATSAPP_ENFORCE_SERVICE_WINDOW", "maybe")]).unwrap_err();
        assert_eq!(window.name, "WHATSAPP_ENFORCE_SERVICE_WINDOW");
        assert_eq!(config(&[("WHATSAPP_MAX_MPS", "5000")]).unwrap_err().name, "WHATSAPP_MAX_MPS");
        assert_eq!(config(&[("SQLITE_SYNCHRONOUS", "off")]).unwrap_err().name, "SQLITE_SYNCHRONOUS");
        assert_eq!(config(&[("SQLITE_SYNCHRONOUS", "Normal")]).unwrap().sqlite_synchronous, SqliteSync::Normal);
        for wrong in ["0", "soon"] {
            let acquire = config(&[("DATABASE_ACQUIRE_TIMEOUT_MS", wrong)]).unwrap_err();
            assert_eq!(acquire.name, "DATABASE_ACQUIRE_TIMEOUT_MS", "{wrong}");
            let text_index = config(&[("TEXT_INDEX_INTERVAL_MS", wrong)]).unwrap_err();
            assert_eq!(text_index.name, "TEXT_INDEX_INTERVAL_MS", "{wrong}");
        }
    }

    #[test]
    fn metrics_are_off_by_default_and_need_a_long_token_or_an_address() {
        let off = config(&[]).unwrap().metrics;
        assert!(off.token.is_none() && off.addr.is_none());
        let on = config(&[("METRICS_TOKEN", "0123456789abcdef"), ("METRICS_ADDR", "127.0.0.1:9090")]).unwrap().metrics;
        assert_eq!(on.token.as_ref().map(Secret::expose), Some("0123456789abcdef"));
        assert_eq!(on.addr, Some("127.0.0.1:9090".parse().unwrap()));
        let short = config(&[("METRICS_TOKEN", "letmein")]).unwrap_err();
        assert_eq!(short.name, "METRICS_TOKEN");
        assert!(!short.to_string().contains("letmein"), "a refused secret is not echoed: {short}");
        let addr = config(&[("METRICS_ADDR", "9090")]).unwrap_err();
        assert_eq!(addr.name, "METRICS_ADDR");
        assert!(addr.to_string().contains("9090"), "{addr}");
    }

    #[test]
    fn credit_prices_override_the_default_table() {
        let cfg = config(&[("CREDIT_PRICES", "image=5, reaction=1")]).unwrap();
        assert_eq!(cfg.prices.price_of("image"), 5);
        assert_eq!(cfg.prices.price_of("reaction"), 1);
        assert_eq!(cfg.prices.price_of("text"), 1);
        assert_eq!(config(&[("CREDIT_PRICES", "edit=1")]).unwrap().prices.price_of("edit"), 1);
        for (wrong, says) in [
            ("Image=5", "`Image` is not a message type"),
            ("imgae=5", "use one of text, image"),
            ("image=5,image=7", "`image` is priced twice"),
            ("image=99999999999999999", "credits 0 to 1000000"),
            ("image=-1", "credits 0 to 1000000"),
        ] {
            let error = config(&[("CREDIT_PRICES", wrong)]).unwrap_err();
            assert_eq!(error.name, "CREDIT_PRICES", "{wrong}");
            assert!(error.to_string().contains(says), "{wrong}: {error}");
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let cfg = config(&[
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef-top"),
            ("WHATSAPP_APP_SECRET", "appsecret"),
            ("WHATSAPP_TOKEN", "EAAGtoken"),
            ("METRICS_TOKEN", "metrics-token-0123456789"),
        ])
        .unwrap();
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("metrics-token"), "{shown}");
        assert!(!shown.contains("appsecret") && !shown.contains("0123456789abcdef"), "{shown}");
        assert!(!shown.contains("EAAGtoken"), "{shown}");
    }
}
