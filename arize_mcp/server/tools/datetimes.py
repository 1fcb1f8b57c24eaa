"""Datetime arguments as agents write them: ISO 8601, or relative to the server's clock.

An agent rarely knows today's date, so `now`, `now-24h`, `-7d` and `-90m` are accepted and
resolved when the tool is called; the offset is a duration of grammar.py. Naive ISO timestamps
are UTC, as in the API.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from arize_mcp.grammar import GrammarError, parse_duration
from arize_mcp.server.errors import ArgumentError

_RELATIVE = re.compile(r"(?:now\s*)?([+-])\s*(.*)", re.IGNORECASE)

DATETIME_HELP = (
    "ISO 8601 (e.g. 2026-03-01T00:00:00Z; no offset means UTC) or relative to the server clock: "
    "'now', 'now-24h', '-7d', '-90m' (units s, m, h, d, w)."
)


def resolve_datetime(text: str, now: datetime, *, argument: str) -> datetime:
    value = text.strip()
    if not value:
        raise ArgumentError(f"{argument} is empty; give {DATETIME_HELP}")
    not_a_datetime = ArgumentError(f"{argument}={text!r} is not a datetime; give {DATETIME_HELP}")
    if value.lower() == "now":
        return now
    try:
        relative = _RELATIVE.fullmatch(value)
        if relative is not None:
            sign, duration = relative.groups()
            offset = parse_duration(duration)
            return now - offset if sign == "-" else now + offset
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (GrammarError, ValueError):
        raise not_a_datetime from None
    except OverflowError:
        raise ArgumentError(f"{argument}={text!r} is outside the range of datetimes") from None


def format_datetime(value: datetime) -> str:
    precision = "seconds" if value.microsecond == 0 else "milliseconds"
    return value.astimezone(UTC).isoformat(timespec=precision).replace("+00:00", "Z")
