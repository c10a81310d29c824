//! `wagate-bench queries`: reading a user's conversations at 1 M messages, through GraphQL over
//! HTTP as the admin UI reads them.
//!
//! Each run starts a fresh server (which creates the schema), seeds it directly (`seed.rs`),
//! then asks for the first page and for the page that starts `--depth` rows deep, for the heavy
//! user and a typical one, with and without filters. The deep page's cursor is reached by
//! walking the pages with `after`, checking that rows come newest first and never twice; then
//! the same page is asked for again and again. Every answer is checked for its row count.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::{
    QueriesArgs,
    seed::{self, ABSENT_WORD, FREQUENT_WORD, Message, Plan},
    server::{Server, admin_token},
    stats::{Latencies, median, median_mib, ms},
};

/// The admin UI's `Conversations` query, with every field it selects.
const QUERY: &str = "query Conversations($userId: ID!, $filter: ConversationFilter, $first: Int, $after: String) {
  conversations(userId: $userId, filter: $filter, first: $first, after: $after) {
    nodes { id userId from to messageId type content direction status timestamp contactName replyTo
            creditsCharged mediaId error { code title details } raw updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}";
/// The page size the admin UI asks for.
const PAGE: u64 = 50;
/// The largest page the API gives, for walking to the deep page.
const WALK_PAGE: u64 = 100;
/// Requests before each case's measured ones...
const WARM_UP: usize = 50;
/// ...for at most this long.
const WARM_UP_BUDGET: Duration = Duration::from_secs(2);

/// A `conversations` filter, as the API takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// No filter.
    None,
    /// `direction: INBOUND, type: "text"`.
    InboundText,
    /// `status: READ`.
    Read,
    /// `status: FAILED` (rare).
    Failed,
    /// `search` for a word in about a fifth of the messages.
    Search,
    /// `search` for a word in none (every row of the user is read).
    SearchAbsent,
}

impl Filter {
    const ALL: [Filter; 6] =
        [Filter::None, Filter::InboundText, Filter::Read, Filter::Failed, Filter::Search, Filter::SearchAbsent];

    fn label(self) -> String {
        match self {
            Filter::None => "none".into(),
            Filter::InboundText => "direction INBOUND + type text".into(),
            Filter::Read => "status READ".into(),
            Filter::Failed => "status FAILED".into(),
            Filter::Search => format!("search \"{FREQUENT_WORD}\""),
            Filter::SearchAbsent => format!("search \"{ABSENT_WORD}\" (no match)"),
        }
    }

    fn input(self) -> Value {
        match self {
            Filter::None => Value::Null,
            Filter::InboundText => json!({ "direction": "INBOUND", "type": "text" }),
            Filter::Read => json!({ "status": "READ" }),
            Filter::Failed => json!({ "status": "FAILED" }),
            Filter::Search => json!({ "search": FREQUENT_WORD }),
            Filter::SearchAbsent => json!({ "search": ABSENT_WORD }),
        }
    }

    /// Whether the server would list `message` under this filter.
    fn matches(self, message: &Message) -> bool {
        match self {
            Filter::None => true,
            Filter::InboundText => message.inbound && message.kind == "text",
            Filter::Read => message.status == "read",
            Filter::Failed => message.status == "failed",
            Filter::Search => message.content.to_lowercase().contains(FREQUENT_WORD),
            Filter::SearchAbsent => message.content.to_lowercase().contains(ABSENT_WORD),
        }
    }

    fn index(self) -> usize {
        Filter::ALL.iter().position(|f| *f == self).unwrap_or_default()
    }
}

/// Which user a case reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Heavy,
    Typical,
}

/// One measured case.
#[derive(Debug, Clone, Copy)]
struct Case {
    who: Who,
    filter: Filter,
    /// Rows skipped before the page (0: the first page).
    depth: u64,
    /// Clients asking at once.
    clients: usize,
}

/// The cases of a run: the heavy user's first pages with every filter and its deep pages with
/// the filters that leave enough rows, a typical user's first pages, and two concurrent ones.
fn cases(depth: u64, clients: usize) -> Vec<Case> {
    let case = |who, filter, depth, clients| Case { who, filter, depth, clients };
    let deep = [Filter::None, Filter::InboundText, Filter::Read, Filter::Search];
    let mut cases = Vec::new();
    for filter in Filter::ALL {
        cases.push(case(Who::Heavy, filter, 0, 1));
        if deep.contains(&filter) {
            cases.push(case(Who::Heavy, filter, depth, 1));
        }
    }
    cases.extend(deep.map(|filter| case(Who::Typical, filter, 0, 1)));
    if clients > 1 {
        cases.push(case(Who::Heavy, Filter::None, 0, clients));
        cases.push(case(Who::Heavy, Filter::None, depth, clients));
    }
    cases
}

