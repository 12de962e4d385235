//! The benchmark's smoke mode (what CI runs): a seconds-long pass over every part, which must finish
//! without a failed request and write results with every figure the README reports.

use std::process::Command;

#[test]
fn smoke_run_measures_every_part() {
    let out_dir = std::env::temp_dir().join(format!("gateway-bench-smoke-{}", std::process::id()));
    let json = out_dir.join("results.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gateway-bench"));
    cmd.args(["--smoke", "--json"]).arg(&json);
    let mut storages = vec!["memory", "sqlite"];
    if std::env::var("REDIS_URL").is_ok_and(|u| !u.is_empty()) {
        storages.push("redis");
    }
    cmd.args(["--storage", &storages.join(",")]);
    // The gateway binary of this build, when cargo has built it (it has for the server's own tests).
    let gateway = std::path::Path::new(env!("CARGO_BIN_EXE_gateway-bench")).with_file_name("mcp-github-gateway");
    if gateway.exists() {
        cmd.arg("--gateway-bin").arg(&gateway);
    }
    let out = cmd.output().expect("run gateway-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("targets:") && stdout.contains("tools/list"), "{stdout}");

    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("results written")).expect("results are JSON");
    let runs = results["storages"].as_array().expect("storages");
    assert_eq!(runs.len(), storages.len());
    for run in runs {
        for level in run["tools_list"]["levels"].as_array().expect("levels") {
            assert!(level["gateway"]["requests"].as_u64() > Some(0), "{level}");
            assert!(level["ceiling"]["requests"].as_u64() > Some(0), "{level}");
        }
        assert_eq!(run["tools_list"]["github_calls"], 0, "tools/list never calls GitHub");
        for era in ["legacy", "stateless"] {
            assert!(run["get_me"][era]["end_to_end"]["requests"].as_u64() > Some(0), "{}", run["get_me"]);
            assert_eq!(run["get_me"][era]["end_to_end"]["errors"], 0, "{}", run["get_me"]);
        }
        let others = run["tools_list"]["others"].as_array().expect("ping and 2026-07-28 rows");
        assert_eq!(others.len(), 3, "{others:?}");
        for o in others {
            for level in o["levels"].as_array().unwrap() {
                assert!(level["gateway"]["requests"].as_u64() > Some(0), "{o}");
                assert_eq!(level["gateway"]["errors"], 0, "{o}");
            }
        }
        for mode in ["off", "on"] {
            let l = &run["lockdown"][mode];
            assert!(l["end_to_end"]["requests"].as_u64() > Some(0), "{l}");
            assert_eq!(l["end_to_end"]["errors"], 0, "{l}");
        }
        // Lockdown checks hubot once (the owner's comments need none); the cache answers the rest.
        assert_eq!(run["lockdown"]["off"]["lockdown_checks"], 0, "{}", run["lockdown"]);
        assert!(run["lockdown"]["on"]["lockdown_checks"].as_u64() <= Some(2), "{}", run["lockdown"]);
        assert!(run["logins"]["completed"].as_u64() > Some(0));
        assert!(run["soak"]["requests"].as_u64() > Some(0), "{}", run["soak"]);
        assert_eq!(run["soak"]["without_response"], 0, "{}", run["soak"]);
    }
    if gateway.exists() {
        let memory = &results["idle_sessions"];
        let churn = memory["churn"].as_array().expect("churn");
        assert_eq!(churn.len(), 3, "{memory}");
        assert!(churn.iter().all(|p| p["rss_bytes"].as_u64() > Some(0)), "{memory}");
        assert_eq!(memory["errors"], 0, "{memory}");
        assert!(results["startup"]["p50_ms"].as_f64() > Some(0.0), "{}", results["startup"]);
    }
    let _ = std::fs::remove_dir_all(out_dir);
}
