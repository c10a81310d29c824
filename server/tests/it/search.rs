//! The conversations `search` filter: a case-insensitive substring of the content, LIKE's
//! wildcards taken literally, the same whichever way the rows are found (the text index for a
//! term of three characters or more, the user's messages walked newest first for a shorter one).

use chrono::Utc;
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::{TestApp, meta, migrate_down_from};

const ANA: &str = "33612345678";
const BOB: &str = "33687654321";

const CONVERSATIONS: &str = "query($u: ID!, $f: ConversationFilter, $first: Int, $after: String) {
  conversations(userId: $u, filter: $f, first: $first, after: $after) {
    edges { node { messageId } } pageInfo { hasNextPage endCursor } } }";

/// One page of `user`'s messages: their wamids, newest first, and the cursor after it if more follow.
async fn page(
    app: &TestApp,
    user: i64,
    filter: &Value,
    first: i64,
    after: Option<String>,
) -> (Vec<String>, Option<String>) {
    let vars = json!({ "u": user.to_string(), "f": filter, "first": first, "after": after });
    let data = app.graphql_ok(CONVERSATIONS, vars).await;
    let connection = &data["conversations"];
    let ids = connection["edges"].as_array().expect("edges").iter();
    let ids = ids.map(|e| e["node"]["messageId"].as_str().expect("messageId").to_owned()).collect();
    let more = connection["pageInfo"]["hasNextPage"].as_bool().expect("hasNextPage");
    (ids, more.then(|| connection["pageInfo"]["endCursor"].as_str().expect("endCursor").to_owned()))
}

/// Every one of `user`'s messages that `filter` keeps, newest first.
pub async fn found(app: &TestApp, user: i64, filter: Value) -> Vec<String> {
    page(app, user, &filter, 100, None).await.0
}

/// Delivers Ana's texts, numbered from `first` second on, with wamids `wamid.{prefix}{n}` from 1.
pub async fn deliver_texts(app: &TestApp, prefix: &str, first: i64, bodies: &[&str]) -> i64 {
    let messages = (1..).zip(bodies).map(|(n, body)| meta::text(&format!("wamid.{prefix}{n}"), ANA, first + n, body));
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana")], messages.collect(), vec![])).await;
    app.user_by_phone(ANA).await.id
}

pub fn wamids(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("wamid.{n}")).collect()
}

