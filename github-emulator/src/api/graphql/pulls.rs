//! The `repository(owner, name)` root (its discussion fields resolve in [`super::discussions`]),
//! and pull requests in GraphQL: `repository(owner, name) { pullRequest(number) { reviewThreads } }`
//! and the mutations GitHub offers only here: `resolveReviewThread` / `unresolveReviewThread`,
//! `markPullRequestReadyForReview` / `convertPullRequestToDraft`, and `addPullRequestReviewThread`
//! (a line comment added to the caller's pending review).
//!
//! A thread is a line comment and its replies (the REST side's `in_reply_to`); threads whose
//! comments sit in someone else's pending review are seen by nobody else, as on REST. Resolving
//! and the draft state need push access or authorship of the pull request (`FORBIDDEN`
//! otherwise); every mutation needs a token that may write (`INSUFFICIENT_SCOPES`).

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::{Asker, Connection, discussions, error, insufficient_scopes, lacks_permission, page, refused};
use crate::api::access::{Need, View};
use crate::api::model::repo::repo_html;
use crate::api::model::{node_id, node_of};
use crate::api::pulls::find;
use crate::api::review_comments::{NewComment, shown};
use crate::world::time::{self, iso};
use crate::world::{Issue, Pull, Repo, ReviewComment as Stored};

#[derive(Default)]
pub(crate) struct PullQuery;

#[Object]
impl PullQuery {
    /// A repository the caller can see.
    async fn repository(&self, ctx: &Context<'_>, owner: String, name: String) -> Result<Option<Repository>> {
        let found = ctx.data_unchecked::<Asker>().view(|view| {
            view.repo(&owner, &name).map(|r| Repository { owner: r.owner.clone(), name: r.name.clone(), id: r.id })
        });
        let missing =
            || error("NOT_FOUND", format!("Could not resolve to a Repository with the name '{owner}/{name}'."));
        found.map(Some).map_err(|_| missing())
    }
}

pub(crate) struct Repository {
    owner: String,
    name: String,
    id: u64,
}

impl Repository {
    /// Runs `f` on this repository as the caller sees it.
    fn with<R>(&self, ctx: &Context<'_>, f: impl FnOnce(&View, &Repo) -> Result<R>) -> Result<R> {
        ctx.data_unchecked::<Asker>().view(|view| {
            let repo = view.repo(&self.owner, &self.name).map_err(|e| refused(e, "a Repository"))?;
            f(view, repo)
        })
    }
}

#[Object]
impl Repository {
    async fn id(&self) -> ID {
        ID(node_id("Repository", self.id))
    }

    async fn name_with_owner(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    async fn has_discussions_enabled(&self, ctx: &Context<'_>) -> bool {
        ctx.data_unchecked::<Asker>()
            .view(|view| view.repo(&self.owner, &self.name).is_ok_and(|r| !r.discussion_categories.is_empty()))
    }

    async fn discussion_categories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<discussions::DiscussionCategory>> {
        self.with(ctx, |_, repo| discussions::categories(repo, first, after))
    }

    #[allow(clippy::too_many_arguments)]
    async fn discussions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        category_id: Option<ID>,
        answered: Option<bool>,
        order_by: Option<discussions::DiscussionOrder>,
    ) -> Result<Connection<discussions::Discussion>> {
        self.with(ctx, |view, repo| discussions::list(view, repo, first, after, category_id, answered, order_by))
    }

    async fn discussion(&self, ctx: &Context<'_>, number: i32) -> Result<Option<discussions::Discussion>> {
        self.with(ctx, |view, repo| discussions::one(view, repo, number))
    }

