//! Who may do what: every REST route, GraphQL query, mutation and subscription that takes a
//! bearer token, tried by every kind of caller, forged tokens included. Only the cells the
//! rules allow succeed; refused cells say UNAUTHENTICATED (no valid token) or FORBIDDEN (a
//! valid token that does not reach the data).
//!
//! Not in the matrix, because they take no token: the webhook (its HMAC signature is tested in
//! `webhook_security`), `/healthz`, `/readyz` and the admin SPA's static files.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use wagate::{
    auth::{JwtKeys, Role},
    config::Secret,
};

use crate::support::{JWT_SECRET, TestApp, meta, ws::LiveClient};

const ANA: &str = "33612345678";
const BOB: &str = "33687654321";
/// A contact who is no caller: setting their password ends no caller's tokens.
const CARL: &str = "33611112222";
const ADMIN_EMAIL: &str = "matrix@example.com";
const MEDIA_ID: &str = "7001";

/// Every kind of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Expired,
    ForgedSignature,
    AlgNone,
    WrongSecret,
    UserA,
    UserB,
    Admin,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::Expired,
    Caller::ForgedSignature,
    Caller::AlgNone,
    Caller::WrongSecret,
    Caller::UserA,
    Caller::UserB,
    Caller::Admin,
];

/// What a cell came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Unauthenticated,
    Forbidden,
}

/// Who an operation is for.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Anyone, token or not.
    Public,
    /// Any valid token.
    SignedIn,
    /// User A (whose data it is) and admins.
    OwnerOrAdmin,
    /// Admins only.
    AdminOnly,
    /// Any valid token whose account has the password given (users A and B have none).
    OwnPassword,
}

fn expected(rule: Rule, caller: Caller) -> Outcome {
    let valid = matches!(caller, Caller::UserA | Caller::UserB | Caller::Admin);
    match (rule, caller) {
        (Rule::Public, _) => Outcome::Allowed,
        (_, _) if !valid => Outcome::Unauthenticated,
        (Rule::SignedIn, _) | (_, Caller::Admin) | (Rule::OwnerOrAdmin, Caller::UserA) => Outcome::Allowed,
        _ => Outcome::Forbidden,
    }
}

/// The world the matrix runs in: Ana (user A) sent an image, Bob (user B) a text, and an
/// admin account exists.
struct World {
    app: TestApp,
    ana: i64,
    carl: i64,
    admin_password: String,
    tokens: Vec<(Caller, Option<String>)>,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
        app.graph.add_media(MEDIA_ID, "image/jpeg", b"jpeg bytes");
        let image = meta::message(
            "wamid.A1",
            ANA,
            now as i64,
            "image",
            json!({ "id": MEDIA_ID, "mime_type": "image/jpeg", "sha256": "x" }),
        );
        app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana")], vec![image], vec![])).await;
        app.deliver(&meta::text_notification("wamid.B1", BOB, now as i64, "I am Bob")).await;
        app.deliver(&meta::text_notification("wamid.C1", CARL, now as i64, "I am Carl")).await;
        let (ana, bob) = (app.user_by_phone(ANA).await.id, app.user_by_phone(BOB).await.id);
        let admin_password = app.domain().ensure_admin(ADMIN_EMAIL).await.expect("create admin").expect("new admin");
        let login = app
            .graphql(
                "mutation($id: String!, $pw: String!) { login(identifier: $id, password: $pw) { token } }",
                json!({ "id": ADMIN_EMAIL, "pw": admin_password }),
                None,
            )
            .await;
        let admin = login["data"]["login"]["token"].as_str().unwrap_or_else(|| panic!("{login}")).to_owned();
        let user_a = app.token(Role::User, Some(ana));
        let admin_claims = json!({ "sub": "operator", "role": "admin", "iat": now, "exp": now + 3600 });
        let tokens = vec![
            (Caller::Anonymous, None),
            (Caller::Expired, Some(expired_admin_token(now))),
            (Caller::ForgedSignature, Some(with_claims(&user_a, &admin_claims))),
            (Caller::AlgNone, Some(unsigned(&admin_claims))),
            (
                Caller::WrongSecret,
                Some(
                    JwtKeys::new(&Secret::new("another-secret-that-is-long-enough-0123"))
                        .issue(Role::Admin, None, Duration::from_secs(3600))
                        .expect("token"),
                ),
            ),
            (Caller::UserA, Some(user_a)),
            (Caller::UserB, Some(app.token(Role::User, Some(bob)))),
            (Caller::Admin, Some(admin)),
        ];
        let carl = app.user_by_phone(CARL).await.id;
        Self { app, ana, carl, admin_password, tokens }
    }
}

