"""Secrets never leave the process: every string bound for a client, a log or a trace passes `redact`.

The one place secrets are masked. Known secrets are those of the process (the server's Arize key
and the HTTP auth token, registered when the server is built) and those of the request being
served (a caller's own `X-Arize-Api-Key`), kept in a context variable: everything the request
produces, in its own task or in tasks it starts, masks that key, and other requests pay nothing
for it. Imports nothing of ours, so every layer that emits text can use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

MASK = "********"

_process_secrets: list[str] = []
_request_secrets: ContextVar[tuple[str, ...]] = ContextVar("arize_mcp_request_secrets", default=())


# A run of visible characters this long, inside a secret with characters that may be shown escaped,
# is masked on its own too; shorter runs could be ordinary words.
MIN_FRAGMENT = 8
_INVISIBLE = re.compile(r"[^!-~]+")


def forms(secret: str) -> set[str]:
    """The ways `secret` can appear in text: as is, escaped as Python or JSON shows it (a key with a
    line break leaks as b'Bearer …\\n…' in an HTTP library's message), and its long visible runs."""
    found = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    found.update(part for part in _INVISIBLE.split(secret) if len(part) >= MIN_FRAGMENT)
    return {form for form in found if form}


def register_secret(value: str | None) -> None:
    """Mask `value` in every output of this process from now on."""
    if value:
        _process_secrets.extend(forms(value) - set(_process_secrets))
        # Longest first, so a secret containing another is masked whole.
        _process_secrets.sort(key=len, reverse=True)


def add_request_secrets(values: Iterable[str | None]) -> None:
    """Mask these in everything the current request produces (its task and the tasks it starts)."""
    known = set(_request_secrets.get())
    fresh = {form for value in values if value for form in forms(value)} - known
    if fresh:
        _request_secrets.set(_request_secrets.get() + tuple(fresh))


def _secrets() -> list[str]:
    return _process_secrets + sorted(_request_secrets.get(), key=len, reverse=True)


def redact(text: str) -> str:
    for secret in _secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_json(value: Any) -> Any:
    """`value` (JSON-shaped: dicts, lists, strings, numbers) with every string redacted, keys included.

    Every tool result passes here, and almost none holds a secret: those are returned as they are,
    after one search of their JSON text instead of a walk that copies them."""
    if isinstance(value, dict | list | tuple) and not _may_hold_secret(value):
        return value
    return _redact_each(value)


def _redact_each(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: _redact_each(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_each(item) for item in value]
    return value


def _may_hold_secret(value: Any) -> bool:
    """False only when no string in `value` contains a secret. JSON escapes a string character by
    character, so a string containing a secret dumps to text containing the secret's escaped form."""
    secrets = _secrets()
    if not secrets:
        return False
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return True  # not plain JSON: the walk decides
    return any(json.dumps(secret, ensure_ascii=False)[1:-1] in text for secret in secrets)
