//! `GET /metrics`: Prometheus's text exposition, never open by accident. On the main listener it
//! needs `METRICS_TOKEN` (as a bearer token); `METRICS_ADDR` serves it on a listener of its own,
//! which asks for the token too when one is set. With neither, the main listener answers 404.

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{config::Secret, metrics, state::AppState, whatsapp::signature};

/// `/metrics` on the main listener: only with `METRICS_TOKEN` set and sent.
pub async fn main_listener(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let config = &state.config.metrics;
    match (&config.token, config.addr) {
        (Some(token), _) => expose(&state, Some(token), &headers),
        (None, Some(_)) => not_found(
            "metrics are served on METRICS_ADDR's listener, not here; set METRICS_TOKEN to read them here too",
        ),
        (None, None) => not_found(
            "metrics are off: set METRICS_TOKEN (then send `Authorization: Bearer <METRICS_TOKEN>`) or \
             METRICS_ADDR (a listener of their own, e.g. 127.0.0.1:9090)",
        ),
    }
}

/// The router of `METRICS_ADDR`'s listener: `/metrics` and nothing else.
pub fn own_listener(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(own_metrics))
        .fallback(|| async { not_found("this listener (METRICS_ADDR) serves GET /metrics only") })
        .with_state(state)
}

async fn own_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    expose(&state, state.config.metrics.token.as_ref(), &headers)
}

/// The metrics, when no token is required or the right one was sent.
fn expose(state: &AppState, token: Option<&Secret>, headers: &HeaderMap) -> Response {
    if let Some(token) = token
        && !bearer_is(headers, token)
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer"), (header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "send `Authorization: Bearer <METRICS_TOKEN>` to read the metrics",
        )
            .into_response();
    }
    match state.metrics.render() {
        Ok(text) => ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "the metrics could not be rendered");
            (StatusCode::INTERNAL_SERVER_ERROR, "the metrics could not be rendered").into_response()
        }
    }
}

/// Whether `Authorization` carries `token` as a bearer token (compared in constant time).
fn bearer_is(headers: &HeaderMap, token: &Secret) -> bool {
    let given = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).and_then(|value| {
        let (scheme, credentials) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| credentials.trim())
    });
    given.is_some_and(|given| signature::same_secret(given, token.expose()))
}

fn not_found(message: &'static str) -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], message).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_the_token_as_a_bearer_credential_is_accepted() {
        let token = Secret::new("metrics-token-0123456789");
        assert!(bearer_is(&authorization("Bearer metrics-token-0123456789"), &token));
        assert!(bearer_is(&authorization("bearer  metrics-token-0123456789 "), &token));
        for refused in
            ["Bearer metrics-token-012345678", "Basic metrics-token-0123456789", "metrics-token-0123456789", "Bearer"]
        {
            assert!(!bearer_is(&authorization(refused), &token), "{refused}");
        }
        assert!(!bearer_is(&HeaderMap::new(), &token));
    }
}
