//! GraphQL reads: users, conversations (Relay connection with filters), thread, credits, and
//! authentication and authorization with `extensions.code`.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use wagate::auth::Role;

use crate::support::{TestApp, meta};

const ANA: &str = "33612345678";
const BOB: &str = "33687654321";

async fn seeded(app: &TestApp) -> (String, String) {
    let messages = vec![
        meta::text("wamid.G1", ANA, 1_700_000_001, "Bonjour"),
        meta::message("wamid.G2", ANA, 1_700_000_002, "image", json!({ "id": "m", "caption": "Receipt" })),
        meta::text("wamid.G3", ANA, 1_700_000_003, "Merci"),
        meta::text("wamid.G4", BOB, 1_700_000_004, "Hi"),
    ];
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana Lima"), meta::contact(BOB, "Bob")], messages, vec![]))
        .await;
    app.seed_outbound("wamid.G5", ANA).await;
    let id = |u: wagate::store::entity::user::Model| u.id.to_string();
    (id(app.user_by_phone(ANA).await), id(app.user_by_phone(BOB).await))
}

const CONVERSATIONS: &str = "query($u: ID!, $f: ConversationFilter, $first: Int, $after: String) {
  conversations(userId: $u, filter: $f, first: $first, after: $after) {
    edges { cursor node { messageId type content direction status from to timestamp creditsCharged contactName } }
    pageInfo { hasNextPage endCursor } } }";

fn message_ids(data: &Value) -> Vec<&str> {
    data["conversations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["messageId"].as_str().unwrap_or_default())
        .collect()
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn conversations_are_a_relay_connection_with_filters() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let all = app.graphql_ok(CONVERSATIONS, json!({ "u": ana, "f": { "direction": "INBOUND" } })).await;
    assert_eq!(message_ids(&all), vec!["wamid.G3", "wamid.G2", "wamid.G1"]);
    let image = &all["conversations"]["edges"][1]["node"];
    assert_eq!((image["type"].as_str(), image["content"].as_str()), (Some("image"), Some("[image] Receipt")));
    assert_eq!((image["direction"].as_str(), image["status"].as_str()), (Some("INBOUND"), Some("RECEIVED")));
    assert_eq!((image["creditsCharged"].as_i64(), image["contactName"].as_str()), (Some(2), Some("Ana Lima")));

    let filtered = |f: Value| app.graphql_ok(CONVERSATIONS, json!({ "u": ana, "f": f }));
    assert_eq!(message_ids(&filtered(json!({ "type": "image" })).await), vec!["wamid.G2"]);
    assert_eq!(message_ids(&filtered(json!({ "status": "ACCEPTED" })).await), vec!["wamid.G5"]);
    assert_eq!(message_ids(&filtered(json!({ "search": "merci" })).await), vec!["wamid.G3"]);
    assert_eq!(message_ids(&filtered(json!({ "direction": "OUTBOUND" })).await), vec!["wamid.G5"]);
    let blank = filtered(json!({ "type": "", "contact": " ", "search": "" })).await;
    assert_eq!(message_ids(&blank), vec!["wamid.G5", "wamid.G3", "wamid.G2", "wamid.G1"], "blank filters nothing");
    let window = json!({ "since": "2023-11-14T22:13:22Z", "until": "2023-11-14T22:13:23Z" });
    assert_eq!(message_ids(&filtered(window).await), vec!["wamid.G2"]);
    let between_seconds = json!({ "since": "2023-11-14T22:13:21.500Z", "until": "2023-11-14T22:13:22.500Z" });
    assert_eq!(message_ids(&filtered(between_seconds).await), vec!["wamid.G2"], "22:13:22 lies between");
    let later = json!({ "since": "2023-11-14T22:13:22.500Z", "until": "2023-11-14T22:13:23.500Z" });
    assert_eq!(message_ids(&filtered(later).await), vec!["wamid.G3"], "22:13:22 is before 22:13:22.5");
}

#[tokio::test]
async fn a_request_graphql_itself_refuses_carries_bad_user_input() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let token = app.admin_token();
    let not_a_date = app.graphql(CONVERSATIONS, json!({ "u": ana, "f": { "since": "yesterday" } }), Some(&token)).await;
    let not_an_enum =
        app.graphql(CONVERSATIONS, json!({ "u": ana, "f": { "direction": "inbound" } }), Some(&token)).await;
    let unknown_field = app.graphql("{ me { id nope } }", json!({}), Some(&token)).await;
    let unparsable = app.graphql("{ me { id ", json!({}), Some(&token)).await;
    for body in [not_a_date, not_an_enum, unknown_field, unparsable] {
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert!(!body["errors"][0]["message"].as_str().unwrap_or_default().is_empty(), "{body}");
    }
}

