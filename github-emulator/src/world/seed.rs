//! The seeded world: repositories, files, history, labels, issues and the
//! pull request. These facts are what tests (here and in the gateway) rely
//! on, so change them only together with the tests:
//!
//! - `octocat/hello-world`: public, id 1296269, default branch `main`,
//!   collaborator `hubot`. Files on `main`: `README.md`, `logo.png`
//!   (binary), `src/main.rs`, `docs/guide.md`, `big.txt` (2 MiB, 32768
//!   lines). Commits on `main`, oldest first: [`C1`], [`C2`], [`C3`];
//!   `feature` adds [`F1`] (changes `src/main.rs` and `docs/guide.md`). Tag
//!   and release `v1.0.0` at [`C2`]. Labels `bug`, `enhancement`. Issue #1
//!   open (label `bug`, assignee octocat, 2 comments, the second holding a
//!   U+200B and a U+202E), issue #2 closed (by hubot, `enhancement`), pull
//!   request #3 `feature` → `main` by octocat, open and mergeable, approved
//!   by hubot.
//! - `octocat/secret-plans`: private, one commit [`SECRET_C1`], issue #1.
//! - `github/docs`: public, owned by the `github` organization (octocat is
//!   a member), one commit [`DOCS_C1`]. The organization's issue fields:
//!   Priority (single select: Urgent, High, Medium, Low), Effort (number),
//!   Start date and Target date (dates), all public; Customer (text), seen
//!   by members only. Discussions on `github/docs`: categories Announcements 9001, General
//!   9002, Q&A 9003 (answerable), Ideas 9004; #1 "Welcome to the docs discussions!" by octocat
//!   (Announcements) and #2 "How do I build on Windows?" by hubot (Q&A) with comments 9201
//!   (octocat; hubot's reply 9202) and 9203 (hubot).
//!
//! - Projects: the `github` organization's #1 "Docs roadmap" (public; fields Title 6001, Status
//!   6002 (single select Todo `f75ad846`, In Progress `47fc9ee4`, Done `98236657`), Estimate 6003
//!   (number), Due 6004 (date), Notes 6005 (text); items 7001 hello-world issue #1 (Todo,
//!   estimate 3), 7002 pull request #3 (In Progress), 7003 a draft) and #2 "Internal planning"
//!   (private, empty); octocat's #1 "Octocat's tasks" (private; item 7004, issue #2).
//!
//! CI results and notifications are in `seed_ci`; security findings in `seed_security`.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use super::git::{Commit, Git, Tree, blob_sha};
use super::issues::{
    Comment, Discussion, DiscussionCategory, DiscussionComment, FieldKind, FieldOption, Issue, IssueField, Label, Pull,
    Review,
};
use super::projects::{ItemContent, ItemValue, Project, ProjectField, ProjectFieldKind, ProjectItem};
use super::time::utc;
use super::{Release, Repo, World, seed_ci, seed_security};

pub(crate) const C1: &str = "553c2077f0edc3d5dc5d17262f6aa498e69d6f8e";
pub(crate) const C2: &str = "762941318ee16e59dabbacb1b4049eec22f0d303";
pub(crate) const C3: &str = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";
pub(crate) const F1: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
pub(crate) const SECRET_C1: &str = "3f786850e387550fdab836ed7e6dc881de23001b";
pub(crate) const DOCS_C1: &str = "e5bd3914e2e596debea16f433f57875b5b90bcd6";

const README_V1: &str = "# Hello World\n\nMy first repository on GitHub!\n";
const README_V2: &str = "# Hello World\n\nMy first repository on GitHub!\n\nSee docs/guide.md to get started.\n";
const MAIN_V1: &str = "fn main() {\n    println!(\"Hello, world!\");\n}\n";
const MAIN_V2: &str = "fn main() {\n    let name = std::env::args().nth(1).unwrap_or_else(|| \"world\".into());\n    \
                       println!(\"Hello, {name}!\");\n}\n";
