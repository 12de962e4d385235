//! The in-memory GitHub the REST API serves: repositories with their git
//! history, issues, pull requests, CI results and notifications. It is
//! seeded at start (see `seed` for the facts tests rely on) and lives in
//! the shared state's mutable part, behind its one lock.
//!
//! Permissions are not decided here but in `api::access`.

mod activity;
mod diff;
mod git;
mod issues;
mod projects;
mod pulls;
mod security;
mod seed;
mod seed_ci;
mod seed_security;
pub(crate) mod time;

use std::collections::{BTreeMap, HashMap};

pub(crate) use activity::{
    AnnotatedTag, Artifact, CheckRun, CommitStatus, Download, Gist, Job, Release, RepoSubscription, Run, Thread,
};
pub(crate) use diff::{diff, unified};
pub(crate) use git::{Change, Commit, Git, Tree, changes, dir_sha};
pub(crate) use issues::{
    Comment, Discussion, DiscussionCategory, DiscussionComment, FieldKind, FieldOption, FieldValue, Issue, IssueField,
    IssueType, Label, Merged, Milestone, Pull, REACTIONS, Reaction, Review, ReviewComment, Team,
};
pub(crate) use projects::{ItemContent, ItemValue, Project, ProjectField, ProjectFieldKind, ProjectItem};
pub(crate) use pulls::{MergeOptions, MergeRefusal, UpdateRefusal};
pub(crate) use security::{
    Advisory, Affected, CodeAlert, DependabotAlert, Findings, QualityFinding, RepoAdvisory, SecretAlert,
};

/// Everything the API can read and change.
#[derive(Debug)]
pub(crate) struct World {
    pub repos: Vec<Repo>,
    pub git: Git,
    pub threads: Vec<Thread>,
    pub repo_subscriptions: Vec<RepoSubscription>,
    pub teams: Vec<Team>,
    pub gists: Vec<Gist>,
    /// Who starred which repository, and when: (login, (owner, name), time).
    pub stars: Vec<(String, (String, String), u64)>,
    pub issue_types: Vec<IssueType>,
    pub issue_fields: Vec<IssueField>,
    /// GitHub's global advisory database.
    pub advisories: Vec<Advisory>,
    /// Projects (v2) of organizations and users.
    pub projects: Vec<Project>,
    /// Logins that are organizations (users come from the config).
    pub orgs: Vec<String>,
    /// One-time download tokens handed out in redirects → what they download.
    pub downloads: HashMap<String, Download>,
    next_id: u64,
}

/// One repository and everything in it.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub private: bool,
    pub description: Option<String>,
    pub homepage: Option<String>,
    pub topics: Vec<String>,
    pub language: Option<String>,
    pub stars: u64,
    pub default_branch: String,
    /// `(owner, name)` of the repository this is a fork of.
    pub parent: Option<(String, String)>,
    /// Logins with push access besides the owner (and org members).
    pub collaborators: Vec<String>,
    pub created_at: u64,
    pub updated_at: u64,
    pub pushed_at: u64,
    /// Branch name → commit sha.
    pub branches: BTreeMap<String, String>,
    /// Tag name → commit sha.
    pub tags: BTreeMap<String, String>,
    /// The tags of [`Repo::tags`] that are annotated, by name.
    pub annotated_tags: BTreeMap<String, AnnotatedTag>,
    pub releases: Vec<Release>,
    pub labels: Vec<Label>,
    pub milestones: Vec<Milestone>,
    /// Issues and pull requests, by number order.
    pub issues: Vec<Issue>,
    pub comments: Vec<Comment>,
    pub discussion_categories: Vec<DiscussionCategory>,
    /// Discussions, by number order, and their comments and replies.
    pub discussions: Vec<Discussion>,
    pub discussion_comments: Vec<DiscussionComment>,
    pub review_comments: Vec<ReviewComment>,
    pub statuses: Vec<CommitStatus>,
    pub check_runs: Vec<CheckRun>,
    pub runs: Vec<Run>,
    pub jobs: Vec<Job>,
    pub artifacts: Vec<Artifact>,
    /// What code scanning, secret scanning, Dependabot and code quality found, and the
    /// repository's security advisories.
    pub findings: Findings,
}

impl World {
    /// The seeded world every emulator starts with.
    pub fn seeded() -> Self {
        seed::world()
    }

