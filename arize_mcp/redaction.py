"""Secrets never leave the process: every string bound for a client, a log or a trace passes `redact`.

The one place secrets are masked. Known secrets are those of the process (the server's Arize key
and the HTTP auth token, registered when the server is built) and those of the request being
served (a caller's own `X-Arize-Api-Key`), kept in a context variable: everything the request
produces, in its own task or in tasks it starts, masks that key, and other requests pay nothing
for it. Imports nothing of ours, so every layer that emits text can use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

MASK = "********"

_process_secrets: list[str] = []
_request_secrets: ContextVar[tuple[str, ...]] = ContextVar("arize_mcp_request_secrets", default=())


def register_secret(value: str | None) -> None:
    """Mask `value` in every output of this process from now on."""
    if value and value not in _process_secrets:
        _process_secrets.append(value)
        # Longest first, so a secret containing another is masked whole.
        _process_secrets.sort(key=len, reverse=True)


def add_request_secrets(values: Iterable[str | None]) -> None:
    """Mask these in everything the current request produces (its task and the tasks it starts)."""
    fresh = tuple(v for v in values if v and v not in _request_secrets.get())
    if fresh:
        _request_secrets.set(_request_secrets.get() + fresh)


def redact(text: str) -> str:
    secrets = _process_secrets + sorted(_request_secrets.get(), key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_json(value: Any) -> Any:
    """`value` (JSON-shaped: dicts, lists, strings, numbers) with every string redacted, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(item) for item in value]
    return value
