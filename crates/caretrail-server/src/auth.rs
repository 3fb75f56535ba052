//! Sign-in and sessions.
//!
//! - `POST /api/v1/session` with `{"username","password"}` checks an argon2id hash (off the async
//!   runtime) and answers `{"token"}`: `ct_` and 64 hex digits of OS randomness. Only the token's
//!   SHA-256 is stored, so a copy of the database holds no usable token.
//! - `DELETE /api/v1/session` signs out (revokes the session).
//! - [`Session`] is the extractor every protected route takes: no token, an unknown, expired or
//!   revoked token gives 401.
//! - [`SignInGuard`] counts failed sign-ins per username and locks the name out for a while after
//!   too many, answering 429 without saying whether the name exists.
//!
//! Seams for later, each producing the same [`Session`]: cookie sessions with CSRF tokens (web
//! issue) are a second [`Credential`] source; OIDC is a second authenticator that ends in
//! [`start_session`], as the password sign-in does.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::PasswordVerifier;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::{Json, http::header};
use caretrail_core::{Role, User};
use caretrail_store::SessionRow;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, parse_json};

pub const TOKEN_PREFIX: &str = "ct_";
const MAX_TRACKED_NAMES: usize = 100_000;

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

/// Failed sign-ins per username, and lockouts.
#[derive(Debug)]
pub struct SignInGuard {
    max_failures: u32,
    lockout: Duration,
    names: Mutex<HashMap<String, (u32, Option<Instant>)>>,
}

impl SignInGuard {
    pub fn new(max_failures: u32, lockout: Duration) -> Self {
        SignInGuard {
            max_failures,
            lockout,
            names: Mutex::new(HashMap::new()),
        }
    }

    fn key(username: &str) -> String {
        username.trim().to_lowercase()
    }

    /// Is this name locked out now?
    pub fn locked(&self, username: &str, now: Instant) -> bool {
        let names = self.names.lock().expect("sign-in guard lock");
        names
            .get(&Self::key(username))
            .and_then(|(_, until)| *until)
            .is_some_and(|until| now < until)
    }

    pub fn failed(&self, username: &str, now: Instant) {
        let mut names = self.names.lock().expect("sign-in guard lock");
        if names.len() >= MAX_TRACKED_NAMES {
            names.retain(|_, (_, until)| until.is_some_and(|u| now < u));
        }
        let entry = names.entry(Self::key(username)).or_insert((0, None));
        if entry.1.is_some_and(|until| now >= until) {
            *entry = (0, None);
        }
        entry.0 += 1;
        if entry.0 >= self.max_failures {
            *entry = (0, Some(now + self.lockout));
        }
    }

    pub fn succeeded(&self, username: &str) {
        self.names
            .lock()
            .expect("sign-in guard lock")
            .remove(&Self::key(username));
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_in, sign_out))
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
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
    record
        .accounts()
        .create_session(&SessionRow {
            token_hash: token_hash(&token),
            user: user.id,
            created_at: now,
            expires_at: now + jiff::SignedDuration::from_hours(i64::from(hours)),
            revoked_at: None,
        })
        .map_err(|_| ApiError::internal())?;
    Ok(token)
}

/// Signs in with a local account and answers a bearer token. Every attempt is a security event
/// in the ledger; repeated failures lock the name out for a while (429).
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
    body: Bytes,
) -> Result<(StatusCode, Json<TokenAnswer>), ApiError> {
    let req: SignIn = parse_json(&body)?;
    if state.signin.locked(&req.username, Instant::now()) {
        let known = {
            let name = req.username.clone();
            state
                .blocking(move |r| {
                    r.accounts()
                        .by_username(&name)
                        .map_err(|_| ApiError::internal())
                })
                .await?
                .map(|(u, _)| u)
        };
        let ev = sign_in_event(known.as_ref(), false, "locked-out");
        state.blocking(move |r| Ok(r.security_event(ev)?)).await?;
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins",
            "this account is locked for a while after repeated failed sign-ins; try again later",
        ));
    }
    let hours = state.config.session_hours;
    let username = req.username.clone();
    let outcome = state
        .blocking(move |record| {
            let found = record
                .accounts()
                .by_username(&req.username)
                .map_err(|_| ApiError::internal())?;
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
        .await?;
    match outcome {
        Some(token) => {
            state.signin.succeeded(&username);
            tracing::info!("sign-in succeeded");
            Ok((StatusCode::CREATED, Json(TokenAnswer { token })))
        }
        None => {
            state.signin.failed(&username, Instant::now());
            tracing::info!("sign-in failed");
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "unknown username or wrong password",
            ))
        }
    }
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

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let hash = Credential::from_parts(parts)
            .map(|c| token_hash(c.token()))
            .ok_or_else(ApiError::unauthorized)?;
        state
            .blocking(move |record| {
                let accounts = record.accounts();
                let session = accounts.session(&hash).map_err(|_| ApiError::internal())?;
                let live =
                    session.filter(|s| s.revoked_at.is_none() && Timestamp::now() < s.expires_at);
                let Some(s) = live else {
                    return Err(ApiError::unauthorized());
                };
                // The system and the operator never act over HTTP, whatever a session says.
                let user = accounts
                    .user(s.user)
                    .map_err(|_| ApiError::internal())?
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
    fn lockout_after_repeated_failures_then_expires() {
        let g = SignInGuard::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(!g.locked("Alice", t0));
        g.failed("alice", t0);
        g.failed("ALICE ", t0);
        assert!(!g.locked("alice", t0));
        g.failed("alice", t0);
        assert!(g.locked("alice", t0 + Duration::from_secs(59)));
        assert!(!g.locked("alice", t0 + Duration::from_secs(60)));
        assert!(!g.locked("bob", t0));
        g.succeeded("alice");
        assert!(!g.locked("alice", t0));
    }

    #[test]
    fn tokens_are_prefixed_random_and_stored_only_as_hashes() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == 67);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a), token_hash(&a.clone()));
    }
}
