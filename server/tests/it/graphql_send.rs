//! The `sendMessage` and `markAsRead` mutations: typed inputs become exactly Meta's message JSON,
//! and the send rules answer with `extensions.code`.

use serde_json::{Value, json};
use wagate::auth::Role;

use crate::support::{TestApp, meta};

const ANA: &str = "33612345678";
const SEND: &str = "mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { creditsRemaining conversation { messageId type content direction status to } } }";

async fn app_with_open_window() -> TestApp {
    let app = TestApp::spawn().await;
    let recent = chrono::Utc::now().timestamp() - 60;
    app.deliver(&meta::text_notification("wamid.IN", ANA, recent, "hello")).await;
    app
}

async fn send(app: &TestApp, input: Value) -> Value {
    app.graphql(SEND, json!({ "input": input }), Some(&app.admin_token())).await
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn each_typed_input_becomes_metas_message_json() {
    let app = app_with_open_window().await;
    let cases = [
        (
            json!({ "text": { "body": "Bonjour", "previewUrl": true } }),
            json!({ "text": { "body": "Bonjour", "preview_url": true } }),
        ),
        (
            json!({ "image": { "link": "https://x.test/a.jpg", "caption": "A" } }),
            json!({ "image": { "link": "https://x.test/a.jpg", "caption": "A" } }),
        ),
        (json!({ "video": { "id": "123" } }), json!({ "video": { "id": "123" } })),
        (json!({ "audio": { "id": "9", "voice": true } }), json!({ "audio": { "id": "9", "voice": true } })),
        (
            json!({ "document": { "link": "https://x.test/f.pdf", "filename": "f.pdf", "caption": "F" } }),
            json!({ "document": { "link": "https://x.test/f.pdf", "filename": "f.pdf", "caption": "F" } }),
        ),
        (json!({ "sticker": { "id": "7" } }), json!({ "sticker": { "id": "7" } })),
        (
            json!({ "location": { "latitude": 48.85, "longitude": 2.35, "name": "Paris" } }),
            json!({ "location": { "latitude": 48.85, "longitude": 2.35, "name": "Paris" } }),
        ),
        (
            json!({ "contacts": [{ "formattedName": "Ana B", "phones": [{ "phone": "+33 6 12", "type": "CELL", "waId": "3361" }], "emails": ["a@b.c"] }] }),
            json!({ "contacts": [{ "name": { "formatted_name": "Ana B" }, "phones": [{ "phone": "+33 6 12", "type": "CELL", "wa_id": "3361" }],
                                "emails": [{ "email": "a@b.c" }] }] }),
        ),
        (
            json!({ "interactive": { "body": "Pick", "footer": "f", "buttons": [{ "id": "y", "title": "Yes" }, { "id": "n", "title": "No" }] } }),
            json!({ "interactive": { "type": "button", "body": { "text": "Pick" }, "footer": { "text": "f" },
                 "action": { "buttons": [{ "type": "reply", "reply": { "id": "y", "title": "Yes" } }, { "type": "reply", "reply": { "id": "n", "title": "No" } }] } } }),
        ),
        (
            json!({ "interactive": { "body": "Menu", "header": "H", "listButton": "Open", "listSections": [{ "title": "S", "rows": [{ "id": "r1", "title": "One", "description": "d" }] }] } }),
            json!({ "interactive": { "type": "list", "body": { "text": "Menu" }, "header": { "type": "text", "text": "H" },
                 "action": { "button": "Open", "sections": [{ "title": "S", "rows": [{ "id": "r1", "title": "One", "description": "d" }] }] } } }),
        ),
        (
            json!({ "interactive": { "body": "Site", "ctaDisplayText": "Visit", "ctaUrl": "https://x.test" } }),
            json!({ "interactive": { "type": "cta_url", "body": { "text": "Site" },
                 "action": { "name": "cta_url", "parameters": { "display_text": "Visit", "url": "https://x.test" } } } }),
        ),
        (
            json!({ "template": { "name": "order_update", "languageCode": "en_US", "components": [
            { "type": "body", "parameters": [{ "type": "text", "text": "Ana" },
              { "type": "currency", "fallbackValue": "$100.99", "currencyCode": "USD", "amount1000": 100990 }] },
            { "type": "button", "subType": "quick_reply", "index": 0, "parameters": [{ "type": "payload", "payload": "OK" }] }] } }),
            json!({ "template": { "name": "order_update", "language": { "code": "en_US" }, "components": [
            { "type": "body", "parameters": [{ "type": "text", "text": "Ana" },
              { "type": "currency", "currency": { "fallback_value": "$100.99", "code": "USD", "amount_1000": 100990 } }] },
            { "type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{ "type": "payload", "payload": "OK" }] }] } }),
        ),
        (
            json!({ "reaction": { "messageId": "wamid.IN", "emoji": "👍" } }),
            json!({ "reaction": { "message_id": "wamid.IN", "emoji": "👍" } }),
        ),
    ];
    for (i, (input, payload)) in cases.into_iter().enumerate() {
        let mut input = input;
        input["to"] = json!(ANA);
        let body = send(&app, input.clone()).await;
        assert!(body.get("errors").is_none(), "{input}: {body}");
        let kind = payload.as_object().and_then(|o| o.keys().next().cloned()).expect("one key");
        let mut expected =
            json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": ANA, "type": kind });
        expected[&kind] = payload[&kind].clone();
        assert_eq!(app.graph.requests()[i].body, expected, "{kind}");
        assert_eq!(body["data"]["sendMessage"]["conversation"]["type"], json!(kind));
    }
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_reply_quotes_the_message_and_the_payload_reports_the_stored_row_and_balance() {
    let app = app_with_open_window().await;
    let body = send(&app, json!({ "to": ANA, "replyTo": "wamid.IN", "text": { "body": "Merci" } })).await;
    let sent = &body["data"]["sendMessage"];
    assert_eq!(sent["creditsRemaining"], 98);
    assert_eq!(sent["conversation"]["messageId"], "wamid.FAKE1");
    assert_eq!(
        (sent["conversation"]["direction"].as_str(), sent["conversation"]["status"].as_str()),
        (Some("OUTBOUND"), Some("ACCEPTED"))
    );
    assert_eq!(app.graph.requests()[0].body["context"], json!({ "message_id": "wamid.IN" }));
    assert_eq!(stored_reply_to(&app, "wamid.FAKE1").await.as_deref(), Some("wamid.IN"));

    let reacted = send(&app, json!({ "to": ANA, "reaction": { "messageId": "wamid.IN", "emoji": "👍" } })).await;
    assert_eq!(reacted["data"]["sendMessage"]["conversation"]["messageId"], "wamid.FAKE2", "{reacted}");
    assert_eq!(
        stored_reply_to(&app, "wamid.FAKE2").await.as_deref(),
        Some("wamid.IN"),
        "a reaction points at its message"
    );
}

#[tokio::test]
async fn reactions_the_business_sent_before_reply_to_named_their_message_get_it_from_their_raw_json() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    let app = app_with_open_window().await;
    send(&app, json!({ "to": ANA, "reaction": { "messageId": "wamid.IN", "emoji": "👍" } })).await;
    let write = app.write().await;
    write
        .execute_unprepared("UPDATE conversations SET reply_to = NULL WHERE \"type\" = 'reaction'")
        .await
        .expect("as stored before");
    write.commit().await.expect("commit");
    crate::support::migrate_down_from(app.db(), "m20261204_000014").await;
    Migrator::up(app.db(), None).await.expect("up again");
    assert_eq!(stored_reply_to(&app, "wamid.FAKE1").await.as_deref(), Some("wamid.IN"));
}

async fn stored_reply_to(app: &TestApp, wamid: &str) -> Option<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use wagate::store::entity::conversation;
    let row = conversation::Entity::find().filter(conversation::Column::MessageId.eq(wamid)).one(app.db()).await;
    row.expect("query").expect("stored").reply_to
}

/// The ledger names the message a send paid for, and pairs a charge with its refund.
#[tokio::test]
async fn the_ledger_names_the_message_a_send_paid_for() {
    let app = app_with_open_window().await;
    let sent = send(&app, json!({ "to": ANA, "text": { "body": "merci" } })).await;
    assert_eq!(sent["data"]["sendMessage"]["conversation"]["messageId"], "wamid.FAKE1", "{sent}");
    app.graph.reply_error(400, 131026, "Message undeliverable");
    let refused = send(&app, json!({ "to": ANA, "text": { "body": "encore" } })).await;
    assert_eq!(code(&refused), "UPSTREAM_ERROR", "{refused}");

    let ana = app.user_by_phone(ANA).await.id;
    let ledger = app
        .graphql_ok(
            "query($u: ID!) { credits(userId: $u) { ledger { nodes { reason reference messageId } } } }",
            json!({ "u": ana.to_string() }),
        )
        .await;
    let nodes = ledger["credits"]["ledger"]["nodes"].as_array().cloned().unwrap_or_default();
    let of = |reason: &str| nodes.iter().filter(|n| n["reason"] == reason).cloned().collect::<Vec<_>>();
    let (charges, refunds) = (of("outbound"), of("refund"));
    assert_eq!((charges.len(), refunds.len()), (2, 1), "{ledger}");
    let paid = charges.iter().find(|c| c["messageId"] == "wamid.FAKE1").expect("the sent message's charge");
    assert!(paid["reference"].as_str().is_some_and(|r| r.starts_with("send:")), "{paid}");
    let unpaid = charges.iter().find(|c| c["messageId"].is_null()).expect("the refused send's charge");
    assert_eq!(refunds[0]["reference"], unpaid["reference"], "a refund names the charge it gives back");
    assert!(refunds[0]["messageId"].is_null(), "Meta never took it: no message");
    assert_eq!(of("inbound")[0]["messageId"], "wamid.IN", "an inbound charge names its message");
}

#[tokio::test]
async fn exactly_one_content_field_is_required() {
    let app = app_with_open_window().await;
    for input in [
        json!({ "to": ANA }),
        json!({ "to": ANA, "text": { "body": "a" }, "reaction": { "messageId": "w", "emoji": "x" } }),
    ] {
        let body = send(&app, input).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("exactly one"));
    }
    let too_many = send(&app, json!({ "to": ANA, "interactive": { "body": "?", "buttons": [
        { "id": "1", "title": "a" }, { "id": "2", "title": "b" }, { "id": "3", "title": "c" }, { "id": "4", "title": "d" }] } })).await;
    assert_eq!(code(&too_many), "BAD_USER_INPUT");
    assert!(app.graph.requests().is_empty());
}

#[tokio::test]
async fn the_send_rules_answer_with_their_codes() {
    let app = app_with_open_window().await;
    app.graph.reply_error(400, 131047, "Re-engagement message");
    let refused = send(&app, json!({ "to": ANA, "text": { "body": "x" } })).await;
    assert_eq!(code(&refused), "UPSTREAM_ERROR");
    assert_eq!(refused["errors"][0]["extensions"]["metaCode"], 131047);
    assert_eq!(refused["errors"][0]["extensions"].get("maybeSent"), None, "Meta refused it: not sent");

    app.graph.reply(200, json!({ "messaging_product": "whatsapp" }));
    let unknown = send(&app, json!({ "to": ANA, "text": { "body": "x" } })).await;
    assert_eq!(code(&unknown), "UPSTREAM_ERROR");
    assert_eq!(unknown["errors"][0]["extensions"]["maybeSent"], true, "{unknown}");

    let stranger = send(&app, json!({ "to": "33700000000", "text": { "body": "x" } })).await;
    assert_eq!(code(&stranger), "OUTSIDE_SERVICE_WINDOW");

    let poor = TestApp::builder().env("DEFAULT_MONTHLY_CREDITS", "1").spawn().await;
    poor.deliver(&meta::text_notification("wamid.P", ANA, chrono::Utc::now().timestamp(), "hi")).await;
    let broke =
        poor.graphql(SEND, json!({ "input": { "to": ANA, "text": { "body": "x" } } }), Some(&poor.admin_token())).await;
    assert_eq!(code(&broke), "INSUFFICIENT_CREDITS");

    let ana = app.user_by_phone(ANA).await.id;
    let forbidden = app
        .graphql(
            SEND,
            json!({ "input": { "to": ANA, "text": { "body": "x" } } }),
            Some(&app.token(Role::User, Some(ana))),
        )
        .await;
    assert_eq!(code(&forbidden), "FORBIDDEN");
}

#[tokio::test]
async fn mark_as_read_sends_metas_read_receipt_for_an_inbound_message() {
    let app = app_with_open_window().await;
    let query = "mutation($id: String!) { markAsRead(messageId: $id) }";
    let body = app.graphql(query, json!({ "id": "wamid.IN" }), Some(&app.admin_token())).await;
    assert_eq!(body["data"]["markAsRead"], true, "{body}");
    assert_eq!(
        app.graph.requests()[0].body,
        json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN" })
    );
    let unknown = app.graphql(query, json!({ "id": "wamid.NOPE" }), Some(&app.admin_token())).await;
    assert_eq!(code(&unknown), "NOT_FOUND");
    assert_eq!(app.graph.requests().len(), 1);
}

/// Sends `input` (to Ana) and returns the refusal's message, checking it is a BAD_USER_INPUT.
async fn refusal(app: &TestApp, mut input: Value) -> String {
    input["to"] = json!(ANA);
    let body = send(app, input).await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    body["errors"][0]["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_refusal_names_the_input_field_the_caller_wrote_not_metas() {
    let app = app_with_open_window().await;
    let buttons = |titles: &[&str]| -> Value {
        titles.iter().enumerate().map(|(i, t)| json!({ "id": format!("b{i}"), "title": t })).collect()
    };
    let cases = [
        (json!({ "contacts": [{ "formattedName": "" }] }), "`input.contacts[0].formattedName` is required"),
        (json!({ "template": { "name": "hello", "languageCode": "" } }), "`input.template.languageCode` is required"),
        (json!({ "reaction": { "messageId": "", "emoji": "👍" } }), "`input.reaction.messageId` is required"),
        (json!({ "replyTo": "", "text": { "body": "x" } }), "`input.replyTo` is required"),
        (
            json!({ "interactive": { "body": "?", "buttons": buttons(&["t".repeat(21).as_str()]) } }),
            "`input.interactive.buttons[0].title` is 21 characters long",
        ),
        (
            json!({ "interactive": { "body": "?", "footer": "f".repeat(61), "buttons": buttons(&["Yes"]) } }),
            "`input.interactive.footer` is 61 characters long",
        ),
        (json!({ "text": { "body": "" } }), "`input.text.body` is required"),
        (json!({ "sticker": { "id": "7", "caption": "no" } }), "`input.sticker.caption` is not allowed"),
        (json!({ "text": { "body": "a\u{0}b" } }), "`input.text.body` contains a NUL character"),
        (
            json!({ "interactive": { "body": "?", "listButton": "Open", "listSections": [
                { "title": "S", "rows": [{ "id": "r", "title": "R", "description": "d".repeat(73) }] }] } }),
            "`input.interactive.listSections[0].rows[0].description` is 73 characters long",
        ),
        (
            json!({ "interactive": { "body": "?", "ctaUrl": "https://x.test" } }),
            "`input.interactive.ctaDisplayText` is required",
        ),
        (json!({ "interactive": { "body": "?" } }), "`input.interactive` needs exactly one of"),
    ];
    for (input, expected) in cases {
        let message = refusal(&app, input.clone()).await;
        assert!(message.starts_with(expected), "{input} → {message}");
    }
    assert!(app.graph.requests().is_empty());
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99, "nothing was charged");
}

#[tokio::test]
async fn metas_limits_are_checked_before_anything_is_charged_or_sent() {
    let app = app_with_open_window().await;
    let template = |parameter: Value| {
        json!({ "template": { "name": "t", "languageCode": "en_US", "components": [{ "type": "body", "parameters": [
            { "type": "text", "text": "Ana" }, parameter] }] } })
    };
    let at = "`input.template.components[0].parameters[1]";
    let cases = [
        (
            json!({ "interactive": { "body": "?", "header": "h".repeat(61), "buttons": [{ "id": "y", "title": "Yes" }] } }),
            "`input.interactive.header` is 61 characters long; Meta allows 60".to_owned(),
        ),
        (
            json!({ "interactive": { "body": "?", "buttons": [{ "id": "a", "title": "Yes" }, { "id": "b", "title": "Yes" }] } }),
            "`input.interactive.buttons[1].title` \"Yes\" is also button 0's title".to_owned(),
        ),
        (
            json!({ "interactive": { "body": "?", "listButton": "Open", "listSections": [
                { "title": "A", "rows": [{ "id": "a", "title": "A" }] }, { "rows": [{ "id": "b", "title": "B" }] }] } }),
            "`input.interactive.listSections[1].title` is required when a list has more than one section".to_owned(),
        ),
        (template(json!({ "type": "image" })), format!("{at}.link` is required when `type` is \"image\"")),
        (
            template(json!({ "type": "video", "link": "ftp://x.test/v.mp4" })),
            format!("{at}.link` must be an http or https URL"),
        ),
        (template(json!({ "type": "currency" })), format!("{at}.fallbackValue` is required")),
        (
            template(json!({ "type": "currency", "fallbackValue": "$1", "amount1000": 1000 })),
            format!("{at}.currencyCode` is required"),
        ),
        (
            template(json!({ "type": "currency", "fallbackValue": "$1", "currencyCode": "USD" })),
            format!("{at}.amount1000` is required"),
        ),
        (template(json!({ "type": "date_time" })), format!("{at}.fallbackValue` is required")),
        (template(json!({ "type": "text" })), format!("{at}.text` is required when `type` is \"text\"")),
        (template(json!({ "type": "weird", "text": "x" })), format!("{at}.type` must be one of text, currency,")),
        (
            template(json!({ "type": "coupon_code", "text": "x" })),
            format!("{at}.type` must be one of text, currency, date_time, image, document, video, payload, got"),
        ),
        (
            json!({ "template": { "name": "t", "languageCode": "en_US", "components": [{ "type": "bogus" }] } }),
            "`input.template.components[0].type` must be one of header, body, button, got \"bogus\"".to_owned(),
        ),
        (json!({ "image": { "link": "x.test/a.jpg" } }), "`input.image.link` must be an http or https URL".to_owned()),
        (json!({ "video": { "link": "file:///v.mp4" } }), "`input.video.link` must be an http or https URL".to_owned()),
        (json!({ "audio": { "link": "ftp://x.test/a.ogg" } }), "`input.audio.link` must be".to_owned()),
        (json!({ "document": { "link": "https://" } }), "`input.document.link` must be".to_owned()),
        (json!({ "sticker": { "link": "sticker.webp" } }), "`input.sticker.link` must be".to_owned()),
    ];
    for (input, expected) in cases {
        let message = refusal(&app, input.clone()).await;
        assert!(message.starts_with(&expected), "{input} → {message}");
    }
    assert!(app.graph.requests().is_empty());
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99, "nothing was charged");
}

#[tokio::test]
async fn outside_the_window_the_refusal_says_to_send_the_template_input() {
    let app = TestApp::spawn().await;
    let body = send(&app, json!({ "to": ANA, "text": { "body": "x" } })).await;
    assert_eq!(code(&body), "OUTSIDE_SERVICE_WINDOW", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("the `template` field in GraphQL"), "{message}");
}
