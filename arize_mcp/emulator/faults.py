"""Fault injection and per-key rate limiting: the ways a real server misbehaves."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from arize_mcp.emulator.routes import ROUTE_NAMES


class ConnectionDropped(Exception):
    """Raised after the response has started so the server aborts the connection mid-response."""


@dataclass(frozen=True)
class Fault:
    """How to spoil one request to `route`.

    A `status` of 400 or more replaces the response with a Problem Details error of that status;
    a lower status leaves the response alone, which with `delay` makes a merely slow server.
    A `body` replaces the response with that JSON at `status`: a payload shape the API may send
    that the emulator itself would not (a field left out, say).
    Either response may still be spoiled: `rewrite_body` turns its body into another (HTML,
    truncated JSON, a huge body, a detail that quotes the key…; a real answer is handled first),
    `headers` are added to it (e.g. a Content-Encoding for a body rewritten into gzip), and
    `trickle_seconds` sends it one byte at a time with that pause between bytes.
    """

    route: str
    status: int
    after_handling: bool = False
    delay: float = 0.0
    drop_connection: bool = False
    retry_after: int | None = None
    body: Any = None
    rewrite_body: Callable[[bytes], bytes] | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())
    trickle_seconds: float = 0.0

    @property
    def replaces_response(self) -> bool:
        return self.status >= 400 or self.body is not None

    @property
    def spoils_response(self) -> bool:
        return self.rewrite_body is not None or bool(self.headers) or self.trickle_seconds > 0


@dataclass
class _Queued:
    fault: Fault
    remaining: int


class Faults:
    """Faults queued per route; each request to the route consumes one use of the oldest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []

    def inject(
        self,
        route: str,
        status: int,
        times: int = 1,
        after_handling: bool = False,
        delay: float = 0.0,
        drop_connection: bool = False,
        retry_after: int | None = None,
        body: Any = None,
        rewrite_body: Callable[[bytes], bytes] | None = None,
        headers: dict[str, str] | None = None,
        trickle_seconds: float = 0.0,
    ) -> Fault:
        """Affect the next `times` requests to `route` (after authentication and rate limiting).

        `after_handling=True` processes the request first (a trigger really creates a run) and
        only then replaces or drops the response, like a 5xx after the server did the work. A
        `rewrite_body` always handles the request first: it rewrites the real response.
        """
        if route not in ROUTE_NAMES:
            raise ValueError(f"unknown route {route!r}; expected one of {sorted(ROUTE_NAMES)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        HTTPStatus(status)  # raises ValueError for a status without a standard meaning
        fault = Fault(
            route,
            status,
            after_handling,
            delay,
            drop_connection,
            retry_after,
            body,
            rewrite_body,
            tuple((headers or {}).items()),
            trickle_seconds,
        )
        with self._lock:
            self._queue.append(_Queued(fault, times))
        return fault

    def take(self, route: str) -> Fault | None:
        """Consume one use of the oldest fault queued for `route`, if any."""
        with self._lock:
            for queued in self._queue:
                if queued.fault.route == route:
                    queued.remaining -= 1
                    if queued.remaining == 0:
                        self._queue.remove(queued)
                    return queued.fault
        return None

    def remaining(self, route: str | None = None) -> int:
        """Uses left across the faults queued for `route` (all routes when None)."""
        with self._lock:
            return sum(queued.remaining for queued in self._queue if route in (None, queued.fault.route))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()


class RateLimiter:
    """A token bucket per API key holding up to one second's worth of requests (at least one)."""

    def __init__(
        self, per_second: float, min_retry_after: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive")
        self._rate = per_second
        self._capacity = max(1.0, per_second)
        self._min_retry_after = min_retry_after
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, refreshed at)

    def acquire(self, key: str) -> int | None:
        """Take a token for `key`; when none is left, the seconds to wait (for Retry-After)."""
        now = self._monotonic()
        with self._lock:
            tokens, refreshed = self._buckets.get(key, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - refreshed) * self._rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(self._min_retry_after, math.ceil((1.0 - tokens) / self._rate))
