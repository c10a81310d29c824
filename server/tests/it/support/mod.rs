//! The test harness: the real app on an ephemeral port with a fresh database, and helpers to
//! drive it the way Meta, API clients and admins do.

pub mod fake_graph;
pub mod load;
pub mod meta;
pub mod postgres;
pub mod process;
pub mod workload;
pub mod ws;

use std::{collections::HashMap, time::Duration};

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::oneshot};
use wagate::{
    App,
    auth::{JwtKeys, Role},
    config::{Config, Secret},
    domain::{Domain, outbound::OutboundMessage},
    store::entity::{credit_ledger, user},
    whatsapp::signature,
};

/// The app secret every test app checks webhook signatures with.
pub const APP_SECRET: &str = "test-app-secret";
/// The verify token every test app expects from Meta.
pub const VERIFY_TOKEN: &str = "test-verify-token";
/// The access token the app sends to the fake Graph API.
pub const GRAPH_TOKEN: &str = "test-graph-token";
/// The allowance of every contact a test app meets (`DEFAULT_MONTHLY_CREDITS`).
pub const DEFAULT_CREDITS: i64 = 100;
/// The key test tokens are signed with.
pub const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdefghijklmnop";

/// A running app and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// The app's `DATABASE_URL`.
    pub database_url: String,
    /// The fake Graph API the app sends to.
    pub graph: fake_graph::FakeGraph,
    /// Where the app keeps inbound media.
    pub media_dir: std::path::PathBuf,
    /// `http://127.0.0.1:PORT` of the metrics listener, when `METRICS_ADDR` was set.
    pub metrics_address: Option<String>,
    app_db: DatabaseConnection,
    domain: Domain,
    media: wagate::domain::media::MediaService,
    subscriptions: wagate::graphql::shared_subscriptions::SharedSubscriptions,
    statements: wagate::store::StatementCounter,
    _shutdown: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

/// Settings for one test app; each `env` entry overrides a default variable.
#[derive(Default)]
pub struct TestAppBuilder {
    env: HashMap<String, String>,
}

