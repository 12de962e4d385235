//! Toolsets: named groups of tools the operator enables with `TOOLSETS` (and `READ_ONLY`), and a
//! request may narrow — never widen — with the `X-MCP-Toolsets` and `X-MCP-Readonly` headers.

use std::collections::BTreeSet;

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Toolset {
    Context,
    Repos,
    Issues,
    PullRequests,
    Users,
    Search,
    Actions,
    Notifications,
}

impl Toolset {
    pub const ALL: [Toolset; 8] = [
        Toolset::Context,
        Toolset::Repos,
        Toolset::Issues,
        Toolset::PullRequests,
        Toolset::Users,
        Toolset::Search,
        Toolset::Actions,
        Toolset::Notifications,
    ];
    pub const DEFAULT: [Toolset; 6] =
        [Toolset::Context, Toolset::Repos, Toolset::Issues, Toolset::PullRequests, Toolset::Users, Toolset::Search];

    pub fn name(self) -> &'static str {
        match self {
            Toolset::Context => "context",
            Toolset::Repos => "repos",
            Toolset::Issues => "issues",
            Toolset::PullRequests => "pull_requests",
            Toolset::Users => "users",
            Toolset::Search => "search",
            Toolset::Actions => "actions",
            Toolset::Notifications => "notifications",
        }
    }

    pub fn parse(name: &str) -> Option<Toolset> {
        Toolset::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The GitHub OAuth scopes this toolset's tools need (OAuth Apps; GitHub Apps use permissions).
    pub fn github_scopes(self) -> &'static [&'static str] {
        match self {
            Toolset::Context => &["read:org"],
            Toolset::Repos | Toolset::Issues | Toolset::PullRequests | Toolset::Search | Toolset::Actions => &["repo"],
            Toolset::Users => &[],
            Toolset::Notifications => &["notifications"],
        }
    }
}

/// Parses `TOOLSETS`: comma/space separated names, or `all`. `Err` names the unknown entry.
pub fn parse_list(value: &str) -> Result<BTreeSet<Toolset>, String> {
    let mut out = BTreeSet::new();
    for name in value.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        if name.eq_ignore_ascii_case("all") {
            out.extend(Toolset::ALL);
        } else {
            out.insert(Toolset::parse(name).ok_or_else(|| name.to_owned())?);
        }
    }
    Ok(out)
}

/// What one request may see and call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub toolsets: BTreeSet<Toolset>,
    pub read_only: bool,
}

impl Selection {
    /// The operator's selection narrowed by the request's headers. Unknown toolset names in the
    /// header are ignored; `X-MCP-Readonly: false` cannot undo the operator's `READ_ONLY`.
    pub fn narrowed(&self, headers: &HeaderMap) -> Selection {
        let toolsets = match headers.get("x-mcp-toolsets").map(|v| v.to_str().unwrap_or("")) {
            Some(v) => {
                let wanted: BTreeSet<Toolset> = v
                    .split(',')
                    .flat_map(|n| {
                        if n.trim().eq_ignore_ascii_case("all") {
                            Toolset::ALL.to_vec()
                        } else {
                            Toolset::parse(n).into_iter().collect()
                        }
                    })
                    .collect();
                self.toolsets.intersection(&wanted).copied().collect()
            }
            None => self.toolsets.clone(),
        };
        // Any value but an explicit no narrows: a client that sends the header means to be read-only.
        let asked_read_only = headers.get("x-mcp-readonly").is_some_and(|v| {
            !matches!(v.to_str().map(|s| s.trim().to_ascii_lowercase()).as_deref(), Ok("0" | "false" | "no" | "off"))
        });
        Selection { toolsets, read_only: self.read_only || asked_read_only }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_all() {
        assert_eq!(parse_list("all").unwrap().len(), 8);
        assert_eq!(parse_list("repos, Issues").unwrap(), [Toolset::Repos, Toolset::Issues].into());
        assert_eq!(parse_list("repos,wiki").unwrap_err(), "wiki");
    }

    #[test]
    fn headers_narrow_but_never_widen() {
        let operator = Selection { toolsets: [Toolset::Context, Toolset::Repos].into(), read_only: false };
        let mut h = HeaderMap::new();
        assert_eq!(operator.narrowed(&h), operator);
        h.insert("x-mcp-toolsets", "repos, actions, nonsense".parse().unwrap());
        h.insert("x-mcp-readonly", "true".parse().unwrap());
        assert_eq!(operator.narrowed(&h), Selection { toolsets: [Toolset::Repos].into(), read_only: true });
        let mut h = HeaderMap::new();
        h.insert("x-mcp-readonly", "Yes".parse().unwrap());
        h.insert("x-mcp-toolsets", axum::http::HeaderValue::from_bytes(b"repos\xff").unwrap());
        assert_eq!(
            operator.narrowed(&h),
            Selection { toolsets: BTreeSet::new(), read_only: true },
            "unreadable narrows to nothing"
        );
        let strict = Selection { toolsets: [Toolset::Repos].into(), read_only: true };
        let mut h = HeaderMap::new();
        h.insert("x-mcp-toolsets", "all".parse().unwrap());
        h.insert("x-mcp-readonly", "false".parse().unwrap());
        assert_eq!(strict.narrowed(&h), strict);
    }
}
