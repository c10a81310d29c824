//! Contacts become users: by phone, by business-scoped id, merged when both appear.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use wagate::store::entity::{conversation, user};

use crate::support::{TestApp, meta};

async fn by_bsuid(app: &TestApp, bsuid: &str) -> Option<user::Model> {
    user::Entity::find().filter(user::Column::Bsuid.eq(bsuid)).one(app.db()).await.expect("query")
}

fn bsuid_only_message(id: &str, bsuid: &str) -> serde_json::Value {
    let mut body = meta::envelope(
        vec![json!({ "profile": { "name": "Username User" }, "user_id": bsuid })],
        vec![
            json!({ "from_user_id": bsuid, "id": id, "timestamp": "1750000000", "type": "text", "text": { "body": "hi" } }),
        ],
        vec![],
    );
    body["entry"][0]["id"] = json!("waba");
    body
}

#[tokio::test]
async fn an_unknown_contact_becomes_a_user_with_the_profile_name_and_default_allowance() {
    let app = TestApp::builder().env("DEFAULT_MONTHLY_CREDITS", "40").spawn().await;
    app.deliver(&meta::text_notification("wamid.U1", "33612345678", 1_700_000_000, "hello")).await;
    let user = app.user_by_phone("33612345678").await;
    assert_eq!(user.name.as_deref(), Some("Test Contact"));
    assert_eq!((user.monthly_allowance, user.current_month_credits), (40, 39));
    assert_eq!(user.role, "user");
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_changed_profile_name_is_kept_up_to_date() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.U2", "33612345678", 1, "a")).await;
    let renamed = meta::envelope(
        vec![meta::contact("33612345678", "New Name")],
        vec![meta::text("wamid.U3", "33612345678", 2, "b")],
        vec![],
    );
    app.deliver(&renamed).await;
    assert_eq!(app.user_by_phone("33612345678").await.name.as_deref(), Some("New Name"));
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn a_contact_known_only_by_business_scoped_id_has_no_phone() {
    let app = TestApp::spawn().await;
    app.deliver(&bsuid_only_message("wamid.U4", "US.13491208655302741918")).await;
    let user = by_bsuid(&app, "US.13491208655302741918").await.expect("created");
    assert_eq!((user.phone, user.name.as_deref()), (None, Some("Username User")));
    let row = conversation::Entity::find().one(app.db()).await.expect("query").expect("stored");
    assert_eq!((row.user_id, row.from.as_str()), (user.id, "US.13491208655302741918"));
}

#[tokio::test]
async fn a_message_naming_phone_and_business_id_links_them_on_one_user() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.U5", "33612345678", 1, "by phone")).await;
    let both = meta::envelope(
        vec![json!({ "profile": { "name": "Ana" }, "wa_id": "33612345678", "user_id": "FR.42" })],
        vec![
            json!({ "from": "33612345678", "from_user_id": "FR.42", "id": "wamid.U6", "timestamp": "2", "type": "text", "text": { "body": "both" } }),
        ],
        vec![],
    );
    app.deliver(&both).await;
    app.deliver(&bsuid_only_message("wamid.U7", "FR.42")).await;
    assert_eq!(app.count("users").await, 1);
    let user = app.user_by_phone("33612345678").await;
    assert_eq!(user.bsuid.as_deref(), Some("FR.42"));
    let rows = conversation::Entity::find().all(app.db()).await.expect("rows");
    assert!(rows.iter().all(|r| r.user_id == user.id));
}

#[tokio::test]
async fn two_records_of_one_contact_are_merged_when_a_message_names_both() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.U8", "33612345678", 1, "by phone")).await;
    app.deliver(&bsuid_only_message("wamid.U9", "FR.77")).await;
    assert_eq!(app.count("users").await, 2);
    let both = meta::envelope(
        vec![json!({ "profile": { "name": "Ana" }, "wa_id": "33612345678", "user_id": "FR.77" })],
        vec![
            json!({ "from": "33612345678", "from_user_id": "FR.77", "id": "wamid.U10", "timestamp": "3", "type": "text", "text": { "body": "both" } }),
        ],
        vec![],
    );
    app.deliver(&both).await;
    let kept = app.user_by_phone("33612345678").await;
    assert_eq!(kept.bsuid.as_deref(), Some("FR.77"));
    let rows = conversation::Entity::find().all(app.db()).await.expect("rows");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.user_id == kept.id), "every message moved to the kept user");
    app.assert_ledger_matches_balances().await;
}
