//! The object store every repository shares (forks share history, as on
//! GitHub): blobs and commits by sha, and what the API needs from them —
//! histories, merge bases and the files two trees differ in.
//!
//! Shas are 40 hex digits like git's, but made with SHA-256 (truncated)
//! rather than SHA-1: nothing outside the emulator recomputes them.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

/// A snapshot of a repository: file path → blob sha.
pub(crate) type Tree = BTreeMap<String, String>;

/// One commit. Authors are logins; the model renders names and emails.
#[derive(Debug, Clone)]
pub(crate) struct Commit {
    pub sha: String,
    pub parents: Vec<String>,
    pub tree: Arc<Tree>,
    pub message: String,
    pub author: String,
    pub date: u64,
}

/// How a file differs between two trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub path: String,
    /// `added`, `removed` or `modified`, as GitHub's `files[].status`.
    pub status: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Blobs, trees made through the git data API, and commits, by sha.
#[derive(Debug, Default)]
pub(crate) struct Git {
    blobs: HashMap<String, Arc<[u8]>>,
    trees: HashMap<String, Arc<Tree>>,
    commits: HashMap<String, Commit>,
}

impl Git {
    /// Stores a blob and returns its sha.
    pub fn put_blob(&mut self, content: Arc<[u8]>) -> String {
        let sha = blob_sha(&content);
        self.blobs.entry(sha.clone()).or_insert(content);
        sha
    }

    /// Stores a blob whose sha is already known (computed once per process).
    pub fn put_blob_with_sha(&mut self, sha: &str, content: Arc<[u8]>) {
        self.blobs.entry(sha.to_owned()).or_insert(content);
    }

    pub fn blob(&self, sha: &str) -> Option<&Arc<[u8]>> {
        self.blobs.get(sha)
    }

    /// Stores a tree (`POST .../git/trees`) and returns its sha.
    pub fn put_tree(&mut self, tree: Tree) -> String {
        let sha = dir_sha(&tree, "");
        self.trees.entry(sha.clone()).or_insert_with(|| Arc::new(tree));
        sha
    }

    /// The root tree `sha` names: one stored, or one of a commit.
    pub fn tree_by_sha(&self, sha: &str) -> Option<Arc<Tree>> {
        if let Some(tree) = self.trees.get(sha) {
            return Some(Arc::clone(tree));
        }
        self.commits.values().find(|c| dir_sha(&c.tree, "") == sha).map(|c| Arc::clone(&c.tree))
    }

    /// Stores a commit as given (the seed uses fixed shas).
    pub fn insert_commit(&mut self, commit: Commit) {
        self.commits.insert(commit.sha.clone(), commit);
    }

    /// Makes a new commit and returns its sha.
    pub fn commit_tree(&mut self, parents: Vec<String>, tree: Tree, message: &str, author: &str, date: u64) -> String {
        let mut hasher = Sha256::new();
        for (path, blob) in &tree {
            hasher.update(format!("{path}\0{blob}\n"));
        }
        hasher.update(format!("{}\0{message}\0{author}\0{date}\0{}", parents.join(","), self.commits.len()));
        let sha = hex40(&hasher.finalize());
        let commit = Commit {
            sha: sha.clone(),
            parents,
            tree: Arc::new(tree),
            message: message.into(),
            author: author.into(),
            date,
        };
        self.commits.insert(sha.clone(), commit);
        sha
    }

    pub fn commit(&self, sha: &str) -> Option<&Commit> {
        self.commits.get(sha)
    }

    /// A commit named by a full sha or an unambiguous prefix of 7+ hex digits.
    pub fn find_commit(&self, name: &str) -> Option<&Commit> {
        let name = name.to_ascii_lowercase();
        if let Some(commit) = self.commits.get(&name) {
            return Some(commit);
        }
        if name.len() < 7 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut found = self.commits.values().filter(|c| c.sha.starts_with(&name));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// `tip` and all its ancestors, newest first (by date, then by walk order).
    pub fn history(&self, tip: &str) -> Vec<&Commit> {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([tip]);
        let mut out = Vec::new();
        while let Some(sha) = queue.pop_front() {
            if !seen.insert(sha) {
                continue;
            }
            if let Some(commit) = self.commits.get(sha) {
                queue.extend(commit.parents.iter().map(String::as_str));
                out.push(commit);
            }
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.date));
        out
    }