/// An admin token signed with the right secret that expired an hour ago.
fn expired_admin_token(now: u64) -> String {
    let claims = json!({ "sub": "operator", "role": "admin", "iat": now - 7200, "exp": now - 3600 });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("encode")
}

/// `token`'s header and signature around other claims: a forgery that reuses a real signature.
fn with_claims(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2])
}

/// An `alg: none` token: claims with no signature at all.
fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT" }).to_string());
    format!("{header}.{}.", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

fn rest_outcome(status: u16, what: &str) -> Outcome {
    match status {
        200..=299 => Outcome::Allowed,
        401 => Outcome::Unauthenticated,
        403 => Outcome::Forbidden,
        other => panic!("{what}: unexpected status {other}"),
    }
}

fn graphql_outcome(payload: &Value, what: &str) -> Outcome {
    match payload["errors"][0]["extensions"]["code"].as_str() {
        None if payload["errors"].is_null() => Outcome::Allowed,
        Some("UNAUTHENTICATED") => Outcome::Unauthenticated,
        Some("FORBIDDEN") => Outcome::Forbidden,
        _ => panic!("{what}: neither a result nor an authorization error: {payload}"),
    }
}

/// Compares what happened with what the rules say, cell by cell, and reports every wrong cell.
fn check(cells: &[(String, Caller, Outcome, Outcome)]) {
    let wrong: Vec<String> = cells
        .iter()
        .filter(|(_, _, got, want)| got != want)
        .map(|(operation, caller, got, want)| format!("{operation} as {caller:?}: got {got:?}, want {want:?}"))
        .collect();
    assert!(wrong.is_empty(), "{} wrong cells:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test]
async fn rest_routes_let_in_only_the_callers_the_rules_allow() {
    let world = World::new().await;
    let app = &world.app;
    let text = json!({ "to": ANA, "type": "text", "text": { "body": "matrix" } });
    let mut cells = Vec::new();
    for (caller, token) in &world.tokens {
        let token = token.as_deref();
        let conversations = format!("/api/user/{}/conversations", world.ana);
        let media = format!("/api/media/{MEDIA_ID}");
        let outcomes = [
            (conversations.clone(), Rule::OwnerOrAdmin, app.get(&conversations, token).await.status()),
            (media.clone(), Rule::OwnerOrAdmin, app.get(&media, token).await.status()),
            ("POST /api/message/send".to_owned(), Rule::AdminOnly, app.send(&text, token).await.status()),
        ];
        for (operation, rule, status) in outcomes {
            cells.push((
                operation.clone(),
                *caller,
                rest_outcome(status.as_u16(), &operation),
                expected(rule, *caller),
            ));
        }
    }
    assert_eq!(cells.len(), 3 * CALLERS.len());
    check(&cells);
}

#[tokio::test]
async fn graphql_queries_and_mutations_let_in_only_the_callers_the_rules_allow() {
    let world = World::new().await;
    let ana = world.ana.to_string();
    let operations: Vec<(&str, Rule, &str, Value)> = vec![
        ("me", Rule::SignedIn, "{ me { id } }", json!({})),
        ("user", Rule::OwnerOrAdmin, "query($u: ID!) { user(id: $u) { id } }", json!({ "u": ana })),
        ("users", Rule::AdminOnly, "{ users { nodes { id } } }", json!({})),
        (
            "conversations",
            Rule::OwnerOrAdmin,
            "query($u: ID!) { conversations(userId: $u) { nodes { id } } }",
            json!({ "u": ana }),
        ),
        (
            "thread",
            Rule::OwnerOrAdmin,
            "query($u: ID!, $c: String!) { thread(userId: $u, contact: $c) { id } }",
            json!({ "u": ana, "c": ANA }),
        ),
        ("credits", Rule::OwnerOrAdmin, "query($u: ID!) { credits(userId: $u) { balance } }", json!({ "u": ana })),
        (
            "sendMessage",
            Rule::AdminOnly,
            "mutation($to: String!) { sendMessage(input: { to: $to, text: { body: \"matrix\" } }) { __typename } }",
            json!({ "to": ANA }),
        ),
        ("markAsRead", Rule::AdminOnly, "mutation { markAsRead(messageId: \"wamid.A1\") }", json!({})),
        (
            "adjustCredits",
            Rule::AdminOnly,
            "mutation($u: ID!) { adjustCredits(userId: $u, delta: 1, reason: \"matrix\") { balance } }",
            json!({ "u": ana }),
        ),
        (
            "createAccount",
            Rule::AdminOnly,
            "mutation { createAccount(input: { email: \"new@example.com\", role: USER, password: \"a long password 1\" }) { id } }",
            json!({}),
        ),
        (
            "updateUser",
            Rule::AdminOnly,
            "mutation($u: ID!) { updateUser(id: $u, input: { name: \"Ana\" }) { id } }",
            json!({ "u": ana }),
        ),
        (
            "setPassword",
            Rule::AdminOnly,
            "mutation($u: ID!) { setPassword(id: $u, password: \"a long password 2\") { id } }",
            json!({ "u": world.carl.to_string() }),
        ),
        (
            "changePassword",
            Rule::OwnPassword,
            "mutation($pw: String!) { changePassword(currentPassword: $pw, newPassword: $pw) }",
            json!({ "pw": world.admin_password }),
        ),
        (
            "login",
            Rule::Public,
            "mutation($id: String!, $pw: String!) { login(identifier: $id, password: $pw) { token } }",
            json!({ "id": ADMIN_EMAIL, "pw": world.admin_password }),
        ),
    ];
    let mut cells = Vec::new();
    for (name, rule, query, variables) in &operations {
        for (caller, token) in &world.tokens {
            let payload = world.app.graphql(query, variables.clone(), token.as_deref()).await;
            cells.push((name.to_string(), *caller, graphql_outcome(&payload, name), expected(*rule, *caller)));
        }
    }
    assert_eq!(cells.len(), operations.len() * CALLERS.len());
    check(&cells);
}

#[tokio::test]
async fn subscriptions_let_in_only_the_callers_the_rules_allow() {
    let world = World::new().await;
    let ana = json!({ "userId": world.ana.to_string() });
    let subscriptions = [
        (
            "messageEvents(userId: A)",
            Rule::OwnerOrAdmin,
            "subscription($userId: ID) { messageEvents(userId: $userId) { kind } }",
            ana.clone(),
        ),
        ("messageEvents (no userId)", Rule::SignedIn, "subscription { messageEvents { kind } }", json!({})),
        (
            "creditsChanged(userId: A)",
            Rule::OwnerOrAdmin,
            "subscription($userId: ID) { creditsChanged(userId: $userId) { balance } }",
            ana,
        ),
        ("creditsChanged (no userId)", Rule::SignedIn, "subscription { creditsChanged { balance } }", json!({})),
    ];
    let mut cells = Vec::new();
    let mut listening = Vec::new();
    for (name, rule, query, variables) in &subscriptions {
        for (caller, token) in &world.tokens {
            let init = token.as_ref().map_or(json!({}), |t| json!({ "Authorization": format!("Bearer {t}") }));
            let mut live =
                LiveClient::connect(&world.app.address, crate::support::ws::Protocol::TransportWs, init).await;
            live.subscribe(query, variables.clone()).await;
            match expected(*rule, *caller) {
                // A refusal comes at once; an accepted subscription waits for an event.
                Outcome::Allowed => listening.push((name.to_string(), *caller, live)),
                want => {
                    let refused = live.next_result().await;
                    cells.push((name.to_string(), *caller, graphql_outcome(&refused, name), want));
                }
            }
        }
    }
    world.app.wait_for_subscribers(listening.len()).await;
    // Without a `userId`, admins follow everyone and users themselves: both Ana and Bob write.
    world.app.deliver(&meta::text_notification("wamid.A2", ANA, 1, "an event for Ana's followers")).await;
    world.app.deliver(&meta::text_notification("wamid.B2", BOB, 1, "an event for Bob's followers")).await;
    for (name, caller, mut live) in listening {
        let event = live.next_result().await;
        cells.push((name.clone(), caller, graphql_outcome(&event, &name), Outcome::Allowed));
    }
    assert_eq!(cells.len(), subscriptions.len() * CALLERS.len());
    check(&cells);
}
