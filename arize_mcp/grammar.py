"""The small languages people and agents write values in, each parsed in exactly one place.

- durations: `90m`, `24h`, `1.5d`, `2w` (units s, m, h, d, w);
- yes/no flags: `1`/`true`/`yes`/`on` and `0`/`false`/`no`/`off` (empty is no), any casing;
- seconds: a positive, finite number such as `0.5` or `30`.

Each parser raises `GrammarError` with a message that describes the value, never naming the
setting or argument it came from: the caller knows that name and adds it.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION_HELP = "a number and a unit s, m, h, d or w, such as 90m, 24h or 7d"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)

_YES = frozenset({"1", "true", "yes", "on"})
_NO = frozenset({"", "0", "false", "no", "off"})
FLAG_HELP = "true/yes/1/on or false/no/0/off"


class GrammarError(ValueError):
    """A value that does not follow its grammar; the message says what was expected."""


def parse_duration(text: str) -> timedelta:
    """`24h` -> 24 hours. Zero is allowed; callers that need a positive span check for it."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise GrammarError(f"{text!r} is not a duration: give {DURATION_HELP}")
    amount, unit = match.groups()
    try:
        return timedelta(**{DURATION_UNITS[unit.lower()]: float(amount)})
    except OverflowError:
        raise GrammarError(f"{text!r} is too long a duration") from None


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise GrammarError(f"{text!r} is not a yes/no value: give {FLAG_HELP}")


def parse_seconds(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise GrammarError(f"{text!r} is not a number of seconds") from None
    if not (value > 0 and math.isfinite(value)):
        raise GrammarError(f"{text!r} is not a positive number of seconds")
    return value
