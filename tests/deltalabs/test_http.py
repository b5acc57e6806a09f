"""Outbound HTTP is bounded in time and size, whatever the upstream does."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deltalabs import http


class _Upstream(BaseHTTPRequestHandler):
    mode = "ok"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if self.mode == "ok":
            self.wfile.write(b'{"ok": true}')
        elif self.mode == "drip":
            # One byte every 50 ms: each read is quick, the whole answer is not.
            for byte in b'{"ok": true, "padding": "' + b"x" * 200 + b'"}':
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        elif self.mode == "huge":
            self.wfile.write(b'{"blob": "' + b"x" * 5000 + b'"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/charges"


def test_a_normal_answer(upstream):
    _Upstream.mode = "ok"
    response = http.post_json(url(upstream), payload={"a": 1}, headers={}, timeout=2)
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_a_dripping_answer_is_cut_at_the_deadline(upstream):
    _Upstream.mode = "drip"
    started = time.monotonic()
    with pytest.raises(http.UpstreamTimeout):
        http.post_json(url(upstream), payload={}, headers={}, timeout=0.3)
    # bounded by the deadline plus at most one read, not by the drip's length (~11 s)
    assert time.monotonic() - started < 2


def test_an_oversized_answer_is_refused(upstream):
    _Upstream.mode = "huge"
    with pytest.raises(http.UpstreamError, match="larger than"):
        http.post_json(url(upstream), payload={}, headers={}, timeout=2, max_bytes=1000)


def test_an_unreachable_upstream_is_an_upstream_error():
    with pytest.raises(http.UpstreamError):
        http.post_json("http://127.0.0.1:1/charges", payload={}, headers={}, timeout=1)
