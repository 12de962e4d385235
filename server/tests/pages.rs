//! Every page in a real browser: headless Chromium (Debian `chromium`) loads each one from a running
//! gateway, and the test fails on any console message (script errors, uncaught exceptions and CSP
//! violations all land there; the pages log nothing on purpose), on a DOM without the expected
//! content or without the mark the page script leaves when it runs, and on a missing screenshot.
//!
//! Screenshots go to `target/screenshots/` (ignored by git). Without `chromium` the tests are skipped,
//! except in CI (`CI` set), where they fail.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use common::{Browser, ConsentForm, Harness, Pkce};
use github_emulator::EmulatorConfig;
use mcp_github_gateway::{http::health, web::Templates};
use reqwest::StatusCode;

/// One Chromium at a time: the machine may have two cores, and each instance wants both.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The browser binary: `CHROMIUM`, or `chromium` / `chromium-browser` on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "chromium must be installed in CI (.ci/run installs it)");
        eprintln!("skipped: install Debian's `chromium` to run the browser tests");
    }
    found
}

/// `target/screenshots/` next to this test binary (`target/debug/deps/pages-…`).
fn screenshot_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe.ancestors().nth(3).expect("target directory").to_path_buf();
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

struct Rendered {
    /// The DOM after load, scripts run (`--dump-dom`).
    dom: String,
    screenshot: PathBuf,
}

/// Loads `url` in a fresh headless Chromium; fails on any console message or a missing screenshot.
async fn render(chromium: &Path, name: &str, url: &str, extra: &[&str]) -> Rendered {
    let _one = ONE_AT_A_TIME.lock().await;
    let profile = common::temp_dir(&format!("chromium-{name}"));
    let screenshot = screenshot_dir().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&screenshot);
    let mut cmd = tokio::process::Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,900",
        "--dump-dom",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--screenshot={}", screenshot.display()))
    .args(extra)
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    let child = cmd.spawn().expect("chromium starts");
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{name}: chromium did not finish within 60 s"))
        .expect("chromium output");
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{name}: chromium failed ({}):\n{stderr}", out.status);
    // `[pid:tid:time:INFO:CONSOLE:12] "message", source: …` (older builds: `CONSOLE(12)`). Chromium
    // logs every console level alike, so any console line fails; CSP reports also come this way.
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("CONSOLE(")
                || l.contains("Refused to")
                || l.contains("Content Security Policy")
        })
        .collect();
    assert!(console.is_empty(), "{name}: the page logged to the console:\n{}", console.join("\n"));
    let size = std::fs::metadata(&screenshot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 1000, "{name}: no screenshot at {} ({size} bytes):\n{stderr}", screenshot.display());
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    // The page script ran (it is allowed by its hash, not blocked by the CSP).
    assert!(dom.contains("<html lang=\"en\" data-js=\"on\">"), "{name}: the page script did not run:\n{dom}");
    Rendered { dom, screenshot }
}

