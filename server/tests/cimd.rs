//! Client ID Metadata Documents: a client whose client_id is an HTTPS URL signs in without
//! registering, and every rule of the fetch and of the document holds. The documents are served by a
//! local HTTPS server (`common/doc_server.rs`) whose CA the gateway trusts through test-only settings;
//! loopback is fetchable only where a test turns that allowance on.

mod common;
#[path = "common/doc_server.rs"]
mod doc_server;

use std::time::{Duration, Instant};

use common::{Browser, Harness, Pkce, REDIRECT, query_param};
use doc_server::{DocServer, Reply};
use github_emulator::EmulatorConfig;
use mcp_github_gateway::store::Namespace;
use reqwest::StatusCode;
use serde_json::{Value, json};

const DOC: &str = "/oauth/client.json";
const FETCH_TIMEOUT: Duration = Duration::from_secs(2);

/// A valid document for `id` whose only redirect URI is the harness's loopback `REDIRECT`.
fn doc(id: &str) -> Value {
    json!({"client_id": id, "client_name": "Doc Client", "redirect_uris": [REDIRECT],
           "token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"],
           "response_types": ["code"]})
}

fn doc_with(id: &str, field: &str, value: Value) -> Value {
    let mut d = doc(id);
    d[field] = value;
    d
}

/// The gateway, trusting the document server's CA, with loopback fetches allowed or not.
async fn gateway(
    docs: &DocServer,
    allow_loopback: bool,
    tweak: impl FnOnce(&mut mcp_github_gateway::config::RawConfig),
) -> Harness {
    let ca = docs.ca_pem.clone().into_bytes();
    Harness::start_configured(
        EmulatorConfig::default(),
        |raw| {
            raw.rate_limit_per_minute = Some("10000".into());
            tweak(raw);
        },
        |config| {
            config.cimd.extra_root_certs_pem = vec![ca];
            config.cimd.allow_loopback = allow_loopback;
            config.cimd.fetch_timeout = FETCH_TIMEOUT;
        },
    )
    .await
}

async fn setup() -> (Harness, DocServer) {
    let docs = DocServer::start().await;
    let h = gateway(&docs, true, |_| {}).await;
    (h, docs)
}

/// Undoes the HTML escaping of a rendered page, so messages can be searched as written.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/").replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

/// GET /authorize for `client_id`: must be an error page (400, never a redirect); returns its text.
async fn error_page(h: &Harness, client_id: &str) -> String {
    let url = h.authorize_url(client_id, &Pkce::new(), &[]);
    let resp = h.http.get(&url).send().await.unwrap();
    assert!(resp.headers().get("location").is_none(), "must not redirect for {client_id}");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{client_id}");
    unescape(&resp.text().await.unwrap())
}

/// GET /authorize for `client_id`: must be the consent page; returns its text.
async fn consent_page(h: &Harness, client_id: &str) -> String {
    let resp = Browser::new().get(&h.authorize_url(client_id, &Pkce::new(), &[])).await;
    let status = resp.status();
    let html = unescape(&resp.text().await.unwrap());
    assert_eq!(status, StatusCode::OK, "{client_id}: {html}");
    assert!(html.contains("csrf_token"), "a consent form: {html}");
    html
}

/// POST /token with an authorization_code grant for `client_id` and a made-up code.
async fn token_with(h: &Harness, client_id: &str) -> (StatusCode, Value) {
    h.token(&[
        ("grant_type", "authorization_code"),
        ("code", "not-a-code"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &Pkce::new().verifier),
        ("client_id", client_id),
    ])
    .await
}

