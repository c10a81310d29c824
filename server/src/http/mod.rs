//! The HTTP doors: one file per door, assembled by [`router`].

mod admin_ui;
mod auth;
mod conversations;
mod fallback;
mod graphql;
mod graphql_ws;
mod health;
mod media;
mod metrics;
mod send;
mod webhook;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, Method, Request, header},
    response::Redirect,
    routing::{get, post},
};
use tower::ServiceBuilder;
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::state::AppState;

/// Every route, with one tracing span per request carrying its request id.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config.webhook_max_body_bytes;
    let cors = cors(&state.config.cors_allowed_origins);
    Router::new()
        .route(
            "/api/whatsapp/webhook",
            get(webhook::verify).post(webhook::receive).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/api/message/send", post(send::send).layer(DefaultBodyLimit::max(send::MAX_BODY_BYTES)))
        .route("/api/media/{media_id}", get(media::get))
        .route("/api/user/{id}/conversations", get(conversations::list))
        .route(
            "/graphql",
            get(graphql::get)
                .post(graphql::post)
                .fallback(graphql::other_method)
                .layer(DefaultBodyLimit::max(graphql::MAX_BODY_BYTES)),
        )
        .route("/graphql/ws", get(graphql_ws::subscribe))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::main_listener))
        .route("/", get(|| async { Redirect::temporary("/admin/") }))
        .nest_service("/admin", admin_ui::service(&state.config.admin_ui_dir))
        .fallback(fallback::no_route)
        .method_not_allowed_fallback(fallback::wrong_method)
        .layer(cors)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(state)
}

/// The router of the metrics listener (`METRICS_ADDR`): `/metrics` only.
pub fn metrics_router(state: AppState) -> Router {
    metrics::own_listener(state)
}

/// Cross-origin access for the configured origins only; with none, no CORS header is ever sent
/// and browsers keep other sites' pages out.
fn cors(origins: &[String]) -> tower::util::Either<CorsLayer, tower::layer::util::Identity> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|origin| HeaderValue::from_str(origin).ok()).collect();
    let layer = (!origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .max_age(std::time::Duration::from_secs(3600))
    });
    tower::util::option_layer(layer)
}

/// The span of one request: method, path (never the query string, which may carry the verify
/// token) and request id.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
}
