//! `GET /api/user/{id}/conversations`: filters, cursor pagination, authorization.

use serde_json::{Value, json};
use wagate::auth::Role;

use crate::support::{TestApp, meta};

const ANA: &str = "33612345678";
const BOB: &str = "33687654321";

/// Ana: 3 texts and an image; Bob: one text. Returns (ana_id, bob_id).
async fn seeded(app: &TestApp) -> (i64, i64) {
    let messages = vec![
        meta::text("wamid.A1", ANA, 1_700_000_001, "Bonjour"),
        meta::text("wamid.A2", ANA, 1_700_000_002, "Where is my order?"),
        meta::message("wamid.A3", ANA, 1_700_000_003, "image", json!({ "id": "m", "caption": "The parcel" })),
        meta::text("wamid.A4", ANA, 1_700_000_004, "ORDER 42 please"),
        meta::text("wamid.B1", BOB, 1_700_000_005, "hello"),
    ];
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana"), meta::contact(BOB, "Bob")], messages, vec![])).await;
    app.seed_outbound("wamid.A5", ANA).await;
    (app.user_by_phone(ANA).await.id, app.user_by_phone(BOB).await.id)
}

async fn list(app: &TestApp, user: i64, query: &str) -> Value {
    let response = app.get(&format!("/api/user/{user}/conversations?{query}"), Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.expect("json")
}

fn ids(page: &Value) -> Vec<&str> {
    page["data"].as_array().expect("data").iter().map(|m| m["message_id"].as_str().unwrap_or_default()).collect()
}

#[tokio::test]
async fn a_users_messages_come_newest_first_with_the_original_fields() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let page = list(&app, ana, "direction=inbound").await;
    assert_eq!(ids(&page), vec!["wamid.A4", "wamid.A3", "wamid.A2", "wamid.A1"]);
    let first = &page["data"][0];
    for field in ["id", "user_id", "from", "to", "message_id", "type", "content", "direction", "status", "timestamp"] {
        assert!(first.get(field).is_some(), "missing {field}: {first}");
    }
    assert_eq!((first["from"].as_str(), first["type"].as_str()), (Some(ANA), Some("text")));
    assert_eq!(first["timestamp"], "2023-11-14T22:13:24Z");
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    assert_eq!(ids(&list(&app, ana, "type=image").await), vec!["wamid.A3"]);
    assert_eq!(ids(&list(&app, ana, "direction=outbound").await), vec!["wamid.A5"]);
    assert_eq!(ids(&list(&app, ana, "status=accepted").await), vec!["wamid.A5"]);
    assert_eq!(ids(&list(&app, ana, "q=order").await), vec!["wamid.A4", "wamid.A2"], "case-insensitive");
    assert_eq!(ids(&list(&app, ana, "q=100%25").await), Vec::<&str>::new(), "% is literal");
    assert_eq!(
        ids(&list(&app, ana, "since=1700000002&until=1700000004&direction=inbound").await),
        vec!["wamid.A3", "wamid.A2"]
    );
    assert_eq!(ids(&list(&app, ana, "since=2023-11-14T22:13:24Z&direction=inbound").await), vec!["wamid.A4"]);
    assert_eq!(ids(&list(&app, ana, &format!("contact=%2B{ANA}&type=text&direction=inbound")).await).len(), 3);
    let everything = ids(&list(&app, ana, "").await).len();
    let blanks = "type=&direction=&status=&contact=&q=&since=&until=%20";
    assert_eq!(ids(&list(&app, ana, blanks).await).len(), everything, "a blank parameter filters nothing");
}

#[tokio::test]
async fn cursor_pagination_walks_every_message_once() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let mut seen = Vec::new();
    let mut after = String::new();
    loop {
        let page = list(&app, ana, &format!("first=2&direction=inbound{after}")).await;
        seen.extend(ids(&page).into_iter().map(str::to_owned));
        if page["page_info"]["has_next_page"] != true {
            break;
        }
        after = format!("&after={}", page["page_info"]["end_cursor"].as_str().expect("cursor"));
    }
    assert_eq!(seen, vec!["wamid.A4", "wamid.A3", "wamid.A2", "wamid.A1"]);
}

#[tokio::test]
async fn bad_parameters_get_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    for (query, field) in [
        ("direction=sideways", "direction"),
        ("status=deleted", "status"),
        ("since=yesterday", "since"),
        ("first=0", "first"),
        ("first=abc", "first"),
        ("after=garbage", "after"),
        ("direction=inbound&direction=outbound", "direction"),
    ] {
        let response = app.get(&format!("/api/user/{ana}/conversations?{query}"), Some(&app.admin_token())).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "BAD_USER_INPUT");
        assert!(body["error"]["message"].as_str().unwrap_or_default().contains(field), "{query}: {body}");
    }
}

#[tokio::test]
async fn only_admins_and_the_user_themselves_may_read() {
    let app = TestApp::spawn().await;
    let (ana, bob) = seeded(&app).await;
    let path = format!("/api/user/{ana}/conversations");
    assert_eq!(app.get(&path, None).await.status(), 401);
    assert_eq!(app.get(&path, Some("not-a-jwt")).await.status(), 401);
    assert_eq!(app.get(&path, Some(&app.token(Role::User, Some(bob)))).await.status(), 403);
    assert_eq!(app.get(&path, Some(&app.token(Role::User, Some(ana)))).await.status(), 200);
    assert_eq!(app.get(&path, Some(&app.admin_token())).await.status(), 200);
    assert_eq!(app.get("/api/user/999999/conversations", Some(&app.admin_token())).await.status(), 404);
    let unauthenticated: Value = app.get(&path, None).await.json().await.expect("json");
    assert_eq!(unauthenticated["error"]["code"], "UNAUTHENTICATED");
}
