"""A scriptable local HTTP server that plays an upstream provider (payments,
AI) badly: slow answers, malformed JSON, wrong types, errors.

Use it to prove that code consuming a third-party API (OWASP API10) validates
what it gets, bounds how long it waits and maps failures to 502/503 instead of
trusting the answer::

    def test_provider_timeout_is_a_bad_gateway(fake_upstream, settings):
        fake_upstream.reply(json={"id": "ch_1"}, delay=2.0)
        settings.PAYMENT_BASE_URL = fake_upstream.url
        settings.PAYMENT_TIMEOUT_SECONDS = 0.2
        ...  # call the service; assert BadGateway and no order marked paid

The server binds 127.0.0.1 on a free port in a background thread; every request
it receives is recorded (``fake_upstream.requests``) so tests can also assert
what was sent (no secrets, the right idempotency key). Import the fixture in a
conftest (``from tests.support.fake_http import fake_upstream``) or use
``FakeUpstream`` as a context manager.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class ScriptedReply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0  # seconds between body bytes: a provider that never stalls long enough to time out


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return jsonlib.loads(self.body)


class FakeUpstream:
    """Answers each request with the next scripted reply (the last one repeats)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._replies: deque[ScriptedReply] = deque()
        self._default = ScriptedReply(status=200, body=b"{}", headers={"Content-Type": "application/json"})
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting ---------------------------------------------------------
    def reply(
        self,
        *,
        status: int = 200,
        json=None,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        drip: float = 0.0,
    ) -> FakeUpstream:
        """Queue one reply: ``json`` (serialized), or raw ``body`` (e.g. malformed JSON).
        ``delay`` waits before answering; ``drip`` sends the body one byte at a time."""
        if json is not None:
            payload = jsonlib.dumps(json).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        else:
            payload = body.encode() if isinstance(body, str) else (body or b"")
            headers = headers or {}
        with self._lock:
            self._replies.append(ScriptedReply(status=status, body=payload, headers=headers, delay=delay, drip=drip))
        return self

    def slow(self, seconds: float, **kwargs) -> FakeUpstream:
        return self.reply(delay=seconds, **{"json": {}, **kwargs})

    def dripping(self, seconds_per_byte: float, **kwargs) -> FakeUpstream:
        """Headers at once, then the body one byte every ``seconds_per_byte``:
        each read is quick, the whole answer is slow (a per-read timeout never fires)."""
        return self.reply(drip=seconds_per_byte, **{"json": {}, **kwargs})

    def malformed_json(self, status: int = 200) -> FakeUpstream:
        return self.reply(
            status=status, body=b'{"id": "ch_1", "status": ', headers={"Content-Type": "application/json"}
        )

    def _next(self) -> ScriptedReply:
        with self._lock:
            if len(self._replies) > 1:
                return self._replies.popleft()
            return self._replies[0] if self._replies else self._default

    # --- lifecycle ---------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "FakeUpstream is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeUpstream:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with upstream._lock:
                    upstream.requests.append(RecordedRequest(self.command, self.path, dict(self.headers), body))
                scripted = upstream._next()
                if scripted.delay:
                    time.sleep(scripted.delay)
                try:
                    self.send_response(scripted.status)
                    for name, value in scripted.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(scripted.body)))
                    self.end_headers()
                    if scripted.drip:
                        for index in range(len(scripted.body)):
                            self.wfile.write(scripted.body[index : index + 1])
                            self.wfile.flush()
                            time.sleep(scripted.drip)
                    else:
                        self.wfile.write(scripted.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): exactly what slow replies test

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format, *args) -> None:  # keep test output clean
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-upstream", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def fake_upstream():
    with FakeUpstream() as upstream:
        yield upstream
