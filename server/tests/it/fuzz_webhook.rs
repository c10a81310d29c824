//! Fuzzing the webhook door with proptest: real Meta payloads with arbitrary JSON spliced in or
//! with every string rewritten (control characters included), arbitrary Meta-shaped JSON, random bytes, truncated and deeply nested documents, and bodies
//! around the size limit, each signed rightly, wrongly or not at all. Every one must be either
//! stored raw (200, or 400 for a body that is not JSON, kept as a rejected delivery) or refused
//! with nothing written (401 for the signature, 413 for the size); the server never panics, and
//! the credit ledger still sums to every balance at the end.
//!
//! `make test` runs `FUZZ_CASES` cases (default 96); `make fuzz` runs many more.

use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Map, Value};
use wagate::{store::entity::webhook_delivery, whatsapp::signature};

use crate::support::{APP_SECRET, TestApp};

const MAX_BODY: usize = 16 * 1024;

/// Keys and words of Meta's webhook payloads, so that random JSON reaches deep into the parser.
const WORDS: &[&str] = &[
    "object",
    "whatsapp_business_account",
    "entry",
    "id",
    "changes",
    "field",
    "messages",
    "value",
    "messaging_product",
    "whatsapp",
    "metadata",
    "display_phone_number",
    "phone_number_id",
    "contacts",
    "profile",
    "name",
    "wa_id",
    "from",
    "timestamp",
    "type",
    "text",
    "body",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "reaction",
    "interactive",
    "button",
    "context",
    "statuses",
    "status",
    "sent",
    "delivered",
    "read",
    "failed",
    "recipient_id",
    "errors",
    "code",
    "title",
    "error_data",
    "details",
    "conversation",
    "pricing",
    "mime_type",
    "sha256",
    "caption",
    "filename",
    "latitude",
    "longitude",
    "emoji",
    "message_id",
    "button_reply",
    "list_reply",
    "unsupported",
];

fn cases_to_run() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96)
}

/// Every real payload of the fixtures: Meta's OpenAPI examples and pywa's captures.
fn seeds() -> Vec<Value> {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let files = std::fs::read_dir(format!("{dir}/pywa"))
        .expect("pywa fixtures")
        .map(|entry| entry.expect("entry").path())
        .chain([format!("{dir}/meta-openapi/webhook-examples.json").into()])
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"));
    files
        .flat_map(|path| {
            let text = std::fs::read_to_string(&path).expect("fixture");
            let cases: Map<String, Value> = serde_json::from_str(&text).expect("a fixture maps names to bodies");
            cases.into_values()
        })
        .collect()
}

/// Text of any characters, with control characters (NUL among them) and JSON's special ones
/// far more likely than their share of Unicode would make them.
fn text() -> impl Strategy<Value = String> {
    let character = prop_oneof![
        3 => any::<char>(),
        1 => (0u8..32).prop_map(char::from),
        1 => prop::sample::select(vec!['"', '\\', '/', '\u{7f}', '\u{2028}', '\u{feff}', '\u{fffd}']),
    ];
    prop::collection::vec(character, 0..24).prop_map(|chars| chars.into_iter().collect())
}

/// JSON of any shape, with Meta's words for keys and many of its strings.
fn meta_like_json() -> impl Strategy<Value = Value> {
    let word = prop::sample::select(WORDS).prop_map(str::to_owned);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::from),
        word.clone().prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 200, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((word.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A real payload with the value at a random spot replaced by arbitrary JSON.
fn mutated_seed(seeds: Vec<Value>) -> impl Strategy<Value = Value> {
    (prop::sample::select(seeds), prop::collection::vec(any::<prop::sample::Index>(), 0..8), meta_like_json()).prop_map(
        |(mut seed, path, replacement)| {
            *spot(&mut seed, &path) = replacement;
            seed
        },
    )
}

/// A real payload with its free-text strings (bodies, names, ids, captions) replaced by
/// arbitrary text: the structure stays valid, so the text reaches the columns it is stored in.
fn rewritten_seed(seeds: Vec<Value>) -> impl Strategy<Value = Value> {
    (prop::sample::select(seeds), prop::collection::vec(text(), 1..16)).prop_map(|(mut seed, texts)| {
        rewrite_strings(&mut seed, &texts, &mut 0);
        seed
    })
}

fn rewrite_strings(value: &mut Value, texts: &[String], next: &mut usize) {
    match value {
        // Meta's own words (`field`, `type`, statuses) and numbers (timestamps, phone numbers)
        // are kept, so that the payload is still read and its text reaches the store.
        Value::String(text) if WORDS.contains(&text.as_str()) || text.bytes().all(|b| b.is_ascii_digit()) => {}
        Value::String(text) => {
            *text = texts[*next % texts.len()].clone();
            *next += 1;
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_strings(item, texts, next)),
        Value::Object(map) => map.values_mut().for_each(|item| rewrite_strings(item, texts, next)),
        _ => {}
    }
}

/// The value reached by following `path`, each step picking a child; stops at a leaf.
fn spot<'a>(value: &'a mut Value, path: &[prop::sample::Index]) -> &'a mut Value {
    let Some((step, rest)) = path.split_first() else { return value };
    let children = match value {
        Value::Array(items) if !items.is_empty() => items.len(),
        Value::Object(map) if !map.is_empty() => map.len(),
        _ => return value,
    };
    let index = step.index(children);
    match value {
        Value::Array(items) => spot(&mut items[index], rest),
        Value::Object(map) => spot(map.values_mut().nth(index).expect("in range"), rest),
        _ => unreachable!("only containers have children"),
    }
}

