//! The JSON body of an API request, refused in the API's own shape: a body that is not
//! JSON, not the request's fields, not `application/json` or over the size limit gets
//! `{"error": …, "stage": "the request"}` with axum's status (400, 415, 422, 413) —
//! never axum's plain-text rejection, which the page script could not show.

use axum::extract::{FromRequest, Request};

use super::api::Failure;

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

/// The client's IP address (the TCP peer's, as the rate limit keys it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(nanotrace_ratelimit::PeerIp::of(&parts.extensions)))
    }
}
