//! The github.com side: the OAuth web flow endpoints, a placeholder avatar
//! image, and the HTML pages GitHub shows for bad requests.

mod authorize;
mod reply;
mod token;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::state::Shared;

/// Routes served at the web root.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/login/oauth/authorize", get(authorize::authorize))
        .route("/login/oauth/access_token", post(token::access_token))
        .route("/avatars/u/{id}", get(avatar))
}

/// The page for unknown web paths.
pub(crate) async fn not_found_page() -> Response {
    html_page(StatusCode::NOT_FOUND, "Page not found")
}

/// A minimal HTML page. `message` must be static text, not request data.
pub(crate) fn html_page(status: StatusCode, message: &'static str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{message} · GitHub emulator</title></head>\
         <body><h1>{message}</h1></body></html>\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A grey placeholder avatar, so pages showing `avatar_url` never reach out.
async fn avatar() -> Response {
    const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\">\
        <rect width=\"64\" height=\"64\" fill=\"#8b949e\"/></svg>";
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "max-age=300")], SVG).into_response()
}

/// Parses `a=b&c=d`; the first occurrence of a key wins.
pub(crate) fn parse_pairs(input: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(input) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}

/// Normalizes a requested scope list (space- or comma-separated) to
/// GitHub's comma-separated form, without duplicates.
pub(crate) fn normalize_scope(scope: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for s in scope.split([' ', ',']).filter(|s| !s.is_empty()) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_become_comma_separated() {
        assert_eq!(normalize_scope("repo read:org"), "repo,read:org");
        assert_eq!(normalize_scope("repo,, repo  user"), "repo,user");
        assert_eq!(normalize_scope(""), "");
    }

    #[test]
    fn first_pair_wins() {
        let m = parse_pairs(b"a=1&a=2&b=x+y");
        assert_eq!(m.get("a").map(String::as_str), Some("1"));
        assert_eq!(m.get("b").map(String::as_str), Some("x y"));
    }
}
