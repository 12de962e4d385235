//! What happens around commits and people: releases, commit statuses,
//! check runs, GitHub Actions workflow runs and jobs (with their logs), and
//! notification threads.

use std::sync::Arc;

/// A published release.
#[derive(Debug, Clone)]
pub(crate) struct Release {
    pub id: u64,
    pub tag_name: String,
    pub target_commitish: String,
    pub name: String,
    pub body: String,
    pub author: String,
    pub draft: bool,
    pub prerelease: bool,
    pub created_at: u64,
    pub published_at: u64,
}

/// An annotated tag: an object of its own naming a commit, with a message and a tagger.
#[derive(Debug, Clone)]
pub(crate) struct AnnotatedTag {
    /// The tag object's sha (the ref points here, not at the commit).
    pub sha: String,
    pub message: String,
    pub tagger: String,
    pub date: u64,
}

/// A commit status (the legacy statuses API).
#[derive(Debug, Clone)]
pub(crate) struct CommitStatus {
    pub id: u64,
    pub sha: String,
    /// `error`, `failure`, `pending` or `success`.
    pub state: String,
    pub context: String,
    pub description: String,
    pub target_url: Option<String>,
    pub creator: String,
    pub created_at: u64,
}

/// A check run (the checks API).
#[derive(Debug, Clone)]
pub(crate) struct CheckRun {
    pub id: u64,
    pub head_sha: String,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: u64,
    pub completed_at: Option<u64>,
    pub title: String,
    pub summary: String,
}

/// A GitHub Actions workflow run.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub id: u64,
    pub name: String,
    pub workflow_id: u64,
    /// The workflow file, e.g. `.github/workflows/ci.yml`.
    pub path: String,
    pub head_branch: String,
    pub head_sha: String,
    pub event: String,
    /// `queued`, `in_progress` or `completed`.
    pub status: String,
    pub conclusion: Option<String>,
    pub run_number: u64,
    pub run_attempt: u64,
    pub actor: String,
    pub created_at: u64,
    pub updated_at: u64,
    /// Its logs were deleted (`DELETE .../runs/{id}/logs`): they are gone for every job.
    pub logs_deleted: bool,
}

/// What a download link (a one-time token on the web side) serves; each names its repository
/// (owner, name) and the id of what it downloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Download {
    /// A job's plain-text log.
    JobLog((String, String), u64),
    /// A run's logs: a zip of one text file per job.
    RunLogs((String, String), u64),
    /// An artifact: a zip.
    Artifact((String, String), u64),
}

/// A gist: a few named text files of one user, public or secret.
#[derive(Debug, Clone)]
pub(crate) struct Gist {
    /// 32 hex digits, as GitHub names gists.
    pub id: String,
    pub owner: String,
    pub description: Option<String>,
    pub public: bool,
    pub files: std::collections::BTreeMap<String, String>,
    pub created_at: u64,
    pub updated_at: u64,
}

/// A file a workflow run uploaded.
#[derive(Debug, Clone)]
pub(crate) struct Artifact {
    pub id: u64,
    pub run_id: u64,
    pub name: String,
    pub size: u64,
    pub created_at: u64,
}

/// One job of a workflow run.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub id: u64,
    pub run_id: u64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: u64,
    pub completed_at: Option<u64>,
    /// Step names with their conclusion.
    pub steps: Vec<(String, String)>,
    /// The plain-text log served after the redirect.
    pub log: Arc<str>,
}

/// A notification thread of one user.
#[derive(Debug, Clone)]
pub(crate) struct Thread {
    pub id: u64,
    /// Whose inbox it is in.
    pub login: String,
    pub repo: (String, String),
    /// `Issue` or `PullRequest`.
    pub subject_type: String,
    pub number: u64,
    pub title: String,
    pub reason: String,
    pub unread: bool,
    pub updated_at: u64,
    pub last_read_at: Option<u64>,
    /// Marked done (`DELETE /notifications/threads/{id}`): out of the inbox until new activity.
    pub done: bool,
    /// The caller's subscription to the thread: `Some(ignored)` once set, `None` while it is the
    /// implicit one every participant has.
    pub subscription: Option<(bool, u64)>,
}

/// A user's watch setting for a repository (`PUT /repos/{o}/{r}/subscription`).
#[derive(Debug)]
pub(crate) struct RepoSubscription {
    pub login: String,
    pub repo: (String, String),
    pub subscribed: bool,
    pub ignored: bool,
    pub created_at: u64,
}