#[tokio::test]
async fn a_metadata_url_client_signs_in_without_registering() {
    let (h, docs) = setup().await;
    let id = docs.url(DOC);
    docs.set(DOC, Reply::json(&doc(&id)).header("Cache-Control", "max-age=600"));

    let asm: Value =
        h.http.get(h.url("/.well-known/oauth-authorization-server")).send().await.unwrap().json().await.unwrap();
    assert_eq!(asm["client_id_metadata_document_supported"], true);

    // Authorize → consent (naming the verified host) → GitHub emulator → callback → back to the client.
    let browser = Browser::new();
    let pkce = Pkce::new();
    let url = h.authorize_url(&id, &pkce, &[]);
    let html = unescape(&browser.get(&url).await.text().await.unwrap());
    assert!(html.contains("Doc Client"), "{html}");
    let host = format!("127.0.0.1:{}", docs.addr.port());
    assert!(html.contains(&format!("Verified host: <strong class=\"host\">{host}</strong>")), "{html}");
    let back = browser.run_to_client(&url, REDIRECT).await;
    assert_eq!(query_param(&back, "iss").as_deref(), Some(h.base.as_str()));
    let code = query_param(&back, "code").expect("a code");

    let (status, tokens) = h.redeem(&id, &code, &pkce.verifier, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let session = h.mcp_session(access).await;
    let me = h.call_tool(access, &session, "get_me", json!({})).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert!(me.text.contains("octocat"), "{}", me.text);

    let (status, refreshed) = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &id),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    let revoke = h
        .http
        .post(h.url("/revoke"))
        .form(&[("token", refreshed["refresh_token"].as_str().unwrap()), ("client_id", &id)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);

    assert_eq!(h.state.records.store().count(Namespace::Client).await.unwrap(), 0, "nothing was registered");
    assert_eq!(docs.hits(DOC), 1, "one fetch served authorize, consent, token, refresh and revoke");
}

/// A client this project did not write: rmcp's OAuth client, given a metadata URL, sees the server
/// advertise support, skips registration and signs in with the URL as its client_id.
#[tokio::test]
async fn rmcp_signs_in_with_a_metadata_url_and_never_registers() {
    use rmcp::{
        ServiceExt,
        model::CallToolRequestParams,
        transport::{
            StreamableHttpClientTransport,
            auth::{AuthClient, AuthorizationManager, AuthorizationRequest, AuthorizationSession},
            streamable_http_client::StreamableHttpClientTransportConfig,
        },
    };
    let (h, docs) = setup().await;
    let id = docs.url(DOC);
    docs.set(DOC, Reply::json(&doc(&id)));
    let mcp = h.mcp_url();
    let mut manager = AuthorizationManager::new(mcp.as_str()).await.expect("manager");
    let metadata = manager.resolve_metadata().await.expect("discovery");
    manager.set_metadata(metadata.metadata);
    let session = AuthorizationSession::new(
        manager,
        AuthorizationRequest::new(REDIRECT).with_client_metadata_url(&id).with_client_name("would register"),
    )
    .await
    .map_err(|(_, e)| e)
    .expect("authorization URL");
    let callback = Browser::new().run_to_client(session.get_authorization_url(), REDIRECT).await;
    session.handle_callback_url(&callback).await.expect("code exchange");
    let client_id = session.auth_manager.get_credentials().await.map(|(id, _)| id).expect("client id");
    assert_eq!(client_id, id);

    let auth_client = AuthClient::new(reqwest::Client::new(), session.auth_manager);
    let transport = StreamableHttpClientTransport::with_client(
        auth_client,
        StreamableHttpClientTransportConfig::with_uri(mcp.as_str()),
    );
    let client = ().serve(transport).await.expect("initialize");
    let me = client.call_tool(CallToolRequestParams::new("get_me")).await.expect("get_me");
    assert_eq!(me.is_error, Some(false));
    client.cancel().await.expect("close");
    assert_eq!(h.state.records.store().count(Namespace::Client).await.unwrap(), 0, "rmcp did not register");
    assert_eq!(docs.hits(DOC), 1);
}

#[tokio::test]
async fn consent_shows_the_verified_host_and_warns_when_every_redirect_is_local() {
    let (h, docs) = setup().await;
    let warning = "Every address this application can return to is on this computer";
    let local = docs.url("/local.json");
    docs.set("/local.json", Reply::json(&doc(&local)));
    let html = consent_page(&h, &local).await;
    assert!(html.contains(warning), "{html}");
    assert!(html.contains(&format!("any program here can use 127.0.0.1:{}'s description", docs.addr.port())));

    let mixed = docs.url("/mixed.json");
    docs.set(
        "/mixed.json",
        Reply::json(&doc_with(&mixed, "redirect_uris", json!(["https://app.example/cb", REDIRECT]))),
    );
    let html = consent_page(&h, &mixed).await;
    assert!(!html.contains(warning), "one redirect URI is on the web: {html}");
    assert!(html.contains("This application receives the result on this computer"), "this request's is local");
    assert!(html.contains("Verified host:"));

    // A host name is resolved, vetted and pinned (here to loopback, which this test allows).
    let named = format!("https://localhost:{}/named.json", docs.addr.port());
    docs.set("/named.json", Reply::json(&doc(&named)));
    let html = consent_page(&h, &named).await;
    assert!(html.contains(&format!("Verified host: <strong class=\"host\">localhost:{}</strong>", docs.addr.port())));

    let registered = h.register_public().await;
    let html = consent_page(&h, &registered).await;
    assert!(!html.contains("Verified host") && !html.contains(warning), "registered clients are unchanged");
}

#[tokio::test]
async fn a_document_naming_another_client_id_is_refused() {
    let (h, docs) = setup().await;
    for (path, claimed) in [
        ("/a.json", "https://claude.ai/oauth/client.json".to_owned()),
        ("/b.json", docs.url("/b.json/")),
        ("/c.json", docs.url("/c.json").replace("https://", "HTTPS://")),
    ] {
        let id = docs.url(path);
        docs.set(path, Reply::json(&doc(&claimed)));
        let page = error_page(&h, &id).await;
        assert!(page.contains("differs from the URL it was fetched from"), "{page}");
        assert!(page.contains(&id), "the page names the document: {page}");
        let (status, body) = token_with(&h, &id).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "invalid_client");
        assert!(body["error_description"].as_str().unwrap().contains("differs from the URL"), "{body}");
    }
}

