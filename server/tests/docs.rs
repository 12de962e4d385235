//! The README's claims that tests can check: every test named in its "Security" section exists
//! (an end-to-end test in `tests/` or a unit test in `src/`).

#[test]
fn every_test_the_security_section_names_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let section =
        readme.split("## Security\n").nth(1).and_then(|s| s.split("\n## ").next()).expect("a Security section");
    // End-to-end tests in `tests/`, unit tests anywhere under `src/`.
    fn read_all(dir: &std::path::Path, recurse: bool, out: &mut String) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() && recurse {
                read_all(&path, recurse, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut sources = String::new();
    read_all(&root.join("tests"), false, &mut sources);
    read_all(&root.join("src"), true, &mut sources);
    // The "Test" column of each table row: backticked snake_case names are test functions.
    let names: Vec<&str> = section
        .lines()
        .filter_map(|row| row.split('|').nth(2))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .filter(|t| t.contains('_') && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .collect();
    assert!(names.len() >= 25, "{names:?}");
    for name in names {
        assert!(sources.contains(&format!("fn {name}(")), "README names test `{name}`, which does not exist");
    }
}

/// The README's table "The same operations as github-mcp-server": one row per tool of GitHub's
/// server, naming only tools that exist here; every tool here appears; and the context budget.
#[test]
fn the_github_mcp_server_mapping_covers_every_tool_of_both_and_measures_the_budget() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let section = readme.split("### The same operations as github-mcp-server").nth(1).expect("the mapping section");
    let section = section.split("\n### ").next().unwrap_or_default();
    let theirs: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/snapshots/github_mcp_server_tools.json")).unwrap(),
    )
    .unwrap();
    let ours: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/snapshots/tools_list.json")).unwrap()).unwrap();
    let size = |t: &serde_json::Value| serde_json::to_string(t).unwrap().len();
    let our_bytes: std::collections::BTreeMap<&str, usize> =
        ours.iter().map(|t| (t["name"].as_str().unwrap(), size(t))).collect();
    let ticked = |cell: &str| -> Vec<String> {
        cell.split(',').map(|c| c.trim().trim_matches('`').to_owned()).filter(|c| !c.is_empty() && c != "—").collect()
    };
    let mut rows = std::collections::BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_owned();
        let mapped = ticked(cells[2]);
        for tool in &mapped {
            assert!(our_bytes.contains_key(tool.as_str()), "the table names `{tool}`, which is no tool here");
        }
        assert!(rows.insert(name.clone(), mapped).is_none(), "`{name}` is listed twice");
    }
    let listed: std::collections::BTreeSet<&str> = theirs.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(listed.len(), 86);
    assert_eq!(rows.keys().map(String::as_str).collect::<std::collections::BTreeSet<_>>(), listed);
    let only_here: Vec<String> = section
        .lines()
        .find(|l| l.starts_with("Ours without a counterpart there:"))
        .map(|l| ticked(l.trim_start_matches("Ours without a counterpart there:").trim_end_matches('.')))
        .unwrap_or_default();
    for tool in our_bytes.keys() {
        let mapped = rows.values().any(|m| m.iter().any(|t| t == tool));
        assert!(mapped || only_here.iter().any(|t| t == tool), "`{tool}` is missing from the mapping table");
    }
    // The budget: our tools that do mapped operations against GitHub's tools they map to.
    let theirs_bytes: usize = theirs
        .iter()
        .filter(|t| rows[t["name"].as_str().unwrap()].iter().any(|_| true))
        .map(|t| t["bytes"].as_u64().unwrap() as usize)
        .sum();
    let ours_used: std::collections::BTreeSet<&String> = rows.values().flatten().collect();
    let ours_bytes: usize = ours_used.iter().map(|t| our_bytes[t.as_str()]).sum();
    let ratio = ours_bytes as f64 / theirs_bytes as f64;
    eprintln!("context budget: {ours_bytes} bytes here, {theirs_bytes} there: {ratio:.2}×");
    assert!(ratio <= 0.9, "the tools here cost {ratio:.2}× GitHub's for the same operations (README: Context budget)");
}
