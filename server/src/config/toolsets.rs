//! Toolsets: named groups of tools the operator enables with `TOOLSETS` (and `READ_ONLY`), and a
//! request may narrow — never widen — with the `X-MCP-Toolsets` and `X-MCP-Readonly` headers.

use std::{collections::BTreeSet, sync::Arc};

use axum::http::HeaderMap;

/// The request headers [`Selection::narrowed`] reads.
const NARROWING_HEADERS: [&str; 5] =
    ["x-mcp-toolsets", "x-mcp-tools", "x-mcp-exclude-tools", "x-mcp-readonly", "x-mcp-lockdown"];

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
    Stargazers,
    Gists,
    CodeSecurity,
    CodeQuality,
    SecretProtection,
    Dependabot,
    SecurityAdvisories,
    Projects,
    Discussions,
}

impl Toolset {
    pub const ALL: [Toolset; 17] = [
        Toolset::Context,
        Toolset::Repos,
        Toolset::Issues,
        Toolset::PullRequests,
        Toolset::Users,
        Toolset::Search,
        Toolset::Actions,
        Toolset::Notifications,
        Toolset::Stargazers,
        Toolset::Gists,
        Toolset::CodeSecurity,
        Toolset::CodeQuality,
        Toolset::SecretProtection,
        Toolset::Dependabot,
        Toolset::SecurityAdvisories,
        Toolset::Projects,
        Toolset::Discussions,
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
            Toolset::Stargazers => "stargazers",
            Toolset::Gists => "gists",
            Toolset::CodeSecurity => "code_security",
            Toolset::CodeQuality => "code_quality",
            Toolset::SecretProtection => "secret_protection",
            Toolset::Dependabot => "dependabot",
            Toolset::SecurityAdvisories => "security_advisories",
            Toolset::Projects => "projects",
            Toolset::Discussions => "discussions",
        }
    }

    pub fn parse(name: &str) -> Option<Toolset> {
        Toolset::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The GitHub OAuth scopes this toolset's tools need (OAuth Apps; GitHub Apps use permissions).
    pub fn github_scopes(self) -> &'static [&'static str] {
        match self {
            Toolset::Context => &["read:org"],
            // Issue fields are the organization's (`GET /orgs/{org}/issue-fields` needs read:org).
            Toolset::Issues => &["repo", "read:org"],
            Toolset::Repos | Toolset::PullRequests | Toolset::Search | Toolset::Actions => &["repo"],
            Toolset::Users => &[],
            Toolset::Notifications => &["notifications"],
            Toolset::Stargazers => &["public_repo"],
            Toolset::Gists => &["gist"],
            // GitHub's scope for code scanning, secret scanning, Dependabot and code quality
            // alerts (`repo` also covers them; a public-only deployment lacks `repo`).
            Toolset::CodeSecurity | Toolset::CodeQuality | Toolset::SecretProtection | Toolset::Dependabot => {
                &["security_events"]
            }
            // Global advisories need no scope; draft repository advisories need `repo`.
            Toolset::SecurityAdvisories => &["repo"],
            // GitHub Projects: `project` reads and writes them (`read:project` only reads).
            Toolset::Projects => &["project"],
            Toolset::Discussions => &["repo"],
        }
    }
}

/// Adds the GitHub scopes `more` to `scopes`, each once. `repo` includes `public_repo` and
/// `security_events` (GitHub's scope hierarchy), so only the wider one is asked for.
pub fn ask_github_for(scopes: &mut Vec<String>, more: &[&str]) {
    for scope in more {
        if !scopes.iter().any(|s| s == scope) {
            scopes.push((*scope).to_owned());
        }
    }
    if scopes.iter().any(|s| s == "repo") {
        scopes.retain(|s| s != "public_repo" && s != "security_events");
    }
}

/// Parses `TOOLSETS`: comma/space separated names, or `all`. `Err` names the unknown entry.
pub fn parse_list(value: &str) -> Result<BTreeSet<Toolset>, String> {
    let mut out = BTreeSet::new();
    for name in items(value) {
        if name.eq_ignore_ascii_case("all") {
            out.extend(Toolset::ALL);
        } else {
            out.insert(Toolset::parse(name).ok_or_else(|| name.to_owned())?);
        }
    }
    Ok(out)
}

/// The entries of a comma/space separated list (a setting or a header), trimmed, empty ones dropped.
pub fn items(value: &str) -> impl Iterator<Item = &str> {
    value.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty())
}

/// Parses `TOOLS` / `EXCLUDE_TOOLS`: comma/space separated tool names.
/// `Err` names an entry that cannot be a tool name; whether a tool of that name exists is the tool
/// registry's to say (`mcp::tools::Registry::unknown`).
pub fn parse_tools(value: &str) -> Result<BTreeSet<String>, String> {
    items(value)
        .map(|name| {
            let ok = name.len() <= 64 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if ok { Ok(name.to_owned()) } else { Err(name.chars().take(64).collect()) }
        })
        .collect()
}

