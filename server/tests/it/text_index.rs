//! SQLite's text index takes messages in behind ingest (`Domain::index_new_texts`, run by the
//! server every `TEXT_INDEX_INTERVAL_MS`): a search finds a message before the index has it and after, and the
//! index stays exactly the table's through changes and deletions on either side of its mark.
//! On PostgreSQL the GIN index follows the table by itself and there is nothing to take in.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use serde_json::json;

use crate::{
    search::{deliver_texts, found, wamids},
    support::{TestApp, migrate_down_from, wait_until},
};

/// Segments the text index is made of: FTS5 keeps one row per segment and leaf page's first
/// term in `conversations_fts_idx`.
async fn segments(db: &impl ConnectionTrait) -> i64 {
    value(db, "SELECT count(DISTINCT segid) FROM conversations_fts_idx").await
}

async fn value(db: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = db.query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, sql)).await.expect(sql).expect(sql);
    row.try_get_by_index(0).expect(sql)
}

async fn mark(db: &impl ConnectionTrait) -> i64 {
    value(db, "SELECT indexed_through FROM conversations_fts_mark").await
}

async fn id_of(db: &impl ConnectionTrait, wamid: &str) -> i64 {
    value(db, &format!("SELECT id FROM conversations WHERE message_id = 'wamid.{wamid}'")).await
}

/// The ids the text index names for `term`.
async fn indexed(db: &impl ConnectionTrait, term: &str) -> Vec<i64> {
    let sql = format!("SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH '\"{term}\"' ORDER BY rowid");
    let rows = db.query_all_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, sql)).await.expect("match");
    rows.iter().map(|row| row.try_get_by_index(0).expect("rowid")).collect()
}

/// FTS5's own check that the index holds exactly what the table does (a command written as an
/// insert, so in a write).
async fn assert_index_matches_table(app: &TestApp) {
    let check = app.write().await;
    check
        .execute_unprepared("INSERT INTO conversations_fts(conversations_fts, rank) VALUES ('integrity-check', 1)")
        .await
        .expect("the text index holds exactly the table's contents");
    check.commit().await.expect("commit");
}

async fn catch_up(app: &TestApp) {
    while app.domain().index_new_texts(2).await.expect("index") > 0 {}
}

/// A connection of its own to the test's SQLite file, holding its write lock from
/// `BEGIN IMMEDIATE` on: the server's writers (its text indexer among them) wait meanwhile.
async fn locker(app: &TestApp) -> DatabaseConnection {
    let mut options = ConnectOptions::new(app.database_url.clone());
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await.expect("connect")
}

/// Begins a write on `lock` with the messages `wamids` out of the text index (above its mark),
/// taking them out again if the server's indexer had taken them in: as they are between being
/// stored and being indexed. Rows of higher ids must not be indexed.
async fn hold_with_unindexed(lock: &DatabaseConnection, wamids: &[&str]) {
    loop {
        lock.execute_unprepared("BEGIN IMMEDIATE").await.expect("lock");
        let mut lowest = i64::MAX;
        for wamid in wamids {
            lowest = lowest.min(id_of(lock, wamid).await);
        }
        if mark(lock).await < lowest {
            return;
        }
        lock.execute_unprepared(&format!(
            "INSERT INTO conversations_fts(conversations_fts, rowid, content) \
             SELECT 'delete', id, content FROM conversations WHERE id >= {lowest} AND id <= \
             (SELECT indexed_through FROM conversations_fts_mark)"
        ))
        .await
        .expect("take out of the index");
        lock.execute_unprepared(&format!("UPDATE conversations_fts_mark SET indexed_through = {}", lowest - 1))
            .await
            .expect("mark");
        lock.execute_unprepared("COMMIT").await.expect("commit");
    }
}

#[tokio::test]
async fn a_message_is_found_before_the_text_index_takes_it_in_and_after_the_server_has() {
    let app = TestApp::spawn().await;
    let ana = deliver_texts(&app, "Z", 1_700_000_000, &["Off to ZANZIBAR"]).await;
    let search = || json!({ "search": "zanzibar" });
    if app.db().get_database_backend() != DbBackend::Sqlite {
        assert_eq!(app.domain().index_new_texts(10).await.expect("no-op"), 0);
        assert_eq!(found(&app, ana, search()).await, wamids(&["Z1"]));
        return;
    }
    let lock = locker(&app).await;
    hold_with_unindexed(&lock, &["Z1"]).await;
    let id = id_of(&lock, "Z1").await;
    assert!(indexed(&lock, "zanzibar").await.is_empty(), "the message is not in the index yet");
    assert_eq!(found(&app, ana, search()).await, wamids(&["Z1"]), "found above the mark");
    lock.execute_unprepared("ROLLBACK").await.expect("unlock");

    let db = app.db();
    wait_until("the server indexes the message", Duration::from_secs(10), || async { mark(db).await >= id }).await;
    assert_eq!(indexed(db, "zanzibar").await, vec![id]);
    assert_eq!(found(&app, ana, search()).await, wamids(&["Z1"]), "found through the index");
    assert_index_matches_table(&app).await;
}

