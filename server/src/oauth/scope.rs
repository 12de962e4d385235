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

/// Parses a space-separated `scope` parameter. Empty or absent means every supported scope.
/// Unknown scopes are refused (`invalid_scope`); duplicates are folded; order follows [`SUPPORTED`].
pub fn parse(scope: Option<&str>) -> Result<Vec<String>, OAuthError> {
    let requested: Vec<&str> = scope.unwrap_or("").split(' ').filter(|s| !s.is_empty()).collect();
    if requested.is_empty() {
        return Ok(SUPPORTED.iter().map(|s| s.to_string()).collect());
    }
    if let Some(bad) = requested.iter().find(|s| !SUPPORTED.contains(s)) {
        return Err(OAuthError::invalid_scope(format!(
            "scope `{}` is not supported; supported: {}",
            bad.chars().take(64).collect::<String>(),
            SUPPORTED.join(" ")
        )));
    }
    Ok(SUPPORTED.iter().filter(|s| requested.contains(s)).map(|s| s.to_string()).collect())
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
        assert_eq!(parse(Some("github:read admin")).unwrap_err().code, super::super::ErrorCode::InvalidScope);
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
