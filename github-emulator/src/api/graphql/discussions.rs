//! Discussions in GraphQL (GitHub has no REST API for them): a repository's `discussionCategories`,
//! `discussions` (filtered by category and answered, ordered by creation or update) and one
//! `discussion` with its `comments` and their `replies`; and the mutations on comments:
//! `addDiscussionComment` (a comment, or a reply to a top-level one), `updateDiscussionComment`,
//! `deleteDiscussionComment`, `markDiscussionCommentAsAnswer` and
//! `unmarkDiscussionCommentAsAnswer`.
//!
//! As GitHub does: every mutation needs a token that may write (`INSUFFICIENT_SCOPES`); anyone
//! who can see the repository may comment unless the discussion is locked; a comment is changed
//! or deleted by its author or someone with push access, an answer chosen by the discussion's
//! author or someone with push access, in an answerable category, and never a reply
//! (`FORBIDDEN` / `UNPROCESSABLE` otherwise).

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::pulls::{Actor, CommentAuthorAssociation};
use super::{Asker, Connection, error, insufficient_scopes, lacks_permission, page};
use crate::api::access::View;
use crate::api::model::repo::repo_html;
use crate::api::model::{node_id, node_of};
use crate::world::time::{self, iso};
use crate::world::{Discussion as Stored, DiscussionComment as StoredComment, Repo};

#[derive(SimpleObject, Clone, Debug)]
pub(crate) struct DiscussionCategory {
    id: ID,
    name: String,
    slug: String,
    emoji: String,
    description: Option<String>,
    is_answerable: bool,
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub(crate) struct DiscussionComment {
    id: ID,
    database_id: i32,
    author: Option<Actor>,
    author_association: CommentAuthorAssociation,
    body: String,
    created_at: String,
    updated_at: String,
    is_answer: bool,
    url: String,
    #[graphql(skip)]
    all_replies: Vec<DiscussionComment>,
}

#[ComplexObject]
impl DiscussionComment {
    async fn replies(&self, first: Option<i32>, after: Option<String>) -> Result<Connection<DiscussionComment>> {
        page(&self.all_replies, "replies", first, after)
    }
}

#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub(crate) struct Discussion {
    id: ID,
    number: i32,
    title: String,
    body: String,
    url: String,
    author: Option<Actor>,
    author_association: CommentAuthorAssociation,
    category: DiscussionCategory,
    created_at: String,
    updated_at: String,
    closed: bool,
    locked: bool,
    is_answered: bool,
    answer: Option<DiscussionComment>,
    #[graphql(skip)]
    all_comments: Vec<DiscussionComment>,
}

