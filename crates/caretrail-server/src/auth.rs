//! Sign-in and sessions.
//!
//! - `POST /api/v1/session` with `{"username","password"}` checks an argon2id hash (off the async
//!   runtime) and answers `{"token"}`: `ct_` and 64 hex digits of OS randomness. Only the token's
//!   SHA-256 is stored, so a copy of the database holds no usable token.
//! - `DELETE /api/v1/session` signs out (revokes the session).
//! - [`Session`] is the extractor every protected route takes: no token, an unknown, expired or
//!   revoked token gives 401.
//! - Attempts are admitted by the [`throttle`](crate::throttle) before any password is checked:
//!   too many failures from one address, or on one account from addresses that are not its
//!   usual ones, make the next attempt wait (429 with `Retry-After`), without saying whether the
//!   name exists. A username over [`MAX_USERNAME_CHARS`] or a password over
//!   [`MAX_PASSWORD_BYTES`] is refused (422) before anything is hashed or counted.
//!
//! Seams for later, each producing the same [`Session`]: cookie sessions with CSRF tokens (web
//! issue) are a second [`Credential`] source; OIDC is a second authenticator that ends in
//! [`start_session`], as the password sign-in does.

use std::time::Instant;

use argon2::Argon2;
use argon2::password_hash::PasswordVerifier;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, http::header};
use caretrail_core::{Role, User};
use caretrail_store::SessionRow;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::client::ClientAddr;
use crate::error::{ApiError, parse_json};

pub const TOKEN_PREFIX: &str = "ct_";
/// The longest username accepted at sign-in, in characters.
pub const MAX_USERNAME_CHARS: usize = 128;
/// The longest password accepted at sign-in, in bytes (argon2 hashes whatever it is given).
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenAnswer {
    pub token: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_in, sign_out))
}

/// An argon2id hash of a random password, made once: the work done for unknown usernames.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        use argon2::password_hash::PasswordHasher;
        let salt = [0x5a; 16];
        let password = caretrail_store::vault::random_bytes::<16>()
            .map(|b| *b)
            .unwrap_or([1; 16]);
        Argon2::default()
            .hash_password_with_salt(&password, &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

fn new_token() -> Result<String, ApiError> {
    let bytes = caretrail_store::vault::random_bytes::<32>().map_err(|_| ApiError::internal())?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{TOKEN_PREFIX}{hex}"))
}

/// Starts a session for `user`, who has just been authenticated (and the attempt audited), and
/// returns its token; only the token's hash is stored. Every way of signing in ends here: local
/// passwords today, an OIDC callback later, so sessions, expiry and sign-out stay one thing.
pub fn start_session(
    record: &caretrail_record::Record,
    user: &User,
    hours: u32,
) -> Result<String, ApiError> {
    let token = new_token()?;
    let now = Timestamp::now();
    let accounts = record.accounts();
    accounts
        .create_session(&SessionRow {
            token_hash: accounts.token_hash(&token),
            user: user.id,
            created_at: now,
            expires_at: now + jiff::SignedDuration::from_hours(i64::from(hours)),
            revoked_at: None,
        })
        .map_err(|_| ApiError::internal())?;
    Ok(token)
}

/// Signs in with a local account and answers a bearer token. Every attempt is a security event
/// in the ledger; too many failures make the next attempt wait (429, with `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/v1/session",
    tag = crate::openapi::TAG_SESSION,
    request_body = SignIn,
    responses(
        (status = 201, description = "Signed in", body = TokenAnswer),
        crate::openapi::Refused,
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(source): ClientAddr,
    body: Bytes,
) -> Result<(StatusCode, Json<TokenAnswer>), Response> {
    let req: SignIn = parse_json(&body).map_err(IntoResponse::into_response)?;
    check_lengths(&req).map_err(|e| ApiError::from(e).into_response())?;
    let attempt = match state.signin.admit(&req.username, source, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => return Err(throttled(&state, req.username, wait).await),
    };
    let hours = state.config.session_hours;
    // Queued here, an attempt holds a few hundred bytes; checking, it holds argon2's memory.
    let permit = state
        .password_checks
        .clone()
        .acquire_owned()
        .await
        .expect("the password-check semaphore is never closed");
    let outcome = state
        .blocking(move |record| {
            let _permit = permit;
            let found = record
                .accounts()
                .by_username(&req.username)
                .map_err(account_unusable)?;
            // Verify against a throwaway hash when the user is unknown, so timing does not tell.
            let (user, hash) = match found {
                Some((user, Some(hash))) => (Some(user), hash),
                _ => (None, dummy_hash().to_owned()),
            };
            let ok = Argon2::default()
                .verify_password(req.password.as_bytes(), hash.as_str())
                .is_ok();
            // The attempt is a security event, committed before any token leaves.
            let user = match user {
                Some(u) if ok => u,
                other => {
                    record.security_event(sign_in_event(
                        other.as_ref(),
                        false,
                        "bad-credentials",
                    ))?;
                    return Ok(None);
                }
            };
            record.security_event(sign_in_event(Some(&user), true, "signed-in"))?;
            start_session(record, &user, hours).map(Some)
        })
        .await;
    match outcome {
        Ok(Some(token)) => {
            state.signin.succeeded(attempt, Instant::now());
            tracing::info!("sign-in succeeded");
            Ok((StatusCode::CREATED, Json(TokenAnswer { token })))
        }
        Ok(None) => {
            state.signin.failed(attempt, Instant::now());
            tracing::info!("sign-in failed");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "unknown username or wrong password",
            )
            .into_response())
        }
        Err(e) => {
            // An attempt whose outcome is unknown counts as failed.
            state.signin.failed(attempt, Instant::now());
            Err(e.into_response())
        }
    }
}

