//! `/metrics`: off unless a token or a listener of its own is configured, behind the token when
//! there is one, and counting exactly what the app did (each scrape is parsed as Prometheus's
//! text format, and every sample read by its name and labels).

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::Duration,
};

use sea_orm::DbBackend;
use serde_json::json;
use wagate::whatsapp::signature;

use crate::support::{APP_SECRET, TestApp, meta, wait_until, ws::LiveClient};

/// The metrics token of the apps these tests start.
pub(crate) const TOKEN: &str = "metrics-token-Jx42Lw9q";
const ANA: &str = "33612345678";

/// One scrape: every sample by metric name and label set.
pub(crate) struct Scrape(HashMap<(String, BTreeMap<String, String>), f64>);

impl Scrape {
    /// Parses the text format, insisting that every sample belongs to a declared `# TYPE`.
    fn parse(text: &str) -> Self {
        let typed: HashSet<&str> =
            text.lines().filter_map(|l| l.strip_prefix("# TYPE ")).filter_map(|l| l.split(' ').next()).collect();
        let mut samples = HashMap::new();
        for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (name, labels, value) = sample(line);
            let family = ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(&name);
            assert!(typed.contains(name.as_str()) || typed.contains(family), "no # TYPE for `{line}`");
            assert!(samples.insert((name, labels), value).is_none(), "repeated sample `{line}`");
        }
        Self(samples)
    }

    /// The value of the sample with exactly these labels; fails when there is none.
    pub(crate) fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let key = (name.to_owned(), labels);
        *self.0.get(&key).unwrap_or_else(|| panic!("no sample {key:?} among {:?}", self.0.keys()))
    }
}

/// `name{key="value",…} number`, label values unescaped.
fn sample(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value in `{line}`"));
    let (name, mut rest) = line.split_at(name_end);
    let mut labels = BTreeMap::new();
    if let Some(mut inside) = rest.strip_prefix('{') {
        while !inside.starts_with('}') {
            let (key, after) = inside.split_once("=\"").unwrap_or_else(|| panic!("bad label in `{line}`"));
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c)) => value.push(c),
                        None => panic!("unterminated label in `{line}`"),
                    },
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => panic!("unterminated label in `{line}`"),
                }
            };
            labels.insert(key.to_owned(), value);
            inside = after[end + 1..].strip_prefix(',').unwrap_or(&after[end + 1..]);
        }
        rest = &inside[1..];
    }
    let value = rest.trim().parse().unwrap_or_else(|_| panic!("bad value in `{line}`"));
    (name.to_owned(), labels, value)
}

