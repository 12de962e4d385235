//! `gateway-bench`: measures mcp-github-gateway on loopback against its ceiling, with the in-repo
//! GitHub emulator at a fixed latency, prints a table and writes JSON.
//!
//! 1. authorized `tools/list` on an initialized session, requests/s and p50/p99/p999 at 1, 16, 64 and
//!    256 connections, next to a bare axum handler returning the same bytes (the ceiling);
//! 2. `tools/call get_me`: gateway overhead = end-to-end latency minus the emulator's own;
//! 3. complete logins per second;
//! 4. the release binary's RSS (a child process, nothing trimmed) under session churn and with 100k
//!    idle sessions (`memory.rs`);
//! 5. start-up time of the release binary to its first `/healthz` 200, and its size;
//! 6. the soak: a long randomized mix of real traffic over reused connections, counting requests
//!    without a response (target 0).
//!
//! 1–3 and 6 run for each storage backend asked for (memory, sqlite, redis with `REDIS_URL`).
//! `--smoke` runs everything for a fraction of a second with small counts (CI).

mod flows;
mod load;
mod memory;
mod report;
mod setup;
mod soak;

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use clap::Parser;
use hyper::Method;
use serde_json::{Value, json};

use load::Template;
use setup::{Stack, Storage};

/// The allocator the gateway binary ships with, with its settings.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings: a background thread hands freed pages back to the system after a second
/// (`dirty_decay_ms`), at once for pages already advised free (`muzzy_decay_ms:0`).
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 60] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

#[derive(Parser, Clone)]
#[command(name = "gateway-bench", about = "Measures mcp-github-gateway against its ceiling on loopback")]
pub struct Args {
    /// A seconds-long run with small counts, to check that the benchmark works (CI).
    #[arg(long)]
    smoke: bool,
    /// Storage backends for parts 1–3: memory, sqlite, redis (redis needs REDIS_URL).
    #[arg(long, value_delimiter = ',', default_value = "memory,sqlite,redis")]
    storage: Vec<String>,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "target/bench/results.json")]
    json: PathBuf,
    /// Latency the GitHub emulator adds to every API response, in milliseconds.
    #[arg(long, default_value_t = 5)]
    github_latency_ms: u64,
    /// Seconds each load level runs (after a warm-up of a tenth of it).
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Parts to run: tools-list, get-me, lockdown, logins, sessions, startup, soak (default: all).
    #[arg(long, value_delimiter = ',', default_value = "tools-list,get-me,lockdown,logins,sessions,startup,soak")]
    parts: Vec<String>,
    /// Requests in the soak (default 100,000; smoke 600).
    #[arg(long)]
    soak_requests: Option<u64>,
    /// Connections the soak's requests are spread over.
    #[arg(long, default_value_t = 8)]
    soak_connections: usize,
    /// Connection counts for part 1 (default 1,16,64,256; smoke 1,16).
    #[arg(long, value_delimiter = ',')]
    connections: Vec<usize>,
    /// Skip the ceiling in part 1 (to profile the gateway alone).
    #[arg(long)]
    no_ceiling: bool,
    /// The gateway binary for part 5. Default: built with `cargo build --release` when run via cargo.
    #[arg(long)]
    gateway_bin: Option<PathBuf>,
}

impl Args {
    fn part(&self, name: &str) -> bool {
        self.parts.iter().any(|p| p == name)
    }

    fn duration(&self) -> Duration {
        Duration::from_secs_f64(if self.smoke { 0.3 } else { self.seconds.max(0.5) })
    }

    fn warmup(&self) -> Duration {
        self.duration() / 10
    }

    fn levels(&self) -> Vec<usize> {
        if !self.connections.is_empty() {
            self.connections.clone()
        } else if self.smoke {
            vec![1, 16]
        } else {
            vec![1, 16, 64, 256]
        }
    }

    fn soak_requests(&self) -> u64 {
        self.soak_requests.unwrap_or(if self.smoke { 600 } else { 100_000 })
    }
}

fn runtime(name: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a tokio runtime with static settings builds")
}