/// What one request may see and call: the operator's choice, and within it the request's own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// Toolsets offered whole (`TOOLSETS`).
    pub toolsets: BTreeSet<Toolset>,
    /// Tools offered by name besides those toolsets (`TOOLS`).
    pub tools: BTreeSet<String>,
    /// Tools never offered, whatever names them (`EXCLUDE_TOOLS`).
    pub exclude: BTreeSet<String>,
    /// Write tools hidden and refused (`READ_ONLY`, or the request's `X-MCP-Readonly`).
    pub read_only: bool,
    /// Lockdown mode (`LOCKDOWN`, or the request's `X-MCP-Lockdown: true`).
    pub lockdown: bool,
    /// The request's `X-MCP-Toolsets` / `X-MCP-Tools` / `X-MCP-Exclude-Tools`, applied inside the
    /// above: a request can narrow what it sees, never widen it.
    pub narrowing: Option<Box<Selection>>,
}

impl Selection {
    /// Whether the tool `name` of `toolset`, which `writes` or not, is offered.
    pub fn allows(&self, name: &str, toolset: Toolset, writes: bool) -> bool {
        (self.toolsets.contains(&toolset) || self.tools.contains(name))
            && !self.exclude.contains(name)
            && !(self.read_only && writes)
            && self.narrowing.as_ref().is_none_or(|n| n.allows(name, toolset, writes))
    }

    /// Every tool name this selection mentions (to check that each names a tool).
    pub fn named_tools(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let own = self
            .tools
            .iter()
            .map(|t| ("TOOLS", t.as_str()))
            .chain(self.exclude.iter().map(|t| ("EXCLUDE_TOOLS", t.as_str())));
        let request = self.narrowing.iter().flat_map(|n| {
            n.tools
                .iter()
                .map(|t| ("X-MCP-Tools", t.as_str()))
                .chain(n.exclude.iter().map(|t| ("X-MCP-Exclude-Tools", t.as_str())))
        });
        own.chain(request)
    }

    /// [`Selection::narrowed`] for a shared selection: the same `Arc`, without a copy, when the
    /// headers narrow nothing (most requests).
    pub fn narrowed_shared(this: &Arc<Selection>, headers: &HeaderMap) -> Arc<Selection> {
        if this.narrowing.is_none() && NARROWING_HEADERS.iter().all(|name| !headers.contains_key(*name)) {
            return this.clone();
        }
        Arc::new(this.narrowed(headers))
    }