/// How many of a user's messages each filter keeps.
#[derive(Debug, Default, Clone)]
struct Census {
    heavy: [u64; Filter::ALL.len()],
    typical: [u64; Filter::ALL.len()],
}

impl Census {
    fn observe(&mut self, plan: Plan, message: &Message) {
        let counts = match message.user {
            Plan::HEAVY => &mut self.heavy,
            user if user == plan.typical() => &mut self.typical,
            _ => return,
        };
        for filter in Filter::ALL {
            counts[filter.index()] += u64::from(filter.matches(message));
        }
    }

    fn rows(&self, who: Who, filter: Filter) -> u64 {
        match who {
            Who::Heavy => self.heavy[filter.index()],
            Who::Typical => self.typical[filter.index()],
        }
    }
}

/// What one case measured.
struct Measured {
    latencies: Latencies,
    errors: u64,
    elapsed: Duration,
    requests: usize,
}

/// What one run measured.
struct Run {
    seeding: Duration,
    database_bytes: u64,
    census: Census,
    measured: Vec<Measured>,
    /// The server's resident memory before the first query, in bytes.
    rss_before: u64,
    /// Its peak resident memory by the end of the last case, in bytes.
    rss_peak: u64,
}

/// Runs the benchmark and prints its report.
pub async fn run(args: &QueriesArgs) -> Result<(), String> {
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut runs = Vec::new();
    for number in 1..=args.runs {
        eprintln!("queries on {backend}: run {number} of {}", args.runs);
        runs.push(one_run(args).await?);
    }
    report(backend, args, &runs);
    Ok(())
}

async fn one_run(args: &QueriesArgs) -> Result<Run, String> {
    let server = Server::start(&args.wagate, args.postgres.as_deref(), &[]).await?;
    let db =
        Database::connect(&server.database_url).await.map_err(|e| format!("cannot open the run's database: {e}"))?;
    let plan = Plan { users: args.users.max(2), messages: args.messages };
    let mut census = Census::default();
    let seeded = seed::seed(&db, plan, |m| census.observe(plan, m)).await?;
    enough_rows(&census, args.depth)?;
    let database_bytes = settle(&db).await?;
    eprintln!(
        "  seeded {} messages over {} users in {:.1} s ({:.0} rows/s), {:.0} MiB",
        plan.messages,
        plan.users,
        seeded.elapsed.as_secs_f64(),
        plan.messages as f64 / seeded.elapsed.as_secs_f64(),
        database_bytes as f64 / 1048576.0
    );
    let client = Client::new(&server).await?;
    let (rss_before, _) = server.memory()?;
    let mut measured = Vec::new();
    for case in cases(args.depth, args.concurrency) {
        let user = seeded.user_ids[match case.who {
            Who::Heavy => Plan::HEAVY,
            Who::Typical => plan.typical(),
        }];
        let after = if case.depth > 0 { Some(client.walk(user, case.filter, case.depth).await?) } else { None };
        let rows = census.rows(case.who, case.filter);
        let expected = rows.saturating_sub(case.depth).min(PAGE) as usize;
        let body = client.body(user, case.filter, PAGE, after.as_deref());
        let budget = Duration::from_secs(args.case_seconds.max(1));
        let result = client.measure(&body, expected, args.requests, case.clients, budget).await;
        eprintln!(
            "  {:>44}: p50 {} ms, p99 {} ms",
            describe(&case),
            ms(result.latencies.quantile(0.5)),
            ms(result.latencies.quantile(0.99))
        );
        measured.push(result);
    }
    let (_, rss_peak) = server.memory()?;
    Ok(Run { seeding: seeded.elapsed, database_bytes, census, measured, rss_before, rss_peak })
}

