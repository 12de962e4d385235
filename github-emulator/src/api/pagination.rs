//! `page`/`per_page` handling and the `Link` header GitHub sends with
//! paginated lists (`rel="prev"`, `"next"`, `"last"`, `"first"`), the cursor
//! pagination (`after`/`before`, `rel="next"`/`"prev"` only) of the newer
//! endpoints (Dependabot alerts, advisories), and the responses for a page of
//! a JSON list or of search results.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::errors::json_response;

const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;

/// One page of a list, and the `Link` header to send with it, if any.
#[derive(Debug)]
pub(crate) struct Paged<'a, T> {
    pub items: &'a [T],
    pub link: Option<HeaderValue>,
}

/// Cuts `items` to the page the request asks for. `uri` is the request URI
/// as the API router sees it (path after the prefix); links are absolute,
/// built on `api_url`, and keep the request's other query parameters.
pub(crate) fn paginate<'a, T>(items: &'a [T], uri: &Uri, api_url: &str) -> Paged<'a, T> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let number = |key: &str| pairs.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.parse::<usize>().ok());
    let per_page = number("per_page").filter(|n| *n > 0).unwrap_or(DEFAULT_PER_PAGE).min(MAX_PER_PAGE);
    let page = number("page").filter(|n| *n > 0).unwrap_or(1);
    let last = items.len().div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(items.len());
    let end = start.saturating_add(per_page).min(items.len());

    let link_to = |target: usize, rel: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| k != "page" && k != "per_page") {
            query.append_pair(k, v);
        }
        query.append_pair("per_page", &per_page.to_string());
        query.append_pair("page", &target.to_string());
        format!("<{api_url}{}?{}>; rel=\"{rel}\"", uri.path(), query.finish())
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link_to((page - 1).min(last), "prev"));
    }
    if page < last {
        links.push(link_to(page + 1, "next"));
        links.push(link_to(last, "last"));
    }
    if page > 1 {
        links.push(link_to(1, "first"));
    }
    let link = (!links.is_empty()).then(|| HeaderValue::from_str(&links.join(", ")).ok()).flatten();
    Paged { items: &items[start..end], link }
}

/// A 200 with one page of `items` rendered by `render`, and its `Link`.
pub(crate) fn list_response<T>(items: &[T], uri: &Uri, api_url: &str, render: impl Fn(&T) -> Value) -> Response {
    let page = paginate(items, uri, api_url);
    let body = Value::Array(page.items.iter().map(render).collect());
    with_link(json_response(StatusCode::OK, &body), page.link)
}

/// A 200 with search results: `total_count`, `incomplete_results` and one
/// page of `items` (each with a `score`), and its `Link`; `search_type` where the endpoint reports it.
pub(crate) fn search_response<T>(
    items: &[T],
    uri: &Uri,
    api_url: &str,
    search_type: Option<&str>,
    render: impl Fn(&T) -> Value,
) -> Response {
    let page = paginate(items, uri, api_url);
    let rendered: Vec<Value> = page
        .items
        .iter()
        .map(|item| {
            let mut value = render(item);
            if let Some(map) = value.as_object_mut() {
                map.insert("score".into(), json!(1.0));
            }
            value
        })
        .collect();
    let mut body = json!({"total_count": items.len(), "incomplete_results": false, "items": rendered});
    if let Some(kind) = search_type {
        body["search_type"] = json!(kind);
    }
    with_link(json_response(StatusCode::OK, &body), page.link)
}

/// GitHub's opaque cursor for position `index` (REST: the item a page starts after or ends
/// before; GraphQL: the item itself).
pub(crate) fn cursor(index: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("cursor:v2:{index}"))
}

/// The position a [`cursor`] stands for (`None`: not one of ours).
pub(crate) fn position(cursor: &str) -> Option<usize> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("cursor:v2:")?.parse().ok()
}

