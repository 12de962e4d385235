//! Git data JSON: commits (list shape, and with `stats`/`files`), changed
//! files, branches, tags, releases, git refs and repository contents (files
//! as base64 wrapped every 60 characters as GitHub does, directories as
//! entry lists).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

use super::{account, merge, node_id};
use crate::api::access::View;
use crate::api::model::repo::{repo_api, repo_html};
use crate::world::time::iso;
use crate::world::{Change, Commit, Release, Repo, diff, dir_sha};

/// Characters escaped in a path put in a URL ('/' is kept).
const PATH_SET: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'<').add(b'>').add(b'?').add(b'`');

/// Files above this size (1 MB) come back with `content: ""` and
/// `encoding: "none"`, as GitHub does for the JSON media type.
pub(crate) const MAX_INLINE_CONTENT: usize = 1024 * 1024;

pub(crate) fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH_SET).to_string()
}

/// A number derived from a sha, for `node_id`s.
pub(crate) fn sha_number(sha: &str) -> u64 {
    sha.get(..8).and_then(|h| u64::from_str_radix(h, 16).ok()).unwrap_or(0)
}

/// `{name, email, date}` of a commit author or committer.
fn person(view: &View, login: &str, date: u64) -> Value {
    let (name, email) = match view.shared.user(login) {
        Some(u) => (
            u.name.clone().unwrap_or_else(|| u.login.clone()),
            u.email.clone().unwrap_or_else(|| format!("{}+{}@users.noreply.github.com", u.id, u.login)),
        ),
        None => (login.to_owned(), format!("{login}@users.noreply.github.com")),
    };
    json!({"name": name, "email": email, "date": iso(date)})
}

/// A commit as `GET /repos/{o}/{r}/commits` lists it.
pub(crate) fn commit(view: &View, repo: &Repo, c: &Commit) -> Value {
    let api = repo_api(view, repo);
    let html = repo_html(view, repo);
    let tree = dir_sha(&c.tree, "");
    let parents: Vec<Value> = c
        .parents
        .iter()
        .map(|p| json!({"sha": p, "url": format!("{api}/commits/{p}"), "html_url": format!("{html}/commit/{p}")}))
        .collect();
    json!({
        "sha": c.sha,
        "node_id": node_id("Commit", sha_number(&c.sha)),
        "commit": {
            "author": person(view, &c.author, c.date),
            "committer": person(view, &c.author, c.date),
            "message": c.message,
            "tree": {"sha": tree, "url": format!("{api}/git/trees/{tree}")},
            "url": format!("{api}/git/commits/{}", c.sha),
            "comment_count": 0,
            "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null},
        },
        "url": format!("{api}/commits/{}", c.sha),
        "html_url": format!("{html}/commit/{}", c.sha),
        "comments_url": format!("{api}/commits/{}/comments", c.sha),
        "author": account(view.shared, view.world, &c.author),
        "committer": account(view.shared, view.world, &c.author),
        "parents": parents,
    })
}

/// `GET /repos/{o}/{r}/commits/{sha}`: the list shape plus `stats` and `files`.
pub(crate) fn commit_full(view: &View, repo: &Repo, c: &Commit) -> Value {
    let parent_tree = c.parents.first().map(|p| view.world.git.tree(p)).unwrap_or_default();
    let changes = crate::world::changes(&parent_tree, &c.tree);
    let files: Vec<Value> = changes.iter().map(|ch| file(view, repo, &c.sha, ch)).collect();
    let additions: u64 = files.iter().filter_map(|f| f["additions"].as_u64()).sum();
    let deletions: u64 = files.iter().filter_map(|f| f["deletions"].as_u64()).sum();
    let mut value = commit(view, repo, c);
    merge(
        &mut value,
        json!({"stats": {"total": additions + deletions, "additions": additions, "deletions": deletions}, "files": files}),
    );
    value
}

