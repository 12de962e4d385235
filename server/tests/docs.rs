//! The README's claims that tests can check: every test named in its "Security" section exists.

#[test]
fn every_test_the_security_section_names_exists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let section =
        readme.split("## Security\n").nth(1).and_then(|s| s.split("\n## ").next()).expect("a Security section");
    let mut sources = String::new();
    for entry in std::fs::read_dir(root.join("tests")).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "rs") {
            sources.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        }
    }
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
