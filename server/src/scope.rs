//! The local scope vocabulary: one [`Scope`] and the set [`Scopes`] that grants, tokens, requests
//! and records hold. A leaf, so the records (`store`), the OAuth rules that grant scopes
//! (`oauth::scope`) and the tool rule that checks them (`mcp::tools`) share one type.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One local scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `github:read`: read-only GitHub tools.
    Read,
    /// `github:write`: tools that change things on GitHub.
    Write,
}

impl Scope {
    /// Every scope, in the canonical order (the order of every list this server writes).
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Write];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "github:read",
            Scope::Write => "github:write",
        }
    }

    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Plain language, for the consent page.
    pub const fn describe(self) -> &'static str {
        match self {
            Scope::Read => "Read your repositories, issues, pull requests and profile on GitHub",
            Scope::Write => "Create and change issues, pull requests, branches and files on GitHub as you",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Scope`]s: what a grant, a token or a request holds. Written everywhere (token
/// responses, challenges, stored records) as scope names in [`Scope::ALL`] order, so records stored
/// as lists of names read back unchanged.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub const NONE: Scopes = Scopes(0);
    pub const ALL: Scopes = Scopes(Scope::Read.bit() | Scope::Write.bit());

    pub const fn of(scope: Scope) -> Scopes {
        Scopes(scope.bit())
    }

    pub const fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every scope in `self` is in `other`.
    pub const fn within(self, other: Scopes) -> bool {
        self.0 & !other.0 == 0
    }

    pub const fn union(self, other: Scopes) -> Scopes {
        Scopes(self.0 | other.0)
    }

    pub const fn intersection(self, other: Scopes) -> Scopes {
        Scopes(self.0 & other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Scope::as_str).collect()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        iter.into_iter().fold(Scopes::NONE, |set, s| set.union(Scopes::of(s)))
    }
}

/// Space-separated names (RFC 6749 §3.3), as the `scope` parameter writes them.
impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(" "))
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

/// A list of names; one this server no longer defines grants nothing (a record never gains a
/// permission by being read).
impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(names.iter().filter_map(|n| Scope::from_name(n)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: Scopes = Scopes::of(Scope::Read);
    const WRITE: Scopes = Scopes::of(Scope::Write);

    #[test]
    fn scopes_are_stored_as_the_lists_of_names_records_already_hold() {
        let stored = r#"["github:read","github:write"]"#;
        let scopes: Scopes = serde_json::from_str(stored).unwrap();
        assert_eq!(scopes, Scopes::ALL);
        assert_eq!(serde_json::to_string(&scopes).unwrap(), stored);
        let old: Scopes = serde_json::from_str(r#"["github:write","github:admin"]"#).unwrap();
        assert_eq!(old, WRITE, "a name no longer defined grants nothing");
        assert_eq!(serde_json::to_string(&Scopes::NONE).unwrap(), "[]");
        assert_eq!(format!("{:?}", READ), r#"{"github:read"}"#);
    }
}
