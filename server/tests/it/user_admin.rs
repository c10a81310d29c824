//! Managing users by hand: accounts that sign in with an email, a user's name, role, allowance
//! and email, and a password set by an admin.

use serde_json::{Value, json};

use crate::support::{TestApp, meta};

const ANA: &str = "33612345678";
const LOGIN: &str =
    "mutation($id: String!, $pw: String!) { login(identifier: $id, password: $pw) { token user { id role } } }";
const CREATE: &str = "mutation($e: String!, $r: UserRole!, $pw: String!) {
  createAccount(input: { email: $e, name: \"Zoé\", role: $r, password: $pw }) { id name role currentMonthCredits } }";
const UPDATE: &str = "mutation($id: ID!, $input: UserChangesInput!) {
  updateUser(id: $id, input: $input) { id name role monthlyAllowance } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_admin_creates_an_account_that_signs_in_with_its_email() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token();
    let vars = |email: &str, pw: &str| json!({ "e": email, "r": "USER", "pw": pw });
    let created = app.graphql(CREATE, vars(" Zoe@Example.com ", "twelve chars ok"), Some(&admin)).await;
    let account = &created["data"]["createAccount"];
    assert_eq!((account["name"].as_str(), account["role"].as_str()), (Some("Zoé"), Some("USER")), "{created}");
    assert_eq!(account["currentMonthCredits"], 0, "an account has no WhatsApp credits");

    let signed_in = app.graphql(LOGIN, json!({ "id": "zoe@example.com", "pw": "twelve chars ok" }), None).await;
    assert_eq!(signed_in["data"]["login"]["user"]["id"], account["id"], "{signed_in}");
    assert_eq!(signed_in["data"]["login"]["user"]["role"], "USER");

    for (email, pw, says) in [
        ("zoe@example.com", "twelve chars ok", "already signs in with zoe@example.com"),
        ("zoe", "twelve chars ok", "`email` must be an address"),
        ("new@example.com", "short", "at least 12 characters"),
    ] {
        let refused = app.graphql(CREATE, vars(email, pw), Some(&admin)).await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{email}: {refused}");
        assert!(message(&refused).contains(says), "{email}: {refused}");
    }
}

#[tokio::test]
async fn an_admin_changes_a_users_name_allowance_and_role() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token();
    app.deliver(&meta::text_notification("wamid.1", ANA, chrono::Utc::now().timestamp(), "hi")).await;
    let ana = app.user_by_phone(ANA).await;
    let changes = json!({ "id": ana.id.to_string(), "input": { "name": "Ana L.", "monthlyAllowance": 250 } });
    let updated = app.graphql(UPDATE, changes, Some(&admin)).await;
    assert_eq!(updated["data"]["updateUser"]["name"], "Ana L.", "{updated}");
    assert_eq!(updated["data"]["updateUser"]["monthlyAllowance"], 250);
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99, "the balance moves only through the ledger");

    // The next month's first touch resets the balance to the new allowance.
    app.age_balance(ANA, None).await;
    app.deliver(&meta::text_notification("wamid.2", ANA, chrono::Utc::now().timestamp(), "a new month")).await;
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 249);
    app.assert_ledger_matches_balances().await;

    let too_much = json!({ "id": ana.id.to_string(), "input": { "monthlyAllowance": -1 } });
    assert_eq!(code(&app.graphql(UPDATE, too_much, Some(&admin)).await), "BAD_USER_INPUT");
    let anas_token = app.token(wagate::auth::Role::User, Some(ana.id));
    let rename = json!({ "id": ana.id.to_string(), "input": { "name": "x" } });
    assert_eq!(code(&app.graphql(UPDATE, rename.clone(), Some(&anas_token)).await), "FORBIDDEN");
    let promoted =
        app.graphql(UPDATE, json!({ "id": ana.id.to_string(), "input": { "role": "ADMIN" } }), Some(&admin)).await;
    assert_eq!(promoted["data"]["updateUser"]["role"], "ADMIN", "{promoted}");
    // A role is read from the account at each request, so a change applies to tokens already out.
    let as_admin = app.graphql(UPDATE, rename.clone(), Some(&anas_token)).await;
    assert_eq!(as_admin["data"]["updateUser"]["name"], "x", "{as_admin}");
    let demoted =
        app.graphql(UPDATE, json!({ "id": ana.id.to_string(), "input": { "role": "USER" } }), Some(&admin)).await;
    assert_eq!(demoted["data"]["updateUser"]["role"], "USER", "{demoted}");
    let back = json!({ "id": ana.id.to_string(), "input": { "role": "ADMIN" } });
    assert_eq!(
        code(&app.graphql(UPDATE, back, Some(&anas_token)).await),
        "FORBIDDEN",
        "she cannot promote herself back"
    );
    let rest = app.get(&format!("/api/user/{}/conversations", ana.id + 1), Some(&anas_token)).await;
    assert_eq!(rest.status(), 403, "nor read others' messages over REST");
}

