//! `POST /graphql`: GitHub's conventions (401 without a token, errors with HTTP 200 and a `type`,
//! paginated connections) and the pull request operations only GraphQL offers: review threads
//! read, resolved and unresolved; draft and ready; a line comment added to a pending review.

mod common;

use common::TestResult;
use common::world::{F1, World};
use github_emulator::{EmulatorConfig, User};
use reqwest::Method;
use serde_json::{Value, json};

const THREADS: &str =
    "query($n: Int!) { repository(owner: \"octocat\", name: \"hello-world\") { pullRequest(number: $n) {
    id isDraft reviewThreads(first: 10) { totalCount pageInfo { hasNextPage endCursor }
      nodes { id isResolved isOutdated path line diffSide resolvedBy { login }
        comments(first: 10) { totalCount nodes { databaseId body author { login } } } } } } } }";

/// An emulator whose third user, mallory, has no push access to octocat/hello-world.
async fn world() -> Result<(World, String), Box<dyn std::error::Error>> {
    let mut config = EmulatorConfig::default();
    config.users.push(User { id: 9_000_001, login: "mallory".into(), name: None, email: None, orgs: Vec::new() });
    let w = World::start_with(config).await?;
    let mallory = w.emu.mint_access_token("mallory", "repo").ok_or("no mallory")?;
    Ok((w, mallory))
}

async fn graphql(w: &World, token: &str, query: &str, variables: Value) -> Result<Value, Box<dyn std::error::Error>> {
    let url = format!("{}/api/graphql", w.emu.base_url());
    let body = json!({"query": query, "variables": variables});
    let reply = common::client().post(url).bearer_auth(token).json(&body).send().await?;
    let reply = common::world::Reply {
        status: reply.status().as_u16(),
        headers: reply.headers().clone(),
        text: reply.text().await?,
    };
    assert_eq!(reply.status, 200, "{}", reply.text);
    Ok(reply.json())
}

fn error_type(answer: &Value) -> &str {
    answer["errors"][0]["type"].as_str().unwrap_or_default()
}

/// A changed file of pull request #3 and a line comment on it (a thread), by hubot.
async fn comment_on_pull_3(w: &World) -> Result<(String, u64), Box<dyn std::error::Error>> {
    let files = w.get("/repos/octocat/hello-world/pulls/3/files", None).await?.json();
    let path = files[0]["filename"].as_str().ok_or("no files")?.to_owned();
    let body = json!({"body": "Why this?", "path": path, "line": 1, "commit_id": F1});
    let reply = w.send(Method::POST, "/repos/octocat/hello-world/pulls/3/comments", &w.hubot, body).await?;
    assert_eq!(reply.status, 201, "{}", reply.text);
    Ok((path, reply.json()["id"].as_u64().ok_or("no id")?))
}

#[tokio::test]
async fn graphql_needs_a_token_and_answers_errors_with_200_and_a_type() -> TestResult {
    let w = World::start().await?;
    // Beside an Enterprise Server's /api/v3, as GitHub lays it out.
    let url = format!("{}/api/graphql", w.emu.base_url());
    let anonymous = common::client().post(&url).json(&json!({"query": "{ __typename }"})).send().await?;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.json::<Value>().await?["message"], "This endpoint requires you to be authenticated.");
    let under_v3 =
        w.call(Method::POST, "/graphql", Some(&w.octo), Some(json!({"query": "{ __typename }"})), &[]).await?;
    assert_eq!(under_v3.status, 404, "not under the REST prefix");

    let missing = graphql(&w, &w.octo, "{ repository(owner: \"octocat\", name: \"nope\") { id } }", json!({})).await?;
    assert!(missing["data"]["repository"].is_null(), "{missing}");
    assert_eq!(error_type(&missing), "NOT_FOUND");
    assert_eq!(missing["errors"][0]["message"], "Could not resolve to a Repository with the name 'octocat/nope'.");
    assert_eq!(missing["errors"][0]["path"], json!(["repository"]));
    assert!(missing["errors"][0].get("extensions").is_none(), "GitHub puts `type` beside the message: {missing}");

    let unbounded = "{ repository(owner: \"octocat\", name: \"hello-world\") { pullRequest(number: 3) { reviewThreads { totalCount } } } }";
    assert_eq!(error_type(&graphql(&w, &w.octo, unbounded, json!({})).await?), "MISSING_PAGINATION_BOUNDARIES");
    let not_a_field = graphql(&w, &w.octo, "{ viewer { nope } }", json!({})).await?;
    assert!(not_a_field["errors"][0]["message"].as_str().is_some(), "{not_a_field}");
    Ok(())
}