fn main() -> ExitCode {
    let args = Args::parse();
    // The servers (gateway, emulator, ceiling) and the load generator run on separate runtimes.
    let servers = runtime("servers");
    let clients = runtime("load");
    match clients.block_on(run(&args, &servers)) {
        Ok(results) => {
            println!("{}", report::table(&results));
            if let Some(dir) = args.json.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            match serde_json::to_string_pretty(&results) {
                Ok(text) => match std::fs::write(&args.json, text) {
                    Ok(()) => println!("JSON: {}", args.json.display()),
                    Err(e) => eprintln!("could not write {}: {e}", args.json.display()),
                },
                Err(e) => eprintln!("could not encode the results: {e}"),
            }
            if report::errors(&results) > 0 {
                eprintln!("some requests failed; see `errors` in the results");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gateway-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn on(
    servers: &tokio::runtime::Runtime,
    storage: &Storage,
    latency: Duration,
    session_memory: Duration,
) -> Result<Stack, String> {
    let storage = storage.clone();
    servers
        .spawn(async move { setup::start(&storage, latency, session_memory).await })
        .await
        .map_err(|e| e.to_string())?
}

fn storages(args: &Args) -> Result<Vec<Storage>, String> {
    let mut out = Vec::new();
    for s in &args.storage {
        match s.as_str() {
            "memory" => out.push(Storage::Memory),
            "sqlite" => out.push(Storage::Sqlite),
            "redis" => match std::env::var("REDIS_URL") {
                Ok(url) if !url.is_empty() => out.push(Storage::Redis(url)),
                _ => eprintln!("skipping redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) to include it"),
            },
            other => return Err(format!("unknown storage `{other}` (memory, sqlite, redis)")),
        }
    }
    Ok(out)
}

async fn run(args: &Args, servers: &tokio::runtime::Runtime) -> Result<Value, String> {
    let http = flows::client();
    let latency = Duration::from_millis(args.github_latency_ms);
    let mut per_storage = Vec::new();
    for storage in storages(args)? {
        eprintln!("== {} ==", storage.name());
        let stack = on(servers, &storage, latency, Duration::from_secs(120)).await?;
        let tokens = flows::login(&http, &stack.base).await?;
        let session = flows::session(&http, &stack.base, &tokens.access).await?;
        let list = if args.part("tools-list") {
            tools_list(args, servers, &http, &stack, &tokens.access, &session).await?
        } else {
            Value::Null
        };
        let call =
            if args.part("get-me") { get_me(args, &stack, &tokens.access, &session).await? } else { Value::Null };
        let lockdown = if args.part("lockdown") { lockdown(args, &stack, &tokens.access).await? } else { Value::Null };
        let logins = if args.part("logins") { logins(args, &http, &stack).await? } else { Value::Null };
        let soak = if args.part("soak") {
            eprintln!("soak: {} requests over {} connections", args.soak_requests(), args.soak_connections);
            soak::run(stack.addr, &tokens.access, &session, args.soak_requests(), args.soak_connections).await
        } else {
            Value::Null
        };
        per_storage.push(
            json!({"storage": storage.name(), "tools_list": list, "get_me": call, "lockdown": lockdown, "logins": logins, "soak": soak}),
        );
        stack.emulator.shutdown().await;
    }
    let memory = if args.part("sessions") { memory::run(args, servers).await? } else { Value::Null };
    let startup = if args.part("startup") { report::startup(args).await } else { json!({"skipped": "not asked for"}) };
    Ok(json!({
        "mode": if args.smoke { "smoke" } else { "full" },
        "machine": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)},
        "github_latency_ms": args.github_latency_ms,
        "seconds_per_level": args.duration().as_secs_f64(),
        "storages": per_storage,
        "idle_sessions": memory,
        "startup": startup,
    }))
}

fn mcp_template(access: &str, session: &str, body: Value) -> Arc<Template> {
    Arc::new(Template {
        method: Method::POST,
        path: "/mcp".into(),
        headers: vec![
            ("authorization".into(), format!("Bearer {access}")),
            ("accept".into(), "application/json, text/event-stream".into()),
            ("content-type".into(), "application/json".into()),
            ("mcp-session-id".into(), session.into()),
            ("mcp-protocol-version".into(), flows::PROTOCOL.into()),
        ],
        // serde_json writes `"id":0` exactly as load::ID_SLOT expects; each request gets a fresh id.
        body: Bytes::from(body.to_string()),
    })
}

/// The 2026-07-28 protocol version: requests carry it (and the client's capabilities) in `_meta`.
const MODERN: &str = "2026-07-28";

/// A 2026-07-28 request: no session; the version and the client's capabilities in `_meta`, the
/// method (and tool name) in the `Mcp-Method` (and `Mcp-Name`) header as the revision requires.
fn modern_template(access: &str, method: &str, name: Option<&str>, params: Value) -> Arc<Template> {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "gateway-bench", "version": "1"},
    });
    let mut headers = vec![
        ("authorization".into(), format!("Bearer {access}")),
        ("accept".into(), "application/json, text/event-stream".into()),
        ("content-type".into(), "application/json".into()),
        ("mcp-protocol-version".into(), MODERN.into()),
        ("mcp-method".into(), method.into()),
    ];
    if let Some(name) = name {
        headers.push(("mcp-name".into(), name.into()));
    }
    let body = json!({"jsonrpc": "2.0", "id": 0, "method": method, "params": params});
    Arc::new(Template { method: Method::POST, path: "/mcp".into(), headers, body: Bytes::from(body.to_string()) })
}

