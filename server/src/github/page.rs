//! Pagination: the `page`/`per_page` a tool accepts and what GitHub's `Link` header says about the
//! next page, or, for the lists GitHub pages by cursor (Dependabot alerts, advisories), the
//! cursor of the next page.

/// `per_page` bounds (GitHub's own) and default.
pub const MAX_PER_PAGE: u32 = 100;
pub const DEFAULT_PER_PAGE: u32 = 30;

/// Where a list stands: the page returned and whether another follows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageInfo {
    pub page: u32,
    pub per_page: u32,
    pub has_next_page: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_page: Option<u32>,
}

/// Clamps a tool's `page`/`per_page` into GitHub's accepted range.
pub fn clamp(page: Option<u32>, per_page: Option<u32>) -> (u32, u32) {
    (page.unwrap_or(1).max(1), per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE))
}

/// Where a cursor-paged list stands: whether another page follows, and the cursor to ask for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CursorInfo {
    pub per_page: u32,
    pub has_next_page: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The targets of a `Link` header (RFC 8288) whose relation types include `rel` (`None` for one
/// that is no URL).
fn targets<'a>(link: Option<&'a str>, rel: &'a str) -> impl Iterator<Item = Option<url::Url>> + 'a {
    link.unwrap_or("").split(',').filter_map(move |part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().trim_start_matches('<').trim_end_matches('>');
        let mut rels = params
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("rel="))
            .flat_map(|r| r.trim_matches('"').split_whitespace());
        rels.any(|r| r == rel).then(|| url::Url::parse(target).ok())
    })
}

fn query_value(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Reads a `Link` header (RFC 8288): is there a `rel="next"`, and which page is `rel="last"`?
pub fn from_link(link: Option<&str>, page: u32, per_page: u32) -> PageInfo {
    PageInfo {
        page,
        per_page,
        has_next_page: targets(link, "next").next().is_some(),
        last_page: targets(link, "last").flatten().find_map(|u| query_value(&u, "page")?.parse().ok()),
    }
}

/// Reads a cursor-paged list's `Link` header: the `after` cursor of its `rel="next"` page.
pub fn cursor_from_link(link: Option<&str>, per_page: u32) -> CursorInfo {
    let next_cursor = targets(link, "next").flatten().find_map(|u| query_value(&u, "after"));
    CursorInfo { per_page, has_next_page: next_cursor.is_some(), next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_githubs_link_header() {
        let link = r#"<https://api.github.com/user/orgs?page=3&per_page=2>; rel="next", <https://api.github.com/user/orgs?page=7&per_page=2>; rel="last""#;
        assert_eq!(
            from_link(Some(link), 2, 2),
            PageInfo { page: 2, per_page: 2, has_next_page: true, last_page: Some(7) }
        );
        let last =
            r#"<https://ghe.example/api/v3/x?page=1>; rel="first", <https://ghe.example/api/v3/x?page=6>; rel="prev""#;
        assert!(!from_link(Some(last), 7, 30).has_next_page);
        assert!(!from_link(None, 1, 30).has_next_page);
        assert!(!from_link(Some("garbage"), 1, 30).has_next_page);
    }

    #[test]
    fn a_cursor_list_s_next_cursor_is_the_after_of_its_next_link() {
        let link = r#"<https://api.github.com/advisories?per_page=2&before=Y3Vyc29yOnYyOjI%3D>; rel="prev", <https://api.github.com/advisories?per_page=2&after=Y3Vyc29yOnYyOjQ%3D>; rel="next""#;
        let info = cursor_from_link(Some(link), 2);
        assert_eq!(info.next_cursor.as_deref(), Some("Y3Vyc29yOnYyOjQ="));
        assert!(info.has_next_page);
        assert_eq!(cursor_from_link(None, 30), CursorInfo { per_page: 30, has_next_page: false, next_cursor: None });
    }

    #[test]
    fn clamps_page_arguments() {
        assert_eq!(clamp(None, None), (1, 30));
        assert_eq!(clamp(Some(0), Some(0)), (1, 1));
        assert_eq!(clamp(Some(5), Some(500)), (5, 100));
    }
}