/// Refuses lengths no account has, before anything is hashed or counted.
fn check_lengths(req: &SignIn) -> Result<(), caretrail_core::InputError> {
    if req.username.chars().count() > MAX_USERNAME_CHARS {
        return Err(caretrail_core::InputError::field(
            "/username",
            format!("a username has at most {MAX_USERNAME_CHARS} characters"),
        ));
    }
    if req.password.len() > MAX_PASSWORD_BYTES {
        return Err(caretrail_core::InputError::field(
            "/password",
            format!("a password has at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// The answer to an attempt the throttle holds back: audited like any attempt (naming the
/// account only if it exists), 429 with `Retry-After` in whole seconds.
async fn throttled(state: &AppState, username: String, wait: std::time::Duration) -> Response {
    let audited = state
        .blocking(move |r| {
            let known = r
                .accounts()
                .by_username(&username)
                .map_err(|_| ApiError::internal())?
                .map(|(u, _)| u);
            Ok(r.security_event(sign_in_event(known.as_ref(), false, "throttled"))?)
        })
        .await;
    if let Err(e) = audited {
        return e.into_response();
    }
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut res = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many failed sign-ins",
        "too many failed sign-ins from here or on this account; wait before trying again",
    )
    .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    res
}

/// The audit event of a sign-in attempt. An unknown username is recorded as an unknown account
/// (never the name typed: it may be personal data, or a password typed in the wrong box).
fn sign_in_event(user: Option<&User>, allowed: bool, reason: &str) -> caretrail_core::AuditEvent {
    caretrail_core::AuditEvent {
        id: caretrail_core::EntryId::new(),
        at: Timestamp::now(),
        accessor: user.map_or(caretrail_core::UserId::from_bytes([0; 16]), |u| u.id),
        role: user.map_or(caretrail_core::Role::System, |u| u.role),
        organisation: user.map_or(caretrail_core::OrganisationId::from_bytes([0; 16]), |u| {
            u.organisation
        }),
        person: None,
        action: caretrail_core::AuditAction::SignIn,
        purpose: caretrail_core::Purpose::Care,
        allowed,
        break_glass: false,
        reason: reason.to_owned(),
    }
}

/// Signs out: the token stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    tag = crate::openapi::TAG_SESSION,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        crate::openapi::Refused,
    )
)]
async fn sign_out(State(state): State<AppState>, session: Session) -> Result<StatusCode, ApiError> {
    state
        .blocking(move |record| {
            record
                .accounts()
                .revoke_session(&session.token_hash, Timestamp::now())
                .map_err(|_| ApiError::internal())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A signed-in user, from a live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub token_hash: [u8; 32],
}

/// Where a request's session token comes from.
///
/// API clients send `Authorization: Bearer <token>`, the only source today. The web interface
/// adds a cookie source here: a `__Host-` cookie holding the same kind of token, accepted on
/// safe methods as is and on unsafe ones only with an `X-CSRF-Token` header that matches a
/// secret bound to the session. Both resolve to the same stored session, so no handler
/// changes when it arrives.
#[derive(Debug, PartialEq, Eq)]
pub enum Credential<'a> {
    Bearer(&'a str),
}

impl<'a> Credential<'a> {
    /// The credential a request carries, if any is well-formed.
    pub fn from_parts(parts: &'a Parts) -> Option<Self> {
        parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() == TOKEN_PREFIX.len() + 64)
            .map(Credential::Bearer)
    }

    fn token(&self) -> &str {
        match self {
            Credential::Bearer(t) => t,
        }
    }
}

/// The signed-in caller and the purpose of use their request declares (`X-Purpose-Of-Use`,
/// `care` when absent): where every route on a person's record starts. Rejects with 401 without
/// a live session. An unknown purpose is not rejected here: the attempt is still an attempt,
/// so the gate audits it (`invalid-input`) and answers 422 ([`Caller::gate`]).
#[derive(Debug, Clone)]
pub struct Caller {
    pub session: Session,
    pub principal: caretrail_access::Principal,
    /// What was wrong with the request's purpose of use, if anything.
    pub envelope: Result<(), caretrail_core::InputError>,
}

impl Caller {
    /// The gate for this caller: the one way to a person's record.
    pub fn gate<'r>(&self, record: &'r caretrail_record::Record) -> caretrail_record::Gate<'r> {
        record.gate_for(self.principal.clone(), self.envelope.clone())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        let (purpose, envelope) = match purpose(&parts.headers) {
            Ok(p) => (p, Ok(())),
            Err(e) => (caretrail_core::Purpose::Care, Err(e)),
        };
        let principal = caretrail_access::Principal::from_user(&session.user, purpose);
        Ok(Caller {
            session,
            principal,
            envelope,
        })
    }
}

