"""The ways an upstream misbehaves, each as an injection into the emulator on every route, and the
key every reliability test runs with: its bodies quote it wherever a body can, so any output that
passes upstream text on unredacted gives the key away to the grep."""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from arize_mcp.emulator import Emulator
from arize_mcp.emulator.routes import ROUTE_NAMES

CANARY = "reliability-canary-key-6c2e1a"
PERSISTENT = 10_000  # uses of a fault that lasts for the whole call


def quoting_the_key(status: int) -> Callable[[bytes], bytes]:
    def rewrite(_: bytes) -> bytes:
        return json.dumps({"status": status, "title": "Error", "detail": f"API key 'Bearer {CANARY}' …"}).encode()

    return rewrite


def html(_: bytes) -> bytes:
    return f"<html><body>Bad gateway for {CANARY}</body></html>".encode()


def truncated(body: bytes) -> bytes:
    return body[: len(body) // 2]


def undocumented(_: bytes) -> bytes:
    return json.dumps({"message": f"rerouted ({CANARY})"}).encode()


@functools.cache
def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(64)) + packer.flush()


def gzip_bomb(_: bytes) -> bytes:
    return _bomb()


@functools.cache
def _huge() -> bytes:
    return json.dumps({"id": "x", "failure_reason": "y" * (9 * 1024 * 1024)}).encode()


def huge(_: bytes) -> bytes:
    return _huge()


@dataclass(frozen=True)
class UpstreamFault:
    """`injection` goes to `Faults.inject` on every route; `unreachable` stops the server instead.
    `recovers`: the call must succeed despite it (a trigger too, unless `trigger_resent` is False:
    a trigger is never resent after a 5xx); `permanent`: the call must fail. `deadline_seconds` is
    the total deadline per upstream request to run it with."""

    name: str
    injection: dict[str, Any] = field(default_factory=dict)
    unreachable: bool = False
    recovers: bool = False
    trigger_resent: bool = True
    permanent: bool = False
    deadline_seconds: float = 2.0

    def inject(self, emulator: Emulator) -> None:
        if self.injection:
            for route in ROUTE_NAMES:
                emulator.faults.inject(route=route, **{"times": PERSISTENT, **self.injection})


FAULTS = [
    UpstreamFault("none", recovers=True),
    UpstreamFault("slow answer", {"status": 200, "delay": 0.05}, recovers=True),
    UpstreamFault("429 once", {"status": 429, "retry_after": 0, "times": 1}, recovers=True),
    UpstreamFault("503 twice", {"status": 503, "times": 2}, recovers=True, trigger_resent=False),
    UpstreamFault("429 Retry-After 99999", {"status": 429, "retry_after": 99999, "rewrite_body": quoting_the_key(429)}),
    UpstreamFault("500", {"status": 500, "rewrite_body": quoting_the_key(500)}),
    UpstreamFault("502", {"status": 502}),
    UpstreamFault("503", {"status": 503, "rewrite_body": quoting_the_key(503)}),
    UpstreamFault("504", {"status": 504}),
    UpstreamFault("400 quoting the key", {"status": 400, "rewrite_body": quoting_the_key(400)}, permanent=True),
    UpstreamFault("401 quoting the key", {"status": 401, "rewrite_body": quoting_the_key(401)}, permanent=True),
    UpstreamFault("403", {"status": 403}, permanent=True),
    UpstreamFault("404 quoting the key", {"status": 404, "rewrite_body": quoting_the_key(404)}, permanent=True),
    UpstreamFault("409", {"status": 409}, permanent=True),
    UpstreamFault("500 after the work", {"status": 500, "after_handling": True}),
    UpstreamFault("dropped mid-answer", {"status": 500, "after_handling": True, "drop_connection": True}),
    # One byte per 50 ms: no answer completes within the 0.2 s deadline, yet no single read waits long.
    UpstreamFault("trickled answer", {"status": 200, "trickle_seconds": 0.05}, deadline_seconds=0.2),
    UpstreamFault("HTML page", {"status": 200, "rewrite_body": html}),
    UpstreamFault("truncated JSON", {"status": 200, "rewrite_body": truncated}),
    UpstreamFault("undocumented JSON", {"status": 200, "rewrite_body": undocumented}),
    UpstreamFault("gzip bomb", {"status": 200, "rewrite_body": gzip_bomb, "headers": {"content-encoding": "gzip"}}),
    UpstreamFault("9 MB body", {"status": 200, "rewrite_body": huge}),
    UpstreamFault("Arize unreachable", unreachable=True),
]

# What an agent must be told after a trigger that may have started a run it cannot see.
RUN_MAY_EXIST = ("A run WAS started", "may already have started a run", "may have reached Arize")