/// One request as the load generator sends it, through reqwest: its content type and body.
async fn sample(http: &reqwest::Client, stack: &Stack, t: &Template) -> Result<(String, Bytes), String> {
    let mut req = http.request(t.method.clone(), format!("{}{}", stack.base, t.path));
    for (k, v) in &t.headers {
        req = req.header(k, v);
    }
    let resp = req.body(t.body.clone()).send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let content_type =
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("text/event-stream").to_owned();
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok((content_type, body))
}

/// Turns the gateway and its ceiling take at each load level.
const RATIO_TURNS: u32 = 3;

/// `template` against the gateway and against a ceiling that checks the bearer token and writes the
/// bytes the gateway answered, at each connection count, in [`RATIO_TURNS`] turns each.
async fn versus_ceiling(
    args: &Args,
    servers: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    stack: &Stack,
    (label, access): (&str, &str),
    template: &Arc<Template>,
    levels: &[usize],
) -> Result<Value, String> {
    let (content_type, body) = sample(http, stack, template).await.map_err(|e| format!("{label}: {e}"))?;
    let ceiling = servers
        .spawn(setup::ceiling(body.clone(), content_type.clone(), access.to_owned()))
        .await
        .map_err(|e| e.to_string())??;
    let mut out = Vec::new();
    for &connections in levels {
        // In turns, so that both see the same machine: this one's speed drifts by a quarter from one
        // minute to the next, and a ratio of runs a minute apart drifts with it.
        let (turn, warmup) = (args.duration() / RATIO_TURNS, args.warmup() / RATIO_TURNS);
        let mut turns = Vec::new();
        for _ in 0..RATIO_TURNS {
            let gw = load::run(stack.addr, template.clone(), connections, warmup, turn).await;
            let bare = if args.no_ceiling {
                load::run(ceiling, template.clone(), 1, Duration::ZERO, Duration::from_millis(50)).await
            } else {
                load::run(ceiling, template.clone(), connections, warmup, turn).await
            };
            turns.push((gw, bare));
        }
        let (gw, bare) = turns.into_iter().reduce(|(g, b), (g2, b2)| (g.merge(g2), b.merge(b2))).ok_or("no turns")?;
        eprintln!(
            "{label:<28} {connections:>3} conn  gateway {:>9.0} req/s  ceiling {:>9.0} req/s  ({:.2}×)",
            gw.rps(),
            bare.rps(),
            gw.rps() / bare.rps().max(1.0)
        );
        out.push(json!({
            "connections": connections,
            "gateway": report::load_json(&gw),
            "ceiling": report::load_json(&bare),
            "ratio": gw.rps() / bare.rps().max(1.0),
        }));
    }
    Ok(json!({"label": label, "response_bytes": body.len(), "content_type": content_type, "levels": out}))
}

