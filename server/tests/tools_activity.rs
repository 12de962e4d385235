//! The `actions` and `notifications` toolsets against the emulator's seeded CI results and inbox
//! (`github-emulator/src/world/seed_ci.rs`): each tool's projected happy path and its main error path.

mod common;

use common::ToolSession as Session;
use common::hello_world as hello;
use common::{assert_no_noise, error_text as text};
use serde_json::{Value, json};

const C3: &str = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";
const F1: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const RUN_FAILED: u64 = 30_433_643;
const RUN_OK: u64 = 30_433_642;
const JOB_BUILD: u64 = 399_444_497;
/// The one job of the run that passed.
const JOB_OF_RUN_OK: u64 = 399_444_496;
const JOB_TEST: u64 = 399_444_498;
const NOT_FOUND: &str = "Not found on GitHub, or private and not visible to this account.";
const CUT_NOTE: &str = "Earlier output is left out; ask for more with tail_lines.";
/// Keys of GitHub's JSON the projections must drop, at any depth.
const NOISE: &[&str] = &[
    "url",
    "node_id",
    "avatar_url",
    "jobs_url",
    "logs_url",
    "rerun_url",
    "head_commit",
    "pull_requests",
    "check_run_url",
    "subscription_url",
    "last_read_at",
];

fn ids(out: &Value, key: &str) -> Vec<Value> {
    out[key].as_array().unwrap_or_else(|| panic!("no {key} in {out}")).iter().map(|x| x["id"].clone()).collect()
}

/// The log lines without their timestamps (`2024-04-05T07:02:09.0499000Z `).
fn log_lines(out: &Value) -> Vec<String> {
    let log = out["log"].as_str().unwrap_or_else(|| panic!("no log in {out}"));
    log.lines().map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_owned()).collect()
}

#[tokio::test]
async fn list_workflow_runs_lists_newest_first_with_projected_fields() {
    let s = Session::start().await;
    let (err, out) = s.call("list_workflow_runs", hello(json!({}))).await;
    assert!(!err, "{out}");
    assert_eq!(ids(&out, "workflow_runs"), vec![json!(RUN_FAILED), json!(RUN_OK)]);
    assert_eq!(out["page"]["total_count"], 2);
    assert_eq!(out["page"]["has_next_page"], false);
    let run = &out["workflow_runs"][0];
    let expected = json!({
        "id": RUN_FAILED, "name": "CI", "display_title": "Add sample data", "run_number": 42, "run_attempt": 1,
        "event": "push", "status": "completed", "conclusion": "failure", "head_branch": "main", "head_sha": C3,
        "created_at": "2024-04-05T07:00:00Z", "updated_at": "2024-04-05T07:05:00Z", "actor": "octocat",
        "html_url": run["html_url"],
    });
    assert_eq!(run, &expected);
    assert!(run["html_url"].as_str().unwrap().ends_with("/octocat/hello-world/actions/runs/30433643"));
    assert_eq!(out["workflow_runs"][1]["head_sha"], F1);
    assert_eq!(out["workflow_runs"][1]["event"], "pull_request");
    assert_no_noise(&out, NOISE);
}

