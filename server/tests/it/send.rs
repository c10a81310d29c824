//! Sending through the legacy REST door: exact requests to Meta, Meta's errors, retries,
//! credits reserved before the call and refunded when Meta does not take the message, and
//! the 24-hour service window.

use std::time::Duration;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use wagate::{
    auth::Role,
    store::entity::{conversation, credit_ledger},
};

use crate::support::{GRAPH_TOKEN, TestApp, meta};

const ANA: &str = "33612345678";

/// An app in which Ana wrote a minute ago (her service window is open).
async fn app_with_open_window(env: &[(&str, &str)]) -> TestApp {
    let mut builder = TestApp::builder();
    for (k, v) in env {
        builder = builder.env(k, v);
    }
    let app = builder.spawn().await;
    let now = chrono::Utc::now().timestamp() - 60;
    app.deliver(&meta::text_notification("wamid.IN1", ANA, now, "Bonjour")).await;
    app
}

fn seed_message() -> Value {
    json!({"to":"33612345678","type":"text","text":{"body":"Bonjour"}})
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json::<Value>().await.expect("json error")["error"].clone())
}

async fn ledger(app: &TestApp) -> Vec<(String, i64)> {
    credit_ledger::Entity::find()
        .order_by_asc(credit_ledger::Column::Id)
        .all(app.db())
        .await
        .expect("ledger")
        .into_iter()
        .map(|e| (e.reason, e.delta))
        .collect()
}

#[tokio::test]
async fn a_legacy_clients_seed_json_is_sent_unchanged_and_answered_in_metas_shape() {
    let app = app_with_open_window(&[]).await;
    let response = app.send(&seed_message(), Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["messages"][0]["id"], "wamid.FAKE1");
    assert_eq!(body["contacts"][0]["wa_id"], ANA);

    let sent = app.graph.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, format!("/v23.0/{}/messages", meta::PHONE_NUMBER_ID));
    assert_eq!(sent[0].authorization.as_deref(), Some(format!("Bearer {GRAPH_TOKEN}").as_str()));
    assert_eq!(sent[0].content_type.as_deref(), Some("application/json"));
    let mut expected = seed_message();
    expected["messaging_product"] = json!("whatsapp");
    expected["recipient_type"] = json!("individual");
    assert_eq!(sent[0].body, expected);

    let row = conversation::Entity::find()
        .filter(conversation::Column::MessageId.eq("wamid.FAKE1"))
        .one(app.db())
        .await
        .expect("query")
        .expect("stored");
    assert_eq!((row.direction.as_str(), row.status.as_str(), row.kind.as_str()), ("outbound", "accepted", "text"));
    assert_eq!((row.from.as_str(), row.to.as_str(), row.content.as_str()), (meta::BUSINESS_NUMBER, ANA, "Bonjour"));
    assert_eq!(row.credits_charged, 1);
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 98);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn the_messaging_product_and_a_plus_in_the_number_are_accepted() {
    let app = app_with_open_window(&[]).await;
    let message = json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"+33612345678","type":"text","text":{"body":"Hi"}});
    assert_eq!(app.send(&message, Some(&app.admin_token())).await.status(), 200);
    assert_eq!(app.graph.requests()[0].body, message, "forwarded as given");
}

/// Meta's own request examples whose body is not a message wagate sends.
const NOT_MESSAGES: [&str; 1] = ["Send typing indicator and read receipt"];

/// Meta's examples write links as placeholders (`<http(s)://audio-url>`), which are no URL:
/// each becomes the https URL it stands for.
fn with_placeholder_links_filled(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match field.as_str() {
                    Some(link) if key == "link" && link.contains("http(s)://") => {
                        *field = json!(link.trim_matches(['<', '>']).replace("http(s)://", "https://"));
                    }
                    _ => with_placeholder_links_filled(field),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(with_placeholder_links_filled),
        _ => {}
    }
}

#[tokio::test]
async fn every_meta_openapi_send_example_is_forwarded_byte_for_byte() {
    let app = app_with_open_window(&[("DEFAULT_MONTHLY_CREDITS", "1000"), ("WHATSAPP_PAIR_BURST", "100")]).await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/meta-openapi/send-examples.json");
    let examples: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let mut sent = 0;
    for (name, example) in &examples {
        if NOT_MESSAGES.contains(&name.as_str()) {
            assert!(example.get("to").is_none(), "{name} is a message after all");
            continue;
        }
        let mut message = example.clone();
        message["to"] = json!(ANA);
        with_placeholder_links_filled(&mut message);
        let response = app.send(&message, Some(&app.admin_token())).await;
        let status = response.status();
        assert_eq!(status, 200, "{name}: {}", response.text().await.unwrap_or_default());
        let forwarded = app.graph.requests().pop().expect("forwarded").body;
        let mut expected = message.clone();
        let fields = expected.as_object_mut().expect("object");
        fields.entry("recipient_type").or_insert(json!("individual"));
        if !fields.contains_key("type") {
            let kind = ["text", "interactive"].into_iter().find(|k| fields.contains_key(*k)).expect("a payload");
            fields.insert("type".into(), json!(kind));
        }
        assert_eq!(forwarded, expected, "{name}");
        sent += 1;
    }
    assert_eq!(sent, examples.len() - NOT_MESSAGES.len());
    assert!(sent >= 49, "Meta's file has 49 message examples, {sent} were sent");
}

