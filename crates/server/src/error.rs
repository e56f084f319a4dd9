//! The one error shape of the API: `{"error": {"field": …, "message": …}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub field: Option<String>,
    pub message: String,
    /// Seconds, sent as `Retry-After` (429 and 503 answers the client may retry).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, field: Option<&str>, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            field: field.map(str::to_string),
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after = Some(secs);
        self
    }
    pub fn bad(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, Some(field), message)
    }
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            None,
            "send `Authorization: Bearer <token>` with a valid, unrevoked token",
        )
    }
    pub fn forbidden(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            None,
            format!("this token's role may not {what}"),
        )
    }
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, None, what)
    }
    /// The log could not be read or written: the caller must not assume anything was recorded.
    pub fn store(e: impl std::fmt::Display) -> ApiError {
        eprintln!("brightline: decision log error: {e}");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "the decision log is unavailable; nothing was recorded",
        )
    }
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        eprintln!("brightline: internal error: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "internal error; nothing was recorded",
        )
    }
}

impl From<brightline::RequestError> for ApiError {
    fn from(e: brightline::RequestError) -> ApiError {
        ApiError::bad(&e.field, e.message)
    }
}

pub fn body(status: StatusCode, field: Option<&str>, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "field": field, "message": message } })),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = body(self.status, self.field.as_deref(), &self.message);
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        r
    }
}

/// The error body, for the OpenAPI description.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The offending input's path, or null.
    pub field: Option<String>,
    pub message: String,
}
