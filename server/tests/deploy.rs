//! The deployment files agree with the server, so they cannot drift apart:
//! - `fly.toml`: its `[env]` is a valid configuration of known, non-secret variables; the service
//!   port is the one the server binds; the health check is a route that answers 200; the SQLite file
//!   is on the volume; the kill timeout outlasts the shutdown grace;
//! - `Dockerfile`: the same port, health path and storage, a numeric non-root user, and a build
//!   that copies everything cargo reads (manifests, sources, the templates compiled in);
//! - `.dockerignore` and the README's walkthrough use the same names.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::Duration,
};

use axum::body::Body;
use http::{Request, StatusCode};
use mcp_github_gateway::{
    AppState,
    config::{Config, DEFAULT_SHUTDOWN_GRACE_SECS, RawConfig, StorageUrl},
};
use serde::Deserialize;
use tower::ServiceExt;

/// Variables that carry credentials: set with `fly secrets set` or `-e` at run time, never committed.
const SECRETS: [&str; 3] = ["GITHUB_CLIENT_SECRET", "SECRET_KEY", "METRICS_TOKEN"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_owned()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every variable the server reads: `RawConfig`'s fields as envy maps them, and `RUST_LOG`.
fn known_vars() -> BTreeSet<String> {
    let fields = serde_json::to_value(RawConfig::default()).unwrap();
    let mut vars: BTreeSet<String> = fields.as_object().unwrap().keys().map(|k| k.to_ascii_uppercase()).collect();
    vars.insert("RUST_LOG".into());
    vars
}

/// The configuration `vars` give, with stand-ins for the required values that come from secrets.
fn config_with(vars: &BTreeMap<String, String>, what: &str) -> Config {
    let mut all = vars.clone();
    for (k, v) in [
        ("PUBLIC_URL", "https://gateway.example.com"),
        ("GITHUB_CLIENT_ID", "stand-in-id"),
        ("GITHUB_CLIENT_SECRET", "stand-in-secret"),
    ] {
        all.entry(k.into()).or_insert_with(|| v.into());
    }
    let raw: RawConfig = envy::from_iter(all).unwrap_or_else(|e| panic!("{what}: {e}"));
    Config::from_raw(raw).unwrap_or_else(|e| panic!("{what} is not a valid configuration: {e}"))
}

/// `vars` name only variables the server reads, and no secret.
fn assert_known_and_not_secret<'a>(vars: impl IntoIterator<Item = &'a String>, what: &str) {
    let known = known_vars();
    for var in vars {
        assert!(known.contains(var), "{what} sets {var}, which the server does not read; known: {known:?}");
        assert!(
            !SECRETS.contains(&var.as_str()),
            "{what} sets the secret {var}: set it with `fly secrets set` (or `docker run -e`) instead"
        );
    }
}

// ---- fly.toml ------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Fly {
    app: String,
    kill_signal: Option<String>,
    kill_timeout: Option<toml::Value>,
    build: Option<FlyBuild>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    mounts: Option<Mounts>,
    http_service: HttpService,
}

#[derive(Deserialize)]
struct FlyBuild {
    dockerfile: Option<String>,
}

/// Fly accepts `[mounts]` and `[[mounts]]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Mounts {
    One(Mount),
    Many(Vec<Mount>),
}

#[derive(Deserialize, Clone)]
struct Mount {
    source: String,
    destination: String,
}

#[derive(Deserialize)]
struct HttpService {
    internal_port: u16,
    force_https: Option<bool>,
    concurrency: Option<Concurrency>,
    #[serde(default)]
    checks: Vec<Check>,
}

#[derive(Deserialize)]
struct Concurrency {
    #[serde(rename = "type")]
    kind: String,
    soft_limit: u32,
    hard_limit: u32,
}

#[derive(Deserialize)]
struct Check {
    method: Option<String>,
    path: Option<String>,
}

