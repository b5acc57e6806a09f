"""Outbound HTTP to third parties (payment gateway, AI provider), bounded.

httpx's ``timeout`` limits each network read, so an upstream that drips one
byte at a time could hold a request (and the transaction around a charge) for
as long as it likes. Every call here enforces one deadline for the whole
exchange and a cap on the answer's size (``post_json``, ``get_json``), and turns every transport failure
into one of two exceptions the callers map to their 502s.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_MAX_BYTES = 1024 * 1024


class UpstreamError(Exception):
    """The upstream could not be reached, broke the protocol or sent too much."""


class UpstreamTimeout(UpstreamError):
    """The whole exchange took longer than its deadline."""


@dataclass(frozen=True)
class UpstreamResponse:
    status_code: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not."""
        return json.loads(self.body)


def post_json(
    url: str, *, payload: dict, headers: dict[str, str], timeout: float, max_bytes: int = DEFAULT_MAX_BYTES
) -> UpstreamResponse:
    """POST ``payload`` as JSON and read the answer within ``timeout`` seconds in all."""
    return _exchange("POST", url, json=payload, headers=headers, timeout=timeout, max_bytes=max_bytes)


def get_json(
    url: str,
    *,
    params: dict[str, str],
    headers: dict[str, str],
    timeout: float,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> UpstreamResponse:
    """GET ``url`` with query ``params`` and read the answer within ``timeout`` seconds in all."""
    return _exchange("GET", url, params=params, headers=headers, timeout=timeout, max_bytes=max_bytes)


def _exchange(method: str, url: str, *, timeout: float, max_bytes: int, **request) -> UpstreamResponse:
    deadline = time.monotonic() + timeout
    try:
        with httpx.stream(method, url, timeout=timeout, **request) as response:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise UpstreamError(f"answer larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise UpstreamTimeout(f"no complete answer within {timeout} s")
                chunks.append(chunk)
            if time.monotonic() > deadline:
                raise UpstreamTimeout(f"no complete answer within {timeout} s")
            return UpstreamResponse(status_code=response.status_code, body=b"".join(chunks))
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(f"no answer within {timeout} s") from exc
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        raise UpstreamError(f"transport error: {type(exc).__name__}") from exc
