//! Every inbound message type Meta documents (and one it has not invented yet), posted in
//! Meta's shape and read back from `conversations`: type, readable content, sender and
//! recipient, contact, reply target, price, Meta's timestamp, error and the raw JSON.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use wagate::store::entity::{conversation, user};

use crate::support::{TestApp, meta};

const FROM: &str = "16505551234";
const NAME: &str = "Sheena Nelson";
const TS: i64 = 1_750_263_773;
/// The business message a reply, reaction or button press points at.
const ORIGINAL: &str = "wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJPUklHSU5BTAA=";

/// The stored row of `wamid`.
async fn stored(app: &TestApp, wamid: &str) -> conversation::Model {
    conversation::Entity::find()
        .filter(conversation::Column::MessageId.eq(wamid))
        .one(app.db())
        .await
        .expect("conversation query")
        .unwrap_or_else(|| panic!("no conversation row for {wamid}"))
}

/// Delivers `message` from `FROM` (named `NAME`) and returns its row, after checking what every
/// inbound row shares: direction, status, sender, recipient, contact, Meta's timestamp and raw.
async fn receive(app: &TestApp, message: &Value) -> conversation::Model {
    let wamid = message["id"].as_str().expect("a wamid");
    let body = meta::envelope(vec![meta::contact(FROM, NAME)], vec![message.clone()], vec![]);
    let report = app.deliver(&body).await;
    assert_eq!(report["outcome"], "processed", "{report}");
    assert_eq!(report["messages_stored"], 1, "{report}");
    let row = stored(app, wamid).await;
    assert_eq!(row.direction, "inbound");
    assert_eq!(row.status, "received");
    assert_eq!(row.from, FROM);
    assert_eq!(row.to, meta::BUSINESS_NUMBER);
    assert_eq!(row.phone_number_id, meta::PHONE_NUMBER_ID);
    assert_eq!(row.contact_name.as_deref(), Some(NAME));
    let meta_ts: i64 = message["timestamp"].as_str().and_then(|t| t.parse().ok()).expect("Meta's timestamp");
    assert_eq!(row.timestamp, meta_ts);
    let raw: Value = serde_json::from_str(&row.raw).expect("raw is JSON");
    assert_eq!(&raw, message, "raw must be the posted message");
    app.assert_ledger_matches_balances().await;
    row
}

#[tokio::test]
async fn text_is_stored_as_its_body_and_charged_one() {
    let app = TestApp::spawn().await;
    let m = meta::text("wamid.text1", FROM, TS, "Bonjour, où est ma commande ?");
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "text");
    assert_eq!(row.content, "Bonjour, où est ma commande ?");
    assert_eq!(row.reply_to, None);
    assert_eq!(row.credits_charged, 1);
    assert_eq!(row.error_code, None);
}

#[tokio::test]
async fn image_is_stored_with_its_caption_and_charged_two() {
    let app = TestApp::spawn().await;
    let payload = json!({ "id": "1479537139650973", "mime_type": "image/jpeg",
                          "sha256": "SOg2XM4p0/UbqKYhJ7OJMfRnCmNgRHcZDkUVbPw3F2c=", "caption": "My receipt" });
    let m = meta::message("wamid.image1", FROM, TS, "image", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "image");
    assert_eq!(row.content, "[image] My receipt");
    assert_eq!(row.credits_charged, 2);
}

#[tokio::test]
async fn video_is_stored_with_its_caption_and_charged_two() {
    let app = TestApp::spawn().await;
    let payload = json!({ "id": "1013592077393046", "mime_type": "video/mp4",
                          "sha256": "pv0ks6G8wWR1XR8qZfqRN4jTYxvhXuuO8WcIj3aDOlg=", "caption": "The noise" });
    let m = meta::message("wamid.video1", FROM, TS, "video", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "video");
    assert_eq!(row.content, "[video] The noise");
    assert_eq!(row.credits_charged, 2);
}

