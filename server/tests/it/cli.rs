//! The command line, run as a process.

use std::process::Command;

use crate::support::process::ServerProcess;

fn wagate() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wagate"));
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

#[test]
fn token_issue_prints_only_a_jwt_the_server_accepts() {
    let secret = "cli-test-secret-0123456789abcdefghijkl";
    let output = wagate()
        .env("JWT_SECRET", secret)
        .args(["token", "issue", "--role", "user", "--user", "7", "--ttl", "1h"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let token = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1);
    let viewer = wagate::auth::JwtKeys::new(&wagate::config::Secret::new(secret)).verify(token).expect("valid").viewer;
    assert_eq!((viewer.role, viewer.user_id), (wagate::auth::Role::User, Some(7)));
}

#[test]
fn token_issue_without_a_jwt_secret_or_user_fails_clearly() {
    let output = wagate().args(["token", "issue", "--role", "admin"]).output().expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("JWT_SECRET"));
    let output =
        wagate().env("JWT_SECRET", "x".repeat(32)).args(["token", "issue", "--role", "user"]).output().expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--user"));
}

#[test]
fn an_invalid_setting_stops_the_start_with_one_line_naming_it() {
    let output = wagate().env("BIND_ADDR", "not-an-address").arg("serve").output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("BIND_ADDR"), "{stderr}");
}

/// The first admin's password is shown once: a start that cannot open its port must not create it.
#[tokio::test]
async fn a_start_that_cannot_listen_leaves_the_first_admin_for_the_next_one() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("first.db").display());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("its address").to_string();
    let output = wagate().env("DATABASE_URL", &url).env("BIND_ADDR", &addr).arg("serve").output().expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("BIND_ADDR"), "{stderr}");
    assert!(!stderr.contains("first admin created"), "{stderr}");
    drop(taken);
    let server = ServerProcess::start(&[("DATABASE_URL", &url)]);
    assert!(server.log_messages().iter().any(|m| m.contains("first admin created")), "the next start creates it");
}

#[tokio::test]
async fn a_database_a_newer_wagate_migrated_is_refused_saying_so() {
    use sea_orm::ConnectionTrait;
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("newer.db").display());
    assert!(wagate().env("DATABASE_URL", &url).arg("migrate").output().expect("run").status.success());
    let db = sea_orm::Database::connect(&url).await.expect("open");
    db.execute_unprepared("INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20991231_000001_future', 0)")
        .await
        .expect("a migration from the future");
    db.close().await.expect("close");
    let output = wagate().env("DATABASE_URL", &url).arg("migrate").output().expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("a newer wagate has migrated this database"), "{stderr}");
}

#[test]
fn migrate_creates_the_schema_in_a_fresh_sqlite_file() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display());
    let output = wagate().env("DATABASE_URL", &url).arg("migrate").output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(dir.path().join("m.db").exists());
    // Everything is in the database file itself: a copy of it alone holds the schema.
    let wal = dir.path().join("m.db-wal");
    assert!(std::fs::metadata(&wal).map_or(true, |log| log.len() == 0), "the log was not copied in");
}

#[tokio::test]
async fn serve_migrates_a_fresh_sqlite_file_and_answers_healthz() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fresh.db").display());
    let server = ServerProcess::start(&[("DATABASE_URL", &url)]);
    let health = reqwest::get(format!("{}/healthz", server.address)).await.expect("healthz answers");
    assert_eq!(health.status(), 200);
    assert!(dir.path().join("fresh.db").exists());
}

