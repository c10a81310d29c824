//! Signing in: the first admin, `login`, `changePassword`, and what a wrong password meets.

use serde_json::{Value, json};
use wagate::auth::Role;

use crate::support::{TestApp, meta, process::ServerProcess};

const LOGIN: &str = "mutation($id: String!, $pw: String!) {
  login(identifier: $id, password: $pw) { token expiresAt user { id role } } }";

async fn graphql(address: &str, query: &str, variables: Value, token: Option<&str>) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("graphql request").json().await.expect("graphql json")
}

fn first_admin_password(server: &ServerProcess) -> Option<(String, String)> {
    server.log_messages().iter().find(|m| m.contains("first admin created")).map(|line| {
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|word| word.strip_prefix(&format!("{name}=")))
                .map(str::to_owned)
                .expect("the line names the field")
        };
        (field("email"), field("password"))
    })
}

#[tokio::test]
async fn the_first_start_creates_one_admin_whose_printed_password_signs_in() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
    let secret = "a-jwt-secret-of-at-least-thirty-two-chars";
    let env = [("DATABASE_URL", url.as_str()), ("JWT_SECRET", secret), ("ADMIN_EMAIL", "Boss@Example.com")];
    let server = ServerProcess::start(&env);
    let (email, password) = first_admin_password(&server).expect("a first-admin line in the log");
    assert_eq!(email, "Boss@Example.com");

    let signed_in = graphql(&server.address, LOGIN, json!({ "id": "boss@example.com", "pw": password }), None).await;
    let token = signed_in["data"]["login"]["token"].as_str().unwrap_or_else(|| panic!("{signed_in}")).to_owned();
    assert_eq!(signed_in["data"]["login"]["user"]["role"], "ADMIN");
    let me = graphql(&server.address, "{ me { role } users { nodes { id } } }", json!({}), Some(&token)).await;
    assert_eq!(me["data"]["me"]["role"], "ADMIN", "{me}");
    drop(server);

    let again = ServerProcess::start(&env);
    assert_eq!(first_admin_password(&again), None, "an admin exists: no second one is created");
}

/// Instances starting together on one database each look for the first admin: one creates it.
#[tokio::test]
async fn the_first_admin_is_created_once_when_starts_race() {
    let app = TestApp::spawn().await;
    let starts = futures::future::join_all((0..4).map(|_| app.domain().ensure_admin("ops@example.com"))).await;
    let created = starts.iter().filter(|start| matches!(start, Ok(Some(_)))).count();
    assert!(starts.iter().all(Result::is_ok), "{starts:?}");
    assert_eq!(created, 1, "{starts:?}");
}

#[tokio::test]
async fn an_admin_email_that_cannot_sign_in_an_admin_stops_the_start_saying_so() {
    let app = TestApp::spawn().await;
    let wrong = app.domain().ensure_admin("not an email").await.expect_err("refused");
    assert!(wrong.message().contains("ADMIN_EMAIL must be an address"), "{}", wrong.message());
    let create = "mutation($i: NewAccountInput!) { createAccount(input: $i) { id } }";
    let staff = json!({ "i": { "name": "Eve", "email": "eve@example.com", "role": "USER", "password": "eve's long password" } });
    let made = app.graphql(create, staff, Some(&app.admin_token())).await;
    assert!(made["data"]["createAccount"]["id"].is_string(), "{made}");
    let taken = app.domain().ensure_admin("eve@example.com").await.expect_err("refused");
    assert!(taken.message().contains("not an admin") && taken.message().contains("ADMIN_EMAIL"), "{}", taken.message());
}

