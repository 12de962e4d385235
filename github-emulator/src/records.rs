//! What the emulator saw, kept for test assertions: one record per
//! authorize request, token request and API request.

use std::collections::VecDeque;

/// One `GET /login/oauth/authorize` request, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeRecord {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    /// The `login` hint, if any.
    pub login: Option<String>,
}

/// One `POST /login/oauth/access_token` request and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRecord {
    /// The `grant_type` sent, or `"authorization_code"` when absent (GitHub
    /// does not require it for code exchange).
    pub grant_type: String,
    /// The client id presented (Basic auth or body).
    pub client_id: Option<String>,
    /// Whether the client authenticated with HTTP Basic.
    pub used_basic_auth: bool,
    /// Whether a `code_verifier` was sent.
    pub had_code_verifier: bool,
    /// `None` when the code had no PKCE challenge (or was never reached),
    /// otherwise whether the verifier matched it.
    pub pkce_ok: Option<bool>,
    /// Whether the request asked for JSON (`Accept: application/json`).
    pub accept_json: bool,
    /// `"ok"` or the GitHub error code answered (e.g. `bad_verification_code`).
    pub outcome: String,
}

/// One request to the REST API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiRecord {
    pub method: String,
    /// Path after the API prefix, without the query.
    pub path: String,
    pub query: Option<String>,
    /// The token presented in `Authorization`, if any.
    pub token: Option<String>,
    /// Whether that token was issued by this emulator (even if since revoked
    /// or expired). `false` when no token was sent.
    pub token_known: bool,
    /// The status answered.
    pub status: u16,
}

/// One request to the MCP endpoint (`/mcp`, GitHub's remote MCP server).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct McpRecord {
    /// `POST`, `GET` or `DELETE`.
    pub http_method: String,
    /// The JSON-RPC method, for a POST whose body named one.
    pub method: Option<String>,
    /// The token presented in `Authorization`, if any.
    pub token: Option<String>,
    /// Whether that token was issued by this emulator. `false` when none was sent.
    pub token_known: bool,
    /// Every request header, lower-case names, in arrival order (to prove what was forwarded).
    pub headers: Vec<(String, String)>,
    /// The status answered.
    pub status: u16,
}

/// How many records of each kind are kept; older ones are dropped so long
/// benchmarks do not grow without bound.
pub(crate) const RECORD_CAP: usize = 100_000;

/// All records, in arrival order, at most [`RECORD_CAP`] of each kind.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub authorize: VecDeque<AuthorizeRecord>,
    pub token: VecDeque<TokenRecord>,
    pub api: VecDeque<ApiRecord>,
    pub mcp: VecDeque<McpRecord>,
    /// The documents (queries and mutations) sent to the GraphQL endpoint, in order.
    pub graphql: VecDeque<String>,
    /// API and MCP requests with a token the emulator never issued (not capped).
    pub foreign_tokens: usize,
}

impl Records {
    pub fn push_authorize(&mut self, record: AuthorizeRecord) {
        push_capped(&mut self.authorize, record);
    }

    pub fn push_graphql(&mut self, document: String) {
        push_capped(&mut self.graphql, document);
    }

    pub fn push_token(&mut self, record: TokenRecord) {
        push_capped(&mut self.token, record);
    }

    pub fn push_mcp(&mut self, record: McpRecord) {
        if record.token.is_some() && !record.token_known {
            self.foreign_tokens += 1;
        }
        push_capped(&mut self.mcp, record);
    }

    pub fn push_api(&mut self, record: ApiRecord) {
        if record.token.is_some() && !record.token_known {
            self.foreign_tokens += 1;
        }
        push_capped(&mut self.api, record);
    }
}

fn push_capped<T>(queue: &mut VecDeque<T>, record: T) {
    if queue.len() >= RECORD_CAP {
        queue.pop_front();
    }
    queue.push_back(record);
}
