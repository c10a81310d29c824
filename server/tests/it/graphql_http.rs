//! GraphQL over HTTP on `/graphql`: the response media type follows `Accept`, GET runs queries
//! only, status codes tell request errors from executed requests, and every refusal says what
//! to send instead.

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use wagate::auth::Role;

use crate::support::TestApp;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";
const TYPENAME: &str = r#"{"query":"{ __typename }"}"#;
const TYPE_BY_NAME: &str = "query Type($name: String!) { __type(name: $name) { name } }";

/// What `/graphql` answered.
struct Answer {
    status: u16,
    content_type: String,
    allow: String,
    body: Value,
    text: String,
}

impl Answer {
    async fn of(response: reqwest::Response) -> Self {
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let (status, content_type, allow) = (response.status().as_u16(), header("content-type"), header("allow"));
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self { status, content_type, allow, body, text }
    }

    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
    }

    fn message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or_default()
    }
}

async fn post(app: &TestApp, accept: &str, body: &str) -> Answer {
    post_as(app, accept, Some("application/json"), body.to_owned(), None).await
}

async fn post_as(app: &TestApp, accept: &str, content_type: Option<&str>, body: String, token: Option<&str>) -> Answer {
    let mut request = app.client.post(app.url("/graphql")).header("accept", accept).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Answer::of(request.send().await.expect("POST /graphql")).await
}

async fn get(app: &TestApp, accept: &str, params: &[(&str, &str)], token: Option<&str>) -> Answer {
    let url = reqwest::Url::parse_with_params(&app.url("/graphql"), params).expect("url");
    let mut request = app.client.get(url).header("accept", accept);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Answer::of(request.send().await.expect("GET /graphql")).await
}