const GUIDE_V1: &str = "# Guide\n\nRun `cargo run` to print a greeting.\n\n## Options\n\nThere are none yet.\n";
const GUIDE_V2: &str = "# Guide\n\nRun `cargo run` to print a greeting.\n\n## Options\n\n\
                        Pass a name to greet someone else: `cargo run -- Mona`.\n";
/// A 1x1 PNG header: enough bytes to be binary.
const LOGO: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// Ids of seeded objects; new ones are allocated above this.
const FIRST_FREE_ID: u64 = 5_000_000;

pub(super) fn world() -> World {
    let mut world = World {
        repos: Vec::new(),
        git: Git::default(),
        threads: Vec::new(),
        repo_subscriptions: Vec::new(),
        teams: Vec::new(),
        gists: Vec::new(),
        stars: Vec::new(),
        issue_types: Vec::new(),
        issue_fields: Vec::new(),
        advisories: Vec::new(),
        projects: Vec::new(),
        orgs: vec!["github".into()],
        downloads: Default::default(),
        next_id: FIRST_FREE_ID,
    };
    let hello = hello_world(&mut world.git);
    let secret = secret_plans(&mut world.git);
    let docs = github_docs(&mut world.git);
    world.repos = vec![hello, secret, docs];
    let kind = |id: u64, name: &str, description: &str, color: &str| crate::world::IssueType {
        id,
        org: "github".into(),
        name: name.into(),
        description: Some(description.into()),
        color: color.into(),
    };
    world.issue_types = vec![
        kind(201, "Task", "A specific piece of work", "yellow"),
        kind(202, "Bug", "An unexpected problem or behavior", "red"),
        kind(203, "Feature", "A request, idea, or new functionality", "blue"),
    ];
    world.issue_fields = issue_fields();
    seed_security::add(&mut world);
    world.projects = projects();
    world.teams = vec![crate::world::Team {
        id: 1_001,
        org: "github".into(),
        slug: "docs-writers".into(),
        name: "Docs writers".into(),
        description: Some("Keep the docs true".into()),
        members: vec!["octocat".into()],
    }];
    seed_ci::add(&mut world);
    world
}

/// The seeded projects (see the module doc).
fn projects() -> Vec<Project> {
    let at = utc(2024, 6, 1, 9, 0);
    let field = |id: u64, name: &str, kind: ProjectFieldKind| ProjectField {
        id,
        name: name.into(),
        kind,
        options: Vec::new(),
        created_at: at,
    };
    let status = ProjectField {
        options: vec![
            ("f75ad846".into(), "Todo".into(), "GRAY".into()),
            ("47fc9ee4".into(), "In Progress".into(), "YELLOW".into()),
            ("98236657".into(), "Done".into(), "GREEN".into()),
        ],
        ..field(6002, "Status", ProjectFieldKind::SingleSelect)
    };
    let issue = |number: u64| ItemContent::Issue { owner: "octocat".into(), repo: "hello-world".into(), number };
    let item = |id: u64, content: ItemContent, values: Vec<(u64, ItemValue)>| ProjectItem {
        id,
        content,
        creator: "octocat".into(),
        values,
        created_at: at + id - 7000,
        updated_at: at + id - 7000,
    };
    let project = |id: u64, number: u64, owner: &str, title: &str, public: bool| Project {
        id,
        number,
        owner: owner.into(),
        creator: "octocat".into(),
        title: title.into(),
        short_description: None,
        public,
        closed: false,
        created_at: at,
        updated_at: at,
        fields: vec![field(6001, "Title", ProjectFieldKind::Title)],
        items: Vec::new(),
    };
    let roadmap = Project {
        short_description: Some("What the docs team works on next".into()),
        fields: vec![
            field(6001, "Title", ProjectFieldKind::Title),
            status.clone(),
            field(6003, "Estimate", ProjectFieldKind::Number),
            field(6004, "Due", ProjectFieldKind::Date),
            field(6005, "Notes", ProjectFieldKind::Text),
        ],
        items: vec![
            item(7001, issue(1), vec![(6002, ItemValue::Option("f75ad846".into())), (6003, ItemValue::Number(3.0))]),
            item(7002, issue(3), vec![(6002, ItemValue::Option("47fc9ee4".into()))]),
            item(
                7003,
                ItemContent::Draft { title: "Write the style guide".into(), body: "Tone, terms, examples.".into() },
                Vec::new(),
            ),
        ],
        ..project(5001, 1, "github", "Docs roadmap", true)
    };
    let tasks = Project {
        fields: vec![field(6101, "Title", ProjectFieldKind::Title), ProjectField { id: 6102, ..status }],
        items: vec![item(7004, issue(2), Vec::new())],
        ..project(5003, 1, "octocat", "Octocat's tasks", false)
    };
    vec![roadmap, project(5002, 2, "github", "Internal planning", false), tasks]
}

