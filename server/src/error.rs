//! The one error table: every failure a caller can meet has a stable code, an HTTP status and
//! a GraphQL `extensions.code`, mapped here and nowhere else.

use async_graphql::ErrorExtensions;
use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

/// An error a request can end with; its message says what went wrong and what to do.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type
/// into an error without extensions, and that conversion would drop `extensions.code` on
/// every `?`. The only conversion is the explicit one below, which keeps the code.
#[derive(Debug)]
pub enum AppError {
    /// No credentials, or credentials that cannot be trusted.
    Unauthenticated(String),
    /// Valid credentials that do not reach this data.
    Forbidden(String),
    /// The thing asked for does not exist (or is not visible to the caller).
    NotFound(String),
    /// The request itself is wrong; the message names the field.
    BadInput(String),
    /// The request body is larger than the server accepts.
    PayloadTooLarge(String),
    /// The route exists but not for this HTTP method (or this operation over this method).
    MethodNotAllowed(String),
    /// The server cannot answer in any media type the `Accept` header allows.
    NotAcceptable(String),
    /// The request body's `Content-Type` is not one the route reads.
    UnsupportedMediaType(String),
    /// The balance cannot pay for the message; nothing was sent.
    InsufficientCredits(String),
    /// A free-form message outside the 24-hour customer service window; nothing was sent.
    OutsideServiceWindow(String),
    /// Sending now would exceed Meta's rate toward this recipient or number; nothing was sent.
    RateLimited(String),
    /// Meta's Graph API refused the request, failed, or could not be reached.
    Upstream(UpstreamError),
    /// The database could not be reached or failed; retrying later is safe.
    Unavailable(sea_orm::DbErr),
    /// Meta accepted a message (this wamid) but storing it failed (the cause): it was sent, and
    /// sending it again would send it twice.
    SentNotStored(String, Box<AppError>),
    /// A live subscriber fell behind and missed events; it should re-query.
    Lagged(String),
}

/// What went wrong on Meta's side of a send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamError {
    /// The HTTP status wagate answers with (502 refused, 503 not configured, 504 timed out).
    pub status: StatusCode,
    /// What happened and what to do.
    pub message: String,
    /// Meta's numeric error code, when Meta answered with one.
    pub meta_code: Option<i64>,
    /// Meta's trace id, for Meta's support.
    pub fbtrace_id: Option<String>,
    /// The request reached Meta and no usable answer came back: the message may have been
    /// sent, so sending it again may send it twice.
    pub maybe_sent: bool,
}

impl AppError {
    /// The stable code shared by REST (`error.code`) and GraphQL (`extensions.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput(_) => "BAD_USER_INPUT",
            Self::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            Self::MethodNotAllowed(_) => "METHOD_NOT_ALLOWED",
            Self::NotAcceptable(_) => "NOT_ACCEPTABLE",
            Self::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            Self::InsufficientCredits(_) => "INSUFFICIENT_CREDITS",
            Self::OutsideServiceWindow(_) => "OUTSIDE_SERVICE_WINDOW",
            Self::RateLimited(_) => "RATE_LIMITED",
            Self::Upstream(_) => "UPSTREAM_ERROR",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::SentNotStored(..) => "SENT_NOT_STORED",
            Self::Lagged(_) => "LAGGED",
        }
    }

    /// What went wrong and what to do, for the caller.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::BadInput(m)
            | Self::PayloadTooLarge(m)
            | Self::MethodNotAllowed(m)
            | Self::NotAcceptable(m)
            | Self::UnsupportedMediaType(m)
            | Self::InsufficientCredits(m)
            | Self::OutsideServiceWindow(m)
            | Self::RateLimited(m)
            | Self::Lagged(m) => m.clone(),
            Self::Upstream(e) => e.message.clone(),
            Self::Unavailable(_) => "the database is unavailable; nothing was changed, retry later".into(),
            Self::SentNotStored(message_id, _) => format!(
                "Meta accepted the message ({message_id}) and its credits were charged, but storing it failed, \
                 so it is missing from the conversation; do not send it again"
            ),
        }
    }

    /// The HTTP status REST answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadInput(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InsufficientCredits(_) => StatusCode::PAYMENT_REQUIRED,
            Self::OutsideServiceWindow(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Upstream(e) => e.status,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::SentNotStored(..) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Lagged(_) => StatusCode::CONFLICT,
        }
    }

    /// Logs server-side failures with their cause; client errors are not worth a log line.
    fn log(&self) {
        match self {
            Self::Unavailable(cause) => {
                tracing::error!(error = %cause, code = self.code(), "request failed in the store")
            }
            Self::SentNotStored(message_id, cause) => {
                tracing::error!(error = ?cause, message_id, "a message Meta accepted could not be stored")
            }
            Self::Upstream(e) => tracing::warn!(meta_code = ?e.meta_code, fbtrace_id = ?e.fbtrace_id, "{}", e.message),
            _ => {}
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Unavailable(err)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut body = json!({ "error": { "code": self.code(), "message": self.message() } });
        match &self {
            Self::Upstream(UpstreamError { meta_code, fbtrace_id, maybe_sent, .. }) => {
                if let Some(code) = meta_code {
                    body["error"]["meta"] = json!({ "code": code, "fbtrace_id": fbtrace_id });
                }
                if *maybe_sent {
                    body["error"]["maybe_sent"] = json!(true);
                }
            }
            Self::SentNotStored(message_id, _) => body["error"]["message_id"] = json!(message_id),
            _ => {}
        }
        (self.status(), Json(body)).into_response()
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.log();
        let code = err.code();
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            match &err {
                AppError::Upstream(UpstreamError { meta_code, maybe_sent, .. }) => {
                    if let Some(meta_code) = meta_code {
                        ext.set("metaCode", *meta_code);
                    }
                    if *maybe_sent {
                        ext.set("maybeSent", true);
                    }
                }
                AppError::SentNotStored(message_id, _) => ext.set("messageId", message_id.as_str()),
                _ => {}
            }
        })
    }
}
