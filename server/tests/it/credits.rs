//! Credits: charged per type, never below zero, every change a ledger row, reset monthly.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use wagate::store::entity::{conversation, credit_ledger, user};

use crate::support::{TestApp, meta};

const CONTACT: &str = "33612345678";

fn media(id: &str, kind: &str) -> serde_json::Value {
    meta::envelope(
        vec![meta::contact(CONTACT, "Ana")],
        vec![meta::message(
            id,
            CONTACT,
            1_700_000_000,
            kind,
            json!({ "id": "1", "mime_type": "image/jpeg", "sha256": "x" }),
        )],
        vec![],
    )
}

#[tokio::test]
async fn each_message_is_charged_its_types_price_with_a_ledger_row() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.K1", CONTACT, 1, "hi")).await;
    app.deliver(&media("wamid.K2", "image")).await;
    let reaction = meta::envelope(
        vec![],
        vec![meta::message("wamid.K3", CONTACT, 3, "reaction", json!({ "message_id": "wamid.K1", "emoji": "👍" }))],
        vec![],
    );
    app.deliver(&reaction).await;
    let user = app.user_by_phone(CONTACT).await;
    assert_eq!(user.current_month_credits, 100 - 1 - 2);
    let ledger =
        credit_ledger::Entity::find().order_by_asc(credit_ledger::Column::Id).all(app.db()).await.expect("ledger");
    let rows: Vec<_> =
        ledger.iter().map(|e| (e.reason.as_str(), e.delta, e.balance_after, e.message_id.as_deref())).collect();
    assert_eq!(
        rows,
        vec![
            ("monthly_reset", 100, 100, None),
            ("inbound", -1, 99, Some("wamid.K1")),
            ("inbound", -2, 97, Some("wamid.K2"))
        ],
        "a free reaction changes nothing, so it writes no row"
    );
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn an_inbound_message_is_always_stored_and_charges_down_to_zero_at_most() {
    let app = TestApp::builder().env("DEFAULT_MONTHLY_CREDITS", "3").spawn().await;
    for (id, kind) in [("wamid.Z1", "image"), ("wamid.Z2", "image"), ("wamid.Z3", "image")] {
        app.deliver(&media(id, kind)).await;
    }
    let charged: Vec<i64> = conversation::Entity::find()
        .order_by_asc(conversation::Column::Id)
        .all(app.db())
        .await
        .expect("rows")
        .iter()
        .map(|c| c.credits_charged)
        .collect();
    assert_eq!(charged, vec![2, 1, 0], "the ledger records what was really charged");
    assert_eq!(app.user_by_phone(CONTACT).await.current_month_credits, 0);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn configured_prices_replace_the_defaults() {
    let app = TestApp::builder().env("CREDIT_PRICES", "text=5").spawn().await;
    app.deliver(&meta::text_notification("wamid.K5", CONTACT, 1, "hi")).await;
    assert_eq!(app.user_by_phone(CONTACT).await.current_month_credits, 95);
}

#[tokio::test]
async fn the_first_touch_in_a_new_month_resets_the_balance_as_a_ledger_row() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.M1", CONTACT, 1, "october")).await;
    app.age_balance(CONTACT, Some(99)).await;

    app.deliver(&meta::text_notification("wamid.M2", CONTACT, 2, "a new month")).await;
    let user = app.user_by_phone(CONTACT).await;
    assert_eq!(user.credits_period, chrono::Utc::now().format("%Y-%m").to_string());
    assert_eq!(user.current_month_credits, 99, "reset to 100, then charged 1");
    let resets = credit_ledger::Entity::find()
        .filter(credit_ledger::Column::Reason.eq("monthly_reset"))
        .order_by_asc(credit_ledger::Column::Id)
        .all(app.db())
        .await
        .expect("ledger");
    assert_eq!(resets.len(), 2);
    assert_eq!((resets[1].delta, resets[1].balance_after), (1, 100));
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_user_read_in_a_new_month_shows_the_balance_it_resets_to() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.M4", CONTACT, 1, "hi")).await;
    let stale = app.user_by_phone(CONTACT).await;
    app.age_balance(CONTACT, Some(3)).await;
    let id = stale.id.to_string();
    let fields = "currentMonthCredits creditsPeriod";
    let query = format!(
        "query($id: ID!) {{ user(id: $id) {{ {fields} }} users(first: 5) {{ edges {{ node {{ id {fields} }} }} }} }}"
    );
    let data = app.graphql_ok(&query, json!({ "id": id })).await;
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(
        (&data["user"]["currentMonthCredits"], data["user"]["creditsPeriod"].as_str()),
        (&json!(100), Some(&*this_month))
    );
    let edges = data["users"]["edges"].as_array().expect("edges");
    let listed = edges.iter().find(|e| e["node"]["id"] == json!(id)).expect("listed");
    assert_eq!(listed["node"]["currentMonthCredits"], 100);
    let stored = user::Entity::find_by_id(stale.id).one(app.db()).await.expect("q").expect("user");
    assert_eq!(stored.current_month_credits, 3, "reading writes nothing: the reset comes at the first touch");
}

#[tokio::test]
async fn reading_credits_in_a_new_month_resets_them_first() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.M3", CONTACT, 1, "hi")).await;
    let stale = app.user_by_phone(CONTACT).await;
    app.age_balance(CONTACT, None).await;
    let data = app
        .graphql_ok(
            "query($id: ID!) { credits(userId: $id) { balance period } }",
            json!({ "id": stale.id.to_string() }),
        )
        .await;
    assert_eq!(data["credits"]["balance"], 100);
    let user = user::Entity::find_by_id(stale.id).one(app.db()).await.expect("q").expect("user");
    assert_eq!(user.current_month_credits, 100);
    app.assert_ledger_matches_balances().await;
}
