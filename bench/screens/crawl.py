"""A signed-in HTTP client and a crawler of the pages a user reaches, one page per route,
from the home page: shared by the page-time benchmark (`bench/run screens`) and the test
that reads every demo page for words and raw codes (tests/test_demo_words.py). Plain
urllib: only the HTML is read, as quickly as the server sends it."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque

# Paths not crawled: assets, the API, the language switch and logout, downloads.
SKIP_PATHS = re.compile(
    r"^/(static|media|api|i18n|logout|admin/|taxii2|health|metrics)|/(export|download|docx|xlsx|csv|pdf|stix|"
    r"json|ics|print)(/|$|\?)|\.(csv|xlsx|docx|pdf|json|zip|ics|txt|xml)(\?|$)"
)
HREF = re.compile(r"<a\b[^>]*?\bhref=\"([^\"]+)\"", re.IGNORECASE)


class Browser:
    """A signed-in HTTP client with its own cookies."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, str, float]:
        """(status, content type, body, seconds until the whole body arrived)."""
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as resp:
                body = resp.read().decode("utf-8", "replace")
                return resp.status, resp.headers.get_content_type(), body, time.perf_counter() - started
        except urllib.error.HTTPError as exc:
            exc.read()
            return exc.code, "", "", time.perf_counter() - started

    def post(self, path: str, data: dict, page: str) -> None:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=60) as resp:
            resp.read()

    def sign_in(self, username: str, password: str, lang: str) -> None:
        """The login form, then the language switch (the account keeps the language chosen)."""
        _s, _t, page, _d = self.get("/login/")
        self.post("/login/", {"username": username, "password": password}, page)
        _s, _t, page, _d = self.get("/")
        if 'data-testid="user-menu"' not in page:
            raise RuntimeError(f"{username} could not sign in")
        self.post("/i18n/setlang/", {"language": lang, "next": "/"}, page)


def route_of(path: str) -> str:
    """The Django route name of a path (the URLconf of the running settings)."""
    from django.urls import Resolver404, resolve

    try:
        return resolve(urllib.parse.urlsplit(path).path).view_name
    except Resolver404:
        return path


def crawl(client: Browser, *, limit: int = 400, errors: list | None = None) -> list[tuple[str, str, float]]:
    """(path, HTML, seconds) of one page per route the user reaches from the home page,
    breadth first (the menu's pages, then the objects they list). Links that answer a
    server error are added to `errors` as (path, status) when a list is given."""
    seen_routes: set[str] = set()
    queue = deque(["/"])
    queued = {"/"}
    pages = []
    while queue and len(pages) < limit:
        path = queue.popleft()
        route = route_of(path)
        if route in seen_routes:
            continue
        status, content_type, text, seconds = client.get(path)
        if status >= 500 and errors is not None:
            errors.append((path, status))
        if status != 200 or content_type != "text/html":
            continue
        seen_routes.add(route)
        pages.append((path, text, seconds))
        for href in HREF.findall(text):
            target = urllib.parse.urljoin(path, href.replace("&amp;", "&"))
            parts = urllib.parse.urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target in queued or SKIP_PATHS.search(target) or route_of(target) in seen_routes:
                continue
            queued.add(target)
            queue.append(target)
    return pages
