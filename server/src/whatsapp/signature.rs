//! `X-Hub-Signature-256`: `sha256=` + lowercase hex HMAC-SHA256 of the raw body, keyed with the
//! app secret. Checked over the exact bytes received, before any parsing, in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    /// The header is not `sha256=<64 hex digits>`.
    #[error("X-Hub-Signature-256 must be `sha256=` followed by 64 hex digits")]
    Malformed,
    /// The digest does not match the body and secret.
    #[error("X-Hub-Signature-256 does not match the body (is WHATSAPP_APP_SECRET the app's secret?)")]
    Mismatch,
}

/// Checks `header` against `body` signed with `secret`.
pub fn verify(secret: &str, body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    if hex_digest.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    mac(secret, body).verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
}

/// The header value Meta would send for `body` (used by tests and tools that sign payloads).
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret, body).finalize().into_bytes()))
}

fn mac(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    mac
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_over_the_raw_bytes_verifies() {
        let body = br#"{"name":"\u00e9\ud83d\ude00 a\/b"}"#;
        assert_eq!(verify("s3cret", body, Some(&sign("s3cret", body))), Ok(()));
    }

    #[test]
    fn wrong_missing_or_malformed_signatures_are_refused() {
        let body = b"{}";
        assert_eq!(verify("s3cret", body, None), Err(SignatureError::Missing));
        assert_eq!(verify("s3cret", body, Some("md5=abc")), Err(SignatureError::Malformed));
        assert_eq!(verify("s3cret", body, Some("sha256=zz")), Err(SignatureError::Malformed));
        assert_eq!(verify("other", body, Some(&sign("s3cret", body))), Err(SignatureError::Mismatch));
        assert_eq!(verify("s3cret", b"{} ", Some(&sign("s3cret", body))), Err(SignatureError::Mismatch));
    }

    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(same_secret("token", "token"));
        assert!(!same_secret("token", "tokeN"));
        assert!(!same_secret("token", "token2"));
    }

    #[test]
    fn uppercase_hex_is_accepted() {
        let body = b"{}";
        let upper = sign("k", body).to_uppercase().replacen("SHA256=", "sha256=", 1);
        assert_eq!(verify("k", body, Some(&upper)), Ok(()));
    }
}
