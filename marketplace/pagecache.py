"""A short-lived cache of whole public pages, for anonymous readers only.

Rendering a list or a detail page costs 10–30 ms of CPU; most of the traffic of a public civic site is
people (and crawlers) who are not signed in, reading the same few pages. Views decorated with
`@public_page` (lists, search, detail pages, the open-data JSON) are kept per worker process for
`PUBLIC_PAGE_CACHE_SECONDS` (0: off, the test configuration) and replayed byte for byte.

* Key: scheme, host, path and query string exactly as sent, and the reader's language (the session's
  `lang`, as `select_locale` resolves it). Nothing else varies for an anonymous reader.
* Stored only when: GET, the reader is anonymous (no `_user_id` in the session, no remember cookie),
  no flashed message was pending or added, the answer was a 200 that is not streamed, no cookie was
  set by the view, and the session gained nothing but the CSRF token (and Flask-Login's `_fresh`).
  A CSRF token in the body is replaced by a placeholder: each reader gets their own token when the page
  is replayed, so a form on a cached page posts as it would on a live one.
* Replayed only when: GET or HEAD, anonymous, no flashed message pending. A reader without a session
  cookie, on a page without a form, is answered here before Flask opens a session or a database
  connection (~0.15 ms in process); otherwise the request context is opened (the session read, and saved if a
  new CSRF token was minted) but no view, no before/after-request function and no query runs (~0.7 ms).
* Signed-in users always get live pages. Any request that may write and succeeded empties this
  worker's cache (the other workers' copies age out within the TTL).
* Bounded: at most `PUBLIC_PAGE_CACHE_BYTES` of bodies per worker (least recently used go first);
  a single body above an eighth of that is not kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache
from flask import Flask, Response, g, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.http import parse_cookie

# the session keys an anonymous page view may add without making its response personal
HARMLESS_NEW_KEYS = frozenset({"csrf_token", "_fresh"})
TOKEN_PLACEHOLDER = b"\x00pagecache-csrf\x00"  # never in a rendered page: control characters are refused
DROPPED_HEADERS = frozenset({"set-cookie", "content-length", "date", "age"})
CACHE_CONTROL = "no-cache"  # browsers and proxies ask again each time: this cache is the only one
READING = frozenset({"GET", "HEAD"})
SAFE = READING | {"OPTIONS"}


def _now() -> float:
    return time.monotonic()  # (tests replace this to move the clock)


def public_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a public, read-only page whose anonymous rendering may be replayed for a few seconds."""
    view.public_page = True  # type: ignore[attr-defined]
    return view


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    needs_token: bool
    stored_at: float
    size: int = 0  # what it holds in memory, its key included (an address can be kilobytes long)


