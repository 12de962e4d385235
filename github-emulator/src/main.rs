//! `github-emulator` binary: serves an emulator on a loopback address until
//! Ctrl-C and prints how to reach it (one `key=value` per line on stdout).

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use github_emulator::{EmulatorConfig, User};

const USAGE: &str = "usage: github-emulator [--bind 127.0.0.1:PORT] [--expiring] [--user LOGIN] \
[--api-prefix PREFIX] [--latency-ms N]

  --bind ADDR         loopback address to listen on (default 127.0.0.1:0, a free port)
  --expiring          GitHub App mode: expiring ghu_ tokens with ghr_ refresh tokens
  --user LOGIN        the user the authorize page approves as (added if unknown)
  --api-prefix P      path of the REST API (default /api/v3; \"\" for the root)
  --latency-ms N      delay added to every API response";

struct Args {
    bind: SocketAddr,
    user: Option<String>,
    config: EmulatorConfig,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed =
        Args { bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), user: None, config: EmulatorConfig::default() };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--bind" => {
                let v = value("--bind")?;
                parsed.bind = v.parse().map_err(|e| format!("--bind {v}: {e}"))?;
            }
            "--expiring" => parsed.config.expiring_tokens = true,
            "--user" => parsed.user = Some(value("--user")?),
            "--api-prefix" => parsed.config.api_prefix = value("--api-prefix")?,
            "--latency-ms" => {
                let v = value("--latency-ms")?;
                let ms = v.parse().map_err(|e| format!("--latency-ms {v}: {e}"))?;
                parsed.config.latency = Duration::from_millis(ms);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !parsed.bind.ip().is_loopback() {
        return Err(format!("refusing to bind {}: loopback addresses only", parsed.bind));
    }
    if let Some(login) = &parsed.user {
        let users = &mut parsed.config.users;
        if !users.iter().any(|u| u.login.eq_ignore_ascii_case(login)) {
            let id = users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
            users.push(User::new(id, login.clone()));
        }
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("github-emulator: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    let emulator = match github_emulator::start_on(args.bind, args.config).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("github-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(login) = &args.user {
        emulator.set_login_user(login);
    }
    println!("base_url={}", emulator.base_url());
    println!("api_url={}", emulator.api_url());
    println!("client_id={}", emulator.client_id());
    println!("client_secret={}", emulator.client_secret());
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("github-emulator: cannot wait for Ctrl-C: {e}");
    }
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_flags_and_refuses_public_binds() {
        let args = parse(&["--bind", "127.0.0.1:9999", "--expiring", "--user", "mona"]);
        let args = args.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(args.bind.port(), 9999);
        assert!(args.config.expiring_tokens);
        assert!(args.config.users.iter().any(|u| u.login == "mona"));
        assert!(parse(&["--bind", "0.0.0.0:80"]).is_err());
        assert!(parse(&["--bind"]).is_err());
        assert!(parse(&["--what"]).is_err());
    }
}
