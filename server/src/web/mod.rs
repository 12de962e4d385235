//! Server-rendered pages: the embedded templates (minijinja, auto-escaped) and the response headers
//! every page carries (no framing, no external loads, no caching).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use minijinja::{Environment, context};

pub struct Templates {
    env: Environment<'static>,
}

/// Headers for every HTML page: anti-clickjacking (`X-Frame-Options` and CSP `frame-ancestors`),
/// no external resources, no referrer leaks of codes in URLs, no caching.
pub fn secure_page(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.add_template("base.html", include_str!("../../templates/base.html"))?;
        env.add_template("consent.html", include_str!("../../templates/consent.html"))?;
        env.add_template("error.html", include_str!("../../templates/error.html"))?;
        env.add_template("landing.html", include_str!("../../templates/landing.html"))?;
        Ok(Self { env })
    }

    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => secure_page(Html(html).into_response()),
            Err(e) => {
                tracing::error!(error = %e, template = name, "template failed");
                secure_page((StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response())
            }
        }
    }

    pub fn error_page(&self, status: StatusCode, title: &str, message: &str) -> Response {
        let mut resp = self.render("error.html", context! { title, message });
        *resp.status_mut() = status;
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_escape_values_and_forbid_framing() {
        let t = Templates::new().unwrap();
        let resp = t.error_page(StatusCode::BAD_REQUEST, "Oops", "<script>alert(1)</script>");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(resp.headers()[header::X_FRAME_OPTIONS], "DENY");
        assert!(resp.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>alert"));
    }
}