#[tokio::test]
async fn webhook_replay_processes_every_unprocessed_delivery_again_without_duplicating() {
    use crate::support::{TestApp, meta};
    let app = TestApp::spawn().await;
    let mut body = meta::text_notification("wamid.RP1", "33612345678", 1, "kept");
    body["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .expect("messages")
        .push(serde_json::json!({ "from": "33612345678", "type": "text" }));
    assert_eq!(app.deliver(&body).await["outcome"], "failed");
    // Run off the test's runtime, which also drives the app: blocked in `output()`, it could
    // leave one of the app's write transactions (the text index's, every 100 ms) open and
    // holding SQLite's lock, and the replay's write would wait out its 5 s busy timeout.
    let mut replay = wagate();
    replay.env("DATABASE_URL", &app.database_url).args(["webhook", "replay"]);
    let output = tokio::task::spawn_blocking(move || replay.output()).await.expect("join").expect("run replay");
    // The message without an id still cannot be stored: the replay says so, and fails.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("still cannot be interpreted"), "{stderr}");
    let reports: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json report"))
        .collect();
    assert_eq!(reports.len(), 1, "one report; the replay's stderr: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!((reports[0]["messages_stored"].as_u64(), reports[0]["messages_duplicate"].as_u64()), (Some(0), Some(1)));
    assert_eq!(app.count("conversations").await, 1);
}

#[test]
fn a_dotenv_line_that_cannot_be_read_stops_the_start_instead_of_dropping_the_settings_after_it() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(".env"), "ADMIN UI DIR=x\nWHATSAPP_APP_SECRET=after-the-bad-line\n")
        .expect("write .env");
    let output = wagate().current_dir(dir.path()).arg("migrate").output().expect("run");
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(".env") && stderr.contains("fix that line"), "{stderr}");
}

#[test]
fn an_empty_environment_variable_leaves_the_dotenv_value_in_force() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join(".env"), format!("JWT_SECRET={}\n", "s".repeat(32))).expect("write .env");
    let output = wagate()
        .current_dir(dir.path())
        .env("JWT_SECRET", "")
        .args(["token", "issue", "--role", "admin"])
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_log_filter_that_cannot_be_read_stops_the_start_naming_rust_log() {
    let output = wagate().env("RUST_LOG", "wagate=loud").arg("migrate").output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("RUST_LOG") && stderr.contains("info,wagate=debug"), "{stderr}");
}

#[test]
fn a_dotenv_in_a_parent_folder_is_not_read() {
    let parent = tempfile::tempdir().expect("dir");
    std::fs::write(parent.path().join(".env"), "BIND_ADDR=not-an-address\n").expect("write .env");
    let child = parent.path().join("run");
    std::fs::create_dir(&child).expect("dir");
    let url = format!("sqlite://{}?mode=rwc", child.join("m.db").display());
    let output = wagate().current_dir(&child).env("DATABASE_URL", &url).arg("migrate").output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn replaying_a_delivery_that_does_not_exist_fails() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
    let output =
        wagate().env("DATABASE_URL", &url).args(["webhook", "replay", "--id", "424242"]).output().expect("run");
    assert!(!output.status.success(), "exit status {:?}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no webhook delivery has id 424242"), "{stderr}");
}

#[test]
fn an_unreachable_postgresql_says_why_not_only_that_the_pool_timed_out() {
    let url = "postgres://app:secret-Xq7@127.0.0.1:1/w";
    let output = wagate().env("DATABASE_URL", url).env("DATABASE_ACQUIRE_TIMEOUT_MS", "500").arg("migrate").output();
    let stderr = String::from_utf8_lossy(&output.expect("run").stderr).into_owned();
    assert!(stderr.contains("Connection refused") && stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("-Xq7"), "{stderr}");
}

#[test]
fn a_database_password_never_reaches_the_output() {
    for url in ["postgres://app:pa/ss-Xq7@127.0.0.1:1/w", "mysql://app:pa55-Xq7@127.0.0.1/w"] {
        for args in [&["migrate"][..], &["webhook", "replay"][..]] {
            let output = wagate().env("DATABASE_URL", url).args(args).output().expect("run");
            assert!(!output.status.success(), "{url} {args:?}");
            let said =
                format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            assert!(!said.contains("-Xq7"), "{args:?} printed the password: {said}");
            assert!(said.contains("DATABASE_URL"), "{said}");
        }
    }
    let output = wagate().env("DATABASE_URL", "mysql://app:pa55-Xq7@127.0.0.1/w").arg("serve").output().expect("run");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success() && !said.contains("-Xq7"), "serve printed the password: {said}");
}
