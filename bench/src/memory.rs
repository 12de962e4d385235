//! Part 4, memory as an operator sees it: the release binary runs as a child process with default
//! settings (SQLite storage, here on a RAM disk so that syncs cost nothing) except the session caps,
//! and its resident set is read from `/proc/PID/status`, with nothing trimmed.
//!
//! - **Churn:** three batches of legacy sessions, each followed by the idle period after which idle
//!   sessions no longer count as active (`SESSION_MEMORY_SECS`); RSS just after each batch and after its
//!   idle period. The cost of an active session is the first batch's growth over the baseline; the
//!   ratchet is the RSS after the third idle period over the RSS after the first.
//! - **Many idle sessions:** more batches up to the largest count, all idle (in storage, restorable).

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use github_emulator::{EmulatorConfig, User};
use serde_json::{Value, json};

use crate::{Args, flows, setup::TempDir};

/// `SESSION_MEMORY_SECS` of the child: longer than a batch takes to open, so that a whole batch is
/// active when it is measured, and short enough to wait for (the default, 120 s, behaves the
/// same, later). Smoke runs use 2 s.
fn session_memory(args: &Args) -> Duration {
    Duration::from_secs(if args.smoke { 2 } else { 10 })
}
/// Users whose sessions the batches spread over, each under `MAX_SESSIONS_PER_USER`.
const USERS: usize = 200;
const PER_USER_CAP: usize = 1000;

/// The child gateway; killed on drop.
struct Gateway {
    child: Child,
    base: String,
    _dir: TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    fn rss(&self) -> u64 {
        rss_of(self.child.id()).unwrap_or(0)
    }

