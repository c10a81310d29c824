//! Reading a GraphQL-over-HTTP request: a JSON body on POST, query-string parameters on GET.
//!
//! A request that is not well-formed is `BAD_USER_INPUT` (400 in either media type) with what
//! to send instead; a body that is not JSON is `UNSUPPORTED_MEDIA_TYPE` (415). Only one
//! operation per request: a JSON array (a batch) is refused by name.

use async_graphql::{
    Extensions, Request, ServerError, Value as GraphqlValue, Variables,
    parser::types::{DocumentOperations, OperationType},
};
use axum::http::HeaderValue;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{error::AppError, graphql::introspection::Shape};

const EXAMPLE: &str = r#"{"query":"{ me { name } }","variables":{}}"#;

/// The query-string parameters of a GET, as sent: `variables` and `extensions` are JSON text.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    /// The GraphQL document.
    pub query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

impl GetParams {
    /// The GraphQL request these parameters describe.
    pub fn into_request(self) -> Result<Request, AppError> {
        let Some(query) = self.query else {
            return Err(AppError::BadInput(
                "no `query` parameter: add `?query=` with the URL-encoded GraphQL document \
                 (`variables` as URL-encoded JSON), or POST JSON; open /graphql in a browser for GraphiQL"
                    .into(),
            ));
        };
        build(Parameters {
            query: Some(Value::String(query)),
            operation_name: self.operation_name.map(Value::String),
            variables: self.variables.map(|text| json_parameter("variables", &text)).transpose()?,
            extensions: self.extensions.map(|text| json_parameter("extensions", &text)).transpose()?,
        })
    }
}

/// The GraphQL request in a POST body of type `application/json`.
pub fn from_post(content_type: Option<&HeaderValue>, body: &[u8]) -> Result<Request, AppError> {
    check_content_type(content_type)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadInput(format!("the request body is empty: send a JSON object like {EXAMPLE}")));
    }
    let json: Value = serde_json::from_slice(body).map_err(|err| {
        AppError::BadInput(format!("the request body is not valid JSON ({err}): send a JSON object like {EXAMPLE}"))
    })?;
    match json {
        Value::Object(mut fields) => build(Parameters {
            query: fields.remove("query"),
            operation_name: fields.remove("operationName"),
            variables: fields.remove("variables"),
            extensions: fields.remove("extensions"),
        }),
        Value::Array(_) => Err(AppError::BadInput(
            "batched requests (a JSON array of operations) are not supported: send one operation per request".into(),
        )),
        other => Err(AppError::BadInput(format!(
            "the request body is {}, not a JSON object: send a JSON object like {EXAMPLE}",
            kind(&other)
        ))),
    }
}

/// The operation a request would run: its type, and what it asks of introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// Query, mutation or subscription.
    pub kind: OperationType,
    /// Whether it only introspects, and how deep it nests introspection's lists.
    pub shape: Shape,
}

/// The operation the request would run: `Ok(None)` when the document does not say which (the
/// schema reports that), `Err` when the document does not parse.
pub fn operation(request: &mut Request) -> Result<Option<Operation>, ServerError> {
    let name = request.operation_name.clone();
    let document = request.parsed_query()?;
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => Some(operation),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name.as_str()),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    Ok(operation.map(|operation| Operation {
        kind: operation.node.ty,
        shape: Shape::of(document, &operation.node.selection_set.node),
    }))
}

/// Only JSON bodies, in UTF-8 (the default when no charset is given).
fn check_content_type(content_type: Option<&HeaderValue>) -> Result<(), AppError> {
    let Some(value) = content_type else {
        return Err(AppError::UnsupportedMediaType(
            "the request has no `Content-Type`: send the body as JSON with `Content-Type: application/json`".into(),
        ));
    };
    let text = value.to_str().unwrap_or_default();
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let utf8 = parts.filter_map(|p| p.split_once('=')).filter(|(k, _)| k.trim().eq_ignore_ascii_case("charset")).all(
        |(_, v)| {
            let charset = v.trim().trim_matches('"');
            charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
        },
    );
    if essence.eq_ignore_ascii_case("application/json") && utf8 {
        return Ok(());
    }
    Err(AppError::UnsupportedMediaType(format!(
        "`Content-Type: {text}` is not supported: send the body as UTF-8 JSON with \
         `Content-Type: application/json` (or use GET with query-string parameters for queries)"
    )))
}

/// The four request parameters, as JSON, before their types are checked.
struct Parameters {
    query: Option<Value>,
    operation_name: Option<Value>,
    variables: Option<Value>,
    extensions: Option<Value>,
}

fn build(parameters: Parameters) -> Result<Request, AppError> {
    let query = match parameters.query {
        Some(Value::String(query)) => query,
        None | Some(Value::Null) => {
            return Err(AppError::BadInput(format!(
                "the request has no `query`: send the GraphQL document as a string, e.g. {EXAMPLE}"
            )));
        }
        Some(other) => {
            return Err(AppError::BadInput(format!(
                "`query` must be a string holding the GraphQL document, not {}",
                kind(&other)
            )));
        }
    };
    let mut request = Request::new(query);
    match parameters.operation_name {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name),
        Some(other) => {
            return Err(AppError::BadInput(format!(
                "`operationName` must be the name of an operation in the document (a string) or null, not {}",
                kind(&other)
            )));
        }
    }
    if let Some(variables) = object("variables", parameters.variables)? {
        request = request.variables(Variables::from_json(Value::Object(variables)));
    }
    if let Some(extensions) = object("extensions", parameters.extensions)? {
        request.extensions = Extensions(
            extensions
                .into_iter()
                .map(|(key, value)| Ok((key, GraphqlValue::from_json(value)?)))
                .collect::<serde_json::Result<_>>()
                .map_err(|err| AppError::BadInput(format!("`extensions` cannot be read: {err}")))?,
        );
    }
    Ok(request)
}

