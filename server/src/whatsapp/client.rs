//! Meta's Graph API client for sending.
//!
//! Retries only where Meta cannot have taken the message: a connection that failed before the
//! request was sent, throughput limits (HTTP 429, code 130429) and the transient server errors
//! Meta documents (codes 1, 2, 131000, 131016, 131057). Each retry waits an exponential,
//! jittered backoff, then (for a message) a slot of the number's throughput, as Meta counts
//! every try; all of them fit inside the send's deadline. Everything else — a
//! timeout after the request left, re-engagement (131047), undeliverable (131026), template
//! parameters (132000), a bad token (190) — reaches the caller with Meta's code.
//!
//! A connection gets at most a third of the deadline (and 5 s), and no try starts with less
//! than that left, so a connection that never opens ends as [`GraphError::Unreachable`]
//! (not sent) rather than as a timeout, which may have reached Meta.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use rand::Rng;
use serde::Deserialize;
use serde_json::Value;

use super::pacing::Pacer;
use crate::config::WhatsAppConfig;

/// Sends messages through Meta's Graph API (a fake on loopback in tests).
#[async_trait]
pub trait GraphApi: Send + Sync + std::fmt::Debug {
    /// Posts one message object to `/{phone-number-id}/messages`. Its first try goes at once
    /// (the caller has taken the number's slot); each retry first waits for a slot of `pacer`
    /// of its own, as Meta counts every try against the number's throughput.
    async fn send_message(&self, message: &Value, pacer: &Pacer) -> Result<Accepted, GraphError> {
        let response = self.post_messages(message, Some(pacer)).await?;
        let message_id = response
            .pointer("/messages/0/id")
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::BadResponse(format!("no messages[0].id in {response}")))?
            .to_owned();
        Ok(Accepted { message_id, response })
    }

    /// Marks an inbound message (and the ones before it) as read: blue ticks for the contact.
    async fn mark_read(&self, message_id: &str) -> Result<(), GraphError> {
        let body = serde_json::json!({ "messaging_product": "whatsapp", "status": "read", "message_id": message_id });
        let response = self.post_messages(&body, None).await?;
        match response.get("success") {
            Some(Value::Bool(true)) => Ok(()),
            _ => Err(GraphError::BadResponse(format!("expected {{\"success\": true}}, got {response}"))),
        }
    }

    /// Fails naming every setting that sending needs and lacks.
    fn check_configured(&self) -> Result<(), GraphError>;

    /// Posts to `/{phone-number-id}/messages` and returns Meta's 2xx body; a retry first waits
    /// for a slot of `pacer` when one is given.
    async fn post_messages(&self, body: &Value, pacer: Option<&Pacer>) -> Result<Value, GraphError>;

    /// Looks a media id up: its short-lived download URL and what Meta knows of the file.
    async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError>;

    /// Downloads a media URL with the access token, refusing more than `max_bytes`.
    async fn download(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>, GraphError>;
}

/// Meta's answer to a media id look-up.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaInfo {
    /// The download URL; it lives about five minutes.
    pub url: String,
    /// The content type.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// The SHA-256 of the bytes, hex.
    #[serde(default)]
    pub sha256: Option<String>,
    /// The size in bytes, as Meta gives it (a number or a string of digits).
    #[serde(default)]
    pub file_size: Option<Value>,
}

impl MediaInfo {
    /// The size in bytes Meta reports, when it reports one that reads as a number.
    pub fn size(&self) -> Option<u64> {
        match self.file_size.as_ref()? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Meta took the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The wamid Meta assigned.
    pub message_id: String,
    /// Meta's response body, returned as is to legacy clients.
    pub response: Value,
}

/// Meta's error object, as parsed from a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaRefusal {
    /// The HTTP status Meta answered with.
    pub http_status: u16,
    /// Meta's numeric code (the thing to branch on).
    pub code: i64,
    /// Meta's subcode, when given.
    pub subcode: Option<i64>,
    /// Meta's message.
    pub message: String,
    /// `error_data.details`, when given.
    pub details: Option<String>,
    /// Meta's trace id.
    pub fbtrace_id: Option<String>,
}

impl MetaRefusal {
    /// Whether Meta documents that the message was not taken and a later try may succeed.
    pub fn is_retryable(&self) -> bool {
        self.http_status == 429 || matches!(self.code, 1 | 2 | 130429 | 131000 | 131016 | 131057)
    }
}

/// Why a send did not reach Meta or was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Sending needs a setting that is missing.
    #[error("sending is not configured: set {0}")]
    NotConfigured(String),
    /// Meta answered with an error.
    #[error("Meta refused it (code {}): {}", .0.code, .0.message)]
    Refused(MetaRefusal),
    /// Meta could not be reached.
    #[error("Meta's Graph API could not be reached: {0}")]
    Unreachable(String),
    /// No answer within the deadline.
    #[error("Meta's Graph API did not answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// Meta answered something that is not its documented response.
    #[error("Meta's answer could not be read: {0}")]
    BadResponse(String),
}

