//! Reads built for size: a page of a user's conversations, first or deep, with any filter, is
//! one seek on an index in list order. The statements are captured as the domain runs them and
//! explained on the backend under test: no OFFSET, no COUNT, no sort, no scan of the table,
//! and a cursor that seeks instead of skipping.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use wagate::{
    auth::{Role, Viewer},
    domain::{
        Domain,
        conversations::ConversationFilter,
        credits::PriceTable,
        message::{Direction, Status},
    },
    events::EventBus,
    metrics::Metrics,
    store::{PoolSettings, SqliteSync, StatementCounter, Store, connect, pagination::TimeCursor},
};

use crate::support::{TestApp, meta};

pub const ANA: &str = "33612345678";

/// A domain over the app's database, opened anew, that records every statement it reads with.
pub async fn recording(app: &TestApp) -> (Domain, Arc<Mutex<Vec<Statement>>>) {
    let settings =
        PoolSettings { acquire_timeout: Duration::from_secs(5), max_connections: 2, sqlite_sync: SqliteSync::Full };
    let db = connect(&app.database_url, settings).await.expect("connect");
    let mut store =
        Store::open(db, &app.database_url, settings, &StatementCounter::default()).await.expect("open the store");
    let statements = Arc::new(Mutex::new(Vec::new()));
    let sink = statements.clone();
    store.db.set_metric_callback(move |info| sink.lock().unwrap().push(info.statement.clone()));
    let events = EventBus::new(16);
    let domain =
        Domain::new(store, PriceTable::with_overrides(Default::default()), 100, events.clone(), Metrics::new(events));
    (domain, statements)
}

/// Each filter, with the index whose leading columns are its equality conditions, when it
/// has one (a contact or a search too short for the text index is checked row by row along the
/// user's newest-first index; longer searches are in `search_plans`).
fn filters() -> Vec<(&'static str, ConversationFilter, Option<&'static str>)> {
    let none = ConversationFilter::default();
    let direction = Some("idx_conversations_user_direction_newest");
    vec![
        ("none", none.clone(), None),
        ("direction", ConversationFilter { direction: Some(Direction::Inbound), ..none.clone() }, direction),
        ("type", ConversationFilter { kind: Some("image".into()), ..none.clone() }, None),
        (
            "direction + type",
            ConversationFilter { direction: Some(Direction::Inbound), kind: Some("text".into()), ..none.clone() },
            direction,
        ),
        (
            "status",
            ConversationFilter { status: Some(Status::Failed), ..none.clone() },
            Some("idx_conversations_user_status_newest"),
        ),
        ("short search", ConversationFilter { search: Some("ci".into()), ..none.clone() }, None),
        ("contact", ConversationFilter { contact: Some(ANA.into()), ..none.clone() }, None),
        (
            "since + until",
            ConversationFilter {
                since: Utc.timestamp_opt(1_600_000_000, 0).single(),
                until: Utc.timestamp_opt(1_800_000_000, 0).single(),
                ..none
            },
            None,
        ),
    ]
}

/// The backend's plan for `statement`, one line per node. PostgreSQL is told to avoid sorts
/// and table scans at any cost, so a plan that still has one proves that no index can serve
/// the page in order (its tiny test tables would otherwise always be scanned).
pub async fn plan(db: &DatabaseConnection, statement: &Statement) -> Vec<String> {
    explained(db, statement, &["enable_seqscan", "enable_sort", "enable_incremental_sort"]).await
}

/// The backend's plan for `statement`, with the PostgreSQL planner settings `off` turned off.
pub async fn explained(db: &DatabaseConnection, statement: &Statement, off: &[&str]) -> Vec<String> {
    let backend = db.get_database_backend();
    let explain = |prefix: &str| Statement {
        sql: format!("{prefix} {}", statement.sql),
        values: statement.values.clone(),
        db_backend: backend,
    };
    let txn = db.begin().await.unwrap();
    let rows = match backend {
        DbBackend::Postgres => {
            for setting in off {
                txn.execute_unprepared(&format!("SET LOCAL {setting} = off")).await.unwrap();
            }
            txn.query_all_raw(explain("EXPLAIN")).await.unwrap()
        }
        _ => txn.query_all_raw(explain("EXPLAIN QUERY PLAN")).await.unwrap(),
    };
    txn.rollback().await.unwrap();
    let column = if backend == DbBackend::Postgres { "QUERY PLAN" } else { "detail" };
    rows.iter().map(|row| row.try_get::<String>("", column).unwrap()).collect()
}

#[tokio::test]
async fn every_conversations_page_seeks_an_index_in_order_without_offset_count_or_sort() {
    let app = TestApp::spawn().await;
    let messages = (1..=4).map(|n| meta::text(&format!("wamid.P{n}"), ANA, 1_700_000_000 + n, "Merci")).collect();
    app.deliver(&meta::envelope(vec![meta::contact(ANA, "Ana")], messages, vec![])).await;
    let user = app.user_by_phone(ANA).await.id;
    let scope = Viewer { role: Role::Admin, user_id: None }.scope_for(user).unwrap();
    let (domain, statements) = recording(&app).await;
    let deep = TimeCursor { timestamp: 1_700_000_003, id: i64::MAX };

    for (name, filter, index) in filters() {
        for after in [None, Some(deep)] {
            statements.lock().unwrap().clear();
            domain.conversations(scope, &filter, 50, after).await.unwrap();
            let ran = statements.lock().unwrap().clone();
            let page = format!("{name}, {}", if after.is_some() { "after a cursor" } else { "first page" });
            for statement in &ran {
                let sql = statement.sql.to_uppercase();
                assert!(!sql.contains("OFFSET") && !sql.contains("COUNT("), "{page}: {}", statement.sql);
            }
            let select = ran.iter().find(|s| s.sql.contains("FROM \"conversations\"")).expect("the page's SELECT");
            let lines = plan(app.db(), select).await;
            let shown = lines.join("\n");
            let index_lines: Vec<&String> = lines.iter().filter(|l| l.contains("idx_conversations_")).collect();
            assert!(!index_lines.is_empty(), "{page}: no index of conversations serves it:\n{shown}");
            if let Some(index) = index {
                assert!(index_lines.iter().any(|l| l.contains(index)), "{page}: not served by {index}:\n{shown}");
            }
            assert!(
                !lines.iter().any(|l| l.contains("Sort")
                    || l.contains("TEMP B-TREE")
                    || l.contains("Seq Scan")
                    || l.starts_with("SCAN")),
                "{page}: sorts or scans:\n{shown}"
            );
            if after.is_some() {
                let seeks = match app.db().get_database_backend() {
                    DbBackend::Postgres => lines.iter().any(|l| l.contains("Index Cond") && l.contains("timestamp")),
                    _ => index_lines.iter().any(|l| l.contains("timestamp")),
                };
                assert!(seeks, "{page}: the cursor does not seek in the index:\n{shown}");
            }
        }
    }
}
