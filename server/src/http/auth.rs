//! The REST viewer extractor: `Authorization: Bearer <JWT>` or 401, with the role the token's
//! account has now.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{auth::Viewer, error::AppError, state::AppState};

/// The authenticated caller of a REST route.
pub struct Authenticated(pub Viewer);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = state.jwt.token_from_header(header)?;
        state.domain.viewer_as_stored(token).await.map(Self)
    }
}