    async fn pull_request(&self, ctx: &Context<'_>, number: i32) -> Result<Option<PullRequest>> {
        let found = ctx.data_unchecked::<Asker>().view(|view| {
            let repo = view.repo(&self.owner, &self.name)?;
            let (issue, pull) = find(repo, u64::try_from(number).unwrap_or(0))?;
            Ok::<_, crate::api::errors::ApiError>(PullRequest::of(view, repo, issue, pull))
        });
        found
            .map(Some)
            .map_err(|_| error("NOT_FOUND", format!("Could not resolve to a PullRequest with the number of {number}.")))
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum PullRequestState {
    Open,
    Closed,
    Merged,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum DiffSide {
    Left,
    Right,
}

/// How a comment's author relates to the repository (GitHub's `CommentAuthorAssociation`; the
/// emulator tells apart the four the REST API's `author_association` does).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum CommentAuthorAssociation {
    Owner,
    Member,
    Collaborator,
    Contributor,
    FirstTimer,
    FirstTimeContributor,
    Mannequin,
    None,
}

impl CommentAuthorAssociation {
    pub fn of(view: &View, repo: &Repo, login: &str) -> Self {
        match crate::api::model::issue::association(view, repo, login) {
            "OWNER" => Self::Owner,
            "MEMBER" => Self::Member,
            "COLLABORATOR" => Self::Collaborator,
            _ => Self::None,
        }
    }
}

/// GitHub's `Actor` (here always a user).
#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct Actor {
    pub login: String,
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub(crate) struct PullRequest {
    id: ID,
    number: i32,
    title: String,
    is_draft: bool,
    state: PullRequestState,
    url: String,
    #[graphql(skip)]
    threads: Vec<ReviewThread>,
}

#[ComplexObject]
impl PullRequest {
    async fn review_threads(&self, first: Option<i32>, after: Option<String>) -> Result<Connection<ReviewThread>> {
        page(&self.threads, "reviewThreads", first, after)
    }
}

impl PullRequest {
    fn of(view: &View, repo: &Repo, issue: &Issue, pull: &Pull) -> Self {
        let state = match (&pull.merged, issue.is_open()) {
            (Some(_), _) => PullRequestState::Merged,
            (None, true) => PullRequestState::Open,
            (None, false) => PullRequestState::Closed,
        };
        let head = view.world.pull_head(pull);
        let threads = repo
            .review_comments
            .iter()
            .filter(|c| c.pull_number == issue.number && c.in_reply_to.is_none() && shown(view, repo, c))
            .map(|root| ReviewThread::of(view, repo, root, &head))
            .collect();
        Self {
            id: ID(node_id("PullRequest", pull.id)),
            number: i32::try_from(issue.number).unwrap_or(i32::MAX),
            title: issue.title.clone(),
            is_draft: pull.draft,
            state,
            url: format!("{}/pull/{}", repo_html(view, repo), issue.number),
            threads,
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "PullRequestReviewThread", complex)]
pub(crate) struct ReviewThread {
    id: ID,
    is_resolved: bool,
    /// The file changed at the head since the thread's commit.
    is_outdated: bool,
    path: String,
    line: Option<i32>,
    start_line: Option<i32>,
    diff_side: DiffSide,
    resolved_by: Option<Actor>,
    #[graphql(skip)]
    all_comments: Vec<ReviewComment>,
}

#[ComplexObject]
impl ReviewThread {
    async fn comments(&self, first: Option<i32>, after: Option<String>) -> Result<Connection<ReviewComment>> {
        page(&self.all_comments, "comments", first, after)
    }
}

impl ReviewThread {
    fn of(view: &View, repo: &Repo, root: &Stored, head: &str) -> Self {
        let blob = |sha: &str| view.world.git.tree(sha).get(&root.path).cloned();
        let int = |n: u64| i32::try_from(n).ok();
        let comments = repo
            .review_comments
            .iter()
            .filter(|c| c.id == root.id || c.in_reply_to == Some(root.id))
            .filter(|c| shown(view, repo, c))
            .map(|c| ReviewComment {
                id: ID(node_id("PullRequestReviewComment", c.id)),
                database_id: int(c.id).unwrap_or(i32::MAX),
                author: Some(Actor { login: c.user.clone() }),
                author_association: CommentAuthorAssociation::of(view, repo, &c.user),
                body: c.body.clone(),
                path: c.path.clone(),
                created_at: iso(c.created_at),
            })
            .collect();
        Self {
            id: ID(node_id("PullRequestReviewThread", root.id)),
            is_resolved: root.resolved_by.is_some(),
            is_outdated: blob(&root.commit_id) != blob(head),
            path: root.path.clone(),
            line: int(root.line),
            start_line: root.start_line.and_then(int),
            diff_side: if root.side == "LEFT" { DiffSide::Left } else { DiffSide::Right },
            resolved_by: root.resolved_by.clone().map(|login| Actor { login }),
            all_comments: comments,
        }
    }
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "PullRequestReviewComment")]
pub(crate) struct ReviewComment {
    id: ID,
    database_id: i32,
    author: Option<Actor>,
    author_association: CommentAuthorAssociation,
    body: String,
    path: String,
    created_at: String,
}

#[derive(InputObject)]
pub(crate) struct ResolveReviewThreadInput {
    thread_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct UnresolveReviewThreadInput {
    thread_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct MarkPullRequestReadyForReviewInput {
    pull_request_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct ConvertPullRequestToDraftInput {
    pull_request_id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct AddPullRequestReviewThreadInput {
    pull_request_review_id: Option<ID>,
    path: Option<String>,
    body: String,
    line: Option<i32>,
    side: Option<DiffSide>,
    start_line: Option<i32>,
    start_side: Option<DiffSide>,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub(crate) struct ResolveReviewThreadPayload {
    client_mutation_id: Option<String>,
    thread: Option<ReviewThread>,
}

#[derive(SimpleObject)]
pub(crate) struct UnresolveReviewThreadPayload {
    client_mutation_id: Option<String>,
    thread: Option<ReviewThread>,
}

#[derive(SimpleObject)]
pub(crate) struct MarkPullRequestReadyForReviewPayload {
    client_mutation_id: Option<String>,
    pull_request: Option<PullRequest>,
}

#[derive(SimpleObject)]
pub(crate) struct ConvertPullRequestToDraftPayload {
    client_mutation_id: Option<String>,
    pull_request: Option<PullRequest>,
}

#[derive(SimpleObject)]
pub(crate) struct AddPullRequestReviewThreadPayload {
    client_mutation_id: Option<String>,
    thread: Option<ReviewThread>,
}

#[derive(Default)]
pub(crate) struct PullMutation;

#[Object]
impl PullMutation {
    async fn resolve_review_thread(
        &self,
        ctx: &Context<'_>,
        input: ResolveReviewThreadInput,
    ) -> Result<ResolveReviewThreadPayload> {
        let thread = set_resolved(ctx, &input.thread_id, true, "ResolveReviewThread")?;
        Ok(ResolveReviewThreadPayload { client_mutation_id: input.client_mutation_id, thread: Some(thread) })
    }

    async fn unresolve_review_thread(
        &self,
        ctx: &Context<'_>,
        input: UnresolveReviewThreadInput,
    ) -> Result<UnresolveReviewThreadPayload> {
        let thread = set_resolved(ctx, &input.thread_id, false, "UnresolveReviewThread")?;
        Ok(UnresolveReviewThreadPayload { client_mutation_id: input.client_mutation_id, thread: Some(thread) })
    }

    async fn mark_pull_request_ready_for_review(
        &self,
        ctx: &Context<'_>,
        input: MarkPullRequestReadyForReviewInput,
    ) -> Result<MarkPullRequestReadyForReviewPayload> {
        let pull = set_draft(ctx, &input.pull_request_id, false, "MarkPullRequestReadyForReview")?;
        Ok(MarkPullRequestReadyForReviewPayload {
            client_mutation_id: input.client_mutation_id,
            pull_request: Some(pull),
        })
    }

    async fn convert_pull_request_to_draft(
        &self,
        ctx: &Context<'_>,
        input: ConvertPullRequestToDraftInput,
    ) -> Result<ConvertPullRequestToDraftPayload> {
        let pull = set_draft(ctx, &input.pull_request_id, true, "ConvertPullRequestToDraft")?;
        Ok(ConvertPullRequestToDraftPayload { client_mutation_id: input.client_mutation_id, pull_request: Some(pull) })
    }

    async fn add_pull_request_review_thread(
        &self,
        ctx: &Context<'_>,
        input: AddPullRequestReviewThreadInput,
    ) -> Result<AddPullRequestReviewThreadPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let thread = add_thread(ctx, input)?;
        Ok(AddPullRequestReviewThreadPayload { client_mutation_id, thread: Some(thread) })
    }
}

/// Where a node is: its repository (stored owner and name) and pull request number.
type At = ((String, String), u64);

/// The repository and pull request holding node `id` of `kind`, for a change by the caller:
/// visible (else `NOT_FOUND`), writable by the token's scopes (else `INSUFFICIENT_SCOPES`) and,
/// with `need` Push, by push access or authorship of the pull request (else `FORBIDDEN`).
fn locate(view: &View, id: &ID, kind: &str, need: Need, action: &str) -> Result<(At, u64)> {
    let missing = || error("NOT_FOUND", format!("Could not resolve to a node with the global id of '{}'", id.0));
    let (_, number) = node_of(&id.0).filter(|(k, _)| k == kind).ok_or_else(missing)?;
    let holds = |r: &Repo| match kind {
        "PullRequestReviewThread" => r.review_comments.iter().find(|c| c.id == number).map(|c| c.pull_number),
        "PullRequest" => r.issues.iter().find(|i| i.pull.as_ref().is_some_and(|p| p.id == number)).map(|i| i.number),
        _ => r
            .issues
            .iter()
            .find(|i| i.pull.as_ref().is_some_and(|p| p.reviews.iter().any(|rv| rv.id == number)))
            .map(|i| i.number),
    };
    let (repo, pull_number) = view
        .world
        .repos
        .iter()
        .filter(|r| view.visible(r))
        .find_map(|r| holds(r).map(|n| (r, n)))
        .ok_or_else(missing)?;
    if !view.may_write(repo) {
        return Err(insufficient_scopes(action));
    }
    let author = repo.issue(pull_number).is_some_and(|i| view.login().is_some_and(|l| i.user.eq_ignore_ascii_case(l)));
    if need == Need::Push && !view.is_member(repo) && !author {
        return Err(lacks_permission(view.login().unwrap_or_default(), action));
    }
    Ok((((repo.owner.clone(), repo.name.clone()), pull_number), number))
}

fn set_resolved(ctx: &Context<'_>, id: &ID, resolved: bool, action: &str) -> Result<ReviewThread> {
    let asker = ctx.data_unchecked::<Asker>();
    let mut inner = asker.shared.lock();
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    let ((at, _), root) = locate(&view, id, "PullRequestReviewThread", Need::Push, action)?;
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    if let Some(c) = repo.review_comments.iter_mut().find(|c| c.id == root) {
        c.resolved_by = resolved.then(|| asker.caller.login.clone());
    }
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    thread(&view, &at, root)
}

fn set_draft(ctx: &Context<'_>, id: &ID, draft: bool, action: &str) -> Result<PullRequest> {
    let asker = ctx.data_unchecked::<Asker>();
    let mut inner = asker.shared.lock();
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    let ((at, number), _) = locate(&view, id, "PullRequest", Need::Push, action)?;
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    let issue = repo.issue_mut(number).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    if !issue.is_open() {
        return Err(error("UNPROCESSABLE", "Pull request is closed"));
    }
    if let Some(pull) = issue.pull.as_mut() {
        pull.draft = draft;
    }
    issue.updated_at = time::now();
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    let repo = view.repo(&at.0, &at.1).map_err(|e| refused(e, "a Repository"))?;
    let (issue, pull) = find(repo, number).map_err(|e| refused(e, "a PullRequest"))?;
    Ok(PullRequest::of(&view, repo, issue, pull))
}

/// A line comment in the caller's pending review `pullRequestReviewId`, checked as REST checks
/// a review's comments (the file must be one the pull request changes, the line inside it).
fn add_thread(ctx: &Context<'_>, input: AddPullRequestReviewThreadInput) -> Result<ReviewThread> {
    let asker = ctx.data_unchecked::<Asker>();
    let review_id = input
        .pull_request_review_id
        .ok_or_else(|| error("UNPROCESSABLE", "A pull request review id is required to add a review thread."))?;
    let mut inner = asker.shared.lock();
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    let ((at, number), review) =
        locate(&view, &review_id, "PullRequestReview", Need::Contribute, "AddPullRequestReviewThread")?;
    let repo = view.repo(&at.0, &at.1).map_err(|e| refused(e, "a Repository"))?;
    let (_, pull) = find(repo, number).map_err(|e| refused(e, "a PullRequest"))?;
    let pending = pull
        .reviews
        .iter()
        .find(|r| r.id == review)
        .filter(|r| r.submitted_at.is_none() && r.user.eq_ignore_ascii_case(&asker.caller.login));
    let Some(pending) = pending else {
        return Err(error("NOT_FOUND", format!("Could not resolve to a node with the global id of '{}'", review_id.0)));
    };
    let line =
        input.line.and_then(|l| u64::try_from(l).ok()).ok_or_else(|| error("UNPROCESSABLE", "line is required"))?;
    let side = if input.side == Some(DiffSide::Left) { "LEFT" } else { "RIGHT" };
    let new = NewComment {
        body: input.body,
        path: input.path.unwrap_or_default(),
        line,
        start_line: input.start_line.and_then(|l| u64::try_from(l).ok()),
        side: side.into(),
    };
    if new.body.trim().is_empty() {
        return Err(error("UNPROCESSABLE", "Body can't be blank"));
    }
    if new.start_line.is_some_and(|s| s >= line)
        || input.start_side.is_some_and(|s| s != input.side.unwrap_or(DiffSide::Right))
    {
        return Err(error("UNPROCESSABLE", "start_line must precede line, on the same side"));
    }
    new.check(&view, repo, number).map_err(|e| refused(e, "a line of the diff"))?;
    let pending = pending.clone();
    let id = inner.world.next_id();
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    repo.review_comments.push(new.filed(id, number, &pending, time::now()));
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    thread(&view, &at, id)
}

/// The thread whose first comment is `root`, as the caller sees it now.
fn thread(view: &View, at: &(String, String), root: u64) -> Result<ReviewThread> {
    let repo = view.repo(&at.0, &at.1).map_err(|e| refused(e, "a Repository"))?;
    let first = repo.review_comments.iter().find(|c| c.id == root).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    let (_, pull) = find(repo, first.pull_number).map_err(|e| refused(e, "a PullRequest"))?;
    Ok(ReviewThread::of(view, repo, first, &view.world.pull_head(pull)))
}