#[tokio::test]
async fn metas_refusal_is_a_502_with_metas_code_and_the_credits_come_back() {
    let app = app_with_open_window(&[]).await;
    app.graph.reply_error(400, 131047, "Re-engagement message");
    let (status, error) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (502, Some("UPSTREAM_ERROR")));
    assert_eq!(error["meta"]["code"], 131047);
    assert_eq!(error["meta"]["fbtrace_id"], "AbCdEfFake");
    assert!(error["message"].as_str().unwrap_or_default().contains("refunded"), "{error}");
    assert_eq!(app.graph.requests().len(), 1, "131047 is never retried");
    assert_eq!(app.count("conversations").await, 1, "only the inbound message");
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99);
    let reasons = ledger(&app).await;
    assert_eq!(&reasons[2..], &[("outbound".to_owned(), -1), ("refund".to_owned(), 1)]);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn errors_meta_marks_final_are_never_retried() {
    let app = app_with_open_window(&[]).await;
    for (http, code) in [(400, 131026), (400, 132000), (401, 190), (400, 100), (400, 131056)] {
        let before = app.graph.requests().len();
        app.graph.reply_error(http, code, "no");
        let (status, error) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
        assert_eq!((status, error["meta"]["code"].as_i64()), (502, Some(code)));
        assert_eq!(app.graph.requests().len(), before + 1, "{code} was retried");
    }
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn throughput_and_transient_errors_are_retried_until_meta_takes_the_message() {
    let app = app_with_open_window(&[]).await;
    app.graph.reply_error(500, 131000, "Something went wrong");
    app.graph.reply_error(400, 130429, "Rate limit hit");
    app.graph.reply_error(429, 4, "Too many calls");
    let response = app.send(&seed_message(), Some(&app.admin_token())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.graph.requests().len(), 4);
    let bodies: Vec<Value> = app.graph.requests().into_iter().map(|r| r.body).collect();
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "every try sends the same body");
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 98, "charged once");
}

#[tokio::test]
async fn a_balance_that_cannot_pay_refuses_the_send_before_meta_is_called() {
    let app = app_with_open_window(&[("DEFAULT_MONTHLY_CREDITS", "2")]).await;
    let image = json!({"to": ANA, "type": "image", "image": {"link": "https://example.com/a.jpg"}});
    let (status, error) = error_of(app.send(&image, Some(&app.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (402, Some("INSUFFICIENT_CREDITS")));
    assert!(error["message"].as_str().unwrap_or_default().contains("1 credits left"), "{error}");
    assert!(app.graph.requests().is_empty());
    assert_eq!(app.send(&seed_message(), Some(&app.admin_token())).await.status(), 200, "a text still fits");
}

#[tokio::test]
async fn concurrent_sends_never_overdraw_the_balance() {
    // The pair burst is raised so that every one of the 100 reaches the balance check rather
    // than Meta's pair-rate pacing (429), which has a test of its own.
    let app = app_with_open_window(&[("DEFAULT_MONTHLY_CREDITS", "11"), ("WHATSAPP_PAIR_BURST", "100")]).await;
    let token = app.admin_token();
    let message = seed_message();
    let responses = futures::future::join_all((0..100).map(|_| app.send(&message, Some(&token)))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 402).count(), 90, "{statuses:?}");
    assert_eq!(app.graph.requests().len(), 10);
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 0);
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn outside_the_service_window_only_templates_go_out() {
    let app = TestApp::spawn().await;
    let old = chrono::Utc::now().timestamp() - 25 * 3600;
    app.deliver(&meta::text_notification("wamid.OLD", ANA, old, "yesterday")).await;
    let (status, error) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (422, Some("OUTSIDE_SERVICE_WINDOW")));
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("`\"type\": \"template\"` in Meta's JSON"), "{error}");
    assert!(app.graph.requests().is_empty());
    let template =
        json!({"to": ANA, "type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}});
    assert_eq!(app.send(&template, Some(&app.admin_token())).await.status(), 200);
    let ana = app.user_by_phone(ANA).await.id;
    let found: Value = app
        .get(&format!("/api/user/{ana}/conversations?q=hello_world"), Some(&app.admin_token()))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found["data"][0]["content"], "[template] hello_world", "a template reads as its name: {found}");
    let (status, _) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
    assert_eq!(status, 422, "the business's own messages never reopen the window");
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_contact_who_never_wrote_gets_templates_only_unless_the_window_check_is_off() {
    let app = TestApp::spawn().await;
    let (status, error) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
    assert_eq!(status, 422);
    assert!(error["message"].as_str().unwrap_or_default().contains("never written"), "{error}");
    let relaxed = TestApp::builder().env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false").spawn().await;
    assert_eq!(relaxed.send(&seed_message(), Some(&relaxed.admin_token())).await.status(), 200);
}

#[tokio::test]
async fn a_later_failed_status_refunds_the_message_once() {
    let app = app_with_open_window(&[]).await;
    assert_eq!(app.send(&seed_message(), Some(&app.admin_token())).await.status(), 200);
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 98);
    let failed = meta::status_notification(vec![meta::failed_status(
        "wamid.FAKE1",
        1,
        ANA,
        131026,
        "Message undeliverable",
        "x",
    )]);
    app.deliver(&failed).await;
    app.deliver(&failed).await;
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99, "refunded exactly once");
    app.assert_ledger_matches_balances().await;
}