/// Fails, before anything is measured, when the heavy user has too few rows for a deep page.
fn enough_rows(census: &Census, depth: u64) -> Result<(), String> {
    for case in cases(depth, 1).iter().filter(|c| c.depth > 0) {
        let rows = census.rows(case.who, case.filter);
        if rows < depth + PAGE {
            return Err(format!(
                "the heavy user has {rows} rows under `{}`, too few for a page {depth} rows deep: \
                 lower --depth or seed more --messages",
                case.filter.label()
            ));
        }
    }
    Ok(())
}

/// Brings the freshly written database to its steady state and returns its size: PostgreSQL's
/// autovacuum would vacuum and analyze the new rows within a minute, so this does it now;
/// SQLite's WAL is checkpointed (wagate never runs ANALYZE on SQLite, so neither does this).
async fn settle(db: &DatabaseConnection) -> Result<u64, String> {
    let backend = db.get_database_backend();
    let fail = |e: sea_orm::DbErr| format!("cannot settle the run's database: {e}");
    let size_sql = match backend {
        sea_orm::DbBackend::Postgres => {
            db.execute_unprepared("VACUUM (ANALYZE) conversations").await.map_err(fail)?;
            db.execute_unprepared("VACUUM (ANALYZE) users").await.map_err(fail)?;
            "SELECT pg_database_size(current_database())::BIGINT AS bytes"
        }
        _ => {
            let indexing = wait_for_text_index(db).await?;
            eprintln!(
                "  the server's text index had every seeded message {:.1} s after the seeding",
                indexing.as_secs_f64()
            );
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.map_err(fail)?;
            "SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()"
        }
    };
    let row = db.query_one_raw(Statement::from_string(backend, size_sql)).await.map_err(fail)?;
    Ok(row.map(|r| r.try_get::<i64>("", "bytes")).transpose().map_err(fail)?.unwrap_or(0) as u64)
}