#[tokio::test]
async fn review_threads_are_read_resolved_and_unresolved_by_those_with_push_access() -> TestResult {
    let (w, mallory) = world().await?;
    let (path, comment) = comment_on_pull_3(&w).await?;
    let reply = format!("/repos/octocat/hello-world/pulls/3/comments/{comment}/replies");
    assert_eq!(w.send(Method::POST, &reply, &w.octo, json!({"body": "To greet by name."})).await?.status, 201);

    let answer = graphql(&w, &w.octo, THREADS, json!({"n": 3})).await?;
    let threads = &answer["data"]["repository"]["pullRequest"]["reviewThreads"];
    assert_eq!(threads["totalCount"], 1, "{answer}");
    let thread = &threads["nodes"][0];
    assert_eq!((thread["path"].as_str(), thread["isResolved"].as_bool()), (Some(path.as_str()), Some(false)));
    assert_eq!(thread["comments"]["totalCount"], 2);
    assert_eq!(thread["comments"]["nodes"][0]["databaseId"], comment);
    assert_eq!(thread["comments"]["nodes"][1]["author"]["login"], "octocat");
    let id = thread["id"].as_str().ok_or("no thread id")?.to_owned();

    let resolve = "mutation($id: ID!) { resolveReviewThread(input: {threadId: $id}) { thread { isResolved resolvedBy { login } } } }";
    let refused = graphql(&w, &mallory, resolve, json!({"id": id})).await?;
    assert_eq!(error_type(&refused), "FORBIDDEN", "{refused}");
    assert_eq!(
        refused["errors"][0]["message"],
        "mallory does not have the correct permissions to execute `ResolveReviewThread`"
    );
    let bare = graphql(&w, &w.octo_bare, resolve, json!({"id": id})).await?;
    assert_eq!(error_type(&bare), "INSUFFICIENT_SCOPES", "{bare}");
    let done = graphql(&w, &w.hubot, resolve, json!({"id": id})).await?;
    assert_eq!(
        done["data"]["resolveReviewThread"]["thread"],
        json!({"isResolved": true, "resolvedBy": {"login": "hubot"}})
    );
    let now = graphql(&w, &w.octo, THREADS, json!({"n": 3})).await?;
    assert_eq!(now["data"]["repository"]["pullRequest"]["reviewThreads"]["nodes"][0]["isResolved"], true);

    let unresolve = "mutation($id: ID!) { unresolveReviewThread(input: {threadId: $id}) { thread { isResolved resolvedBy { login } } } }";
    let undone = graphql(&w, &w.octo, unresolve, json!({"id": id})).await?;
    assert_eq!(undone["data"]["unresolveReviewThread"]["thread"], json!({"isResolved": false, "resolvedBy": null}));
    let unknown = graphql(&w, &w.octo, resolve, json!({"id": "MDQ6VXNlcjU4MzIzMQ=="})).await?;
    assert_eq!(error_type(&unknown), "NOT_FOUND", "a user's id names no thread: {unknown}");
    Ok(())
}