/// A text from Ana naming her business-scoped id as well as her number `phone`.
fn text_with_bsuid(id: &str, phone: &str, at: i64) -> Value {
    let (mut contact, mut text) = (meta::contact(phone, "Ana"), meta::text(id, phone, at, "hi"));
    contact["user_id"] = json!("FR.9");
    text["from_user_id"] = json!("FR.9");
    meta::envelope(vec![contact], vec![text], vec![])
}

#[tokio::test]
async fn a_refund_reaches_the_user_whose_number_changed_while_the_message_was_out() {
    let app = TestApp::builder().spawn().await;
    let now = chrono::Utc::now().timestamp() - 60;
    app.deliver(&text_with_bsuid("wamid.N1", ANA, now)).await;
    let ana = app.user_by_phone(ANA).await;
    assert_eq!(ana.current_month_credits, 99);
    app.graph.delay(Duration::from_millis(800));
    app.graph.reply_error(400, 131026, "Message undeliverable");
    let new_number = "33698765432";
    let (message, token) = (seed_message(), app.admin_token());
    let (response, ()) = tokio::join!(app.send(&message, Some(&token)), async {
        until_meta_has_the_send(&app).await;
        app.deliver(&text_with_bsuid("wamid.N2", new_number, now + 1)).await;
    });
    let (status, error) = error_of(response).await;
    assert_eq!((status, error["code"].as_str()), (502, Some("UPSTREAM_ERROR")));

    let moved = app.user_by_phone(new_number).await;
    assert_eq!(moved.id, ana.id, "Ana's record took her new number");
    assert_eq!(app.count("users").await, 1, "no one holds the old number");
    assert_eq!(moved.current_month_credits, 98, "charged for her second text, the send refunded");
    let reasons: Vec<String> = ledger(&app).await.into_iter().map(|(reason, _)| reason).collect();
    assert_eq!(reasons.iter().filter(|r| r.as_str() == "refund").count(), 1, "{reasons:?}");
    app.assert_ledger_matches_balances().await;
}

/// Starts a send that Meta answers only after 600 ms, and returns once Meta has it: a status
/// webhook posted now beats the send response.
async fn send_held_at_meta(app: &TestApp) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    app.graph.delay(Duration::from_millis(600));
    let (client, url, token) = (app.client.clone(), app.url("/api/message/send"), app.admin_token());
    let sending = tokio::spawn(async move { client.post(url).bearer_auth(token).json(&seed_message()).send().await });
    until_meta_has_the_send(app).await;
    sending
}

/// Returns once the fake Graph API has received a send (within 5 s).
async fn until_meta_has_the_send(app: &TestApp) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while app.graph.requests().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the send never reached Meta");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Posts a send with a client that hangs up after 100 ms, while Meta holds it for 600 ms.
async fn send_and_hang_up(app: &TestApp) {
    app.graph.delay(Duration::from_millis(600));
    let request = app.client.post(app.url("/api/message/send")).bearer_auth(app.admin_token()).json(&seed_message());
    let hung_up = request.timeout(Duration::from_millis(100)).send().await;
    assert!(hung_up.is_err_and(|e| e.is_timeout()), "the client gave up first");
}

