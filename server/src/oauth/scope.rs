//! Local scopes: what an MCP client may ask this server for (distinct from the GitHub scopes the
//! server itself asks GitHub for).

use super::OAuthError;

/// Read-only GitHub tools.
pub const READ: &str = "github:read";
/// Tools that change things on GitHub.
pub const WRITE: &str = "github:write";

pub const SUPPORTED: &[&str] = &[READ, WRITE];

/// The scopes this deployment offers: read only under `READ_ONLY`, else both. What a client gets
/// when it asks for none, what discovery lists and what the 401 challenge asks for.
pub fn offered(read_only: bool) -> &'static [&'static str] {
    if read_only { &SUPPORTED[..1] } else { SUPPORTED }
}

/// Plain-language descriptions for the consent page.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        READ => "Read your repositories, issues, pull requests and profile on GitHub",
        WRITE => "Create and change issues, pull requests, branches and files on GitHub as you",
        _ => "Unknown permission",
    }
}

/// The scopes a space-separated `scope` names that this server defines, in [`SUPPORTED`] order,
/// duplicates folded; `None` when it names none of them (absent, empty, or only others).
///
/// Scopes this server does not define are ignored, never an error (RFC 6749 §3.3 lets the server
/// ignore part of the request; the token response's `scope` says what was granted). Clients that
/// cannot discover scopes ask for `openid`, `profile` or `offline_access` (SEP-2207: whether a
/// client gets refresh tokens is decided by its registered `grant_types`), and a sign-in must not
/// fail for it. A value that is not scope syntax (RFC 6749 §3.3 NQCHAR) is `invalid_scope`.
pub fn requested(scope: Option<&str>) -> Result<Option<Vec<String>>, OAuthError> {
    let tokens: Vec<&str> = scope.unwrap_or("").split(' ').filter(|s| !s.is_empty()).collect();
    if let Some(bad) =
        tokens.iter().find(|t| !t.chars().all(|c| c == '!' || matches!(c, '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')))
    {
        return Err(OAuthError::invalid_scope(format!(
            "scope `{}` is not a valid scope token",
            bad.chars().take(64).collect::<String>().escape_default()
        )));
    }
    let known: Vec<String> = SUPPORTED.iter().filter(|s| tokens.contains(s)).map(|s| s.to_string()).collect();
    Ok((!known.is_empty()).then_some(known))
}

/// [`requested`], with every supported scope when it names none.
pub fn parse(scope: Option<&str>) -> Result<Vec<String>, OAuthError> {
    Ok(requested(scope)?.unwrap_or_else(|| SUPPORTED.iter().map(|s| s.to_string()).collect()))
}

/// The scopes an authorization request is granted: those it names that this server defines (none
/// named: every offered scope), within what this deployment offers (`read_only`: `github:read`) and
/// what the client registered. Asking for more than either is `invalid_scope`.
pub fn grant(read_only: bool, asked: Option<&str>, registered: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let offered = offered(read_only);
    let registered = registered.map(|r| parse(Some(r))).transpose()?;
    let within = |s: &String| registered.as_ref().is_none_or(|r| r.contains(s));
    let scopes: Vec<String> = match requested(asked)? {
        None => offered.iter().map(|s| s.to_string()).filter(within).collect(),
        Some(asked) if asked.iter().any(|s| !offered.contains(&s.as_str())) => {
            return Err(OAuthError::invalid_scope("this server is read-only; ask for github:read"));
        }
        Some(asked) if !asked.iter().all(within) => {
            return Err(OAuthError::invalid_scope("the requested scope exceeds the client's registered scope"));
        }
        Some(asked) => asked,
    };
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope("the client's registered scope names nothing this server offers"));
    }
    Ok(scopes)
}

/// A narrower scope on refresh (RFC 6749 §6): every requested scope must already be granted.
pub fn narrow(granted: &[String], requested: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let Some(req) = requested.filter(|s| !s.trim().is_empty()) else { return Ok(granted.to_vec()) };
    let wanted = parse(Some(req))?;
    if wanted.iter().any(|s| !granted.contains(s)) {
        return Err(OAuthError::invalid_scope("a refresh may not widen the granted scope"));
    }
    Ok(wanted)
}

pub fn join(scopes: &[String]) -> String {
    scopes.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_defaults_dedupes_and_rejects_unknown() {
        assert_eq!(parse(None).unwrap(), vec![READ, WRITE]);
        assert_eq!(parse(Some("  ")).unwrap(), vec![READ, WRITE]);
        assert_eq!(parse(Some("github:write github:read github:write")).unwrap(), vec![READ, WRITE]);
        assert_eq!(parse(Some("github:read")).unwrap(), vec![READ]);
        // Scopes this server does not define are ignored; only those left count.
        assert_eq!(parse(Some("openid github:read offline_access")).unwrap(), vec![READ]);
        assert_eq!(requested(Some("openid profile offline_access")).unwrap(), None);
        assert_eq!(requested(Some("github:read admin")).unwrap(), Some(vec![READ.to_owned()]));
        assert_eq!(requested(Some("bad\"quote")).unwrap_err().code, super::super::ErrorCode::InvalidScope);
    }

    #[test]
    fn a_request_is_granted_what_it_names_within_what_is_offered_and_registered() {
        assert_eq!(grant(false, None, None).unwrap(), vec![READ, WRITE]);
        assert_eq!(grant(true, None, None).unwrap(), vec![READ], "read-only offers read only");
        assert_eq!(grant(false, Some("openid github:read"), None).unwrap(), vec![READ]);
        assert_eq!(grant(false, None, Some("github:read")).unwrap(), vec![READ], "the registered scope is the default");
        assert!(grant(true, Some("github:write"), None).is_err());
        assert!(grant(false, Some("github:write"), Some("github:read")).is_err());
    }

    #[test]
    fn narrow_only_narrows() {
        let granted = vec![READ.to_string()];
        assert_eq!(narrow(&granted, None).unwrap(), granted);
        assert!(narrow(&granted, Some("github:write")).is_err());
        let both = parse(None).unwrap();
        assert_eq!(narrow(&both, Some("github:read")).unwrap(), vec![READ]);
    }
}
