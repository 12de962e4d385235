//! Which top-level module may import which: every `crate::…` path in `src/` (outside test modules)
//! is checked against [`ALLOWED`], so a new edge, and with it a new cycle, can't be added quietly.
//! An edge that is no longer used fails too, so the table stays the true picture.
//!
//! The layers, top to bottom (README, Architecture): `main`/`lib`/`demo`/`admin` compose;
//! `edge` → `http` and `mcp` → `oauth` → `github`, `upstream` → `store` → `crypto`, `clock`.
//! `config`, `metrics`, `scope` and `single_flight` are used from every layer. `state` is the composition
//! root: it builds the narrow services of `oauth` (and the rest) into `AppState`, which only the HTTP
//! edge and `/mcp` receive. The table has no cycle, and a test keeps it so.

use std::collections::{BTreeMap, BTreeSet};

/// module → the modules it may name with `crate::`.
const ALLOWED: &[(&str, &[&str])] = &[
    ("admin", &["github", "oauth", "store"]),
    ("clock", &[]),
    ("config", &[]),
    ("crypto", &["clock"]),
    ("demo", &["config"]),
    ("edge", &["config", "lib", "metrics", "state"]),
    ("github", &["config", "crypto", "metrics", "store"]),
    ("http", &["config", "crypto", "metrics", "oauth", "state", "store"]),
    ("lib", &[]),
    ("mcp", &["config", "crypto", "github", "metrics", "oauth", "state", "store"]),
    ("metrics", &[]),
    ("oauth", &["clock", "config", "crypto", "github", "metrics", "scope", "single_flight", "store", "upstream"]),
    ("proptests", &["config", "mcp", "oauth"]),
    ("scope", &[]),
    ("single_flight", &[]),
    ("state", &["clock", "config", "crypto", "github", "metrics", "oauth", "store", "upstream", "web"]),
    ("store", &["clock", "config", "crypto", "scope"]),
    ("upstream", &["clock", "config", "crypto", "store"]),
    ("web", &[]),
    ("main", &[]),
];

/// The top-level names a `crate::` path starts with, given the text right after `crate::`.
fn heads(after: &str) -> Vec<String> {
    if let Some(inner) = after.strip_prefix('{') {
        let mut depth = 0;
        let mut end = inner.len();
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let mut out = Vec::new();
        let (mut depth, mut start) = (0, 0);
        let body = &inner[..end];
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.extend(heads(body[start..i].trim()));
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.extend(heads(body[start..].trim()));
        return out;
    }
    let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if name.is_empty() { Vec::new() } else { vec![name] }
}

fn used_edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: BTreeSet<String> = ALLOWED.iter().map(|(m, _)| m.to_string()).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).expect("under src");
            let top = rel.components().next().expect("a component").as_os_str().to_string_lossy().replace(".rs", "");
            let text = std::fs::read_to_string(&path).expect("read source");
            // Test modules may reach anywhere.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                if i > 0 && code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                    continue; // e.g. `my_crate::`
                }
                for head in heads(&code[i + "crate::".len()..]) {
                    let target = if modules.contains(&head) { head } else { "lib".to_owned() };
                    if target != top {
                        edges.entry(top.clone()).or_default().insert(target);
                    }
                }
            }
        }
    }
    edges
}

#[test]
fn modules_import_only_along_the_allowed_edges() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> =
        ALLOWED.iter().map(|(m, to)| (*m, to.iter().copied().collect())).collect();
    let used = used_edges();
    for (from, to) in &used {
        let Some(permitted) = allowed.get(from.as_str()) else {
            panic!("module `{from}` is not in the table: add it with the modules it may import");
        };
        for target in to {
            assert!(
                permitted.contains(target.as_str()),
                "`{from}` imports `crate::{target}`, an edge the architecture does not allow"
            );
        }
    }
    for (from, permitted) in &allowed {
        for target in permitted {
            assert!(
                used.get(*from).is_some_and(|t| t.contains(*target)),
                "`{from}` → `{target}` is no longer used: delete it from the table"
            );
        }
    }
}

/// No module reaches itself through the allowed edges: layers only ever point down.
#[test]
fn the_allowed_edges_have_no_cycle() {
    let edges: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    fn visit<'a>(
        m: &'a str,
        edges: &BTreeMap<&'a str, &'a [&'a str]>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(m) {
            return;
        }
        assert!(!path.contains(&m), "a cycle: {} → {m}", path.join(" → "));
        path.push(m);
        for next in edges.get(m).copied().unwrap_or_default() {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        visit(m, &edges, &mut Vec::new(), &mut done);
    }
}

#[test]
fn use_lists_are_read_to_their_top_level_names() {
    assert_eq!(heads("{a::b, c::{d, e}, f}; rest"), ["a", "c", "f"]);
    assert_eq!(heads("store::records::Grant,"), ["store"]);
}

/// The protocol rules know no web framework: `oauth/` names no axum type (the HTTP edge renders its
/// errors, `http::error`), so they can be used and tested without a router.
#[test]
fn oauth_knows_no_web_framework() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/oauth");
    let mut stack = vec![dir];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read oauth").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                if code.contains("axum") {
                    offenders.push(path.display().to_string());
                }
            }
        }
    }
    assert!(offenders.is_empty(), "axum in oauth/: {offenders:?}");
}