/// Serves one captured response (status, the page headers and body) on 127.0.0.1:0, for pages a
/// fresh browser cannot reach by itself (they need the scripted browser's cookies).
async fn replay(status: StatusCode, headers: &reqwest::header::HeaderMap, body: String) -> (String, Replay) {
    let mut keep = axum::http::HeaderMap::new();
    for name in [
        "content-type",
        "content-security-policy",
        "x-frame-options",
        "referrer-policy",
        "x-content-type-options",
        "cache-control",
    ] {
        if let Some(v) = headers.get(name) {
            keep.insert(name, v.clone());
        }
    }
    let app = axum::Router::new().fallback(move || {
        let (keep, body) = (keep.clone(), body.clone());
        async move { (status, keep, body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, Replay(task))
}

struct Replay(tokio::task::JoinHandle<()>);

impl Drop for Replay {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn capture(resp: reqwest::Response) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.text().await.expect("body"))
}

#[tokio::test]
async fn the_landing_page_renders_and_its_copy_buttons_are_wired() {
    let Some(chromium) = chromium() else { return };
    let h = Harness::start().await;
    let page = render(&chromium, "landing", &h.url("/"), &[]).await;
    let dom = page.dom.replace("&amp;", "&");
    assert!(dom.contains(&format!("<pre class=\"url\" id=\"mcp-url\">{}</pre>", h.mcp_url())), "{dom}");
    assert!(dom.contains(&format!("claude mcp add --transport http github {}", h.mcp_url())));
    assert!(dom.contains("mcp-remote") && dom.contains("\"mcpServers\""));
    // Five copy buttons, each shown and given its listener by the script.
    assert_eq!(dom.matches("data-ready=\"true\"").count(), 5, "{dom}");
    assert!(!dom.contains("hidden=\"\""), "every copy button is shown once the script runs: {dom}");
    assert!(!dom.contains("Demo mode"));
    eprintln!("screenshot: {}", page.screenshot.display());
}

#[tokio::test]
async fn the_landing_page_in_dark_mode() {
    let Some(chromium) = chromium() else { return };
    let h = Harness::start().await;
    let page = render(&chromium, "landing-dark", &h.url("/"), &["--force-dark-mode"]).await;
    assert!(page.dom.contains("id=\"mcp-url\""));
}

#[tokio::test]
async fn the_landing_page_on_a_phone() {
    let Some(chromium) = chromium() else { return };
    let h = Harness::start().await;
    // A later `--window-size` wins over the default one.
    let page = render(&chromium, "landing-phone", &h.url("/"), &["--window-size=390,844"]).await;
    let png = std::fs::read(&page.screenshot).expect("screenshot");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("PNG header"));
    assert_eq!(width, 390, "the screenshot is phone-sized");
    assert!(page.dom.contains("id=\"mcp-url\""));
}

#[tokio::test]
async fn the_consent_page_renders() {
    let Some(chromium) = chromium() else { return };
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let page = render(&chromium, "consent", &h.authorize_url(&client_id, &Pkce::new(), &[]), &[]).await;
    assert!(page.dom.contains("Authorize Test Client?"), "{}", page.dom);
    assert!(page.dom.contains("name=\"csrf_token\"") && page.dom.contains("value=\"approve\""));
}

#[tokio::test]
async fn the_error_page_renders() {
    let Some(chromium) = chromium() else { return };
    let h = Harness::start().await;
    let url = h.url("/authorize?response_type=code&client_id=no-such-client");
    let page = render(&chromium, "error", &url, &[]).await;
    assert!(page.dom.contains("This sign-in request is not valid"), "{}", page.dom);
}

/// A bad request from a registered client is a page too (never a redirect), naming the problem.
#[tokio::test]
async fn the_bad_request_page_renders() {
    let Some(chromium) = chromium() else { return };
    let h = Harness::start().await;
    let client_id = h.register_public().await;
    let url = h
        .authorize_url(&client_id, &Pkce::new(), &[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let page = render(&chromium, "bad-request", &url, &[]).await;
    assert!(page.dom.contains("code_challenge_method must be S256 (invalid_request)"), "{}", page.dom);
}

#[tokio::test]
async fn the_signed_in_page_renders() {
    let Some(chromium) = chromium() else { return };
    let cursor = "cursor://anysphere.cursor-mcp/oauth/callback";
    let h =
        Harness::start_with(EmulatorConfig::default(), |c| c.allowed_redirect_schemes = Some("cursor".into())).await;
    let reg = h
        .register(serde_json::json!({"redirect_uris": [cursor], "token_endpoint_auth_method": "none",
            "client_name": "Cursor"}))
        .await;
    let url = h.authorize_url(reg["client_id"].as_str().unwrap(), &Pkce::new(), &[]).replace(
        &common::REDIRECT.replace(':', "%3A").replace('/', "%2F"),
        &cursor.replace(':', "%3A").replace('/', "%2F"),
    );
    // The scripted browser holds the cookies the callback checks; the page it gets is replayed.
    let browser = Browser::new();
    let form = ConsentForm::parse(&browser.get(&url).await.text().await.unwrap()).expect("consent page");
    let to_github = browser.submit(&form, "approve").await.headers()["location"].to_str().unwrap().to_owned();
    let (status, headers, body) = capture(browser.until_page(&to_github).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (base, _server) = replay(status, &headers, body).await;
    let page = render(&chromium, "signed-in", &base, &[]).await;
    assert!(page.dom.contains("Signed in to <strong>Cursor</strong> as <strong>@octocat</strong>"), "{}", page.dom);
    assert!(page.dom.contains(&format!("id=\"return\" href=\"{cursor}?code=")), "{}", page.dom);
}

#[tokio::test]
async fn demo_pages_say_so() {
    let Some(chromium) = chromium() else { return };
    // The real landing page of a running gateway, rendered by templates marked as a demo.
    let h = Harness::start().await;
    let templates = Templates::new().expect("templates").with_demo(true);
    let resp = templates.render("landing.html", health::landing_context(&h.state.config));
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20).await.expect("body");
    let (base, _server) = replay(status, &headers, String::from_utf8(body.to_vec()).expect("utf-8")).await;
    let page = render(&chromium, "demo-landing", &base, &[]).await;
    assert!(page.dom.contains("id=\"demo-banner\""), "{}", page.dom);
    assert!(page.dom.contains("Demo mode") && page.dom.contains("not github.com"));
    assert!(page.dom.contains("MCP GitHub Gateway (demo)</title>"));
}