#[tokio::test]
async fn a_search_finds_messages_stored_by_ingest_and_by_send_whatever_their_case() {
    let app = TestApp::spawn().await;
    let now = Utc::now().timestamp() - 60;
    let ana = deliver_texts(&app, "S", now, &["Merci BEAUCOUP pour tout", "à demain"]).await;
    let sent = json!({ "to": ANA, "type": "text", "text": { "body": "Un grand MeRcI à vous" } });
    assert_eq!(app.send(&sent, Some(&app.admin_token())).await.status(), 200);

    assert_eq!(found(&app, ana, json!({ "search": "merci" })).await, wamids(&["FAKE1", "S1"]));
    assert_eq!(found(&app, ana, json!({ "search": "  BeAuCoUp " })).await, wamids(&["S1"]));
    assert_eq!(found(&app, ana, json!({ "search": "à demain" })).await, wamids(&["S2"]));
    assert_eq!(found(&app, ana, json!({ "search": "MERCI à" })).await, wamids(&["FAKE1"]));
    assert_eq!(found(&app, ana, json!({ "search": "beaucoup POUR" })).await, wamids(&["S1"]));
    assert_eq!(found(&app, ana, json!({ "search": "zanzibar" })).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_search_ignores_case_in_every_alphabet_whether_the_text_index_holds_the_message_or_not() {
    let app = TestApp::spawn().await;
    let bodies = ["École fermée DEMAIN", "Привет, Анна", "ÇA VA ? Ωμέγα", "ecole sans accent"];
    let ana = deliver_texts(&app, "U", 1_700_000_000, &bodies).await;
    let expect = [
        ("école", vec!["U1"]),
        ("ÉCOLE", vec!["U1"]),
        ("FERMÉE", vec!["U1"]),
        ("привет", vec!["U2"]),
        ("АННА", vec!["U2"]),
        ("ça va", vec!["U3"]),
        ("ΩΜΈΓΑ", vec!["U3"]),
        ("é", vec!["U1"]),
        ("ecole", vec!["U4"]),
    ];
    for (term, rows) in &expect {
        assert_eq!(found(&app, ana, json!({ "search": term })).await, wamids(rows), "{term}, not yet indexed");
    }
    until_indexed(&app).await;
    for (term, rows) in &expect {
        assert_eq!(found(&app, ana, json!({ "search": term })).await, wamids(rows), "{term}, indexed");
    }
}

/// Returns once the text index (SQLite) has taken in every stored message; at once elsewhere.
async fn until_indexed(app: &TestApp) {
    if app.db().get_database_backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let behind = app
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "SELECT count(*) AS n FROM conversations WHERE id > (SELECT indexed_through FROM conversations_fts_mark)",
            ))
            .await
            .expect("count")
            .map(|row| row.try_get::<i64>("", "n").expect("n"))
            .unwrap_or_default();
        if behind == 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{behind} messages still not in the text index");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn like_wildcards_and_quotes_in_a_search_match_only_themselves() {
    let app = TestApp::spawn().await;
    let bodies = ["Sale: 50% off_today", "500 offers today", "50x offxtoday", "100%", "say \"hi\" \\o/"];
    let ana = deliver_texts(&app, "W", 1_700_000_000, &bodies).await;

    assert_eq!(found(&app, ana, json!({ "search": "50% OFF_" })).await, wamids(&["W1"]));
    assert_eq!(found(&app, ana, json!({ "search": "% o" })).await, wamids(&["W1"]));
    assert_eq!(found(&app, ana, json!({ "search": "0%" })).await, wamids(&["W4", "W1"]));
    assert_eq!(found(&app, ana, json!({ "search": "_" })).await, wamids(&["W1"]));
    assert_eq!(found(&app, ana, json!({ "search": "\"hi\"" })).await, wamids(&["W5"]));
    assert_eq!(found(&app, ana, json!({ "search": "\\o/" })).await, wamids(&["W5"]));
}

#[tokio::test]
async fn a_search_of_one_or_two_characters_still_matches_anywhere_in_the_content() {
    let app = TestApp::spawn().await;
    let ana = deliver_texts(&app, "T", 1_700_000_000, &["ok", "Ok!", "book", "no"]).await;

    assert_eq!(found(&app, ana, json!({ "search": "OK" })).await, wamids(&["T3", "T2", "T1"]));
    assert_eq!(found(&app, ana, json!({ "search": "k" })).await, wamids(&["T3", "T2", "T1"]));
    assert_eq!(found(&app, ana, json!({ "search": "o" })).await, wamids(&["T4", "T3", "T2", "T1"]));
}

#[tokio::test]
async fn a_filter_holding_a_control_character_is_bad_input_not_an_outage() {
    let app = TestApp::spawn().await;
    let ana = deliver_texts(&app, "N", 1_700_000_000, &["abc def"]).await;
    let query = "query($u: ID!, $f: ConversationFilter) { conversations(userId: $u, filter: $f) { nodes { id } } }";
    for filter in [json!({ "search": "abc\u{0}def" }), json!({ "contact": "336\n12" })] {
        let body = app.graphql(query, json!({ "u": ana.to_string(), "f": filter }), Some(&app.admin_token())).await;
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{filter}: {body}");
        assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("control character")), "{body}");
    }
    let rest = app.get(&format!("/api/user/{ana}/conversations?q=%27%22%00x"), Some(&app.admin_token())).await;
    assert_eq!(rest.status(), 400);
    let reversed = json!({ "since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z" });
    let body = app.graphql(query, json!({ "u": ana.to_string(), "f": reversed }), Some(&app.admin_token())).await;
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("swap them")), "{body}");
}

