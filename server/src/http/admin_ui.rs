//! The admin SPA under `/admin`: static files, with `index.html` for every unknown path so
//! deep links and reloads work.

use std::path::Path;

use axum::{Router, response::IntoResponse};
use tower_http::services::{ServeDir, ServeFile};

use crate::error::AppError;

/// The service mounted at `/admin`.
pub fn service(dir: &Path) -> Router {
    let index = dir.join("index.html");
    if index.is_file() {
        Router::new().fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
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