    /// Shas of `tip` and its ancestors.
    pub fn ancestors(&self, tip: &str) -> HashSet<String> {
        self.history(tip).into_iter().map(|c| c.sha.clone()).collect()
    }

    /// The newest common ancestor of `a` and `b`.
    pub fn merge_base(&self, a: &str, b: &str) -> Option<String> {
        let of_a = self.ancestors(a);
        self.history(b).into_iter().find(|c| of_a.contains(&c.sha)).map(|c| c.sha.clone())
    }

    /// Commits reachable from `head` but not from `base`, oldest first (the
    /// commits of a pull request).
    pub fn commits_between(&self, base: &str, head: &str) -> Vec<&Commit> {
        let of_base = self.ancestors(base);
        let mut out: Vec<&Commit> = self.history(head).into_iter().filter(|c| !of_base.contains(&c.sha)).collect();
        out.reverse();
        out
    }

    /// The tree of a commit, empty for an unknown sha.
    pub fn tree(&self, sha: &str) -> Arc<Tree> {
        self.commits.get(sha).map(|c| Arc::clone(&c.tree)).unwrap_or_default()
    }
}

/// What changed from `old` to `new`, by path.
pub(crate) fn changes(old: &Tree, new: &Tree) -> Vec<Change> {
    let mut out = Vec::new();
    for (path, sha) in new {
        match old.get(path) {
            None => out.push(Change { path: path.clone(), status: "added", old: None, new: Some(sha.clone()) }),
            Some(before) if before != sha => out.push(Change {
                path: path.clone(),
                status: "modified",
                old: Some(before.clone()),
                new: Some(sha.clone()),
            }),
            Some(_) => {}
        }
    }
    for (path, sha) in old {
        if !new.contains_key(path) {
            out.push(Change { path: path.clone(), status: "removed", old: Some(sha.clone()), new: None });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `base` with `changes` applied.
pub(crate) fn apply(base: &Tree, changes: &[Change]) -> Tree {
    let mut tree = base.clone();
    for change in changes {
        match &change.new {
            Some(sha) => tree.insert(change.path.clone(), sha.clone()),
            None => tree.remove(&change.path),
        };
    }
    tree
}

/// The sha of a blob: like git's `blob {len}\0{content}` hash.
pub(crate) fn blob_sha(content: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("blob {}\0", content.len()));
    hasher.update(content);
    hex40(&hasher.finalize())
}

/// The sha of the directory `dir` (`""` for the root) of a tree.
pub(crate) fn dir_sha(tree: &Tree, dir: &str) -> String {
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let mut hasher = Sha256::new();
    hasher.update(format!("tree {dir}\0"));
    for (path, blob) in tree.range(prefix.clone()..).take_while(|(p, _)| p.starts_with(&prefix)) {
        hasher.update(format!("{path}\0{blob}\n"));
    }
    hex40(&hasher.finalize())
}

fn hex40(digest: &[u8]) -> String {
    digest.iter().take(20).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(pairs: &[(&str, &str)]) -> Tree {
        pairs.iter().map(|(p, s)| ((*p).to_owned(), (*s).to_owned())).collect()
    }

    #[test]
    fn histories_and_merge_bases() {
        let mut git = Git::default();
        let a = git.commit_tree(vec![], tree(&[("a", "1")]), "a", "octocat", 10);
        let b = git.commit_tree(vec![a.clone()], tree(&[("a", "2")]), "b", "octocat", 20);
        let c = git.commit_tree(vec![a.clone()], tree(&[("a", "1"), ("c", "3")]), "c", "octocat", 30);
        assert_eq!(a.len(), 40);
        assert_eq!(git.history(&b).iter().map(|c| c.message.as_str()).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(git.merge_base(&b, &c), Some(a.clone()));
        assert_eq!(git.commits_between(&b, &c).len(), 1);
        assert_eq!(git.find_commit(&c[..7]).map(|c| c.message.as_str()), Some("c"));
        assert!(git.find_commit("abc").is_none());
    }

    #[test]
    fn changes_apply() {
        let old = tree(&[("a", "1"), ("b", "2")]);
        let new = tree(&[("a", "9"), ("c", "3")]);
        let diff = changes(&old, &new);
        assert_eq!(diff.iter().map(|c| c.status).collect::<Vec<_>>(), ["modified", "removed", "added"]);
        assert_eq!(apply(&old, &diff), new);
        assert_ne!(dir_sha(&old, ""), dir_sha(&new, ""));
    }
}
