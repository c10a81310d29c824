//! Which media type a GraphQL response is written in, from the request's `Accept` header.
//!
//! `application/graphql-response+json` wins unless the client prefers `application/json`: by a
//! higher `q`, or by naming it while reaching the other only through a wildcard. No `Accept`
//! header, or `*/*`, gets `application/graphql-response+json`.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::error::AppError;

/// The media types `/graphql` answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMedia {
    /// `application/graphql-response+json`: HTTP status codes tell request errors apart.
    GraphqlResponseJson,
    /// `application/json`, for legacy clients: every well-formed request gets 200.
    Json,
}

impl ResponseMedia {
    /// The `Content-Type` of a response in this media type.
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

/// The media type to answer in, or `NOT_ACCEPTABLE` when `Accept` allows neither.
pub fn negotiate(headers: &HeaderMap) -> Result<ResponseMedia, AppError> {
    let graphql = preference(headers, "application/graphql-response+json");
    let json = preference(headers, "application/json");
    match (graphql, json) {
        (None, None) => Err(AppError::NotAcceptable(
            "/graphql answers in `application/graphql-response+json` or `application/json`: \
             list one of them in the `Accept` header"
                .into(),
        )),
        (Some(g), Some(j)) if j > g => Ok(ResponseMedia::Json),
        (None, Some(_)) => Ok(ResponseMedia::Json),
        _ => Ok(ResponseMedia::GraphqlResponseJson),
    }
}

/// Whether the client takes HTML (a browser opening `/graphql`).
pub fn accepts_html(headers: &HeaderMap) -> bool {
    preference(headers, "text/html").is_some()
}

/// How much the client wants `media` (`type/subtype`, lowercase): the `q` of the most specific
/// range that matches it, then how specific that range is; `None` when it is not acceptable.
/// No `Accept` header (or an empty one) accepts everything.
fn preference(headers: &HeaderMap, media: &str) -> Option<(Quality, u8)> {
    let mut ranges = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .peekable();
    if ranges.peek().is_none() {
        return Some((Quality::MAX, 0));
    }
    let best = ranges
        .flat_map(|value| value.split(','))
        .filter_map(|range| {
            let mut parts = range.split(';');
            let specificity = specificity(parts.next()?.trim(), media)?;
            Some((specificity, quality(parts)))
        })
        .max_by_key(|(specificity, _)| *specificity)?;
    let (specificity, q) = best;
    (q > Quality(0)).then_some((q, specificity))
}

/// How closely a media range names `media`: 3 exactly, 2 by `type/*`, 1 by `*/*`.
fn specificity(range: &str, media: &str) -> Option<u8> {
    let range = range.to_ascii_lowercase();
    let (kind, _) = media.split_once('/')?;
    match range.split_once('/')? {
        _ if range == media => Some(3),
        (k, "*") if k == kind => Some(2),
        ("*", "*") => Some(1),
        _ => None,
    }
}

/// A `q` weight in thousandths (`q=0.9` is 900); a missing or unreadable one counts as 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Quality(u16);

impl Quality {
    const MAX: Self = Self(1000);
}

fn quality<'a>(params: impl Iterator<Item = &'a str>) -> Quality {
    params
        .filter_map(|param| param.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
        .and_then(|(_, value)| value.trim().parse::<f32>().ok())
        .filter(|q| (0.0..=1.0).contains(q))
        .map_or(Quality::MAX, |q| Quality((q * 1000.0).round() as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(accept: &str) -> Result<ResponseMedia, AppError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn graphql_response_json_is_the_default_and_wins_ties() {
        assert_eq!(negotiate(&HeaderMap::new()).unwrap(), ResponseMedia::GraphqlResponseJson);
        for accept in ["*/*", "application/*", "application/json, application/graphql-response+json"] {
            assert_eq!(media(accept).unwrap(), ResponseMedia::GraphqlResponseJson, "{accept}");
        }
    }

    #[test]
    fn application_json_wins_when_preferred_or_named_alone() {
        for accept in [
            "application/json",
            "application/json; charset=utf-8",
            "application/json, text/plain, */*",
            "application/graphql-response+json;q=0.5, application/json",
            "APPLICATION/JSON",
        ] {
            assert_eq!(media(accept).unwrap(), ResponseMedia::Json, "{accept}");
        }
        let recommended = "application/graphql-response+json, application/json;q=0.9";
        assert_eq!(media(recommended).unwrap(), ResponseMedia::GraphqlResponseJson);
    }

    #[test]
    fn neither_type_acceptable_is_not_acceptable() {
        for accept in ["text/html", "image/png, text/*", "application/json;q=0, application/xml"] {
            assert_eq!(media(accept).unwrap_err().code(), "NOT_ACCEPTABLE", "{accept}");
        }
        assert_eq!(media("*/*, application/graphql-response+json;q=0").unwrap(), ResponseMedia::Json);
    }

    #[test]
    fn browsers_and_wildcards_accept_html() {
        let mut headers = HeaderMap::new();
        assert!(accepts_html(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert!(accepts_html(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(!accepts_html(&headers));
    }
}
