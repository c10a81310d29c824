//! The GraphQL spec's handling of field errors: a field that errors is null, and a null in a
//! non-null position makes its parent null in turn, up to the nearest nullable position or
//! `data` itself.
//!
//! async-graphql (since 7.1, async-graphql#1746) resolves every field of an object even when one
//! fails: it records the error with its path and leaves the field's key out of the object, for
//! nullable and non-null fields alike, so a non-null field that failed was simply missing and
//! its parent was kept. [`PropagateNulls`] rewrites every executed response (and every
//! subscription event) from its errors' paths and the operation's types: each failed field's
//! nearest nullable position, itself or an ancestor, becomes `null`, or `data` does.

use std::sync::{Arc, Mutex};

use async_graphql::{
    Name, PathSegment, Request, Response, ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextSubscribe,
    },
    futures_util::stream::{BoxStream, StreamExt},
    parser::types::{ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet},
    registry::Registry,
};

/// The schema extension that propagates failed fields' nulls as the spec says.
pub struct PropagateNulls;

impl ExtensionFactory for PropagateNulls {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Propagation::default())
    }
}

/// One request's extension: it keeps the operation it runs, to read the types along errors' paths.
#[derive(Default)]
struct Propagation(Arc<Mutex<Operation>>);

#[derive(Default)]
struct Operation {
    name: Option<String>,
    document: Option<Arc<ExecutableDocument>>,
}

impl Propagation {
    fn document(&self) -> Option<Arc<ExecutableDocument>> {
        self.0.lock().ok().and_then(|operation| operation.document.clone())
    }
}

#[async_trait::async_trait]
impl Extension for Propagation {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut operation) = self.0.lock() {
            operation.name.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if let Ok(mut operation) = self.0.lock() {
            operation.document = Some(Arc::new(document.clone()));
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if let Some(document) = self.document() {
            propagate(&mut response, &ctx.schema_env.registry, &document, operation_name);
        }
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let (operation, schema) = (self.0.clone(), ctx.schema_env.clone());
        next.run(ctx, stream)
            .map(move |mut response| {
                if let Ok(operation) = operation.lock()
                    && let Some(document) = &operation.document
                {
                    propagate(&mut response, &schema.registry, document, operation.name.as_deref());
                }
                response
            })
            .boxed()
    }
}

/// Nulls the nearest nullable position of every failed field in `response`'s data.
fn propagate(response: &mut Response, registry: &Registry, document: &ExecutableDocument, name: Option<&str>) {
    let Some(operation) = find_operation(document, name) else { return };
    let mut targets: Vec<&[PathSegment]> = response
        .errors
        .iter()
        .filter(|error| !error.path.is_empty())
        .filter_map(|error| {
            let nullable = nullable_along(registry, document, operation, &error.path)?;
            Some(&error.path[..nullable.iter().rposition(|n| *n).map_or(0, |at| at + 1)])
        })
        .collect();
    targets.sort_by_key(|target| target.len());
    let mut nulled: Vec<&[PathSegment]> = Vec::new();
    for target in targets {
        if !nulled.iter().any(|ancestor| target.starts_with(ancestor)) {
            null_at(&mut response.data, target);
            nulled.push(target);
        }
    }
}

/// The operation a request ran: the one named, or the document's only one.
fn find_operation<'d>(document: &'d ExecutableDocument, name: Option<&str>) -> Option<&'d OperationDefinition> {
    let mut operations = document.operations.iter();
    let found = match name {
        Some(name) => operations.find(|(n, _)| n.map(Name::as_str) == Some(name)),
        None => operations.next().filter(|_| operations.next().is_none()),
    };
    found.map(|(_, operation)| &operation.node)
}

/// Whether each position along `path` may hold null, from the operation's types; `None` when the
/// path leaves them (an introspection field).
fn nullable_along(
    registry: &Registry,
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let mut ty = match operation.ty {
        OperationType::Query => registry.query_type.as_str(),
        OperationType::Mutation => registry.mutation_type.as_deref()?,
        OperationType::Subscription => registry.subscription_type.as_deref()?,
    };
    let mut sets = vec![&operation.selection_set.node];
    let mut nullable = Vec::with_capacity(path.len());
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let mut fields = Vec::new();
                selected(document, &sets, key, &mut fields);
                let parent = registry.types.get(named(ty))?;
                ty = &fields.iter().find_map(|field| parent.field_by_name(&field.name.node))?.ty;
                sets = fields.iter().map(|field| &field.selection_set.node).collect();
            }
            PathSegment::Index(_) => ty = list_item(ty)?,
        }
        nullable.push(!ty.ends_with('!'));
    }
    Some(nullable)
}

/// The fields of `sets` (and of the fragments they spread) answered under `key`.
fn selected<'d>(document: &'d ExecutableDocument, sets: &[&'d SelectionSet], key: &str, found: &mut Vec<&'d Field>) {
    for selection in sets.iter().flat_map(|set| &set.items) {
        match &selection.node {
            Selection::Field(field) if field.node.response_key().node == key => found.push(&field.node),
            Selection::Field(_) => {}
            Selection::InlineFragment(fragment) => selected(document, &[&fragment.node.selection_set.node], key, found),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    selected(document, &[&fragment.node.selection_set.node], key, found);
                }
            }
        }
    }
}

