//! The admin SPA under `/admin`: static files, with `index.html` for every unknown path so
//! deep links and reloads work.

use std::path::Path;

use axum::{
    Router,
    http::{HeaderValue, header},
    response::IntoResponse,
};
use tower_http::{
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

use crate::error::AppError;

/// What the SPA may load: its own scripts and styles, images from its origin (and the blob URLs
/// it makes for media), GraphQL over HTTP and WebSocket to its origin; nobody may frame it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The service mounted at `/admin`, with the security headers of a page that holds an admin's
/// session.
pub fn service(dir: &Path) -> Router {
    let index = dir.join("index.html");
    if index.is_file() {
        let headers = [
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ];
        let files = Router::new().fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)));
        headers.into_iter().fold(files, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value)))
        })
    } else {
        let message = format!(
            "the admin UI is not built in {}: run `make ui`, or set ADMIN_UI_DIR to a built admin-ui",
            dir.display()
        );
        tracing::warn!("{message}");
        Router::new().fallback(move || {
            let message = message.clone();
            async move { AppError::NotFound(message).into_response() }
        })
    }
}
