//! `GET /api/media/{media_id}`: inbound media for viewers who may see its message.

use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};

use crate::{error::AppError, state::AppState};

use super::auth::Authenticated;

/// The file, with its content type; private to the viewer's cache. A contact chose the file
/// (an HTML "document" among them): opened directly, it runs sandboxed, in no origin of ours.
pub async fn get(
    State(state): State<AppState>,
    Authenticated(viewer): Authenticated,
    Path(media_id): Path<String>,
) -> Result<Response, AppError> {
    let file = state.media.get(&viewer, &media_id).await?;
    let headers = [
        (header::CONTENT_TYPE, file.mime_type),
        (header::CACHE_CONTROL, "private, max-age=86400".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'".to_owned(),
        ),
    ];
    Ok((headers, file.bytes).into_response())
}
