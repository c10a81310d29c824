//! Who is asking: the handler puts the request's [`Credentials`] in the context, and resolvers
//! read the viewer from there.

use async_graphql::Context;

use crate::{
    auth::{JwtKeys, Viewer},
    domain::Domain,
    error::AppError,
};

/// The outcome of checking a request's bearer token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// A valid token.
    Viewer(Viewer),
    /// No token, or one that was refused, and why.
    Refused(String),
}

impl Credentials {
    /// The outcome of checking an `Authorization: Bearer <token>` value (or its absence), with
    /// the role its account has now (see [`Domain::viewer_as_stored`]).
    pub async fn from_authorization(jwt: &JwtKeys, domain: &Domain, authorization: Option<&str>) -> Self {
        let checked = match jwt.token_from_header(authorization) {
            Ok(token) => domain.viewer_as_stored(token).await,
            Err(refusal) => Err(refusal),
        };
        match checked {
            Ok(viewer) => Self::Viewer(viewer),
            Err(refusal) => Self::Refused(refusal.message()),
        }
    }
}

/// The viewer, or `UNAUTHENTICATED` with the reason the token was refused.
pub fn viewer(ctx: &Context<'_>) -> Result<Viewer, AppError> {
    match ctx.data_opt::<Credentials>() {
        Some(Credentials::Viewer(v)) => Ok(*v),
        Some(Credentials::Refused(why)) => Err(AppError::Unauthenticated(why.clone())),
        None => Err(AppError::Unauthenticated("no credentials: send `Authorization: Bearer <token>`".into())),
    }
}