#[tokio::test]
async fn a_pull_request_goes_to_draft_and_back_by_its_node_id() -> TestResult {
    let (w, mallory) = world().await?;
    let pull = w.get("/repos/octocat/hello-world/pulls/3", None).await?.json();
    let id = pull["node_id"].as_str().ok_or("no node_id")?.to_owned();
    let draft = "mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { pullRequest { number isDraft } } }";
    let ready = "mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { number isDraft } } }";
    assert_eq!(error_type(&graphql(&w, &mallory, draft, json!({"id": id})).await?), "FORBIDDEN");
    let answer = graphql(&w, &w.octo, draft, json!({"id": id})).await?;
    assert_eq!(answer["data"]["convertPullRequestToDraft"]["pullRequest"], json!({"number": 3, "isDraft": true}));
    assert_eq!(w.get("/repos/octocat/hello-world/pulls/3", None).await?.json()["draft"], true, "REST sees it too");
    let answer = graphql(&w, &w.hubot, ready, json!({"id": id})).await?;
    assert_eq!(answer["data"]["markPullRequestReadyForReview"]["pullRequest"]["isDraft"], false, "{answer}");
    Ok(())
}

#[tokio::test]
async fn a_line_comment_joins_the_callers_pending_review_and_stays_hidden_until_submitted() -> TestResult {
    let (w, mallory) = world().await?;
    let files = w.get("/repos/octocat/hello-world/pulls/3/files", None).await?.json();
    let path = files[0]["filename"].as_str().ok_or("no files")?.to_owned();
    let pending = w.send(Method::POST, "/repos/octocat/hello-world/pulls/3/reviews", &w.hubot, json!({})).await?;
    assert_eq!(pending.status, 200, "{}", pending.text);
    let review = pending.json();
    let add = "mutation($r: ID!, $path: String, $line: Int) { addPullRequestReviewThread(input:
        {pullRequestReviewId: $r, path: $path, line: $line, side: RIGHT, body: \"Typo here.\"}) { thread { path line comments(first: 5) { nodes { body } } } } }";
    let vars = json!({"r": review["node_id"], "path": path, "line": 1});
    assert_eq!(error_type(&graphql(&w, &mallory, add, vars.clone()).await?), "NOT_FOUND", "someone else's review");
    let answer = graphql(&w, &w.hubot, add, vars).await?;
    let thread = &answer["data"]["addPullRequestReviewThread"]["thread"];
    assert_eq!((thread["path"].as_str(), thread["line"].as_u64()), (Some(path.as_str()), Some(1)), "{answer}");
    assert_eq!(thread["comments"]["nodes"][0]["body"], "Typo here.");

    let seen_by = |token: String| {
        let w = &w;
        async move {
            let a = graphql(w, &token, THREADS, json!({"n": 3})).await?;
            Ok::<_, Box<dyn std::error::Error>>(
                a["data"]["repository"]["pullRequest"]["reviewThreads"]["totalCount"].clone(),
            )
        }
    };
    assert_eq!((seen_by(w.hubot.clone()).await?, seen_by(w.octo.clone()).await?), (json!(1), json!(0)));

    let bad = graphql(&w, &w.hubot, add, json!({"r": review["node_id"], "path": "no/such/file", "line": 1})).await?;
    assert_eq!(error_type(&bad), "UNPROCESSABLE", "{bad}");
    assert_eq!(bad["errors"][0]["message"], "Path could not be resolved");
    Ok(())
}

#[tokio::test]
async fn discussions_are_listed_read_and_commented_on() -> TestResult {
    let w = World::start().await?;
    let read = "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
        hasDiscussionsEnabled
        discussionCategories(first: 10) { totalCount nodes { id name isAnswerable } }
        discussions(first: 10, orderBy: {field: CREATED_AT, direction: ASC}) { totalCount nodes { number title author { login } category { name } } }
        discussion(number: 2) { id title isAnswered authorAssociation
          comments(first: 10) { totalCount nodes { id body author { login } isAnswer replies(first: 10) { nodes { id body } } } } } } }";
    let vars = json!({"owner": "github", "name": "docs"});
    let data = graphql(&w, &w.octo, read, vars.clone()).await?;
    let repo = &data["data"]["repository"];
    assert_eq!(repo["hasDiscussionsEnabled"], true, "{data}");
    assert_eq!(repo["discussionCategories"]["totalCount"], 4);
    assert_eq!(repo["discussions"]["nodes"][1]["title"], "How do I build on Windows?");
    let discussion = &repo["discussion"];
    assert_eq!(discussion["authorAssociation"], "NONE", "hubot is no member of github");
    assert_eq!(discussion["comments"]["totalCount"], 2, "top-level comments");
    assert_eq!(discussion["comments"]["nodes"][0]["replies"]["nodes"][0]["body"], "The build tools did it, thanks.");
    let qa = repo["discussionCategories"]["nodes"][2]["id"].clone();
    let answered = "query($owner: String!, $name: String!, $category: ID) { repository(owner: $owner, name: $name) {
        discussions(first: 10, categoryId: $category, answered: false) { nodes { number } } } }";
    let filtered = graphql(&w, &w.octo, answered, json!({"owner": "github", "name": "docs", "category": qa})).await?;
    assert_eq!(filtered["data"]["repository"]["discussions"]["nodes"], json!([{"number": 2}]), "{filtered}");
    let none = graphql(
        &w,
        &w.octo,
        "{ repository(owner: \"github\", name: \"docs\") { discussion(number: 99) { id } } }",
        json!({}),
    )
    .await?;
    assert_eq!(none["errors"][0]["type"], "NOT_FOUND", "{none}");

    let id = discussion["id"].clone();
    let top = discussion["comments"]["nodes"][0]["id"].clone();
    let add = "mutation($id: ID!, $body: String!, $reply: ID) { addDiscussionComment(input: {discussionId: $id, body: $body, replyToId: $reply}) { comment { id body author { login } } } }";
    let added = graphql(&w, &w.hubot, add, json!({"id": id, "body": "One more thing", "reply": top})).await?;
    let reply = added["data"]["addDiscussionComment"]["comment"].clone();
    assert_eq!(reply["author"]["login"], "hubot", "{added}");
    let nested = graphql(&w, &w.hubot, add, json!({"id": id, "body": "x", "reply": reply["id"]})).await?;
    assert_eq!(nested["errors"][0]["type"], "UNPROCESSABLE", "replies to replies: {nested}");
    let bare = graphql(&w, &w.octo_bare, add, json!({"id": id, "body": "x"})).await?;
    assert_eq!(bare["errors"][0]["type"], "INSUFFICIENT_SCOPES", "{bare}");

    let mark = "mutation($id: ID!) { markDiscussionCommentAsAnswer(input: {id: $id}) { discussion { isAnswered answer { body } } } }";
    let marked = graphql(&w, &w.hubot, mark, json!({"id": top})).await?;
    assert_eq!(marked["data"]["markDiscussionCommentAsAnswer"]["discussion"]["isAnswered"], true, "{marked}");
    let not_reply = graphql(&w, &w.hubot, mark, json!({"id": reply["id"]})).await?;
    assert_eq!(not_reply["errors"][0]["type"], "UNPROCESSABLE", "{not_reply}");
    let update = "mutation($id: ID!) { updateDiscussionComment(input: {commentId: $id, body: \"edited\"}) { comment { body } } }";
    let stranger = w.emu.mint_access_token("octocat", "public_repo").ok_or("no user")?;
    let edited = graphql(&w, &stranger, update, json!({"id": reply["id"]})).await?;
    assert_eq!(edited["data"]["updateDiscussionComment"]["comment"]["body"], "edited", "the owner may: {edited}");
    let delete = "mutation($id: ID!) { deleteDiscussionComment(input: {id: $id}) { comment { id } } }";
    let deleted = graphql(&w, &w.hubot, delete, json!({"id": reply["id"]})).await?;
    assert_eq!(deleted["data"]["deleteDiscussionComment"]["comment"]["id"], reply["id"], "{deleted}");
    let after = graphql(&w, &w.octo, read, vars).await?;
    let replies = &after["data"]["repository"]["discussion"]["comments"]["nodes"][0]["replies"]["nodes"];
    assert_eq!(replies.as_array().map(Vec::len), Some(1), "{after}");
    Ok(())
}