    /// A fresh id for a new object of any kind.
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.repos.iter().find(|r| r.is(owner, name))
    }

    pub fn repo_mut(&mut self, owner: &str, name: &str) -> Option<&mut Repo> {
        self.repos.iter_mut().find(|r| r.is(owner, name))
    }

    pub fn is_org(&self, login: &str) -> bool {
        self.orgs.iter().any(|o| o.eq_ignore_ascii_case(login))
    }

    /// How many forks a repository has.
    pub fn forks_of(&self, repo: &Repo) -> usize {
        self.repos.iter().filter(|r| r.parent.as_ref().is_some_and(|(o, n)| repo.is(o, n))).count()
    }

    /// Commits `tree` on top of `branch` (creating the branch in an empty
    /// repository) and returns the new sha; `None` when there is no such
    /// repository or the branch is missing in a non-empty one.
    pub fn commit_to_branch(
        &mut self,
        at: (&str, &str),
        branch: &str,
        tree: Tree,
        message: &str,
        author: &str,
    ) -> Option<String> {
        let now = time::now();
        let repo = self.repo(at.0, at.1)?;
        let parent = match repo.branches.get(branch) {
            Some(sha) => vec![sha.clone()],
            None if repo.branches.is_empty() => Vec::new(),
            None => return None,
        };
        let sha = self.git.commit_tree(parent, tree, message, author, now);
        let repo = self.repo_mut(at.0, at.1)?;
        repo.branches.insert(branch.to_owned(), sha.clone());
        repo.pushed_at = now;
        repo.updated_at = now;
        Some(sha)
    }
}

impl Repo {
    /// An empty repository with GitHub's default labels.
    pub fn new(world: &mut World, owner: &str, name: &str, private: bool) -> Self {
        let now = time::now();
        let labels = DEFAULT_LABELS
            .iter()
            .map(|(name, color, description)| Label {
                id: world.next_id(),
                name: (*name).into(),
                color: (*color).into(),
                description: Some((*description).into()),
                default: true,
            })
            .collect();
        Self {
            id: world.next_id(),
            owner: owner.into(),
            name: name.into(),
            private,
            description: None,
            homepage: None,
            topics: Vec::new(),
            language: None,
            stars: 0,
            default_branch: "main".into(),
            parent: None,
            collaborators: Vec::new(),
            created_at: now,
            updated_at: now,
            pushed_at: now,
            branches: BTreeMap::new(),
            tags: BTreeMap::new(),
            annotated_tags: BTreeMap::new(),
            releases: Vec::new(),
            labels,
            milestones: Vec::new(),
            issues: Vec::new(),
            comments: Vec::new(),
            discussion_categories: Vec::new(),
            discussions: Vec::new(),
            discussion_comments: Vec::new(),
            review_comments: Vec::new(),
            statuses: Vec::new(),
            check_runs: Vec::new(),
            runs: Vec::new(),
            jobs: Vec::new(),
            artifacts: Vec::new(),
            findings: Findings::default(),
        }
    }

    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// Whether this is `owner/name` (case-insensitively, as GitHub matches).
    pub fn is(&self, owner: &str, name: &str) -> bool {
        self.owner.eq_ignore_ascii_case(owner) && self.name.eq_ignore_ascii_case(name)
    }

    /// The commit a ref names: a branch, a tag, `refs/heads/..`,
    /// `refs/tags/..`, `heads/..`, `tags/..`, or a (short) sha.
    pub fn resolve(&self, git: &Git, name: &str) -> Option<String> {
        let branch = name.strip_prefix("refs/heads/").or_else(|| name.strip_prefix("heads/")).unwrap_or(name);
        if let Some(sha) = self.branches.get(branch) {
            return Some(sha.clone());
        }
        let tag = name.strip_prefix("refs/tags/").or_else(|| name.strip_prefix("tags/")).unwrap_or(name);
        if let Some(sha) = self.tags.get(tag) {
            return Some(sha.clone());
        }
        git.find_commit(name).map(|c| c.sha.clone())
    }

    /// The commit of a fully qualified ref (`refs/heads/x`, `refs/tags/x`).
    pub fn resolve_exact(&self, full_ref: &str) -> Option<&String> {
        if let Some(branch) = full_ref.strip_prefix("refs/heads/") {
            return self.branches.get(branch);
        }
        full_ref.strip_prefix("refs/tags/").and_then(|tag| self.tags.get(tag))
    }

    pub fn issue(&self, number: u64) -> Option<&Issue> {
        self.issues.iter().find(|i| i.number == number)
    }

    pub fn issue_mut(&mut self, number: u64) -> Option<&mut Issue> {
        self.issues.iter_mut().find(|i| i.number == number)
    }

    /// The number the next issue, pull request or discussion gets (they share one sequence).
    pub fn next_number(&self) -> u64 {
        let issues = self.issues.iter().map(|i| i.number);
        issues.chain(self.discussions.iter().map(|d| d.number)).max().unwrap_or(0) + 1
    }

    pub fn label(&self, name: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.name.eq_ignore_ascii_case(name))
    }

    /// Open issues plus open pull requests, as `open_issues_count` counts.
    pub fn open_issues_count(&self) -> usize {
        self.issues.iter().filter(|i| i.is_open()).count()
    }
}

/// The labels GitHub gives a new repository.
const DEFAULT_LABELS: [(&str, &str, &str); 9] = [
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
];
