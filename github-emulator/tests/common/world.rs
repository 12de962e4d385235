//! Helpers for the tests of the seeded world: an emulator with tokens for
//! octocat and hubot, and short request helpers returning status, headers
//! and JSON.

use github_emulator::{Emulator, EmulatorConfig, start};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::client;

pub const C1: &str = "553c2077f0edc3d5dc5d17262f6aa498e69d6f8e";
pub const C2: &str = "762941318ee16e59dabbacb1b4049eec22f0d303";
pub const C3: &str = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d";
pub const F1: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

/// A started emulator and tokens: `octo` (octocat, `repo`), `hubot`
/// (hubot, `repo`), `octo_bare` (octocat, no scope).
pub struct World {
    pub emu: Emulator,
    pub api: String,
    pub octo: String,
    pub hubot: String,
    pub octo_bare: String,
}

/// What a request answered.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }
}

impl World {
    pub async fn start() -> Result<Self, Box<dyn std::error::Error>> {
        Self::start_with(EmulatorConfig::default()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Result<Self, Box<dyn std::error::Error>> {
        let emu = start(config).await?;
        let token = |login: &str, scope: &str| emu.mint_access_token(login, scope).ok_or("no user");
        Ok(Self {
            api: emu.api_url(),
            octo: token("octocat", "repo,read:org")?,
            hubot: token("hubot", "repo")?,
            octo_bare: token("octocat", "")?,
            emu,
        })
    }

    /// Sends `method path` (relative to the API) with an optional token,
    /// JSON body and extra headers.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, Box<dyn std::error::Error>> {
        let mut req = client().request(method, format!("{}{path}", self.api));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        Ok(Reply { status, headers, text: resp.text().await? })
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<Reply, Box<dyn std::error::Error>> {
        self.call(Method::GET, path, token, None, &[]).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> Result<Reply, Box<dyn std::error::Error>> {
        self.call(method, path, Some(token), Some(body), &[]).await
    }
}