#[tokio::test]
async fn documents_over_5_kb_are_refused_however_they_are_sent() {
    let (h, docs) = setup().await;
    let padded = |id: &str, len: usize| {
        let mut body = doc(id).to_string().into_bytes();
        body.resize(len, b' ');
        body
    };
    let big = docs.url("/big.json");
    docs.set("/big.json", Reply::json(&json!({})).body(padded(&big, 7 * 1024)));
    let page = error_page(&h, &big).await;
    assert!(page.contains(&format!("the client metadata document at {big} is 7 KB; the limit is 5 KB")), "{page}");

    // No Content-Length: the limit is counted while the body streams in.
    let streamed = docs.url("/streamed.json");
    docs.set("/streamed.json", Reply::json(&json!({})).body(padded(&streamed, 64 * 1024)).chunked());
    let page = error_page(&h, &streamed).await;
    assert!(page.contains("is larger than 5 KB; the limit is 5 KB"), "{page}");

    // Exactly 5 KB is fine.
    let fits = docs.url("/fits.json");
    docs.set("/fits.json", Reply::json(&json!({})).body(padded(&fits, 5 * 1024)).chunked());
    consent_page(&h, &fits).await;
}

#[tokio::test]
async fn a_slow_document_server_times_out() {
    let (h, docs) = setup().await;
    let id = docs.url("/slow.json");
    docs.set("/slow.json", Reply::json(&doc(&id)).delay(FETCH_TIMEOUT * 3));
    let started = Instant::now();
    let page = error_page(&h, &id).await;
    assert!(started.elapsed() < FETCH_TIMEOUT * 2, "the deadline held: {:?}", started.elapsed());
    assert!(page.contains(&format!("did not arrive within {} seconds", FETCH_TIMEOUT.as_secs())), "{page}");
    assert_eq!(docs.hits("/slow.json"), 1);
}

