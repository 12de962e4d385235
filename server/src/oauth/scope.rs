//! Local scopes: what an MCP client may ask this server for (distinct from the GitHub scopes the
//! server itself asks GitHub for).

use super::OAuthError;
pub use crate::scope::{Scope, Scopes};

/// The scopes this deployment offers: read only under `READ_ONLY`, else both. What a client gets
/// when it asks for none, what discovery lists and what the 401 challenge asks for.
pub fn offered(read_only: bool) -> Scopes {
    if read_only { Scopes::of(Scope::Read) } else { Scopes::ALL }
}

/// The scopes a space-separated `scope` names that this server defines; `None` when it names none
/// of them (absent, empty, or only others).
///
/// Scopes this server does not define are ignored, never an error (RFC 6749 §3.3 lets the server
/// ignore part of the request; the token response's `scope` says what was granted). Clients that
/// cannot discover scopes ask for `openid`, `profile` or `offline_access` (SEP-2207: whether a
/// client gets refresh tokens is decided by its registered `grant_types`), and a sign-in must not
/// fail for it. A value that is not scope syntax (RFC 6749 §3.3 NQCHAR) is `invalid_scope`.
pub fn requested(scope: Option<&str>) -> Result<Option<Scopes>, OAuthError> {
    let tokens: Vec<&str> = scope.unwrap_or("").split(' ').filter(|s| !s.is_empty()).collect();
    if let Some(bad) =
        tokens.iter().find(|t| !t.chars().all(|c| c == '!' || matches!(c, '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')))
    {
        return Err(OAuthError::invalid_scope(format!(
            "scope `{}` is not a valid scope token",
            bad.chars().take(64).collect::<String>().escape_default()
        )));
    }
    let known: Scopes = tokens.iter().filter_map(|t| Scope::from_name(t)).collect();
    Ok((!known.is_empty()).then_some(known))
}

/// The scopes an authorization request is granted: those it names that this server defines (none
/// named: every offered scope), within what this deployment offers (`read_only`: `github:read`) and
/// what the client registered (`None`: no limit). Asking for more than either is `invalid_scope`.
pub fn grant(read_only: bool, asked: Option<&str>, registered: Option<&str>) -> Result<Scopes, OAuthError> {
    let offered = offered(read_only);
    let registered = match registered {
        Some(r) => requested(Some(r))?.unwrap_or(Scopes::NONE),
        None => Scopes::ALL,
    };
    let scopes = match requested(asked)? {
        None => offered.intersection(registered),
        Some(asked) if !asked.within(offered) => {
            return Err(OAuthError::invalid_scope("this server is read-only; ask for github:read"));
        }
        Some(asked) if !asked.within(registered) => {
            return Err(OAuthError::invalid_scope("the requested scope exceeds the client's registered scope"));
        }
        Some(asked) => asked,
    };
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope("the client's registered scope names nothing this server offers"));
    }
    Ok(scopes)
}

/// A narrower scope on refresh (RFC 6749 §6): every requested scope must already be granted; one
/// that names none of this server's scopes keeps the grant.
pub fn narrow(granted: Scopes, requested_scope: Option<&str>) -> Result<Scopes, OAuthError> {
    let Some(wanted) = requested(requested_scope)? else { return Ok(granted) };
    if !wanted.within(granted) {
        return Err(OAuthError::invalid_scope("a refresh may not widen the granted scope"));
    }
    Ok(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: Scopes = Scopes::of(Scope::Read);
    const WRITE: Scopes = Scopes::of(Scope::Write);

    #[test]
    fn requested_names_fold_in_canonical_order_and_unknown_ones_are_ignored() {
        assert_eq!(requested(None).unwrap(), None);
        assert_eq!(requested(Some("  ")).unwrap(), None);
        assert_eq!(requested(Some("github:write github:read github:write")).unwrap(), Some(Scopes::ALL));
        assert_eq!(requested(Some("openid github:read offline_access")).unwrap(), Some(READ));
        assert_eq!(requested(Some("openid profile offline_access")).unwrap(), None);
        assert_eq!(requested(Some("bad\"quote")).unwrap_err().code, super::super::ErrorCode::InvalidScope);
        assert_eq!(Scopes::ALL.to_string(), "github:read github:write");
        assert_eq!(WRITE.union(READ).names(), vec!["github:read", "github:write"]);
    }

    #[test]
    fn a_request_is_granted_what_it_names_within_what_is_offered_and_registered() {
        assert_eq!(grant(false, None, None).unwrap(), Scopes::ALL);
        assert_eq!(grant(true, None, None).unwrap(), READ, "read-only offers read only");
        assert_eq!(grant(false, Some("openid github:read"), None).unwrap(), READ);
        assert_eq!(grant(false, None, Some("github:read")).unwrap(), READ, "the registered scope is the default");
        assert!(grant(true, Some("github:write"), None).is_err());
        assert!(grant(false, Some("github:write"), Some("github:read")).is_err());
        assert!(grant(false, None, Some("openid")).is_err(), "a registration naming none of ours allows none");
    }

    #[test]
    fn a_read_only_deployment_never_grants_write_to_a_client_that_asks_for_nothing() {
        assert_eq!(grant(true, None, Some("github:read github:write")).unwrap(), READ);
        assert_eq!(grant(true, Some("openid"), None).unwrap(), READ);
    }

    #[test]
    fn narrow_only_narrows() {
        assert_eq!(narrow(READ, None).unwrap(), READ);
        assert_eq!(narrow(READ, Some("offline_access")).unwrap(), READ);
        assert!(narrow(READ, Some("github:write")).is_err());
        assert_eq!(narrow(Scopes::ALL, Some("github:read")).unwrap(), READ);
    }
}