/// A git commit object, as `PUT .../contents/{path}` answers in `commit`.
pub(crate) fn git_commit(view: &View, repo: &Repo, c: &Commit) -> Value {
    let api = repo_api(view, repo);
    let html = repo_html(view, repo);
    let tree = dir_sha(&c.tree, "");
    let parents: Vec<Value> = c
        .parents
        .iter()
        .map(|p| json!({"url": format!("{api}/git/commits/{p}"), "html_url": format!("{html}/commit/{p}"), "sha": p}))
        .collect();
    json!({
        "sha": c.sha,
        "node_id": node_id("Commit", sha_number(&c.sha)),
        "url": format!("{api}/git/commits/{}", c.sha),
        "html_url": format!("{html}/commit/{}", c.sha),
        "author": person(view, &c.author, c.date),
        "committer": person(view, &c.author, c.date),
        "tree": {"url": format!("{api}/git/trees/{tree}"), "sha": tree},
        "message": c.message,
        "parents": parents,
        "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null},
    })
}

/// One changed file, as in a commit's `files` and `GET .../pulls/{n}/files`.
pub(crate) fn file(view: &View, repo: &Repo, at: &str, change: &Change) -> Value {
    let git = &view.world.git;
    let blob = |sha: &Option<String>| sha.as_deref().and_then(|s| git.blob(s)).map(|b| &b[..]);
    let d = diff(blob(&change.old), blob(&change.new));
    let path = encode_path(&change.path);
    let sha = change.new.as_ref().or(change.old.as_ref());
    let mut value = json!({
        "sha": sha,
        "filename": change.path,
        "status": change.status,
        "additions": d.additions,
        "deletions": d.deletions,
        "changes": d.additions + d.deletions,
        "blob_url": format!("{}/blob/{at}/{path}", repo_html(view, repo)),
        "raw_url": raw_url(view, repo, at, &change.path),
        "contents_url": format!("{}/contents/{path}?ref={at}", repo_api(view, repo)),
    });
    if let Some(patch) = d.patch {
        merge(&mut value, json!({"patch": patch.trim_end_matches('\n')}));
    }
    value
}

/// Where the emulator serves a file's raw bytes (GitHub's
/// raw.githubusercontent.com), public repositories only.
/// A file's raw download URL; a private repository's carries GitHub's signed `?token=`.
pub(crate) fn raw_url(view: &View, repo: &Repo, at: &str, path: &str) -> String {
    let url = format!("{}/_raw/{}/{at}/{}", view.shared.base_url, repo.full_name(), encode_path(path));
    if repo.private {
        format!("{url}?token={}", view.shared.download_token(&repo.full_name(), at, path.trim_matches('/')))
    } else {
        url
    }
}

pub(crate) fn branch(view: &View, repo: &Repo, name: &str, sha: &str) -> Value {
    json!({
        "name": name,
        "commit": {"sha": sha, "url": format!("{}/commits/{sha}", repo_api(view, repo))},
        "protected": false,
    })
}