#[tokio::test]
async fn audio_is_stored_as_audio_and_charged_one() {
    let app = TestApp::spawn().await;
    let payload = json!({ "id": "1234567890987654321", "mime_type": "audio/mpeg",
                          "sha256": "m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=", "voice": false });
    let m = meta::message("wamid.audio1", FROM, TS, "audio", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "audio");
    assert_eq!(row.content, "[audio]");
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn voice_note_is_stored_as_a_voice_message_and_charged_one() {
    let app = TestApp::spawn().await;
    let payload = json!({ "id": "1234567890987654321", "mime_type": "audio/ogg; codecs=opus",
                          "sha256": "m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=", "voice": true });
    let m = meta::message("wamid.voice1", FROM, TS, "audio", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "audio");
    assert_eq!(row.content, "[voice message]");
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn document_is_stored_with_its_filename_and_caption_and_charged_two() {
    let app = TestApp::spawn().await;
    let payload = json!({ "id": "1234567890987654321", "mime_type": "application/pdf",
                          "sha256": "grwfwe/ZPx0wAbdfbdeFUNItPZ0RylL8gGUvdt3YFqc18SY=",
                          "filename": "invoice-0042.pdf", "caption": "Last month" });
    let m = meta::message("wamid.document1", FROM, TS, "document", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "document");
    assert_eq!(row.content, "[document] invoice-0042.pdf — Last month");
    assert_eq!(row.credits_charged, 2);
}

#[tokio::test]
async fn sticker_is_stored_as_a_sticker_and_charged_one() {
    let app = TestApp::spawn().await;
    let payload = json!({ "id": "1234567890987654321", "mime_type": "image/webp",
                          "sha256": "fa4e3b6a0b7e1c2d", "animated": true });
    let m = meta::message("wamid.sticker1", FROM, TS, "sticker", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "sticker");
    assert_eq!(row.content, "[sticker]");
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn chosen_location_is_stored_with_its_place_and_coordinates_and_charged_one() {
    let app = TestApp::spawn().await;
    let payload = json!({ "latitude": 37.4611978, "longitude": -122.2164385, "name": "Facebook HQ",
                          "address": "1 Hacker Way, Menlo Park, CA 94025" });
    let m = meta::message("wamid.location1", FROM, TS, "location", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "location");
    assert_eq!(row.content, "[location] Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025 (37.4611978, -122.2164385)");
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn shared_current_location_is_stored_with_its_coordinates_only() {
    let app = TestApp::spawn().await;
    let payload = json!({ "latitude": 48.8584, "longitude": 2.2945 });
    let m = meta::message("wamid.location2", FROM, TS, "location", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "location");
    assert_eq!(row.content, "[location] 48.8584, 2.2945");
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn coordinates_keep_every_digit_meta_sent() {
    let app = TestApp::spawn().await;
    let (latitude, longitude) = (-21.420932469134982_f64, 13.722936774269641_f64);
    let m =
        meta::message("wamid.location3", FROM, TS, "location", json!({ "latitude": latitude, "longitude": longitude }));
    let row = receive(&app, &m).await;
    let raw: Value = serde_json::from_str(&row.raw).expect("raw");
    assert_eq!(raw["location"]["latitude"].as_f64(), Some(latitude), "{}", row.raw);
    assert_eq!(raw["location"]["longitude"].as_f64(), Some(longitude), "{}", row.raw);
    assert_eq!(row.content, format!("[location] {latitude}, {longitude}"));
}

#[tokio::test]
async fn shared_contacts_are_stored_with_their_names_and_charged_one() {
    let app = TestApp::spawn().await;
    let mut m = json!({ "from": FROM, "id": "wamid.contacts1", "timestamp": TS.to_string(), "type": "contacts" });
    m["contacts"] = json!([
        { "name": { "first_name": "Chandler", "last_name": "Bing", "formatted_name": "Chandler Bing" },
          "phones": [{ "phone": "+1 555-555-5555", "wa_id": "15555555555", "type": "CELL" }] },
        { "name": { "first_name": "Monica", "formatted_name": "Monica" },
          "emails": [{ "email": "monica@example.com", "type": "HOME" }] }
    ]);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "contacts");
    assert_eq!(row.content, "[contacts] Chandler Bing, Monica");
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn button_reply_is_stored_as_the_button_title_replying_to_its_message() {
    let app = TestApp::spawn().await;
    let mut m = meta::message(
        "wamid.button_reply1",
        FROM,
        TS,
        "interactive",
        json!({ "type": "button_reply", "button_reply": { "id": "confirm", "title": "Confirm" } }),
    );
    m["context"] = json!({ "from": meta::BUSINESS_NUMBER, "id": ORIGINAL });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "interactive");
    assert_eq!(row.content, "Confirm");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn list_reply_is_stored_as_the_row_title_replying_to_its_message() {
    let app = TestApp::spawn().await;
    let mut m = meta::message(
        "wamid.list_reply1",
        FROM,
        TS,
        "interactive",
        json!({ "type": "list_reply",
                "list_reply": { "id": "slot-2", "title": "Tuesday 10:00", "description": "With Dr. Lee" } }),
    );
    m["context"] = json!({ "from": meta::BUSINESS_NUMBER, "id": ORIGINAL });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "interactive");
    assert_eq!(row.content, "Tuesday 10:00");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn flow_completion_is_stored_as_a_flow_reply_with_its_response_kept_raw() {
    let app = TestApp::spawn().await;
    let mut m = meta::message(
        "wamid.nfm_reply1",
        FROM,
        TS,
        "interactive",
        json!({ "type": "nfm_reply",
                "nfm_reply": { "name": "flow", "body": "Sent",
                               "response_json": "{\"flow_token\":\"AQAAAAACS5FpgQ_cAAAAAD0QI3s.\",\"rating\":\"4\"}" } }),
    );
    m["context"] = json!({ "from": meta::BUSINESS_NUMBER, "id": ORIGINAL });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "interactive");
    assert_eq!(row.content, "[flow reply] Sent");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn template_quick_reply_is_stored_as_its_text_replying_to_the_template() {
    let app = TestApp::spawn().await;
    let mut m = meta::message(
        "wamid.button1",
        FROM,
        TS,
        "button",
        json!({ "payload": "STOP_PROMOTIONS", "text": "Stop promotions" }),
    );
    m["context"] = json!({ "from": meta::BUSINESS_NUMBER, "id": ORIGINAL });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "button");
    assert_eq!(row.content, "Stop promotions");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn reaction_is_stored_as_its_emoji_pointing_at_its_message_and_free() {
    let app = TestApp::spawn().await;
    let payload = json!({ "message_id": ORIGINAL, "emoji": "👍" });
    let m = meta::message("wamid.reaction1", FROM, TS, "reaction", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "reaction");
    assert_eq!(row.content, "👍");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 0);
}

#[tokio::test]
async fn reaction_removed_with_an_empty_emoji_is_stored_as_removed_and_free() {
    let app = TestApp::spawn().await;
    let payload = json!({ "message_id": ORIGINAL, "emoji": "" });
    let m = meta::message("wamid.unreaction1", FROM, TS, "reaction", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "reaction");
    assert_eq!(row.content, "[reaction removed]");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 0);
}

#[tokio::test]
async fn reaction_removed_without_an_emoji_is_stored_as_removed_and_free() {
    let app = TestApp::spawn().await;
    let payload = json!({ "message_id": ORIGINAL });
    let m = meta::message("wamid.unreaction2", FROM, TS, "reaction", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "reaction");
    assert_eq!(row.content, "[reaction removed]");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 0);
}

#[tokio::test]
async fn order_is_stored_with_its_item_count_and_note_and_charged_one() {
    let app = TestApp::spawn().await;
    let payload = json!({ "catalog_id": "354160437058781", "text": "Deliver after 6pm",
        "product_items": [
            { "product_retailer_id": "HAMBURGER", "quantity": 3, "item_price": 30, "currency": "ILS" },
            { "product_retailer_id": "SODA", "quantity": 2, "item_price": 10.5, "currency": "ILS" }
        ] });
    let m = meta::message("wamid.order1", FROM, TS, "order", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "order");
    assert_eq!(row.content, "[order] 2 items: Deliver after 6pm");
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn system_message_without_contacts_is_stored_as_its_body_and_free() {
    let app = TestApp::spawn().await;
    let m = meta::message(
        "wamid.system1",
        FROM,
        TS,
        "system",
        json!({ "body": "User A changed from 16505551234 to 16505559999",
                "wa_id": "16505559999", "type": "user_changed_number" }),
    );
    let report = app.deliver(&meta::envelope(vec![], vec![m.clone()], vec![])).await;
    assert_eq!(report["outcome"], "processed", "{report}");
    let row = stored(&app, "wamid.system1").await;
    assert_eq!(row.kind, "system");
    assert_eq!(row.content, "User A changed from 16505551234 to 16505559999");
    assert_eq!(row.direction, "inbound");
    assert_eq!(row.status, "received");
    assert_eq!(row.from, FROM);
    assert_eq!(row.to, meta::BUSINESS_NUMBER);
    assert_eq!(row.contact_name, None);
    assert_eq!(row.timestamp, TS);
    assert_eq!(row.credits_charged, 0);
    assert_eq!(serde_json::from_str::<Value>(&row.raw).expect("raw"), m);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn system_message_without_a_sender_is_stored_under_the_contact_it_names() {
    let app = TestApp::spawn().await;
    let bsuid = "US.111";
    let mut hello = meta::text("wamid.bsuid-hello", FROM, TS, "hello");
    hello["from_user_id"] = json!(bsuid);
    app.deliver(&meta::envelope(vec![meta::contact(FROM, NAME)], vec![hello], vec![])).await;
    let changed_id = json!({ "body": "User A's user id changed", "type": "user_changed_user_id",
        "user_id": "US.222", "previous_user_id": bsuid });
    let changed_number = json!({ "body": "User B changed from 16505550000 to 16505557777",
        "type": "user_changed_number", "wa_id": "16505557777" });
    for (id, system) in [("wamid.system-id", changed_id), ("wamid.system-number", changed_number)] {
        let mut m = meta::message(id, FROM, TS + 1, "system", system.clone());
        m.as_object_mut().expect("an object").remove("from");
        let report = app.deliver(&meta::envelope(vec![], vec![m.clone()], vec![])).await;
        assert_eq!(
            (report["outcome"].as_str(), &report["messages_stored"]),
            (Some("processed"), &json!(1)),
            "{report}"
        );
        let row = stored(&app, id).await;
        assert_eq!((row.kind.as_str(), row.content.as_str()), ("system", system["body"].as_str().unwrap_or_default()));
        assert_eq!(row.credits_charged, 0);
        assert_eq!(serde_json::from_str::<Value>(&row.raw).expect("raw"), m);
    }
    let ana = app.user_by_phone(FROM).await.id;
    assert_eq!(stored(&app, "wamid.system-id").await.user_id, ana, "the contact whose id changed");
    assert_eq!(stored(&app, "wamid.system-number").await.from, "16505557777", "the number it names");
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn text_from_a_click_to_whatsapp_ad_keeps_its_referral_in_raw() {
    let app = TestApp::spawn().await;
    let mut m = meta::text("wamid.referral1", FROM, TS, "Can I get more info on this?");
    m["referral"] = json!({ "source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120226305854810726",
        "source_type": "ad", "headline": "Chat with us", "body": "Summer Succulents are here!",
        "media_type": "image", "image_url": "https://scontent.xx.fbcdn.net/v/t45.1",
        "ctwa_clid": "Aff-n8ZTODiE79d22KtAwQKj9e", "welcome_message": { "text": "Hi there!" } });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "text");
    assert_eq!(row.content, "Can I get more info on this?");
    assert_eq!(row.reply_to, None);
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn reply_is_stored_with_the_wamid_it_replies_to() {
    let app = TestApp::spawn().await;
    let mut m = meta::text("wamid.reply1", FROM, TS, "Yes, that one");
    m["context"] = json!({ "from": meta::BUSINESS_NUMBER, "id": ORIGINAL });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "text");
    assert_eq!(row.content, "Yes, that one");
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn forwarded_text_is_stored_as_a_text_that_replies_to_nothing() {
    let app = TestApp::spawn().await;
    let mut m = meta::text("wamid.forwarded1", FROM, TS, "forwarded text");
    m["context"] = json!({ "forwarded": true });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "text");
    assert_eq!(row.content, "forwarded text");
    assert_eq!(row.reply_to, None);
    assert_eq!(row.credits_charged, 1);
}

#[tokio::test]
async fn unsupported_message_is_stored_with_metas_error_and_free() {
    let app = TestApp::spawn().await;
    let m = json!({ "from": FROM, "id": "wamid.unsupported1", "timestamp": TS.to_string(),
        "type": "unsupported", "unsupported": { "type": "poll" },
        "errors": [{ "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
                     "error_data": { "details": "Message type is currently not supported." } }] });
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "unsupported");
    assert_eq!(row.content, "[unsupported] poll");
    assert_eq!(row.error_code, Some(131_051));
    assert_eq!(row.error_title.as_deref(), Some("Message type unknown"));
    assert_eq!(row.error_details.as_deref(), Some("Message type is currently not supported."));
    assert_eq!(row.credits_charged, 0);
}

#[tokio::test]
async fn interactive_without_its_payload_takes_its_error_from_the_value_level_errors() {
    let app = TestApp::spawn().await;
    let m = json!({ "context": { "from": meta::BUSINESS_NUMBER, "id": ORIGINAL }, "from": FROM,
                    "id": "wamid.interactive_err1", "timestamp": TS.to_string(), "type": "interactive" });
    let mut body = meta::envelope(vec![meta::contact(FROM, NAME)], vec![m.clone()], vec![]);
    body["entry"][0]["changes"][0]["value"]["errors"] = json!([{ "code": 131000,
        "title": "Something went wrong", "message": "Something went wrong",
        "error_data": { "details": "Unsupported webhook payload" } }]);
    let report = app.deliver(&body).await;
    assert_eq!(report["outcome"], "processed", "{report}");
    let row = stored(&app, "wamid.interactive_err1").await;
    assert_eq!(row.kind, "interactive");
    assert_eq!(row.content, "[interactive]");
    assert_eq!(row.contact_name.as_deref(), Some(NAME));
    assert_eq!(row.reply_to.as_deref(), Some(ORIGINAL));
    assert_eq!(row.error_code, Some(131_000));
    assert_eq!(row.error_title.as_deref(), Some("Something went wrong"));
    assert_eq!(row.error_details.as_deref(), Some("Unsupported webhook payload"));
    assert_eq!(row.credits_charged, 1);
    assert_eq!(serde_json::from_str::<Value>(&row.raw).expect("raw"), m);
}

#[tokio::test]
async fn bsuid_only_sender_is_stored_under_its_bsuid_and_gets_a_user_without_phone() {
    let app = TestApp::spawn().await;
    let bsuid = "US.13491208655302741918";
    let mut m = meta::text("wamid.bsuid1", FROM, TS, "Hi from a username");
    let object = m.as_object_mut().expect("an object");
    object.remove("from");
    object.insert("from_user_id".into(), json!(bsuid));
    let contact = json!({ "profile": { "name": "Username User", "username": "@sheena" }, "user_id": bsuid });
    let report = app.deliver(&meta::envelope(vec![contact], vec![m.clone()], vec![])).await;
    assert_eq!(report["outcome"], "processed", "{report}");
    let row = stored(&app, "wamid.bsuid1").await;
    assert_eq!(row.from, bsuid);
    assert_eq!(row.kind, "text");
    assert_eq!(row.content, "Hi from a username");
    assert_eq!(row.contact_name.as_deref(), Some("Username User"));
    assert_eq!(row.credits_charged, 1);
    assert_eq!(serde_json::from_str::<Value>(&row.raw).expect("raw"), m);
    let owner = user::Entity::find_by_id(row.user_id)
        .one(app.db())
        .await
        .expect("user query")
        .expect("the sender became a user");
    assert_eq!(owner.bsuid.as_deref(), Some(bsuid));
    assert_eq!(owner.phone, None);
    assert_eq!(owner.name.as_deref(), Some("Username User"));
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn never_seen_type_is_stored_raw_under_its_own_name_and_free() {
    let app = TestApp::spawn().await;
    let payload = json!({ "question": "Lunch?", "options": [{ "id": 1, "text": "Pizza" }], "multi": false });
    let m = meta::message("wamid.future1", FROM, TS, "poll_v9", payload);
    let row = receive(&app, &m).await;
    assert_eq!(row.kind, "poll_v9");
    assert_eq!(row.content, "[poll_v9]");
    assert_eq!(row.credits_charged, 0);
}
