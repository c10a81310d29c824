//! Writing `/graphql` answers. The status code depends on how far the request got:
//! executed → 200 (field errors included); not executed (the document did not parse or failed
//! validation) → 400 in `application/graphql-response+json`, 200 in `application/json`;
//! refused at the HTTP level (malformed, wrong method or media type, too large) → its own
//! status in either media type.

use async_graphql::ServerError;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use super::accept::ResponseMedia;
use crate::{error::AppError, graphql::error_codes};

/// The response of a request the schema executed: always 200, with `data` and any `errors`.
pub fn executed(media: ResponseMedia, response: async_graphql::Response) -> Response {
    let cache_control = response.cache_control.value().filter(|_| response.is_ok());
    let extra_headers = response.http_headers.clone();
    let mut reply = body(media, StatusCode::OK, &response);
    if let Some(value) = cache_control.and_then(|v| HeaderValue::from_str(&v).ok()) {
        reply.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    reply.headers_mut().extend(extra_headers);
    reply
}

/// The response of a request that never executed: `errors` only, no `data`, each with a code.
pub fn not_executed(media: ResponseMedia, mut errors: Vec<ServerError>) -> Response {
    errors.iter_mut().for_each(error_codes::code_if_missing);
    let status = match media {
        ResponseMedia::GraphqlResponseJson => StatusCode::BAD_REQUEST,
        ResponseMedia::Json => StatusCode::OK,
    };
    body(media, status, &Errors { errors })
}

/// An HTTP-level refusal, with the error's status and `extensions.code`.
pub fn refused(media: ResponseMedia, error: AppError) -> Response {
    let entry = Refusal { message: error.message(), extensions: Code { code: error.code() } };
    body(media, error.status(), &Errors { errors: [entry] })
}

/// A GraphQL response holding errors only.
#[derive(Serialize)]
struct Errors<T> {
    errors: T,
}

/// One error entry of a refusal.
#[derive(Serialize)]
struct Refusal {
    message: String,
    extensions: Code,
}

#[derive(Serialize)]
struct Code {
    code: &'static str,
}

fn body(media: ResponseMedia, status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, media.content_type())], bytes).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "a GraphQL response could not be serialized");
            let fallback = r#"{"errors":[{"message":"internal error: the response could not be written"}]}"#;
            (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, media.content_type())], fallback)
                .into_response()
        }
    }
}