#[tokio::test]
async fn the_text_index_follows_changes_and_deletions_on_both_sides_of_its_mark() {
    let app = TestApp::spawn().await;
    if app.db().get_database_backend() != DbBackend::Sqlite {
        assert_eq!(app.domain().index_new_texts(10).await.expect("no-op"), 0);
        return;
    }
    deliver_texts(&app, "B", 1_700_000_000, &["Bonjour", "Merci"]).await;
    catch_up(&app).await;
    let ana = deliver_texts(&app, "C", 1_700_000_010, &["Hola", "Gracias"]).await;
    let lock = locker(&app).await;
    hold_with_unindexed(&lock, &["C1", "C2"]).await;
    assert!(mark(&lock).await >= id_of(&lock, "B2").await, "B1 and B2 are indexed");
    for change in [
        "UPDATE conversations SET content = 'Zanzibar, again' WHERE message_id = 'wamid.B1'",
        "UPDATE conversations SET content = 'Zanzibar!' WHERE message_id = 'wamid.C1'",
        "DELETE FROM conversations WHERE message_id IN ('wamid.B2', 'wamid.C2')",
    ] {
        lock.execute_unprepared(change).await.expect(change);
    }
    lock.execute_unprepared("COMMIT").await.expect("commit");

    assert_eq!(found(&app, ana, json!({ "search": "zanzibar" })).await, wamids(&["C1", "B1"]));
    catch_up(&app).await;
    let db = app.db();
    assert_index_matches_table(&app).await;
    assert_eq!(found(&app, ana, json!({ "search": "zanzibar" })).await, wamids(&["C1", "B1"]));
    for gone in ["bonjour", "merci", "hola", "gracias"] {
        assert!(indexed(db, gone).await.is_empty(), "{gone} left in the index");
        assert!(found(&app, ana, json!({ "search": gone })).await.is_empty(), "{gone} still found");
    }
}

#[tokio::test]
async fn undoing_the_deferral_indexes_what_was_left_and_indexes_each_new_message_at_once() {
    let app = TestApp::spawn().await;
    let sqlite = app.db().get_database_backend() == DbBackend::Sqlite;
    let lock = locker(&app).await;
    let ana = deliver_texts(&app, "D", 1_700_000_000, &["Zanzibar"]).await;
    if sqlite {
        hold_with_unindexed(&lock, &["D1"]).await;
        lock.execute_unprepared("COMMIT").await.expect("commit");
    }
    // The deferral undone, and the migrations after it (FTS5's own merging back on, and others
    // with nothing to undo here).
    migrate_down_from(app.db(), "m20261203_000012").await;
    let db = app.db();
    if sqlite {
        assert_index_matches_table(&app).await;
        deliver_texts(&app, "E", 1_700_000_010, &["Zanzibar too"]).await;
        let ids = vec![id_of(db, "D1").await, id_of(db, "E1").await];
        assert_eq!(indexed(db, "zanzibar").await, ids, "indexed by the trigger again");
    } else {
        deliver_texts(&app, "E", 1_700_000_010, &["Zanzibar too"]).await;
    }
    Migrator::up(db, None).await.expect("defer again");
    if sqlite {
        assert_eq!(mark(db).await, id_of(db, "E1").await, "everything stored so far is indexed");
        assert_index_matches_table(&app).await;
    }
    assert_eq!(found(&app, ana, json!({ "search": "ZANZIBAR" })).await, wamids(&["E1", "D1"]));
}

#[tokio::test]
async fn the_text_index_merges_its_segments_a_step_per_batch_and_not_by_itself() {
    // The server's own indexer waits an hour between passes, so that each call below is one
    // batch, one segment. Its first pass runs at start and may take the first message itself:
    // that is one segment too, so messages are delivered and indexed one at a time.
    let app = TestApp::builder().env("TEXT_INDEX_INTERVAL_MS", "3600000").spawn().await;
    let db = app.db();
    let search = || json!({ "search": "zanzibar 19" });
    if db.get_database_backend() != DbBackend::Sqlite {
        let ana = deliver_texts(&app, "M", 1_700_000_000, &["Zanzibar 19"]).await;
        assert_eq!(app.domain().index_new_texts(1).await.expect("no-op"), 0, "PostgreSQL's index follows by itself");
        assert_eq!(found(&app, ana, search()).await, wamids(&["M1"]));
        return;
    }
    let option = |name: &str| format!("SELECT v FROM conversations_fts_config WHERE k = '{name}'");
    assert_eq!(value(db, &option("automerge")).await, 0, "FTS5 merges only when the indexer says so");
    assert_eq!(value(db, &option("usermerge")).await, 8, "eight segments of a level into one");
    let mut counts = Vec::new();
    let mut ana = 0;
    for n in 0..20 {
        ana = deliver_texts(&app, &format!("M{n}_"), 1_700_000_000 + n, &[&format!("Zanzibar {n}")]).await;
        assert!(app.domain().index_new_texts(1).await.expect("index") <= 1, "one message at most");
        assert_eq!(mark(db).await, id_of(db, &format!("M{n}_1")).await, "message {n} is indexed");
        counts.push(segments(db).await);
    }
    // Merged eight into one as they come, a level never holds more than eight; unmerged, the
    // segments would pile up to 15 (FTS5 merges a level by itself only at 16).
    assert!(counts.iter().all(|&n| n <= 8), "segments after each one-message batch: {counts:?}");
    assert!(counts.windows(2).filter(|pair| pair[1] < pair[0]).count() >= 2, "two merges in 20 batches: {counts:?}");
    assert_index_matches_table(&app).await;
    assert_eq!(found(&app, ana, search()).await, wamids(&["M19_1"]));
}
