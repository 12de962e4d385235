// The TypeScript MCP SDK (@modelcontextprotocol/sdk), unmodified, against the gateway: discovery,
// dynamic registration, PKCE, consent (played by ../python/browser.py), GitHub (the emulator), token;
// then tools/list and get_me; then a refresh by the SDK itself after its access token stops working.
// Prints one JSON line with what it saw; exits non-zero on failure.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";

const MCP_URL = new URL(process.argv[2]);
const REDIRECT = "http://127.0.0.1:7780/callback";
const BROWSER = fileURLToPath(new URL("../python/browser.py", import.meta.url));

class Provider {
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return {
      client_name: "typescript sdk e2e",
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() { return this.client; }
  saveClientInformation(info) { this.client = info; }
  tokens() { return this.savedTokens; }
  saveTokens(tokens) { this.savedTokens = tokens; }
  redirectToAuthorization(url) { this.authorizationUrl = url; }
  saveCodeVerifier(verifier) { this.verifier = verifier; }
  codeVerifier() { return this.verifier; }
}

async function connect(provider) {
  const client = new Client({ name: "ts-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(MCP_URL, { authProvider: provider }));
  return client;
}

const provider = new Provider();
try {
  await connect(provider);
  throw new Error("expected the first connection to require authorization");
} catch (e) {
  if (!(e instanceof UnauthorizedError)) throw e;
}
const callback = execFileSync("python3", [BROWSER, provider.authorizationUrl.toString(), "--stop", REDIRECT]).toString().trim();
const params = new URL(callback).searchParams;
const transport = new StreamableHTTPClientTransport(MCP_URL, { authProvider: provider });
await transport.finishAuth(params.get("code"));

const client = await connect(provider);
const tools = (await client.listTools()).tools.map((t) => t.name);
const me = await client.callTool({ name: "get_me", arguments: {} });
await client.close();

// The access token stops working: the SDK must refresh with its refresh token and carry on.
const firstToken = provider.savedTokens.access_token;
provider.savedTokens = { ...provider.savedTokens, access_token: "mgw_at_revoked" };
const again = await connect(provider);
const meAgain = await again.callTool({ name: "get_me", arguments: {} });
await again.close();

console.log(JSON.stringify({
  tools,
  me: me.structuredContent,
  is_error: me.isError ?? false,
  iss: params.get("iss"),
  me_after_refresh: meAgain.structuredContent,
  refreshed: provider.savedTokens.access_token !== firstToken && provider.savedTokens.access_token !== "mgw_at_revoked",
}));