/// An optional parameter that must be a JSON object when present.
fn object(name: &str, value: Option<Value>) -> Result<Option<Map<String, Value>>, AppError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map)),
        Some(other) => Err(AppError::BadInput(format!(
            "`{name}` must be a JSON object (or null), not {}; e.g. {EXAMPLE}",
            kind(&other)
        ))),
    }
}

/// A GET parameter holding JSON text.
fn json_parameter(name: &str, text: &str) -> Result<Value, AppError> {
    serde_json::from_str(text)
        .map_err(|err| AppError::BadInput(format!("`{name}` must be a JSON object written as URL-encoded text: {err}")))
}

/// "a number", "an array"…: what a JSON value is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(body: &str) -> Result<Request, AppError> {
        from_post(Some(&HeaderValue::from_static("application/json")), body.as_bytes())
    }

    fn refusal(result: Result<Request, AppError>) -> (&'static str, String) {
        let err = result.expect_err("a refusal");
        (err.code(), err.message())
    }

    #[test]
    fn a_json_body_becomes_a_request() {
        let request = post(
            r#"{"query":"query Q($n: Int) { x }","operationName":"Q","variables":{"n":1},
            "extensions":{"some":"value"},"unknown":true}"#,
        )
        .unwrap();
        assert_eq!(request.operation_name.as_deref(), Some("Q"));
        assert_eq!(request.variables.into_value().to_string(), "{n: 1}");
        assert!(request.extensions.0.contains_key("some"));
        assert!(post(r#"{"query":"{ x }","variables":null,"operationName":null,"extensions":null}"#).is_ok());
    }

    #[test]
    fn malformed_bodies_say_what_to_send() {
        let cases = [
            ("", "empty"),
            ("{ \"not a JSON", "not valid JSON"),
            ("[]", "batched requests"),
            ("42", "is a number"),
            (r#"{"qeury":"{ x }"}"#, "no `query`"),
            (r#"{"query":{"obj":"ect"}}"#, "not an object"),
            (r#"{"query":"{ x }","operationName":0}"#, "`operationName` must be"),
            (r#"{"query":"{ x }","variables":"string"}"#, "`variables` must be a JSON object"),
            (r#"{"query":"{ x }","extensions":["array"]}"#, "`extensions` must be a JSON object"),
        ];
        for (body, expected) in cases {
            let (code, message) = refusal(post(body));
            assert_eq!(code, "BAD_USER_INPUT", "{body}");
            assert!(message.contains(expected), "{body}: {message}");
        }
    }

    #[test]
    fn only_utf8_json_bodies_are_read() {
        for ok in ["application/json", "Application/JSON; charset=UTF-8", "application/json;charset=\"utf-8\""] {
            assert!(from_post(Some(&HeaderValue::from_static(ok)), br#"{"query":"{ x }"}"#).is_ok(), "{ok}");
        }
        for refused in ["text/plain", "application/graphql", "application/json; charset=latin1"] {
            let (code, _) = refusal(from_post(Some(&HeaderValue::from_static(refused)), br#"{"query":"{ x }"}"#));
            assert_eq!(code, "UNSUPPORTED_MEDIA_TYPE", "{refused}");
        }
        assert_eq!(refusal(from_post(None, br#"{"query":"{ x }"}"#)).0, "UNSUPPORTED_MEDIA_TYPE");
    }

    #[test]
    fn get_parameters_hold_json_text() {
        let params = GetParams {
            query: Some("query Q($n: Int) { x }".into()),
            variables: Some(r#"{"n":1}"#.into()),
            ..GetParams::default()
        };
        assert_eq!(params.into_request().unwrap().variables.into_value().to_string(), "{n: 1}");
        let bad = GetParams { query: Some("{ x }".into()), variables: Some("{n".into()), ..GetParams::default() };
        assert!(refusal(bad.into_request()).1.contains("URL-encoded text"));
        assert!(refusal(GetParams::default().into_request()).1.contains("no `query` parameter"));
    }

    #[test]
    fn the_operation_comes_from_the_selected_one() {
        let mut mutation = Request::new("query A { __schema { types { name } } } mutation B { y }").operation_name("B");
        let chosen = operation(&mut mutation).unwrap().expect("B");
        assert_eq!((chosen.kind, chosen.shape.only_introspection), (OperationType::Mutation, false));
        let mut introspection =
            Request::new("query A { __schema { types { name } } } mutation B { y }").operation_name("A");
        assert!(operation(&mut introspection).unwrap().expect("A").shape.only_introspection);
        let mut unnamed = Request::new("query A { x } mutation B { y }");
        assert_eq!(operation(&mut unnamed).unwrap(), None);
        assert!(operation(&mut Request::new("{")).is_err());
    }
}
