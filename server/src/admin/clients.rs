//! `clients list` and `clients delete ID`: registered OAuth clients. Deleting a client also revokes
//! every grant it holds, so its tokens stop working at once.

use super::{AdminError, revoke_where, shown, table, when};
use crate::{
    store::Records,
    store::records::{ClientRecord, Grant},
};

/// Every registered client, oldest first, with how many live grants each holds.
pub async fn list(records: &Records) -> Result<String, AdminError> {
    let mut clients: Vec<ClientRecord> = records.list::<ClientRecord>().await?.into_iter().map(|(_, c)| c).collect();
    clients.sort_by(|a, b| (a.created_at, &a.client_id).cmp(&(b.created_at, &b.client_id)));
    let grants: Vec<Grant> = records.list::<Grant>().await?.into_iter().map(|(_, g)| g).collect();
    let mut t = table(&["CLIENT ID", "NAME", "TYPE", "REDIRECT URIS", "GRANTS", "REGISTERED"]);
    for c in &clients {
        let held = grants.iter().filter(|g| g.client_id == c.client_id).count();
        t.add_row(vec![
            c.client_id.clone(),
            shown(c.client_name.as_deref().unwrap_or("-")),
            if c.client_secret_hash.is_some() { "confidential" } else { "public" }.to_owned(),
            c.redirect_uris.iter().map(|u| shown(u)).collect::<Vec<_>>().join("\n"),
            held.to_string(),
            when(c.created_at),
        ]);
    }
    Ok(format!("{t}\n{} client(s)", clients.len()))
}

/// Deletes the client `client_id` and revokes its grants; says what was done.
pub async fn delete(records: &Records, client_id: &str) -> Result<String, AdminError> {
    let revoked = revoke_where(records, |g| g.client_id == client_id, "client deleted by an operator").await?;
    if !records.delete::<crate::store::records::ClientRecord>(client_id).await? && revoked == 0 {
        return Err(AdminError::NotFound(format!("no client `{client_id}` (see `clients list`)")));
    }
    Ok(format!("deleted client {client_id} and revoked {revoked} grant(s)"))
}
