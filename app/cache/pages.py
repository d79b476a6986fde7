"""The public page cache's store and serving: `@public_page` routes, ETags and 304s, and the fast path before routing.

See the package docstring (app/cache/__init__.py) for which pages, who invalidates them and what is never cached.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, ParamSpec, cast

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from app import clock
from app.cache.versions import GROUPS, current_versions, engine_versions
from app.config import get_settings
from app.db import Sessions
from app.web import csrf_token, request_language

# A bump's time is taken before its commit: If-Modified-Since is trusted only once the last change is this old.
SETTLE = timedelta(seconds=5)
MAX_ENTRIES = 1000  # per process; the key includes the query string, so unknown parameters cannot grow it forever
TOKEN_SLOT = b"\x00csrf-token\x00"


# --- the per-process store ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    body: bytes  # the visitor's CSRF token replaced by TOKEN_SLOT
    versions: tuple[int, ...]
    read_at: datetime  # when the versions were read (whole seconds): the page's Last-Modified
    last_change: datetime  # the newest bump among the page's groups
    digest: str
    has_token: bool
    groups: tuple[str, ...] = ()
    route: Any = None  # the route that rendered it, for the request log of a fast-path hit
    gzip_head: bytes = b""  # gzip of the body up to the first token slot (all of it without a slot), ...
    gzip_rest: zlib._Compress | None = None  # ... and the compressor's state there: a hit compresses only the rest
    rest: bytes = b""

    def gzipped(self, token: bytes) -> bytes:
        if self.gzip_rest is None:
            return self.gzip_head
        compressor = self.gzip_rest.copy()
        return self.gzip_head + compressor.compress(self.rest.replace(TOKEN_SLOT, token)) + compressor.flush()


class PageCache:
    """A small LRU of entries; routes run on a thread pool, hence the lock."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[Any, ...], entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def page_cache(app: Any) -> PageCache:
    """The application's cache (one per app object, so every test app starts empty)."""
    found = getattr(app.state, "page_cache", None)
    if found is None:
        found = app.state.page_cache = PageCache()
    return cast(PageCache, found)


# --- serving ----------------------------------------------------------------------------------------------------

P = ParamSpec("P")


def public_page(*groups: str) -> Callable[[Callable[P, Response]], Callable[P, Response]]:
    """Route decorator: serve the page from the cache while none of `groups` has changed.

    The route must take `request: Request` and `session: Session` (FastAPI passes both by name).
    """
    unknown = set(groups) - set(GROUPS)
    if not groups or unknown:
        raise ValueError(f"public_page needs groups from {GROUPS}, got {groups}")

    def decorate(endpoint: Callable[P, Response]) -> Callable[P, Response]:
        names = inspect.signature(endpoint).parameters
        if "request" not in names or "session" not in names:
            raise TypeError(f"{endpoint.__name__}: a cached page needs `request` and `session` parameters")

        @functools.wraps(endpoint)
        def cached(*args: P.args, **kwargs: P.kwargs) -> Response:
            return serve(cast(Request, kwargs["request"]), cast(Session, kwargs["session"]), groups,
                         lambda: endpoint(*args, **kwargs))

        return cached

    return decorate


def is_personal(request: Request) -> bool:
    """A signed-in person or a waiting flash message: the page is theirs alone."""
    session = request.scope.get("session") or {}
    return bool(session.get("uid") or session.get("flash"))


def cache_key(request: Request) -> tuple[Any, ...]:
    return request.url.path, tuple(sorted(request.query_params.multi_items())), request_language(request)


def _wanted(versions: dict[str, tuple[int, datetime]], groups: tuple[str, ...]) -> tuple[tuple[int, ...], datetime]:
    wanted = tuple(versions.get(group, (0, None))[0] for group in groups)
    changes = [versions[group][1] for group in groups if group in versions]
    return wanted, max(changes) if changes else datetime(1970, 1, 1, tzinfo=UTC)


def _fresh(entry: Entry, wanted: tuple[int, ...], now: datetime, seconds: int) -> bool:
    return entry.versions == wanted and timedelta(0) <= now - entry.read_at < timedelta(seconds=seconds)


def serve(request: Request, session: Session, groups: Iterable[str], render_page: Callable[[], Response]) -> Response:
    seconds = get_settings().public_cache_seconds
    if is_personal(request):
        response = render_page()
        response.headers.setdefault("Cache-Control", "private, no-store")
        return response
    versions = current_versions(session) if seconds > 0 and request.method == "GET" else None
    if versions is None:
        return render_page()
    groups = tuple(groups)
    wanted, last_change = _wanted(versions, groups)
    key = cache_key(request)
    store = page_cache(request.app)
    now = clock.now()
    entry = store.get(key)
    if entry is not None and _fresh(entry, wanted, now, seconds):
        return _respond(request, entry, "hit")
    response = render_page()
    fresh = _entry(request, response, wanted, now, last_change, groups)
    if fresh is None:
        return response
    store.put(key, fresh)
    return _respond(request, fresh, "miss")


