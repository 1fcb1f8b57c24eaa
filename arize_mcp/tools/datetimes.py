"""Datetime arguments as agents write them: ISO 8601, or relative to the server's clock.

An agent rarely knows today's date, so `now`, `now-24h`, `-7d` and `-90m` are accepted and
resolved when the tool is called. Naive ISO timestamps are UTC, as in the API.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_RELATIVE = re.compile(r"^(?:now)?\s*(?:([+-])\s*(\d+(?:\.\d+)?)\s*([smhdw]))?$", re.IGNORECASE)

DATETIME_HELP = (
    "ISO 8601 (e.g. 2026-03-01T00:00:00Z; no offset means UTC) or relative to the server clock: "
    "'now', 'now-24h', '-7d', '-90m' (units s, m, h, d, w)."
)


class DatetimeArgumentError(ValueError):
    pass


def resolve_datetime(text: str, now: datetime, *, argument: str) -> datetime:
    value = text.strip()
    if not value:
        raise DatetimeArgumentError(f"{argument} is empty; give {DATETIME_HELP}")
    match = _RELATIVE.match(value)
    if match and (value.lower().startswith("now") or match.group(1)):
        sign, amount, unit = match.groups()
        if sign is None:
            return now
        offset = timedelta(**{_UNITS[unit.lower()]: float(amount)})
        return now - offset if sign == "-" else now + offset
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DatetimeArgumentError(f"{argument}={text!r} is not a datetime; give {DATETIME_HELP}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    precision = "seconds" if value.microsecond == 0 else "milliseconds"
    return value.astimezone(UTC).isoformat(timespec=precision).replace("+00:00", "Z")