fn fly() -> Fly {
    toml::from_str(&read("fly.toml")).unwrap_or_else(|e| panic!("fly.toml does not parse as Fly configuration: {e}"))
}

impl Fly {
    fn mounts(&self) -> Vec<Mount> {
        match &self.mounts {
            None => vec![],
            Some(Mounts::One(m)) => vec![m.clone()],
            Some(Mounts::Many(ms)) => ms.clone(),
        }
    }

    fn config(&self) -> Config {
        config_with(&self.env, "fly.toml's [env] (plus stand-ins for the secrets)")
    }

    fn health_paths(&self) -> Vec<String> {
        self.http_service.checks.iter().filter_map(|c| c.path.clone()).collect()
    }
}

/// Fly durations: an integer number of seconds, or a string such as "15s", "1m30s" or "500ms".
fn fly_duration(v: &toml::Value) -> Duration {
    match v {
        toml::Value::Integer(n) => Duration::from_secs(u64::try_from(*n).expect("a non-negative duration")),
        toml::Value::String(s) => {
            let (mut total, mut number) = (Duration::ZERO, String::new());
            let mut chars = s.trim().chars().peekable();
            while let Some(c) = chars.next() {
                if c.is_ascii_digit() {
                    number.push(c);
                    continue;
                }
                let n: u64 = number.parse().unwrap_or_else(|_| panic!("`{s}` is not a duration"));
                number.clear();
                total += match c {
                    'h' => Duration::from_secs(n * 3600),
                    'm' if chars.peek() == Some(&'s') => {
                        chars.next();
                        Duration::from_millis(n)
                    }
                    'm' => Duration::from_secs(n * 60),
                    's' => Duration::from_secs(n),
                    _ => panic!("`{s}` is not a duration"),
                };
            }
            if !number.is_empty() {
                total += Duration::from_secs(number.parse().unwrap());
            }
            total
        }
        other => panic!("`{other:?}` is not a duration"),
    }
}

#[test]
fn fly_env_is_a_valid_configuration_of_known_non_secret_variables() {
    let fly = fly();
    assert_known_and_not_secret(fly.env.keys(), "fly.toml's [env]");
    let config = fly.config();
    if let Some(url) = fly.env.get("PUBLIC_URL") {
        let host = config.public_url.host_str().unwrap_or_default();
        if host.ends_with(".fly.dev") {
            assert_eq!(host, format!("{}.fly.dev", fly.app), "PUBLIC_URL {url} is not the app's own fly.dev host");
        }
    }
    assert!(
        config.trust_proxy_headers == mcp_github_gateway::config::ProxyHeaders::Fly,
        "fly.toml must set TRUST_PROXY_HEADERS=fly: behind Fly's proxy every request would otherwise come \
         from the proxy's address, and one per-address rate limit would throttle everyone"
    );
    if let Some(storage) = fly.env.get("STORAGE_URL") {
        assert!(
            !storage.starts_with("redis"),
            "a Redis STORAGE_URL carries a password: set it with `fly secrets set`, not in [env]"
        );
    }
}

#[test]
fn fly_service_port_and_health_check_match_the_server() {
    let fly = fly();
    let config = fly.config();
    let service = &fly.http_service;
    assert_eq!(
        config.bind_addr.port(),
        service.internal_port,
        "http_service.internal_port must be the port of BIND_ADDR ({})",
        config.bind_addr
    );
    assert!(
        config.bind_addr.ip().is_unspecified(),
        "BIND_ADDR {} must listen on all interfaces (0.0.0.0), or Fly's proxy cannot reach the server",
        config.bind_addr
    );
    assert_eq!(service.force_https, Some(true), "http_service.force_https must be true: PUBLIC_URL is https");
    let check = service
        .checks
        .iter()
        .find(|c| c.path.as_deref() == Some("/healthz"))
        .expect("an [[http_service.checks]] entry must probe /healthz (liveness)");
    assert!(check.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case("GET")), "the health check must use GET");
    let concurrency = service.concurrency.as_ref().expect("[http_service.concurrency] sets the proxy's limits");
    assert!(matches!(concurrency.kind.as_str(), "requests" | "connections"), "concurrency.type {}", concurrency.kind);
    assert!(
        0 < concurrency.soft_limit && concurrency.soft_limit <= concurrency.hard_limit,
        "concurrency: need 0 < soft_limit ({}) <= hard_limit ({})",
        concurrency.soft_limit,
        concurrency.hard_limit
    );
    let dockerfile = fly.build.as_ref().and_then(|b| b.dockerfile.as_deref()).unwrap_or("Dockerfile");
    assert!(root().join(dockerfile).is_file(), "[build].dockerfile `{dockerfile}` does not exist");
}

