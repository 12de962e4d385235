//! Property tests of the parsers and validators that see hostile input: for arbitrary input they
//! never panic, and what they accept keeps its invariants. A short run in every `cargo test`;
//! `PROPTEST_CASES=200000 cargo test -p mcp-github-gateway proptests` for a long one.

use proptest::prelude::*;
use serde_json::json;

use crate::oauth::{authorize::single_params, client, pkce, redirect, scope};

/// Strings biased toward what the parsers care about.
fn uri_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "(https?|javascript|data|cursor|HTTP)://[a-zA-Z0-9.@:%#?/\\\\ \\t\\n\\-_*\\[\\]]{0,40}",
        "http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?/[a-z/.%]{0,20}(\\?[a-z=&]{0,10})?(#[a-z]{0,5})?",
    ]
}

proptest! {
    #[test]
    fn redirect_validation_never_panics_and_accepts_only_safe_forms(raw in uri_like()) {
        if let Ok(url) = redirect::validate(&raw) {
            prop_assert!(matches!(url.scheme(), "https" | "http"));
            prop_assert!(url.fragment().is_none() && url.username().is_empty() && url.password().is_none());
            prop_assert!(!raw.chars().any(|c| c.is_control() || c.is_whitespace()));
            if url.scheme() == "http" {
                prop_assert!(matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")) || url.host_str().is_some_and(|h| h.starts_with("127.")));
            }
            // An accepted URI matches itself exactly.
            prop_assert!(redirect::matches(&raw, &raw));
        }
    }

    #[test]
    fn redirect_matching_never_matches_a_different_https_uri(a in uri_like(), b in uri_like()) {
        if a != b && redirect::matches(&a, &b) {
            // Only loopback http may differ, and then only in the port.
            let (ua, ub) = (url::Url::parse(&a).unwrap(), url::Url::parse(&b).unwrap());
            prop_assert_eq!(ua.scheme(), "http");
            prop_assert_eq!((ua.host_str(), ua.path(), ua.query()), (ub.host_str(), ub.path(), ub.query()));
        }
    }

    #[test]
    fn registration_metadata_never_panics(
        uris in proptest::collection::vec(uri_like(), 0..4),
        method in prop_oneof![Just(None), Just(Some("none".to_owned())), any::<String>().prop_map(Some)],
        name in proptest::option::of(any::<String>()),
        scope in proptest::option::of("[a-z: ]{0,30}"),
    ) {
        let body = json!({"redirect_uris": uris, "token_endpoint_auth_method": method, "client_name": name, "scope": scope});
        if let Ok((record, _)) = client::register(&body, 0, &Default::default()) {
            prop_assert!(!record.redirect_uris.is_empty());
            prop_assert!(record.redirect_uris.iter().all(|u| redirect::validate(u).is_ok()));
        }
    }

    #[test]
    fn form_and_query_parsing_never_panics_and_refuses_repeats(raw in "[a-z_=&%0-9+]{0,60}|\\PC{0,60}") {
        if let Ok(params) = single_params(&raw) {
            let names: Vec<String> = url::form_urlencoded::parse(raw.as_bytes()).map(|(k, _)| k.into_owned()).collect();
            prop_assert_eq!(params.len(), names.len(), "no parameter appears twice");
        }
    }

    #[test]
    fn pkce_and_scope_parsing_never_panic(verifier in any::<String>(), challenge in any::<String>(), scopes in any::<String>()) {
        let _ = pkce::verify(&verifier, &challenge);
        if let Ok(Some(parsed)) = scope::requested(Some(&scopes)) {
            // Only names this server defines, each once: the written form reads back as itself.
            prop_assert_eq!(scope::requested(Some(&parsed.to_string())).ok().flatten(), Some(parsed));
            prop_assert!(parsed.names().iter().all(|n| scopes.split(' ').any(|t| t == *n)));
        }
    }

    #[test]
    fn basic_client_credentials_never_panic(header in prop_oneof![any::<String>(), "Basic [A-Za-z0-9+/=]{0,40}"]) {
        let _ = client::Presented::parse_basic(Some(&header));
    }
}

#[test]
fn www_authenticate_challenges_stay_one_valid_header_for_any_description() {
    use axum::http::HeaderValue;
    let config = crate::config::for_tests();
    let mut runner = proptest::test_runner::TestRunner::default();
    runner
        .run(&any::<String>(), |description| {
            let value = crate::mcp::auth::challenge(
                &config,
                crate::oauth::scope::Scopes::ALL,
                Some(("invalid_token", &description)),
            );
            // Quotes and backslashes cannot break out of the quoted string.
            let inner = value.split("error_description=\"").nth(1).unwrap_or("");
            prop_assert!(!inner.trim_end_matches('"').contains('"'));
            // Either a valid header value, or refused (the middleware then omits it; never a panic).
            let _ = HeaderValue::from_str(&value);
            Ok(())
        })
        .unwrap();
}