/// Polls `check` every 20 ms for up to 5 s.
async fn eventually<F: std::future::Future<Output = bool>>(what: &str, check: impl Fn() -> F) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_send_whose_caller_hung_up_is_stored_when_meta_takes_it() {
    let app = app_with_open_window(&[]).await;
    send_and_hang_up(&app).await;
    eventually("storing the message Meta took", || async {
        conversation::Entity::find()
            .filter(conversation::Column::MessageId.eq("wamid.FAKE1"))
            .one(app.db())
            .await
            .expect("query")
            .is_some()
    })
    .await;
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 98, "it went out: its charge stays");
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_send_whose_caller_hung_up_is_refunded_when_meta_refuses_it() {
    let app = app_with_open_window(&[]).await;
    app.graph.reply_error(400, 131026, "Message undeliverable");
    send_and_hang_up(&app).await;
    eventually("the refund", || async { app.user_by_phone(ANA).await.current_month_credits == 99 }).await;
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_refund_the_store_refused_is_written_once_it_answers_again() {
    let app = app_with_open_window(&[]).await;
    app.graph.reply_error(400, 131026, "Message undeliverable");
    let sending = send_held_at_meta(&app).await;
    app.db().execute_unprepared("ALTER TABLE credit_ledger RENAME TO credit_ledger_away").await.expect("take it away");
    let (status, error) = error_of(sending.await.expect("join").expect("response")).await;
    assert_eq!((status, error["meta"]["code"].as_i64()), (502, Some(131026)), "Meta's refusal is the answer: {error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("will be refunded as soon as the database answers again"), "{error}");
    app.db().execute_unprepared("ALTER TABLE credit_ledger_away RENAME TO credit_ledger").await.expect("bring it back");
    eventually("the delayed refund", || async { app.user_by_phone(ANA).await.current_month_credits == 99 }).await;
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_status_that_beats_the_send_response_is_applied() {
    let app = app_with_open_window(&[]).await;
    let sending = send_held_at_meta(&app).await;
    app.deliver(&meta::status_notification(vec![meta::status("wamid.FAKE1", "delivered", 1, ANA)])).await;
    let response = sending.await.expect("join").expect("response");
    assert_eq!(response.status(), 200);
    let row = conversation::Entity::find()
        .filter(conversation::Column::MessageId.eq("wamid.FAKE1"))
        .one(app.db())
        .await
        .expect("query")
        .expect("stored");
    assert_eq!(row.status, "delivered");
}

#[tokio::test]
async fn meta_slow_is_an_upstream_error_within_the_deadline_that_says_the_message_may_have_gone() {
    let slow = app_with_open_window(&[("WHATSAPP_SEND_TIMEOUT_MS", "400")]).await;
    slow.graph.delay(Duration::from_secs(3));
    let started = std::time::Instant::now();
    let (status, error) = error_of(slow.send(&seed_message(), Some(&slow.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (504, Some("UPSTREAM_ERROR")));
    assert!(started.elapsed() < Duration::from_secs(2), "answered after {:?}", started.elapsed());
    assert_eq!(error["maybe_sent"], true, "{error}");
    assert!(error["message"].as_str().unwrap_or_default().contains("may have been sent"), "{error}");
    assert_eq!(slow.graph.requests().len(), 1, "a request that may have been taken is not retried");
    assert_eq!(slow.user_by_phone(ANA).await.current_month_credits, 98, "Meta may have sent it: the charge stays");
    slow.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn meta_unreachable_is_an_upstream_error_and_refunded() {
    let down = app_with_open_window(&[
        ("WHATSAPP_API_BASE", "http://127.0.0.1:9/v23.0"),
        ("WHATSAPP_SEND_TIMEOUT_MS", "1500"),
    ])
    .await;
    let (status, error) = error_of(down.send(&seed_message(), Some(&down.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (502, Some("UPSTREAM_ERROR")));
    assert!(error["message"].as_str().unwrap_or_default().contains("could not be reached"), "{error}");
    assert_eq!(error.get("maybe_sent"), None, "{error}");
    assert_eq!(down.user_by_phone(ANA).await.current_month_credits, 99);
    down.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_success_answer_that_cannot_be_read_may_have_sent_the_message() {
    let app = app_with_open_window(&[]).await;
    app.graph.reply(200, json!({ "messaging_product": "whatsapp" }));
    let (status, error) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (502, Some("UPSTREAM_ERROR")));
    assert_eq!(error["maybe_sent"], true, "{error}");
    assert!(error["message"].as_str().unwrap_or_default().contains("messages[0].id"), "{error}");
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 98);
}

#[tokio::test]
async fn no_slot_within_the_deadline_is_rate_limited_and_refunded_without_calling_meta() {
    let app = app_with_open_window(&[("WHATSAPP_MAX_MPS", "1"), ("WHATSAPP_SEND_TIMEOUT_MS", "300")]).await;
    let token = app.admin_token();
    assert_eq!(app.send(&seed_message(), Some(&token)).await.status(), 200);
    let (status, error) = error_of(app.send(&seed_message(), Some(&token)).await).await;
    assert_eq!((status, error["code"].as_str()), (429, Some("RATE_LIMITED")));
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("WHATSAPP_MAX_MPS") && message.contains("retry"), "{error}");
    assert_eq!(app.graph.requests().len(), 1, "the refused send never reached Meta");
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 98, "charged for the sent one only");
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_message_meta_accepted_but_the_store_lost_is_reported_as_sent() {
    let app = app_with_open_window(&[]).await;
    let sending = send_held_at_meta(&app).await;
    app.db()
        .execute_unprepared("ALTER TABLE conversations RENAME TO conversations_away")
        .await
        .expect("take the table away");
    let response = sending.await.expect("join").expect("response");
    let (status, error) = error_of(response).await;
    assert_eq!((status, error["code"].as_str()), (500, Some("SENT_NOT_STORED")));
    assert_eq!(error["message_id"], "wamid.FAKE1");
    assert!(error["message"].as_str().unwrap_or_default().contains("do not send it again"), "{error}");
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 98, "it was sent: the charge stays");
}

#[tokio::test]
async fn sending_without_a_configured_token_says_which_setting_is_missing() {
    let app = app_with_open_window(&[("WHATSAPP_TOKEN", "")]).await;
    let (status, error) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (503, Some("UPSTREAM_ERROR")));
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("set WHATSAPP_TOKEN;") && message.contains("nothing was sent or charged"), "{error}");
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99);
    let ledger = credit_ledger::Entity::find().all(app.db()).await.expect("ledger");
    assert!(
        ledger.iter().all(|row| row.reason != "outbound" && row.reason != "refund"),
        "no charge and refund: {ledger:?}"
    );

    let neither = app_with_open_window(&[("WHATSAPP_TOKEN", ""), ("WHATSAPP_PHONE_NUMBER_ID", "")]).await;
    let (status, error) = error_of(neither.send(&seed_message(), Some(&neither.admin_token())).await).await;
    assert_eq!(status, 503);
    assert!(error["message"].as_str().unwrap_or_default().contains("WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID"));
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_sent() {
    let app = app_with_open_window(&[]).await;
    let cases = [
        (json!({"type":"text","text":{"body":"x"}}), "`to`"),
        (json!({"to": ANA, "type":"text","text":{"body":""}}), "`text.body`"),
        (json!({"to": ANA, "type":"image","image":{}}), "`image`"),
    ];
    for (message, field) in cases {
        let (status, error) = error_of(app.send(&message, Some(&app.admin_token())).await).await;
        assert_eq!((status, error["code"].as_str()), (400, Some("BAD_USER_INPUT")));
        assert!(error["message"].as_str().unwrap_or_default().contains(field), "{error}");
    }
    let raw = app
        .client
        .post(app.url("/api/message/send"))
        .bearer_auth(app.admin_token())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(raw.status(), 400);
    assert!(app.graph.requests().is_empty());
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99);
}

#[tokio::test]
async fn metas_limits_are_checked_before_anything_is_charged_or_sent() {
    let app = app_with_open_window(&[]).await;
    let interactive = |interactive: Value| json!({"to": ANA, "type": "interactive", "interactive": interactive});
    let reply = |id: &str, title: &str| json!({"type": "reply", "reply": {"id": id, "title": title}});
    let template = |component: Value| {
        json!({"to": ANA, "type": "template", "template": {"name": "t", "language": {"code": "en_US"},
            "components": [component]}})
    };
    let body = |parameter: Value| template(json!({"type": "body", "parameters": [parameter]}));
    let at = "`template.components[0].parameters[0]";
    let cases = [
        (
            interactive(json!({"type": "button", "header": {"type": "text", "text": "h".repeat(61)},
                "body": {"text": "?"}, "action": {"buttons": [reply("y", "Yes")]}})),
            "`interactive.header.text` is 61 characters long; Meta allows 60".to_owned(),
        ),
        (
            interactive(json!({"type": "button", "body": {"text": "?"},
                "action": {"buttons": [reply("a", "Yes"), reply("b", "Yes")]}})),
            "`interactive.action.buttons[1].reply.title` \"Yes\" is also button 0's title".to_owned(),
        ),
        (
            interactive(json!({"type": "list", "body": {"text": "?"}, "action": {"button": "Open", "sections": [
                {"title": "A", "rows": [{"id": "a", "title": "A"}]}, {"rows": [{"id": "b", "title": "B"}]}]}})),
            "`interactive.action.sections[1].title` is required when a list has more than one section".to_owned(),
        ),
        (body(json!({"type": "image", "image": {"link": null}})), format!("{at}.image` needs exactly one of")),
        (body(json!({"type": "image"})), format!("{at}.image` is required when `type` is \"image\"")),
        (
            body(json!({"type": "currency", "currency": {"fallback_value": null, "code": null, "amount_1000": null}})),
            format!("{at}.currency.fallback_value` is required"),
        ),
        (body(json!({"type": "text"})), format!("{at}.text` is required when `type` is \"text\"")),
        (body(json!({"type": "weird", "text": "x"})), format!("{at}.type` must be one of text, currency,")),
        (
            template(json!({"type": "bogus", "parameters": []})),
            "`template.components[0].type` must be one of".to_owned(),
        ),
        (
            json!({"to": ANA, "type": "image", "image": {"link": "ftp://x.test/a.jpg"}}),
            "`image.link` must be an http or https URL".to_owned(),
        ),
        (
            json!({"to": ANA, "type": "sticker", "sticker": {"link": "/s.webp"}}),
            "`sticker.link` must be an http or https URL".to_owned(),
        ),
    ];
    for (message, expected) in cases {
        let (status, error) = error_of(app.send(&message, Some(&app.admin_token())).await).await;
        assert_eq!((status, error["code"].as_str()), (400, Some("BAD_USER_INPUT")), "{message}: {error}");
        let text = error["message"].as_str().unwrap_or_default();
        assert!(text.starts_with(&expected), "{message} → {text}");
    }
    assert!(app.graph.requests().is_empty());
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99, "nothing was charged");
    let plain_http = json!({"to": ANA, "type": "image", "image": {"link": "http://x.test/a.jpg"}});
    assert_eq!(app.send(&plain_http, Some(&app.admin_token())).await.status(), 200, "Meta takes HTTP links too");
}

#[tokio::test]
async fn wrong_requests_to_the_rest_routes_get_the_json_error_shape() {
    let app = app_with_open_window(&[]).await;
    let token = app.admin_token();
    let get_send = app.get("/api/message/send", Some(&token)).await;
    assert_eq!(get_send.status(), 405);
    assert!(get_send.headers().get("allow").is_some_and(|allow| allow.to_str().unwrap_or_default().contains("POST")));
    let (_, error) = error_of(get_send).await;
    assert_eq!(error["code"], "METHOD_NOT_ALLOWED", "{error}");
    let post_list =
        app.client.post(app.url("/api/user/1/conversations")).bearer_auth(&token).send().await.expect("post");
    assert_eq!(error_of(post_list).await.1["code"], "METHOD_NOT_ALLOWED");
    let (status, error) = error_of(app.get("/api/user/1/conversation", Some(&token)).await).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("NOT_FOUND")));
    assert!(error["message"].as_str().unwrap_or_default().contains("/api/user/1/conversation"), "{error}");

    let huge = json!({"to": ANA, "type": "text", "text": {"body": "x".repeat(3 * 1024 * 1024)}});
    let (status, error) = error_of(app.send(&huge, Some(&token)).await).await;
    assert_eq!((status, error["code"].as_str()), (413, Some("PAYLOAD_TOO_LARGE")), "{error}");
    let receipt = json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"});
    let (status, error) = error_of(app.send(&receipt, Some(&token)).await).await;
    assert_eq!(status, 400);
    assert!(error["message"].as_str().unwrap_or_default().contains("markAsRead"), "{error}");
    assert!(app.graph.requests().is_empty());
}