#[tokio::test]
async fn loopback_private_and_metadata_addresses_are_never_fetched() {
    let docs = DocServer::start().await;
    let h = gateway(&docs, false, |_| {}).await;
    let port = docs.addr.port();
    docs.set(DOC, Reply::json(&doc(&docs.url(DOC))));
    for (id, addr) in [
        (docs.url(DOC), "127.0.0.1".to_owned()),
        (format!("https://localhost:{port}{DOC}"), String::new()),
        (format!("https://[::1]:{port}{DOC}"), "::1".to_owned()),
        ("https://10.0.0.1/client.json".to_owned(), "10.0.0.1".to_owned()),
        ("https://192.168.1.10/client.json".to_owned(), "192.168.1.10".to_owned()),
        ("https://169.254.169.254/latest/meta-data/client.json".to_owned(), "169.254.169.254".to_owned()),
        ("https://100.64.0.1/client.json".to_owned(), "100.64.0.1".to_owned()),
        ("https://[fd00::1]/client.json".to_owned(), "fd00::1".to_owned()),
        ("https://[::ffff:7f00:1]:1/client.json".to_owned(), "::ffff:127.0.0.1".to_owned()),
    ] {
        let page = error_page(&h, &id).await;
        assert!(page.contains(&format!("is on a non-public address ({addr}")), "{id}: {page}");
        assert!(page.contains("fetches documents from public addresses only"), "{page}");
        let (status, body) = token_with(&h, &id).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{body}");
    }
    assert_eq!(docs.total_hits(), 0, "no request reached the server");
}

#[tokio::test]
async fn redirects_from_the_document_url_are_not_followed() {
    let (h, docs) = setup().await;
    let target = docs.url(DOC);
    docs.set(DOC, Reply::json(&doc(&target)));
    for (path, status) in [("/moved.json", 302), ("/permanent.json", 308)] {
        docs.set(path, Reply::json(&json!({})).status(status).header("Location", &target));
        let page = error_page(&h, &docs.url(path)).await;
        assert!(page.contains(&format!("answered with a redirect (HTTP {status}); redirects are not followed")));
    }
    assert_eq!(docs.hits(DOC), 0, "the redirect target was never requested");
}