#[test]
fn fly_keeps_the_sqlite_file_on_the_volume() {
    let fly = fly();
    let mounts = fly.mounts();
    if mounts.is_empty() && !fly.env.contains_key("STORAGE_URL") {
        // The README's Redis set-up: STORAGE_URL is a secret, so there is nothing here to check.
        return;
    }
    match &fly.config().storage {
        StorageUrl::Sqlite(path) => {
            assert!(path.is_absolute(), "STORAGE_URL must name an absolute path on the volume, not {path:?}");
            assert!(
                mounts.iter().any(|m| path.starts_with(&m.destination)),
                "the SQLite file {path:?} is not under a [[mounts]] destination ({:?}): it would be lost on every \
                 deploy",
                mounts.iter().map(|m| &m.destination).collect::<Vec<_>>()
            );
        }
        other => {
            panic!("fly.toml's [env] must keep state in SQLite on the volume (Redis goes in secrets), not {other:?}")
        }
    }
    for m in &mounts {
        assert!(!m.source.is_empty() && m.destination.starts_with('/'), "mount {} -> {}", m.source, m.destination);
    }
}

#[test]
fn fly_waits_longer_than_the_shutdown_grace() {
    let fly = fly();
    let signal = fly.kill_signal.as_deref().unwrap_or("SIGINT");
    assert!(
        matches!(signal, "SIGTERM" | "SIGINT"),
        "kill_signal {signal}: the gateway drains on SIGTERM or SIGINT only"
    );
    let grace = fly.config().shutdown_grace;
    if !fly.env.contains_key("SHUTDOWN_GRACE_SECS") {
        assert_eq!(grace, Duration::from_secs(DEFAULT_SHUTDOWN_GRACE_SECS));
    }
    let timeout = fly.kill_timeout.as_ref().map(fly_duration).unwrap_or(Duration::from_secs(5));
    assert!(
        timeout > grace,
        "kill_timeout ({timeout:?}) must be longer than SHUTDOWN_GRACE_SECS ({grace:?}), or Fly kills the \
         gateway while it is still draining"
    );
}

#[test]
fn fly_duration_forms() {
    let d = |s: &str| fly_duration(&toml::Value::String(s.into()));
    assert_eq!(d("15s"), Duration::from_secs(15));
    assert_eq!(d("1m30s"), Duration::from_secs(90));
    assert_eq!(d("500ms"), Duration::from_millis(500));
    assert_eq!(d("20"), Duration::from_secs(20));
    assert_eq!(fly_duration(&toml::Value::Integer(5)), Duration::from_secs(5));
}

// ---- Dockerfile ----------------------------------------------------------------------------------

/// One instruction, with its continuation lines joined and comment lines dropped.
#[derive(Debug)]
struct Instruction {
    /// 1-based: the stage's position among the `FROM`s; 0 before the first.
    stage: usize,
    keyword: String,
    args: String,
}

struct Dockerfile {
    instructions: Vec<Instruction>,
    /// `ARG` defaults declared before the first `FROM`.
    global_args: BTreeMap<String, String>,
    /// Stage names (`FROM … AS name`), by stage number.
    stage_names: BTreeMap<usize, String>,
}