/// The organization's issue fields: GitHub's four defaults, and one only members see.
fn issue_fields() -> Vec<IssueField> {
    let at = utc(2025, 10, 1, 12, 0);
    let field = |id: u64, name: &str, kind: FieldKind, public: bool| IssueField {
        id,
        org: "github".into(),
        name: name.into(),
        description: None,
        kind,
        public,
        options: Vec::new(),
        created_at: at,
    };
    let choice = |id: u64, name: &str, color: &str| FieldOption {
        id,
        name: name.into(),
        description: None,
        color: color.into(),
    };
    vec![
        IssueField {
            description: Some("How soon this needs attention".into()),
            options: vec![
                choice(3_101, "Urgent", "red"),
                choice(3_102, "High", "orange"),
                choice(3_103, "Medium", "yellow"),
                choice(3_104, "Low", "gray"),
            ],
            ..field(301, "Priority", FieldKind::SingleSelect, true)
        },
        field(302, "Effort", FieldKind::Number, true),
        field(303, "Start date", FieldKind::Date, true),
        field(304, "Target date", FieldKind::Date, true),
        IssueField { description: Some("Who asked for it".into()), ..field(305, "Customer", FieldKind::Text, false) },
    ]
}

/// `big.txt`: 32768 lines of 64 bytes, built and hashed once per process.
fn big_file() -> &'static (String, Arc<[u8]>) {
    static BIG: OnceLock<(String, Arc<[u8]>)> = OnceLock::new();
    BIG.get_or_init(|| {
        let mut text = String::with_capacity(64 * 32_768);
        for i in 1..=32_768 {
            text.push_str(&format!("{i:06} {:<56}\n", "The quick brown fox jumps over the lazy dog."));
        }
        let bytes: Arc<[u8]> = Arc::from(text.into_bytes());
        (blob_sha(&bytes), bytes)
    })
}

fn put(git: &mut Git, tree: &mut Tree, path: &str, content: &[u8]) {
    let sha = git.put_blob(Arc::from(content));
    tree.insert(path.to_owned(), sha);
}

fn commit(git: &mut Git, sha: &str, parent: Option<&str>, tree: &Tree, message: &str, author: &str, date: u64) {
    git.insert_commit(Commit {
        sha: sha.into(),
        parents: parent.map(|p| vec![p.to_owned()]).unwrap_or_default(),
        tree: Arc::new(tree.clone()),
        message: message.into(),
        author: author.into(),
        date,
    });
}

fn label(id: u64, name: &str, color: &str, description: &str) -> Label {
    Label { id, name: name.into(), color: color.into(), description: Some(description.into()), default: true }
}

