//! What a pull request is made of, computed from the git store: its live
//! head and base, merge base, commits, changed files, mergeability, and the
//! merge itself (merge commit, squash or rebase onto the base branch).

use super::git::{Change, Commit, apply, changes};
use super::{Issue, Merged, Pull, Repo, World, time};

/// Why a merge was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MergeRefusal {
    /// Closed, merged, a draft, or conflicting: GitHub's 405.
    NotMergeable,
    /// The `sha` given is not the head: GitHub's 409.
    HeadMoved,
}

/// Why a pull request's branch was not updated from its base (all GitHub's 422s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpdateRefusal {
    /// The head already contains the base's tip.
    UpToDate,
    /// `expected_head_sha` is not the head.
    HeadMoved,
    /// Closed, or the two sides changed the same file.
    Conflict,
}

/// How to merge: `method` is `merge`, `squash` or `rebase`; `sha`, when
/// given, must be the head; `title`/`message` override the commit message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MergeOptions<'a> {
    pub method: &'a str,
    pub sha: Option<&'a str>,
    pub title: Option<&'a str>,
    pub message: Option<&'a str>,
    pub by: &'a str,
}

impl World {
    /// The head commit: the head branch's tip while open (and the branch
    /// exists), the recorded one otherwise.
    pub fn pull_head(&self, pull: &Pull) -> String {
        if pull.merged.is_some() {
            return pull.head_sha.clone();
        }
        let (owner, name) = &pull.head_repo;
        self.repo(owner, name)
            .and_then(|r| r.branches.get(&pull.head_ref))
            .cloned()
            .unwrap_or_else(|| pull.head_sha.clone())
    }

    /// The base branch's tip (empty when the branch is gone).
    pub fn pull_base(&self, repo: &Repo, pull: &Pull) -> String {
        repo.branches.get(&pull.base_ref).cloned().unwrap_or_default()
    }

    /// The merge base of head and base (kept from merge time once merged).
    pub fn pull_merge_base(&self, repo: &Repo, pull: &Pull) -> String {
        if let Some(merged) = &pull.merged {
            return merged.base.clone();
        }
        let head = self.pull_head(pull);
        self.git.merge_base(&self.pull_base(repo, pull), &head).unwrap_or(head)
    }

    /// The pull request's commits, oldest first.
    pub fn pull_commits(&self, repo: &Repo, pull: &Pull) -> Vec<&Commit> {
        self.git.commits_between(&self.pull_merge_base(repo, pull), &self.pull_head(pull))
    }

    /// The files the pull request changes (three-dot diff, as GitHub shows).
    pub fn pull_changes(&self, repo: &Repo, pull: &Pull) -> Vec<Change> {
        let base = self.git.tree(&self.pull_merge_base(repo, pull));
        changes(&base, &self.git.tree(&self.pull_head(pull)))
    }

    /// Whether the head merges cleanly: no file changed differently on both
    /// sides since the merge base. `None` once closed (GitHub stops computing).
    pub fn pull_mergeable(&self, repo: &Repo, issue: &Issue) -> Option<bool> {
        let pull = issue.pull.as_ref()?;
        if !issue.is_open() {
            return None;
        }
        let merge_base = self.git.tree(&self.pull_merge_base(repo, pull));
        let ours = changes(&merge_base, &self.git.tree(&self.pull_base(repo, pull)));
        let theirs = self.pull_changes(repo, pull);
        Some(
            repo.branches.contains_key(&pull.base_ref)
                && !ours.iter().any(|o| theirs.iter().any(|t| t.path == o.path && t.new != o.new)),
        )
    }