/// Part 1: `tools/list` against the gateway and against the ceiling, at each connection count; then
/// legacy `ping`, and 2026-07-28 (stateless) `tools/list` and `server/discover`, at 16 and 64.
async fn tools_list(
    args: &Args,
    servers: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    stack: &Stack,
    access: &str,
    session: &str,
) -> Result<Value, String> {
    let legacy = mcp_template(access, session, json!({"jsonrpc": "2.0", "id": 0, "method": "tools/list"}));
    stack.emulator.clear_records();
    let list = versus_ceiling(args, servers, http, stack, ("tools/list (2025-06-18)", access), &legacy, &args.levels())
        .await?;
    let few: Vec<usize> = if args.smoke { vec![16] } else { vec![16, 64] };
    let shapes = [
        ("ping (2025-06-18)", mcp_template(access, session, json!({"jsonrpc": "2.0", "id": 0, "method": "ping"}))),
        ("tools/list (2026-07-28)", modern_template(access, "tools/list", None, json!({}))),
        ("server/discover (2026-07-28)", modern_template(access, "server/discover", None, json!({}))),
    ];
    let mut others = Vec::new();
    for (label, template) in &shapes {
        others.push(versus_ceiling(args, servers, http, stack, (label, access), template, &few).await?);
    }
    let upstream_calls = stack.emulator.api_requests().len();
    Ok(json!({
        "response_bytes": list["response_bytes"],
        "content_type": list["content_type"],
        "levels": list["levels"],
        "github_calls": upstream_calls,
        "others": others,
    }))
}

/// Part 2: `tools/call get_me` end to end on a legacy session and statelessly (2026-07-28), and the
/// emulator's own conditional `GET /user` (what the gateway's repeated call is), one connection each.
async fn get_me(args: &Args, stack: &Stack, access: &str, session: &str) -> Result<Value, String> {
    let call =
        json!({"jsonrpc": "2.0", "id": 0, "method": "tools/call", "params": {"name": "get_me", "arguments": {}}});
    let token = stack.emulator.mint_access_token("octocat", "repo").ok_or("the emulator minted no token")?;
    let api = url::Url::parse(&stack.emulator.api_url()).map_err(|e| e.to_string())?;
    let addr = stack.emulator.addr();
    // The emulator's own answer to what the gateway sends it for a repeated get_me: a conditional
    // `GET /user` with the ETag of the first answer, answered 304 (which charges no rate limit, so
    // the baseline never runs into it either).
    let path = format!("{}/user", api.path().trim_end_matches('/'));
    let first = flows::client()
        .get(format!("http://{addr}{path}"))
        .bearer_auth(&token)
        .header("user-agent", "gateway-bench")
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let etag = first.headers().get("etag").and_then(|v| v.to_str().ok()).ok_or("GET /user gave no ETag")?.to_owned();
    let direct = Arc::new(Template {
        method: Method::GET,
        path,
        headers: vec![
            ("authorization".into(), format!("Bearer {token}")),
            ("accept".into(), "application/vnd.github+json".into()),
            ("user-agent".into(), "gateway-bench".into()),
            ("if-none-match".into(), etag),
        ],
        body: Bytes::new(),
    });
    let github = load::run(addr, direct, 1, args.warmup(), args.duration()).await;
    let modern = modern_template(access, "tools/call", Some("get_me"), json!({"name": "get_me", "arguments": {}}));
    let mut out = json!({"github": report::load_json(&github)});
    for (key, template) in [("legacy", mcp_template(access, session, call)), ("stateless", modern)] {
        stack.emulator.clear_records();
        let gw = load::run(stack.addr, template, 1, args.warmup(), args.duration()).await;
        let records = stack.emulator.api_requests();
        let calls = records.len() as f64;
        // What the rate limit was charged: GitHub counts no 304 (a conditional read still unchanged).
        let charged = records.iter().filter(|r| r.status != 304).count() as f64;
        eprintln!(
            "get_me ({key:<9}) p50 {:.3} ms end to end, {:.3} ms at the emulator → overhead {:.3} ms",
            gw.ms(0.5),
            github.ms(0.5),
            gw.ms(0.5) - github.ms(0.5)
        );
        out[key] = json!({
            "end_to_end": report::load_json(&gw),
            "overhead_p50_ms": gw.ms(0.5) - github.ms(0.5),
            "overhead_p99_ms": gw.ms(0.99) - github.ms(0.99),
            // 1.0: the tool's own call and nothing else (warm-up included on both sides).
            "github_calls_per_call": calls / (gw.answered as f64).max(1.0),
            "rate_limit_units_per_100_calls": 100.0 * charged / (gw.answered as f64).max(1.0),
        });
    }
    Ok(out)
}

