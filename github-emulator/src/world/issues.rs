//! Issues and pull requests (a pull request is an issue with a [`Pull`]
//! part, sharing its number, as on GitHub), their comments, reviews and the
//! repository's labels.

/// An issue, or the issue side of a pull request.
#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    /// Login of the author.
    pub user: String,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned` or `reopened`, once set.
    pub state_reason: Option<String>,
    /// Label names, in the order they were added.
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub locked: bool,
    pub created_at: u64,
    pub updated_at: u64,
    pub closed_at: Option<u64>,
    pub closed_by: Option<String>,
    pub pull: Option<Pull>,
    /// The number of its milestone.
    pub milestone: Option<u64>,
    /// Its issue type (an organization's, by name).
    pub issue_type: Option<String>,
    /// Ids of its sub-issues (issues of the same repository), in priority order.
    pub sub_issues: Vec<u64>,
    /// Ids of the issues that block it (same repository).
    pub blocked_by: Vec<u64>,
    pub reactions: Vec<Reaction>,
    /// Its values of its organization's issue fields, by field id, in the order they were set.
    pub fields: Vec<(u64, FieldValue)>,
}

/// An emoji reaction of one user to an issue or comment.
#[derive(Debug, Clone)]
pub(crate) struct Reaction {
    pub id: u64,
    pub user: String,
    /// `+1`, `-1`, `laugh`, `confused`, `heart`, `hooray`, `rocket` or `eyes`.
    pub content: String,
    pub created_at: u64,
}

/// The reactions GitHub accepts.
pub(crate) const REACTIONS: [&str; 8] = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];

/// A repository milestone.
#[derive(Debug, Clone)]
pub(crate) struct Milestone {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    /// `open` or `closed`.
    pub state: String,
    pub due_on: Option<u64>,
    pub creator: String,
    pub created_at: u64,
}

/// An issue type an organization defines (`Task`, `Bug`, `Feature`, ...).
#[derive(Debug, Clone)]
pub(crate) struct IssueType {
    pub id: u64,
    pub org: String,
    pub name: String,
    pub description: Option<String>,
    /// One of GitHub's eight: gray, blue, green, yellow, orange, red, pink, purple.
    pub color: String,
}

/// An issue field an organization defines: typed metadata every issue of its repositories can
/// carry (GitHub's four defaults are Priority, Effort, Start date and Target date).
#[derive(Debug, Clone)]
pub(crate) struct IssueField {
    pub id: u64,
    pub org: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: FieldKind,
    /// Whether people outside the organization see it (`all`) or only members
    /// (`organization_members_only`).
    pub public: bool,
    /// The choices of a single-select field, in priority order.
    pub options: Vec<FieldOption>,
    pub created_at: u64,
}

/// What an issue field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Text,
    Number,
    Date,
    SingleSelect,
}

impl FieldKind {
    /// GitHub's `data_type`.
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::SingleSelect => "single_select",
        }
    }
}

/// One choice of a single-select field.
#[derive(Debug, Clone)]
pub(crate) struct FieldOption {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    /// One of GitHub's eight colors.
    pub color: String,
}

/// An issue's value of one field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldValue {
    Text(String),
    Number(f64),
    /// `YYYY-MM-DD`.
    Date(String),
    /// The id of the chosen option.
    Choice(u64),
}

/// A team of an organization.
#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub id: u64,
    pub org: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub members: Vec<String>,
}

impl Issue {
    /// A new open issue by `user`, without labels or assignees, created `now`.
    pub fn opened(id: u64, number: u64, title: String, body: Option<String>, user: &str, now: u64) -> Self {
        Issue {
            id,
            number,
            title,
            body,
            user: user.to_owned(),
            state: "open".into(),
            state_reason: None,
            labels: Vec::new(),
            assignees: Vec::new(),
            locked: false,
            created_at: now,
            updated_at: now,
            closed_at: None,
            closed_by: None,
            pull: None,
            milestone: None,
            issue_type: None,
            sub_issues: Vec::new(),
            blocked_by: Vec::new(),
            reactions: Vec::new(),
            fields: Vec::new(),
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == "open"
    }

    /// Closes or reopens, keeping the timestamps GitHub keeps.
    pub fn set_state(&mut self, open: bool, by: &str, reason: Option<String>, now: u64) {
        if open == self.is_open() {
            if reason.is_some() {
                self.state_reason = reason;
            }
            return;
        }
        if open {
            self.state = "open".into();
            self.state_reason = Some("reopened".into());
            self.closed_at = None;
            self.closed_by = None;
        } else {
            self.state = "closed".into();
            self.state_reason = reason.or_else(|| self.pull.is_none().then(|| "completed".into()));
            self.closed_at = Some(now);
            self.closed_by = Some(by.to_owned());
        }
        self.updated_at = now;
    }
}

/// The pull-request part of an issue.
#[derive(Debug, Clone)]
pub(crate) struct Pull {
    /// The pull request id (distinct from the issue id).
    pub id: u64,
    /// `owner/name` of the repository holding the head branch.
    pub head_repo: (String, String),
    pub head_ref: String,
    /// The head sha when the pull request was opened or last merged; the
    /// live one is the head branch's tip while it is open.
    pub head_sha: String,
    pub base_ref: String,
    pub draft: bool,
    pub maintainer_can_modify: bool,
    pub merged: Option<Merged>,
    pub reviews: Vec<Review>,
    /// Logins asked for a review and not yet reviewed.
    pub requested_reviewers: Vec<String>,
}

/// How a pull request was merged.
#[derive(Debug, Clone)]
pub(crate) struct Merged {
    pub at: u64,
    pub by: String,
    /// The merge (or squash, or last rebased) commit.
    pub sha: String,
    /// The merge base at merge time, so files and commits stay listable.
    pub base: String,
}

/// A pull request review.
#[derive(Debug, Clone)]
pub(crate) struct Review {
    pub id: u64,
    pub user: String,
    pub body: String,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED` or `PENDING`.
    pub state: String,
    pub commit_id: String,
    pub submitted_at: Option<u64>,
}

