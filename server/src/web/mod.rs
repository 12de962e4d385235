//! Server-rendered pages: the embedded templates (minijinja, auto-escaped) and the response headers
//! every page carries (no framing, no external loads, no caching).
//!
//! The pages run one script, `templates/page.js` (copy buttons), inlined by `base.html`. The CSP
//! allows exactly that script by its SHA-256, computed here from the same bytes the template emits,
//! so scripts stay `'none'` in every other respect: no `'unsafe-inline'`, no inline event handlers.

use std::sync::LazyLock;

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use minijinja::{Environment, Value, context};
use sha2::{Digest, Sha256};

/// The pages' only script, inlined verbatim (its hash is in the CSP).
pub const PAGE_SCRIPT: &str = include_str!("../../templates/page.js");

/// The CSP source that allows [`PAGE_SCRIPT`]: `'sha256-<base64 of its SHA-256>'`.
pub fn script_hash_source() -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(PAGE_SCRIPT.as_bytes())))
}

/// The `Content-Security-Policy` of every page: nothing external, no framing, and scripts limited to
/// the one whose hash is listed.
pub static PAGE_CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; script-src {}; style-src 'unsafe-inline'; img-src 'self' data:; \
         frame-ancestors 'none'; base-uri 'none'",
        script_hash_source()
    )
});

pub struct Templates {
    env: Environment<'static>,
}

/// Headers for every HTML page: anti-clickjacking (`X-Frame-Options` and CSP `frame-ancestors`),
/// no external resources, no referrer leaks of codes in URLs, no caching.
pub fn secure_page(mut resp: Response) -> Response {
    static CSP: LazyLock<HeaderValue> =
        LazyLock::new(|| HeaderValue::from_str(&PAGE_CSP).expect("the CSP is a valid header value"));
    let h = resp.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CONTENT_SECURITY_POLICY, CSP.clone());
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
        env.add_template("signed_in.html", include_str!("../../templates/signed_in.html"))?;
        env.add_global("page_script", Value::from_safe_string(PAGE_SCRIPT.to_owned()));
        env.add_global("demo", false);
        Ok(Self { env })
    }

    /// Marks every page as a demo (`DEMO` mode): `base.html` then shows a banner saying that sign-in
    /// goes to a local GitHub emulator, and titles carry "(demo)".
    pub fn with_demo(mut self, demo: bool) -> Self {
        self.env.add_global("demo", demo);
        self
    }

    pub fn render(&self, name: &str, ctx: Value) -> Response {
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

    async fn html(resp: Response) -> String {
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn pages_escape_values_and_forbid_framing() {
        let t = Templates::new().unwrap();
        let resp = t.error_page(StatusCode::BAD_REQUEST, "Oops", "<script>alert(1)</script>");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(resp.headers()[header::X_FRAME_OPTIONS], "DENY");
        assert!(resp.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
        let html = html(resp).await;
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>alert"));
    }

    #[tokio::test]
    async fn the_csp_allows_exactly_the_inlined_script_by_its_hash() {
        let resp = Templates::new().unwrap().error_page(StatusCode::BAD_REQUEST, "Oops", "x");
        let csp = resp.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        let script_src = csp.split("; ").find(|d| d.starts_with("script-src ")).expect("a script-src directive");
        assert_eq!(script_src, format!("script-src {}", script_hash_source()));
        assert!(csp.starts_with("default-src 'none'; ") && csp.contains("base-uri 'none'"), "{csp}");
        // The page carries the script byte for byte, so the browser computes the same hash.
        let html = html(resp).await;
        assert_eq!(html.matches("<script>").count(), 1);
        assert!(html.contains(&format!("<script>{PAGE_SCRIPT}</script>")));
        assert!(!PAGE_SCRIPT.contains("</"), "the script must not be able to close its element");
        // A known answer for the hashing itself (SHA-256 of "", base64).
        assert_eq!(STANDARD.encode(Sha256::digest(b"")), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[tokio::test]
    async fn demo_marks_every_page() {
        let plain = Templates::new().unwrap();
        let demo = Templates::new().unwrap().with_demo(true);
        for name in ["error.html", "landing.html", "signed_in.html", "consent.html"] {
            let without = html(plain.render(name, context! { title => "T", message => "M" })).await;
            assert!(!without.contains("Demo mode") && !without.contains("(demo)"), "{name}");
            let with = html(demo.render(name, context! { title => "T", message => "M" })).await;
            assert!(with.contains("Demo mode") && with.contains("not github.com"), "{name}: {with}");
            assert!(with.contains("MCP GitHub Gateway (demo)</title>"), "{name}");
        }
        let off_again = Templates::new().unwrap().with_demo(true).with_demo(false);
        assert!(!html(off_again.error_page(StatusCode::OK, "T", "M")).await.contains("Demo mode"));
    }

    #[tokio::test]
    async fn urls_in_attributes_are_escaped() {
        let t = Templates::new().unwrap();
        let to = "cursor://cb?code=a&state=\"><script>x</script>";
        let page = html(t.render(
            "signed_in.html",
            context! { client_name => "<b>App</b>", login => "octo\"cat", app => "cursor:", return_url => to, refresh_url => to },
        ))
        .await;
        assert!(!page.contains("<b>App") && !page.contains("\"><script>x") && !page.contains("octo\"cat"));
        assert!(page.contains("href=\"cursor:&#x2f;&#x2f;cb?code=a&amp;state=&quot;&gt;&lt;script&gt;"), "{page}");
        assert!(page.contains("content=\"0;url=cursor:&#x2f;&#x2f;cb?code=a&amp;state=&quot;"), "{page}");
    }
}