/// A 200 with the page of `items` a cursor-paginated request asks for (`per_page`, and `after` or
/// `before` a cursor from an earlier `Link`), rendered by `render`, and its `Link`. A cursor that
/// is not one of ours is GitHub's 400.
pub(crate) fn cursor_response<T>(
    items: &[T],
    uri: &Uri,
    api_url: &str,
    render: impl Fn(&T) -> Value,
) -> Result<Response, super::errors::ApiError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let per_page =
        value("per_page").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n > 0).unwrap_or(DEFAULT_PER_PAGE);
    let per_page = per_page.min(MAX_PER_PAGE);
    let bad = || super::errors::ApiError::new(StatusCode::BAD_REQUEST, "Bad Request: invalid cursor");
    let (start, end) = match (value("after"), value("before")) {
        (Some(after), _) => {
            let start = position(after).ok_or_else(bad)?.min(items.len());
            (start, start.saturating_add(per_page).min(items.len()))
        }
        (None, Some(before)) => {
            let end = position(before).ok_or_else(bad)?.min(items.len());
            (end.saturating_sub(per_page), end)
        }
        (None, None) => (0, per_page.min(items.len())),
    };
    let link_to = |key: &str, at: usize, rel: &str| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| !["after", "before", "per_page", "page"].contains(&k.as_str())) {
            query.append_pair(k, v);
        }
        query.append_pair("per_page", &per_page.to_string());
        query.append_pair(key, &cursor(at));
        format!("<{api_url}{}?{}>; rel=\"{rel}\"", uri.path(), query.finish())
    };
    let mut links = Vec::new();
    if start > 0 {
        links.push(link_to("before", start, "prev"));
    }
    if end < items.len() {
        links.push(link_to("after", end, "next"));
    }
    let link = (!links.is_empty()).then(|| HeaderValue::from_str(&links.join(", ")).ok()).flatten();
    let body = Value::Array(items[start..end].iter().map(render).collect());
    Ok(with_link(json_response(StatusCode::OK, &body), link))
}

fn with_link(mut response: Response, link: Option<HeaderValue>) -> Response {
    if let Some(link) = link {
        response.headers_mut().insert(header::LINK, link);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: &[u32], uri: &'static str) -> (Vec<u32>, String) {
        let uri = Uri::from_static(uri);
        let paged = paginate(items, &uri, "http://h/api/v3");
        let link = paged.link.and_then(|l| l.to_str().ok().map(str::to_owned)).unwrap_or_default();
        (paged.items.to_vec(), link)
    }

    #[test]
    fn middle_page_has_all_links() {
        let items: Vec<u32> = (0..10).collect();
        let (got, link) = page(&items, "/user/orgs?per_page=3&page=2&x=y");
        assert_eq!(got, vec![3, 4, 5]);
        assert_eq!(
            link,
            "<http://h/api/v3/user/orgs?x=y&per_page=3&page=1>; rel=\"prev\", \
             <http://h/api/v3/user/orgs?x=y&per_page=3&page=3>; rel=\"next\", \
             <http://h/api/v3/user/orgs?x=y&per_page=3&page=4>; rel=\"last\", \
             <http://h/api/v3/user/orgs?x=y&per_page=3&page=1>; rel=\"first\""
        );
    }

    #[test]
    fn cursors_walk_forward_and_back_and_refuse_foreign_ones() {
        let items: Vec<u32> = (0..5).collect();
        let link_of = |uri: &str| -> String {
            let uri: Uri = uri.parse().unwrap();
            let response = cursor_response(&items, &uri, "http://h", |n| json!(n)).unwrap();
            response.headers().get(header::LINK).and_then(|l| l.to_str().ok()).unwrap_or("").to_owned()
        };
        let link = link_of("/advisories?per_page=2&ecosystem=npm");
        let after = link.split("after=").nth(1).and_then(|s| s.split('>').next()).unwrap().to_owned();
        assert!(link.contains("ecosystem=npm") && link.ends_with("rel=\"next\""), "{link}");
        assert_eq!(position(&url::form_urlencoded::parse(format!("a={after}").as_bytes()).next().unwrap().1), Some(2));
        let link = link_of(&format!("/advisories?per_page=2&after={after}"));
        assert!(link.contains("rel=\"prev\"") && link.contains("rel=\"next\""), "{link}");
        let uri: Uri = "/advisories?after=bm9wZQ".parse().unwrap();
        assert!(cursor_response(&items, &uri, "http://h", |n| json!(n)).is_err());
    }

    #[test]
    fn single_page_has_no_link_and_bad_numbers_use_defaults() {
        let items: Vec<u32> = (0..5).collect();
        let (got, link) = page(&items, "/user/orgs?per_page=abc&page=0");
        assert_eq!(got.len(), 5);
        assert_eq!(link, "");
        let (got, _) = page(&items, "/user/orgs?per_page=2&page=99");
        assert!(got.is_empty());
    }
}
