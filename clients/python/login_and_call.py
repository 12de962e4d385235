#!/usr/bin/env python3
"""The Python `mcp` SDK, unmodified, against the gateway: OAuth discovery, dynamic registration,
PKCE, consent (played by browser.py), GitHub (the emulator), token; then tools/list, get_me, and a
token refresh by the SDK itself. Prints one JSON line with what it saw; exits non-zero on failure.

Usage: login_and_call.py MCP_URL [MODE]. MODE is the SDK's own `Client(mode=...)`: `auto` (default:
probes server/discover, negotiates 2026-07-28, falls back to initialize), `2026-07-28` (stateless
only) or `legacy` (the initialize handshake and a session)."""
import asyncio
import json
import sys
from urllib.parse import parse_qs, urlparse

from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

import browser

MCP_URL = sys.argv[1]
MODE = sys.argv[2] if len(sys.argv) > 2 else "auto"
REDIRECT = "http://127.0.0.1:7779/callback"


class Storage:
    def __init__(self):
        self.tokens = None
        self.client = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, client):
        self.client = client


def provider(storage, landed):
    async def redirect_handler(url):
        landed["url"] = await asyncio.to_thread(browser.run, url, REDIRECT)

    async def callback_handler():
        q = parse_qs(urlparse(landed["url"]).query)
        return AuthorizationCodeResult(code=q["code"][0], state=q.get("state", [None])[0], iss=q.get("iss", [None])[0])

    metadata = OAuthClientMetadata(
        client_name="python sdk e2e",
        redirect_uris=[REDIRECT],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
    )
    return OAuthClientProvider(MCP_URL, metadata, storage, redirect_handler, callback_handler)


async def session_round(auth):
    async with create_mcp_http_client(auth=auth) as http:
        async with Client(streamable_http_client(MCP_URL, http_client=http), mode=MODE, cache=None) as c:
            tools = [t.name for t in (await c.list_tools()).tools]
            me = await c.call_tool("get_me", {})
            return tools, me.structured_content, me.is_error, c.protocol_version


async def main():
    storage, landed = Storage(), {}
    tools, me, is_error, protocol = await session_round(provider(storage, landed))
    first_token = storage.tokens.access_token
    # A new provider on the same storage whose token has expired must refresh it with the SDK's own
    # refresh logic before its first request.
    again = provider(storage, {})
    again.context.token_expiry_time = 1.0
    _, me_again, _, _ = await session_round(again)
    print(json.dumps({
        "protocol": protocol,
        "tools": tools,
        "me": me,
        "is_error": is_error,
        "me_after_refresh": me_again,
        "refreshed": storage.tokens.access_token != first_token,
        "auth_method": storage.client.token_endpoint_auth_method,
    }))


asyncio.run(main())
