//! Toolset `notifications`: the user's inbox (list, read one, mark read or done) and what they
//! are subscribed to (threads and whole repositories).

use reqwest::Method;
use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    define::{Def, Route, route},
    shape,
    support::{Github, Paging, RepoRef, ToolFailure, ToolResult, structured},
};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListNotifications {
    /// Include notifications already read (default false).
    #[serde(default)]
    pub all: bool,
    /// Only notifications in which the user is directly participating or mentioned.
    #[serde(default)]
    pub participating: bool,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ThreadRef {
    /// Notification thread id (from list_notifications), a string of digits.
    pub thread_id: String,
}

impl ThreadRef {
    /// `/notifications/threads/{id}`, for an id that is one.
    fn path(&self) -> Result<String, ToolFailure> {
        if self.thread_id.is_empty() || !self.thread_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ToolFailure::message("`thread_id` is the numeric id from list_notifications, e.g. \"1\""));
        }
        Ok(format!("/notifications/threads/{}", self.thread_id))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct MarkAllRead {
    /// Only notifications last updated before this ISO 8601 time (default: all), e.g. 2024-06-01T12:00:00Z.
    pub last_read_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionAction {
    Watch,
    Ignore,
    Delete,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ThreadSubscription {
    #[serde(flatten)]
    pub thread: ThreadRef,
    /// `watch`, `ignore` (mute) or `delete` (the subscription).
    pub action: SubscriptionAction,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RepoSubscription {
    #[serde(flatten)]
    pub at: RepoRef,
    /// `watch`, `ignore` (mute) or `delete` (stop watching).
    pub action: SubscriptionAction,
}

const LIST_NOTIFICATIONS: Def = Def::read("list_notifications", "List notifications").about(
    "Lists the user's notifications, unread by default: thread id, reason, subject title and type, \
     repository. Mark them with mark_notification_read.",
);

async fn list_notifications(gh: Github, p: ListNotifications) -> ToolResult {
    let q = vec![("all", p.all.to_string()), ("participating", p.participating.to_string())];
    gh.page("/notifications", &q, &p.paging, None, "notifications", shape::notification).await
}

const MARK_NOTIFICATION_READ: Def = Def::ensure("mark_notification_read", "Mark a notification read").about(
    "Marks one notification thread as read and returns its id with `read: true`. Use it after acting \
     on a notification from list_notifications, so it stops showing as unread.",
);

async fn mark_notification_read(gh: Github, p: ThreadRef) -> ToolResult {
    gh.send(Method::PATCH, &p.path()?, None).await?;
    structured(json!({"thread_id": p.thread_id, "read": true}))
}

const GET_NOTIFICATION_DETAILS: Def = Def::read("get_notification_details", "Get a notification").about(
    "Gets one notification thread: why it reached the user, whether it is unread, its subject (issue or \
     pull request number, title, type) and repository.",
);

async fn get_notification_details(gh: Github, p: ThreadRef) -> ToolResult {
    let v = gh.get(&p.path()?, &[]).await?;
    structured(shape::notification(&v))
}

const MARK_ALL_NOTIFICATIONS_READ: Def = Def::ensure("mark_all_notifications_read", "Mark all notifications read")
    .about(
        "Marks every notification of the user as read, or only those last updated before \
     `last_read_at`. Use it to clear the inbox after going through list_notifications.",
    );

async fn mark_all_notifications_read(gh: Github, p: MarkAllRead) -> ToolResult {
    let body = p.last_read_at.as_ref().map(|at| json!({"last_read_at": at})).unwrap_or_else(|| json!({}));
    gh.send(Method::PUT, "/notifications", Some(&body)).await?;
    structured(json!({"read": true, "last_read_at": p.last_read_at}))
}

const DISMISS_NOTIFICATION: Def = Def::update("dismiss_notification", "Mark a notification done").about(
    "Marks one notification thread as done: it leaves the inbox until there is new activity on it. \
     (mark_notification_read only marks it read.)",
);

async fn dismiss_notification(gh: Github, p: ThreadRef) -> ToolResult {
    gh.send(Method::DELETE, &p.path()?, None).await?;
    structured(json!({"thread_id": p.thread_id, "done": true}))
}

const MANAGE_NOTIFICATION_SUBSCRIPTION: Def =
    Def::ensure("manage_notification_subscription", "Watch, mute or unsubscribe a thread").about(
        "Sets the user's subscription to one notification thread: `watch` (notify on all activity), \
     `ignore` (mute it) or `delete` (back to notifications only when participating).",
    );

async fn manage_notification_subscription(gh: Github, p: ThreadSubscription) -> ToolResult {
    let path = format!("{}/subscription", p.thread.path()?);
    let state = subscribe(&gh, &path, p.action, |ignore| json!({"ignored": ignore})).await?;
    structured(json!({"thread_id": p.thread.thread_id, "action": p.action, "subscription": state}))
}

/// Deletes the subscription at `path`, or sets it with the body `set` makes (from whether to
/// ignore); returns it as GitHub now has it.
async fn subscribe(
    gh: &Github,
    path: &str,
    action: SubscriptionAction,
    set: impl FnOnce(bool) -> serde_json::Value,
) -> Result<serde_json::Value, ToolFailure> {
    if action == SubscriptionAction::Delete {
        gh.send(Method::DELETE, path, None).await?;
        return Ok(json!({"subscribed": false, "ignored": false}));
    }
    let v = gh.send(Method::PUT, path, Some(&set(action == SubscriptionAction::Ignore))).await?;
    Ok(json!({"subscribed": v["subscribed"], "ignored": v["ignored"]}))
}

const MANAGE_REPOSITORY_NOTIFICATION_SUBSCRIPTION: Def =
    Def::ensure("manage_repository_notification_subscription", "Watch, mute or unwatch a repository").about(
        "Sets the user's notifications for a whole repository: `watch` (all activity), `ignore` (none, \
     not even mentions) or `delete` (stop watching: participating only).",
    );

async fn manage_repository_notification_subscription(gh: Github, p: RepoSubscription) -> ToolResult {
    let path = format!("{}/subscription", p.at.path()?);
    let state = subscribe(&gh, &path, p.action, |ignore| json!({"subscribed": !ignore, "ignored": ignore})).await?;
    structured(
        json!({"repository": format!("{}/{}", p.at.owner, p.at.repo), "action": p.action, "subscription": state}),
    )
}

pub fn notifications_tools() -> Vec<Route> {
    vec![
        route(LIST_NOTIFICATIONS, list_notifications),
        route(GET_NOTIFICATION_DETAILS, get_notification_details),
        route(MARK_NOTIFICATION_READ, mark_notification_read),
        route(MARK_ALL_NOTIFICATIONS_READ, mark_all_notifications_read),
        route(DISMISS_NOTIFICATION, dismiss_notification),
        route(MANAGE_NOTIFICATION_SUBSCRIPTION, manage_notification_subscription),
        route(MANAGE_REPOSITORY_NOTIFICATION_SUBSCRIPTION, manage_repository_notification_subscription),
    ]
}
