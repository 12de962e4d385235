//! `grants list [--user LOGIN]` and `grants revoke ID | --user LOGIN`: who is signed in through which
//! client. Revoking a grant ends its access and refresh tokens at once (the MCP endpoint answers 401)
//! and drops the sealed GitHub token; the user can sign in again unless the allowlists say otherwise.

use super::{AdminError, revoke_where, shown, table, when};
use crate::{
    oauth::cimd::is_url_client_id,
    store::Records,
    store::records::{ClientRecord, Grant},
};

/// Does `login` name this grant's user? Logins compare case-insensitively; `id:N` matches the
/// numeric id, which survives renames.
fn is_user(grant: &Grant, login: &str) -> bool {
    match login.strip_prefix("id:") {
        Some(id) => id.parse::<u64>().is_ok_and(|id| id == grant.user.id),
        None => grant.user.login.eq_ignore_ascii_case(login.trim_start_matches('@')),
    }
}

/// Live grants, newest first, optionally only `user`'s.
pub async fn list(records: &Records, user: Option<&str>) -> Result<String, AdminError> {
    let mut grants: Vec<Grant> = records
        .list::<Grant>()
        .await?
        .into_iter()
        .map(|(_, g)| g)
        .filter(|g| user.is_none_or(|u| is_user(g, u)))
        .collect();
    grants.sort_by(|a, b| (b.created_at, &a.id).cmp(&(a.created_at, &b.id)));
    let clients = records.list::<ClientRecord>().await?;
    let name_of = |id: &str| {
        clients
            .iter()
            .find(|(k, _)| k == id)
            .and_then(|(_, c)| c.client_name.as_deref())
            .map_or_else(|| if is_url_client_id(id) { id.to_owned() } else { format!("{id} (deleted)") }, shown)
    };
    let mut t = table(&["GRANT ID", "USER", "CLIENT", "SCOPES", "SIGNED IN", "ALLOWLIST CHECKED"]);
    for g in &grants {
        t.add_row(vec![
            g.id.clone(),
            format!("{} (id {})", g.user.login, g.user.id),
            name_of(&g.client_id),
            g.scopes.to_string(),
            when(g.created_at),
            when(g.allowed_at),
        ]);
    }
    Ok(format!("{t}\n{} grant(s)", grants.len()))
}

/// Revokes one grant by id.
pub async fn revoke(records: &Records, grant_id: &str) -> Result<String, AdminError> {
    match revoke_where(records, |g| g.id == grant_id, "revoked by an operator").await? {
        0 => Err(AdminError::NotFound(format!("no grant `{grant_id}` (see `grants list`)"))),
        _ => Ok(format!("revoked grant {grant_id}")),
    }
}

/// Revokes every grant of `login` (or `id:N`).
pub async fn revoke_user(records: &Records, login: &str) -> Result<String, AdminError> {
    match revoke_where(records, |g| is_user(g, login), "user revoked by an operator").await? {
        0 => Err(AdminError::NotFound(format!("no grants for `{login}` (see `grants list`)"))),
        n => Ok(format!("revoked {n} grant(s) of {login}")),
    }
}