#[tokio::test]
async fn only_admins_may_send() {
    let app = app_with_open_window(&[]).await;
    assert_eq!(app.send(&seed_message(), None).await.status(), 401);
    let ana = app.user_by_phone(ANA).await.id;
    assert_eq!(app.send(&seed_message(), Some(&app.token(Role::User, Some(ana)))).await.status(), 403);
    assert!(app.graph.requests().is_empty());
}

#[tokio::test]
async fn a_burst_to_one_contact_beyond_the_pair_allowance_is_refused_without_charging() {
    let app = app_with_open_window(&[("WHATSAPP_PAIR_BURST", "2"), ("WHATSAPP_PAIR_INTERVAL_MS", "60000")]).await;
    for _ in 0..2 {
        assert_eq!(app.send(&seed_message(), Some(&app.admin_token())).await.status(), 200);
    }
    let (status, error) = error_of(app.send(&seed_message(), Some(&app.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (429, Some("RATE_LIMITED")));
    assert!(error["message"].as_str().unwrap_or_default().contains("retry in"), "{error}");
    assert_eq!(app.graph.requests().len(), 2);
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 97, "only the two sent messages were paid");
}

#[tokio::test]
async fn a_refused_send_does_not_use_up_the_pair_allowance() {
    let app = app_with_open_window(&[
        ("WHATSAPP_PAIR_BURST", "1"),
        ("WHATSAPP_PAIR_INTERVAL_MS", "60000"),
        ("DEFAULT_MONTHLY_CREDITS", "2"),
    ])
    .await;
    let image = json!({"to": ANA, "type": "image", "image": {"link": "https://example.com/a.jpg"}});
    assert_eq!(app.send(&image, Some(&app.admin_token())).await.status(), 402);
    assert_eq!(app.send(&seed_message(), Some(&app.admin_token())).await.status(), 200);
}

#[tokio::test]
async fn a_send_meta_refused_gives_its_pair_allowance_back() {
    let app = app_with_open_window(&[("WHATSAPP_PAIR_BURST", "1"), ("WHATSAPP_PAIR_INTERVAL_MS", "60000")]).await;
    app.graph.reply_error(400, 131026, "Message undeliverable");
    assert_eq!(app.send(&seed_message(), Some(&app.admin_token())).await.status(), 502);
    assert_eq!(app.send(&seed_message(), Some(&app.admin_token())).await.status(), 200, "the refused one never went");
}

/// Meta counts every try against the number's throughput, so a retry waits for a slot of its
/// own: at 1/s, the retry of a send Meta refused for a moment goes a second after the first try.
#[tokio::test]
async fn a_retry_waits_for_a_slot_of_the_numbers_throughput() {
    let app = app_with_open_window(&[("WHATSAPP_MAX_MPS", "1")]).await;
    app.graph.reply_error(500, 131000, "Something went wrong");
    assert_eq!(app.send(&seed_message(), Some(&app.admin_token())).await.status(), 200);
    let tries: Vec<_> = app.graph.requests().into_iter().map(|r| r.at).collect();
    assert_eq!(tries.len(), 2);
    // The first try's slot was taken just before it left; the margin is for its trip.
    assert!(tries[1] - tries[0] >= Duration::from_millis(900), "the retry went {:?} after", tries[1] - tries[0]);
}

#[tokio::test]
async fn at_most_the_configured_rate_goes_out_from_one_number_in_any_second() {
    let app =
        TestApp::builder().env("WHATSAPP_MAX_MPS", "5").env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false").spawn().await;
    let token = app.admin_token();
    let messages: Vec<Value> =
        (0..8).map(|i| json!({"to": format!("3361234560{i}"), "type": "text", "text": {"body": "burst"}})).collect();
    let responses = futures::future::join_all(messages.iter().map(|m| app.send(m, Some(&token)))).await;
    assert!(responses.iter().all(|r| r.status() == 200));
    let mut arrivals: Vec<_> = app.graph.requests().into_iter().map(|r| r.at).collect();
    arrivals.sort();
    // Arrival times at the fake carry the machine's scheduling jitter, hence the margins.
    assert!(arrivals[4] - arrivals[0] < Duration::from_millis(500), "five at 5/s go at once: {arrivals:?}");
    for first in 0..3 {
        let span = arrivals[first + 5] - arrivals[first];
        assert!(span >= Duration::from_millis(950), "six sends within {span:?} at 5/s");
    }
}

/// Meta's throughput limit counts the messages a number receives with those it sends. Only
/// messages received within the last second take a place, once: not one Meta retried an hour
/// late, nor one to another business number, nor a delivery made again.
#[tokio::test]
async fn messages_the_number_just_received_take_places_of_its_sends() {
    let app =
        TestApp::builder().env("WHATSAPP_MAX_MPS", "3").env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false").spawn().await;
    let now = chrono::Utc::now().timestamp();
    let start = std::time::Instant::now();
    let two_now = meta::envelope(
        vec![meta::contact(ANA, "Ana")],
        vec![meta::text("wamid.NOW1", ANA, now, "reçu à l'instant"), meta::text("wamid.NOW2", ANA, now, "et encore")],
        vec![],
    );
    app.deliver(&two_now).await;
    app.deliver(&two_now).await; // Meta delivering it again: the same two messages.
    app.deliver(&meta::text_notification("wamid.LATE", "33698765432", now - 3600, "reçu il y a une heure")).await;
    let mut elsewhere = meta::text_notification("wamid.ELSEWHERE", "33655555555", now, "pour un autre numéro");
    elsewhere["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = json!("999999999999999");
    app.deliver(&elsewhere).await;
    let token = app.admin_token();
    let texts: Vec<Value> =
        (0..2).map(|i| json!({"to": format!("3361234561{i}"), "type": "text", "text": {"body": "réponse"}})).collect();
    let answers = futures::future::join_all(texts.iter().map(|text| app.send(text, Some(&token)))).await;
    assert!(answers.iter().all(|answer| answer.status() == 200));
    let mut arrivals: Vec<Duration> = app.graph.requests().into_iter().map(|r| r.at - start).collect();
    arrivals.sort();
    // Arrival times at the fake carry the machine's scheduling jitter, hence the margins.
    assert!(arrivals[0] < Duration::from_millis(500), "one place of three is left: {arrivals:?}");
    assert!(arrivals[1] >= Duration::from_millis(950), "the others are the received messages': {arrivals:?}");
}

#[tokio::test]
async fn a_failed_status_that_beats_the_send_response_refunds_the_message_once() {
    let app = app_with_open_window(&[]).await;
    let sending = send_held_at_meta(&app).await;
    let failed = meta::status_notification(vec![meta::failed_status(
        "wamid.FAKE1",
        1,
        ANA,
        131026,
        "Message undeliverable",
        "x",
    )]);
    app.deliver(&failed).await;
    assert_eq!(sending.await.expect("join").expect("response").status(), 200, "Meta did accept it first");
    app.deliver(&failed).await;
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99, "paid, then refunded exactly once");
    app.assert_ledger_matches_balances().await;
}

#[tokio::test]
async fn a_message_carrying_a_nul_character_is_refused_before_anything_is_charged_or_sent() {
    let app = app_with_open_window(&[]).await;
    let message = json!({"to": ANA, "type": "text", "text": {"body": "a\u{0}b"}});
    let (status, error) = error_of(app.send(&message, Some(&app.admin_token())).await).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("BAD_USER_INPUT")), "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("U+0000") && message.contains("`text.body`"), "{error}");
    assert!(app.graph.requests().is_empty());
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 99);
}

