//! Pagination: the `page`/`per_page` a tool accepts and what GitHub's `Link` header says about the
//! next page.

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

/// Reads a `Link` header (RFC 8288): is there a `rel="next"`, and which page is `rel="last"`?
pub fn from_link(link: Option<&str>, page: u32, per_page: u32) -> PageInfo {
    let mut info = PageInfo { page, per_page, has_next_page: false, last_page: None };
    for part in link.unwrap_or("").split(',') {
        let Some((target, params)) = part.split_once(';') else { continue };
        let target = target.trim().trim_start_matches('<').trim_end_matches('>');
        let rels: Vec<&str> = params
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("rel="))
            .flat_map(|r| r.trim_matches('"').split_whitespace())
            .collect();
        if rels.contains(&"next") {
            info.has_next_page = true;
        }
        if rels.contains(&"last") {
            info.last_page = url::Url::parse(target)
                .ok()
                .and_then(|u| u.query_pairs().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok()));
        }
    }
    info
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
    fn clamps_page_arguments() {
        assert_eq!(clamp(None, None), (1, 30));
        assert_eq!(clamp(Some(0), Some(0)), (1, 1));
        assert_eq!(clamp(Some(5), Some(500)), (5, 100));
    }
}