/// Waits until the server's SQLite text index has taken in every seeded message (it does so in
/// the background, a batch at a time; see `server/src/domain/conversations/text_index.rs`), so
/// that searches are measured as they run in steady use: how long that took.
async fn wait_for_text_index(db: &DatabaseConnection) -> Result<Duration, String> {
    const LIMIT: Duration = Duration::from_secs(600);
    let started = Instant::now();
    let caught_up = Statement::from_string(
        sea_orm::DbBackend::Sqlite,
        "SELECT (SELECT indexed_through FROM conversations_fts_mark) >= \
         (SELECT coalesce(max(id), 0) FROM conversations) AS done",
    );
    loop {
        let row =
            db.query_one_raw(caught_up.clone()).await.map_err(|e| format!("cannot read the text index's mark: {e}"))?;
        if row.map(|r| r.try_get::<bool>("", "done")).transpose().map_err(|e| e.to_string())?.unwrap_or(false) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > LIMIT {
            return Err(format!("the server's text index did not take the seeded messages in within {LIMIT:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks that a walk's rows come newest first by (timestamp, id), none twice, and counts them.
#[derive(Debug, Default)]
struct Walk {
    last: Option<(i64, i64)>,
    rows: u64,
}

impl Walk {
    fn take(&mut self, keys: &[(i64, i64)]) -> Result<(), String> {
        for &key in keys {
            if self.last.is_some_and(|last| key >= last) {
                return Err(format!("row {} of the walk, {key:?}, does not come after {:?}", self.rows, self.last));
            }
            self.last = Some(key);
            self.rows += 1;
        }
        Ok(())
    }
}

/// An HTTP client that speaks GraphQL to the run's server with an admin token.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
    authorization: String,
}

impl Client {
    async fn new(server: &Server) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let authorization = format!("Bearer {}", admin_token()?);
        Ok(Self { http, url: format!("{}/graphql", server.address), authorization })
    }

    fn body(&self, user: i64, filter: Filter, first: u64, after: Option<&str>) -> Vec<u8> {
        let variables = json!({ "userId": user.to_string(), "filter": filter.input(), "first": first, "after": after });
        json!({ "query": QUERY, "variables": variables }).to_string().into_bytes()
    }

    /// Posts `body`; the answer's bytes and how long it took.
    async fn post(&self, body: &[u8]) -> Result<(Vec<u8>, Duration), String> {
        let sent = Instant::now();
        let response = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("authorization", &self.authorization)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| format!("the request failed: {e}"))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| format!("the answer was cut: {e}"))?;
        let took = sent.elapsed();
        if status != reqwest::StatusCode::OK {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)));
        }
        Ok((bytes.to_vec(), took))
    }

    /// The page's nodes and end cursor, or the GraphQL errors.
    fn page(bytes: &[u8]) -> Result<(Vec<Value>, Option<String>), String> {
        let answer: Value = serde_json::from_slice(bytes).map_err(|e| format!("the answer is not JSON: {e}"))?;
        if let Some(errors) = answer.get("errors") {
            return Err(format!("GraphQL errors: {errors}"));
        }
        let connection = &answer["data"]["conversations"];
        let nodes = connection["nodes"].as_array().cloned().ok_or("the answer has no nodes")?;
        Ok((nodes, connection["pageInfo"]["endCursor"].as_str().map(str::to_owned)))
    }

    /// The cursor after the first `depth` rows, reached page by page.
    async fn walk(&self, user: i64, filter: Filter, depth: u64) -> Result<String, String> {
        let mut walk = Walk::default();
        let mut after: Option<String> = None;
        while walk.rows < depth {
            let first = (depth - walk.rows).min(WALK_PAGE);
            let (bytes, _) = self.post(&self.body(user, filter, first, after.as_deref())).await?;
            let (nodes, end) = Self::page(&bytes)?;
            walk.take(&nodes.iter().map(key).collect::<Result<Vec<_>, _>>()?)?;
            match end {
                Some(end) if !nodes.is_empty() => after = Some(end),
                _ => return Err(format!("user {user} has only {} rows under `{}`", walk.rows, filter.label())),
            }
        }
        after.ok_or_else(|| "a walk of no rows has no cursor".to_owned())
    }

    /// Asks for `body` `requests` times (or until `budget` has passed) after a warm-up, from
    /// `clients` clients at once; each answer must hold `expected` nodes.
    async fn measure(
        &self,
        body: &[u8],
        expected: usize,
        requests: usize,
        clients: usize,
        budget: Duration,
    ) -> Measured {
        let warm_up_until = Instant::now() + WARM_UP_BUDGET;
        let mut warm_up = JoinSet::new();
        for _ in 0..clients {
            let (this, body) = (self.clone(), body.to_vec());
            warm_up.spawn(async move {
                for _ in 0..WARM_UP / clients {
                    if Instant::now() > warm_up_until || this.post(&body).await.is_err() {
                        break;
                    }
                }
            });
        }
        warm_up.join_all().await;
        let started = Instant::now();
        let deadline = started + budget;
        let mut tasks = JoinSet::new();
        for client in 0..clients {
            let (this, body) = (self.clone(), body.to_vec());
            let share = requests / clients + usize::from(client < requests % clients);
            tasks.spawn(async move {
                let (mut latencies, mut errors) = (Vec::with_capacity(share), 0);
                while latencies.len() < share && Instant::now() < deadline {
                    let answer = this.post(&body).await;
                    let ok = answer
                        .as_ref()
                        .is_ok_and(|(bytes, _)| Client::page(bytes).is_ok_and(|(nodes, _)| nodes.len() == expected));
                    latencies.push(answer.as_ref().map_or(Duration::ZERO, |(_, took)| *took));
                    errors += u64::from(!ok);
                }
                (latencies, errors)
            });
        }
        let (mut latencies, mut errors) = (Vec::with_capacity(requests), 0);
        for (l, e) in tasks.join_all().await {
            latencies.extend(l);
            errors += e;
        }
        let requests = latencies.len();
        Measured { latencies: Latencies::new(latencies), errors, elapsed: started.elapsed(), requests }
    }
}

/// A node's (timestamp, id).
fn key(node: &Value) -> Result<(i64, i64), String> {
    let timestamp = node["timestamp"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp())
        .ok_or_else(|| format!("a node has no timestamp: {node}"))?;
    let id = node["id"].as_str().and_then(|id| id.parse().ok()).ok_or_else(|| format!("a node has no id: {node}"))?;
    Ok((timestamp, id))
}

fn describe(case: &Case) -> String {
    let page = if case.depth == 0 { "first".to_owned() } else { format!("after {}", case.depth) };
    let clients = if case.clients > 1 { format!(", {} clients", case.clients) } else { String::new() };
    format!("{:?} {} {page}{clients}", case.who, case.filter.label())
}