/// `GET .../branches/{branch}`: the branch with its full head commit.
pub(crate) fn branch_full(view: &View, repo: &Repo, name: &str, head: &Commit) -> Value {
    let api = format!("{}/branches/{}", repo_api(view, repo), encode_path(name));
    json!({
        "name": name,
        "commit": commit(view, repo, head),
        "_links": {"self": api, "html": format!("{}/tree/{}", repo_html(view, repo), encode_path(name))},
        "protected": false,
        "protection": {
            "enabled": false,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": format!("{api}/protection"),
    })
}

pub(crate) fn tag(view: &View, repo: &Repo, name: &str, sha: &str) -> Value {
    let api = repo_api(view, repo);
    json!({
        "name": name,
        "zipball_url": format!("{api}/zipball/refs/tags/{name}"),
        "tarball_url": format!("{api}/tarball/refs/tags/{name}"),
        "commit": {"sha": sha, "url": format!("{api}/commits/{sha}")},
        "node_id": node_id("Ref", sha_number(sha)),
    })
}

/// A git reference, as `POST /repos/{o}/{r}/git/refs` answers.
pub(crate) fn git_ref(view: &View, repo: &Repo, full_ref: &str, sha: &str) -> Value {
    let api = repo_api(view, repo);
    json!({
        "ref": full_ref,
        "node_id": node_id("Ref", sha_number(sha)),
        "url": format!("{api}/git/{full_ref}"),
        "object": {"sha": sha, "type": "commit", "url": format!("{api}/git/commits/{sha}")},
    })
}

pub(crate) fn release(view: &View, repo: &Repo, r: &Release) -> Value {
    let api = repo_api(view, repo);
    let html = repo_html(view, repo);
    json!({
        "url": format!("{api}/releases/{}", r.id),
        "assets_url": format!("{api}/releases/{}/assets", r.id),
        "upload_url": format!("{}/repos/{}/releases/{}/assets{{?name,label}}", view.shared.base_url, repo.full_name(), r.id),
        "html_url": format!("{html}/releases/tag/{}", r.tag_name),
        "id": r.id,
        "author": account(view.shared, view.world, &r.author),
        "node_id": node_id("Release", r.id),
        "tag_name": r.tag_name,
        "target_commitish": r.target_commitish,
        "name": r.name,
        "draft": r.draft,
        "immutable": false,
        "prerelease": r.prerelease,
        "created_at": iso(r.created_at),
        "published_at": iso(r.published_at),
        "assets": [],
        "tarball_url": format!("{api}/tarball/{}", r.tag_name),
        "zipball_url": format!("{api}/zipball/{}", r.tag_name),
        "body": r.body,
    })
}

/// A file or directory entry of `GET .../contents/{path}` (directory
/// listings, and the base of a file's JSON).
pub(crate) fn content_entry(view: &View, repo: &Repo, at: &str, path: &str, sha: &str, size: Option<usize>) -> Value {
    let api = repo_api(view, repo);
    let encoded = encode_path(path);
    let name = path.rsplit('/').next().unwrap_or(path);
    let (kind, git_url, html_url, download) = match size {
        Some(_) => (
            "file",
            format!("{api}/git/blobs/{sha}"),
            format!("{}/blob/{at}/{encoded}", repo_html(view, repo)),
            Some(raw_url(view, repo, at, path)),
        ),
        None => {
            ("dir", format!("{api}/git/trees/{sha}"), format!("{}/tree/{at}/{encoded}", repo_html(view, repo)), None)
        }
    };
    let self_url = format!("{api}/contents/{encoded}?ref={at}");
    json!({
        "type": kind,
        "size": size.unwrap_or(0),
        "name": name,
        "path": path,
        "sha": sha,
        "url": self_url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": download,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    })
}

/// A file with its content: base64 with a newline every 60 characters, or
/// `""` with encoding `none` above [`MAX_INLINE_CONTENT`].
pub(crate) fn content_file(view: &View, repo: &Repo, at: &str, path: &str, sha: &str, bytes: &[u8]) -> Value {
    let mut value = content_entry(view, repo, at, path, sha, Some(bytes.len()));
    let (encoding, content) =
        if bytes.len() > MAX_INLINE_CONTENT { ("none", String::new()) } else { ("base64", wrapped_base64(bytes)) };
    merge(&mut value, json!({"encoding": encoding, "content": content}));
    value
}

/// Base64 in lines of 60 characters, each ending in `\n` (Ruby's `encode64`).
pub(crate) fn wrapped_base64(bytes: &[u8]) -> String {
    let flat = STANDARD.encode(bytes);
    let mut out = String::with_capacity(flat.len() + flat.len() / 60 + 1);
    for chunk in flat.as_bytes().chunks(60) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_wraps_at_60() {
        let text = wrapped_base64(&[7u8; 100]);
        let lines: Vec<&str> = text.split_terminator('\n').collect();
        assert_eq!(lines.iter().map(|l| l.len()).collect::<Vec<_>>(), [60, 60, 16]);
        assert!(text.ends_with('\n'));
        assert_eq!(wrapped_base64(b""), "");
    }

    #[test]
    fn paths_are_escaped_but_keep_slashes() {
        assert_eq!(encode_path("docs/a b?.md"), "docs/a%20b%3F.md");
    }
}