async fn metrics_at(client: &reqwest::Client, url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = client.get(format!("{url}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("GET /metrics")
}

/// A scrape of the main listener with the token.
pub(crate) async fn scrape(app: &TestApp) -> Scrape {
    let response = metrics_at(&app.client, &app.address, Some(TOKEN)).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    Scrape::parse(&response.text().await.expect("body"))
}

async fn with_token() -> TestApp {
    TestApp::builder().env("METRICS_TOKEN", TOKEN).env("WEBHOOK_MAX_BODY_BYTES", "4096").spawn().await
}

#[tokio::test]
async fn metrics_are_off_without_a_token_or_an_address_of_their_own() {
    let app = TestApp::spawn().await;
    let response = metrics_at(&app.client, &app.address, Some(TOKEN)).await;
    assert_eq!(response.status(), 404);
    let body = response.text().await.expect("body");
    assert!(body.contains("METRICS_TOKEN") && body.contains("METRICS_ADDR"), "{body}");
}

#[tokio::test]
async fn the_main_listener_asks_for_the_metrics_token() {
    let app = with_token().await;
    for token in [None, Some("metrics-token-Jx42Lw9Q"), Some("")] {
        let response = metrics_at(&app.client, &app.address, token).await;
        assert_eq!(response.status(), 401, "{token:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body = response.text().await.expect("body");
        assert!(body.contains("Authorization: Bearer <METRICS_TOKEN>"), "{body}");
    }
    let jwt = app.admin_token();
    assert_eq!(metrics_at(&app.client, &app.address, Some(&jwt)).await.status(), 401, "an API token is not it");
    scrape(&app).await;
}

#[tokio::test]
async fn counters_show_exactly_what_deliveries_and_sends_did() {
    let app = with_token().await;
    let now = chrono::Utc::now().timestamp() - 60;
    let two = meta::envelope(
        vec![meta::contact(ANA, "Ana")],
        vec![meta::text("wamid.M1", ANA, now, "un"), meta::text("wamid.M2", ANA, now, "deux")],
        vec![],
    );
    assert_eq!(app.deliver(&two).await["messages_stored"], 2);
    assert_eq!(app.deliver(&two).await["messages_duplicate"], 2, "Meta's redelivery");

    let text = json!({ "to": ANA, "type": "text", "text": { "body": "merci" } });
    assert_eq!(app.send(&text, Some(&app.admin_token())).await.status(), 200);
    app.graph.reply_error(400, 131026, "Message undeliverable");
    assert_eq!(app.send(&text, Some(&app.admin_token())).await.status(), 502);
    let no_recipient = json!({ "type": "text", "text": { "body": "?" } });
    assert_eq!(app.send(&no_recipient, Some(&app.admin_token())).await.status(), 400);
    let delivered = meta::status_notification(vec![meta::status("wamid.FAKE1", "delivered", now + 5, ANA)]);
    assert_eq!(app.deliver(&delivered).await["statuses_applied"], 1);

    let forged = meta::wire_bytes(&two);
    assert_eq!(app.post_webhook_raw(forged, Some(&signature::sign("not-the-secret", b"x"))).await.status(), 401);
    let not_json = b"not json".to_vec();
    let signed = signature::sign(APP_SECRET, &not_json);
    assert_eq!(app.post_webhook_raw(not_json, Some(&signed)).await.status(), 400);
    let huge = vec![b' '; 5000];
    let signed = signature::sign(APP_SECRET, &huge);
    assert_eq!(app.post_webhook_raw(huge, Some(&signed)).await.status(), 413);

    let m = scrape(&app).await;
    let deliveries = |outcome| m.value("wagate_webhook_deliveries_total", &[("outcome", outcome)]);
    let expected = [("processed", 3.0), ("failed", 0.0), ("rejected", 1.0)];
    let refused = [("unauthenticated", 1.0), ("too_large", 1.0), ("unavailable", 0.0)];
    for (outcome, count) in expected.into_iter().chain(refused) {
        assert_eq!(deliveries(outcome), count, "{outcome}");
    }
    assert_eq!(m.value("wagate_messages_ingested_total", &[]), 2.0);
    assert_eq!(m.value("wagate_message_duplicates_total", &[]), 2.0);
    assert_eq!(m.value("wagate_statuses_recorded_total", &[]), 1.0);
    assert_eq!(m.value("wagate_statuses_applied_total", &[]), 1.0);
    assert_eq!(m.value("wagate_ingest_batch_size_count", &[]), 3.0, "one commit per committed delivery");
    assert_eq!(m.value("wagate_ingest_batch_size_sum", &[]), 3.0);
    assert_eq!(m.value("wagate_ingest_batch_size_bucket", &[("le", "1")]), 3.0);
    assert_eq!(m.value("wagate_ingest_commit_seconds_count", &[]), 3.0);
    let sends = |outcome, code| m.value("wagate_sends_total", &[("outcome", outcome), ("meta_code", code)]);
    assert_eq!(sends("sent", ""), 1.0);
    assert_eq!(sends("upstream_error", "131026"), 1.0);
    assert_eq!(sends("bad_user_input", ""), 1.0);
    assert_eq!(m.value("wagate_credits_charged_total", &[("reason", "inbound")]), 2.0);
    assert_eq!(m.value("wagate_credits_charged_total", &[("reason", "outbound")]), 2.0, "the refused send paid too");
    assert_eq!(m.value("wagate_credits_refunded_total", &[]), 1.0, "and was paid back");
    let writes = "the sent one's reservation and stored message, the refused one's reservation and refund";
    assert_eq!(m.value("wagate_send_write_batch_size_sum", &[]), 4.0, "{writes}");
    assert_eq!(m.value("wagate_send_write_batch_size_count", &[]), 4.0, "one after the other, each alone");
    assert_eq!(app.user_by_phone(ANA).await.current_month_credits, 100 - 2 - 2 + 1);
    assert_eq!(m.value("wagate_live_subscribers", &[]), 0.0);
    assert_eq!(m.value("wagate_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), 1.0);
    let turns = |writer| m.value("wagate_write_turn_held_seconds_count", &[("writer", writer)]);
    if app.db().get_database_backend() == DbBackend::Sqlite {
        assert_eq!(turns("ingest"), 4.0, "three committed deliveries and the rejected one took the writers' turn");
        assert_eq!(turns("sends"), 4.0, "{writes}: each took the turn");
        assert_eq!(m.value("wagate_write_turn_wait_seconds_count", &[("writer", "ingest")]), turns("ingest"));
    } else {
        assert_eq!(turns("ingest"), 0.0, "PostgreSQL's writers take no turn");
    }
}

#[tokio::test]
async fn a_send_past_its_deadline_counts_as_a_timeout_and_keeps_its_charge() {
    let app = TestApp::builder().env("METRICS_TOKEN", TOKEN).env("WHATSAPP_SEND_TIMEOUT_MS", "400").spawn().await;
    app.deliver(&meta::text_notification("wamid.IN1", ANA, chrono::Utc::now().timestamp() - 60, "Bonjour")).await;
    app.graph.delay(Duration::from_secs(3));
    let text = json!({ "to": ANA, "type": "text", "text": { "body": "trop tard" } });
    assert_eq!(app.send(&text, Some(&app.admin_token())).await.status(), 504);
    let m = scrape(&app).await;
    assert_eq!(m.value("wagate_sends_total", &[("outcome", "timeout"), ("meta_code", "")]), 1.0);
    assert_eq!(m.value("wagate_credits_charged_total", &[("reason", "outbound")]), 1.0);
    assert_eq!(m.value("wagate_credits_refunded_total", &[]), 0.0, "Meta may have sent it");
}

#[tokio::test]
async fn the_pacers_waits_are_timed_send_by_send() {
    let app = TestApp::builder()
        .env("METRICS_TOKEN", TOKEN)
        .env("WHATSAPP_MAX_MPS", "2")
        .env("WHATSAPP_ENFORCE_SERVICE_WINDOW", "false")
        .spawn()
        .await;
    let token = app.admin_token();
    let texts: Vec<serde_json::Value> =
        (0..3).map(|i| json!({ "to": format!("3361234560{i}"), "type": "text", "text": { "body": "vite" } })).collect();
    let answers = futures::future::join_all(texts.iter().map(|text| app.send(text, Some(&token)))).await;
    assert!(answers.iter().all(|answer| answer.status() == 200));
    let m = scrape(&app).await;
    let waits = |le: &str| m.value("wagate_send_pacing_wait_seconds_bucket", &[("le", le)]);
    assert_eq!(m.value("wagate_send_pacing_wait_seconds_count", &[]), 3.0);
    assert_eq!(waits("0.4096"), 2.0, "two go at once at 2/s");
    assert_eq!(waits("1.6384"), 3.0, "the third waits for the first to be a second old");
}

#[tokio::test]
async fn the_live_subscribers_gauge_follows_open_subscriptions() {
    let app = with_token().await;
    assert_eq!(scrape(&app).await.value("wagate_live_subscribers", &[]), 0.0);
    let mut live = LiveClient::with_token(&app.address, &app.admin_token()).await;
    live.subscribe("subscription { messageEvents { kind } }", json!({})).await;
    app.wait_for_subscribers(1).await;
    assert_eq!(scrape(&app).await.value("wagate_live_subscribers", &[]), 1.0);
    drop(live);
    let app = &app;
    wait_until("the gauge drops back to 0", Duration::from_secs(5), || async move {
        scrape(app).await.value("wagate_live_subscribers", &[]) == 0.0
    })
    .await;
}

#[tokio::test]
async fn metrics_addr_serves_metrics_alone_on_a_port_of_their_own() {
    let app = TestApp::builder().env("METRICS_ADDR", "127.0.0.1:0").spawn().await;
    let own = app.metrics_address.clone().expect("the metrics listener's address");
    assert_ne!(own, app.address);
    let response = metrics_at(&app.client, &own, None).await;
    assert_eq!(response.status(), 200);
    let m = Scrape::parse(&response.text().await.expect("body"));
    assert_eq!(m.value("wagate_webhook_deliveries_total", &[("outcome", "processed")]), 0.0);
    for path in ["/healthz", "/graphql", "/api/whatsapp/webhook"] {
        let elsewhere = app.client.get(format!("{own}{path}")).send().await.expect("GET");
        assert_eq!(elsewhere.status(), 404, "{path} is not on the metrics listener");
    }
    let main = metrics_at(&app.client, &app.address, None).await;
    assert_eq!(main.status(), 404);
    assert!(main.text().await.expect("body").contains("METRICS_ADDR"));
}

#[tokio::test]
async fn with_both_set_the_token_is_asked_on_both_listeners() {
    let app = TestApp::builder().env("METRICS_ADDR", "127.0.0.1:0").env("METRICS_TOKEN", TOKEN).spawn().await;
    let own = app.metrics_address.clone().expect("the metrics listener's address");
    assert_eq!(metrics_at(&app.client, &own, None).await.status(), 401);
    assert_eq!(metrics_at(&app.client, &own, Some(TOKEN)).await.status(), 200);
    scrape(&app).await;
}

#[test]
fn a_metrics_addr_in_use_stops_the_start_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let dir = tempfile::tempdir().expect("dir");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_wagate"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("m.db").display()))
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("METRICS_ADDR", &addr)
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start wagate serve");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = server.kill();
            panic!("wagate serve kept running with METRICS_ADDR taken");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().expect("stderr"), &mut stderr).expect("read");
    assert!(!status.success());
    assert!(stderr.contains("METRICS_ADDR") && stderr.contains(&addr), "{stderr}");
}

#[test]
fn the_exposition_parser_reads_labels_and_escapes() {
    let text = "# TYPE a counter\na{x=\"1\",y=\"q\\\"uo,te\"} 2\n# TYPE b gauge\nb 3.5\n";
    let m = Scrape::parse(text);
    assert_eq!(m.value("a", &[("x", "1"), ("y", "q\"uo,te")]), 2.0);
    assert_eq!(m.value("b", &[]), 3.5);
}
