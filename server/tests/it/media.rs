//! Inbound media: fetched from Meta into MEDIA_DIR by the background job (retried on failure),
//! and served only to viewers who may see the message.

use std::time::{Duration, Instant};

use sea_orm::EntityTrait;
use serde_json::json;
use wagate::{auth::Role, store::entity::media_file};

use crate::support::{GRAPH_TOKEN, TestApp, meta};

const ANA: &str = "33612345678";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes all the same";

async fn deliver_image(app: &TestApp, wamid: &str, media_id: &str) {
    deliver_image_from(app, ANA, wamid, media_id).await;
}

async fn deliver_image_from(app: &TestApp, from: &str, wamid: &str, media_id: &str) {
    let image = meta::message(
        wamid,
        from,
        1_700_000_000,
        "image",
        json!({ "id": media_id, "mime_type": "image/jpeg", "sha256": "x" }),
    );
    app.deliver(&meta::envelope(vec![meta::contact(from, "Contact")], vec![image], vec![])).await;
}

/// Waits until the job has stored `media_id`, and returns its row.
async fn fetched(app: &TestApp, media_id: &str) -> media_file::Model {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let row = media_file::Entity::find_by_id(media_id).one(app.db()).await.expect("query");
        if let Some(row) = row.filter(|r| r.path.is_some()) {
            return row;
        }
        assert!(Instant::now() < deadline, "media {media_id} was not fetched within 10 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn an_inbound_image_is_fetched_into_the_media_dir_and_served_with_its_type() {
    let app = TestApp::spawn().await;
    app.graph.add_media("1001", "image/jpeg", JPEG);
    deliver_image(&app, "wamid.M1", "1001").await;
    let row = fetched(&app, "1001").await;
    assert_eq!(std::fs::read(app.media_dir.join(row.path.expect("path"))).expect("stored file"), JPEG);
    assert_eq!(row.size, Some(JPEG.len() as i64));
    assert_eq!(app.graph.downloads(), vec![Some(format!("Bearer {GRAPH_TOKEN}"))], "downloads carry the token");

    let response = app.get("/api/media/1001", Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let policy = response.headers()["content-security-policy"].to_str().unwrap_or_default().to_owned();
    assert!(policy.starts_with("sandbox"), "a contact's file never runs in our origin: {policy}");
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), JPEG);
}

#[tokio::test]
async fn media_has_a_deadline_of_its_own_longer_than_a_sends() {
    let app =
        TestApp::builder().env("WHATSAPP_SEND_TIMEOUT_MS", "300").env("MEDIA_FETCH_TIMEOUT_MS", "5000").spawn().await;
    app.graph.add_media("1009", "image/jpeg", JPEG);
    app.graph.delay(std::time::Duration::from_millis(400));
    deliver_image(&app, "wamid.M9", "1009").await;
    let response = app.get("/api/media/1009", Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200, "a look-up and a download of 400 ms each fit the media deadline");
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), JPEG);
}

#[tokio::test]
async fn media_meta_says_is_too_large_is_not_downloaded() {
    let app = TestApp::builder().env("MEDIA_MAX_BYTES", "10").spawn().await;
    app.graph.add_media("1010", "image/jpeg", JPEG);
    deliver_image(&app, "wamid.M10", "1010").await;
    let response = app.get("/api/media/1010", Some(&app.admin_token())).await;
    assert_eq!(response.status(), 502);
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("MEDIA_MAX_BYTES"), "{body}");
    assert!(app.graph.downloads().is_empty(), "its size alone refused it");
}

#[tokio::test]
async fn stored_media_outlives_metas_copy() {
    let app = TestApp::spawn().await;
    app.graph.add_media("1002", "image/jpeg", JPEG);
    deliver_image(&app, "wamid.M2", "1002").await;
    fetched(&app, "1002").await;
    app.graph.remove_media("1002");
    let response = app.get("/api/media/1002", Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.expect("bytes").as_ref(), JPEG);
}

#[tokio::test]
async fn only_viewers_of_the_message_get_its_media() {
    let app = TestApp::spawn().await;
    app.graph.add_media("1003", "image/jpeg", JPEG);
    deliver_image(&app, "wamid.M3", "1003").await;
    app.deliver(&meta::text_notification("wamid.B1", "33687654321", 1, "I am Bob")).await;
    let ana = app.user_by_phone(ANA).await.id;
    let bob = app.user_by_phone("33687654321").await.id;
    assert_eq!(app.get("/api/media/1003", None).await.status(), 401);
    assert_eq!(app.get("/api/media/1003", Some(&app.token(Role::User, Some(bob)))).await.status(), 403);
    assert_eq!(app.get("/api/media/1003", Some(&app.token(Role::User, Some(ana)))).await.status(), 200);
    assert_eq!(app.get("/api/media/9999", Some(&app.admin_token())).await.status(), 404);
}