fn body(seeds: Vec<Value>) -> impl Strategy<Value = Vec<u8>> {
    let bytes = |json: Value| serde_json::to_vec(&json).expect("serialise");
    prop_oneof![
        4 => mutated_seed(seeds.clone()).prop_map(bytes),
        2 => rewritten_seed(seeds.clone()).prop_map(bytes),
        2 => meta_like_json().prop_map(bytes),
        1 => prop::collection::vec(any::<u8>(), 0..512),
        1 => (mutated_seed(seeds), any::<prop::sample::Index>()).prop_map(move |(json, cut)| {
            let whole = serde_json::to_vec(&json).expect("serialise");
            whole[..cut.index(whole.len())].to_vec()
        }),
        1 => (1usize..600).prop_map(|depth| format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()),
        1 => (MAX_BODY - 64..MAX_BODY + 64).prop_map(|size| {
            format!("{{\"object\":\"{}\"}}", "x".repeat(size.saturating_sub(13))).into_bytes()
        }),
    ]
}

/// How a body is signed.
#[derive(Debug, Clone)]
enum Signing {
    Right,
    WrongSecret,
    Missing,
    Garbage(String),
}

fn signing() -> impl Strategy<Value = Signing> {
    prop_oneof![
        5 => Just(Signing::Right),
        1 => Just(Signing::WrongSecret),
        1 => Just(Signing::Missing),
        1 => "(sha256=)?[ -~]{0,80}".prop_map(Signing::Garbage),
    ]
}

#[test]
fn every_webhook_body_is_stored_raw_or_refused_with_400_401_or_413() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let app = runtime.block_on(TestApp::builder().env("WEBHOOK_MAX_BODY_BYTES", &MAX_BODY.to_string()).spawn());
    let config = Config { cases: cases_to_run(), failure_persistence: None, ..Config::default() };
    let outcome = TestRunner::new(config)
        .run(&(body(seeds()), signing()), |(body, signing)| runtime.block_on(check(&app, body, signing)));
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    runtime.block_on(async {
        assert!(app.count("conversations").await > 0, "no case reached message ingestion: the fuzzer is too blunt");
        app.assert_ledger_matches_balances().await;
    });
}

async fn check(app: &TestApp, body: Vec<u8>, signing: Signing) -> Result<(), TestCaseError> {
    let before = latest_delivery(app).await.map_or(0, |d| d.id);
    let header = match &signing {
        Signing::Right => Some(signature::sign(APP_SECRET, &body)),
        Signing::WrongSecret => Some(signature::sign("not-the-app-secret", &body)),
        Signing::Missing => None,
        Signing::Garbage(text) => Some(text.clone()),
    };
    let status = app.post_webhook_raw(body.clone(), header.as_deref()).await.status().as_u16();
    let expected = if body.len() > MAX_BODY {
        413
    } else if !matches!(signing, Signing::Right) {
        401
    } else if serde_json::from_slice::<Value>(&body).is_ok() {
        200
    } else {
        400
    };
    prop_assert_eq!(status, expected, "body of {} bytes, {:?}", body.len(), signing);
    let latest = latest_delivery(app).await;
    match status {
        200 | 400 => {
            let stored = latest.filter(|d| d.id > before);
            prop_assert!(stored.as_ref().is_some_and(|d| d.body == body), "the delivery was not kept raw");
        }
        _ => prop_assert_eq!(latest.map_or(0, |d| d.id), before, "a refused delivery left a row"),
    }
    Ok(())
}

async fn latest_delivery(app: &TestApp) -> Option<webhook_delivery::Model> {
    webhook_delivery::Entity::find()
        .order_by_desc(webhook_delivery::Column::Id)
        .one(app.db())
        .await
        .expect("query deliveries")
}
