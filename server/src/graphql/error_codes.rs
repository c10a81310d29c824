//! Every GraphQL error carries `extensions.code`. wagate's own errors set theirs (see
//! `crate::error`); the errors async-graphql reports itself (a document that does not parse or
//! validate, a variable or argument of the wrong type or out of range, a limit passed) are about
//! the request the caller wrote, so they get `BAD_USER_INPUT`. The HTTP route parses documents
//! before the schema does, and codes its own parse errors with [`code_if_missing`].

use std::sync::Arc;

use async_graphql::{
    Response, ServerError,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe},
    futures_util::stream::{BoxStream, StreamExt},
};

/// The code of an error that names none.
const UNCODED: &str = "BAD_USER_INPUT";

/// The schema extension that gives every error without a code [`UNCODED`].
pub struct CodeEveryError;

impl ExtensionFactory for CodeEveryError {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CodeEveryError)
    }
}

#[async_trait::async_trait]
impl Extension for CodeEveryError {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        coded(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(coded).boxed()
    }
}

fn coded(mut response: Response) -> Response {
    response.errors.iter_mut().for_each(code_if_missing);
    response
}

/// Gives `error` the code of an error that names none, unless it has one.
pub fn code_if_missing(error: &mut ServerError) {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", UNCODED);
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::ErrorExtensionValues;

    use super::*;

    #[test]
    fn an_error_without_a_code_gets_one_and_a_coded_one_keeps_its_own() {
        let mut bare = ServerError::new("Unknown field \"nope\"", None);
        code_if_missing(&mut bare);
        assert_eq!(bare.extensions.and_then(|e| e.get("code").cloned()), Some(UNCODED.into()));
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", "FORBIDDEN");
        let mut coded = ServerError::new("not yours", None);
        coded.extensions = Some(extensions);
        code_if_missing(&mut coded);
        assert_eq!(coded.extensions.and_then(|e| e.get("code").cloned()), Some("FORBIDDEN".into()));
    }
}
