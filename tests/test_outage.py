"""Must show: when the database cannot be reached, residents get the 503 page written for people and the API
gets 503 problem+json (never a 500); when it comes back, the same app answers normally again by itself.

The outage is simulated for this app alone, so tests running in parallel are not disturbed: an engine pointed at a
closed port, and (on the PostgreSQL pass) a TCP relay in front of the real server that is cut and restored.
bench/crash.py does the same with a real `pg_ctlcluster stop` under load.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from app.db import make_engine
from app.main import create_app
from tests.conftest import CheckedClient
from tests.databases import on_postgres

TITLE = "Tjänsten är tillfälligt otillgänglig"
EXPLANATION = "Vi kan inte nå databasen just nu"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def _assert_unavailable(client: CheckedClient) -> None:
    page = client.get("/")  # CheckedClient runs the page check on it
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert TITLE in page.text and EXPLANATION in page.text
    api = client.get("/api/v1/municipalities")
    assert api.status_code == 503
    assert api.headers["content-type"] == "application/problem+json"
    body = json.loads(api.text)
    assert body["status"] == 503 and body["title"] == TITLE
    assert client.get("/healthz").status_code == 503


def test_unreachable_database_gives_the_people_page_and_problem_json() -> None:
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nowhere?connect_timeout=2",
                         pool_size=1)
    try:
        with CheckedClient(create_app(engine), base_url="http://testserver") as client:
            _assert_unavailable(client)
            english = client.get("/?lang=en")
            assert english.status_code == 503
            assert '<html lang="en"' in english.text and TITLE not in english.text  # in the visitor's language
    finally:
        engine.dispose()


class Relay:
    """A TCP relay from a local port to PostgreSQL; `cut()` drops every connection and stops listening (as if the
    server went away), `restore()` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _closed_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the blocked accept(); close() alone would not on Linux
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()


@pytest.fixture
def relay(database_url: str) -> Iterator[tuple[Relay, str]]:
    if not on_postgres():
        pytest.skip("the database outage and recovery runs in the PostgreSQL pass")
    url = make_url(database_url)
    found = Relay((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield found, url.set(host="127.0.0.1", port=found.port).render_as_string(hide_password=False)
    finally:
        found.cut()


def test_database_outage_answers_503_then_recovers_without_a_restart(relay: tuple[Relay, str]) -> None:
    server, url = relay
    engine = make_engine(url, pool_size=2)
    try:
        with CheckedClient(create_app(engine), base_url="http://testserver") as client:
            assert client.get("/").status_code == 200  # pooled connections now exist
            assert client.get("/api/v1/municipalities").status_code == 200
            server.cut()  # the pooled connections die and new ones are refused
            _assert_unavailable(client)
            _assert_unavailable(client)  # and again: no 500 from a half-broken pool
            server.restore()
            assert client.get("/healthz").status_code == 200  # the same app: pre-ping replaced the dead ones
            assert client.get("/").status_code == 200
            assert client.get("/api/v1/municipalities").status_code == 200
    finally:
        engine.dispose()