fn repo(id: u64, owner: &str, name: &str, private: bool, created_at: u64) -> Repo {
    Repo {
        id,
        owner: owner.into(),
        name: name.into(),
        private,
        description: None,
        homepage: None,
        topics: Vec::new(),
        language: None,
        stars: 0,
        default_branch: "main".into(),
        parent: None,
        collaborators: Vec::new(),
        created_at,
        updated_at: created_at,
        pushed_at: created_at,
        branches: BTreeMap::new(),
        tags: BTreeMap::new(),
        annotated_tags: BTreeMap::new(),
        releases: Vec::new(),
        labels: Vec::new(),
        milestones: Vec::new(),
        issues: Vec::new(),
        comments: Vec::new(),
        discussion_categories: Vec::new(),
        discussions: Vec::new(),
        discussion_comments: Vec::new(),
        review_comments: Vec::new(),
        statuses: Vec::new(),
        check_runs: Vec::new(),
        runs: Vec::new(),
        jobs: Vec::new(),
        artifacts: Vec::new(),
        findings: Default::default(),
    }
}

fn issue(id: u64, number: u64, title: &str, body: &str, user: &str, created_at: u64) -> Issue {
    Issue::opened(id, number, title.into(), Some(body.into()), user, created_at)
}

fn hello_world(git: &mut Git) -> Repo {
    let mut tree = Tree::new();
    put(git, &mut tree, "README.md", README_V1.as_bytes());
    put(git, &mut tree, "logo.png", LOGO);
    commit(git, C1, None, &tree, "Initial commit", "octocat", utc(2024, 1, 10, 9, 0));
    put(git, &mut tree, "src/main.rs", MAIN_V1.as_bytes());
    put(git, &mut tree, "docs/guide.md", GUIDE_V1.as_bytes());
    commit(git, C2, Some(C1), &tree, "Add main.rs and the guide", "octocat", utc(2024, 2, 1, 10, 30));
    let (big_sha, big) = big_file();
    git.put_blob_with_sha(big_sha, Arc::clone(big));
    tree.insert("big.txt".into(), big_sha.clone());
    put(git, &mut tree, "README.md", README_V2.as_bytes());
    commit(git, C3, Some(C2), &tree, "Add sample data\n\nbig.txt is 2 MiB of text.", "octocat", utc(2024, 3, 5, 14, 0));
    put(git, &mut tree, "src/main.rs", MAIN_V2.as_bytes());
    put(git, &mut tree, "docs/guide.md", GUIDE_V2.as_bytes());
    commit(git, F1, Some(C3), &tree, "Greet by name", "octocat", utc(2024, 4, 2, 8, 15));

    let created = utc(2024, 1, 10, 8, 55);
    let mut repo = repo(1_296_269, "octocat", "hello-world", false, created);
    repo.description = Some("My first repository on GitHub!".into());
    repo.homepage = Some("https://github.com".into());
    repo.topics = vec!["hello-world".into(), "octocat".into(), "rust".into()];
    repo.language = Some("Rust".into());
    repo.stars = 80;
    repo.collaborators = vec!["hubot".into()];
    repo.updated_at = utc(2024, 4, 20, 12, 0);
    repo.pushed_at = utc(2024, 4, 2, 8, 15);
    repo.branches = BTreeMap::from([("main".into(), C3.into()), ("feature".into(), F1.into())]);
    repo.tags = BTreeMap::from([("v1.0.0".into(), C2.into())]);
    repo.annotated_tags = BTreeMap::from([(
        "v1.0.0".into(),
        crate::world::AnnotatedTag {
            sha: "940bd336248efae0f9ee5bc7b2d5c985887b16ac".into(),
            message: "The first release".into(),
            tagger: "octocat".into(),
            date: utc(2024, 2, 1, 10, 45),
        },
    )]);
    repo.releases = vec![Release {
        id: 1,
        tag_name: "v1.0.0".into(),
        target_commitish: "main".into(),
        name: "v1.0.0".into(),
        body: "The first release: prints a greeting.".into(),
        author: "octocat".into(),
        draft: false,
        prerelease: false,
        created_at: utc(2024, 2, 1, 10, 30),
        published_at: utc(2024, 2, 1, 11, 0),
    }];
    repo.milestones = vec![crate::world::Milestone {
        id: 1_002_604,
        number: 1,
        title: "v1.1".into(),
        description: Some("Greeting fixes".into()),
        state: "open".into(),
        due_on: Some(utc(2024, 6, 30, 7, 0)),
        creator: "octocat".into(),
        created_at: utc(2024, 3, 1, 9, 0),
    }];
    repo.labels = vec![
        label(208_045_946, "bug", "d73a4a", "Something isn't working"),
        label(208_045_947, "enhancement", "a2eeef", "New feature or request"),
    ];

    let mut one =
        issue(1347, 1, "Found a bug", "The greeting is printed twice on Windows.", "octocat", utc(2024, 3, 10, 9, 0));
    one.labels = vec!["bug".into()];
    one.assignees = vec!["octocat".into()];
    one.updated_at = utc(2024, 3, 12, 16, 45);
    let mut two =
        issue(1348, 2, "Add a dark mode", "The output is too bright at night.", "hubot", utc(2024, 3, 11, 10, 0));
    two.labels = vec!["enhancement".into()];
    two.set_state(false, "hubot", Some("completed".into()), utc(2024, 3, 15, 17, 0));
    let mut three =
        issue(1349, 3, "Greet by name", "Adds an optional name argument.", "octocat", utc(2024, 4, 2, 8, 30));
    three.updated_at = utc(2024, 4, 3, 9, 0);
    three.pull = Some(Pull {
        id: 1_000_003,
        head_repo: ("octocat".into(), "hello-world".into()),
        head_ref: "feature".into(),
        head_sha: F1.into(),
        base_ref: "main".into(),
        draft: false,
        maintainer_can_modify: false,
        requested_reviewers: Vec::new(),
        merged: None,
        reviews: vec![Review {
            id: 80,
            user: "hubot".into(),
            body: "Looks good to me.".into(),
            state: "APPROVED".into(),
            commit_id: F1.into(),
            submitted_at: Some(utc(2024, 4, 3, 9, 0)),
        }],
    });
    repo.issues = vec![one, two, three];
    repo.comments = vec![
        Comment {
            id: 1_001,
            issue_number: 1,
            user: "hubot".into(),
            body: "I can reproduce this on Windows 11.".into(),
            created_at: utc(2024, 3, 11, 8, 0),
            updated_at: utc(2024, 3, 11, 8, 0),
            reactions: Vec::new(),
        },
        Comment {
            id: 1_002,
            issue_number: 1,
            user: "octocat".into(),
            body: "Thanks! Fixed in\u{200B} main. See \u{202E}txt.ecnetsixe\u{202C} for details.".into(),
            created_at: utc(2024, 3, 12, 16, 45),
            updated_at: utc(2024, 3, 12, 16, 45),
            reactions: Vec::new(),
        },
    ];
    repo
}

