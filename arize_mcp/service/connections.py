"""Connections are gated before any request arrives, so silent ones cannot exhaust descriptors.

uvicorn's `limit_concurrency` counts requests, so connections that never send one still each hold
a file descriptor; enough of them and every accept fails with "Too many open files". Here every
accepted connection is counted: beyond the limit (by default what the process's descriptor limit
leaves room for) it is answered 503 and closed at once, and a connection that has not sent
complete request headers within `header_timeout_seconds` is answered 408 and closed. The
condition is logged once per interval, not once per connection. The hook into uvicorn is
seams.py's `gated_http_protocol`.
"""

from __future__ import annotations

import json
import logging
import resource

from arize_mcp.logs import Throttle

log = logging.getLogger(__name__)

# uvicorn accepts up to `backlog` connections in one burst before any is counted, and the process
# needs descriptors of its own (listener, upstream pool, logs): the limit leaves room for both.
BACKLOG = 128
RESERVED_DESCRIPTORS = BACKLOG + 128
REPORT_INTERVAL_SECONDS = 10.0


def _raw_response(status: str, title: str, extra: str = "") -> bytes:
    body = json.dumps({"status": int(status.split()[0]), "title": title}).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n"
        f"{extra}Connection: close\r\n\r\n"
    )
    return head.encode() + body


REFUSED = _raw_response("503 Service Unavailable", "Too many open connections", "Retry-After: 1\r\n")
TOO_SLOW = _raw_response("408 Request Timeout", "Request headers not received in time")


def connection_limit(configured: int | None) -> int:
    """`configured`, else what the descriptor limit leaves room for (and never more than that)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    room = soft - RESERVED_DESCRIPTORS if soft != resource.RLIM_INFINITY else 1_000_000
    if room < 1:
        room = max(1, soft // 2)
    return min(configured, room) if configured else room


class ConnectionGate:
    """Counts open connections against `limit`; says when one must be refused, logging that rarely."""

    def __init__(self, limit: int, header_timeout_seconds: float) -> None:
        self.limit = limit
        self.header_timeout_seconds = header_timeout_seconds
        self.open = 0
        self._refusals = Throttle(REPORT_INTERVAL_SECONDS)
        self._timeouts = Throttle(REPORT_INTERVAL_SECONDS)

    def enter(self) -> bool:
        """Count a new connection in, or return False when it must be refused."""
        if self.open >= self.limit:
            if self._refusals.ready():
                log.warning(
                    "connection limit reached (%d open): refusing new connections with 503 "
                    "(%d refused since the last report)",
                    self.open,
                    self._refusals.take_suppressed() + 1,
                )
            return False
        self.open += 1
        return True

    def leave(self) -> None:
        self.open -= 1

    def headers_late(self) -> None:
        if self._timeouts.ready():
            log.warning(
                "closed connection(s) that sent no complete request headers within %g s (%d since the last report)",
                self.header_timeout_seconds,
                self._timeouts.take_suppressed() + 1,
            )