/// Part 2b: what lockdown mode costs: stateless `tools/call list_issue_comments` on
/// octocat/hello-world's issue #1 (comments by its owner and a collaborator) without and with
/// `X-MCP-Lockdown: true`, one connection each: latency and GitHub calls per tool call (the
/// verdict cache makes a repeated call cost the list alone).
async fn lockdown(args: &Args, stack: &Stack, access: &str) -> Result<Value, String> {
    let params = json!({"name": "list_issue_comments", "arguments": {"owner": "octocat", "repo": "hello-world", "issue_number": 1}});
    let mut out = json!({});
    for (key, locked) in [("off", false), ("on", true)] {
        let template = modern_template(access, "tools/call", Some("list_issue_comments"), params.clone());
        let template = if locked {
            let mut t = (*template).clone();
            t.headers.push(("x-mcp-lockdown".into(), "true".into()));
            Arc::new(t)
        } else {
            template
        };
        stack.emulator.clear_records();
        let run = load::run(stack.addr, template, 1, args.warmup(), args.duration()).await;
        let records = stack.emulator.api_requests();
        let checks = records
            .iter()
            .filter(|r| r.path.ends_with("/permission") || r.path == "/repos/octocat/hello-world")
            .count();
        eprintln!(
            "list_issue_comments (lockdown {key}): p50 {:.3} ms, {} GitHub calls for {} tool calls",
            run.ms(0.5),
            records.len(),
            run.answered
        );
        out[key] = json!({
            "end_to_end": report::load_json(&run),
            "github_calls_per_call": records.len() as f64 / (run.answered as f64).max(1.0),
            "lockdown_checks": checks,
        });
    }
    Ok(out)
}

/// Part 3: complete logins per second from 16 concurrent browsers.
async fn logins(args: &Args, http: &reqwest::Client, stack: &Stack) -> Result<Value, String> {
    let concurrency = 16;
    let deadline = Instant::now() + args.duration();
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, base) = (http.clone(), stack.base.clone());
            tokio::spawn(async move {
                let (mut ok, mut failed, mut first) = (0u64, 0u64, None);
                let mut latency = load::histogram();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match flows::login(&http, &base).await {
                        Ok(_) => {
                            ok += 1;
                            let _ = latency.record(t.elapsed().as_micros().max(1) as u64);
                        }
                        Err(e) => {
                            failed += 1;
                            first.get_or_insert(e);
                        }
                    }
                }
                (ok, failed, first, latency)
            })
        })
        .collect();
    let (mut ok, mut failed, mut first, mut latency) = (0, 0, None, load::histogram());
    for t in tasks {
        let (o, f, e, l) = t.await.map_err(|e| e.to_string())?;
        ok += o;
        failed += f;
        first = first.or(e);
        let _ = latency.add(&l);
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!("logins      {:.0}/s ({ok} in {elapsed:.1} s, {failed} failed)", ok as f64 / elapsed);
    Ok(json!({
        "concurrency": concurrency,
        "completed": ok,
        "errors": failed,
        "first_error": first,
        "per_second": ok as f64 / elapsed,
        "p50_ms": latency.value_at_quantile(0.5) as f64 / 1000.0,
        "p99_ms": latency.value_at_quantile(0.99) as f64 / 1000.0,
    }))
}
