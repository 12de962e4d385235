//! The `projects` toolset against the emulator's seeded projects (`github-emulator/src/world/seed.rs`):
//! the `github` organization's "Docs roadmap" (#1) and private "Internal planning" (#2), and
//! octocat's own "Octocat's tasks" (#1). Success, not found, GitHub's refusal for a non-member,
//! the empty case, and that writes change the project.

mod common;

use common::ToolSession as Session;
use common::error_text as text;
use serde_json::{Value, json};

const NOT_FOUND: &str = "Not found on GitHub, or private and not visible to this account.";

fn roadmap(extra: Value) -> Value {
    let mut args = json!({"owner": "github", "project_number": 1});
    for (k, v) in extra.as_object().into_iter().flatten() {
        args[k] = v.clone();
    }
    args
}

fn item_ids(out: &Value) -> Vec<u64> {
    let items = out["items"].as_array().unwrap_or_else(|| panic!("no items in {out}"));
    items.iter().filter_map(|i| i["id"].as_u64()).collect()
}

#[tokio::test]
async fn projects_are_listed_and_read_with_their_fields_and_items() {
    let s = Session::start().await;
    let (err, orgs) = s.call("list_projects", json!({"owner": "github"})).await;
    assert!(!err, "{orgs}");
    let titles: Vec<&str> = orgs["projects"].as_array().unwrap().iter().filter_map(|p| p["title"].as_str()).collect();
    assert_eq!(titles, ["Docs roadmap", "Internal planning"], "the owner's kind is looked up");
    let (_, mine) = s.call("list_projects", json!({"owner": "octocat", "owner_type": "user"})).await;
    assert_eq!(mine["projects"][0]["title"], "Octocat's tasks");
    let (_, none) = s.call("list_projects", json!({"owner": "github", "query": "nothing-like-this"})).await;
    assert_eq!(none["projects"], json!([]), "{none}");

    let (err, project) = s.call("get_project", roadmap(json!({}))).await;
    assert!(!err, "{project}");
    let status = &project["fields"][1];
    assert_eq!((status["id"].as_u64(), status["data_type"].as_str()), (Some(6002), Some("single_select")));
    assert_eq!(status["options"][2], json!({"id": "98236657", "name": "Done"}));
    let (err, missing) = s.call("get_project", roadmap(json!({"project_number": 9}))).await;
    assert!(err && text(&missing).contains(NOT_FOUND), "{missing}");

    let (err, items) = s.call("list_project_items", roadmap(json!({}))).await;
    assert!(!err, "{items}");
    assert_eq!(item_ids(&items), [7001, 7002, 7003]);
    let first = &items["items"][0];
    assert_eq!((first["type"].as_str(), first["repository"].as_str()), (Some("Issue"), Some("octocat/hello-world")));
    assert_eq!(first["fields"], json!({"Status": "Todo", "Estimate": 3.0}), "every field by default: {first}");
    assert_eq!(items["items"][2]["title"], "Write the style guide");
    let (_, todo) = s.call("list_project_items", roadmap(json!({"query": "status:todo"}))).await;
    assert_eq!(item_ids(&todo), [7001]);
    let (_, only) = s.call("list_project_items", roadmap(json!({"fields": [6003]}))).await;
    assert_eq!(only["items"][0]["fields"], json!({"Estimate": 3.0}));
    let (_, paged) = s.call("list_project_items", roadmap(json!({"per_page": 2}))).await;
    let cursor = paged["page"]["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, rest) = s.call("list_project_items", roadmap(json!({"per_page": 2, "cursor": cursor}))).await;
    assert_eq!(item_ids(&rest), [7003]);
    let (_, empty) = s.call("list_project_items", roadmap(json!({"project_number": 2}))).await;
    assert_eq!(item_ids(&empty), Vec::<u64>::new(), "the private project, seen by a member");

    let hubot = s.sign_in_as("hubot").await;
    let (err, hidden) = s.call_as(&hubot, "get_project", roadmap(json!({"project_number": 2}))).await;
    assert!(err && text(&hidden).contains(NOT_FOUND), "private to members: {hidden}");
}

#[tokio::test]
async fn items_are_added_set_and_removed() {
    let s = Session::start().await;
    let add = roadmap(json!({"item_owner": "octocat", "item_repo": "hello-world", "number": 2, "item_type": "issue"}));
    let (err, added) = s.call("add_project_item", add.clone()).await;
    assert!(!err, "{added}");
    let id = added["id"].as_u64().expect("an item id");
    assert_eq!(added["number"], 2);
    let (_, again) = s.call("add_project_item", add.clone()).await;
    assert_eq!(again["id"].as_u64(), Some(id), "adding twice is one item");
    let wrong =
        roadmap(json!({"item_owner": "octocat", "item_repo": "hello-world", "number": 2, "item_type": "pull_request"}));
    let (err, refused) = s.call("add_project_item", wrong).await;
    assert!(err && text(&refused).contains("not a PullRequest"), "{refused}");

    let set =
        json!([{"id": 6002, "value": "in progress"}, {"id": 6003, "value": 5}, {"id": 6004, "value": "2026-12-24"}]);
    let (err, updated) = s.call("update_project_item", roadmap(json!({"item_id": id, "set": set}))).await;
    assert!(!err, "{updated}");
    assert_eq!(updated["fields"], json!({"Status": "In Progress", "Estimate": 5.0, "Due": "2026-12-24"}));
    let (err, cleared) = s.call("update_project_item", roadmap(json!({"item_id": id, "clear": [6003, 6004]}))).await;
    assert!(!err && cleared["fields"] == json!({"Status": "In Progress"}), "{cleared}");
    let (_, listed) = s.call("list_project_items", roadmap(json!({"query": "status:\"in progress\""}))).await;
    assert_eq!(item_ids(&listed), [7002, id], "GitHub's state changed");
    let bad = json!([{"id": 6004, "value": "next week"}]);
    let (err, refused) = s.call("update_project_item", roadmap(json!({"item_id": id, "set": bad}))).await;
    assert!(err && text(&refused).contains("not a valid value"), "{refused}");
    let (err, nothing) = s.call("update_project_item", roadmap(json!({"item_id": id}))).await;
    assert!(err && text(&nothing).contains("`set` or `clear`"), "{nothing}");

    let hubot = s.sign_in_as("hubot").await;
    let (err, outsider) = s.call_as(&hubot, "delete_project_item", roadmap(json!({"item_id": id}))).await;
    assert!(err && text(&outsider).contains("Resource not accessible by integration"), "{outsider}");
    let (err, removed) = s.call("delete_project_item", roadmap(json!({"item_id": id}))).await;
    assert!(!err && removed["removed"] == true, "{removed}");
    let (_, after) = s.call("list_project_items", roadmap(json!({}))).await;
    assert_eq!(item_ids(&after), [7001, 7002, 7003]);
    let (err, gone) = s.call("delete_project_item", roadmap(json!({"item_id": id}))).await;
    assert!(err && text(&gone).contains(NOT_FOUND), "{gone}");
}
