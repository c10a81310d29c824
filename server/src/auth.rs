//! API authentication: HS256 JWTs and the viewer they prove.
//!
//! Authorization is by construction: data finders take a [`UserScope`], and the only way to
//! get one is [`Viewer::scope_for`], so no handler can forget to check who is asking.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use crate::{config::Secret, error::AppError};

/// What a token lets its bearer do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees and manages everything.
    Admin,
    /// Sees only their own data.
    User,
}

impl Role {
    /// The role a `users.role` word names; anything but `admin` is a user.
    pub fn from_stored(word: &str) -> Self {
        if word == "admin" { Self::Admin } else { Self::User }
    }

    /// The word stored in `users.role` and in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::User => "user",
        }
    }
}

/// The claims wagate signs: `sub` is a user id, or `operator` for an admin token not tied to a
/// user row.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: Role,
    exp: u64,
    iat: u64,
}

const OPERATOR_SUBJECT: &str = "operator";

/// Who is making a request, as proven by their token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Viewer {
    /// Their role.
    pub role: Role,
    /// Their user row, when the token names one.
    pub user_id: Option<i64>,
}

/// Proof that the viewer may read one user's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserScope {
    user_id: i64,
}

impl UserScope {
    /// The user whose data is in scope.
    pub fn user_id(self) -> i64 {
        self.user_id
    }
}

impl Viewer {
    /// Scope to `user_id`'s data: admins reach everyone, a user only themselves.
    pub fn scope_for(&self, user_id: i64) -> Result<UserScope, AppError> {
        match (self.role, self.user_id) {
            (Role::Admin, _) => Ok(UserScope { user_id }),
            (Role::User, Some(own)) if own == user_id => Ok(UserScope { user_id }),
            _ => Err(AppError::Forbidden(format!(
                "this token may not read user {user_id}'s data; use an admin token or that user's own"
            ))),
        }
    }

    /// Fails unless the viewer is an admin.
    pub fn require_admin(&self) -> Result<(), AppError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::User => Err(AppError::Forbidden("this needs an admin token".into())),
        }
    }
}

/// A token whose signature and expiry hold: who it names, and when it was issued (seconds since
/// the Unix epoch; `0` for a token without `iat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Who the token names, with the role it was signed with.
    pub viewer: Viewer,
    /// When it was issued.
    pub issued_at: u64,
}

/// Signs and checks tokens with the configured secret.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(<redacted>)")
    }
}

impl JwtKeys {
    /// Keys for HS256 with `secret`; only HS256 tokens with an `exp` are accepted.
    pub fn new(secret: &Secret) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            validation,
        }
    }

    /// Mints a token for `role`, tied to `user_id` when given, valid for `ttl`.
    pub fn issue(&self, role: Role, user_id: Option<i64>, ttl: Duration) -> Result<String, AppError> {
        if role == Role::User && user_id.is_none() {
            return Err(AppError::BadInput("a user token needs the user's id (--user ID)".into()));
        }
        let iat = unix_now();
        let claims = Claims {
            sub: user_id.map_or_else(|| OPERATOR_SUBJECT.to_owned(), |id| id.to_string()),
            role,
            exp: iat + ttl.as_secs(),
            iat,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::BadInput(format!("could not sign the token: {e}")))
    }

    /// Checks a token's signature, algorithm and expiry, and returns its viewer and when it was
    /// issued.
    pub fn verify(&self, token: &str) -> Result<Verified, AppError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            AppError::Unauthenticated(match e.kind() {
                ErrorKind::ExpiredSignature => "the bearer token has expired: sign in again for a new one".into(),
                ErrorKind::InvalidSignature => "the bearer token was not signed with this server's JWT_SECRET (a \
                     server started without JWT_SECRET has a new one at each start): sign in again"
                    .into(),
                _ => format!("the bearer token cannot be read ({e}): send the token the `login` mutation gave"),
            })
        })?;
        let claims = data.claims;
        let user_id = match claims.sub.as_str() {
            OPERATOR_SUBJECT if claims.role == Role::Admin => None,
            sub => Some(
                sub.parse()
                    .map_err(|_| AppError::Unauthenticated(format!("the token's subject `{sub}` is not a user id")))?,
            ),
        };
        Ok(Verified { viewer: Viewer { role: claims.role, user_id }, issued_at: claims.iat })
    }

    /// When the token of an `Authorization: Bearer <token>` value stops being valid, for a
    /// token [`JwtKeys::token_from_header`] accepts.
    pub fn expiry_from_header(&self, header: &str) -> Option<std::time::SystemTime> {
        let token = bearer_token(header).ok()?;
        let claims = decode::<Claims>(token, &self.decoding, &self.validation).ok()?.claims;
        Some(std::time::UNIX_EPOCH + Duration::from_secs(claims.exp))
    }

    /// Reads `Authorization: Bearer <token>` and verifies it.
    pub fn token_from_header(&self, header: Option<&str>) -> Result<Verified, AppError> {
        let header = header
            .ok_or_else(|| AppError::Unauthenticated("no credentials: send `Authorization: Bearer <token>`".into()))?;
        self.verify(bearer_token(header)?)
    }
}

