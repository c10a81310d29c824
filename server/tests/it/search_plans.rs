//! Plans of a search for a term the text index can find, on a user with thousands of messages:
//! a rare term is looked up in the index (SQLite's FTS5 table, PostgreSQL's GIN trigram index),
//! a common one walks the user's messages newest first and stops at the page's end.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement};
use wagate::{
    auth::{Role, Viewer},
    domain::conversations::ConversationFilter,
    store::{entity::conversation, pagination::TimeCursor},
};

use crate::{
    conversation_plans::{ANA, explained, recording},
    support::{TestApp, meta},
};

const ROWS: i64 = 20_000;
const T0: i64 = 1_600_000_000;

/// `ROWS` messages of `user`, one second apart: every 500th mentions Zanzibar, the others say
/// "Merci" or "Bonjour" in turn. PostgreSQL then gathers its statistics, as autovacuum would.
async fn seed(app: &TestApp, user: i64) {
    let now = Utc::now();
    let content = |n: i64| match n {
        n if n % 500 == 0 => "A trip to ZANZIBAR",
        n if n % 2 == 0 => "Merci beaucoup",
        _ => "Bonjour",
    };
    let rows: Vec<conversation::ActiveModel> = (0..ROWS)
        .map(|n| conversation::ActiveModel {
            user_id: Set(user),
            from: Set(ANA.into()),
            to: Set(meta::BUSINESS_NUMBER.into()),
            message_id: Set(format!("wamid.seed{n}")),
            kind: Set("text".into()),
            content: Set(content(n).into()),
            direction: Set("inbound".into()),
            status: Set("received".into()),
            phone_number_id: Set(meta::PHONE_NUMBER_ID.into()),
            raw: Set("{}".into()),
            credits_charged: Set(0),
            timestamp: Set(T0 + n),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    let insert = app.write().await;
    for chunk in rows.chunks(500) {
        conversation::Entity::insert_many(chunk.to_vec()).exec(&insert).await.unwrap();
    }
    insert.commit().await.unwrap();
    if app.db().get_database_backend() == DbBackend::Postgres {
        app.db().execute_unprepared("ANALYZE conversations").await.unwrap();
    }
}

/// The plan of the statement that ran on `table`, as the planner makes it (PostgreSQL only
/// told to avoid scanning the table, which it might do for a table this small).
async fn plan_on(db: &DatabaseConnection, ran: &[Statement], table: &str) -> String {
    let statement = ran.iter().find(|s| s.sql.contains(&format!("FROM {table} "))).expect(table);
    explained(db, statement, &["enable_seqscan"]).await.join("\n")
}

/// Whether `plan` reads the user's messages along their newest-first index (PostgreSQL may still
/// intersect a bitmap of the cursor's range on it with the text index's).
fn walks(plan: &str) -> bool {
    plan.contains("Index Scan Backward using idx_conversations_user_newest")
        || plan.contains("INDEX idx_conversations_user_newest")
}

#[tokio::test]
async fn a_rare_search_term_is_looked_up_in_the_text_index_and_a_common_one_walks_the_newest_first() {
    let app = TestApp::spawn().await;
    app.deliver(&meta::text_notification("wamid.first", ANA, T0 - 1, "Hello")).await;
    let user = app.user_by_phone(ANA).await.id;
    seed(&app, user).await;
    let scope = Viewer { role: Role::Admin, user_id: None }.scope_for(user).unwrap();
    let (domain, statements) = recording(&app).await;
    // As the server's indexer would at its next tick (SQLite; a no-op on PostgreSQL).
    while domain.index_new_texts(5_000).await.unwrap() > 0 {}
    let backend = app.db().get_database_backend();
    let deep = TimeCursor { timestamp: T0 + 2_000, id: i64::MAX };

    for after in [None, Some(deep)] {
        let newest = after.map_or(ROWS - 1, |c| c.timestamp - T0);
        let expected = |keep: fn(&i64) -> bool| -> Vec<i64> { (0..=newest).rev().filter(keep).take(50).collect() };
        statements.lock().unwrap().clear();
        let filter = ConversationFilter { search: Some("ZanziBar".into()), ..Default::default() };
        let page = domain.conversations(scope, &filter, 50, after).await.unwrap();
        let stamps: Vec<i64> = page.rows.iter().map(|r| r.timestamp - T0).collect();
        assert_eq!((stamps, page.has_next_page), (expected(|n| n % 500 == 0), false), "after {after:?}");
        let ran = statements.lock().unwrap().clone();
        let rare = plan_on(app.db(), &ran, "\"conversations\"").await;
        if backend == DbBackend::Postgres {
            assert!(rare.contains("idx_conversations_content_trgm"), "rare term, after {after:?}:\n{rare}");
        } else {
            let probe = plan_on(app.db(), &ran, "conversations_fts").await;
            assert!(probe.contains("conversations_fts VIRTUAL TABLE INDEX"), "probe:\n{probe}");
            assert!(rare.contains("USING INTEGER PRIMARY KEY"), "rare term, after {after:?}:\n{rare}");
            assert!(rare.contains("(rowid>?)"), "the rows not indexed yet, read by id, after {after:?}:\n{rare}");
        }
        assert!(!walks(&rare), "rare term, after {after:?}, walks the user's rows:\n{rare}");

        statements.lock().unwrap().clear();
        let filter = ConversationFilter { search: Some("merci".into()), ..Default::default() };
        let page = domain.conversations(scope, &filter, 50, after).await.unwrap();
        let stamps: Vec<i64> = page.rows.iter().map(|r| r.timestamp - T0).collect();
        assert_eq!((stamps, page.has_next_page), (expected(|n| n % 2 == 0 && n % 500 != 0), true), "after {after:?}");
        let ran = statements.lock().unwrap().clone();
        let shown = plan_on(app.db(), &ran, "\"conversations\"").await;
        assert!(walks(&shown), "common term, after {after:?}:\n{shown}");
        assert!(!shown.contains("Sort") && !shown.contains("TEMP B-TREE"), "common term sorts:\n{shown}");
    }

    // Terms in which the text index finds no trigram would make it read all of itself: kept out
    // (on SQLite those of one or two characters; FTS5 makes trigrams of any three characters).
    let terms: &[&str] = if backend == DbBackend::Postgres { &["zq", "?!?", "% o"] } else { &["zq"] };
    for term in terms {
        statements.lock().unwrap().clear();
        let filter = ConversationFilter { search: Some((*term).into()), ..Default::default() };
        let page = domain.conversations(scope, &filter, 50, None).await.unwrap();
        assert!(page.rows.is_empty(), "{term}");
        let ran = statements.lock().unwrap().clone();
        assert!(!ran.iter().any(|s| s.sql.contains("conversations_fts")), "{term} looked up in the FTS table");
        let shown = plan_on(app.db(), &ran, "\"conversations\"").await;
        assert!(!shown.contains("trgm"), "{term}:\n{shown}");
    }
}
