"""A log of every request the emulator received, for tests to assert on."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field

NO_RESPONSE_YET = 0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    route: str | None  # route name; None when the path or method matches no route
    raw_path: str  # as sent, still percent-encoded, without the query string
    # Status of the response (of its start, for a dropped connection); 0 while none was sent.
    status: int
    at: float  # time.monotonic() when the request arrived
    authorized: bool  # whether the request carried a valid API key
    query: dict[str, str] = field(default_factory=dict)  # decoded query parameters, as sent


class RequestLog:
    """Requests are logged on arrival, so a client that gave up waiting (a read timeout) still
    finds its request counted; the status is filled in when the response starts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    def arrived(self, request: RecordedRequest) -> int:
        with self._lock:
            self._requests.append(request)
            return len(self._requests) - 1

    def responded(self, index: int, status: int) -> None:
        with self._lock:
            self._requests[index] = dataclasses.replace(self._requests[index], status=status)

    def snapshot(self, route: str | None = None, method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                request
                for request in self._requests
                if route in (None, request.route) and method in (None, request.method)
            ]
