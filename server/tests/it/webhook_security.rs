//! The webhook's doors: Meta's verification challenge, the signature over raw bytes, the body
//! limit and malformed JSON.

use serde_json::json;
use wagate::{store::entity::webhook_delivery, whatsapp::signature};

use crate::support::{APP_SECRET, TestApp, VERIFY_TOKEN, meta};
use sea_orm::EntityTrait;

async fn verify(app: &TestApp, query: &str) -> reqwest::Response {
    app.get(&format!("/api/whatsapp/webhook?{query}"), None).await
}

#[tokio::test]
async fn verification_echoes_the_challenge_byte_for_byte_as_plain_text() {
    let app = TestApp::spawn().await;
    let response =
        verify(&app, &format!("hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444")).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/plain"));
    assert_eq!(response.text().await.expect("body"), "1158201444");

    let odd = "a%20b%2Fc%C3%A9";
    let response =
        verify(&app, &format!("hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge={odd}")).await;
    assert_eq!(response.text().await.expect("body"), "a b/cé");
}

#[tokio::test]
async fn verification_with_a_wrong_token_or_mode_is_forbidden_and_without_challenge_is_400() {
    let app = TestApp::spawn().await;
    for query in [
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1".to_owned(),
        format!("hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1"),
        "hub.mode=subscribe&hub.verify_token=wrong".to_owned(),
        "hub.challenge=1".to_owned(),
    ] {
        assert_eq!(verify(&app, &query).await.status(), 403, "{query}");
    }
    // The right token without a challenge is not the token's fault.
    let no_challenge = verify(&app, &format!("hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}")).await;
    assert_eq!(no_challenge.status(), 400);
    assert!(no_challenge.text().await.expect("body").starts_with("hub.challenge is missing"));
}

#[tokio::test]
async fn verification_is_forbidden_when_no_verify_token_is_configured() {
    let app = TestApp::builder().env("WHATSAPP_WEBHOOK_TOKEN", "").spawn().await;
    let response = verify(&app, "hub.mode=subscribe&hub.verify_token=&hub.challenge=1").await;
    assert_eq!(response.status(), 403);
    assert!(response.text().await.expect("body").contains("WHATSAPP_WEBHOOK_TOKEN"));
}

#[tokio::test]
async fn a_missing_or_wrong_signature_gets_401_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let body = meta::wire_bytes(&meta::text_notification("wamid.sig", "33612345678", 1_700_000_000, "hi"));
    let wrong_secret = signature::sign("not-the-app-secret", &body);
    let mut altered = body.clone();
    altered[body.len() / 2] ^= 1;
    let cases = [
        (body.clone(), None),
        (body.clone(), Some(wrong_secret)),
        (body.clone(), Some("sha256=nothex".to_owned())),
        (altered, Some(signature::sign(APP_SECRET, &body))),
    ];
    for (bytes, sig) in cases {
        let response = app.post_webhook_raw(bytes, sig.as_deref()).await;
        assert_eq!(response.status(), 401);
        let error: serde_json::Value = response.json().await.expect("json error");
        assert_eq!(error["error"]["code"], "UNAUTHENTICATED");
        assert!(error["error"]["message"].as_str().unwrap_or_default().contains("X-Hub-Signature-256"));
    }
    assert_eq!(app.count("webhook_deliveries").await, 0);
    assert_eq!(app.count("conversations").await, 0);
    assert_eq!(app.count("users").await, 0);
}

#[tokio::test]
async fn a_signature_over_escaped_unicode_and_slashes_verifies_on_the_raw_bytes() {
    let app = TestApp::spawn().await;
    let body = meta::text_notification("wamid.uni", "33612345678", 1_700_000_000, "Café 😮 a/b");
    let bytes = meta::wire_bytes(&body);
    let wire = String::from_utf8(bytes.clone()).expect("ascii");
    assert!(wire.contains("\\u00e9") && wire.contains("\\ud83d\\ude2e") && wire.contains("a\\/b"), "{wire}");
    let response = app.post_webhook_raw(bytes.clone(), Some(&signature::sign(APP_SECRET, &bytes))).await;
    assert_eq!(response.status(), 200);
    let stored = webhook_delivery::Entity::find().all(app.db()).await.expect("deliveries");
    assert_eq!(stored[0].body, bytes, "the raw bytes are kept exactly");
    assert!(stored[0].signature_verified);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_and_stores_nothing() {
    let app = TestApp::builder().env("WEBHOOK_MAX_BODY_BYTES", "2048").spawn().await;
    let big = meta::text_notification("wamid.big", "33612345678", 1_700_000_000, &"x".repeat(4096));
    let response = app.post_webhook(&big).await;
    assert_eq!(response.status(), 413);
    let error: serde_json::Value = response.json().await.expect("json error");
    assert_eq!(error["error"]["code"], "PAYLOAD_TOO_LARGE");
    assert_eq!(app.count("webhook_deliveries").await, 0);
}

#[tokio::test]
async fn signed_malformed_json_gets_400_and_is_kept_as_a_rejected_delivery() {
    let app = TestApp::spawn().await;
    let bytes = b"{\"object\": \"whatsapp_business_account\", \"entry\": [".to_vec();
    let response = app.post_webhook_raw(bytes.clone(), Some(&signature::sign(APP_SECRET, &bytes))).await;
    assert_eq!(response.status(), 400);
    let error: serde_json::Value = response.json().await.expect("json error");
    assert_eq!(error["error"]["code"], "BAD_USER_INPUT");
    assert!(error["error"]["message"].as_str().unwrap_or_default().contains("not valid JSON"), "{error}");
    let stored = webhook_delivery::Entity::find().all(app.db()).await.expect("deliveries");
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].outcome.as_str(), &stored[0].body), ("rejected", &bytes));
}

#[tokio::test]
async fn without_an_app_secret_unsigned_deliveries_are_accepted_and_marked_unverified() {
    let app = TestApp::builder().env("WHATSAPP_APP_SECRET", "").spawn().await;
    let body = meta::wire_bytes(&json!(meta::text_notification("wamid.u", "33612345678", 1_700_000_000, "hi")));
    assert_eq!(app.post_webhook_raw(body, None).await.status(), 200);
    let stored = webhook_delivery::Entity::find().all(app.db()).await.expect("deliveries");
    assert!(!stored[0].signature_verified);
}