#[tokio::test]
async fn a_search_combines_with_the_other_filters_and_pages_with_cursors() {
    let app = TestApp::spawn().await;
    let bodies: Vec<String> =
        (1..=12).map(|n| if n % 3 == 0 { format!("Your ORDER #{n} shipped") } else { "hello".into() }).collect();
    let ana = deliver_texts(&app, "C", 1_700_000_000, &bodies.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let image = meta::message("wamid.CI", ANA, 1_700_000_100, "image", json!({ "id": "m1", "caption": "order photo" }));
    let bob = meta::text("wamid.CB", BOB, 1_700_000_101, "order for Bob");
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana"), meta::contact(BOB, "Bob")], vec![image, bob], vec![]))
        .await;

    let search = json!({ "search": "order" });
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let (ids, next) = page(&app, ana, &search, 2, after).await;
        assert!(!ids.is_empty() && ids.len() <= 2, "{ids:?}");
        seen.extend(ids);
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, wamids(&["CI", "C12", "C9", "C6", "C3"]));

    assert_eq!(found(&app, ana, json!({ "search": "ORDER", "type": "image" })).await, wamids(&["CI"]));
    assert_eq!(found(&app, ana, json!({ "search": "order", "type": "text", "direction": "INBOUND" })).await.len(), 4);
    assert_eq!(found(&app, ana, json!({ "search": "order", "direction": "OUTBOUND" })).await, Vec::<String>::new());
    let window = json!({ "search": "order", "since": "2023-11-14T22:13:26Z", "until": "2023-11-14T22:13:30Z" });
    assert_eq!(found(&app, ana, window).await, wamids(&["C9", "C6"]));
    let bob = app.user_by_phone(BOB).await.id;
    assert_eq!(found(&app, bob, search).await, wamids(&["CB"]));
}

#[tokio::test]
async fn a_search_follows_content_changed_or_deleted_in_the_store() {
    // wagate never changes nor deletes a stored message; an operator may, and the index follows.
    let app = TestApp::spawn().await;
    let ana = deliver_texts(&app, "E", 1_700_000_000, &["Bonjour", "Merci"]).await;
    let edit = app.write().await;
    edit.execute_unprepared("UPDATE conversations SET content = 'Zanzibar trip' WHERE message_id = 'wamid.E1'")
        .await
        .expect("edit");
    edit.execute_unprepared("DELETE FROM conversations WHERE message_id = 'wamid.E2'").await.expect("delete");
    edit.commit().await.expect("commit");

    assert_eq!(found(&app, ana, json!({ "search": "zanzibar" })).await, wamids(&["E1"]));
    assert_eq!(found(&app, ana, json!({ "search": "bonjour" })).await, Vec::<String>::new());
    assert_eq!(found(&app, ana, json!({ "search": "merci" })).await, Vec::<String>::new());
    deliver_texts(&app, "F", 1_700_000_010, &["merci encore"]).await;
    assert_eq!(found(&app, ana, json!({ "search": "MERCI" })).await, wamids(&["F1"]));
}

#[tokio::test]
async fn messages_stored_before_the_text_index_existed_are_found_through_it() {
    let app = TestApp::spawn().await;
    migrate_down_from(app.db(), "m20261203_000012").await;
    let ana = deliver_texts(&app, "B", 1_700_000_000, &["Before the index", "hello"]).await;
    Migrator::up(app.db(), None).await.expect("build the text index again");
    deliver_texts(&app, "A", 1_700_000_010, &["After the INDEX"]).await;

    assert_eq!(found(&app, ana, json!({ "search": "the index" })).await, wamids(&["A1", "B1"]));
    assert_eq!(found(&app, ana, json!({ "search": "hello" })).await, wamids(&["B2"]));
}