#[ComplexObject]
impl Discussion {
    async fn comments(&self, first: Option<i32>, after: Option<String>) -> Result<Connection<DiscussionComment>> {
        page(&self.all_comments, "comments", first, after)
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum DiscussionOrderField {
    CreatedAt,
    UpdatedAt,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum OrderDirection {
    Asc,
    Desc,
}

#[derive(InputObject)]
pub(crate) struct DiscussionOrder {
    field: DiscussionOrderField,
    direction: OrderDirection,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn category(c: &crate::world::DiscussionCategory) -> DiscussionCategory {
    DiscussionCategory {
        id: ID(node_id("DiscussionCategory", c.id)),
        name: c.name.clone(),
        slug: c.slug.clone(),
        emoji: c.emoji.clone(),
        description: Some(c.description.clone()),
        is_answerable: c.answerable,
    }
}

fn comment(view: &View, repo: &Repo, d: &Stored, c: &StoredComment) -> DiscussionComment {
    let all_replies = repo
        .discussion_comments
        .iter()
        .filter(|r| r.reply_to == Some(c.id))
        .map(|r| comment(view, repo, d, r))
        .collect();
    DiscussionComment {
        id: ID(node_id("DiscussionComment", c.id)),
        database_id: int(c.id),
        author: Some(Actor { login: c.user.clone() }),
        author_association: CommentAuthorAssociation::of(view, repo, &c.user),
        body: c.body.clone(),
        created_at: iso(c.created_at),
        updated_at: iso(c.updated_at),
        is_answer: d.answer.as_ref().is_some_and(|(id, _)| *id == c.id),
        url: format!("{}/discussions/{}#discussioncomment-{}", repo_html(view, repo), d.number, c.id),
        all_replies,
    }
}

pub(crate) fn discussion(view: &View, repo: &Repo, d: &Stored) -> Discussion {
    let comments: Vec<DiscussionComment> = repo
        .discussion_comments
        .iter()
        .filter(|c| c.discussion == d.number && c.reply_to.is_none())
        .map(|c| comment(view, repo, d, c))
        .collect();
    let answer = d
        .answer
        .as_ref()
        .and_then(|(id, _)| repo.discussion_comments.iter().find(|c| c.id == *id).map(|c| comment(view, repo, d, c)));
    let found = repo.discussion_categories.iter().find(|c| c.id == d.category);
    Discussion {
        id: ID(node_id("Discussion", d.id)),
        number: int(d.number),
        title: d.title.clone(),
        body: d.body.clone(),
        url: format!("{}/discussions/{}", repo_html(view, repo), d.number),
        author: Some(Actor { login: d.user.clone() }),
        author_association: CommentAuthorAssociation::of(view, repo, &d.user),
        // Every discussion is filed in one of its repository's categories.
        category: found.map(category).unwrap_or_else(|| DiscussionCategory {
            id: ID(node_id("DiscussionCategory", d.category)),
            name: String::new(),
            slug: String::new(),
            emoji: String::new(),
            description: None,
            is_answerable: false,
        }),
        created_at: iso(d.created_at),
        updated_at: iso(d.updated_at),
        closed: d.closed,
        locked: d.locked,
        is_answered: d.answer.is_some(),
        answer,
        all_comments: comments,
    }
}

/// `repository { discussionCategories }`.
pub(crate) fn categories(
    repo: &Repo,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<DiscussionCategory>> {
    let all: Vec<DiscussionCategory> = repo.discussion_categories.iter().map(category).collect();
    page(&all, "discussionCategories", first, after)
}

/// `repository { discussions }`.
pub(crate) fn list(
    view: &View,
    repo: &Repo,
    first: Option<i32>,
    after: Option<String>,
    category_id: Option<ID>,
    answered: Option<bool>,
    order_by: Option<DiscussionOrder>,
) -> Result<Connection<Discussion>> {
    let wanted = match category_id {
        Some(id) => {
            Some(node_of(&id.0).filter(|(k, _)| k == "DiscussionCategory").map(|(_, n)| n).ok_or_else(|| {
                error("NOT_FOUND", format!("Could not resolve to a node with the global id of '{}'", id.0))
            })?)
        }
        None => None,
    };
    let mut found: Vec<&Stored> = repo
        .discussions
        .iter()
        .filter(|d| wanted.is_none_or(|c| d.category == c))
        .filter(|d| answered.is_none_or(|a| a == d.answer.is_some()))
        .collect();
    let (field, direction) =
        order_by.map_or((DiscussionOrderField::UpdatedAt, OrderDirection::Desc), |o| (o.field, o.direction));
    found.sort_by_key(|d| if field == DiscussionOrderField::CreatedAt { d.created_at } else { d.updated_at });
    if direction == OrderDirection::Desc {
        found.reverse();
    }
    let all: Vec<Discussion> = found.into_iter().map(|d| discussion(view, repo, d)).collect();
    page(&all, "discussions", first, after)
}

/// `repository { discussion(number) }`.
pub(crate) fn one(view: &View, repo: &Repo, number: i32) -> Result<Option<Discussion>> {
    let found = repo.discussions.iter().find(|d| i64::from(number) == d.number as i64);
    let d = found
        .ok_or_else(|| error("NOT_FOUND", format!("Could not resolve to a Discussion with the number of {number}.")))?;
    Ok(Some(discussion(view, repo, d)))
}

#[derive(InputObject)]
pub(crate) struct AddDiscussionCommentInput {
    discussion_id: ID,
    body: String,
    reply_to_id: Option<ID>,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct UpdateDiscussionCommentInput {
    comment_id: ID,
    body: String,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct DeleteDiscussionCommentInput {
    id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct MarkDiscussionCommentAsAnswerInput {
    id: ID,
    client_mutation_id: Option<String>,
}

#[derive(InputObject)]
pub(crate) struct UnmarkDiscussionCommentAsAnswerInput {
    id: ID,
    client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub(crate) struct AddDiscussionCommentPayload {
    client_mutation_id: Option<String>,
    comment: Option<DiscussionComment>,
}

#[derive(SimpleObject)]
pub(crate) struct UpdateDiscussionCommentPayload {
    client_mutation_id: Option<String>,
    comment: Option<DiscussionComment>,
}

#[derive(SimpleObject)]
pub(crate) struct DeleteDiscussionCommentPayload {
    client_mutation_id: Option<String>,
    comment: Option<DiscussionComment>,
}

#[derive(SimpleObject)]
pub(crate) struct MarkDiscussionCommentAsAnswerPayload {
    client_mutation_id: Option<String>,
    discussion: Option<Discussion>,
}

#[derive(SimpleObject)]
pub(crate) struct UnmarkDiscussionCommentAsAnswerPayload {
    client_mutation_id: Option<String>,
    discussion: Option<Discussion>,
}

/// Where a node lives: the repository (owner, name) and the discussion's number.
type Place = ((String, String), u64);

fn missing(id: &ID) -> async_graphql::Error {
    error("NOT_FOUND", format!("Could not resolve to a node with the global id of '{}'", id.0))
}

/// The discussion (`kind` "Discussion") or comment ("DiscussionComment") `id` names, checked for
/// a token that may write; returns where it is and its own id.
fn locate(view: &View, id: &ID, kind: &str, action: &str) -> Result<(Place, u64)> {
    let (_, own) = node_of(&id.0).filter(|(k, _)| k == kind).ok_or_else(|| missing(id))?;
    let (repo, number) = view
        .visible_repos()
        .into_iter()
        .find_map(|r| {
            let number = match kind {
                "Discussion" => r.discussions.iter().find(|d| d.id == own).map(|d| d.number),
                _ => r.discussion_comments.iter().find(|c| c.id == own).map(|c| c.discussion),
            };
            number.map(|n| (r, n))
        })
        .ok_or_else(|| missing(id))?;
    if !view.may_write(repo) {
        return Err(insufficient_scopes(action));
    }
    Ok((((repo.owner.clone(), repo.name.clone()), number), own))
}

fn forbidden(view: &View, action: &str) -> async_graphql::Error {
    lacks_permission(view.login().unwrap_or_default(), action)
}

/// Runs `change` on the repository of a located node, then renders with `answer`.
fn change<R>(
    asker: &Asker,
    locate_it: impl FnOnce(&View) -> Result<(Place, u64)>,
    check: impl FnOnce(&View, &Repo, u64, u64) -> Result<()>,
    change: impl FnOnce(&mut Repo, u64, u64) -> Result<u64>,
    answer: impl FnOnce(&View, &Repo, u64, u64) -> R,
) -> Result<R> {
    let mut inner = asker.shared.lock();
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    let ((at, number), own) = locate_it(&view)?;
    let repo = view.world.repo(&at.0, &at.1).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    check(&view, repo, number, own)?;
    let repo = inner.world.repo_mut(&at.0, &at.1).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    let touched = change(repo, number, own)?;
    if let Some(d) = repo.discussions.iter_mut().find(|d| d.number == number) {
        d.updated_at = time::now();
    }
    let view = View::new(&asker.shared, &inner.world, Some(&asker.caller));
    let repo = view.world.repo(&at.0, &at.1).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    Ok(answer(&view, repo, number, touched))
}

fn rendered(view: &View, repo: &Repo, number: u64, comment_id: u64) -> Option<DiscussionComment> {
    let d = repo.discussions.iter().find(|d| d.number == number)?;
    let c = repo.discussion_comments.iter().find(|c| c.id == comment_id)?;
    Some(comment(view, repo, d, c))
}

fn rendered_discussion(view: &View, repo: &Repo, number: u64) -> Option<Discussion> {
    repo.discussions.iter().find(|d| d.number == number).map(|d| discussion(view, repo, d))
}

/// Whether the caller wrote the comment `id`, or may push to the repository.
fn may_edit(view: &View, repo: &Repo, id: u64) -> bool {
    view.is_member(repo)
        || repo
            .discussion_comments
            .iter()
            .any(|c| c.id == id && view.login().is_some_and(|l| c.user.eq_ignore_ascii_case(l)))
}

/// Checks that the caller may choose the answer of discussion `number` and that comment `id` can be one.
fn may_answer(view: &View, repo: &Repo, number: u64, id: u64, action: &str) -> Result<()> {
    let d = repo.discussions.iter().find(|d| d.number == number).ok_or_else(|| error("NOT_FOUND", "gone"))?;
    let author = view.login().is_some_and(|l| d.user.eq_ignore_ascii_case(l));
    if !author && !view.is_member(repo) {
        return Err(forbidden(view, action));
    }
    let answerable = repo.discussion_categories.iter().any(|c| c.id == d.category && c.answerable);
    if !answerable {
        return Err(error("UNPROCESSABLE", "This discussion's category does not accept answers."));
    }
    if repo.discussion_comments.iter().any(|c| c.id == id && c.reply_to.is_some()) {
        return Err(error("UNPROCESSABLE", "A reply cannot be marked as the answer."));
    }
    Ok(())
}

#[derive(Default)]
pub(crate) struct DiscussionMutation;

#[Object]
impl DiscussionMutation {
    async fn add_discussion_comment(
        &self,
        ctx: &Context<'_>,
        input: AddDiscussionCommentInput,
    ) -> Result<AddDiscussionCommentPayload> {
        let asker = ctx.data_unchecked::<Asker>();
        let login = asker.caller.login.clone();
        let new_id = { asker.shared.lock().world.next_id() };
        let reply_to = match &input.reply_to_id {
            Some(id) => Some(node_of(&id.0).filter(|(k, _)| k == "DiscussionComment").ok_or_else(|| missing(id))?.1),
            None => None,
        };
        let comment = change(
            asker,
            |view| locate(view, &input.discussion_id, "Discussion", "addDiscussionComment"),
            |view, repo, number, _| {
                let d =
                    repo.discussions.iter().find(|d| d.number == number).ok_or_else(|| error("NOT_FOUND", "gone"))?;
                if d.locked && !view.is_member(repo) {
                    return Err(error("UNPROCESSABLE", "This discussion is locked."));
                }
                if let Some(parent) = reply_to {
                    let top = repo.discussion_comments.iter().find(|c| c.id == parent && c.discussion == number);
                    match top {
                        None => return Err(error("NOT_FOUND", "Could not resolve the comment to reply to.")),
                        Some(c) if c.reply_to.is_some() => {
                            return Err(error("UNPROCESSABLE", "Replies can only be added to top-level comments."));
                        }
                        Some(_) => {}
                    }
                }
                if input.body.trim().is_empty() {
                    return Err(error("UNPROCESSABLE", "Body can't be blank"));
                }
                Ok(())
            },
            |repo, number, _| {
                let now = time::now();
                repo.discussion_comments.push(StoredComment {
                    id: new_id,
                    discussion: number,
                    reply_to,
                    user: login,
                    body: input.body.clone(),
                    created_at: now,
                    updated_at: now,
                });
                Ok(new_id)
            },
            rendered,
        )?;
        Ok(AddDiscussionCommentPayload { client_mutation_id: input.client_mutation_id, comment })
    }

    async fn update_discussion_comment(
        &self,
        ctx: &Context<'_>,
        input: UpdateDiscussionCommentInput,
    ) -> Result<UpdateDiscussionCommentPayload> {
        let action = "updateDiscussionComment";
        let comment = change(
            ctx.data_unchecked::<Asker>(),
            |view| locate(view, &input.comment_id, "DiscussionComment", action),
            |view, repo, _, id| if may_edit(view, repo, id) { Ok(()) } else { Err(forbidden(view, action)) },
            |repo, _, id| {
                if let Some(c) = repo.discussion_comments.iter_mut().find(|c| c.id == id) {
                    c.body = input.body.clone();
                    c.updated_at = time::now();
                }
                Ok(id)
            },
            rendered,
        )?;
        Ok(UpdateDiscussionCommentPayload { client_mutation_id: input.client_mutation_id, comment })
    }

    async fn delete_discussion_comment(
        &self,
        ctx: &Context<'_>,
        input: DeleteDiscussionCommentInput,
    ) -> Result<DeleteDiscussionCommentPayload> {
        let action = "deleteDiscussionComment";
        // The payload shows the comment as it was, rendered while the refusals are checked.
        let mut before = None;
        change(
            ctx.data_unchecked::<Asker>(),
            |view| locate(view, &input.id, "DiscussionComment", action),
            |view, repo, number, id| {
                if !may_edit(view, repo, id) {
                    return Err(forbidden(view, action));
                }
                before = rendered(view, repo, number, id);
                Ok(())
            },
            |repo, number, id| {
                repo.discussion_comments.retain(|c| c.id != id && c.reply_to != Some(id));
                if let Some(d) = repo.discussions.iter_mut().find(|d| d.number == number)
                    && d.answer.as_ref().is_some_and(|(a, _)| *a == id)
                {
                    d.answer = None;
                }
                Ok(id)
            },
            |_, _, _, _| (),
        )?;
        Ok(DeleteDiscussionCommentPayload { client_mutation_id: input.client_mutation_id, comment: before })
    }

    async fn mark_discussion_comment_as_answer(
        &self,
        ctx: &Context<'_>,
        input: MarkDiscussionCommentAsAnswerInput,
    ) -> Result<MarkDiscussionCommentAsAnswerPayload> {
        let discussion = set_answer(ctx, &input.id, true, "markDiscussionCommentAsAnswer")?;
        Ok(MarkDiscussionCommentAsAnswerPayload { client_mutation_id: input.client_mutation_id, discussion })
    }

    async fn unmark_discussion_comment_as_answer(
        &self,
        ctx: &Context<'_>,
        input: UnmarkDiscussionCommentAsAnswerInput,
    ) -> Result<UnmarkDiscussionCommentAsAnswerPayload> {
        let discussion = set_answer(ctx, &input.id, false, "unmarkDiscussionCommentAsAnswer")?;
        Ok(UnmarkDiscussionCommentAsAnswerPayload { client_mutation_id: input.client_mutation_id, discussion })
    }
}

/// Marks (or, `mark` false, unmarks) the comment `id` as its discussion's answer.
fn set_answer(ctx: &Context<'_>, id: &ID, mark: bool, action: &str) -> Result<Option<Discussion>> {
    let asker = ctx.data_unchecked::<Asker>();
    let login = asker.caller.login.clone();
    change(
        asker,
        |view| locate(view, id, "DiscussionComment", action),
        |view, repo, number, own| may_answer(view, repo, number, own, action),
        |repo, number, own| {
            if let Some(d) = repo.discussions.iter_mut().find(|d| d.number == number) {
                if mark {
                    d.answer = Some((own, login));
                } else if d.answer.as_ref().is_some_and(|(a, _)| *a == own) {
                    d.answer = None;
                }
            }
            Ok(own)
        },
        |view, repo, number, _| rendered_discussion(view, repo, number),
    )
}
