//! A limit on aliases, and on password checks. The complexity limit bounds how much one
//! document may ask for; aliases are bounded on their own because they are the usual tool for
//! packing many guesses (of passwords, of ids) into one request that a per-request throttle
//! counts once, and a document may check one password (each costs an argon2 hash).

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Field, Selection, SelectionSet},
};

/// The most aliased fields one document may hold (the admin UI uses none).
pub const MAX_ALIASES: usize = 30;

/// The schema extension that refuses documents with more than [`MAX_ALIASES`] aliases.
pub struct AliasLimit;

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimit)
    }
}

#[async_trait::async_trait]
impl Extension for AliasLimit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let checks = count_password_checks(&document);
        if checks > 1 {
            return Err(ServerError::new(
                format!(
                    "the document checks {checks} passwords (`login`, `changePassword`); one request may check one: \
                     send them one at a time"
                ),
                None,
            ));
        }
        let aliases = count_aliases(&document);
        if aliases > MAX_ALIASES {
            return Err(ServerError::new(
                format!(
                    "the document uses {aliases} aliases; at most {MAX_ALIASES} are allowed: split it into several requests"
                ),
                None,
            ));
        }
        Ok(document)
    }
}

/// The mutations that check a password, which one document may run only once.
const PASSWORD_CHECKS: [&str; 2] = ["login", "changePassword"];

/// Fields that check a password in every operation and fragment definition of `document`.
fn count_password_checks(document: &ExecutableDocument) -> usize {
    count_fields(document, &|field| PASSWORD_CHECKS.contains(&field.name.node.as_str()))
}

/// Aliased fields in every operation and fragment definition of `document`.
fn count_aliases(document: &ExecutableDocument) -> usize {
    count_fields(document, &|field| field.alias.is_some())
}

/// The fields `counted` picks in every operation and fragment definition of `document`, at any
/// depth (each fragment once, however often it is spread).
fn count_fields(document: &ExecutableDocument, counted: &dyn Fn(&Field) -> bool) -> usize {
    let operations = document.operations.iter().map(|(_, op)| in_set(&op.node.selection_set.node, counted));
    let fragments = document.fragments.values().map(|fragment| in_set(&fragment.node.selection_set.node, counted));
    operations.chain(fragments).sum()
}

fn in_set(set: &SelectionSet, counted: &dyn Fn(&Field) -> bool) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(counted(&field.node)) + in_set(&field.node.selection_set.node, counted)
            }
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node, counted),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::count_aliases;

    #[test]
    fn aliases_are_counted_in_operations_fragments_and_nested_selections() {
        let document = parse_query(
            "query A { a: me { id } b: me { i: id } } \
             query B { ...F ... on Query { c: me { id } } } \
             fragment F on Query { d: me { id } e: __typename }",
        )
        .expect("parses");
        assert_eq!(count_aliases(&document), 6);
        assert_eq!(count_aliases(&parse_query("{ me { id } }").expect("parses")), 0);
    }
}