/// Posts `{ __typename }` with no `Accept` header at all (reqwest always adds one), and returns
/// the status and the `Content-Type`.
async fn post_without_accept(app: &TestApp) -> (u16, String) {
    let host = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{TYPENAME}",
        TYPENAME.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_default();
    let content_type = response
        .lines()
        .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    (status, content_type)
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = TestApp::spawn().await;
    let cases = [
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/json", JSON),
        ("*/*", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("application/json, text/plain, */*", JSON),
    ];
    for (accept, expected) in cases {
        let answer = post(&app, accept, TYPENAME).await;
        assert_eq!((answer.status, answer.content_type.as_str()), (200, expected), "{accept}");
        assert_eq!(answer.body, json!({ "data": { "__typename": "Query" } }), "{accept}");
    }
    assert_eq!(post_without_accept(&app).await, (200, GRAPHQL_RESPONSE_JSON.to_owned()));
}

#[tokio::test]
async fn an_accept_allowing_neither_json_type_is_406() {
    let app = TestApp::spawn().await;
    for accept in ["text/csv", "application/xml, text/*", "application/graphql-response+json;q=0, text/html"] {
        let answer = post(&app, accept, TYPENAME).await;
        assert_eq!((answer.status, answer.code()), (406, "NOT_ACCEPTABLE"), "{accept}: {}", answer.text);
        assert!(answer.message().contains("`Accept`"), "{}", answer.message());
    }
}

#[tokio::test]
async fn get_runs_a_query_from_the_query_string_with_the_callers_credentials() {
    let app = TestApp::spawn().await;
    let typed =
        get(&app, "application/json", &[("query", TYPE_BY_NAME), ("variables", r#"{"name":"Query"}"#)], None).await;
    assert_eq!((typed.status, typed.content_type.as_str()), (200, JSON));
    assert_eq!(typed.body, json!({ "data": { "__type": { "name": "Query" } } }));

    let users = "{ users { edges { node { id } } } }";
    let admin = get(&app, "application/graphql-response+json", &[("query", users)], Some(&app.admin_token())).await;
    assert_eq!(admin.status, 200);
    assert!(admin.body.get("errors").is_none(), "{}", admin.text);
    let anonymous = get(&app, "application/graphql-response+json", &[("query", users)], None).await;
    assert_eq!((anonymous.status, anonymous.code()), (200, "UNAUTHENTICATED"), "{}", anonymous.text);
}

#[tokio::test]
async fn a_mutation_over_get_is_405_with_allow_post_and_does_not_run() {
    let app = TestApp::spawn().await;
    let mutation = r#"mutation { markAsRead(messageId: "wamid.IN") }"#;
    for accept in ["application/graphql-response+json", "application/json"] {
        let answer = get(&app, accept, &[("query", mutation)], Some(&app.admin_token())).await;
        assert_eq!((answer.status, answer.allow.as_str()), (405, "POST"), "{accept}: {}", answer.text);
        assert_eq!(answer.code(), "METHOD_NOT_ALLOWED");
        assert!(answer.message().contains("send it with POST"), "{}", answer.message());
    }
    let named = [("query", "query Q { __typename } mutation M { __typename }"), ("operationName", "M")];
    assert_eq!(get(&app, "application/json", &named, None).await.status, 405);
    assert!(app.graph.requests().is_empty(), "a mutation sent over GET reached Meta");
}

#[tokio::test]
async fn parse_and_validation_failures_are_400_in_graphql_response_json_and_200_in_application_json() {
    let app = TestApp::spawn().await;
    let nested = "ofType { ".repeat(8);
    let too_deep = format!(
        "{{ me {{ id }} __schema {{ types {{ fields {{ type {{ {nested} name {} }} }} }} }} }}",
        "} ".repeat(8)
    );
    let too_many_lists = "{ me { id } __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let cases = [
        ("document does not parse", json!({ "query": "{" }), "expected selection"),
        ("unknown field", json!({ "query": "{ notAField }" }), "Unknown field"),
        ("variable coercion", json!({ "query": TYPE_BY_NAME, "variables": { "name": null } }), "Invalid value"),
        ("unknown operation", json!({ "query": "query A { __typename }", "operationName": "B" }), "Unknown operation"),
        ("deeper than the limit", json!({ "query": too_deep }), "nested too deep"),
        ("introspection's lists too nested", json!({ "query": too_many_lists }), "at most 3 are allowed"),
    ];
    for (case, body, reason) in cases {
        let strict = post(&app, "application/graphql-response+json", &body.to_string()).await;
        assert_eq!((strict.status, strict.content_type.as_str()), (400, GRAPHQL_RESPONSE_JSON), "{case}");
        let legacy = post(&app, "application/json", &body.to_string()).await;
        assert_eq!((legacy.status, legacy.content_type.as_str()), (200, JSON), "{case}");
        for answer in [strict, legacy] {
            assert!(answer.body.get("data").is_none(), "{case}: no data entry before execution: {}", answer.text);
            assert!(answer.message().contains(reason), "{case}: {}", answer.text);
        }
    }
}

#[tokio::test]
async fn malformed_requests_are_400_in_either_media_type_and_say_what_to_send() {
    let app = TestApp::spawn().await;
    let cases = [
        ("", "the request body is empty"),
        (r#"{ "not a JSON"#, "not valid JSON"),
        (r#"{"qeury":"{ __typename }"}"#, "no `query`"),
        (r#"{"query":42}"#, "`query` must be a string"),
        (r#"{"query":"{ __typename }","variables":"{}"}"#, "`variables` must be a JSON object"),
        (r#"{"query":"{ __typename }","operationName":false}"#, "`operationName` must be"),
    ];
    for accept in ["application/graphql-response+json", "application/json"] {
        for (body, expected) in cases {
            let answer = post(&app, accept, body).await;
            assert_eq!((answer.status, answer.code()), (400, "BAD_USER_INPUT"), "{accept} {body}: {}", answer.text);
            assert!(answer.message().contains(expected), "{body}: {}", answer.message());
        }
    }
    let bad_variables =
        get(&app, "application/json", &[("query", "{ __typename }"), ("variables", "{oops")], None).await;
    assert_eq!((bad_variables.status, bad_variables.code()), (400, "BAD_USER_INPUT"), "{}", bad_variables.text);
}

#[tokio::test]
async fn a_batch_is_refused_as_unsupported() {
    let app = TestApp::spawn().await;
    let batch = format!("[{TYPENAME},{TYPENAME}]");
    let answer = post(&app, "application/json", &batch).await;
    assert_eq!((answer.status, answer.code()), (400, "BAD_USER_INPUT"), "{}", answer.text);
    assert!(answer.message().contains("batched requests"), "{}", answer.message());
    assert!(answer.message().contains("one operation per request"), "{}", answer.message());
}

#[tokio::test]
async fn only_json_bodies_are_read_and_other_content_types_are_415() {
    let app = TestApp::spawn().await;
    let accept = "application/graphql-response+json";
    for content_type in
        [None, Some("text/plain"), Some("application/graphql"), Some("application/json; charset=latin1")]
    {
        let answer = post_as(&app, accept, content_type, TYPENAME.to_owned(), None).await;
        assert_eq!((answer.status, answer.code()), (415, "UNSUPPORTED_MEDIA_TYPE"), "{content_type:?}");
        assert!(answer.message().contains("Content-Type: application/json"), "{}", answer.message());
    }
    let utf8 = post_as(&app, accept, Some("application/json; charset=utf-8"), TYPENAME.to_owned(), None).await;
    assert_eq!(utf8.status, 200);
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    let app = TestApp::spawn().await;
    let huge = json!({ "query": "{ __typename }", "variables": { "pad": "x".repeat(1024 * 1024) } }).to_string();
    let answer = post_as(&app, "application/json", Some("application/json"), huge, None).await;
    assert_eq!((answer.status, answer.code()), (413, "PAYLOAD_TOO_LARGE"), "{}", answer.text);
    assert!(answer.message().contains("1048576 bytes"), "{}", answer.message());
}

#[tokio::test]
async fn other_methods_are_405_naming_get_and_post() {
    let app = TestApp::spawn().await;
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::PATCH] {
        let response = app.client.request(method.clone(), app.url("/graphql")).send().await.expect("request");
        let answer = Answer::of(response).await;
        assert_eq!((answer.status, answer.code()), (405, "METHOD_NOT_ALLOWED"), "{method}");
        assert!(answer.allow.contains("GET") && answer.allow.contains("POST"), "{method}: {}", answer.allow);
    }
}

#[tokio::test]
async fn graphiql_is_served_to_a_browser_and_a_client_without_query_gets_400() {
    let app = TestApp::spawn().await;
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let page = get(&app, browser, &[], None).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{}", page.content_type);
    assert!(page.text.to_lowercase().contains("graphiql"));

    let client = get(&app, "application/graphql-response+json", &[], None).await;
    assert_eq!((client.status, client.code()), (400, "BAD_USER_INPUT"), "{}", client.text);
    assert!(client.message().contains("no `query` parameter"), "{}", client.message());
}

#[tokio::test]
async fn execution_errors_stay_200_with_data_and_their_codes() {
    let app = TestApp::spawn().await;
    let users = json!({ "query": "{ users { edges { node { id } } } }" }).to_string();
    app.deliver(&crate::support::meta::text_notification("wamid.U1", "33612345678", 1, "hello")).await;
    let user_token = app.token(Role::User, Some(app.user_by_phone("33612345678").await.id));
    for accept in ["application/graphql-response+json", "application/json"] {
        let anonymous = post(&app, accept, &users).await;
        assert_eq!((anonymous.status, anonymous.code()), (200, "UNAUTHENTICATED"), "{accept}: {}", anonymous.text);
        assert!(anonymous.body.get("data").is_some(), "executed requests carry `data`: {}", anonymous.text);
        assert!(anonymous.message().contains("Authorization: Bearer"), "{}", anonymous.message());

        let user = post_as(&app, accept, Some("application/json"), users.clone(), Some(&user_token)).await;
        assert_eq!((user.status, user.code()), (200, "FORBIDDEN"), "{accept}: {}", user.text);
    }
}

/// GraphiQL and schema tools send graphql-js's introspection query, which nests 15 deep.
#[tokio::test]
async fn the_standard_introspection_query_is_answered() {
    let app = TestApp::spawn().await;
    let query = include_str!("../fixtures/graphql-js-introspection.graphql");
    let answer = post(&app, "application/graphql-response+json", &json!({ "query": query }).to_string()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.body.get("errors").is_none(), "{}", answer.text);
    let types = answer.body["data"]["__schema"]["types"].as_array().cloned().unwrap_or_default();
    let conversation = types.iter().find(|t| t["name"] == "Conversation").expect("Conversation is described");
    assert!(conversation["fields"].as_array().is_some_and(|fields| fields.iter().any(|f| f["name"] == "status")));
}

#[tokio::test]
async fn a_document_with_more_aliases_than_the_limit_is_refused_before_it_runs() {
    let app = TestApp::spawn().await;
    let aliased = |n: usize| (0..n).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" ");
    let allowed = post(
        &app,
        "application/graphql-response+json",
        &json!({ "query": format!("{{ {} }}", aliased(30)) }).to_string(),
    )
    .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    assert_eq!(allowed.body["data"]["a29"], "Query");
    let refused = post(
        &app,
        "application/graphql-response+json",
        &json!({ "query": format!("mutation {{ {} }}", aliased(31)) }).to_string(),
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.message().contains("31 aliases; at most 30"), "{}", refused.text);
}

/// Each password check costs an argon2 hash: a document packing several would make one
/// request cost many, and count as one against the sign-in throttle.
#[tokio::test]
async fn a_document_may_check_one_password() {
    let app = TestApp::spawn().await;
    let login = "login(identifier: \"a@b.c\", password: \"guess\") { token }";
    let two = format!("mutation {{ a: {login} b: {login} }}");
    let refused = post(&app, "application/graphql-response+json", &json!({ "query": two }).to_string()).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.message().contains("checks 2 passwords"), "{}", refused.text);
    let spread = format!(
        "mutation {{ ...G }} fragment G on Mutation {{ {login} c: changePassword(currentPassword: \"x\", newPassword: \"y\") }}"
    );
    let refused = post(&app, "application/graphql-response+json", &json!({ "query": spread }).to_string()).await;
    assert!(refused.message().contains("checks 2 passwords"), "{}", refused.text);
    let one = format!("mutation {{ {login} }}");
    let answered = post(&app, "application/graphql-response+json", &json!({ "query": one }).to_string()).await;
    assert_eq!(answered.code(), "UNAUTHENTICATED", "one is checked: {}", answered.text);
}