#[tokio::test]
async fn the_last_admin_who_can_sign_in_stays_an_admin() {
    let app = TestApp::spawn().await;
    let password = app.domain().ensure_admin("ops@example.com").await.unwrap().expect("the first admin's password");
    let signed_in = app.graphql(LOGIN, json!({ "id": "ops@example.com", "pw": password }), None).await;
    let (me, token) = (signed_in["data"]["login"]["user"]["id"].clone(), signed_in["data"]["login"]["token"].clone());
    let token = token.as_str().expect("a token");
    let demote = |id: &Value| json!({ "id": id, "input": { "role": "USER" } });
    let refused = app.graphql(UPDATE, demote(&me), Some(token)).await;
    assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
    assert!(message(&refused).contains("only admin who can sign in"), "{refused}");

    let other = app
        .graphql(CREATE, json!({ "e": "second@example.com", "r": "ADMIN", "pw": "another long one" }), Some(token))
        .await;
    assert_eq!(other["data"]["createAccount"]["role"], "ADMIN", "{other}");
    let demoted = app.graphql(UPDATE, demote(&me), Some(token)).await;
    assert_eq!(demoted["data"]["updateUser"]["role"], "USER", "with another admin, the first may step down: {demoted}");
}

#[tokio::test]
async fn a_password_set_by_an_admin_lets_a_contact_sign_in_by_phone_and_read_their_own_messages() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.1", ANA, chrono::Utc::now().timestamp(), "hi")).await;
    let ana = app.user_by_phone(ANA).await;
    let set = "mutation($id: ID!, $pw: String!) { setPassword(id: $id, password: $pw) { id } }";
    let short = app.graphql(set, json!({ "id": ana.id.to_string(), "pw": "short" }), Some(&app.admin_token())).await;
    assert_eq!(code(&short), "BAD_USER_INPUT");
    assert!(short["errors"][0]["message"].as_str().is_some_and(|m| m.starts_with("`password` must be")), "{short}");
    let blank =
        app.graphql(set, json!({ "id": ana.id.to_string(), "pw": " ".repeat(14) }), Some(&app.admin_token())).await;
    assert_eq!(code(&blank), "BAD_USER_INPUT", "spaces are no password: {blank}");
    let done = app
        .graphql(set, json!({ "id": ana.id.to_string(), "pw": "ana's own password" }), Some(&app.admin_token()))
        .await;
    assert_eq!(done["data"]["setPassword"]["id"], ana.id.to_string(), "{done}");

    let signed_in = app.graphql(LOGIN, json!({ "id": "+33 6 12 34 56 78", "pw": "ana's own password" }), None).await;
    let token = signed_in["data"]["login"]["token"].as_str().unwrap_or_else(|| panic!("{signed_in}")).to_owned();
    let mine = app
        .graphql(
            "query($u: ID!) { conversations(userId: $u) { nodes { messageId } } }",
            json!({ "u": ana.id.to_string() }),
            Some(&token),
        )
        .await;
    assert_eq!(mine["data"]["conversations"]["nodes"][0]["messageId"], "wamid.1", "{mine}");
}
