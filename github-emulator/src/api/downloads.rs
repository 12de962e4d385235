//! Downloads served at the web root, outside the API gate, standing in for
//! raw.githubusercontent.com and GitHub's log storage:
//!
//! - `GET /_raw/{owner}/{repo}/{ref}/{path}`: a file's bytes (the
//!   `download_url` of contents). A private repository's file only with
//!   the signed `?token=` its `download_url` carries, as GitHub does.
//! - `GET /_downloads/{token}`: where the Actions downloads redirect (a job's
//!   plain-text log; a run's logs or an artifact as a zip). The token comes
//!   from that redirect and works once, as GitHub's signed links expire.
//!
//! Errors here are plain text, as those hosts answer.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::input::{PathArgs, Query};
use crate::state::Shared;
use crate::world::Download;

/// Routes served at the web root.
pub(crate) fn web_routes() -> Router<Arc<Shared>> {
    Router::new().route("/_raw/{owner}/{repo}/{ref}/{*path}", get(raw)).route("/_downloads/{token}", get(download))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404: Not Found").into_response()
}

async fn raw(
    State(shared): State<Arc<Shared>>,
    args: PathArgs<(String, String, String, String)>,
    query: Query,
) -> Response {
    let Ok(axum::extract::Path((owner, name, at, file))) = args else {
        return not_found();
    };
    let inner = shared.lock();
    let world = &inner.world;
    let signed = |full_name: &str| {
        query.get("token").is_some_and(|t| *t == shared.download_token(full_name, &at, file.trim_matches('/')))
    };
    let Some(repo) = world.repo(&owner, &name).filter(|r| !r.private || signed(&r.full_name())) else {
        return not_found();
    };
    let blob = repo
        .resolve(&world.git, &at)
        .and_then(|sha| world.git.tree(&sha).get(file.trim_matches('/')).cloned())
        .and_then(|blob| world.git.blob(&blob).cloned());
    match blob {
        Some(bytes) => {
            let content_type = if std::str::from_utf8(&bytes).is_ok() && !bytes.contains(&0) {
                "text/plain; charset=utf-8"
            } else {
                "application/octet-stream"
            };
            (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], bytes.to_vec()).into_response()
        }
        None => not_found(),
    }
}

/// What a one-time link from a redirect downloads: a job's log as text, a run's logs or an
/// artifact as a zip.
async fn download(State(shared): State<Arc<Shared>>, args: PathArgs<String>) -> Response {
    let Ok(axum::extract::Path(token)) = args else {
        return not_found();
    };
    let mut inner = shared.lock();
    let world = &mut inner.world;
    // One use, as GitHub's signed links expire.
    let Some(what) = world.downloads.remove(&token) else {
        return not_found();
    };
    let (at, id) = match &what {
        Download::JobLog(at, id) | Download::RunLogs(at, id) | Download::Artifact(at, id) => (at, *id),
    };
    let Some(repo) = world.repo(&at.0, &at.1) else {
        return not_found();
    };
    let logs_kept = |run_id: u64| repo.runs.iter().any(|r| r.id == run_id && !r.logs_deleted);
    let files: Vec<(String, String)> = match what {
        Download::JobLog(..) => {
            return match repo.jobs.iter().find(|j| j.id == id && logs_kept(j.run_id)) {
                Some(job) => text(job.log.to_string()),
                None => not_found(),
            };
        }
        Download::RunLogs(..) if logs_kept(id) => repo
            .jobs
            .iter()
            .filter(|j| j.run_id == id)
            .enumerate()
            .map(|(i, j)| (format!("{i}_{}.txt", j.name), j.log.to_string()))
            .collect(),
        Download::Artifact(..) => match repo.artifacts.iter().find(|a| a.id == id) {
            Some(a) => vec![(format!("{}.txt", a.name), format!("{} from workflow run {}\n", a.name, a.run_id))],
            None => return not_found(),
        },
        Download::RunLogs(..) => return not_found(),
    };
    match zipped(&files) {
        Ok(bytes) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/zip")], bytes).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "zip failed").into_response(),
    }
}

fn text(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// A zip of `files` (name, text), stored uncompressed.
fn zipped(files: &[(String, String)]) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in files {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}