/// A comment on a line (or lines) of a pull request's diff, in a review.
#[derive(Debug, Clone)]
pub(crate) struct ReviewComment {
    pub id: u64,
    pub pull_number: u64,
    pub review_id: u64,
    pub user: String,
    pub body: String,
    pub path: String,
    pub line: u64,
    pub start_line: Option<u64>,
    /// `RIGHT` (the new side) or `LEFT`.
    pub side: String,
    pub commit_id: String,
    pub in_reply_to: Option<u64>,
    pub created_at: u64,
    /// On the first comment of a thread: who resolved the thread, while it is resolved.
    pub resolved_by: Option<String>,
}

/// A comment on an issue or pull request (the conversation tab).
#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub id: u64,
    pub issue_number: u64,
    pub user: String,
    pub body: String,
    pub created_at: u64,
    pub updated_at: u64,
    pub reactions: Vec<Reaction>,
}

/// A repository label.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub id: u64,
    pub name: String,
    /// Six hex digits, no `#`.
    pub color: String,
    pub description: Option<String>,
    /// Whether it is one of GitHub's default labels.
    pub default: bool,
}

/// A repository's discussion category.
#[derive(Debug, Clone)]
pub(crate) struct DiscussionCategory {
    pub id: u64,
    pub name: String,
    pub slug: String,
    pub emoji: String,
    pub description: String,
    /// Whether a comment can be marked as the answer (Q&A).
    pub answerable: bool,
}

/// A discussion; numbered with the repository's issues and pull requests.
#[derive(Debug, Clone)]
pub(crate) struct Discussion {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: String,
    pub user: String,
    pub category: u64,
    pub locked: bool,
    pub closed: bool,
    /// The comment marked as the answer, and who marked it.
    pub answer: Option<(u64, String)>,
    pub created_at: u64,
    pub updated_at: u64,
}

/// A comment on a discussion, or a reply to one (`reply_to`: the top-level comment's id).
#[derive(Debug, Clone)]
pub(crate) struct DiscussionComment {
    pub id: u64,
    pub discussion: u64,
    pub reply_to: Option<u64>,
    pub user: String,
    pub body: String,
    pub created_at: u64,
    pub updated_at: u64,
}
