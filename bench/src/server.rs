//! A `wagate serve` process started for one run: a fresh database, its start time and memory.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

/// The app secret the load generator signs with.
pub const APP_SECRET: &str = "bench-app-secret";
/// The token the server's `/metrics` asks for (`METRICS_TOKEN`).
pub const METRICS_TOKEN: &str = "bench-metrics-token";
/// The key the server signs and checks API tokens with (HS256), so the load generator can mint
/// its own.
pub const JWT_SECRET: &str = "bench-jwt-secret-bench-jwt-secret-0123456789";

/// An operator's admin token for the server under test, signed as `wagate token --role admin` signs.
pub fn admin_token() -> Result<String, String> {
    let iat = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let claims = json!({ "sub": "operator", "role": "admin", "iat": iat, "exp": iat + 3600 });
    let key = jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key)
        .map_err(|e| format!("cannot sign a token: {e}"))
}

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The database it writes to.
    pub database_url: String,
    /// From spawning the process to its "listening" log line (migrations included).
    pub start_time: Duration,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts `wagate` on a fresh database: a new SQLite file, or a new database on the
    /// PostgreSQL server `postgres` names; `env` adds variables (or overrides the defaults).
    pub async fn start(wagate: &Path, postgres: Option<&str>, env: &[(&str, &str)]) -> Result<Self, String> {
        if !wagate.exists() {
            return Err(format!(
                "{} does not exist: build it with `cargo build --release -p wagate`",
                wagate.display()
            ));
        }
        let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let database_url = match postgres {
            Some(admin) => fresh_postgres(admin).await?,
            None => format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()),
        };
        let defaults = [
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("LOG_FORMAT", "json".to_owned()),
            ("BIND_ADDR", "127.0.0.1:0".to_owned()),
            ("DATABASE_URL", database_url.clone()),
            ("WHATSAPP_APP_SECRET", APP_SECRET.to_owned()),
            ("JWT_SECRET", JWT_SECRET.to_owned()),
            ("MEDIA_DIR", dir.path().join("media").display().to_string()),
            ("DEFAULT_MONTHLY_CREDITS", "1000000000".to_owned()),
            ("METRICS_TOKEN", METRICS_TOKEN.to_owned()),
        ];
        let started = Instant::now();
        let mut child = Command::new(wagate)
            .env_clear()
            .envs(defaults.iter().map(|(k, v)| (*k, v.as_str())))
            .envs(env.iter().copied())
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", wagate.display()))?;
        let stdout = child.stdout.take().ok_or("the server's stdout is not captured")?;
        let (listening, address) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line)
                    && let Some(addr) = entry["fields"]["addr"].as_str()
                {
                    let _ = listening.send(format!("http://{addr}"));
                }
            }
        });
        let address = address
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "the server did not log its address within 60 s".to_owned())?;
        let start_time = started.elapsed();
        Ok(Self { address, database_url, start_time, child, _dir: dir })
    }

    /// The server's `/metrics` now, in Prometheus's text format.
    pub async fn metrics(&self, client: &reqwest::Client) -> Result<String, String> {
        client
            .get(format!("{}/metrics", self.address))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("cannot scrape the server's /metrics: {e}"))?
            .text()
            .await
            .map_err(|e| format!("cannot read the server's /metrics: {e}"))
    }

    /// The server's process id (for `perf record -p`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The resident set size now and its peak so far, in bytes (Linux `/proc`).
    pub fn memory(&self) -> Result<(u64, u64), String> {
        let status = std::fs::read_to_string(PathBuf::from(format!("/proc/{}/status", self.child.id())))
            .map_err(|e| format!("cannot read the server's /proc status: {e}"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kib| kib * 1024)
                .ok_or_else(|| format!("no {name} in /proc status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates an empty database on the server `admin_url` names; its URL.
async fn fresh_postgres(admin_url: &str) -> Result<String, String> {
    let admin =
        Database::connect(admin_url).await.map_err(|e| format!("cannot reach PostgreSQL at the given URL: {e}"))?;
    let name = format!("wagate_bench_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .map_err(|e| format!("cannot create a database for the run: {e}"))?;
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    Ok(match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    })
}