#[tokio::test]
async fn list_workflow_runs_filters_by_branch_status_and_event() {
    let s = Session::start().await;
    let runs = |extra: Value| {
        let s = &s;
        async move {
            let (err, out) = s.call("list_workflow_runs", hello(extra)).await;
            assert!(!err, "{out}");
            ids(&out, "workflow_runs")
        }
    };
    assert_eq!(runs(json!({"branch": "feature"})).await, vec![json!(RUN_OK)]);
    assert_eq!(runs(json!({"branch": "main"})).await, vec![json!(RUN_FAILED)]);
    assert_eq!(runs(json!({"status": "failure"})).await, vec![json!(RUN_FAILED)]);
    assert_eq!(runs(json!({"status": "success"})).await, vec![json!(RUN_OK)]);
    assert_eq!(runs(json!({"status": "completed"})).await, vec![json!(RUN_FAILED), json!(RUN_OK)]);
    assert_eq!(runs(json!({"event": "pull_request"})).await, vec![json!(RUN_OK)]);
    assert_eq!(runs(json!({"branch": "main", "status": "success"})).await, Vec::<Value>::new());
    // Empty filters are not sent at all.
    assert_eq!(runs(json!({"branch": "", "status": ""})).await.len(), 2);
    let last = s.h.emulator.api_requests().pop().unwrap();
    assert!(!last.query.unwrap_or_default().contains("branch="), "empty branch filter left out");

    let (err, out) = s.call("list_workflow_runs", hello(json!({"repo": "nope"}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
}

#[tokio::test]
async fn get_workflow_run_includes_jobs_and_steps_so_the_failure_can_be_found() {
    let s = Session::start().await;
    let (err, run) = s.call("get_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(!err, "{run}");
    assert_eq!((run["id"].as_u64(), run["run_number"].as_u64()), (Some(RUN_FAILED), Some(42)));
    assert_eq!((run["status"].as_str(), run["conclusion"].as_str()), (Some("completed"), Some("failure")));
    assert_eq!(ids(&run, "jobs"), vec![json!(JOB_BUILD), json!(JOB_TEST)]);
    let failed: Vec<&Value> = run["jobs"].as_array().unwrap().iter().filter(|j| j["conclusion"] == "failure").collect();
    assert_eq!(failed.len(), 1, "{run}");
    let job = failed[0];
    assert_eq!((job["id"].as_u64(), job["name"].as_str()), (Some(JOB_TEST), Some("test")));
    assert_eq!(
        (job["started_at"].as_str(), job["completed_at"].as_str()),
        (Some("2024-04-05T07:02:00Z"), Some("2024-04-05T07:04:00Z"))
    );
    assert_eq!(
        job["steps"],
        json!([
            {"number": 1, "name": "Set up job", "status": "completed", "conclusion": "success"},
            {"number": 2, "name": "Run actions/checkout@v4", "status": "completed", "conclusion": "success"},
            {"number": 3, "name": "Run cargo test", "status": "completed", "conclusion": "failure"},
            {"number": 4, "name": "Complete job", "status": "completed", "conclusion": "success"},
        ])
    );
    assert_eq!(run["jobs"][0]["name"], "build");
    assert_eq!(run["jobs"][0]["conclusion"], "success");
    assert!(job.get("runner_name").is_none() && job.get("labels").is_none(), "{job}");
    assert_no_noise(&run, NOISE);

    let (err, ok) = s.call("get_workflow_run", hello(json!({"run_id": RUN_OK}))).await;
    assert!(!err, "{ok}");
    assert_eq!(ids(&ok, "jobs"), vec![json!(399_444_496u64)]);
    assert_eq!((ok["conclusion"].as_str(), ok["head_branch"].as_str()), (Some("success"), Some("feature")));

    let (err, out) = s.call("get_workflow_run", hello(json!({"run_id": 1}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
}

#[tokio::test]
async fn get_job_logs_returns_the_last_200_lines_by_default() {
    let s = Session::start().await;
    let (err, out) = s.call("get_job_logs", hello(json!({"job_id": JOB_TEST}))).await;
    assert!(!err, "{out}");
    assert_eq!(out["job_id"], JOB_TEST);
    assert_eq!(out["total_lines"], 500);
    assert_eq!(out["lines_shown"], 200);
    assert_eq!(out["note"], CUT_NOTE);
    let lines = log_lines(&out);
    assert_eq!(lines.len(), 200);
    // Line 301 of 500: 8 setup lines, then case_001 at line 9.
    assert_eq!(lines[0], "test tests::case_293 ... ok");
    assert_eq!(lines[199], "Finished.");
    assert!(lines.contains(&"test tests::greets_twice_on_windows ... FAILED".to_owned()));
    assert!(out["log"].as_str().unwrap().starts_with("2024-04-05T07:02:06."), "timestamps are kept: {out}");
}

#[tokio::test]
async fn get_job_logs_tail_lines_gives_exactly_the_last_lines() {
    let s = Session::start().await;
    let (err, out) = s.call("get_job_logs", hello(json!({"job_id": JOB_TEST, "tail_lines": 5}))).await;
    assert!(!err, "{out}");
    assert_eq!((out["lines_shown"].as_u64(), out["total_lines"].as_u64()), (Some(5), Some(500)));
    assert_eq!(out["note"], CUT_NOTE);
    assert_eq!(
        log_lines(&out),
        vec![
            "##[endgroup]",
            "##[error]Process completed with exit code 101.",
            "Cleaning up orphan processes",
            "Post job cleanup.",
            "Finished.",
        ]
    );

    // More than the log has: all of it, nothing left out. Zero is clamped to one line.
    let (_, all) = s.call("get_job_logs", hello(json!({"job_id": JOB_TEST, "tail_lines": 5000}))).await;
    assert_eq!((all["lines_shown"].as_u64(), all["total_lines"].as_u64()), (Some(500), Some(500)));
    assert!(all["note"].is_null(), "{}", all["note"]);
    assert_eq!(log_lines(&all)[0], "##[group]Run actions/checkout@v4");
    let (_, one) = s.call("get_job_logs", hello(json!({"job_id": JOB_TEST, "tail_lines": 0}))).await;
    assert_eq!(log_lines(&one), vec!["Finished."]);
}

#[tokio::test]
async fn get_job_logs_of_a_short_log_has_no_note_and_unknown_jobs_are_not_found() {
    let s = Session::start().await;
    let (err, out) = s.call("get_job_logs", hello(json!({"job_id": JOB_BUILD}))).await;
    assert!(!err, "{out}");
    assert_eq!((out["lines_shown"].as_u64(), out["total_lines"].as_u64()), (Some(8), Some(8)));
    assert!(out["note"].is_null(), "{out}");
    let lines = log_lines(&out);
    assert_eq!(lines.first().map(String::as_str), Some("##[group]Run actions/checkout@v4"));
    assert_eq!(lines.last().map(String::as_str), Some("Cleaning up orphan processes"));

    let (err, out) = s.call("get_job_logs", hello(json!({"job_id": 12345}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
}

#[tokio::test]
async fn rerun_workflow_run_queues_a_new_attempt_and_refuses_unknown_or_running_runs() {
    let s = Session::start().await;
    let (err, out) = s.call("rerun_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(!err, "{out}");
    assert_eq!(out, json!({"run_id": RUN_FAILED, "rerun_requested": true}));
    let posted = s.h.emulator.api_requests().into_iter().filter(|r| r.method == "POST").collect::<Vec<_>>();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].path, format!("/repos/octocat/hello-world/actions/runs/{RUN_FAILED}/rerun"));
    assert_eq!(posted[0].status, 201);

    let (_, run) = s.call("get_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert_eq!((run["status"].as_str(), run["run_attempt"].as_u64()), (Some("queued"), Some(2)));
    assert!(run.get("conclusion").is_none(), "a queued run has no conclusion yet: {run}");

    let (err, out) = s.call("rerun_workflow_run", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(err);
    assert!(text(&out).starts_with("GitHub refused: This workflow is already running."), "{out}");
    let (err, out) = s.call("rerun_workflow_run", hello(json!({"run_id": 1}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
}

#[tokio::test]
async fn list_notifications_shows_octocats_two_unread_threads() {
    let s = Session::start().await;
    let (err, out) = s.call("list_notifications", json!({})).await;
    assert!(!err, "{out}");
    let updated = "2024-04-03T09:00:00Z";
    assert_eq!(
        out["notifications"],
        json!([
            {"id": "2", "unread": true, "reason": "review_requested", "updated_at": updated,
             "title": "Greet by name", "type": "PullRequest", "number": 3, "repository": "octocat/hello-world"},
            {"id": "1", "unread": true, "reason": "mention", "updated_at": updated,
             "title": "Found a bug", "type": "Issue", "number": 1, "repository": "octocat/hello-world"},
        ])
    );
    assert_eq!(out["page"]["has_next_page"], false);
    assert_no_noise(&out, NOISE);
    let asked = s.h.emulator.api_requests().pop().unwrap();
    assert_eq!(asked.path, "/notifications");
    assert!(asked.query.unwrap_or_default().contains("all=false"));

    let (_, participating) = s.call("list_notifications", json!({"participating": true})).await;
    assert_eq!(ids(&participating, "notifications"), vec![json!("2"), json!("1")]);
}

#[tokio::test]
async fn mark_notification_read_hides_the_thread_from_the_unread_list() {
    let s = Session::start().await;
    let (err, out) = s.call("mark_notification_read", json!({"thread_id": "1"})).await;
    assert!(!err, "{out}");
    assert_eq!(out, json!({"thread_id": "1", "read": true}));
    let patched: Vec<_> = s.h.emulator.api_requests().into_iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!((patched.len(), patched[0].path.as_str(), patched[0].status), (1, "/notifications/threads/1", 205));

    let (_, unread) = s.call("list_notifications", json!({})).await;
    assert_eq!(ids(&unread, "notifications"), vec![json!("2")]);
    let (_, all) = s.call("list_notifications", json!({"all": true})).await;
    assert_eq!(ids(&all, "notifications"), vec![json!("2"), json!("1")]);
    assert_eq!(all["notifications"][1]["unread"], false);

    // Marking again is harmless; an unknown thread is not found.
    let (err, _) = s.call("mark_notification_read", json!({"thread_id": "1"})).await;
    assert!(!err);
    let (err, out) = s.call("mark_notification_read", json!({"thread_id": "77"})).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
    let (_, unread) = s.call("list_notifications", json!({})).await;
    assert_eq!(ids(&unread, "notifications"), vec![json!("2")], "thread 2 is untouched");
}

#[tokio::test]
async fn get_workflow_job_shows_one_job_with_its_steps() {
    let s = Session::start().await;
    let (err, out) = s.call("get_workflow_job", hello(json!({"job_id": JOB_TEST}))).await;
    assert!(!err, "{out}");
    assert_eq!((out["name"].as_str(), out["conclusion"].as_str()), (Some("test"), Some("failure")));
    assert_eq!(out["run_id"], RUN_FAILED);
    assert_eq!(out["steps"][2]["conclusion"], "failure", "{out}");
    assert_no_noise(&out, NOISE);
    let (err, out) = s.call("get_workflow_job", hello(json!({"job_id": 1}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
}

#[tokio::test]
async fn get_workflow_run_usage_reports_billable_time_per_job() {
    let s = Session::start().await;
    let (err, out) = s.call("get_workflow_run_usage", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(!err, "{out}");
    let ubuntu = &out["billable"]["UBUNTU"];
    assert_eq!(ubuntu["jobs"], 2, "{out}");
    let jobs: Vec<u64> = ubuntu["job_runs"].as_array().unwrap().iter().filter_map(|j| j["job_id"].as_u64()).collect();
    assert_eq!(jobs, [JOB_BUILD, JOB_TEST]);
    assert!(out["run_duration_ms"].as_u64().is_some_and(|ms| ms > 0), "{out}");
    let (err, out) = s.call("get_workflow_run_usage", hello(json!({"run_id": 1}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
}

/// The link is GitHub's redirect target, handed over unfollowed: it downloads without any token.
#[tokio::test]
async fn get_actions_download_url_gives_a_link_that_downloads_without_a_token() {
    let s = Session::start().await;
    for (args, file) in
        [(json!({"artifact_id": 11_223_344}), "test-results.txt"), (json!({"run_id": RUN_FAILED}), "1_test.txt")]
    {
        let (err, out) = s.call("get_actions_download_url", hello(args.clone())).await;
        assert!(!err, "{out}");
        let url = out["url"].as_str().unwrap_or_else(|| panic!("no url in {out}"));
        let zip = reqwest::get(url).await.unwrap();
        assert_eq!(zip.status(), 200, "{url}");
        let bytes = zip.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "{args}: a zip");
        assert!(bytes.windows(file.len()).any(|w| w == file.as_bytes()), "{args}: holds {file}");
    }
    let (err, out) = s.call("get_actions_download_url", hello(json!({"artifact_id": 1, "run_id": RUN_FAILED}))).await;
    assert!(err && text(&out).starts_with("Pass either"), "{out}");
    let (err, out) = s.call("get_actions_download_url", hello(json!({"artifact_id": 1}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "{out}");
}

#[tokio::test]
async fn delete_workflow_run_logs_removes_every_log_of_a_completed_run_only() {
    let s = Session::start().await;
    let (err, out) = s.call("delete_workflow_run_logs", hello(json!({"run_id": RUN_FAILED}))).await;
    assert!(!err, "{out}");
    assert_eq!(out, json!({"run_id": RUN_FAILED, "logs_deleted": true}));
    let (err, out) = s.call("get_job_logs", hello(json!({"job_id": JOB_TEST}))).await;
    assert!(err && text(&out).starts_with(NOT_FOUND), "the job's log is gone: {out}");
    let (err, out) = s.call("get_job_logs", hello(json!({"job_id": JOB_OF_RUN_OK}))).await;
    assert!(!err, "another run's logs stay: {out}");

    let (err, out) = s.call("run_workflow", hello(json!({"workflow": "ci.yml", "ref": "main"}))).await;
    assert!(!err, "{out}");
    let (_, runs) = s.call("list_workflow_runs", hello(json!({"status": "queued"}))).await;
    let queued = runs["workflow_runs"][0]["id"].as_u64().unwrap_or_else(|| panic!("a queued run: {runs}"));
    let (err, out) = s.call("delete_workflow_run_logs", hello(json!({"run_id": queued}))).await;
    assert!(err && text(&out).contains("in progress"), "{out}");
}
