#!/usr/bin/env python3
"""Plays the user's browser for a client that opens the authorization URL (mcp-remote uses $BROWSER):
follows redirects, approves the gateway's consent page, and finally loads the client's loopback
callback so the client receives the code. Standard library only."""
import html
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def fetch(opener, url, data=None):
    try:
        resp = opener.open(urllib.request.Request(url, data=data), timeout=20)
        return resp.status, resp.headers, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def run(url, stop_prefix=None):
    """Follows the flow from `url`. With `stop_prefix`, returns the first redirect to it (the client's
    callback with the code) instead of loading it; otherwise loads it and returns the last URL."""
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(CookieJar()))
    status, headers, body = fetch(opener, url)
    for _ in range(12):
        if status in (301, 302, 303, 307) and headers.get("Location"):
            url = urllib.parse.urljoin(url, headers["Location"])
            if stop_prefix and url.startswith(stop_prefix):
                return url
            status, headers, body = fetch(opener, url)
        elif 'name="csrf_token"' in body:
            field = lambda n: html.unescape(re.search(f'name="{n}" value="([^"]*)"', body).group(1))
            action = html.unescape(re.search(r'action="([^"]*)"', body).group(1))
            form = urllib.parse.urlencode({"request": field("request"), "csrf_token": field("csrf_token"), "decision": "approve"})
            url = action
            status, headers, body = fetch(opener, action, form.encode())
        else:
            if status != 200:
                raise RuntimeError(f"browser stopped at {url} with HTTP {status}: {body[:200]}")
            return url
    raise RuntimeError("too many redirects")


if __name__ == "__main__":
    # `browser.py URL` plays the whole flow (as $BROWSER); `browser.py URL --stop PREFIX` prints the
    # client's callback URL instead of loading it (for clients whose callback the test handles).
    if len(sys.argv) == 4 and sys.argv[2] == "--stop":
        print(run(sys.argv[1], sys.argv[3]))
    else:
        run(sys.argv[1])