    /// Merges the base branch into the head branch of pull request `number` of `at` (GitHub's
    /// "Update branch") and returns the head's new tip.
    pub fn update_pull_branch(
        &mut self,
        at: (&str, &str),
        number: u64,
        expected_head: Option<&str>,
        by: &str,
    ) -> Result<String, UpdateRefusal> {
        let repo = self.repo(at.0, at.1).ok_or(UpdateRefusal::Conflict)?;
        let issue = repo.issue(number).ok_or(UpdateRefusal::Conflict)?;
        let pull = issue.pull.as_ref().ok_or(UpdateRefusal::Conflict)?;
        let head = self.pull_head(pull);
        if expected_head.is_some_and(|sha| !sha.eq_ignore_ascii_case(&head)) {
            return Err(UpdateRefusal::HeadMoved);
        }
        let base_tip = self.pull_base(repo, pull);
        if self.git.ancestors(&head).contains(&base_tip) {
            return Err(UpdateRefusal::UpToDate);
        }
        if self.pull_mergeable(repo, issue) != Some(true) {
            return Err(UpdateRefusal::Conflict);
        }
        let tree = apply(&self.git.tree(&base_tip), &self.pull_changes(repo, pull));
        let message = format!("Merge branch '{}' into {}", pull.base_ref, pull.head_ref);
        let (head_repo, head_ref) = (pull.head_repo.clone(), pull.head_ref.clone());
        let now = time::now();
        let sha = self.git.commit_tree(vec![head, base_tip], tree, &message, by, now);
        let repo = self.repo_mut(&head_repo.0, &head_repo.1).ok_or(UpdateRefusal::Conflict)?;
        repo.branches.insert(head_ref, sha.clone());
        repo.pushed_at = now;
        Ok(sha)
    }

    /// Merges pull request `number` of `at` and returns the new base tip.
    pub fn merge_pull(&mut self, at: (&str, &str), number: u64, options: MergeOptions) -> Result<String, MergeRefusal> {
        let MergeOptions { method, sha: expected_head, title, message, by } = options;
        let repo = self.repo(at.0, at.1).ok_or(MergeRefusal::NotMergeable)?;
        let issue = repo.issue(number).ok_or(MergeRefusal::NotMergeable)?;
        let pull = issue.pull.as_ref().ok_or(MergeRefusal::NotMergeable)?;
        if self.pull_mergeable(repo, issue) != Some(true) || pull.draft {
            return Err(MergeRefusal::NotMergeable);
        }
        let head = self.pull_head(pull);
        if expected_head.is_some_and(|sha| !sha.eq_ignore_ascii_case(&head)) {
            return Err(MergeRefusal::HeadMoved);
        }
        let base_tip = self.pull_base(repo, pull);
        let merge_base = self.pull_merge_base(repo, pull);
        let commits: Vec<Commit> = self.pull_commits(repo, pull).into_iter().cloned().collect();
        let head_changes = self.pull_changes(repo, pull);
        let base_tree = self.git.tree(&base_tip);
        let (head_owner, _) = &pull.head_repo;
        let default_title = match method {
            "squash" => format!("{} (#{number})", issue.title),
            _ => format!("Merge pull request #{number} from {head_owner}/{}", pull.head_ref),
        };
        let default_message = match method {
            "squash" => commits.iter().map(|c| format!("* {}", c.message)).collect::<Vec<_>>().join("\n\n"),
            _ => issue.title.clone(),
        };
        let text = format!("{}\n\n{}", title.unwrap_or(&default_title), message.unwrap_or(&default_message));
        let base_ref = pull.base_ref.clone();
        let now = time::now();
        let sha = match method {
            "squash" => self.git.commit_tree(vec![base_tip], apply(&base_tree, &head_changes), &text, by, now),
            "rebase" => {
                let mut tip = base_tip;
                for commit in &commits {
                    let parent_tree = commit.parents.first().map(|p| self.git.tree(p)).unwrap_or_default();
                    let own = changes(&parent_tree, &commit.tree);
                    let tree = apply(&self.git.tree(&tip), &own);
                    tip = self.git.commit_tree(vec![tip], tree, &commit.message, &commit.author, now);
                }
                tip
            }
            _ => self.git.commit_tree(vec![base_tip, head.clone()], apply(&base_tree, &head_changes), &text, by, now),
        };
        let repo = self.repo_mut(at.0, at.1).ok_or(MergeRefusal::NotMergeable)?;
        repo.branches.insert(base_ref, sha.clone());
        repo.pushed_at = now;
        let issue = repo.issue_mut(number).ok_or(MergeRefusal::NotMergeable)?;
        issue.set_state(false, by, None, now);
        if let Some(pull) = issue.pull.as_mut() {
            pull.head_sha = head;
            pull.merged = Some(Merged { at: now, by: by.to_owned(), sha: sha.clone(), base: merge_base });
        }
        Ok(sha)
    }
}
