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