impl GraphError {
    /// Whether the request reached Meta and what became of it is unknown: no answer before the
    /// deadline, or a success answer that could not be read. Such a message may have been sent.
    pub fn may_have_been_taken(&self) -> bool {
        matches!(self, Self::Timeout(_) | Self::BadResponse(_))
    }
}

/// The reqwest implementation.
#[derive(Debug)]
pub struct GraphClient {
    http: reqwest::Client,
    api_base: String,
    endpoint: Option<String>,
    token: Option<crate::config::Secret>,
    deadline: Duration,
    media_deadline: Duration,
    connect_timeout: Duration,
}

impl GraphClient {
    /// A client for the configured number and token.
    pub fn new(config: &WhatsAppConfig) -> Self {
        let endpoint = config.phone_number_id.as_ref().map(|id| format!("{}/{id}/messages", config.api_base));
        let connect_timeout = (config.send_timeout / 3).min(Duration::from_secs(5));
        let http = reqwest::Client::builder().connect_timeout(connect_timeout).build().unwrap_or_default();
        Self {
            http,
            api_base: config.api_base.clone(),
            endpoint,
            token: config.token.clone(),
            deadline: config.send_timeout,
            media_deadline: config.media_timeout,
            connect_timeout,
        }
    }

    /// The messages endpoint and the token, or an error naming each one missing.
    fn sending_settings(&self) -> Result<(&str, &str), GraphError> {
        match (self.endpoint.as_deref(), self.token.as_ref()) {
            (Some(endpoint), Some(token)) => Ok((endpoint, token.expose())),
            (None, Some(_)) => Err(GraphError::NotConfigured("WHATSAPP_PHONE_NUMBER_ID".into())),
            (Some(_), None) => Err(GraphError::NotConfigured("WHATSAPP_TOKEN".into())),
            (None, None) => Err(GraphError::NotConfigured("WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID".into())),
        }
    }

    fn token(&self) -> Result<&str, GraphError> {
        self.token.as_ref().map(|t| t.expose()).ok_or_else(|| GraphError::NotConfigured("WHATSAPP_TOKEN".into()))
    }

    /// Runs `attempt` until it succeeds, fails for good, or `deadline` leaves no room for
    /// another backoff and a connection's time. `idempotent` calls (GETs) also retry server
    /// errors. With a `pacer`, a retry waits for one of its slots, and a slot that would come
    /// too late ends the tries with the last error.
    async fn retrying<T, F, Fut>(
        &self,
        deadline: Duration,
        idempotent: bool,
        pacer: Option<&Pacer>,
        attempt: F,
    ) -> Result<T, GraphError>
    where
        F: Fn(Duration) -> Fut + Send + Sync,
        Fut: std::future::Future<Output = Result<T, GraphError>> + Send,
        T: Send,
    {
        let started = Instant::now();
        let mut retry = 0u32;
        let mut untaken: Option<GraphError> = None;
        loop {
            let remaining = deadline.saturating_sub(started.elapsed());
            if let Some(error) = untaken.take_if(|_| remaining < self.connect_timeout) {
                return Err(error);
            }
            let error = match attempt(remaining).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let retryable = match &error {
                GraphError::Refused(refusal) => refusal.is_retryable() || (idempotent && refusal.http_status >= 500),
                GraphError::Unreachable(_) => true,
                _ => false,
            };
            let wait = backoff(retry);
            if !retryable || started.elapsed() + wait + self.connect_timeout > deadline {
                return Err(error);
            }
            tracing::warn!(retry, ?wait, %error, "retrying a Graph API call that did not go through");
            tokio::time::sleep(wait).await;
            if let Some(pacer) = pacer {
                let room = deadline.saturating_sub(started.elapsed() + self.connect_timeout);
                if pacer.wait_for_slot(room).await.is_err() {
                    return Err(error);
                }
            }
            untaken = Some(error);
            retry += 1;
        }
    }

    async fn attempt(
        &self,
        endpoint: &str,
        token: &str,
        message: &Value,
        remaining: Duration,
    ) -> Result<Value, GraphError> {
        let request = self.http.post(endpoint).bearer_auth(token).json(message).timeout(remaining);
        let response = request.send().await.map_err(|e| classify_transport(&e, remaining))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            // A refusal whose body is not Meta's error object (a proxy's page) is still one.
            let body: Value = response.json().await.unwrap_or_default();
            return Err(GraphError::Refused(refusal(status, &body)));
        }
        response.json().await.map_err(|e| GraphError::BadResponse(e.to_string()))
    }
}

#[async_trait]
impl GraphApi for GraphClient {
    fn check_configured(&self) -> Result<(), GraphError> {
        self.sending_settings().map(|_| ())
    }

    async fn post_messages(&self, message: &Value, pacer: Option<&Pacer>) -> Result<Value, GraphError> {
        let (endpoint, token) = self.sending_settings()?;
        self.retrying(self.deadline, false, pacer, |remaining| self.attempt(endpoint, token, message, remaining)).await
    }