    /// The operator's selection narrowed by the request's headers. Like GitHub's server:
    /// `X-MCP-Tools` alone offers only those tools, with `X-MCP-Toolsets` it adds to them, and
    /// `X-MCP-Exclude-Tools` wins over both. Unknown toolset names are ignored; tool names that
    /// cannot be tool names are kept, so the registry refuses them as unknown.
    /// `X-MCP-Readonly: false` cannot undo the operator's `READ_ONLY`, nor `X-MCP-Lockdown: false`
    /// the operator's `LOCKDOWN`.
    pub fn narrowed(&self, headers: &HeaderMap) -> Selection {
        let text = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"));
        let names = |v: &str| -> BTreeSet<String> { items(v).map(str::to_owned).collect() };
        let toolsets = text("x-mcp-toolsets").map(|v| {
            v.split(',')
                .flat_map(|n| {
                    if n.trim().eq_ignore_ascii_case("all") {
                        Toolset::ALL.to_vec()
                    } else {
                        Toolset::parse(n).into_iter().collect()
                    }
                })
                .collect::<BTreeSet<Toolset>>()
        });
        let tools = text("x-mcp-tools").map(names);
        let exclude = text("x-mcp-exclude-tools").map(names).unwrap_or_default();
        // Any value but an explicit no narrows: a client that sends the header means to be
        // read-only (or locked down).
        let asks = |name: &str| {
            headers.get(name).is_some_and(|v| {
                !matches!(
                    v.to_str().map(|s| s.trim().to_ascii_lowercase()).as_deref(),
                    Ok("0" | "false" | "no" | "off")
                )
            })
        };
        let asked_read_only = asks("x-mcp-readonly");
        let asked_lockdown = asks("x-mcp-lockdown");
        let narrowing = (toolsets.is_some() || tools.is_some() || !exclude.is_empty()).then(|| {
            Box::new(Selection {
                toolsets: toolsets
                    .unwrap_or_else(|| if tools.is_some() { BTreeSet::new() } else { Toolset::ALL.into() }),
                tools: tools.unwrap_or_default(),
                exclude,
                read_only: false,
                lockdown: false,
                narrowing: None,
            })
        });
        Selection {
            read_only: self.read_only || asked_read_only,
            lockdown: self.lockdown || asked_lockdown,
            narrowing,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_all() {
        assert_eq!(parse_list("all").unwrap().len(), Toolset::ALL.len());
        assert_eq!(parse_list("secret_protection").unwrap(), [Toolset::SecretProtection].into());
        assert_eq!(parse_list("repos, Issues").unwrap(), [Toolset::Repos, Toolset::Issues].into());
        assert_eq!(parse_list("repos,wiki").unwrap_err(), "wiki");
    }

    fn operator(toolsets: &[Toolset], read_only: bool) -> Selection {
        Selection { toolsets: toolsets.iter().copied().collect(), read_only, ..Default::default() }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn headers_narrow_but_never_widen() {
        let op = operator(&[Toolset::Context, Toolset::Repos], false);
        assert_eq!(op.narrowed(&HeaderMap::new()), op);
        let shared = Arc::new(op.clone());
        assert!(Arc::ptr_eq(&Selection::narrowed_shared(&shared, &HeaderMap::new()), &shared), "no copy");
        for name in NARROWING_HEADERS {
            let narrowed = Selection::narrowed_shared(&shared, &headers(&[(name, "true")]));
            assert_eq!(*narrowed, op.narrowed(&headers(&[(name, "true")])), "{name}");
        }
        let n = op.narrowed(&headers(&[("x-mcp-toolsets", "repos, actions, nonsense"), ("x-mcp-readonly", "true")]));
        assert!(n.read_only);
        assert!(n.allows("get_repository", Toolset::Repos, false));
        assert!(!n.allows("get_me", Toolset::Context, false), "narrowed away");
        assert!(!n.allows("list_workflow_runs", Toolset::Actions, false), "never widened");
        assert!(!n.allows("create_branch", Toolset::Repos, true), "read-only asked for");
        let mut h = headers(&[("x-mcp-readonly", "Yes")]);
        h.insert("x-mcp-toolsets", axum::http::HeaderValue::from_bytes(b"repos\xff").unwrap());
        let n = op.narrowed(&h);
        assert!(n.read_only && !n.allows("get_repository", Toolset::Repos, false), "unreadable narrows to nothing");
        let strict = operator(&[Toolset::Repos], true);
        let n = strict.narrowed(&headers(&[("x-mcp-toolsets", "all"), ("x-mcp-readonly", "false")]));
        assert!(n.read_only && !n.allows("get_me", Toolset::Context, false));
    }

    #[test]
    fn the_lockdown_header_turns_lockdown_on_but_never_off() {
        let open = operator(&[Toolset::Issues], false);
        assert!(!open.narrowed(&HeaderMap::new()).lockdown);
        assert!(open.narrowed(&headers(&[("x-mcp-lockdown", "true")])).lockdown);
        assert!(!open.narrowed(&headers(&[("x-mcp-lockdown", "false")])).lockdown);
        let locked = Selection { lockdown: true, ..open };
        assert!(locked.narrowed(&headers(&[("x-mcp-lockdown", "off")])).lockdown, "the operator's setting stands");
    }

    #[test]
    fn tools_alone_offer_only_those_with_toolsets_they_add_and_exclusion_wins() {
        let op = Selection { tools: ["get_me".to_owned(), "create_issue".to_owned()].into(), ..Default::default() };
        assert!(op.allows("get_me", Toolset::Context, false));
        assert!(!op.allows("list_my_orgs", Toolset::Context, false));
        let op = Selection {
            toolsets: [Toolset::Repos].into(),
            tools: ["get_me".to_owned()].into(),
            exclude: ["create_branch".to_owned(), "get_me".to_owned()].into(),
            ..Default::default()
        };
        assert!(op.allows("get_repository", Toolset::Repos, false));
        assert!(!op.allows("create_branch", Toolset::Repos, true), "excluded");
        assert!(!op.allows("get_me", Toolset::Context, false), "exclusion wins over naming");
        let n = op.narrowed(&headers(&[("x-mcp-tools", "get_repository,list_branches")]));
        assert!(n.allows("get_repository", Toolset::Repos, false));
        assert!(!n.allows("get_commit", Toolset::Repos, false), "X-MCP-Tools alone: only those");
        let n = op.narrowed(&headers(&[("x-mcp-tools", "get_me"), ("x-mcp-toolsets", "repos")]));
        assert!(!n.allows("get_me", Toolset::Context, false), "a header cannot undo EXCLUDE_TOOLS");
        let n = op.narrowed(&headers(&[("x-mcp-exclude-tools", "get_commit")]));
        assert!(n.allows("get_repository", Toolset::Repos, false) && !n.allows("get_commit", Toolset::Repos, false));
        let names: Vec<_> = n.named_tools().collect();
        assert!(names.contains(&("X-MCP-Exclude-Tools", "get_commit")) && names.contains(&("TOOLS", "get_me")));
    }

    #[test]
    fn tool_lists_name_tools() {
        assert_eq!(parse_tools("get_me, create_issue get_me").unwrap().len(), 2);
        assert_eq!(parse_tools("get_me,Drop Table").unwrap_err(), "Drop");
    }
}
