//! `GET /api/user/{id}/conversations`: the legacy read of a user's messages.

use axum::{
    Json,
    extract::{Path, Query, State, rejection::QueryRejection},
};
use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        conversations::ConversationFilter,
        message::{Direction, Status},
    },
    error::AppError,
    state::AppState,
    store::{
        entity::conversation,
        pagination::{TimeCursor, page_size},
    },
};

use super::auth::Authenticated;

/// Query parameters, in Meta's lowercase words.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    direction: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    contact: Option<String>,
    q: Option<String>,
    since: Option<String>,
    until: Option<String>,
    first: Option<String>,
    after: Option<String>,
}

/// One message in the original model's field names.
#[derive(Debug, Serialize)]
pub struct MessageRow {
    id: i64,
    user_id: i64,
    from: String,
    to: String,
    message_id: String,
    #[serde(rename = "type")]
    kind: String,
    content: String,
    direction: String,
    status: String,
    timestamp: DateTime<Utc>,
    contact_name: Option<String>,
    reply_to: Option<String>,
    credits_charged: i64,
    error: Option<ErrorBody>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: Option<i64>,
    title: Option<String>,
    details: Option<String>,
}

/// A page of messages.
#[derive(Debug, Serialize)]
pub struct ListResponse {
    data: Vec<MessageRow>,
    page_info: PageInfo,
}

#[derive(Debug, Serialize)]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

/// The user's messages, newest first, filtered and paginated.
pub async fn list(
    State(state): State<AppState>,
    Authenticated(viewer): Authenticated,
    Path(user_id): Path<String>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ListResponse>, AppError> {
    let Query(params) = params.map_err(|rejection| {
        AppError::BadInput(format!(
            "the query string could not be read ({}); give each parameter once, e.g. ?direction=inbound&first=50",
            rejection.body_text()
        ))
    })?;
    let user_id: i64 =
        user_id.parse().map_err(|_| AppError::BadInput(format!("the user id must be a number, got `{user_id}`")))?;
    let scope = viewer.scope_for(user_id)?;
    let first = params.first.as_deref().map(|f| f.parse().map_err(|_| bad("first", f, "a number"))).transpose()?;
    let size = page_size(first)?;
    let after = params.after.as_deref().map(TimeCursor::decode).transpose()?;
    let page = state.domain.conversations(scope, &filter(&params)?, size, after).await?;
    let end_cursor = page.rows.last().map(|c| TimeCursor { timestamp: c.timestamp, id: c.id }.encode());
    Ok(Json(ListResponse {
        data: page.rows.into_iter().map(MessageRow::from).collect(),
        page_info: PageInfo { has_next_page: page.has_next_page, end_cursor },
    }))
}

/// The filter the parameters give; a blank parameter (`?type=`, as forms send) is no filter
/// (the domain reads blank text filters as none; the ones parsed here are skipped when blank).
fn filter(p: &ListParams) -> Result<ConversationFilter, AppError> {
    let given = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    Ok(ConversationFilter {
        direction: given(&p.direction)
            .map(|d| Direction::parse(&d).ok_or_else(|| bad("direction", &d, "`inbound` or `outbound`")))
            .transpose()?,
        kind: p.kind.clone(),
        status: given(&p.status)
            .map(|s| {
                Status::parse(&s)
                    .ok_or_else(|| bad("status", &s, "received, accepted, sent, delivered, read, played or failed"))
            })
            .transpose()?,
        contact: p.contact.clone(),
        search: p.q.clone(),
        since: given(&p.since).map(|s| moment("since", &s)).transpose()?,
        until: given(&p.until).map(|s| moment("until", &s)).transpose()?,
    })
}

/// An RFC 3339 date-time or unix seconds.
fn moment(field: &str, text: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| text.parse::<i64>().ok().and_then(|s| Utc.timestamp_opt(s, 0).single()))
        .ok_or_else(|| bad(field, text, "an RFC 3339 date-time (2026-11-25T10:00:00Z) or unix seconds"))
}

fn bad(field: &str, value: &str, expected: &str) -> AppError {
    AppError::BadInput(format!("`{field}` must be {expected}, got `{value}`"))
}

impl From<conversation::Model> for MessageRow {
    fn from(c: conversation::Model) -> Self {
        let has_error = c.error_code.is_some() || c.error_title.is_some() || c.error_details.is_some();
        Self {
            id: c.id,
            user_id: c.user_id,
            timestamp: Utc.timestamp_opt(c.timestamp, 0).single().unwrap_or_default(),
            error: has_error.then_some(ErrorBody {
                code: c.error_code,
                title: c.error_title,
                details: c.error_details,
            }),
            from: c.from,
            to: c.to,
            message_id: c.message_id,
            kind: c.kind,
            content: c.content,
            direction: c.direction,
            status: c.status,
            contact_name: c.contact_name,
            reply_to: c.reply_to,
            credits_charged: c.credits_charged,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}
