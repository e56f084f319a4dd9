//! Response headers every answer carries.
//!
//! The console loads its scripts and styles from /assets only, so a policy of
//! `default-src 'self'` costs it nothing and stops injected markup from running
//! or loading anything; `frame-ancestors 'none'` stops clickjacking. The map's
//! exports are blobs the page itself makes: the PNG is drawn from the SVG's
//! blob URL (`img-src blob:`) and a download may be read back (`connect-src
//! blob:`); only same-origin script can make a blob URL. Everything
//! but the static assets may hold personal data (decisions, subjects' keys,
//! tokens), so nothing else may be kept by a browser or proxy cache.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub const CSP: &str =
    "default-src 'self'; img-src 'self' blob:; connect-src 'self' blob:; frame-ancestors 'none'";

pub async fn secure(req: Request, next: Next) -> Response {
    let static_asset = req.uri().path().starts_with("/assets/");
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !static_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}