/// Prints the medians over the runs as a Markdown table.
fn report(backend: &str, args: &QueriesArgs, runs: &[Run]) {
    let cases = cases(args.depth, args.concurrency);
    let census = runs.last().map(|r| r.census.clone()).unwrap_or_default();
    println!(
        "\n### Conversations queries on {backend}: {} messages over {} users (median of {} runs; per case {} requests or {} s, whichever ends first; page of {PAGE})\n",
        args.messages,
        args.users,
        runs.len(),
        args.requests,
        args.case_seconds
    );
    println!(
        "| user | filter | page | clients | rows matching | requests | p50 ms | p99 ms | p99.9 ms | requests/s | errors |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (index, case) in cases.iter().enumerate() {
        let column =
            |f: &dyn Fn(&Measured) -> f64| median(&runs.iter().map(|r| f(&r.measured[index])).collect::<Vec<_>>());
        let ms_at = |q: f64| column(&|m: &Measured| m.latencies.quantile(q).as_secs_f64() * 1000.0).unwrap_or(0.0);
        let who = match case.who {
            Who::Heavy => format!("heavy ({} messages)", census.rows(Who::Heavy, Filter::None)),
            Who::Typical => format!("typical ({} messages)", census.rows(Who::Typical, Filter::None)),
        };
        let page = if case.depth == 0 { "first".to_owned() } else { format!("{} rows deep", case.depth) };
        println!(
            "| {who} | {} | {page} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {:.0} |",
            case.filter.label(),
            case.clients,
            census.rows(case.who, case.filter),
            column(&|m: &Measured| m.requests as f64).unwrap_or(0.0),
            ms_at(0.5),
            ms_at(0.99),
            ms_at(0.999),
            column(&|m: &Measured| m.requests as f64 / m.elapsed.as_secs_f64()).unwrap_or(0.0),
            column(&|m: &Measured| m.errors as f64).unwrap_or(0.0),
        );
    }
    let seconds = median(&runs.iter().map(|r| r.seeding.as_secs_f64()).collect::<Vec<_>>()).unwrap_or(0.0);
    let mib = median(&runs.iter().map(|r| r.database_bytes as f64 / 1048576.0).collect::<Vec<_>>()).unwrap_or(0.0);
    println!(
        "\nSeeding (direct multi-row INSERTs, {} rows per transaction): {seconds:.1} s, {:.0} messages/s; database {mib:.0} MiB.",
        seed::ROWS_PER_TRANSACTION,
        args.messages as f64 / seconds.max(f64::EPSILON)
    );
    println!(
        "Server RSS: {:.1} MiB before the first query, peak {:.1} MiB by the end of the last case.",
        median_mib(runs.iter().map(|r| r.rss_before)),
        median_mib(runs.iter().map(|r| r.rss_peak))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_takes_rows_newest_first_and_refuses_a_repeat() {
        let mut walk = Walk::default();
        walk.take(&[(100, 9), (100, 8), (99, 20)]).unwrap();
        walk.take(&[(98, 1)]).unwrap();
        assert_eq!(walk.rows, 4);
        assert!(walk.take(&[(98, 1)]).is_err(), "the same row twice");
        assert!(Walk::default().take(&[(5, 1), (5, 2)]).is_err(), "a tie broken upwards");
    }

    #[test]
    fn the_census_counts_what_each_filter_keeps_for_the_heavy_and_the_typical_user() {
        let plan = Plan { users: 100, messages: 20_000 };
        let mut census = Census::default();
        for message in seed::Generator::new(plan, 4) {
            census.observe(plan, &message);
        }
        let heavy = |f| census.rows(Who::Heavy, f);
        assert!((1_800..2_200).contains(&heavy(Filter::None)));
        assert!(heavy(Filter::InboundText) > heavy(Filter::None) / 4);
        assert!(heavy(Filter::Read) > heavy(Filter::None) / 5);
        assert!(heavy(Filter::Search) > heavy(Filter::None) / 8);
        assert!(heavy(Filter::Failed) < heavy(Filter::None) / 20);
        assert_eq!(heavy(Filter::SearchAbsent), 0);
        assert!(census.rows(Who::Typical, Filter::None) > 100);
    }

    #[test]
    fn deep_pages_are_measured_only_where_the_heavy_user_has_the_rows() {
        let all = cases(10_000, 8);
        assert!(all.iter().filter(|c| c.depth > 0).all(|c| c.who == Who::Heavy && c.filter != Filter::Failed));
        assert_eq!(all.iter().filter(|c| c.clients > 1).count(), 2);
        assert!(cases(10_000, 1).iter().all(|c| c.clients == 1));
    }
}
