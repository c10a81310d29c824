//! Who is asking: the handler puts the request's [`Credentials`] in the context, and resolvers
//! read the viewer from there.

use async_graphql::Context;

use crate::{auth::Viewer, error::AppError};

/// The outcome of checking a request's bearer token.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A valid token.
    Viewer(Viewer),
    /// No token, or one that was refused, and why.
    Refused(String),
}

/// The viewer, or `UNAUTHENTICATED` with the reason the token was refused.
pub fn viewer(ctx: &Context<'_>) -> Result<Viewer, AppError> {
    match ctx.data_opt::<Credentials>() {
        Some(Credentials::Viewer(v)) => Ok(*v),
        Some(Credentials::Refused(why)) => Err(AppError::Unauthenticated(why.clone())),
        None => Err(AppError::Unauthenticated("no credentials: send `Authorization: Bearer <token>`".into())),
    }
}
