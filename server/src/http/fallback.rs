//! Answers for requests no route takes, in the API's error shape rather than an empty body.

use axum::http::{Method, Uri};

use crate::error::AppError;

/// A path no route serves: 404.
pub async fn no_route(method: Method, uri: Uri) -> AppError {
    AppError::NotFound(format!(
        "no route answers {method} {}: the routes are listed in the README's API section",
        uri.path()
    ))
}

/// A route asked with a method it does not take: 405, the `Allow` header naming those it does.
pub async fn wrong_method(method: Method, uri: Uri) -> AppError {
    AppError::MethodNotAllowed(format!(
        "{} does not take {method}: use one of the methods in the Allow header",
        uri.path()
    ))
}