/// `User` in `User`, `User!`, `[User!]` or `[User!]!`.
fn named(ty: &str) -> &str {
    ty.trim_matches(|c| matches!(c, '[' | ']' | '!'))
}

/// `User!` in `[User!]!`; `None` for a type that is not a list.
fn list_item(ty: &str) -> Option<&str> {
    ty.strip_suffix('!').unwrap_or(ty).strip_prefix('[')?.strip_suffix(']')
}

/// Sets the value at `path` to null, `data` itself for an empty path. An object on the way that
/// is null had every field it was asked for fail (async-graphql answers such an object with
/// null), so it becomes an object again to hold its failed fields' nulls.
fn null_at(data: &mut Value, path: &[PathSegment]) {
    let mut value = data;
    for segment in path {
        value = match (segment, value) {
            (PathSegment::Field(key), value) => {
                if matches!(value, Value::Null) {
                    *value = Value::Object(Default::default());
                }
                let Value::Object(object) = value else { return };
                object.entry(Name::new(key)).or_insert(Value::Null)
            }
            (PathSegment::Index(index), Value::List(items)) => match items.get_mut(*index) {
                Some(item) => item,
                None => return,
            },
            (PathSegment::Index(_), _) => return,
        };
    }
    *value = Value::Null;
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Result, Schema};
    use serde_json::{Value as Json, json};

    use super::PropagateNulls;

    struct Root;

    #[Object]
    impl Root {
        async fn ok(&self) -> i32 {
            1
        }

        async fn outer(&self) -> Outer {
            Outer
        }

        async fn maybe(&self) -> Option<Outer> {
            Some(Outer)
        }

        async fn items(&self) -> Vec<Option<Outer>> {
            vec![Some(Outer), Some(Outer)]
        }

        async fn strict_items(&self) -> Option<Vec<Outer>> {
            Some(vec![Outer])
        }
    }

    struct Outer;

    #[Object]
    impl Outer {
        async fn n(&self) -> i32 {
            1
        }

        async fn strict(&self, fail: bool) -> Result<i32> {
            if fail { Err("strict failed".into()) } else { Ok(2) }
        }

        async fn loose(&self, fail: bool) -> Result<Option<i32>> {
            if fail { Err("loose failed".into()) } else { Ok(Some(3)) }
        }

        async fn inner(&self) -> Outer {
            Outer
        }
    }

    async fn run(query: &str) -> Json {
        let schema = Schema::build(Root, EmptyMutation, EmptySubscription).extension(PropagateNulls).finish();
        serde_json::to_value(schema.execute(query).await).unwrap_or_default()
    }

    async fn data(query: &str) -> Json {
        run(query).await["data"].clone()
    }

    #[tokio::test]
    async fn a_failed_non_null_field_nulls_the_nearest_nullable_ancestor() {
        assert_eq!(data("{ ok outer { n strict(fail: true) } }").await, Json::Null, "no nullable ancestor");
        assert_eq!(data("{ ok maybe { n strict(fail: true) } }").await, json!({ "ok": 1, "maybe": null }));
        assert_eq!(data("{ ok maybe { n inner { strict(fail: true) } } }").await, json!({ "ok": 1, "maybe": null }));
        let in_list = data("{ items { n strict(fail: false) } i: items { inner { strict(fail: true) } } }").await;
        assert_eq!(in_list, json!({ "items": [{ "n": 1, "strict": 2 }, { "n": 1, "strict": 2 }], "i": [null, null] }));
        assert_eq!(data("{ ok strictItems { strict(fail: true) } }").await, json!({ "ok": 1, "strictItems": null }));
    }

    #[tokio::test]
    async fn a_failed_nullable_field_is_null_where_it_was_asked_for() {
        assert_eq!(data("{ outer { n loose(fail: true) } }").await, json!({ "outer": { "n": 1, "loose": null } }));
        assert_eq!(data("{ outer { loose(fail: true) } }").await, json!({ "outer": { "loose": null } }));
        let kept = run("{ outer { loose(fail: false) } }").await;
        assert_eq!(kept, json!({ "data": { "outer": { "loose": 3 } } }), "no error, nothing changes");
    }

    #[tokio::test]
    async fn aliases_and_fragments_are_followed_to_the_fields_types() {
        let aliased = data("{ a: maybe { b: strict(fail: true) } c: maybe { d: loose(fail: true) } }").await;
        assert_eq!(aliased, json!({ "a": null, "c": { "d": null } }));
        let spread = data("{ ok maybe { ...F } } fragment F on Outer { ... on Outer { strict(fail: true) } }").await;
        assert_eq!(spread, json!({ "ok": 1, "maybe": null }));
        let named = data("query Q { ok maybe { strict(fail: true) } }").await;
        assert_eq!(named, json!({ "ok": 1, "maybe": null }));
    }
}