/// github/docs's discussions (see the module doc).
fn add_discussions(repo: &mut Repo) {
    let category = |id: u64, name: &str, emoji: &str, description: &str, answerable: bool| DiscussionCategory {
        id,
        name: name.into(),
        slug: name.to_ascii_lowercase().replace('&', "").replace(' ', "-"),
        emoji: emoji.into(),
        description: description.into(),
        answerable,
    };
    repo.discussion_categories = vec![
        category(9_001, "Announcements", ":mega:", "Updates from maintainers", false),
        category(9_002, "General", ":speech_balloon:", "Chat about anything", false),
        category(9_003, "Q&A", ":pray:", "Ask the community for help", true),
        category(9_004, "Ideas", ":bulb:", "Share ideas for new features", false),
    ];
    let at = utc(2024, 5, 1, 10, 0);
    let discussion = |id: u64, number: u64, title: &str, body: &str, user: &str, category: u64| Discussion {
        id,
        number,
        title: title.into(),
        body: body.into(),
        user: user.into(),
        category,
        locked: false,
        closed: false,
        answer: None,
        created_at: at + number * 3600,
        updated_at: at + number * 3600,
    };
    repo.discussions = vec![
        discussion(9_101, 1, "Welcome to the docs discussions!", "Say hi and share what you build.", "octocat", 9_001),
        discussion(
            9_102,
            2,
            "How do I build on Windows?",
            "`npm run build` fails with a linker error.",
            "hubot",
            9_003,
        ),
    ];
    let comment = |id: u64, reply_to: Option<u64>, user: &str, body: &str| DiscussionComment {
        id,
        discussion: 2,
        reply_to,
        user: user.into(),
        body: body.into(),
        created_at: at + id - 9_000,
        updated_at: at + id - 9_000,
    };
    repo.discussion_comments = vec![
        comment(9_201, None, "octocat", "Install the MSVC build tools, or build in WSL."),
        comment(9_202, Some(9_201), "hubot", "The build tools did it, thanks."),
        comment(9_203, None, "hubot", "Also: restart the shell after installing."),
    ];
}

