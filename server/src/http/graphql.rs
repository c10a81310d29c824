//! `POST /graphql` (GraphQL over HTTP) and GraphiQL on `GET /graphql`.

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    extract::State,
    http::{HeaderMap, header},
    response::Html,
};

use crate::{graphql::auth::Credentials, state::AppState};

/// Runs one GraphQL request with the caller's credentials in the context.
pub async fn execute(State(state): State<AppState>, headers: HeaderMap, request: GraphQLRequest) -> GraphQLResponse {
    let header = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let credentials = match state.jwt.viewer_from_header(header) {
        Ok(viewer) => Credentials::Viewer(viewer),
        Err(refusal) => Credentials::Refused(refusal.message()),
    };
    state.schema.execute(request.into_inner().data(credentials)).await.into()
}

/// The GraphiQL explorer.
pub async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").finish())
}
