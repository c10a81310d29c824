//! `/graphql`: GraphQL over HTTP (POST with a JSON body; GET with query-string parameters, for
//! queries only) and GraphiQL for a browser.
//!
//! The answer's media type comes from `Accept` ([`accept`]); the request is read and checked
//! ([`request`]); the schema runs it with the caller's credentials; the status code follows from
//! how far it got ([`reply`]).

mod accept;
mod reply;
mod request;

use async_graphql::parser::types::OperationType;
use axum::{
    body::Bytes,
    extract::{
        Query, State,
        rejection::{BytesRejection, QueryRejection},
    },
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use self::{accept::ResponseMedia, request::GetParams};
use crate::{
    error::AppError,
    graphql::{auth::Credentials, execution::ExecutionStarted},
    state::AppState,
};

/// GraphiQL, from pinned versions on unpkg.com checked by their integrity hashes.
const GRAPHIQL: &str = include_str!("graphiql.html");

/// The largest request body `/graphql` reads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// `POST /graphql`: one operation, as a JSON object.
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let media = match accept::negotiate(&headers) {
        Ok(media) => media,
        Err(refusal) => return reply::refused(ResponseMedia::Json, refusal),
    };
    let request =
        body.map_err(unreadable_body).and_then(|body| request::from_post(headers.get(header::CONTENT_TYPE), &body));
    match request {
        Ok(request) => run(&state, &headers, media, request, &Method::POST).await,
        Err(refusal) => reply::refused(media, refusal),
    }
}

/// `GET /graphql`: GraphiQL for a browser that sends no `query`, otherwise one query from the
/// query string.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let no_query = params.as_ref().is_ok_and(|Query(params)| params.query.is_none());
    if no_query && accept::accepts_html(&headers) {
        return Html(GRAPHIQL).into_response();
    }
    let media = match accept::negotiate(&headers) {
        Ok(media) => media,
        Err(refusal) => return reply::refused(ResponseMedia::Json, refusal),
    };
    let request = params
        .map_err(|rejection| {
            AppError::BadInput(format!(
                "the query string cannot be read ({}): send `query`, `operationName`, `variables` \
                 and `extensions` once each",
                rejection.body_text()
            ))
        })
        .and_then(|Query(params)| params.into_request());
    match request {
        Ok(request) => run(&state, &headers, media, request, &Method::GET).await,
        Err(refusal) => reply::refused(media, refusal),
    }
}

/// Any other method on `/graphql` (axum adds the `Allow` header).
pub async fn other_method(headers: HeaderMap) -> Response {
    let media = accept::negotiate(&headers).unwrap_or(ResponseMedia::Json);
    let refusal = AppError::MethodNotAllowed("/graphql takes POST (any operation) or GET (queries only)".into());
    reply::refused(media, refusal)
}

/// Runs one well-formed request with the caller's credentials in its data.
async fn run(
    state: &AppState,
    headers: &HeaderMap,
    media: ResponseMedia,
    mut request: async_graphql::Request,
    method: &Method,
) -> Response {
    let mut schema = &state.schemas.main;
    match request::operation(&mut request) {
        Err(parse_error) => return reply::not_executed(media, vec![parse_error]),
        Ok(Some(operation)) if method == Method::GET && operation.kind != OperationType::Query => {
            let refusal = AppError::MethodNotAllowed(format!(
                "a {} cannot run over GET, which is for queries only: send it with POST",
                operation.kind
            ));
            let mut response = reply::refused(media, refusal);
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        Ok(Some(operation)) => {
            if let Some(why) = operation.shape.refusal() {
                return reply::not_executed(media, vec![async_graphql::ServerError::new(why, None)]);
            }
            if operation.shape.only_introspection {
                schema = &state.schemas.introspection;
            }
        }
        Ok(None) => {}
    }
    let started = ExecutionStarted::default();
    let request = request.data(credentials(state, headers).await).data(started.clone());
    let response = schema.execute(request).await;
    if started.has_started() { reply::executed(media, response) } else { reply::not_executed(media, response.errors) }
}

/// The outcome of the request's bearer token, for resolvers to check.
async fn credentials(state: &AppState, headers: &HeaderMap) -> Credentials {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    Credentials::from_authorization(&state.jwt, &state.domain, authorization).await
}

/// A body over [`MAX_BODY_BYTES`] is 413; one that could not be read is 400.
fn unreadable_body(rejection: BytesRejection) -> AppError {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(format!(
            "the request body is larger than {MAX_BODY_BYTES} bytes, the most /graphql reads: send a smaller request"
        )),
        _ => AppError::BadInput(format!("the request body could not be read: {}", rejection.body_text())),
    }
}