/// The token of an `Authorization: Bearer <token>` value.
fn bearer_token(header: &str) -> Result<&str, AppError> {
    // The scheme's name is case-insensitive (RFC 9110).
    match header.trim_start().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(token.trim()),
        _ => Err(AppError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())),
    }
}

/// Signs people in: the token a `login` gets, and how long it lasts.
#[derive(Clone, Debug)]
pub struct Sessions {
    /// The keys tokens are signed with.
    pub keys: JwtKeys,
    /// How long a signed-in token lasts.
    pub ttl: Duration,
}

impl Sessions {
    /// A token for the user row `id` with `role`, and when it expires.
    pub fn issue_for(&self, role: Role, id: i64) -> Result<(String, chrono::DateTime<chrono::Utc>), AppError> {
        let token = self.keys.issue(role, Some(id), self.ttl)?;
        let lifetime = chrono::Duration::from_std(self.ttl).map_err(|_| {
            AppError::BadInput("the token lifetime is too long: set LOGIN_TOKEN_TTL to at most 100 years".into())
        })?;
        let expires_at = chrono::Utc::now() + lifetime;
        Ok((token, expires_at))
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The longest token lifetime: 100 years.
const MAX_TTL_SECONDS: u64 = 100 * 365 * 86_400;

/// Parses a lifetime such as `30d`, `12h`, `15m` or `3600s`.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a lifetime like 30d, 12h, 15m or 3600s"))?;
    let unit_seconds: u64 = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" | "" => 1,
        _ => return Err(format!("`{text}`: the unit must be d, h, m or s")),
    };
    let seconds = n
        .checked_mul(unit_seconds)
        .filter(|s| *s <= MAX_TTL_SECONDS)
        .ok_or_else(|| format!("`{text}` is longer than the longest lifetime, 100 years"))?;
    if seconds == 0 {
        return Err("the lifetime must be longer than zero".into());
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&Secret::new("k".repeat(32)))
    }

    #[test]
    fn an_issued_token_verifies_to_its_viewer() {
        let token = keys().issue(Role::User, Some(7), Duration::from_secs(60)).unwrap();
        assert_eq!(keys().verify(&token).unwrap().viewer, Viewer { role: Role::User, user_id: Some(7) });
        let admin = keys().issue(Role::Admin, None, Duration::from_secs(60)).unwrap();
        assert_eq!(keys().verify(&admin).unwrap().viewer, Viewer { role: Role::Admin, user_id: None });
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let other = JwtKeys::new(&Secret::new("x".repeat(32)));
        let token = other.issue(Role::Admin, None, Duration::from_secs(60)).unwrap();
        let refused = keys().verify(&token).unwrap_err();
        assert_eq!(refused.code(), "UNAUTHENTICATED");
        assert!(refused.message().contains("JWT_SECRET"), "{}", refused.message());
    }

    #[test]
    fn an_expired_token_is_refused_saying_so() {
        let long_ago = unix_now() - 3600;
        let claims = Claims { sub: "7".into(), role: Role::User, exp: long_ago, iat: long_ago - 60 };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &keys().encoding).unwrap();
        assert!(keys().verify(&token).unwrap_err().message().contains("has expired: sign in again"));
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        let token = keys().issue(Role::User, Some(7), Duration::from_secs(60)).unwrap();
        for scheme in ["Bearer", "bearer", "BEARER"] {
            let verified = keys().token_from_header(Some(&format!("{scheme} {token}")));
            assert_eq!(verified.unwrap().viewer.user_id, Some(7), "{scheme}");
        }
        assert!(keys().token_from_header(Some(&format!("Basic {token}"))).unwrap_err().message().contains("Bearer"));
    }

    #[test]
    fn users_reach_only_their_own_scope() {
        let user = Viewer { role: Role::User, user_id: Some(1) };
        assert_eq!(user.scope_for(1).unwrap().user_id(), 1);
        assert_eq!(user.scope_for(2).unwrap_err().code(), "FORBIDDEN");
        assert_eq!(user.require_admin().unwrap_err().code(), "FORBIDDEN");
        let admin = Viewer { role: Role::Admin, user_id: None };
        assert_eq!(admin.scope_for(2).unwrap().user_id(), 2);
    }

    #[test]
    fn lifetimes_parse_with_units() {
        assert_eq!(parse_ttl("30d").unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse_ttl("15m").unwrap(), Duration::from_secs(900));
        assert!(parse_ttl("soon").is_err());
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("36500d").is_ok());
        assert!(parse_ttl("99999999999999999d").unwrap_err().contains("100 years"));
    }
}
