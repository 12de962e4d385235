//! Seeded CI results and notifications for `octocat/hello-world`:
//!
//! - On [`F1`] (the head of pull request #3): status `ci/emulator` success
//!   (id 1) and check run `build` success (id 4), so the combined state is
//!   `success`.
//! - Workflow runs of `CI` (workflow id 159038), newest first in lists:
//!   run 30433643 (#42, `push` on `main` at [`C3`], `failure`; jobs
//!   399444497 `build` success and 399444498 `test` failure with a 500-line
//!   log) and run 30433642 (#41, `pull_request` on `feature` at [`F1`],
//!   `success`; job 399444496 `build`).
//! - octocat's notifications: thread 1 (issue #1, `mention`) and thread 2
//!   (pull request #3, `review_requested`), both unread.

use std::sync::Arc;

use super::World;
use super::activity::{CheckRun, CommitStatus, Job, Run, Thread};
use super::seed::{C3, F1};
use super::time::{iso, utc};

pub(crate) const RUN_OK: u64 = 30_433_642;
pub(crate) const RUN_FAILED: u64 = 30_433_643;
/// Lines in the failed job's log.
pub(crate) const FAILED_LOG_LINES: usize = 500;

pub(super) fn add(world: &mut World) {
    world.threads = vec![
        thread(1, 1, "Issue", "Found a bug", "mention"),
        thread(2, 3, "PullRequest", "Greet by name", "review_requested"),
    ];
    let Some(repo) = world.repo_mut("octocat", "hello-world") else {
        return;
    };
    let ci_time = utc(2024, 4, 2, 8, 20);
    repo.statuses = vec![CommitStatus {
        id: 1,
        sha: F1.into(),
        state: "success".into(),
        context: "ci/emulator".into(),
        description: "The build succeeded".into(),
        target_url: None,
        creator: "octocat".into(),
        created_at: ci_time,
    }];
    repo.check_runs = vec![CheckRun {
        id: 4,
        head_sha: F1.into(),
        name: "build".into(),
        status: "completed".into(),
        conclusion: Some("success".into()),
        started_at: ci_time,
        completed_at: Some(ci_time + 95),
        title: "Build passed".into(),
        summary: "All 12 tests passed.".into(),
    }];
    repo.runs = vec![
        run(RUN_OK, 41, "feature", F1, "pull_request", "success", ci_time),
        run(RUN_FAILED, 42, "main", C3, "push", "failure", utc(2024, 4, 5, 7, 0)),
    ];
    repo.artifacts = vec![crate::world::Artifact {
        id: 11_223_344,
        run_id: RUN_FAILED,
        name: "test-results".into(),
        size: 5_120,
        created_at: utc(2024, 4, 5, 7, 4),
    }];
    repo.jobs = vec![
        job(399_444_496, RUN_OK, "build", "success", ci_time, short_log(ci_time)),
        job(399_444_497, RUN_FAILED, "build", "success", utc(2024, 4, 5, 7, 0), short_log(utc(2024, 4, 5, 7, 0))),
        job(399_444_498, RUN_FAILED, "test", "failure", utc(2024, 4, 5, 7, 2), failed_log(utc(2024, 4, 5, 7, 2))),
    ];
}

fn thread(id: u64, number: u64, subject_type: &str, title: &str, reason: &str) -> Thread {
    Thread {
        id,
        login: "octocat".into(),
        repo: ("octocat".into(), "hello-world".into()),
        subject_type: subject_type.into(),
        number,
        title: title.into(),
        reason: reason.into(),
        unread: true,
        updated_at: utc(2024, 4, 3, 9, 0),
        last_read_at: None,
        done: false,
        subscription: None,
    }
}

fn run(id: u64, number: u64, branch: &str, sha: &str, event: &str, conclusion: &str, at: u64) -> Run {
    Run {
        id,
        name: "CI".into(),
        workflow_id: 159_038,
        path: ".github/workflows/ci.yml".into(),
        head_branch: branch.into(),
        head_sha: sha.into(),
        event: event.into(),
        status: "completed".into(),
        conclusion: Some(conclusion.into()),
        run_number: number,
        run_attempt: 1,
        actor: "octocat".into(),
        created_at: at,
        updated_at: at + 300,
        logs_deleted: false,
    }
}

fn job(id: u64, run_id: u64, name: &str, conclusion: &str, at: u64, log: String) -> Job {
    let steps = ["Set up job", "Run actions/checkout@v4", &format!("Run cargo {name}"), "Complete job"];
    let last = steps.len() - 1;
    Job {
        id,
        run_id,
        name: name.into(),
        status: "completed".into(),
        conclusion: Some(conclusion.into()),
        started_at: at,
        completed_at: Some(at + 120),
        steps: steps
            .iter()
            .enumerate()
            .map(|(i, s)| ((*s).to_owned(), if i == last - 1 { conclusion.to_owned() } else { "success".to_owned() }))
            .collect(),
        log: Arc::from(log),
    }
}

fn stamp(at: u64, line: usize) -> String {
    let iso = iso(at + line as u64 / 50);
    format!("{}.{:07}Z", iso.trim_end_matches('Z'), line * 1000)
}

fn short_log(at: u64) -> String {
    let lines = [
        "##[group]Run actions/checkout@v4",
        "Syncing repository: octocat/hello-world",
        "##[endgroup]",
        "##[group]Run cargo build",
        "   Compiling hello-world v0.1.0 (/home/runner/work/hello-world)",
        "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 2.31s",
        "##[endgroup]",
        "Cleaning up orphan processes",
    ];
    lines.iter().enumerate().map(|(i, l)| format!("{} {l}\n", stamp(at, i))).collect()
}

/// 500 lines: setup, 480 passing tests, then the failure at the end.
fn failed_log(at: u64) -> String {
    let mut lines = vec![
        "##[group]Run actions/checkout@v4".to_owned(),
        "Syncing repository: octocat/hello-world".into(),
        "##[endgroup]".into(),
        "##[group]Run cargo test".into(),
        "   Compiling hello-world v0.1.0 (/home/runner/work/hello-world)".into(),
        "    Finished `test` profile [unoptimized + debuginfo] target(s) in 4.02s".into(),
        "     Running unittests src/main.rs (target/debug/deps/hello_world-5f1c0e1d)".into(),
        "running 481 tests".into(),
    ];
    lines.extend((1..=480).map(|i| format!("test tests::case_{i:03} ... ok")));
    lines.extend(
        [
            "test tests::greets_twice_on_windows ... FAILED",
            "failures:",
            "---- tests::greets_twice_on_windows stdout ----",
            "thread 'tests::greets_twice_on_windows' panicked at src/main.rs:12:9:",
            "assertion `left == right` failed: greeting printed twice",
            "test result: FAILED. 480 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out",
            "error: test failed, to rerun pass `--bin hello-world`",
            "##[endgroup]",
            "##[error]Process completed with exit code 101.",
            "Cleaning up orphan processes",
            "Post job cleanup.",
            "Finished.",
        ]
        .map(str::to_owned),
    );
    debug_assert_eq!(lines.len(), FAILED_LOG_LINES);
    lines.iter().enumerate().map(|(i, l)| format!("{} {l}\n", stamp(at, i))).collect()
}