#[tokio::test]
async fn cursors_page_through_a_connection() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let inbound = json!({ "direction": "INBOUND" });
    let first = app.graphql_ok(CONVERSATIONS, json!({ "u": ana, "f": inbound, "first": 2 })).await;
    assert_eq!(message_ids(&first), vec!["wamid.G3", "wamid.G2"]);
    assert_eq!(first["conversations"]["pageInfo"]["hasNextPage"], true);
    let cursor = first["conversations"]["pageInfo"]["endCursor"].clone();
    let second = app.graphql_ok(CONVERSATIONS, json!({ "u": ana, "f": inbound, "first": 2, "after": cursor })).await;
    assert_eq!(message_ids(&second), vec!["wamid.G1"]);
    assert_eq!(second["conversations"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn a_thread_is_the_whole_conversation_oldest_first() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let data = app
        .graphql_ok(
            "query($u: ID!, $c: String!) { thread(userId: $u, contact: $c) { messageId direction } }",
            json!({ "u": ana, "c": meta::BUSINESS_NUMBER }),
        )
        .await;
    let ids: Vec<_> =
        data["thread"].as_array().expect("list").iter().map(|m| m["messageId"].as_str().unwrap_or_default()).collect();
    assert_eq!(ids, vec!["wamid.G1", "wamid.G2", "wamid.G3", "wamid.G5"]);
}

#[tokio::test]
async fn users_are_searchable_by_name_phone_or_business_id() {
    let app = TestApp::spawn().await;
    seeded(&app).await;
    let query = "query($s: String) { users(search: $s) { edges { node { name phone role currentMonthCredits monthlyAllowance } } } }";
    let names = |data: Value| -> Vec<String> {
        data["users"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(names(app.graphql_ok(query, json!({ "s": "lima" })).await), vec!["Ana Lima"]);
    assert_eq!(names(app.graphql_ok(query, json!({ "s": "876543" })).await), vec!["Bob"]);
    assert_eq!(names(app.graphql_ok(query, json!({})).await).len(), 2);
    let ana = app.graphql_ok(query, json!({ "s": "Ana" })).await;
    assert_eq!(ana["users"]["edges"][0]["node"]["currentMonthCredits"], 100 - 1 - 2 - 1);
    assert_eq!(ana["users"]["edges"][0]["node"]["role"], "USER");

    let (elodie, ivan) = ("33611110000", "33622220000");
    let contacts = vec![meta::contact(elodie, "Élodie Martin"), meta::contact(ivan, "Иван Петров")];
    let texts = vec![
        meta::text("wamid.E1", elodie, 1_700_000_010, "salut"),
        meta::text("wamid.I1", ivan, 1_700_000_011, "привет"),
    ];
    app.deliver(&meta::envelope(contacts, texts, vec![])).await;
    assert_eq!(names(app.graphql_ok(query, json!({ "s": "élodie" })).await), vec!["Élodie Martin"]);
    assert_eq!(names(app.graphql_ok(query, json!({ "s": "ÉLODIE" })).await), vec!["Élodie Martin"]);
    assert_eq!(names(app.graphql_ok(query, json!({ "s": "иван" })).await), vec!["Иван Петров"]);
    assert_eq!(names(app.graphql_ok(query, json!({ "s": "+33622220000" })).await), vec!["Иван Петров"]);
    assert_eq!(
        names(app.graphql_ok(query, json!({ "s": "+33 6 22 22" })).await),
        vec!["Иван Петров"],
        "as people write numbers"
    );
    assert_eq!(names(app.graphql_ok(query, json!({ "s": "(336) 2222-0000" })).await), vec!["Иван Петров"]);
    for literal in ["_", "%", "."] {
        assert_eq!(names(app.graphql_ok(query, json!({ "s": literal })).await), Vec::<String>::new(), "{literal}");
    }
}

#[tokio::test]
async fn credits_show_the_balance_and_the_ledger_newest_first() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let data = app
        .graphql_ok(
            "query($u: ID!) { credits(userId: $u) { balance monthlyAllowance period
                       ledger(first: 10) { edges { node { delta reason balanceAfter messageId } } } } }",
            json!({ "u": ana }),
        )
        .await;
    assert_eq!(
        (data["credits"]["balance"].as_i64(), data["credits"]["monthlyAllowance"].as_i64()),
        (Some(96), Some(100))
    );
    let reasons: Vec<_> = data["credits"]["ledger"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["reason"].clone())
        .collect();
    assert_eq!(reasons, vec!["inbound", "inbound", "inbound", "monthly_reset"]);
}

