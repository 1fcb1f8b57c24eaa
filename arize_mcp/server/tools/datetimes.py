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

# What a data window can sensibly span: Arize keeps no data from before 1970, and dates near the end
# of Python's range overflow as soon as an offset or a window is applied to them.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)

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
    out_of_range = ArgumentError(
        f"{argument}={text!r} is outside the range of data windows ({format_datetime(EARLIEST)} to "
        f"{format_datetime(LATEST)})"
    )
    try:
        relative = _RELATIVE.fullmatch(value)
        if relative is not None:
            sign, duration = relative.groups()
            offset = parse_duration(duration)
            resolved = now - offset if sign == "-" else now + offset
        else:
            parsed = datetime.fromisoformat(value)
            resolved = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (GrammarError, ValueError):
        raise not_a_datetime from None
    except OverflowError:
        raise out_of_range from None
    if not EARLIEST <= resolved <= LATEST:
        raise out_of_range
    return resolved


def format_datetime(value: datetime) -> str:
    precision = "seconds" if value.microsecond == 0 else "milliseconds"
    return value.astimezone(UTC).isoformat(timespec=precision).replace("+00:00", "Z")
