//! Token revocation (RFC 7009). Revoking a refresh token ends the whole grant; revoking an access
//! token ends that token. Unknown tokens are not an error (§2.2).

use super::{OAuthError, tokens::revoke_grant};
use crate::{
    crypto::hash_token,
    store::Records,
    store::records::{AccessTokenRecord, ClientRecord, RefreshTokenRecord},
};

pub async fn revoke(
    records: &Records,
    client: &ClientRecord,
    token: Option<&str>,
    hint: Option<&str>,
) -> Result<(), OAuthError> {
    let token = token.ok_or_else(|| OAuthError::invalid_request("`token` is required"))?;
    let key = hash_token(token);
    let refresh_first = hint != Some("access_token");
    let not_yours = || OAuthError::new(super::ErrorCode::UnauthorizedClient, "the token was issued to another client");
    for is_refresh in if refresh_first { [true, false] } else { [false, true] } {
        if is_refresh {
            if let Some(rt) = records.get::<RefreshTokenRecord>(&key).await? {
                if rt.client_id != client.client_id {
                    return Err(not_yours());
                }
                revoke_grant(records, &rt.grant_id, "refresh token revoked by the client").await?;
                records.delete::<crate::store::records::RefreshTokenRecord>(&key).await?;
                return Ok(());
            }
        } else if let Some(at) = records.get::<AccessTokenRecord>(&key).await? {
            if at.client_id != client.client_id {
                return Err(not_yours());
            }
            records.delete::<crate::store::records::AccessTokenRecord>(&key).await?;
            return Ok(());
        }
    }
    Ok(())
}