    /// The sessions active on the gateway now (`mcp_gateway_mcp_sessions` in `/metrics`).
    async fn live_sessions(&self, http: &reqwest::Client) -> u64 {
        let Ok(resp) = http.get(format!("{}/metrics", self.base)).send().await else { return 0 };
        let text = resp.text().await.unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("mcp_gateway_mcp_sessions "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }
}

/// The resident set of process `pid` in bytes, as `/proc/PID/status` reports it.
pub fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 =
        status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

async fn spawn(
    bin: &std::path::Path,
    emulator: &github_emulator::Emulator,
    session_memory: Duration,
) -> Result<Gateway, String> {
    // A RAM disk where there is one: SQLite's syncs would otherwise time the disk, not the gateway.
    let root = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let dir = TempDir(root.join(format!("gateway-bench-memory-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).map_err(|e| e.to_string())?;
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PUBLIC_URL", &base)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("GITHUB_CLIENT_ID", emulator.client_id())
        .env("GITHUB_CLIENT_SECRET", emulator.client_secret())
        .env("GITHUB_BASE_URL", emulator.base_url())
        .env("GITHUB_API_URL", emulator.api_url())
        .env("SESSION_MEMORY_SECS", session_memory.as_secs().to_string())
        // The session caps, raised for the batches; and the load's one source address.
        .env("MAX_SESSIONS", "1000000")
        .env("MAX_SESSIONS_PER_USER", PER_USER_CAP.to_string())
        .env("RATE_LIMIT_PER_MINUTE", "100000")
        .env("MAX_CONNECTIONS_PER_IP", "0")
        .env("RUST_LOG", "warn")
        .current_dir(&dir.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let gateway = Gateway { child, base, _dir: dir };
    let http = flows::client();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if http.get(format!("{}/healthz", gateway.base)).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(gateway);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Err("the gateway binary did not answer /healthz within 20 s".into())
}

/// Opens sessions until `target` exist in all, spread over `tokens`; returns the failures.
async fn open_sessions(
    http: &reqwest::Client,
    base: &str,
    tokens: &Arc<Vec<String>>,
    from: usize,
    target: usize,
) -> u64 {
    let next = Arc::new(AtomicUsize::new(from));
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let (http, base, tokens, next) = (http.clone(), base.to_owned(), tokens.clone(), next.clone());
            tokio::spawn(async move {
                let mut failed = 0u64;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= target {
                        break failed;
                    }
                    if flows::session(&http, &base, &tokens[i % tokens.len()]).await.is_err() {
                        failed += 1;
                    }
                }
            })
        })
        .collect();
    let mut failed = 0;
    for w in workers {
        failed += w.await.unwrap_or(1);
    }
    failed
}

pub async fn run(args: &Args, servers: &tokio::runtime::Runtime) -> Result<Value, String> {
    let bin = match crate::report::gateway_binary(args) {
        Ok(b) => b,
        Err(why) => return Ok(json!({"skipped": why})),
    };
    let emulator = servers
        .spawn(async {
            let mut config = EmulatorConfig { latency: Duration::ZERO, check_responses: false, ..Default::default() };
            for i in 1..USERS {
                config.users.push(User::new(2_000_000 + i as u64, format!("memory-user-{i}")));
            }
            github_emulator::start(config).await.map_err(|e| format!("emulator: {e}"))
        })
        .await
        .map_err(|e| e.to_string())??;
    let memory_secs = session_memory(args);
    let gateway = spawn(&bin, &emulator, memory_secs).await?;
    let http = flows::client();
    let mut tokens = Vec::new();
    for i in 0..USERS {
        emulator.set_login_user(&if i == 0 { "octocat".to_owned() } else { format!("memory-user-{i}") });
        tokens.push(flows::login(&http, &gateway.base).await?.access);
    }
    let tokens = Arc::new(tokens);
    let batch = if args.smoke { 200 } else { 10_000 };
    let most = if args.smoke { 800 } else { 100_000 };
    let wait = memory_secs + Duration::from_millis(1500);
    tokio::time::sleep(wait).await;
    let baseline = gateway.rss();
    eprintln!("memory: {} → RSS {:.1} MiB after {USERS} logins", bin.display(), baseline as f64 / 1048576.0);
    let (mut created, mut errors, mut churn, mut points) = (0, 0, Vec::new(), Vec::new());
    while created < most {
        let target = (created + batch).min(most);
        errors += open_sessions(&http, &gateway.base, &tokens, created, target).await;
        created = target;
        let fresh = gateway.rss();
        let in_memory = gateway.live_sessions(&http).await;
        tokio::time::sleep(wait).await;
        let idle = gateway.rss();
        eprintln!(
            "sessions {created:>7} → RSS {:.1} MiB just opened ({in_memory} active), {:.1} MiB once idle ({} active)",
            fresh as f64 / 1048576.0,
            idle as f64 / 1048576.0,
            gateway.live_sessions(&http).await
        );
        let point = json!({"sessions": created, "rss_bytes": idle, "fresh_rss_bytes": fresh, "in_memory": in_memory});
        if churn.len() < 3 {
            churn.push(point.clone());
        }
        if created == batch || created == most || created % (batch * 5) == 0 {
            points.push(point);
        }
    }
    emulator.shutdown().await;
    let rss = |p: &Value, k: &str| p[k].as_u64().unwrap_or(0);
    // Per active session: the first batch's growth over the baseline, divided by the sessions the
    // gateway reported holding at that moment.
    let in_memory = churn
        .first()
        .map_or(0.0, |p| rss(p, "fresh_rss_bytes").saturating_sub(baseline) as f64 / rss(p, "in_memory").max(1) as f64);
    let ratchet = match (churn.first(), churn.get(2)) {
        (Some(a), Some(c)) if rss(a, "rss_bytes") > 0 => rss(c, "rss_bytes") as f64 / rss(a, "rss_bytes") as f64,
        _ => f64::NAN,
    };
    let idle_most = points.last().map_or(0, |p| rss(p, "rss_bytes"));
    Ok(json!({
        "binary": bin.display().to_string(),
        "baseline_rss_bytes": baseline,
        "batch": batch,
        "churn": churn,
        "points": points,
        "bytes_per_session_in_memory": in_memory,
        "ratchet_after_three_batches": ratchet,
        "most_sessions": most,
        "rss_with_most_idle_bytes": idle_most,
        "bytes_per_idle_session": idle_most.saturating_sub(baseline) as f64 / most as f64,
        "session_memory_secs": memory_secs.as_secs(),
        "errors": errors,
    }))
}