/// Sends the seed message and returns the `from` its stored row carries.
async fn sent_from(app: &TestApp) -> String {
    let sent: Value = app.send(&seed_message(), Some(&app.admin_token())).await.json().await.expect("json");
    let wamid = sent["messages"][0]["id"].as_str().expect("wamid").to_owned();
    let row = conversation::Entity::find().filter(conversation::Column::MessageId.eq(&wamid)).one(app.db()).await;
    row.expect("query").expect("stored").from
}

#[tokio::test]
async fn sends_come_from_the_business_number_once_an_inbound_message_has_shown_it() {
    let app = TestApp::builder().env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false").spawn().await;
    assert_eq!(sent_from(&app).await, meta::PHONE_NUMBER_ID, "before any inbound message, its phone number id");
    assert_eq!(sent_from(&app).await, meta::PHONE_NUMBER_ID, "and again: nothing new was stored");
    app.deliver(&meta::text_notification("wamid.IN9", ANA, chrono::Utc::now().timestamp(), "hi")).await;
    for _ in 0..2 {
        assert_eq!(sent_from(&app).await, meta::BUSINESS_NUMBER, "then the display number Meta showed");
    }
}

/// A send is two short transactions at SQLite's one writer connection, each statement of which
/// is a round trip to its thread: the reservation (the recipient with the last inbound message,
/// then the ledger row, with the balance's deferred update in the same round trip) and the
/// stored message (the recipient, the row, returned by its insert, and any status that came
/// before it). PostgreSQL runs the balance's update on its own, and also tells other instances
/// of its changes (`pg_notify`), in each transaction.
#[tokio::test]
async fn a_send_runs_five_statements_on_sqlite_and_eight_on_postgres() {
    let app = TestApp::builder().env("MEDIA_POLL_MS", "3600000").env("TEXT_INDEX_INTERVAL_MS", "3600000").spawn().await;
    let now = chrono::Utc::now().timestamp() - 60;
    app.deliver(&meta::text_notification("wamid.IN1", ANA, now, "Bonjour")).await;
    let token = app.admin_token();
    // The first send also learns the business number and opens connections.
    assert_eq!(app.send(&seed_message(), Some(&token)).await.status(), 200);
    app.wait_for_statements_to_settle().await;
    let mut counts = Vec::new();
    for _ in 0..3 {
        let before = app.statements();
        assert_eq!(app.send(&seed_message(), Some(&token)).await.status(), 200);
        counts.push(app.statements() - before);
    }
    let expected = match app.db().get_database_backend() {
        sea_orm::DbBackend::Postgres => 8,
        _ => 5,
    };
    assert_eq!(counts, vec![expected; 3], "statements per send");
}
