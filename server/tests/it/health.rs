//! Liveness and readiness, and what every response carries: request ids, the admin SPA's
//! security headers, and CORS (closed unless origins are configured).

use std::time::Duration;

use crate::support::{TestApp, meta};

#[tokio::test]
async fn healthz_and_readyz_answer_when_the_database_is_up() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    let ready: serde_json::Value = app.get("/readyz", None).await.json().await.expect("json");
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz", None).await;
    let id = response.headers().get("x-request-id").expect("x-request-id header");
    assert!(!id.is_empty());
}

#[tokio::test]
async fn the_admin_route_says_how_to_build_the_ui_when_it_is_missing() {
    let app = TestApp::spawn().await;
    let response = app.get("/admin/user/3/conversations", None).await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.expect("body").contains("make ui"));
}

#[tokio::test]
async fn the_admin_spa_is_served_with_a_fallback_for_deep_links() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("index.html"), "<html>wagate admin</html>").expect("index");
    std::fs::write(dir.path().join("app.js"), "console.log(1)").expect("asset");
    let app = TestApp::builder().env("ADMIN_UI_DIR", &dir.path().display().to_string()).spawn().await;
    for path in ["/admin/", "/admin/user/3/conversations"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.text().await.expect("body").contains("wagate admin"), "{path}");
    }
    assert_eq!(app.get("/admin/app.js", None).await.text().await.expect("js"), "console.log(1)");
}

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_asked_for() {
    use sea_orm::DbBackend;
    let app = TestApp::spawn().await;
    let expected = if std::env::var("TEST_DATABASE_URL").is_ok() { DbBackend::Postgres } else { DbBackend::Sqlite };
    assert_eq!(app.db().get_database_backend(), expected);
}

#[tokio::test]
async fn the_admin_spa_forbids_framing_and_foreign_scripts() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("index.html"), "<html>wagate admin</html>").expect("index");
    let app = TestApp::builder().env("ADMIN_UI_DIR", &dir.path().display().to_string()).spawn().await;
    for path in ["/admin/", "/admin/user/3/conversations"] {
        let response = app.get(path, None).await;
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let policy = header("content-security-policy");
        for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
            assert!(policy.contains(directive), "{path}: `{directive}` missing from `{policy}`");
        }
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
    }
}

/// A browser's preflight for a cross-origin GraphQL POST from `origin`.
async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .expect("preflight")
}

/// A GraphQL query a page of `origin` sends.
async fn cross_origin_query(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .post(app.url("/graphql"))
        .header("origin", origin)
        .json(&serde_json::json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("query")
}

fn allowed_origin(response: &reqwest::Response) -> Option<&str> {
    response.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn cors_is_closed_by_default() {
    let app = TestApp::spawn().await;
    let refused = preflight(&app, "https://elsewhere.example").await;
    assert_eq!(allowed_origin(&refused), None);
    let query = cross_origin_query(&app, "https://elsewhere.example").await;
    assert_eq!(allowed_origin(&query), None, "no page of another origin may read the answer");
}

#[tokio::test]
async fn cors_opens_to_the_configured_origins_only() {
    let app = TestApp::builder().env("CORS_ALLOWED_ORIGINS", "https://staff.example").spawn().await;
    let allowed = preflight(&app, "https://staff.example").await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(allowed_origin(&allowed), Some("https://staff.example"));
    let headers = allowed.headers()["access-control-allow-headers"].to_str().expect("ascii").to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"), "{headers}");
    assert_eq!(allowed_origin(&preflight(&app, "https://elsewhere.example").await), None);
    let query = cross_origin_query(&app, "https://staff.example").await;
    assert_eq!(allowed_origin(&query), Some("https://staff.example"));
}

/// `PRAGMA name` on one of the app's pooled connections, as a number; `None` on PostgreSQL,
/// which has no such settings.
async fn sqlite_pragma(app: &TestApp, name: &str) -> Option<i64> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = app.db();
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}"))).await;
    Some(row.expect("pragma").expect("a row").try_get_by_index::<i64>(0).expect("a number"))
}

#[tokio::test]
async fn sqlite_commits_are_flushed_to_disk_unless_sqlite_synchronous_says_normal() {
    let durable = TestApp::spawn().await;
    let relaxed = TestApp::builder().env("SQLITE_SYNCHRONOUS", "normal").spawn().await;
    // `PRAGMA synchronous`: 2 is FULL, 1 is NORMAL. On PostgreSQL, durability is the server's
    // `synchronous_commit`.
    match (sqlite_pragma(&durable, "synchronous").await, sqlite_pragma(&relaxed, "synchronous").await) {
        (Some(full), Some(normal)) => assert_eq!((full, normal), (2, 1), "FULL by default, NORMAL when asked"),
        // PostgreSQL: the setting is SQLite's only; the app starts and serves with it all the same.
        (None, None) => assert_eq!(relaxed.get("/readyz", None).await.status(), 200),
        other => panic!("both apps run on one backend, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_commits_leave_the_checkpoint_to_a_background_task() {
    let app = TestApp::spawn().await;
    let Some(autocheckpoint) = sqlite_pragma(&app, "wal_autocheckpoint").await else {
        // PostgreSQL checkpoints itself; the app serves all the same.
        return assert_eq!(app.get("/readyz", None).await.status(), 200);
    };
    assert_eq!(autocheckpoint, 0, "no commit runs a checkpoint");
    let file = app.database_url.trim_start_matches("sqlite://").split('?').next().expect("a path").to_owned();
    let size = || std::fs::metadata(&file).expect("the database file").len();
    // A few hundred KiB of messages: without a checkpoint they stay in the write-ahead log.
    let before = size();
    let text = "x".repeat(4000);
    for n in 0..100 {
        app.deliver(&meta::text_notification(&format!("wamid.WAL{n}"), "33611111111", 1_700_000_000, &text)).await;
    }
    crate::support::wait_until("the log is copied into the database file", Duration::from_secs(5), || async {
        size() > before + 300_000
    })
    .await;
}

#[tokio::test]
async fn sqlite_keeps_statement_journals_in_memory() {
    let app = TestApp::spawn().await;
    // Every pooled connection, not only the first one handed out: take several at once.
    let values = futures::future::join_all((0..4).map(|_| sqlite_pragma(&app, "temp_store"))).await;
    if values.iter().all(Option::is_none) {
        // PostgreSQL has no such setting; the app serves all the same.
        return assert_eq!(app.get("/readyz", None).await.status(), 200);
    }
    for value in values {
        assert_eq!(value, Some(2), "temp_store=memory (2): a batch's statement journal is not written to a file");
    }
}