impl TestAppBuilder {
    /// Sets one environment variable of the app.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.to_owned(), value.to_owned());
        self
    }

    /// Starts the app on a fresh database.
    pub async fn spawn(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let graph = fake_graph::FakeGraph::start().await;
        let mut env: HashMap<String, String> = [
            ("DATABASE_URL", fresh_database(&dir).await),
            ("WHATSAPP_APP_SECRET", APP_SECRET.into()),
            ("WHATSAPP_WEBHOOK_TOKEN", VERIFY_TOKEN.into()),
            ("JWT_SECRET", JWT_SECRET.into()),
            ("DEFAULT_MONTHLY_CREDITS", DEFAULT_CREDITS.to_string()),
            ("ADMIN_UI_DIR", dir.path().join("no-admin-ui").display().to_string()),
            ("WHATSAPP_API_BASE", format!("{}/v23.0", graph.base)),
            ("WHATSAPP_TOKEN", GRAPH_TOKEN.into()),
            ("WHATSAPP_PHONE_NUMBER_ID", meta::PHONE_NUMBER_ID.into()),
            ("WHATSAPP_SEND_TIMEOUT_MS", "3000".into()),
            ("MEDIA_DIR", dir.path().join("media").display().to_string()),
            ("MEDIA_FETCH_TIMEOUT_MS", "3000".into()),
            ("MEDIA_POLL_MS", "50".into()),
            ("MEDIA_RETRY_BASE_MS", "50".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        env.extend(self.env);
        let database_url = env["DATABASE_URL"].clone();
        let media_dir = std::path::PathBuf::from(&env["MEDIA_DIR"]);
        let config = Config::from_lookup(&|name| env.get(name).cloned()).expect("test config");
        let app = App::build(config).await.expect("the app builds");
        let domain = app.state().domain.clone();
        let media = app.state().media.clone();
        let subscriptions = app.state().subscriptions.clone();
        let statements = app.state().statements.clone();
        let app_db = domain.db().clone();
        let metrics_address = app.metrics_addr().map(|addr| format!("http://{addr}"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
        let address = format!("http://{}", listener.local_addr().expect("local addr"));
        let (shutdown, stop) = oneshot::channel();
        tokio::spawn(app.serve(listener, async {
            let _ = stop.await;
        }));
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        TestApp {
            address,
            client,
            database_url,
            graph,
            media_dir,
            metrics_address,
            app_db,
            domain,
            media,
            subscriptions,
            statements,
            _shutdown: shutdown,
            _dir: dir,
        }
    }
}

/// Undoes the migrations from the one whose name starts with `first` to the last, so that a
/// test says which one it steps back over, whatever migrations come after it.
pub async fn migrate_down_from(db: &DatabaseConnection, first: &str) {
    use migration::{Migrator, MigratorTrait};
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let at = names.iter().position(|name| name.starts_with(first)).unwrap_or_else(|| panic!("no migration {first}"));
    let steps = u32::try_from(names.len() - at).expect("a few steps");
    Migrator::down(db, Some(steps)).await.unwrap_or_else(|e| panic!("undo the migrations from {first}: {e}"));
}

/// Polls `done` until it holds; fails naming `what` when `within` has passed.
pub async fn wait_until<F: Future<Output = bool>>(what: &str, within: Duration, done: impl Fn() -> F) {
    let deadline = tokio::time::Instant::now() + within;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A temp SQLite file, or a new database on `TEST_DATABASE_URL`'s PostgreSQL server.
async fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) => postgres::create_database(&admin_url).await,
        Err(_) => format!("sqlite://{}?mode=rwc", dir.path().join("wagate.db").display()),
    }
}

impl TestApp {
    /// A test app with the default settings.
    pub async fn spawn() -> TestApp {
        TestAppBuilder::default().spawn().await
    }

    /// A test app with settings of its own.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// The environment of a `wagate serve` process ([`process::ServerProcess`]) on this app's
    /// database, with its secrets and allowance.
    pub fn server_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.database_url.clone()),
            ("WHATSAPP_APP_SECRET", APP_SECRET.into()),
            ("JWT_SECRET", JWT_SECRET.into()),
            ("DEFAULT_MONTHLY_CREDITS", DEFAULT_CREDITS.to_string()),
            ("MEDIA_DIR", self.media_dir.display().to_string()),
        ]
    }

    /// The app's own database handle (the tests read and sabotage through it).
    pub fn db(&self) -> &DatabaseConnection {
        &self.app_db
    }

    /// A write transaction on the app's database that waits for SQLite's write lock before it
    /// reads (as the server's writers do), so that a test's own change never fails because a
    /// background task of the server (the text index, the media job) wrote meanwhile.
    pub async fn write(&self) -> sea_orm::DatabaseTransaction {
        wagate::store::begin_write(&self.app_db).await.expect("begin a write")
    }

    /// Moves the balance of the user with `phone` into a past month (2020-01), as if a month
    /// had gone by since it was last touched, at `balance` when given.
    pub async fn age_balance(&self, phone: &str, balance: Option<i64>) {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
        let mut aged = self.user_by_phone(phone).await.into_active_model();
        aged.credits_period = Set("2020-01".into());
        if let Some(balance) = balance {
            aged.current_month_credits = Set(balance);
        }
        let write = self.write().await;
        aged.update(&write).await.expect("age the balance");
        write.commit().await.expect("commit");
    }

    /// The app's media service (its background job runs on its own as well).
    pub fn media(&self) -> &wagate::domain::media::MediaService {
        &self.media
    }

    /// The app's domain services.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// How many SQL statements the app has run so far.
    pub fn statements(&self) -> u64 {
        self.statements.count()
    }

    /// Waits until the app has run no statement for 100 ms (connections opened, first looks
    /// taken), so that a count taken next is the next request's own.
    pub async fn wait_for_statements_to_settle(&self) {
        let mut last = u64::MAX;
        while self.statements() != last {
            last = self.statements();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `count` live subscriptions are registered, so events sent next reach them.
    pub async fn wait_for_subscribers(&self, count: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.domain.events().subscriber_count() < count {
            assert!(tokio::time::Instant::now() < deadline, "{count} subscriptions were not registered within 5 s");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// How many subscription shapes are running (each executes once for all its subscribers).
    pub fn running_shapes(&self) -> usize {
        self.subscriptions.shape_count()
    }

    /// Stores an outbound text as the send service does once Meta accepted it.
    pub async fn seed_outbound(&self, wamid: &str, to: &str) -> wagate::store::entity::conversation::Model {
        self.domain
            .record_outbound(OutboundMessage {
                message_id: wamid.to_owned(),
                from: meta::BUSINESS_NUMBER.to_owned(),
                phone_number_id: meta::PHONE_NUMBER_ID.to_owned(),
                to: to.to_owned(),
                kind: "text".to_owned(),
                raw: json!({ "to": to, "type": "text", "text": { "body": "Hello from the business" } }),
                credits_charged: 0,
                send_ref: None,
            })
            .await
            .expect("record outbound")
    }

    /// A URL on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Posts a notification signed like Meta signs it.
    pub async fn post_webhook(&self, body: &Value) -> reqwest::Response {
        let bytes = meta::wire_bytes(body);
        let sig = signature::sign(APP_SECRET, &bytes);
        self.post_webhook_raw(bytes, Some(&sig)).await
    }

    /// Posts raw bytes with the given signature header (or none).
    pub async fn post_webhook_raw(&self, body: Vec<u8>, signature: Option<&str>) -> reqwest::Response {
        let mut request =
            self.client.post(self.url("/api/whatsapp/webhook")).header("content-type", "application/json").body(body);
        if let Some(sig) = signature {
            request = request.header("x-hub-signature-256", sig);
        }
        request.send().await.expect("webhook request")
    }

    /// Posts a signed notification and insists on 200.
    pub async fn deliver(&self, body: &Value) -> Value {
        let response = self.post_webhook(body).await;
        let status = response.status();
        let report: Value = response.json().await.expect("json report");
        assert_eq!(status, 200, "webhook answered {status}: {report}");
        report
    }

    /// A token for `role`, tied to `user` when given.
    pub fn token(&self, role: Role, user: Option<i64>) -> String {
        JwtKeys::new(&Secret::new(JWT_SECRET)).issue(role, user, Duration::from_secs(3600)).expect("token")
    }

    /// An operator admin token.
    pub fn admin_token(&self) -> String {
        self.token(Role::Admin, None)
    }

    /// Posts Meta's message object to the legacy send route.
    pub async fn send(&self, message: &Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.post(self.url("/api/message/send")).json(message);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send().await.expect("send request")
    }

    /// GET with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send().await.expect("GET")
    }

    /// Runs a GraphQL request and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut request =
            self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send().await.expect("graphql request").json().await.expect("graphql json")
    }

    /// Runs a GraphQL request as an admin and insists there are no errors.
    pub async fn graphql_ok(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables, Some(&self.admin_token())).await;
        assert!(body.get("errors").is_none(), "GraphQL errors: {body}");
        body["data"].clone()
    }

    /// Counts the rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.app_db.get_database_backend();
        let row = self
            .app_db
            .query_one_raw(Statement::from_string(backend, format!("SELECT COUNT(*) AS n FROM {table}")))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("count")
    }

    /// The user with this phone.
    pub async fn user_by_phone(&self, phone: &str) -> user::Model {
        use sea_orm::{ColumnTrait, QueryFilter};
        user::Entity::find()
            .filter(user::Column::Phone.eq(phone))
            .one(&self.app_db)
            .await
            .expect("user query")
            .unwrap_or_else(|| panic!("no user with phone {phone}"))
    }

    /// Asserts that every user's ledger sums to their balance and ends on it.
    pub async fn assert_ledger_matches_balances(&self) {
        let users = user::Entity::find().all(&self.app_db).await.expect("users");
        let ledger = credit_ledger::Entity::find().all(&self.app_db).await.expect("ledger");
        for u in users {
            let rows: Vec<_> = ledger.iter().filter(|e| e.user_id == u.id).collect();
            let sum: i64 = rows.iter().map(|e| e.delta).sum();
            assert_eq!(sum, u.current_month_credits, "ledger sum of user {} differs from the balance", u.id);
            if let Some(last) = rows.iter().max_by_key(|e| e.id) {
                assert_eq!(last.balance_after, u.current_month_credits, "last balance_after of user {}", u.id);
            }
            assert!(u.current_month_credits >= 0, "negative balance for user {}", u.id);
        }
    }
}
