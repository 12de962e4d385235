//! Projects (v2) through REST: listing and reading organization and user projects, their fields
//! and items with field values, and adding, updating and deleting items, with GitHub's scopes.

mod common;

use common::TestResult;
use common::world::World;
use reqwest::Method;
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<u64> {
    list.as_array().map(|a| a.iter().filter_map(|i| i["id"].as_u64()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn projects_are_read_with_the_project_scopes_and_their_visibility() -> TestResult {
    let w = World::start().await?;
    let octo = w.emu.mint_access_token("octocat", "read:project").ok_or("no user")?;
    let hubot = w.emu.mint_access_token("hubot", "project").ok_or("no user")?;
    let mine = w.get("/orgs/github/projectsV2", Some(&octo)).await?;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.json().as_array().map(Vec::len), Some(2), "a member sees the private one too");
    let public = w.get("/orgs/github/projectsV2", Some(&hubot)).await?.json();
    assert_eq!(public.as_array().map(Vec::len), Some(1));
    assert_eq!(public[0]["title"], "Docs roadmap");
    let found = w.get("/orgs/github/projectsV2?q=roadmap+is:open", Some(&octo)).await?.json();
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    assert_eq!(w.get("/orgs/github/projectsV2", Some(&w.octo)).await?.status, 403, "repo is not a project scope");
    assert_eq!(w.get("/orgs/github/projectsV2/2", Some(&hubot)).await?.status, 404, "private");
    assert_eq!(w.get("/users/github/projectsV2", Some(&octo)).await?.status, 404, "an organization is no user");
    assert_eq!(w.get("/users/octocat/projectsV2/1", Some(&octo)).await?.json()["title"], "Octocat's tasks");
    // Which kind of account owns them: GitHub answers an organization at /users/{login} too.
    let org = w.get("/users/github", None).await?;
    assert_eq!((org.status, org.json()["type"].as_str()), (200, Some("Organization")), "{}", org.text);

    let fields = w.get("/orgs/github/projectsV2/1/fields", Some(&octo)).await?.json();
    assert_eq!(ids(&fields), [6001, 6002, 6003, 6004, 6005]);
    assert_eq!(fields[1]["options"][0]["name"]["raw"], "Todo");
    let items = w.get("/orgs/github/projectsV2/1/items", Some(&octo)).await?.json();
    assert_eq!(ids(&items), [7001, 7002, 7003]);
    assert_eq!(items[0]["content_type"], "Issue");
    assert_eq!(items[1]["content_type"], "PullRequest");
    assert_eq!(items[2]["content_type"], "DraftIssue");
    assert_eq!(items[0]["fields"].as_array().map(Vec::len), Some(1), "the title alone without `fields`");
    let valued = w.get("/orgs/github/projectsV2/1/items?fields=6002,6003", Some(&octo)).await?.json();
    assert_eq!(valued[0]["fields"][1]["value"]["name"]["raw"], "Todo");
    assert_eq!(valued[0]["fields"][2]["value"], 3.0);
    let todo = w.get("/orgs/github/projectsV2/1/items?q=status:todo", Some(&octo)).await?.json();
    assert_eq!(ids(&todo), [7001]);
    let drafts = w.get("/orgs/github/projectsV2/1/items?q=is:draft", Some(&octo)).await?.json();
    assert_eq!(ids(&drafts), [7003]);
    let paged = w.get("/orgs/github/projectsV2/1/items?per_page=2", Some(&octo)).await?;
    assert!(paged.header("link").contains("rel=\"next\""), "{:?}", paged.headers);
    Ok(())
}

#[tokio::test]
async fn items_are_added_updated_and_deleted_by_members() -> TestResult {
    let w = World::start().await?;
    let octo = w.emu.mint_access_token("octocat", "project").ok_or("no user")?;
    let hubot = w.emu.mint_access_token("hubot", "project").ok_or("no user")?;
    let items = "/orgs/github/projectsV2/1/items";
    let add = json!({"type": "Issue", "owner": "octocat", "repo": "hello-world", "number": 2});
    let added = w.send(Method::POST, items, &octo, add.clone()).await?;
    assert_eq!(added.status, 201, "{}", added.text);
    let id = added.json()["id"].as_u64().ok_or("an item id")?;
    assert_eq!(added.json()["content"]["number"], 2);
    let again = w.send(Method::POST, items, &octo, add.clone()).await?;
    assert_eq!(again.json()["id"].as_u64(), Some(id), "adding twice is the same item");
    let wrong = json!({"type": "PullRequest", "owner": "octocat", "repo": "hello-world", "number": 2});
    assert_eq!(w.send(Method::POST, items, &octo, wrong).await?.status, 422);
    let missing = json!({"type": "Issue", "owner": "octocat", "repo": "hello-world", "number": 99});
    assert_eq!(w.send(Method::POST, items, &octo, missing).await?.status, 422);
    assert_eq!(w.send(Method::POST, items, &hubot, add).await?.status, 403, "not a member");
    let read_only = w.emu.mint_access_token("octocat", "read:project").ok_or("no user")?;
    let refused = w.send(Method::POST, items, &read_only, json!({"type": "Issue", "id": 1})).await?;
    assert_eq!(refused.status, 403, "writing needs the project scope");

    let item = format!("{items}/{id}");
    let set = json!({"fields": [{"id": 6002, "value": "98236657"}, {"id": 6004, "value": "2026-12-24"}, {"id": 6005, "value": "ship it"}]});
    let updated = w.send(Method::PATCH, &item, &octo, set).await?;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let values: Vec<Value> =
        updated.json()["fields"].as_array().ok_or("fields")?.iter().map(|f| f["value"].clone()).collect();
    assert_eq!(values[1]["name"]["raw"], "Done");
    assert_eq!((values[2].as_str(), values[3].as_str()), (Some("2026-12-24"), Some("ship it")));
    let cleared = w.send(Method::PATCH, &item, &octo, json!({"fields": [{"id": 6005, "value": null}]})).await?;
    assert_eq!(cleared.json()["fields"].as_array().map(Vec::len), Some(3), "title, status, due");
    for bad in
        [json!({"id": 6002, "value": "Done"}), json!({"id": 6004, "value": "soon"}), json!({"id": 9, "value": "x"})]
    {
        let refused = w.send(Method::PATCH, &item, &octo, json!({"fields": [bad]})).await?;
        assert_eq!(refused.status, 422, "{}", refused.text);
    }
    assert_eq!(w.send(Method::PATCH, &format!("{items}/1"), &octo, json!({"fields": []})).await?.status, 404);
    let gone = w.call(Method::DELETE, &item, Some(&octo), None, &[]).await?;
    assert_eq!(gone.status, 204);
    assert_eq!(w.get(&item, Some(&octo)).await?.status, 404);
    Ok(())
}