fn dockerfile() -> Dockerfile {
    let text = read("Dockerfile");
    let mut instructions = Vec::new();
    let mut pending = String::new();
    let mut stage = 0;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                pending.push_str(part);
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                let full = std::mem::take(&mut pending);
                let (keyword, args) = full.split_once(char::is_whitespace).unwrap_or((&full, ""));
                let keyword = keyword.to_ascii_uppercase();
                if keyword == "FROM" {
                    stage += 1;
                }
                instructions.push(Instruction { stage, keyword, args: args.trim().to_owned() });
            }
        }
    }
    assert!(pending.is_empty(), "the Dockerfile ends inside a continued line");
    let mut global_args = BTreeMap::new();
    let mut stage_names = BTreeMap::new();
    for i in &instructions {
        match i.keyword.as_str() {
            "ARG" if i.stage == 0 => {
                if let Some((k, v)) = i.args.split_once('=') {
                    global_args.insert(k.trim().to_owned(), v.trim().trim_matches('"').to_owned());
                }
            }
            "FROM" => {
                let words: Vec<&str> = i.args.split_whitespace().collect();
                if let [_, kw, name] = words[..]
                    && kw.eq_ignore_ascii_case("as")
                {
                    stage_names.insert(i.stage, name.to_owned());
                }
            }
            _ => {}
        }
    }
    Dockerfile { instructions, global_args, stage_names }
}

impl Dockerfile {
    fn last_stage(&self) -> usize {
        self.instructions.last().map_or(0, |i| i.stage)
    }

    fn in_stage(&self, stage: usize, keyword: &str) -> impl Iterator<Item = (usize, &Instruction)> {
        self.instructions.iter().enumerate().filter(move |(_, i)| i.stage == stage && i.keyword == keyword)
    }

    /// `${NAME}` replaced by the global `ARG` defaults.
    fn expand(&self, s: &str) -> String {
        self.global_args.iter().fold(s.to_owned(), |acc, (k, v)| acc.replace(&format!("${{{k}}}"), v))
    }

    /// The runtime stage's `ENV` settings.
    fn runtime_env(&self) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for (_, i) in self.in_stage(self.last_stage(), "ENV") {
            for pair in i.args.split_whitespace() {
                let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("write ENV as KEY=VALUE, not `{}`", i.args));
                env.insert(k.to_owned(), v.trim_matches('"').to_owned());
            }
        }
        env
    }
}

/// `COPY`'s source paths (every argument but the destination, without flags), normalized.
fn copy_sources(args: &str) -> Vec<String> {
    let words: Vec<&str> = args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
    let sources = &words[..words.len().saturating_sub(1)];
    sources.iter().map(|s| s.trim_start_matches("./").trim_end_matches('/').to_owned()).collect()
}

fn covers(source: &str, path: &str) -> bool {
    source.is_empty() || source == "." || path == source || path.starts_with(&format!("{source}/"))
}

/// The workspace's members, read from the root manifest.
fn workspace() -> (Vec<String>, String) {
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).expect("Cargo.toml parses");
    let ws = manifest["workspace"].as_table().expect("[workspace]");
    let members = ws["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_owned()).collect();
    let rust_version = ws["package"]["rust-version"].as_str().expect("workspace.package.rust-version").to_owned();
    (members, rust_version)
}