fn secret_plans(git: &mut Git) -> Repo {
    let mut tree = Tree::new();
    put(git, &mut tree, "README.md", b"# Secret plans\n\nNothing to see here.\n");
    put(git, &mut tree, "plans.md", b"1. Build a better octocat.\n2. Ship it.\n");
    commit(git, SECRET_C1, None, &tree, "Initial plans", "octocat", utc(2024, 2, 14, 20, 0));
    let mut repo = repo(1_300_192, "octocat", "secret-plans", true, utc(2024, 2, 14, 19, 55));
    repo.description = Some("Plans for world domination".into());
    repo.branches = BTreeMap::from([("main".into(), SECRET_C1.into())]);
    repo.pushed_at = utc(2024, 2, 14, 20, 0);
    repo.labels = vec![label(208_045_948, "bug", "d73a4a", "Something isn't working")];
    repo.issues = vec![issue(1350, 1, "Secret launch date", "Keep this quiet.", "octocat", utc(2024, 2, 15, 9, 0))];
    repo
}

fn github_docs(git: &mut Git) -> Repo {
    let mut tree = Tree::new();
    put(git, &mut tree, "README.md", b"# GitHub Docs\n\nThe open-source repo for docs.github.com.\n");
    put(
        git,
        &mut tree,
        "content/index.md",
        b"---\ntitle: GitHub Docs\n---\n\nHelp for wherever you are on your GitHub journey.\n",
    );
    commit(git, DOCS_C1, None, &tree, "Import the docs", "octocat", utc(2023, 11, 1, 12, 0));
    let mut repo = repo(189_621_607, "github", "docs", false, utc(2023, 11, 1, 11, 0));
    repo.description = Some("The open-source repo for docs.github.com".into());
    repo.homepage = Some("https://docs.github.com".into());
    repo.topics = vec!["docs".into(), "hacktoberfest".into()];
    repo.language = Some("JavaScript".into());
    repo.stars = 16_000;
    repo.branches = BTreeMap::from([("main".into(), DOCS_C1.into())]);
    repo.pushed_at = utc(2023, 11, 1, 12, 0);
    repo.labels = vec![
        label(208_045_949, "bug", "d73a4a", "Something isn't working"),
        label(208_045_950, "enhancement", "a2eeef", "New feature or request"),
    ];
    add_discussions(&mut repo);
    repo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_consistent() {
        let world = world();
        let hello = world.repo("Octocat", "Hello-World").map(|r| r.branches.clone()).unwrap_or_default();
        assert_eq!(hello.get("main").map(String::as_str), Some(C3));
        assert_eq!(world.git.history(F1).len(), 4);
        assert_eq!(world.git.merge_base(F1, C3).as_deref(), Some(C3));
        let (_, big) = big_file();
        assert_eq!(big.len(), 2 * 1024 * 1024);
        assert_eq!(world.git.tree(C3).len(), 5);
    }
}