class PageCache:
    """The WSGI side (lookup before Flask) and the Flask side (store after the view) of the cache."""

    def __init__(self, app: Flask) -> None:
        self.app, self.inner = app, app.wsgi_app
        self.lock = threading.Lock()
        self._store: TTLCache | None = None
        self._shape: tuple[int, int] | None = None
        self.generation = 0  # moved on by every clear: a page read before it is not kept after it

    # --- the store ------------------------------------------------------------------------------------

    def ttl(self) -> int:
        return int(self.app.config.get("PUBLIC_PAGE_CACHE_SECONDS") or 0)

    def store(self) -> TTLCache | None:
        ttl = self.ttl()
        if ttl <= 0:
            return None
        shape = (ttl, int(self.app.config.get("PUBLIC_PAGE_CACHE_BYTES") or 32 * 1024 * 1024))
        if shape != self._shape:  # first use, or the configuration changed (tests)
            with self.lock:
                if shape != self._shape:
                    self._store = TTLCache(maxsize=shape[1], ttl=shape[0], timer=lambda: _now(),
                                           getsizeof=lambda e: e.size)
                    self._shape = shape
        return self._store

    def clear(self) -> None:
        with self.lock:
            self.generation += 1
            if self._store is not None:
                self._store.clear()

    def get(self, key: tuple) -> Entry | None:
        store = self.store()
        if store is None:
            return None
        with self.lock:
            entry = store.get(key)
        if entry is not None and _now() - entry.stored_at > self.ttl():
            return None  # (TTLCache counts from the end of the rendering; its data is as old as its start)
        return entry

    def put(self, key: tuple, entry: Entry, generation: int) -> None:
        store = self.store()
        if store is None or entry.size > store.maxsize // 8:
            return
        with self.lock:
            if generation == self.generation:  # no change was saved in this worker while it was drawn
                store[key] = entry

    # --- what a page varies on --------------------------------------------------------------------

    def language(self, chosen: Any) -> str:
        config = self.app.config
        return chosen if chosen in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]

    @staticmethod
    def key(environ: dict[str, Any], language: str) -> tuple:
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
                environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
                language)

    # --- replay (WSGI, before Flask) ---------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in READING or self.ttl() <= 0:
            return self.inner(environ, start_response)
        config = self.app.config
        cookies = parse_cookie(environ.get("HTTP_COOKIE", "")) if environ.get("HTTP_COOKIE") else {}
        if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return self.inner(environ, start_response)
        if config.get("SESSION_COOKIE_NAME", "session") not in cookies:
            entry = self.get(self.key(environ, self.language(None)))
            if entry is None:
                return self.inner(environ, start_response)
            if not entry.needs_token:  # the fast path: no session to read, nothing to write
                return self.respond(entry, entry.body)(environ, start_response)
        return self.replay_with_session(environ, start_response)

    def replay_with_session(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The reader has a session (or needs one for a form's token): read it, mint a token if needed."""
        from flask_wtf.csrf import generate_csrf

        app = self.app
        if not isinstance(app.session_interface, SecureCookieSessionInterface):
            return self.inner(environ, start_response)
        with app.request_context(environ):
            if "_user_id" in session or "_flashes" in session:
                response = None
            else:
                entry = self.get(self.key(environ, self.language(session.get("lang"))))
                if entry is None:
                    response = None
                else:
                    body = entry.body
                    if entry.needs_token:
                        body = body.replace(TOKEN_PLACEHOLDER, generate_csrf().encode())
                    response = self.respond(entry, body)
                    if not app.session_interface.is_null_session(session):
                        app.session_interface.save_session(app, session, response)
        if response is None:
            return self.inner(environ, start_response)
        return response(environ, start_response)

    @staticmethod
    def respond(entry: Entry, body: bytes) -> Response:
        response = Response(body, status=entry.status, headers=list(entry.headers))
        response.headers["Age"] = str(max(0, int(_now() - entry.stored_at)))
        return response

    # --- store (Flask, after everything else) --------------------------------------------------------

    def before(self) -> None:
        if request.method == "GET" and self.ttl() > 0 and self._cacheable_view():
            g.pagecache_session = dict(session)  # what the session held before the view
            g.pagecache_read = (_now(), self.generation)  # when its data is read from

    def _cacheable_view(self) -> bool:
        view = self.app.view_functions.get(request.endpoint or "")
        return bool(getattr(view, "public_page", False))

    def after(self, response: Response) -> Response:
        if request.method not in SAFE and response.status_code < 400:
            self.clear()  # a change was committed: this worker's copies go (the others' age out)
            return response
        before = g.pop("pagecache_session", None)
        if before is None:
            return response
        response.headers.setdefault("Cache-Control", CACHE_CONTROL)
        response.vary.add("Cookie")
        if (response.status_code != 200 or response.is_streamed or response.direct_passthrough
                or "_user_id" in before or "_flashes" in before or "_flashes" in session or "_user_id" in session
                or "Set-Cookie" in response.headers
                or self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
                or not set(session) - set(before) <= HARMLESS_NEW_KEYS
                or any(session.get(k) != v for k, v in before.items() if k not in HARMLESS_NEW_KEYS)):
            return response
        body = response.get_data()
        token = g.get("csrf_token")
        needs_token = bool(token) and token.encode() in body
        if needs_token:
            body = body.replace(token.encode(), TOKEN_PLACEHOLDER)
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() not in DROPPED_HEADERS)
        started, generation = g.pop("pagecache_read")
        key = self.key(request.environ, self.language(before.get("lang")))
        size = len(body) + sum(len(str(part)) for part in key) + sum(len(k) + len(v) for k, v in headers) + 512
        self.put(key, Entry(response.status_code, headers, body, needs_token, started, size), generation)
        return response


def init_app(app: Flask) -> PageCache:
    """Install the cache: call after every other extension and blueprint has registered its request
    functions (its `before` runs first, its `after` last) and before the proxy middleware wraps the app
    (so that the scheme and host in the key are the client's)."""
    cache = PageCache(app)
    app.wsgi_app = cache  # type: ignore[method-assign]
    app.before_request_funcs.setdefault(None, []).insert(0, cache.before)
    app.after_request_funcs.setdefault(None, []).insert(0, cache.after)  # (run in reverse: last)
    app.extensions["pagecache"] = cache
    return cache