/// Files compiled into the crates' non-test code with `include_str!`/`include_bytes!`, relative to the
/// workspace root.
fn included_files(members: &[String]) -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = root().canonicalize().unwrap();
    let mut files = Vec::new();
    for m in members {
        walk(&root.join(m).join("src"), &mut files);
    }
    // Out-of-line test modules (`#[cfg(test)] mod tests;`) are not built into the binary either.
    let test_only: BTreeSet<PathBuf> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let dir = match file.file_name().and_then(|n| n.to_str()) {
                Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().unwrap().to_path_buf(),
                _ => file.with_extension(""),
            };
            text.match_indices("#[cfg(test)]")
                .filter_map(|(at, m)| {
                    let after = text[at + m.len()..].trim_start();
                    let line = after.lines().next()?;
                    let name = line.strip_prefix("mod ")?.strip_suffix(';')?;
                    Some(dir.join(format!("{}.rs", name.trim())))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let mut included = BTreeSet::new();
    for file in files.into_iter().filter(|f| !test_only.contains(f)) {
        let text = std::fs::read_to_string(&file).unwrap();
        // What inline test modules (`#[cfg(test)] mod tests {`, last in a file) include is not built
        // into the binary.
        let cut = text
            .match_indices("#[cfg(test)]")
            .map(|(at, m)| at + m.len())
            .find(|&end| {
                let after = text[end..].trim_start();
                after.starts_with("mod ") && after.lines().next().is_some_and(|l| l.contains('{'))
            })
            .unwrap_or(text.len());
        let code = &text[..cut];
        for macro_name in ["include_str!(\"", "include_bytes!(\""] {
            for (at, _) in code.match_indices(macro_name) {
                let rest = &code[at + macro_name.len()..];
                let literal = &rest[..rest.find('"').unwrap()];
                let target = file.parent().unwrap().join(literal).canonicalize().unwrap_or_else(|e| {
                    panic!("{} includes {literal}: {e}", file.display());
                });
                let rel = target.strip_prefix(&root).expect("included files live in the workspace");
                included.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    included
}

#[test]
fn dockerfile_runtime_stage_matches_fly_toml_and_the_server() {
    let fly = fly();
    let docker = dockerfile();
    let runtime = docker.last_stage();
    assert!(runtime >= 2, "the Dockerfile must be multi-stage: a build stage, then a small runtime stage");
    let port = fly.http_service.internal_port;

    let exposed: Vec<String> = docker
        .in_stage(runtime, "EXPOSE")
        .flat_map(|(_, i)| i.args.split_whitespace())
        .map(|p| p.trim_end_matches("/tcp").to_owned())
        .collect();
    assert!(exposed.contains(&port.to_string()), "EXPOSE {exposed:?} must include fly.toml's internal_port {port}");

    let env = docker.runtime_env();
    assert_known_and_not_secret(env.keys(), "the Dockerfile's ENV");
    let config = config_with(&env, "the Dockerfile's ENV");
    assert_eq!(config.bind_addr.port(), port, "the image's BIND_ADDR must use fly.toml's internal_port");
    assert!(
        config.bind_addr.ip().is_unspecified(),
        "the image must listen on all interfaces, not {}",
        config.bind_addr
    );
    if let Some(on_fly) = fly.env.get("STORAGE_URL") {
        assert_eq!(
            env.get("STORAGE_URL"),
            Some(on_fly),
            "the image's STORAGE_URL and fly.toml's should agree: the image keeps its state where Fly mounts the volume"
        );
    }
    let StorageUrl::Sqlite(db) = &config.storage else { panic!("the image's default storage should be SQLite") };
    let data_dir = db.parent().unwrap().to_string_lossy().into_owned();
    assert!(
        docker.in_stage(runtime, "RUN").any(|(_, i)| i.args.contains("chown") && i.args.contains(&data_dir)),
        "the runtime stage must create {data_dir} owned by the runtime user, or SQLite cannot write there"
    );

    let user =
        docker.in_stage(runtime, "USER").last().map(|(_, i)| i.args.clone()).expect("the runtime stage sets USER");
    let uid = user.split(':').next().unwrap();
    assert!(
        uid.parse::<u32>().is_ok_and(|n| n != 0),
        "USER `{user}` must be a numeric, non-root uid (Kubernetes' runAsNonRoot can only check a number)"
    );

    let (_, health) = docker.in_stage(runtime, "HEALTHCHECK").last().expect("the runtime stage has a HEALTHCHECK");
    let at = health.args.find("http://").expect("the HEALTHCHECK probes an http:// URL");
    let url = &health.args[at..];
    let url = url::Url::parse(&url[..url.find(['"', ' ', '\'']).unwrap_or(url.len())]).unwrap();
    assert_eq!(url.port(), Some(port), "the HEALTHCHECK must probe fly.toml's internal_port: {url}");
    assert!(fly.health_paths().contains(&url.path().to_owned()), "the HEALTHCHECK path {url} is not fly.toml's check");
    // The probe program must be in the image: the first word of the exec form, installed by a RUN.
    let cmd = health.args.split("CMD").nth(1).expect("HEALTHCHECK … CMD …");
    let program = cmd.trim().trim_start_matches('[').split([',', ' ']).next().unwrap().trim_matches('"');
    assert!(
        docker.in_stage(runtime, "RUN").any(|(_, i)| i.args.contains(program)),
        "the HEALTHCHECK runs `{program}`, which no RUN of the runtime stage installs"
    );

    let binary =
        Path::new(env!("CARGO_BIN_EXE_mcp-github-gateway")).file_name().unwrap().to_string_lossy().into_owned();
    let entry = docker.in_stage(runtime, "ENTRYPOINT").chain(docker.in_stage(runtime, "CMD")).last();
    assert!(
        entry.is_some_and(|(_, i)| i.args.contains(&binary)),
        "the runtime stage must run {binary} (ENTRYPOINT or CMD)"
    );
}

#[test]
fn dockerfile_build_copies_everything_cargo_reads_and_caches_dependencies() {
    let docker = dockerfile();
    let runtime = docker.last_stage();
    let (members, rust_version) = workspace();

    // The stage the runtime copies the binary from.
    let from_build = docker
        .in_stage(runtime, "COPY")
        .find(|(_, i)| i.args.contains("--from=") && i.args.contains("target/release/"))
        .map(|(_, i)| i.args.split_whitespace().find_map(|w| w.strip_prefix("--from=")).unwrap().to_owned())
        .expect("the runtime stage copies the release binary from the build stage (COPY --from=…)");
    let build = docker
        .stage_names
        .iter()
        .find(|(_, name)| **name == from_build)
        .map(|(n, _)| *n)
        .unwrap_or_else(|| panic!("no stage is named {from_build}"));

    let (_, from) = docker.in_stage(build, "FROM").next().unwrap();
    let image = docker.expand(from.args.split_whitespace().next().unwrap());
    let version = image.strip_prefix("rust:").expect("the build stage uses the official rust image");
    let parse = |v: &str| -> Vec<u32> { v.split(['.', '-']).map_while(|p| p.parse().ok()).collect() };
    assert!(
        parse(version) >= parse(&rust_version),
        "the build image {image} is older than the workspace's rust-version {rust_version}"
    );

    let builds: Vec<usize> =
        docker.in_stage(build, "RUN").filter(|(_, i)| i.args.contains("cargo build")).map(|(n, _)| n).collect();
    let last_build = *builds.last().expect("the build stage runs cargo build");
    for &n in &builds {
        let args = &docker.instructions[n].args;
        assert!(args.contains("--locked") && args.contains("--release"), "build with --release --locked: {args}");
    }

    let copied_before = |n: usize| -> Vec<String> {
        docker.instructions[..n]
            .iter()
            .filter(|i| i.stage == build && (i.keyword == "COPY" || i.keyword == "ADD"))
            .flat_map(|i| copy_sources(&i.args))
            .collect()
    };
    let copied = copied_before(last_build);
    let mut needed: BTreeSet<String> = ["Cargo.toml".to_owned(), "Cargo.lock".to_owned()].into();
    for m in &members {
        needed.insert(format!("{m}/Cargo.toml"));
        needed.insert(format!("{m}/src"));
    }
    needed.extend(included_files(&members));
    for path in &needed {
        assert!(
            copied.iter().any(|s| covers(s, path)),
            "the Dockerfile builds without copying {path} first (copied: {copied:?})"
        );
    }

    // The dependency layer: the manifests are copied and the dependencies built before any source.
    let first_build = builds[0];
    assert!(builds.len() >= 2, "build the dependencies in a layer of their own, before the sources are copied");
    let early = copied_before(first_build);
    assert!(
        !early.iter().any(|s| s.ends_with("/src") || s == "." || s.is_empty()),
        "sources are copied before the dependency layer is built, so every edit rebuilds every dependency"
    );
    for m in &members {
        assert!(
            early.iter().any(|s| covers(s, &format!("{m}/Cargo.toml"))),
            "the dependency layer needs {m}/Cargo.toml"
        );
    }
    // The real build must not take the stubs' output as up to date (COPY keeps old timestamps).
    let last_copy =
        docker.instructions[..last_build].iter().rposition(|i| i.stage == build && i.keyword == "COPY").unwrap();
    let touched: String = docker.instructions[last_copy..=last_build]
        .iter()
        .filter(|i| i.keyword == "RUN" && i.args.contains("touch"))
        .map(|i| i.args.clone())
        .collect();
    for m in &members {
        for root_file in ["src/main.rs", "src/lib.rs"] {
            let path = format!("{m}/{root_file}");
            if root().join(&path).is_file() {
                assert!(
                    touched.contains(&path),
                    "touch {path} after copying the sources, before the final cargo build"
                );
            }
        }
    }
}

#[test]
fn dockerignore_keeps_secrets_and_build_output_out_but_not_the_sources() {
    let ignore = read(".dockerignore");
    let patterns: Vec<&str> = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .map(|l| l.trim_start_matches('/').trim_end_matches('/'))
        .collect();
    for must in ["target", ".env", "data", ".git"] {
        assert!(patterns.contains(&must), ".dockerignore must exclude {must}");
    }
    let (members, _) = workspace();
    let mut needed = vec!["Cargo.toml".to_owned(), "Cargo.lock".to_owned()];
    for m in &members {
        needed.push(format!("{m}/Cargo.toml"));
        needed.push(format!("{m}/src"));
    }
    needed.extend(included_files(&members));
    for p in patterns.iter().filter(|p| !p.contains(['*', '?', '['])) {
        for path in &needed {
            assert!(!covers(p, path), ".dockerignore's `{p}` excludes {path}, which the build needs");
        }
    }
}

// ---- the server answers the checks -------------------------------------------------------------------

#[tokio::test]
async fn the_health_check_paths_answer_200() {
    let fly = fly();
    let mut env = fly.env.clone();
    env.insert("STORAGE_URL".into(), "memory://".into());
    let state = AppState::new(config_with(&env, "fly.toml's [env]")).await.expect("the gateway starts");
    let mut paths: BTreeSet<String> = fly.health_paths().into_iter().collect();
    paths.insert("/readyz".into());
    for path in paths {
        let req = Request::get(path.as_str()).body(Body::empty()).unwrap();
        let resp = mcp_github_gateway::app(state.clone()).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
    }
}

// ---- the README's walkthrough ------------------------------------------------------------------------

#[test]
fn the_readme_walkthrough_uses_the_names_in_the_files() {
    let readme = read("README.md");
    let section = readme
        .split("\n## Deploy")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the README has a Deploy section");
    let fly = fly();
    for m in fly.mounts() {
        assert!(
            section.contains(&format!("fly volumes create {}", m.source)),
            "the README creates volume {}",
            m.source
        );
        assert!(section.contains(&format!(":{}", m.destination)), "the README's docker run mounts {}", m.destination);
    }
    for var in ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "SECRET_KEY"] {
        assert!(section.contains(&format!("{var}=")), "the README sets {var}");
    }
    let port = fly.http_service.internal_port;
    assert!(section.contains(&format!("{port}:{port}")), "the README's docker run publishes port {port}");
    assert!(section.contains("/oauth/callback"), "the README gives GitHub the callback URL");
}