/// Whoever had the old password (or a token got with it) is shut out once it changes.
#[tokio::test]
async fn a_password_set_or_changed_ends_the_tokens_issued_before_it() {
    let app = TestApp::spawn().await;
    let password = app.domain().ensure_admin("ops@example.com").await.unwrap().expect("a new admin");
    let login = |pw: String| app.graphql(LOGIN, json!({ "id": "ops@example.com", "pw": pw }), None);
    let before = login(password.clone()).await["data"]["login"]["token"].as_str().unwrap().to_owned();
    app.deliver(&meta::text_notification("wamid.1", "33612345678", 1, "hi")).await;
    let ana = app.user_by_phone("33612345678").await.id;
    let anas_before = app.token(Role::User, Some(ana));
    // Tokens carry whole seconds: one issued in the second of the change is kept.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;

    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    let changed = app.graphql(change, json!({ "c": password, "n": "a much longer password" }), Some(&before)).await;
    assert_eq!(changed["data"]["changePassword"], true, "{changed}");
    let me = app.graphql("{ me { id } }", json!({}), Some(&before)).await;
    assert_eq!(me["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{me}");
    assert!(me["errors"][0]["message"].as_str().is_some_and(|m| m.contains("password changed")), "{me}");
    let after = login("a much longer password".into()).await["data"]["login"]["token"].as_str().unwrap().to_owned();
    assert!(app.graphql("{ me { id } }", json!({}), Some(&after)).await["data"]["me"]["id"].is_string());

    let set = "mutation($id: ID!) { setPassword(id: $id, password: \"ana's own password\") { id } }";
    let done = app.graphql(set, json!({ "id": ana.to_string() }), Some(&after)).await;
    assert!(done["data"]["setPassword"]["id"].is_string(), "{done}");
    let status = app.get(&format!("/api/user/{ana}/conversations"), Some(&anas_before)).await.status();
    assert_eq!(status, 401, "a token of Ana's from before her password was set");
}

#[tokio::test]
async fn a_password_can_be_changed_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let password = app.domain().ensure_admin("ops@example.com").await.unwrap().expect("a new admin");
    let login = |pw: &str| app.graphql(LOGIN, json!({ "id": "ops@example.com", "pw": pw }), None);
    let token = login(&password).await["data"]["login"]["token"].as_str().unwrap().to_owned();
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";

    let short = app.graphql(change, json!({ "c": password, "n": "short" }), Some(&token)).await;
    assert_eq!(short["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{short}");
    let wrong = app.graphql(change, json!({ "c": "not it", "n": "a much longer password" }), Some(&token)).await;
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "FORBIDDEN", "{wrong}");
    let changed = app.graphql(change, json!({ "c": password, "n": "a much longer password" }), Some(&token)).await;
    assert_eq!(changed["data"]["changePassword"], true, "{changed}");

    assert_eq!(login(&password).await["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // The change ended the tokens issued before it (to the second): the guesses below use a new one.
    let signed_in_again = login("a much longer password").await;
    let token = signed_in_again["data"]["login"]["token"].as_str().unwrap_or_else(|| panic!("{signed_in_again}"));

    // Guessing the current password counts with the account's sign-in attempts: two failed
    // already (the wrong current password above, the old password's sign-in), three more may.
    for _ in 0..3 {
        let guess = app.graphql(change, json!({ "c": "a guess", "n": "another long password" }), Some(token)).await;
        assert_eq!(guess["errors"][0]["extensions"]["code"], "FORBIDDEN", "{guess}");
    }
    let throttled = app.graphql(change, json!({ "c": "a guess", "n": "another long password" }), Some(token)).await;
    assert_eq!(throttled["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{throttled}");
}

#[tokio::test]
async fn wrong_credentials_read_the_same_and_repeated_failures_are_throttled() {
    let app = TestApp::spawn().await;
    app.domain().ensure_admin("ops@example.com").await.unwrap();
    let unknown = app.graphql(LOGIN, json!({ "id": "nobody@example.com", "pw": "x" }), None).await;
    let wrong = app.graphql(LOGIN, json!({ "id": "ops@example.com", "pw": "x" }), None).await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(unknown["errors"][0]["message"], wrong["errors"][0]["message"], "no hint whether the account exists");
    for _ in 0..4 {
        app.graphql(LOGIN, json!({ "id": "ops@example.com", "pw": "x" }), None).await;
    }
    let throttled = app.graphql(LOGIN, json!({ "id": "ops@example.com", "pw": "x" }), None).await;
    assert_eq!(throttled["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{throttled}");
}

#[tokio::test]
async fn concurrent_wrong_passwords_cannot_slip_past_the_throttle() {
    let app = TestApp::spawn().await;
    app.domain().ensure_admin("ops@example.com").await.unwrap();
    let attempts = (0..12).map(|_| app.graphql(LOGIN, json!({ "id": "ops@example.com", "pw": "x" }), None));
    let answers = futures::future::join_all(attempts).await;
    let codes: Vec<&str> =
        answers.iter().map(|a| a["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()).collect();
    assert_eq!(codes.iter().filter(|c| **c == "UNAUTHENTICATED").count(), 5, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "RATE_LIMITED").count(), 7, "{codes:?}");
}

#[tokio::test]
async fn an_accounts_attempts_count_together_however_its_number_is_typed() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
    use wagate::store::entity::user;
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.1", "33612345678", 1_760_000_000, "hi")).await;
    let mut staff = app.user_by_phone("33612345678").await.into_active_model();
    let password = app.domain().ensure_admin("ops@example.com").await.unwrap().expect("a first password");
    let admin = user::Entity::find().filter(user::Column::Email.eq("ops@example.com")).one(app.db()).await;
    let admin_hash = admin.expect("query").expect("the admin").password_hash;
    staff.password_hash = Set(admin_hash);
    let write = app.write().await;
    staff.update(&write).await.expect("give the contact the admin's password");
    write.commit().await.expect("commit");
    for typed in ["33612345678", "+33612345678", "33 6 12 34 56 78", "+33-612-345-678", "x33612345678"] {
        let wrong = app.graphql(LOGIN, json!({ "id": typed, "pw": "x" }), None).await;
        assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{typed}: {wrong}");
    }
    let right = app.graphql(LOGIN, json!({ "id": "+33 6 12 34 56 78", "pw": password }), None).await;
    assert_eq!(right["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{right}");
}

#[tokio::test]
async fn a_contact_without_a_password_cannot_sign_in_by_phone() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.1", "33612345678", 1_760_000_000, "hi")).await;
    let refused = app.graphql(LOGIN, json!({ "id": "33612345678", "pw": "" }), None).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");

    let token = app.token(Role::User, Some(app.user_by_phone("33612345678").await.id));
    let change = "mutation { changePassword(currentPassword: \"anything\", newPassword: \"a much longer password\") }";
    let none = app.graphql(change, json!({}), Some(&token)).await;
    assert_eq!(none["errors"][0]["extensions"]["code"], "FORBIDDEN", "{none}");
    assert!(none["errors"][0]["message"].as_str().unwrap_or_default().contains("no password to change"), "{none}");
}

#[tokio::test]
async fn admins_adjust_balances_with_a_reason_and_never_below_zero() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.1", "33612345678", chrono::Utc::now().timestamp(), "hi")).await;
    let user = app.user_by_phone("33612345678").await;
    let adjust = "mutation($u: ID!, $d: Int!, $r: String!) {
      adjustCredits(userId: $u, delta: $d, reason: $r) { balance ledger(first: 1) { nodes { delta reason note balanceAfter } } } }";
    let vars = |d: i64, r: &str| json!({ "u": user.id.to_string(), "d": d, "r": r });

    let added = app.graphql(adjust, vars(25, "goodwill"), Some(&app.admin_token())).await;
    assert_eq!(added["data"]["adjustCredits"]["balance"], 124, "{added}");
    assert_eq!(
        added["data"]["adjustCredits"]["ledger"]["nodes"][0],
        json!({ "delta": 25, "reason": "adjustment", "note": "goodwill", "balanceAfter": 124 })
    );
    let overdrawn = app.graphql(adjust, vars(-125, "too much"), Some(&app.admin_token())).await;
    assert_eq!(overdrawn["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(overdrawn["errors"][0]["message"].as_str().unwrap().contains("at most 124"), "{overdrawn}");
    let no_reason = app.graphql(adjust, vars(1, "  "), Some(&app.admin_token())).await;
    assert_eq!(no_reason["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let beyond_int = app.graphql(adjust, vars(3_000_000_000, "a typo"), Some(&app.admin_token())).await;
    assert_eq!(beyond_int["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{beyond_int}");
    // Two adjustments within `Int` each must not bring the balance beyond it either.
    let most = app.graphql(adjust, vars(2_000_000_000, "a typo"), Some(&app.admin_token())).await;
    assert!(most["errors"][0]["message"].as_str().is_some_and(|m| m.contains("add at most 999999876")), "{most}");
    let up_to_it = app.graphql(adjust, vars(999_999_876, "the most"), Some(&app.admin_token())).await;
    assert_eq!(up_to_it["data"]["adjustCredits"]["balance"], 1_000_000_000, "{up_to_it}");
    let down_again = app.graphql(adjust, vars(-999_999_876, "back"), Some(&app.admin_token())).await;
    assert_eq!(down_again["data"]["adjustCredits"]["balance"], 124, "{down_again}");
    let by_user = app.graphql(adjust, vars(5, "self-service"), Some(&app.token(Role::User, Some(user.id)))).await;
    assert_eq!(by_user["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(app.user_by_phone("33612345678").await.current_month_credits, 124);
    app.assert_ledger_matches_balances().await;
}