def _entry(request: Request, response: Response, versions: tuple[int, ...], read_at: datetime,
           last_change: datetime, groups: tuple[str, ...]) -> Entry | None:
    """The response as an entry, or None when it must not be shared."""
    own_headers = {name.lower() for name in response.headers} - {"content-length", "content-type"}
    if (response.status_code != 200 or own_headers or not isinstance(response, HTMLResponse)
            or request.scope.get("state", {}).get("embeddable") or is_personal(request)):
        return None
    body = bytes(response.body)
    token = (request.scope.get("session") or {}).get("csrf")
    has_token = bool(token) and str(token).encode() in body
    if has_token:
        body = body.replace(str(token).encode(), TOKEN_SLOT)
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip framing
    if has_token:
        head, _, rest = body.partition(TOKEN_SLOT)
        gzip_head = compressor.compress(head) + compressor.flush(zlib.Z_SYNC_FLUSH)
        gzip_rest, rest = compressor, TOKEN_SLOT + rest
    else:
        gzip_head, gzip_rest, rest = compressor.compress(body) + compressor.flush(), None, b""
    return Entry(body=body, versions=versions, read_at=read_at, last_change=last_change,
                 digest=hashlib.sha256(body).hexdigest()[:32], has_token=has_token, groups=groups,
                 route=request.scope.get("route"), gzip_head=gzip_head, gzip_rest=gzip_rest, rest=rest)


def _respond(request: Request, entry: Entry, outcome: str) -> Response:
    token = ""
    if entry.has_token:
        token = csrf_token(request)  # a new visitor gets a session and a token here, as render() would give
        etag = 'W/"' + hashlib.sha256(f"{entry.digest}:{token}".encode()).hexdigest()[:32] + '"'
    else:
        etag = f'W/"{entry.digest}"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(entry.read_at.astimezone(UTC), usegmt=True),
        # no-cache = keep it, but ask each time (a 304 is cheap). Shared caches may keep only a page without a
        # token that goes out without a session cookie: one that sets a cookie must never be replayed to others.
        "Cache-Control": f"{'private' if entry.has_token or request.scope.get('session') else 'public'}, no-cache",
        "Vary": "Cookie",
        "X-Cache": outcome,
    }
    if not_modified(request, etag, entry):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):  # compressed once when stored, not per visit
        return HTMLResponse(entry.gzipped(token.encode()),
                            headers={**headers, "Content-Encoding": "gzip", "Vary": "Cookie, Accept-Encoding"})
    return HTMLResponse(entry.body.replace(TOKEN_SLOT, token.encode()) if token else entry.body, headers=headers)


def not_modified(request: Request, etag: str, entry: Entry) -> bool:
    matches = request.headers.get("if-none-match")
    if matches is not None:
        wanted = etag.removeprefix("W/")
        return any(tag.strip().removeprefix("W/") in (wanted, "*") for tag in matches.split(","))
    since = request.headers.get("if-modified-since")
    if since is None or entry.has_token:  # a copy with another session's token must not be confirmed by date
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        return False
    # Only when no change happened near the page's read time can a date alone tell copies apart (whole seconds).
    return when >= entry.read_at and entry.last_change + SETTLE <= entry.read_at


# --- the fast path: a hit answered before routing -------------------------------------------------------------


class FastPath:
    """ASGI middleware (inside the session middleware): answers a GET whose page is in the cache and still current
    without routing, dependencies or the route's thread, which cost far more than the page itself on a hit.
    Everything else (and every miss) goes on to the route, whose @public_page fills the cache."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            response = await self._hit(scope)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _hit(self, scope: Scope) -> Response | None:
        application = scope.get("app")
        seconds = get_settings().public_cache_seconds
        state = getattr(application, "state", None)
        store = getattr(state, "page_cache", None)
        sessions: Sessions | None = getattr(state, "sessions", None)
        engine = sessions.engine() if sessions is not None else None
        if seconds <= 0 or store is None or engine is None or "session" not in scope:
            return None  # (sessions without an engine of their own: the route's own path serves them)
        request = Request(scope)
        entry = store.get(cache_key(request))
        if entry is None or is_personal(request):
            return None
        try:
            versions = await run_in_threadpool(engine_versions, engine)
        except Exception:
            return None
        if versions is None or not _fresh(entry, _wanted(versions, entry.groups)[0], clock.now(), seconds):
            return None
        if entry.route is not None:
            scope["route"] = entry.route
        return _respond(request, entry, "hit")