#[tokio::test]
async fn me_returns_the_tokens_user() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let token = app.token(Role::User, Some(ana.parse().expect("id")));
    let body = app.graphql("{ me { name phone } }", json!({}), Some(&token)).await;
    assert_eq!(body["data"]["me"]["name"], "Ana Lima");
    let operator = app.graphql("{ me { name } }", json!({}), Some(&app.admin_token())).await;
    assert_eq!(operator["data"]["me"], Value::Null);
}

#[tokio::test]
async fn a_user_reaches_only_their_own_data() {
    let app = TestApp::spawn().await;
    let (ana, bob) = seeded(&app).await;
    let bob_token = app.token(Role::User, Some(bob.parse().expect("id")));
    let other = app.graphql(CONVERSATIONS, json!({ "u": ana }), Some(&bob_token)).await;
    assert_eq!(code(&other), "FORBIDDEN");
    let own = app.graphql(CONVERSATIONS, json!({ "u": bob }), Some(&bob_token)).await;
    assert!(own.get("errors").is_none(), "{own}");
    for query in [
        "{ users { edges { node { id } } } }",
        &format!("{{ credits(userId: \"{ana}\") {{ balance }} }}"),
        &format!("{{ user(id: \"{ana}\") {{ name }} }}"),
    ] {
        assert_eq!(code(&app.graphql(query, json!({}), Some(&bob_token)).await), "FORBIDDEN", "{query}");
    }
}

fn forged_tokens(app: &TestApp) -> Vec<(&'static str, String)> {
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"operator","role":"admin","exp":4102444800}"#);
    let valid = app.admin_token();
    let mut parts: Vec<&str> = valid.split('.').collect();
    let tampered_claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"1","role":"admin","exp":4102444800,"iat":1}"#);
    parts[1] = &tampered_claims;
    let expired_claims = URL_SAFE_NO_PAD.encode(r#"{"sub":"operator","role":"admin","exp":1000,"iat":1}"#);
    let wrong_secret = wagate::auth::JwtKeys::new(&wagate::config::Secret::new("another-secret-of-thirty-two-chars!"))
        .issue(Role::Admin, None, std::time::Duration::from_secs(60))
        .expect("token");
    vec![
        ("alg none", format!("{header_none}.{claims}.")),
        ("forged signature", parts.join(".")),
        ("expired", format!("{}.{expired_claims}.{}", valid.split('.').next().unwrap_or_default(), "sig")),
        ("wrong secret", wrong_secret),
        ("garbage", "abc".into()),
    ]
}

#[tokio::test]
async fn missing_expired_forged_or_unsigned_tokens_are_unauthenticated() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    assert_eq!(code(&app.graphql(CONVERSATIONS, json!({ "u": ana }), None).await), "UNAUTHENTICATED");
    for (case, token) in forged_tokens(&app) {
        let body = app.graphql(CONVERSATIONS, json!({ "u": ana }), Some(&token)).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{case}: {body}");
        let rest = app.get(&format!("/api/user/{ana}/conversations"), Some(&token)).await;
        assert_eq!(rest.status(), 401, "{case}");
    }
}

#[tokio::test]
async fn an_expired_token_signed_with_the_right_secret_is_refused() {
    let app = TestApp::spawn().await;
    let keys = wagate::auth::JwtKeys::new(&wagate::config::Secret::new("test-jwt-secret-0123456789abcdefghijklmnop"));
    let token = keys.issue(Role::Admin, None, std::time::Duration::from_secs(1)).expect("token");
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    let body = app.graphql("{ users { edges { node { id } } } }", json!({}), Some(&token)).await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("has expired: sign in again"), "{body}");
}

