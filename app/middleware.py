"""ASGI middleware: request size limit, security headers, structured request logs (no IP, user agent or query)."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.errors import PayloadTooLarge, error_response

log = logging.getLogger("app.requests")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
EMBEDDABLE_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")


_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_FRAMED = ((b"content-security-policy", EMBEDDABLE_CSP.encode()), *_HEADERS)
_NOT_FRAMED = ((b"content-security-policy", CSP.encode()), *_HEADERS, (b"x-frame-options", b"DENY"))


NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
# A survey draft cookie (sd<survey id>) with a value: the page shows answers someone saved on this device.
_DRAFT_COOKIE = re.compile(rb"(?:^|[;,]\s*)sd[0-9]+=(?!\"\"|;|$)")
_CREDENTIAL_PARAMS = ("token", "signed")  # path parameters that are links to one person's sign-up or subscription


def must_not_be_stored(scope: Scope, headers: list[tuple[bytes, bytes]]) -> bool:
    """The rule, in one place: which answers no browser or proxy may keep (`Cache-Control: no-store`).

    Every staff page and file; anything answered to a signed-in person or carrying a flash message; anything
    posted; pages reached by a personal link (a sign-up, a subscription, a password link); survey pages that read
    or set a draft cookie (saved answers)."""
    if scope["path"].startswith("/staff") or scope["method"] not in ("GET", "HEAD"):
        return True
    session = scope.get("session") or {}
    if session.get("uid") or session.get("flash"):
        return True
    params = scope.get("path_params") or {}
    if any(name in params for name in _CREDENTIAL_PARAMS):
        return True
    if scope["path"].startswith("/s/"):
        if _DRAFT_COOKIE.search(_header(scope, b"cookie")):
            return True
        return any(name == b"set-cookie" and _DRAFT_COOKIE.match(value) for name, value in headers)
    return False


class SecurityHeaders:
    """Pages may opt in to being framed (the embeddable pledge card) by setting `scope['state']['embeddable']`.
    A header the route set itself is kept, except Cache-Control where `must_not_be_stored` says no-store.
    HSTS is sent when BASE_URL is https. Runs on every answer, so the headers are prepared once, as bytes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = _FRAMED if scope.get("state", {}).get("embeddable", False) else _NOT_FRAMED
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                if must_not_be_stored(scope, headers) and not any(
                        name == b"cache-control" and b"no-store" in value for name, value in headers):
                    headers = [h for h in headers if h[0] not in (b"cache-control", b"expires")]
                    headers.append(NO_STORE)
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in extra if header[0] not in present)
                if get_settings().secure_cookies:  # BASE_URL is https: browsers must never fall back to http
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route: Any = scope.get("route")
            entry = {
                "method": scope["method"],
                # The route template, not the URL: paths can hold tokens, query strings can hold codes.
                "route": getattr(route, "path", None) or "unmatched",
                "status": status["code"],
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
            log.info(json.dumps(entry))


class Compression(GZipMiddleware):
    """Starlette's gzip, entered only by requests that accept gzip: the others (API clients, load tools, some
    proxies) pass straight through, instead of through a responder that inspects every answer to change nothing."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"gzip" in _header(scope, b"accept-encoding"):
            await super().__call__(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> bytes:
    return next((value for key, value in scope["headers"] if key == name), b"")


# No form or upload here needs more (the largest are photos and paper-answer files).
MAX_REQUEST_BYTES = 16 * 1024 * 1024


class BodyLimit:
    """Refuses request bodies over MAX_REQUEST_BYTES with the 413 page, before they are parsed or spooled to disk.

    A declared Content-Length is refused up front; a chunked body is counted as it arrives and stops the request
    (PayloadTooLarge, rendered by the error handlers) as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length") or b"0"
        if declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(Request(scope, receive), 413)
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise PayloadTooLarge
            return message

        await self.app(scope, receive if declared.isdigit() and declared != b"0" else counting_receive, send)