#[tokio::test]
async fn documents_with_secrets_or_secret_based_authentication_are_refused() {
    let (h, docs) = setup().await;
    let cases = [
        ("token_endpoint_auth_method", json!("client_secret_basic"), "must be none"),
        ("token_endpoint_auth_method", json!("client_secret_post"), "must be none"),
        ("token_endpoint_auth_method", json!("private_key_jwt"), "private_key_jwt is not supported"),
        ("client_secret", json!("hunter2"), "it carries `client_secret`"),
        ("client_secret_expires_at", json!(0), "it carries `client_secret_expires_at`"),
    ];
    for (i, (field, value, why)) in cases.into_iter().enumerate() {
        let path = format!("/secret-{i}.json");
        let id = docs.url(&path);
        docs.set(&path, Reply::json(&doc_with(&id, field, value)));
        let page = error_page(&h, &id).await;
        assert!(page.contains(why), "{field}: {page}");
        assert!(!page.contains("hunter2"));
    }
    // A valid public client that tries to authenticate with a secret anyway (Basic credentials are
    // form-encoded first, RFC 6749 §2.3.1).
    let id = docs.url(DOC);
    docs.set(DOC, Reply::json(&doc(&id)));
    let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let resp = h
        .http
        .post(h.url("/token"))
        .basic_auth(&encoded, Some("made-up-secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].as_str().unwrap().contains("must authenticate with none"), "{body}");
}

#[tokio::test]
async fn a_redirect_uri_the_document_does_not_list_shows_a_page_and_never_redirects() {
    let (h, docs) = setup().await;
    let id = docs.url(DOC);
    docs.set(DOC, Reply::json(&doc_with(&id, "redirect_uris", json!(["https://app.example/cb"]))));
    let page = error_page(&h, &id).await;
    assert!(page.contains(&format!("not one of the addresses this application's metadata document ({id}) lists")));

    for (path, redirect_uris, why) in [
        ("/none.json", json!(null), "it lists no `redirect_uris`"),
        ("/empty.json", json!([]), "it lists no `redirect_uris`"),
        ("/unusable.json", json!(["http://evil.example/cb"]), "none of its `redirect_uris` is acceptable"),
    ] {
        let id = docs.url(path);
        docs.set(path, Reply::json(&doc_with(&id, "redirect_uris", redirect_uris)));
        let page = error_page(&h, &id).await;
        assert!(page.contains(why), "{path}: {page}");
    }
}

#[tokio::test]
async fn documents_are_cached_within_bounds_and_failures_only_briefly() {
    let (h, docs) = setup().await;
    let serve = |path: &str, cache_control: Option<&str>| {
        let reply = Reply::json(&doc(&docs.url(path)));
        docs.set(
            path,
            match cache_control {
                Some(cc) => reply.header("Cache-Control", cc),
                None => reply,
            },
        );
        docs.url(path)
    };
    let ten_min = serve("/ten-minutes.json", Some("public, max-age=600"));
    let no_store = serve("/no-store.json", Some("no-store"));
    let forever = serve("/forever.json", Some("max-age=31536000"));
    let plain = serve("/plain.json", None);
    for id in [&ten_min, &no_store, &forever, &plain] {
        consent_page(&h, id).await;
        consent_page(&h, id).await;
    }
    let hits = || ["/ten-minutes.json", "/no-store.json", "/forever.json", "/plain.json"].map(|p| docs.hits(p));
    assert_eq!(hits(), [1, 1, 1, 1], "a second sign-in within the lifetime does not fetch");

    // no-store is kept the minimum of 60 s; no header means 5 minutes; max-age=600 is honoured;
    // a year is cut to one day.
    h.clock.advance(61);
    for id in [&ten_min, &no_store, &forever, &plain] {
        consent_page(&h, id).await;
    }
    assert_eq!(hits(), [1, 2, 1, 1]);
    h.clock.advance(300 - 61);
    for id in [&ten_min, &forever, &plain] {
        consent_page(&h, id).await;
    }
    assert_eq!(hits(), [1, 2, 1, 2]);
    h.clock.advance(301);
    consent_page(&h, &ten_min).await;
    consent_page(&h, &forever).await;
    assert_eq!(hits(), [2, 2, 1, 2]);
    h.clock.advance(86_400);
    consent_page(&h, &forever).await;
    assert_eq!(hits(), [2, 2, 2, 2], "at most one day");

    // A failure is answered again for 10 s without fetching, then the fixed document is used.
    let path = "/flaky.json";
    let id = docs.url(path);
    docs.set(path, Reply::json(&json!({})).status(503));
    assert!(error_page(&h, &id).await.contains("answered HTTP 503; it must answer 200"));
    docs.set(path, Reply::json(&doc(&id)));
    assert!(error_page(&h, &id).await.contains("answered HTTP 503"), "still the remembered failure");
    assert_eq!(docs.hits(path), 1);
    h.clock.advance(10);
    consent_page(&h, &id).await;
    assert_eq!(docs.hits(path), 2);
}

#[tokio::test]
async fn client_id_urls_must_be_https_with_a_path_and_nothing_hidden() {
    let (h, docs) = setup().await;
    let port = docs.addr.port();
    docs.set(DOC, Reply::json(&doc(&docs.url(DOC))));
    for (id, why) in [
        (format!("http://127.0.0.1:{port}{DOC}"), "it must use https"),
        (format!("https://127.0.0.1:{port}"), "it must contain a path"),
        (format!("https://127.0.0.1:{port}/"), "it must contain a path"),
        (format!("https://user@127.0.0.1:{port}{DOC}"), "user name or password"),
        (format!("https://user:pw@127.0.0.1:{port}{DOC}"), "user name or password"),
        (format!("https://127.0.0.1:{port}{DOC}#top"), "fragment"),
        (format!("https://127.0.0.1:{port}/oauth/../oauth/client.json"), ". or .. path segments"),
        (format!("https://127.0.0.1:{port}/oauth/./client.json"), ". or .. path segments"),
        (format!("HTTPS://127.0.0.1:{port}{DOC}"), "normalized form"),
    ] {
        let page = error_page(&h, &id).await;
        assert!(page.contains("the client_id URL is not acceptable: it ") && page.contains(why), "{id}: {page}");
    }
    assert_eq!(docs.total_hits(), 0, "no URL that breaks the rules is fetched");
}

#[tokio::test]
async fn non_200_non_json_and_malformed_documents_are_refused() {
    let (h, docs) = setup().await;
    let valid = |path: &str| Reply::json(&doc(&docs.url(path)));
    let cases = [
        ("/missing.json", valid("/missing.json").status(404), "answered HTTP 404; it must answer 200"),
        ("/accepted.json", valid("/accepted.json").status(201), "answered HTTP 201"),
        (
            "/html.json",
            valid("/html.json").header("Content-Type", "text/html"),
            "has Content-Type text/html; it must be application/json",
        ),
        ("/garbage.json", valid("/garbage.json").body("{not json"), "is not valid: it is not JSON"),
        ("/array.json", Reply::json(&json!([1, 2])), "it is not a JSON object"),
    ];
    for (path, reply, why) in cases {
        docs.set(path, reply);
        let page = error_page(&h, &docs.url(path)).await;
        assert!(page.contains(why), "{path}: {page}");
    }
    // A more specific JSON type, with parameters, is fine.
    let id = docs.url("/ld.json");
    docs.set("/ld.json", Reply::json(&doc(&id)).header("Content-Type", "application/ld+json; charset=utf-8"));
    consent_page(&h, &id).await;
}

#[tokio::test]
async fn cimd_can_be_turned_off() {
    let docs = DocServer::start().await;
    let h = gateway(&docs, true, |raw| raw.cimd_enabled = Some("false".into())).await;
    let id = docs.url(DOC);
    docs.set(DOC, Reply::json(&doc(&id)));
    let asm: Value =
        h.http.get(h.url("/.well-known/oauth-authorization-server")).send().await.unwrap().json().await.unwrap();
    assert_eq!(asm["client_id_metadata_document_supported"], false);
    assert!(error_page(&h, &id).await.contains("does not accept URLs as client_id"));
    let (status, body) = token_with(&h, &id).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    assert_eq!(docs.total_hits(), 0);
    // Registered clients are unaffected.
    h.login().await;
}

/// A document host that is down for a moment must not cost the user their sign-in: /token answers
/// 503 `temporarily_unavailable` (retry), not `invalid_client` (which makes clients drop their
/// tokens), and the same refresh token works once the document is back.
#[tokio::test]
async fn a_document_host_that_is_briefly_down_does_not_end_the_sign_in() {
    let (h, docs) = setup().await;
    let id = docs.url(DOC);
    docs.set(DOC, Reply::json(&doc(&id)).header("Cache-Control", "max-age=60"));
    let tokens = h.login_with(&id).await;
    h.clock.advance(61); // the cached document has expired
    for reply in [Reply::json(&json!({})).status(503), Reply::json(&json!({})).status(429)] {
        docs.set(DOC, reply);
        let (status, body) =
            h.token(&[("grant_type", "refresh_token"), ("refresh_token", &tokens.refresh), ("client_id", &id)]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable", "{body}");
        h.clock.advance(11); // past the brief memory of the failure
    }
    // A document that is really wrong is still invalid_client.
    docs.set(DOC, Reply::json(&doc("https://elsewhere.example/client.json")));
    let (status, body) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &tokens.refresh), ("client_id", &id)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{body}");
    h.clock.advance(11);
    docs.set(DOC, Reply::json(&doc(&id)));
    let (status, body) =
        h.token(&[("grant_type", "refresh_token"), ("refresh_token", &tokens.refresh), ("client_id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "the same refresh token works again: {body}");
}

/// Consent is not remembered for a metadata-document client whose redirect URIs are all on the
/// user's device: any program there can present its public document, so the page with the warning
/// is shown every time. Other clients keep remembered consent.
#[tokio::test]
async fn consent_for_a_local_only_document_client_is_asked_every_time() {
    let (h, docs) = setup().await;
    let local = docs.url("/local.json");
    docs.set("/local.json", Reply::json(&doc(&local)));
    let mixed = docs.url("/mixed.json");
    docs.set(
        "/mixed.json",
        Reply::json(&doc_with(&mixed, "redirect_uris", json!(["https://app.example/cb", REDIRECT]))),
    );
    for (id, remembered) in [(&local, false), (&mixed, true)] {
        let browser = Browser::new();
        let url = h.authorize_url(id, &Pkce::new(), &[]);
        browser.run_to_client(&url, REDIRECT).await; // approves the consent page
        let again = browser.get(&h.authorize_url(id, &Pkce::new(), &[])).await;
        if remembered {
            assert!(again.status().is_redirection(), "{id}: straight to GitHub");
        } else {
            assert_eq!(again.status(), StatusCode::OK, "{id}: the consent page again");
            assert!(again.text().await.unwrap().contains("Every address this application can return to"));
        }
    }
}