    async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        if !is_meta_id(media_id) {
            return Err(GraphError::BadResponse(format!(
                "the media id {media_id:?} is not one of Meta's (letters, digits, `_` and `-`): it is not looked up"
            )));
        }
        let token = self.token()?;
        let url = format!("{}/{media_id}", self.api_base);
        let url = url.as_str();
        let body = self
            .retrying(self.media_deadline, true, None, |remaining| async move {
                let response = self
                    .http
                    .get(url)
                    .bearer_auth(token)
                    .timeout(remaining)
                    .send()
                    .await
                    .map_err(|e| classify_transport(&e, remaining))?;
                let status = response.status().as_u16();
                let body: Value = response.json().await.map_err(|e| GraphError::BadResponse(e.to_string()))?;
                if (200..300).contains(&status) { Ok(body) } else { Err(GraphError::Refused(refusal(status, &body))) }
            })
            .await?;
        serde_json::from_value(body).map_err(|e| GraphError::BadResponse(format!("media look-up: {e}")))
    }

    async fn download(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>, GraphError> {
        let token = self.token()?;
        self.retrying(self.media_deadline, true, None, |remaining| async move {
            let mut response = self
                .http
                .get(url)
                .bearer_auth(token)
                .timeout(remaining)
                .send()
                .await
                .map_err(|e| classify_transport(&e, remaining))?;
            let status = response.status().as_u16();
            if !(200..300).contains(&status) {
                let body: Value = response.json().await.unwrap_or_default();
                return Err(GraphError::Refused(refusal(status, &body)));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| classify_transport(&e, remaining))? {
                if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
                    return Err(GraphError::BadResponse(format!(
                        "the media is larger than {max_bytes} bytes (MEDIA_MAX_BYTES)"
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        })
        .await
    }
}

/// Whether `id` looks like Meta's ids (digits, in practice), so that it names one path segment
/// of the Graph API and no other path the token could reach.
fn is_meta_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Full-jitter exponential backoff: up to 100 ms × 2^retry, capped at 2 s.
fn backoff(retry: u32) -> Duration {
    let ceiling = 100u64.saturating_mul(1 << retry.min(5)).min(2_000);
    Duration::from_millis(rand::rng().random_range(ceiling / 2..=ceiling))
}

/// A failure to connect means the request never left: safe to retry. Anything after that is
/// not, because Meta may have taken the message.
fn classify_transport(error: &reqwest::Error, remaining: Duration) -> GraphError {
    if error.is_connect() {
        GraphError::Unreachable(error.to_string())
    } else if error.is_timeout() {
        GraphError::Timeout(remaining)
    } else {
        GraphError::BadResponse(error.to_string())
    }
}

#[derive(Deserialize, Default)]
struct ErrorEnvelope {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    error_subcode: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error_data: Option<ErrorData>,
    #[serde(default)]
    fbtrace_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

fn refusal(http_status: u16, body: &Value) -> MetaRefusal {
    let parsed: ErrorEnvelope = serde_json::from_value(body.clone()).unwrap_or_default();
    let e = parsed.error;
    MetaRefusal {
        http_status,
        code: e.code.unwrap_or(-1),
        subcode: e.error_subcode,
        message: e.message.unwrap_or_else(|| format!("HTTP {http_status} without an error message")),
        details: e.error_data.and_then(|d| d.details),
        fbtrace_id: e.fbtrace_id,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn metas_error_shape_is_parsed() {
        let body = json!({ "error": { "message": "(#131056) pair rate limit hit", "type": "OAuthException", "code": 131056,
            "error_data": { "messaging_product": "whatsapp", "details": "Message failed to send" },
            "error_subcode": 2446079, "fbtrace_id": "A4O5a8RAgePwbcGSu" } });
        let r = refusal(400, &body);
        assert_eq!((r.code, r.subcode, r.details.as_deref()), (131056, Some(2446079), Some("Message failed to send")));
        assert_eq!(r.fbtrace_id.as_deref(), Some("A4O5a8RAgePwbcGSu"));
        assert!(!r.is_retryable());
    }

    #[test]
    fn only_throughput_and_transient_errors_are_retryable() {
        let with = |http_status, code| MetaRefusal {
            http_status,
            code,
            subcode: None,
            message: String::new(),
            details: None,
            fbtrace_id: None,
        };
        for (status, code) in [(400, 130429), (500, 131000), (503, 2), (500, 131016), (429, 4)] {
            assert!(with(status, code).is_retryable(), "{code}");
        }
        for (status, code) in [(400, 131047), (400, 131026), (400, 132000), (401, 190), (400, 100), (400, 131056)] {
            assert!(!with(status, code).is_retryable(), "{code}");
        }
    }

    #[test]
    fn only_ids_like_metas_are_looked_up() {
        assert!(is_meta_id("1234567890123456") && is_meta_id("abc_DEF-9"));
        for crafted in ["", "../me", "123/messages", "1?fields=x", "1%2F2", &"9".repeat(129)] {
            assert!(!is_meta_id(crafted), "{crafted}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(100));
        assert!(backoff(10) <= Duration::from_secs(2));
        assert!(backoff(3) >= Duration::from_millis(400));
    }
}
