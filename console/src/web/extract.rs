//! What the API's handlers take from a request, refused in the API's own shape:
//! - [`Json`]: the body; one that is not JSON, not the request's fields, not
//!   `application/json` or over the size limit gets `{"error": code, "message": …, "stage": "the request"}`
//!   with axum's status (400, 415, 422, 413) — never axum's plain-text rejection, which the
//!   page script could not show;
//! - [`Member`]: the signed-in member, with the session's CSRF token (401, 403);
//! - [`OrgAdmin`], [`Certifier`], [`Governor`]: a member holding that role; for anyone
//!   else the route does not exist (404, as an unknown path).
//!
//! The guards run before the body is read: a request without a session is refused
//! whatever its body.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::failure::Failure;
use super::{not_found, signed_in, AppState, Shared, SignedIn};

/// `axum::Json` with [`Failure`] as its rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Failure> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(Failure::new(rejection.status(), "the request", rejection.body_text())),
        }
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The client's IP address, as the rate limit finds it (the TCP peer's, or the one a
/// trusted proxy forwarded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<Shared> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(state.limiter.client(&parts.headers, &parts.extensions)))
    }
}

/// The signed-in member of `headers`, with the session's CSRF token checked; 401/403
/// otherwise.
pub(super) async fn guarded(state: &AppState, headers: &HeaderMap) -> Result<SignedIn, Failure> {
    let who = signed_in(state, headers).await.ok_or_else(|| {
        Failure::new(StatusCode::UNAUTHORIZED, "sign-in", "you are not signed in (or your session ended)")
    })?;
    let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    if token.is_empty() || token != who.session.csrf {
        return Err(Failure::new(StatusCode::FORBIDDEN, "the request", "missing or wrong CSRF token; reload the page"));
    }
    Ok(who)
}

/// A signed-in member whose request carries the session's CSRF token.
#[derive(Debug)]
pub struct Member(pub SignedIn);

impl FromRequestParts<Shared> for Member {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Failure> {
        guarded(state, &parts.headers).await.map(Member)
    }
}

/// Role guards: a [`Member`] who holds the role, else 404.
macro_rules! role_guard {
    ($(#[doc = $doc:literal])* $name:ident, $holds:ident) => {
        $(#[doc = $doc])*
        #[derive(Debug)]
        pub struct $name(pub SignedIn);

        impl FromRequestParts<Shared> for $name {
            type Rejection = Response;

            async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Response> {
                let Member(who) = Member::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
                if who.viewer.$holds() {
                    Ok($name(who))
                } else {
                    Err(not_found())
                }
            }
        }
    };
}

role_guard!(
    /// An administrator of the member's organisation (members and invitations).
    OrgAdmin,
    is_org_admin
);
role_guard!(
    /// A certifier (issuer keys, credentials).
    Certifier,
    is_certifier
);
role_guard!(
    /// An administrator of the governance organisation (roles, the trust list).
    Governor,
    is_governor
);