#[tokio::test]
async fn bad_arguments_and_oversized_pages_are_bad_user_input() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let admin = app.admin_token();
    let cases =
        [json!({ "u": "abc" }), json!({ "u": ana, "first": 101 }), json!({ "u": ana, "after": "bm90LWEtY3Vyc29y" })];
    for variables in cases {
        assert_eq!(
            code(&app.graphql(CONVERSATIONS, variables.clone(), Some(&admin)).await),
            "BAD_USER_INPUT",
            "{variables}"
        );
    }
    let missing = app.graphql("{ user(id: \"424242\") { name } }", json!({}), Some(&admin)).await;
    assert_eq!(code(&missing), "NOT_FOUND");
}

/// The GraphQL spec's "Handling Field Errors": a field that errors is null, and a null in a
/// non-null position makes its parent null, up to the nearest nullable one or `data` itself.
#[tokio::test]
async fn a_failing_non_null_field_nulls_its_nearest_nullable_ancestor() {
    let app = TestApp::spawn().await;
    let (ana, _) = seeded(&app).await;
    let admin = app.admin_token();
    let ledger = "query($u: ID!, $first: Int) { credits(userId: $u) { userId balance
                    ledger(first: $first) { edges { cursor } } } }";
    let body = app.graphql(ledger, json!({ "u": ana, "first": 500 }), Some(&admin)).await;
    assert_eq!(body["data"], Value::Null, "ledger: LedgerEntryConnection! in credits: Credits!: {body}");
    assert_eq!(body["errors"][0]["path"], json!(["credits", "ledger"]), "{body}");
    assert_eq!(code(&body), "BAD_USER_INPUT");

    let sibling = "{ users(first: 1) { nodes { id } } credits(userId: \"abc\") { balance } }";
    let body = app.graphql(sibling, json!({}), Some(&admin)).await;
    assert_eq!(body["data"], Value::Null, "a failing non-null root field nulls `data`: {body}");
    assert_eq!(body["errors"][0]["path"], json!(["credits"]), "{body}");
}

#[tokio::test]
async fn a_failing_nullable_field_is_null_beside_its_siblings() {
    let app = TestApp::spawn().await;
    seeded(&app).await;
    let gone = app.token(Role::User, Some(424_242));
    let body = app.graphql("{ __typename me { name } }", json!({}), Some(&gone)).await;
    assert_eq!(body["data"], json!({ "__typename": "Query", "me": null }), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["me"]), "{body}");
    assert_eq!(code(&body), "UNAUTHENTICATED", "the account the token names is gone: {body}");
}

#[tokio::test]
async fn graphiql_is_served_on_get() {
    let app = TestApp::spawn().await;
    let page = app.get("/graphql", None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("GraphiQL.createFetcher"), "{html}");
    // It shares the admin UI's origin: every script and style it loads is pinned and checked.
    let loads = html.matches("https://unpkg.com/").count();
    assert_eq!((loads, html.matches("integrity=\"sha384-").count()), (4, 4), "{html}");
    assert!(!html.contains("@4/") && !html.contains("@18/"), "versions are exact: {html}");
}

#[tokio::test]
async fn a_page_loads_its_messages_users_in_one_batch_whatever_its_size() {
    // The media job and the text index (SQLite) poll the database too; kept quiet while
    // statements are counted.
    let app = TestApp::builder().env("MEDIA_POLL_MS", "3600000").env("TEXT_INDEX_INTERVAL_MS", "3600000").spawn().await;
    let messages = (0..60).map(|n| meta::text(&format!("wamid.P{n}"), ANA, 1_700_000_000 + n, "x")).collect();
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana Lima")], messages, vec![])).await;
    let user = app.user_by_phone(ANA).await.id.to_string();
    let query = "query($u: ID!, $first: Int) { conversations(userId: $u, first: $first) {
      nodes { messageId user { name currentMonthCredits } } } }";
    // Background jobs (the media job's first round at start) may add statements to any one
    // count; the fewest over a few tries is the page's own.
    let mut statements = Vec::new();
    for first in [1, 50] {
        let mut fewest = u64::MAX;
        for _ in 0..3 {
            let before = app.statements();
            let data = app.graphql_ok(query, json!({ "u": user, "first": first })).await;
            fewest = fewest.min(app.statements() - before);
            let nodes = data["conversations"]["nodes"].as_array().expect("nodes");
            assert_eq!(nodes.len(), first);
            assert!(nodes.iter().all(|n| n["user"] == json!({ "name": "Ana Lima", "currentMonthCredits": 40 })));
        }
        statements.push(fewest);
    }
    assert_eq!(statements[0], statements[1], "statements for a page of 1 and of 50: {statements:?}");
}