#[tokio::test]
async fn media_two_contacts_sent_reaches_each_of_them() {
    let app = TestApp::spawn().await;
    app.graph.add_media("1005", "image/jpeg", JPEG);
    deliver_image_from(&app, ANA, "wamid.M5A", "1005").await;
    deliver_image_from(&app, "33687654321", "wamid.M5B", "1005").await;
    for phone in [ANA, "33687654321"] {
        let user = app.user_by_phone(phone).await.id;
        let response = app.get("/api/media/1005", Some(&app.token(Role::User, Some(user)))).await;
        assert_eq!(response.status(), 200, "{phone} sent it too");
    }
    app.deliver(&meta::text_notification("wamid.C1", "33611111111", 1, "I am Carol")).await;
    let carol = app.user_by_phone("33611111111").await.id;
    assert_eq!(app.get("/api/media/1005", Some(&app.token(Role::User, Some(carol)))).await.status(), 403);
}

#[tokio::test]
async fn a_failed_fetch_is_retried_with_backoff_until_it_succeeds() {
    let app = TestApp::spawn().await;
    app.graph.add_media("1004", "image/png", b"png bytes");
    app.graph.fail_media_lookups(40);
    deliver_image(&app, "wamid.M4", "1004").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let row = media_file::Entity::find_by_id("1004").one(app.db()).await.expect("query");
        if row.as_ref().is_some_and(|r| r.attempts >= 1) {
            let row = row.expect("row");
            assert!(row.last_error.unwrap_or_default().contains("could not be fetched"));
            break;
        }
        assert!(Instant::now() < deadline, "no failed attempt recorded");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    app.graph.fail_media_lookups(0);
    let row = fetched(&app, "1004").await;
    assert!(row.attempts >= 1);
    assert_eq!(row.last_error, None);
}

#[tokio::test]
async fn a_download_that_does_not_match_metas_hash_is_not_kept() {
    let app = TestApp::builder().env("MEDIA_POLL_MS", "3600000").spawn().await;
    app.graph.add_media("1005", "image/jpeg", JPEG);
    app.graph.corrupt_media_hash("1005");
    deliver_image(&app, "wamid.M5", "1005").await;
    let response = app.get("/api/media/1005", Some(&app.admin_token())).await;
    assert_eq!(response.status(), 502);
    let error: serde_json::Value = response.json().await.expect("json");
    assert!(error["error"]["message"].as_str().unwrap_or_default().contains("SHA-256"), "{error}");
    assert!(!app.media_dir.join("1005").exists());
}

#[tokio::test]
async fn media_the_job_has_not_reached_yet_is_fetched_on_demand() {
    let app = TestApp::builder().env("MEDIA_POLL_MS", "3600000").spawn().await;
    app.graph.add_media("1006", "video/mp4", b"mp4");
    deliver_image(&app, "wamid.M6", "1006").await;
    let response = app.get("/api/media/1006", Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "video/mp4");
    assert!(app.media_dir.join("1006").exists(), "kept for next time");
}

#[tokio::test]
async fn a_media_message_is_noted_for_the_job_in_the_transaction_that_stores_it() {
    let app = TestApp::builder().env("MEDIA_POLL_MS", "3600000").spawn().await;
    deliver_image(&app, "wamid.M7", "1007").await;
    let row = media_file::Entity::find_by_id("1007").one(app.db()).await.expect("query");
    let row = row.expect("the media_files row is committed with the message");
    assert_eq!((row.message_id.as_str(), row.attempts, row.path), ("wamid.M7", 0, None));
}

#[tokio::test]
async fn media_messages_an_earlier_version_left_unnoted_are_noted_when_the_job_starts() {
    let app = TestApp::builder().env("MEDIA_POLL_MS", "3600000").spawn().await;
    for n in 1..=3 {
        app.graph.add_media(&format!("200{n}"), "image/jpeg", JPEG);
        deliver_image(&app, &format!("wamid.OLD{n}"), &format!("200{n}")).await;
    }
    // As a version that did not note media at ingest would have left them.
    let forget = app.write().await;
    media_file::Entity::delete_many().exec(&forget).await.expect("delete");
    forget.commit().await.expect("commit");

    assert_eq!(app.media().note_unnoted(2).await.expect("noted"), 3, "two batches of at most 2");
    assert_eq!(app.media().note_unnoted(2).await.expect("noted"), 0, "nothing is noted twice");
    let noted = media_file::Entity::find().all(app.db()).await.expect("query");
    let mut messages: Vec<&str> = noted.iter().map(|row| row.message_id.as_str()).collect();
    messages.sort_unstable();
    assert_eq!(messages, ["wamid.OLD1", "wamid.OLD2", "wamid.OLD3"]);
    assert_eq!(app.media().run_once(10).await.expect("a round"), 3, "then fetched like any other");
}
