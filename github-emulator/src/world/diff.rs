//! Line diffs: the `patch`, `additions` and `deletions` of a changed file,
//! and the whole unified diff GitHub serves for `application/vnd.github.diff`.
//!
//! The diff is one hunk around the changed middle (common leading and
//! trailing lines are context): valid unified diff, not always the minimal
//! one, and linear in the file size.

use super::git::{Change, Git};

/// Lines of context around a hunk, as git uses.
const CONTEXT: usize = 3;
/// Files bigger than this get counts but no `patch`, as GitHub omits big ones.
const MAX_PATCH_BYTES: usize = 512 * 1024;

/// How one file changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FileDiff {
    pub additions: usize,
    pub deletions: usize,
    /// The hunks (`@@ ... @@` and lines, each ending in `\n`); `None` for
    /// binary or very big files.
    pub patch: Option<String>,
    pub binary: bool,
}

/// Diffs two versions of a file (`None` when absent on that side).
pub(crate) fn diff(old: Option<&[u8]>, new: Option<&[u8]>) -> FileDiff {
    let (old, new) = (old.unwrap_or_default(), new.unwrap_or_default());
    let (Some(old_text), Some(new_text)) = (text(old), text(new)) else {
        return FileDiff { binary: true, ..FileDiff::default() };
    };
    let a: Vec<&str> = old_text.split_inclusive('\n').collect();
    let b: Vec<&str> = new_text.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a.iter().rev().zip(b.iter().rev()).take(max_suffix).take_while(|(x, y)| x == y).count();
    let removed = &a[prefix..a.len() - suffix];
    let added = &b[prefix..b.len() - suffix];
    let mut out = FileDiff { additions: added.len(), deletions: removed.len(), patch: None, binary: false };
    if removed.is_empty() && added.is_empty() || old.len() + new.len() > MAX_PATCH_BYTES {
        return out;
    }

    let start = prefix.saturating_sub(CONTEXT);
    let before = &a[start..prefix];
    let after = &a[a.len() - suffix..(a.len() - suffix + CONTEXT).min(a.len())];
    let old_count = before.len() + removed.len() + after.len();
    let new_count = before.len() + added.len() + after.len();
    let line_no = |count: usize| if count == 0 { start } else { start + 1 };
    let mut patch = format!("@@ -{},{old_count} +{},{new_count} @@\n", line_no(old_count), line_no(new_count));
    let mut push = |mark: char, lines: &[&str]| {
        for line in lines {
            patch.push(mark);
            patch.push_str(line);
            if !line.ends_with('\n') {
                patch.push_str("\n\\ No newline at end of file\n");
            }
        }
    };
    push(' ', before);
    push('-', removed);
    push('+', added);
    push(' ', after);
    out.patch = Some(patch);
    out
}

/// The `git diff` of a list of changes, as GitHub serves a pull request's diff.
pub(crate) fn unified(git: &Git, changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let blob = |sha: &Option<String>| sha.as_deref().and_then(|s| git.blob(s)).map(|b| &b[..]);
        let path = &change.path;
        out.push_str(&format!("diff --git a/{path} b/{path}\n"));
        match change.status {
            "added" => out.push_str("new file mode 100644\n"),
            "removed" => out.push_str("deleted file mode 100644\n"),
            _ => {}
        }
        let mode = if change.status == "modified" { " 100644" } else { "" };
        out.push_str(&format!("index {}..{}{mode}\n", short(change.old.as_deref()), short(change.new.as_deref())));
        let from = if change.old.is_some() { format!("a/{path}") } else { "/dev/null".into() };
        let to = if change.new.is_some() { format!("b/{path}") } else { "/dev/null".into() };
        let file = diff(blob(&change.old), blob(&change.new));
        if file.binary {
            out.push_str(&format!("Binary files {from} and {to} differ\n"));
        } else if let Some(patch) = file.patch {
            out.push_str(&format!("--- {from}\n+++ {to}\n{patch}"));
        }
    }
    out
}

/// The abbreviated sha of an `index` line.
fn short(sha: Option<&str>) -> &str {
    sha.and_then(|s| s.get(..7)).unwrap_or("0000000")
}

/// The content as text, unless it looks binary.
fn text(content: &[u8]) -> Option<&str> {
    if content.contains(&0) {
        return None;
    }
    std::str::from_utf8(content).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hunk_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n";
        let d = diff(Some(old.as_bytes()), Some(new.as_bytes()));
        assert_eq!((d.additions, d.deletions), (1, 1));
        assert_eq!(d.patch.as_deref(), Some("@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"));
    }

    #[test]
    fn new_files_binary_and_missing_newline() {
        let d = diff(None, Some(b"a\nb"));
        assert_eq!(d.patch.as_deref(), Some("@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n"));
        let d = diff(Some(b"\x89PNG\0"), None);
        assert!(d.binary && d.patch.is_none());
        let d = diff(Some(b"same\n"), Some(b"same\n"));
        assert!(d.patch.is_none() && d.additions == 0);
    }
}