/// The request header that declares the purpose of use.
pub const PURPOSE_HEADER: &str = "x-purpose-of-use";

/// The purpose of use from `X-Purpose-Of-Use` (default `care`); an unknown one is a value that
/// is not allowed (422).
pub fn purpose(
    headers: &axum::http::HeaderMap,
) -> Result<caretrail_core::Purpose, caretrail_core::InputError> {
    match headers.get(PURPOSE_HEADER) {
        None => Ok(caretrail_core::Purpose::Care),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| {
                caretrail_core::InputError::field(
                    "",
                    "the X-Purpose-Of-Use header must be care, safeguarding, emergency or audit",
                )
            }),
    }
}

/// An account that cannot be read, or whose row the log does not commit to: the caller gets a
/// plain 500; the operator's log says why (the message names no account or person).
fn account_unusable(e: caretrail_record::RecordError) -> ApiError {
    tracing::error!(error = %e, "an account could not be used");
    ApiError::internal()
}

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = Credential::from_parts(parts)
            .map(|c| c.token().to_owned())
            .ok_or_else(ApiError::unauthorized)?;
        state
            .blocking(move |record| {
                let accounts = record.accounts();
                let hash = accounts.token_hash(&token);
                let session = accounts.session(&hash).map_err(|_| ApiError::internal())?;
                let live =
                    session.filter(|s| s.revoked_at.is_none() && Timestamp::now() < s.expires_at);
                let Some(s) = live else {
                    return Err(ApiError::unauthorized());
                };
                // The system and the operator never act over HTTP, whatever a session says.
                let user = accounts
                    .user(s.user)
                    .map_err(account_unusable)?
                    .filter(|u| !matches!(u.role, Role::System | Role::Operator))
                    .ok_or_else(ApiError::unauthorized)?;
                Ok(Session {
                    user,
                    token_hash: hash,
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_bearer_token_is_a_credential() {
        let token = new_token().unwrap();
        let parts = |value: &str| {
            let (parts, ()) = axum::http::Request::builder()
                .header(header::AUTHORIZATION, value)
                .body(())
                .unwrap()
                .into_parts();
            parts
        };
        let ok = parts(&format!("Bearer {token}"));
        assert_eq!(
            Credential::from_parts(&ok),
            Some(Credential::Bearer(&token))
        );
        for bad in [
            format!("bearer {token}"),
            format!("Basic {token}"),
            format!("Bearer {}", &token[..66]),
            format!("Bearer xx{}", &token[2..]),
            "Bearer ".to_owned(),
        ] {
            assert_eq!(Credential::from_parts(&parts(&bad)), None, "{bad}");
        }
        let (none, ()) = axum::http::Request::builder()
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(Credential::from_parts(&none), None);
    }

    #[test]
    fn tokens_are_prefixed_and_random() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == 67);
        assert_ne!(a, b);
    }
}
