//! The tool registry: each toolset is one file of tools, each tool a [`define::Def`] and a handler
//! (see [`define`]), merged here with the toolset every tool belongs to, so a request sees only what
//! its [`Selection`] allows. Shared helpers turn GitHub failures into tool errors a model can act on.

pub mod actions;
pub mod context;
pub mod define;
pub mod discussions;
pub mod fields;
pub mod gists;
pub mod issues;
pub mod lockdown;
pub mod notifications;
pub mod planning;
pub mod projects;
pub mod pulls;
pub mod repos;
pub mod reviews;
pub mod search;
pub mod security;
pub mod shape;
pub mod stars;
pub mod support;
pub mod threads;
pub mod users;

use std::{collections::HashMap, sync::Arc};

use rmcp::{handler::server::router::tool::ToolRouter, model::Tool};

use super::server::GatewayServer;
use crate::{
    config::{
        Config,
        toolsets::{Selection, Toolset},
    },
    oauth::scope::{Scope, Scopes},
};

/// Every tool the gateway has, with its toolset.
pub struct Registry {
    router: ToolRouter<GatewayServer>,
    toolset_of: HashMap<String, Toolset>,
    /// Every tool in `tools/list` order (by name), with its toolset and whether it writes.
    listed: Vec<(Tool, Toolset, bool)>,
}

/// A tool changes something on GitHub unless it is annotated read-only.
pub fn is_write(tool: &Tool) -> bool {
    tool.annotations.as_ref().and_then(|a| a.read_only_hint) != Some(true)
}

/// The one scope rule, answering "may this principal call this tool": a tool that reads needs
/// `github:read`, one that `writes` needs `github:write`. Returns the scope `granted` lacks, if any.
/// The step-up middleware (before the call), the call itself and the relay (for GitHub's own
/// tools, whose read-only hints it learns) all ask this.
pub fn missing_scope(granted: Scopes, writes: bool) -> Option<Scope> {
    let needed = if writes { Scope::Write } else { Scope::Read };
    (!granted.contains(needed)).then_some(needed)
}

impl Registry {
    /// The process's registry, built once: start-up settles the configuration with it and
    /// `/mcp` serves it, so the tools and their schemas are generated one time.
    pub fn shared() -> Arc<Registry> {
        static REGISTRY: std::sync::OnceLock<Arc<Registry>> = std::sync::OnceLock::new();
        Arc::clone(REGISTRY.get_or_init(|| Arc::new(Registry::new())))
    }

    pub fn new() -> Self {
        let toolsets = [
            (Toolset::Context, context::context_tools()),
            (Toolset::Repos, repos::repos_tools()),
            (Toolset::Issues, issues::issues_tools()),
            (Toolset::Issues, planning::planning_tools()),
            (Toolset::Issues, fields::fields_tools()),
            (Toolset::PullRequests, pulls::pulls_tools()),
            (Toolset::PullRequests, reviews::reviews_tools()),
            (Toolset::PullRequests, threads::threads_tools()),
            (Toolset::Users, users::users_tools()),
            (Toolset::Search, users::search_tools()),
            (Toolset::Actions, actions::actions_tools()),
            (Toolset::Notifications, notifications::notifications_tools()),
            (Toolset::Stargazers, stars::stars_tools()),
            (Toolset::Gists, gists::gists_tools()),
            (Toolset::CodeSecurity, security::code_security_tools()),
            (Toolset::CodeQuality, security::code_quality_tools()),
            (Toolset::SecretProtection, security::secret_protection_tools()),
            (Toolset::Dependabot, security::dependabot_tools()),
            (Toolset::SecurityAdvisories, security::security_advisories_tools()),
            (Toolset::Projects, projects::projects_tools()),
            (Toolset::Discussions, discussions::discussions_tools()),
        ];
        let mut router = ToolRouter::new();
        let mut toolset_of = HashMap::new();
        for (toolset, routes) in toolsets {
            for route in routes {
                toolset_of.insert(route.name().to_owned(), toolset);
                router.add_route(route);
            }
        }
        let listed = router
            .list_all()
            .into_iter()
            .filter_map(|tool| {
                let toolset = *toolset_of.get(tool.name.as_ref())?;
                let writes = is_write(&tool);
                Some((tool, toolset, writes))
            })
            .collect();
        Self { router, toolset_of, listed }
    }

    pub fn router(&self) -> &ToolRouter<GatewayServer> {
        &self.router
    }

    /// The tool, if it exists and `selection` allows it.
    pub fn enabled(&self, name: &str, selection: &Selection) -> Option<&Tool> {
        let tool = self.router.get(name)?;
        let toolset = self.toolset_of.get(name)?;
        selection.allows(name, *toolset, is_write(tool)).then_some(tool)
    }

    /// The first name `selection` mentions that is no tool here, with the setting or header that
    /// named it.
    pub fn unknown<'a>(&self, selection: &'a Selection) -> Option<(&'static str, &'a str)> {
        selection.named_tools().find(|(_, name)| self.router.get(name).is_none())
    }

    /// Settles the operator's tool settings at start-up: every name in `TOOLS` and `EXCLUDE_TOOLS`
    /// must be a tool (in upstream mode the names are GitHub's server's, passed on as they are),
    /// and unless `GITHUB_SCOPES` was set, the GitHub scopes of the tools `TOOLS` names are asked
    /// for too. `Err` is one line naming the setting.
    pub fn settle(&self, config: &mut Config) -> Result<(), String> {
        if config.upstream_mcp.is_some() {
            return Ok(());
        }
        if let Some((setting, name)) = self.unknown(&config.selection()) {
            let near: Vec<&str> = self
                .toolset_of
                .keys()
                .map(String::as_str)
                .filter(|t| t.contains(name) || name.contains(*t))
                .take(3)
                .collect();
            let hint = if near.is_empty() { String::new() } else { format!(" (did you mean {}?)", near.join(", ")) };
            return Err(format!("{setting}: `{name}` is not a tool{hint}; the README's Tools section lists them"));
        }
        if !config.github_scopes_explicit {
            for name in &config.tools {
                let needed = self.toolset_of.get(name).map(|t| t.github_scopes()).unwrap_or_default();
                crate::config::toolsets::ask_github_for(&mut config.github_scopes, needed);
            }
        }
        Ok(())
    }

    /// The tools `selection` allows, in a stable order.
    pub fn visible(&self, selection: &Selection) -> Vec<Tool> {
        self.listed.iter().filter(|(t, set, w)| selection.allows(&t.name, *set, *w)).map(|(t, ..)| t.clone()).collect()
    }

    /// Which tools `selection` lists, as a bit set in `tools/list` order: equal sets, equal lists.
    pub fn visible_set(&self, selection: &Selection) -> Box<[u64]> {
        let mut bits = vec![0u64; self.listed.len().div_ceil(64)];
        for (i, (tool, toolset, writes)) in self.listed.iter().enumerate() {
            if selection.allows(&tool.name, *toolset, *writes) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        bits.into_boxed_slice()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}
